// Step 3, model answer: the loop itself (dart-semantics.md §1.1 and §1.10).
#include "dartloop/event_loop.hpp"

#include <exception>
#include <thread>

namespace dartloop {

int EventLoop::run(std::function<void()> entry) {
  // main is the isolate's first event: what it schedules runs right after it returns.
  post(std::move(entry));
  while (!stopping_) {
    receive_messages();  // step 9: what other isolates sent joins the event queue
    try {
      if (run_one_turn()) continue;  // every microtask, then one event
    } catch (...) {
      // A task threw and nothing caught it: step 5 reports it and ends the isolate.
      handle_uncaught(std::current_exception());
      continue;
    }
    if (stopping_) break;
    if (timers_.empty()) {
      if (wait_for_messages()) continue;  // step 9: an open port may still bring a message
      break;                              // nothing can arrive any more: the isolate ends
    }
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
  if (stopping_) return;
  stopping_ = true;
  exit_code_ = exit_code;
  // Nothing of an ended isolate runs any more: what waits is dropped.
  microtasks_ = MicrotaskQueue();
  events_ = EventQueue();
  timers_ = TimerQueue();
  zero_timers_ = 0;
  timeout_queued_ = false;
}

}  // namespace dartloop
