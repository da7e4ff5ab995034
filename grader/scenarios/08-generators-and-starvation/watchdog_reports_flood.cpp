// Scenario (step 8): the watchdog must report a flood: a self-scheduling microtask, a budget
// of 4 microtasks per drain, an event and a timer kept waiting. It stops the loop with the
// starvation exit code before the 5th microtask runs.
#include <dartloop/dartloop.hpp>
#include <dartloop/starvation_watchdog.hpp>
#include <string_view>

using namespace dartloop;

namespace {
int spins = 0;

void spin() {
  ++spins;
  schedule_microtask(spin);
}
}  // namespace

int main() {
  EventLoop loop(ClockKind::virtual_time);
  loop.set_error_output([](std::string_view) {});  // the report's wording is the runtime's own
  StarvationWatchdog watchdog(loop, {.microtasks_per_drain = 4});
  const int code = loop.run([&loop] {
    loop.post([] { print("the event ran"); });
    Timer(std::chrono::milliseconds(5), [] { print("the timer ran"); });
    schedule_microtask(spin);
  });
  print("exit ", code, ", spins ", spins);
  if (const auto& r = watchdog.report()) {
    print("report: observed ", r->observed, ", limit ", r->limit, ", events waiting ",
          r->events_waiting, ", timers waiting ", r->timers_waiting);
  } else {
    print("no report");
  }
  return 0;
}
