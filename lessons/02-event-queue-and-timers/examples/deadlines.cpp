// Lesson 2: deadlines on a virtual clock (whole milliseconds, plus one).
#include <chrono>
#include <dartloop/dartloop.hpp>

using namespace dartloop;
using namespace std::chrono_literals;

namespace {
long ms_now() { return static_cast<long>(EventLoop::current().now().count() / 1000); }
}  // namespace

int main() {
  EventLoop loop(ClockKind::virtual_time);
  loop.within([] {
    Timer(10ms, [] { print("10 ms timer at ", ms_now()); });
    Timer(1ms, [] {
      print("1 ms timer at ", ms_now());
      schedule_microtask([] { print("its microtask at ", ms_now()); });
    });
    Timer(10ms, [] { print("second 10 ms timer at ", ms_now()); });
    Timer(0ms, [] { print("zero timer at ", ms_now()); });
  });
  loop.elapse(20ms);
  return 0;
}
