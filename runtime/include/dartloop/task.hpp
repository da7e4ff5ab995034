#pragma once
/// @file
/// @brief A unit of work for the loop, and the facts about it that tracing needs.

#include <cstdint>
#include <source_location>

#include "dartloop/small_function.hpp"

namespace dartloop {

/// @brief A queued unit of work: 32 bytes of captures fit without an allocation.
using Task = SmallFunction<void(), 32>;

/// @brief Identifies one scheduled task within one loop (0 means "none").
using TaskId = std::uint64_t;

/// @brief What the loop remembers about a task besides its code: who, where, which.
///
/// Every schedule records the source line that asked for it (`where`) and the task
/// that was running at the time (`parent`), so a trace, a demo or a starvation
/// report can say "scheduled at puzzle.cpp:12 by the main event" without any
/// extra bookkeeping by the caller.
struct TaskInfo {
  TaskId id = 0;               ///< Unique per loop, in scheduling order.
  TaskId parent = 0;           ///< The task running when this one was scheduled.
  std::source_location where;  ///< The call that scheduled it.
};

}  // namespace dartloop
