// Scenario (step 8): drains of exactly the budget are not a flood. Each event schedules a
// chain of 4 microtasks under a budget of 4 per drain; the count starts again at every drain,
// so the watchdog stays quiet and the program ends normally.
#include <dartloop/dartloop.hpp>
#include <dartloop/starvation_watchdog.hpp>

using namespace dartloop;

namespace {
void chain(int event, int left) {
  if (left == 0) {
    print("event ", event, ": chain done");
    return;
  }
  schedule_microtask([event, left] { chain(event, left - 1); });
}
}  // namespace

int main() {
  EventLoop loop(ClockKind::virtual_time);
  StarvationWatchdog watchdog(loop, {.microtasks_per_drain = 4});
  const int code = loop.run([&loop] {
    for (int e = 1; e <= 3; ++e) loop.post([e] { chain(e, 4); });
  });
  print("exit ", code, watchdog.report() ? ", reported" : ", no report");
  return 0;
}
