// Lesson 3: a program lives as long as something can still happen.
#include <chrono>
#include <dartloop/dartloop.hpp>

using namespace dartloop;
using namespace std::chrono_literals;

namespace {
long ms_now() { return static_cast<long>(EventLoop::current().now().count() / 1000); }
}  // namespace

int main() {
  EventLoop loop(ClockKind::virtual_time);
  const int code = loop.run([] {
    print("main returns at ", ms_now());
    Timer(500ms, [] {
      print("timer at ", ms_now());
      schedule_microtask([] { print("last microtask at ", ms_now()); });
    });
  });
  print("the loop ended at ", static_cast<long>(loop.now().count() / 1000), " with code ", code);
  return 0;
}
