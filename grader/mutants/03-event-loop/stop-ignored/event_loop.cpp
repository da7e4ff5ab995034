// Mutant (misconception): stop only sets the exit code; the loop runs on until nothing is left.
#include "dartloop/event_loop.hpp"

#include <thread>

namespace dartloop {

int EventLoop::run(std::function<void()> entry) {
  // main is the isolate's first event: what it schedules runs right after it returns.
  post(std::move(entry));
  while (!stopping_) {
    if (run_one_turn()) continue;             // every microtask, then one event
    if (stopping_ || timers_.empty()) break;  // nothing can arrive any more: the isolate ends
    // Idle until the earliest timer: a virtual clock jumps there, a real one waits.
    const Duration due{timers_.top()->wakeup_ms * 1000};
    if (clock_.kind() == ClockKind::virtual_time) {
      clock_.advance_to(due);
    } else if (due > clock_.now()) {
      std::this_thread::sleep_for(due - clock_.now());
    }
  }
  return exit_code_;
}

void EventLoop::stop(int exit_code) noexcept {
  exit_code_ = exit_code;  // remembered, but the loop goes on
}

}  // namespace dartloop
