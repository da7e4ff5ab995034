// Lesson 10: Isolate::run moves a long computation to a new isolate; its result comes back to
// the caller as one more event, behind what the caller had already queued.
#include <dartloop/dartloop.hpp>

using namespace dartloop;

namespace {
// Deliberately slow: on main's thread it would hold up every timer and every event.
int fibonacci(int n) { return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2); }
}  // namespace

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    Timer::run([] { print("zero timer"); });
    Isolate::run([] { return fibonacci(27); }).then([](const int& v) {
      print("fibonacci(27) = ", v);
    });
    schedule_microtask([] { print("microtask"); });
    print("main returns");
  });
}
