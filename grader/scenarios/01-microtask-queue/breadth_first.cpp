// Scenario (step 1): microtasks that schedule microtasks. Each one goes to the back of the
// queue, so the tree is walked level by level, and one flush runs all of it.
#include <dartloop/dartloop.hpp>
#include <string>

using namespace dartloop;

namespace {
void node(const std::string& name, int depth) {
  print(name);
  if (depth == 0) return;
  schedule_microtask([name, depth] { node(name + "a", depth - 1); });
  schedule_microtask([name, depth] { node(name + "b", depth - 1); });
}
}  // namespace

int main() {
  EventLoop loop(ClockKind::virtual_time);
  loop.within([] {
    schedule_microtask([] { node("r", 2); });
    schedule_microtask([] { print("s"); });
    print("scheduled");
  });
  print("before the flush");
  loop.flush_microtasks();
  print("after the flush, waiting: ", loop.pending_microtasks());
  return 0;
}
