// Lesson 1: microtasks run in the order they were scheduled, and only when the loop flushes.
#include <dartloop/dartloop.hpp>

using namespace dartloop;

int main() {
  EventLoop loop(ClockKind::virtual_time);
  loop.within([] {
    print("start");
    schedule_microtask([] { print("a"); });
    schedule_microtask([] { print("b"); });
    print("end");
  });
  loop.flush_microtasks();
  return 0;
}
