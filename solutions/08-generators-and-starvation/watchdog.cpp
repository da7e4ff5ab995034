// Step 8, model answer: the loop's hook and the starvation watchdog.
#include "watchdog.hpp"

#include <string>
#include <utility>

#include "dartloop/event_loop.hpp"

namespace dartloop {

bool EventLoop::before_microtask(std::size_t nth) {
  // Without a watchdog every microtask runs, as in steps 1 to 7.
  return watchdog_ == nullptr || watchdog_->allows_microtask(nth);
}

StarvationWatchdog::StarvationWatchdog(EventLoop& loop, StarvationBudget budget)
    : loop_(loop), budget_(budget) {
  loop_.set_watchdog(this);
}

StarvationWatchdog::~StarvationWatchdog() { loop_.set_watchdog(nullptr); }

bool StarvationWatchdog::allows_microtask(std::size_t nth) {
  if (budget_.microtasks_per_drain == 0 || nth <= budget_.microtasks_per_drain) return true;
  // One microtask too many: the events waiting behind this drain would never get a turn.
  StarvationReport r;
  r.observed = nth;
  r.limit = budget_.microtasks_per_drain;
  r.events_waiting = loop_.pending_events();
  r.timers_waiting = loop_.pending_timers();
  r.message = "dartloop watchdog: microtask starvation\n  budget:  " + std::to_string(r.limit) +
              " microtasks in one drain; microtask " + std::to_string(nth) +
              " was about to start\n  waiting: " + std::to_string(r.events_waiting) +
              " event(s) and " + std::to_string(r.timers_waiting) + " timer(s) waiting" +
              "\n  the isolate was stopped with exit code " + std::to_string(exit_starvation);
  loop_.write_error(r.message);
  report_ = std::move(r);
  loop_.stop(exit_starvation);  // drops what waits: nothing of this isolate runs any more
  return false;
}

}  // namespace dartloop
