// Lesson 8: a generator that never waits for anything but its own yields is one long chain
// of microtasks: the timer waits for ever. The watchdog stops such a loop.
#include <dartloop/dartloop.hpp>
#include <dartloop/starvation_watchdog.hpp>
#include <string_view>

using namespace dartloop;

Stream<int> naturals() {
  for (int i = 1; i <= 1000000; ++i) co_yield i;
}

int main() {
  EventLoop loop(ClockKind::virtual_time);
  loop.set_error_output([](std::string_view) {});  // the watchdog's report is not shown here
  StarvationWatchdog watchdog(loop, {.microtasks_per_drain = 5});
  const int code = loop.run([] {
    Timer::run([] { print("the timer"); });
    naturals().listen([](const int& v) { print("got ", v); });
  });
  print("exit code ", code, ", stopped before microtask ", watchdog.report()->observed);
  return 0;
}
