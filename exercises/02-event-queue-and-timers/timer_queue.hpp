#pragma once
// Step 2: timers, and the queue of the ones that are not due at once.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>

#include "dartloop/clock.hpp"

namespace dartloop {

class EventLoop;

/// Dart's timer resolution: whole milliseconds, truncated; a negative duration counts as 0.
std::int64_t whole_milliseconds(Duration d);

/// One timer, shared by its `Timer` handles and by the loop.
struct TimerState {
  std::int64_t ms = 0;         ///< The duration in whole milliseconds.
  std::int64_t wakeup_ms = 0;  ///< When it is due, in the loop's milliseconds.
  std::uint64_t id = 0;        ///< Creation order (the loop counts).
  bool active = true;          ///< False once it fired or was cancelled.
  EventLoop* loop = nullptr;   ///< The loop it belongs to.
  std::function<void()> callback;
};

/// The timers that wait for a deadline, earliest (wakeup_ms, id) first.
class TimerQueue {
 public:
  /// Adds @p timer.
  void push(std::shared_ptr<TimerState> timer);
  /// The earliest timer (only when not empty).
  [[nodiscard]] const std::shared_ptr<TimerState>& top() const;
  /// Removes the earliest timer.
  void pop();
  /// Removes @p timer if it is here (a cancel).
  void erase(const std::shared_ptr<TimerState>& timer);
  /// True when no timer waits.
  [[nodiscard]] bool empty() const;
  /// How many timers wait.
  [[nodiscard]] std::size_t size() const;

 private:
  /// Orders timers by (wakeup_ms, id).
  struct Earlier {
    bool operator()(const std::shared_ptr<TimerState>& a,
                    const std::shared_ptr<TimerState>& b) const;
  };
  std::set<std::shared_ptr<TimerState>, Earlier> timers_;
};

}  // namespace dartloop
