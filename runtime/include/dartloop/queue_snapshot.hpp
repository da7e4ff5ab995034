#pragma once
/// @file
/// @brief A read-only picture of a loop's queues at one instant, for demos, traces and diagrams.

#include <cstdint>
#include <vector>

#include "dartloop/clock.hpp"
#include "dartloop/event_queue.hpp"
#include "dartloop/task.hpp"

namespace dartloop {

/// @brief One event waiting in the event queue.
struct PendingEvent {
  EventKind kind = EventKind::task;  ///< What the event stands for.
  TaskInfo info;                     ///< Who scheduled it, where.
};

/// @brief One timer waiting to fire.
struct PendingTimer {
  TaskInfo info;               ///< Timer id and the line that created it.
  std::int64_t wakeup_ms = 0;  ///< Loop milliseconds at which it is due.
  std::int64_t period_ms = 0;  ///< Period of a periodic timer, else 0.
  bool periodic = false;       ///< Re-arms after each call.
  bool active = true;          ///< False for a cancelled zero timer still awaiting its event.
};

/// @brief An async function (coroutine) suspended at an `co_await`, waiting to be resumed.
///
/// `info.id` identifies the call, `info.where` is the `co_await` it waits at (its
/// `function_name()` names the async function).
struct SuspendedFrame {
  TaskInfo info;  ///< The call's id and the `co_await` it waits at.
};

/// @brief The queues of one loop, front first, as they are between two tasks.
struct QueueSnapshot {
  Duration now{0};                        ///< Loop time.
  std::vector<TaskInfo> microtasks;       ///< Microtask queue, head first.
  std::vector<PendingEvent> events;       ///< Event queue, head first.
  std::vector<PendingTimer> timers;       ///< Pending timers in firing order.
  std::vector<SuspendedFrame> suspended;  ///< Suspended async functions, oldest call first.
};

}  // namespace dartloop
