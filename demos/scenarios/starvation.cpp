// Microtask starvation: a chain of microtasks that never ends keeps the loop from its events.
//
// Every link schedules the next one before the queue can empty, so the loop never reaches
// the event queue and the `Timer::run` below never fires. Dart would spin forever; here the
// starvation watchdog counts the drain, names the line that started the chain, and stops
// the isolate with a distinct exit code.
#include "../scenario.hpp"
#include "dartloop/print.hpp"
#include "dartloop/starvation_watchdog.hpp"
#include "dartloop/timer.hpp"

namespace dartloop::demo {

namespace {
void next_link(int n) {
  schedule_microtask([n] {
    print("microtask ", n);
    next_link(n + 1);  // always one more before the queue can empty
  });
}

void flood() {
  schedule_microtask([] {  // the chain starts here
    print("microtask 1");
    next_link(2);
  });
  Timer::run([] { print("event"); });  // waits forever behind the chain
}
}  // namespace

int run_starvation(EventLoop& loop) {
  StarvationWatchdog watchdog(loop, StarvationBudget{.microtasks_per_drain = 1000});
  return loop.run(flood);
}

}  // namespace dartloop::demo
