#pragma once
/// @file
/// @brief The side channel through which tracing and the watchdog watch a loop.

#include <cstdint>
#include <string_view>

#include "dartloop/clock.hpp"
#include "dartloop/event_queue.hpp"
#include "dartloop/task.hpp"

namespace dartloop {

/// @brief Which queue a task lives in.
enum class QueueKind : std::uint8_t {
  microtask,  ///< The microtask queue.
  event,      ///< The event queue.
  timer,      ///< The timer heap or the zero-timer FIFO.
};

/// @brief Short lower-case name of a queue kind ("microtask", "event", "timer").
[[nodiscard]] constexpr std::string_view to_string(QueueKind q) noexcept {
  switch (q) {
    case QueueKind::microtask: return "microtask";
    case QueueKind::event: return "event";
    case QueueKind::timer: return "timer";
  }
  return "?";
}

/// @brief Short lower-case name of an event kind ("task", "zero-timer", "timeout").
[[nodiscard]] constexpr std::string_view to_string(EventKind k) noexcept {
  switch (k) {
    case EventKind::task: return "task";
    case EventKind::zero_timer: return "zero-timer";
    case EventKind::timeout: return "timeout";
  }
  return "?";
}

/// @brief Receives every scheduling decision of a loop; all hooks default to nothing.
///
/// Observers are how reference-only tools (the tracer, the starvation watchdog,
/// the demo recorder) see the loop without the loop knowing about them. A loop
/// with no observer pays one predictable branch per hook. Hooks run on the
/// loop's thread, in the order the loop does things; they must not schedule work.
class LoopObserver {
 public:
  LoopObserver() = default;
  LoopObserver(const LoopObserver&) = delete;
  LoopObserver& operator=(const LoopObserver&) = delete;
  LoopObserver(LoopObserver&&) = delete;
  LoopObserver& operator=(LoopObserver&&) = delete;
  virtual ~LoopObserver() = default;

  /// @brief A task joined @p queue (a timer: was armed or re-armed).
  virtual void on_schedule(QueueKind queue, const TaskInfo& task, Duration now) {
    (void)queue, (void)task, (void)now;
  }
  /// @brief A task left @p queue and starts running.
  virtual void on_start(QueueKind queue, const TaskInfo& task, Duration now) {
    (void)queue, (void)task, (void)now;
  }
  /// @brief The task started last in @p queue returned (or threw).
  virtual void on_end(QueueKind queue, const TaskInfo& task, Duration now) {
    (void)queue, (void)task, (void)now;
  }
  /// @brief An event of kind @p kind starts being handled (timer events then start their timers).
  virtual void on_event(EventKind kind, const TaskInfo& event, Duration now) {
    (void)kind, (void)event, (void)now;
  }
  /// @brief A timer was cancelled before it fired.
  virtual void on_cancel(const TaskInfo& timer, Duration now) { (void)timer, (void)now; }
  /// @brief Virtual time jumped forward because nothing was runnable earlier.
  virtual void on_advance(Duration from, Duration to) { (void)from, (void)to; }
  /// @brief A line was printed by the isolate.
  virtual void on_output(std::string_view line, Duration now) { (void)line, (void)now; }
  /// @brief An error nobody handled ends the isolate; @p message is what stderr shows.
  virtual void on_uncaught(std::string_view message, const TaskInfo& task, Duration now) {
    (void)message, (void)task, (void)now;
  }
  /// @brief The async function call @p frame suspended at the `co_await` at `frame.where`.
  virtual void on_suspend(const TaskInfo& frame, Duration now) { (void)frame, (void)now; }
  /// @brief The async function call @p frame resumed after the `co_await` at `frame.where`.
  virtual void on_resume(const TaskInfo& frame, Duration now) { (void)frame, (void)now; }
  /// @brief The loop stopped (normally, after an uncaught error, or when told to).
  virtual void on_exit(int exit_code, Duration now) { (void)exit_code, (void)now; }
};

}  // namespace dartloop
