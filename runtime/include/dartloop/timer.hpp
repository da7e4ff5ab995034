#pragma once
/// @file
/// @brief Dart's `Timer`: a callback in the event queue after a delay, once or periodically.

#include <concepts>
#include <cstdint>
#include <source_location>
#include <type_traits>
#include <utility>

#include "dartloop/clock.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/timer_queue.hpp"

namespace dartloop {

/// @brief A handle to a timer of the current loop; copies refer to the same timer.
///
/// Rules (VM `timer_impl.dart`): the duration is cut to whole milliseconds;
/// a zero timer is its own event, FIFO with every other event; a non-zero one
/// is due at `now_ms + 1 + ms` and fires in `(due, creation)` order; timers
/// due together run one by one with a microtask drain after each; a timer
/// created inside a callback never joins the running batch; a periodic timer
/// that falls behind skips the missed ticks. A handle must not outlive its loop.
class Timer {
 public:
  /// @brief An inactive handle that refers to no timer.
  Timer() noexcept = default;

  /// @brief Calls @p fn once, @p duration from now (Dart's `Timer(duration, callback)`).
  template <std::invocable F>
  Timer(Duration duration, F fn, std::source_location where = std::source_location::current())
      : Timer(EventLoop::current(), duration,
              TimerCallback([f = std::move(fn)](Timer&) mutable { f(); }), false, where) {}

  /// @brief Calls @p fn once as soon as possible, as its own event (Dart's `Timer.run`).
  ///
  /// Like Dart's, it returns nothing: with no handle the timer cannot be cancelled, so it
  /// costs no timer node (use `Timer(Duration::zero(), fn)` for a cancellable one).
  template <std::invocable F>
  static void run(F fn, std::source_location where = std::source_location::current()) {
    EventLoop::current().schedule_zero_timer(std::move(fn), where);
  }

  /// @brief Calls @p fn(timer) every @p period until cancelled (Dart's `Timer.periodic`).
  template <std::invocable<Timer&> F>
  static Timer periodic(Duration period, F fn,
                        std::source_location where = std::source_location::current()) {
    return {EventLoop::current(), period, TimerCallback(std::move(fn)), true, where};
  }

  /// @brief Another handle to the same timer.
  Timer(const Timer& other) noexcept;
  /// @brief Refers to @p other's timer instead.
  Timer& operator=(const Timer& other) noexcept;
  /// @brief Takes over @p other's reference.
  Timer(Timer&& other) noexcept;
  /// @brief Takes over @p other's reference.
  Timer& operator=(Timer&& other) noexcept;
  /// @brief Drops this handle; the timer itself keeps running.
  ~Timer();

  /// @brief Stops the timer; a callback not yet run will not run, even in the current batch.
  void cancel() noexcept;
  /// @brief True until a one-shot timer has fired or any timer is cancelled.
  [[nodiscard]] bool is_active() const noexcept;
  /// @brief Number of periods that have passed (skipped ticks count); a fired one-shot timer has 1.
  [[nodiscard]] std::int64_t tick() const noexcept;

  /// @brief True if both handles refer to the same timer.
  friend bool operator==(const Timer& a, const Timer& b) noexcept {
    return a.loop_ == b.loop_ && (a.loop_ == nullptr || a.slot_ == b.slot_);
  }

 private:
  friend class EventLoop;
  Timer(EventLoop& loop, Duration duration, TimerCallback&& callback, bool periodic,
        std::source_location where);
  Timer(EventLoop* loop, TimerSlot slot) noexcept;  // adopts a reference the caller holds

  EventLoop* loop_ = nullptr;
  TimerSlot slot_ = 0;
};

}  // namespace dartloop
