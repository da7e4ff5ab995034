#pragma once
// Step 2: Dart's `Timer`: a handle to a timer of the current loop.
#include <functional>
#include <memory>
#include <utility>

#include "dartloop/clock.hpp"
#include "dartloop/event_loop.hpp"
#include "timer_queue.hpp"

namespace dartloop {

/// Calls a function once, a duration from now (Dart's `Timer(duration, callback)`).
class Timer {
 public:
  /// A handle to no timer.
  Timer() = default;
  /// Starts a timer on the current loop that calls @p fn after @p duration.
  template <class F>
  Timer(Duration duration, F fn) : Timer(duration, std::function<void()>(std::move(fn)), 0) {}
  /// Dart's `Timer.run`: @p fn as soon as possible, as its own event.
  template <class F>
  static void run(F fn) {
    Timer(Duration::zero(), std::move(fn));
  }
  /// Stops the timer: its callback will not run (even if it is due right now).
  void cancel();
  /// True until the timer has fired or was cancelled.
  [[nodiscard]] bool is_active() const;

 private:
  Timer(Duration duration, std::function<void()> fn, int /*tag*/);
  std::shared_ptr<TimerState> state_;
};

}  // namespace dartloop
