// Step 8: the loop's hook and the starvation watchdog.
// Read exercises/08-generators-and-starvation/README.md first; `./kit hint 08` helps.
#include "watchdog.hpp"

#include <string>
#include <utility>

#include "dartloop/event_loop.hpp"
#include "dartloop/todo.hpp"

namespace dartloop {

bool EventLoop::before_microtask(std::size_t nth) {
  // TODO(step 8): ask the watchdog, if there is one. Until then every microtask may run
  // (this starter keeps steps 1 to 7 working).
  (void)nth;
  return true;
}

StarvationWatchdog::StarvationWatchdog(EventLoop& loop, StarvationBudget budget)
    : loop_(loop), budget_(budget) {
  // TODO(step 8): tell the loop about this watchdog (set_watchdog).
  todo("step 8: StarvationWatchdog::StarvationWatchdog");
}

StarvationWatchdog::~StarvationWatchdog() {
  // TODO(step 8): the loop must forget this watchdog.
}

bool StarvationWatchdog::allows_microtask(std::size_t nth) {
  // TODO(step 8): within the budget (or no budget): true. One too many: fill in a report
  // (observed, limit, what waits), write its message with loop_.write_error, keep it, stop
  // the loop with exit_starvation, and return false.
  (void)nth;
  todo("step 8: StarvationWatchdog::allows_microtask");
}

}  // namespace dartloop
