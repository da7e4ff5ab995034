#pragma once
/// @file
/// @brief Reference-only: notices when microtasks or one long event keep the loop from its events.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "dartloop/event_loop.hpp"
#include "dartloop/loop_observer.hpp"

namespace dartloop {

/// @brief Limits whose breach means the loop is starving; zero means "no limit".
struct StarvationBudget {
  std::size_t microtasks_per_drain = 0;  ///< Microtasks run in one drain.
  Duration drain_time{0};                ///< Time spent in one drain.
  Duration event_time{0};                ///< Time spent in one event (or timer) callback.
};

/// @brief Which limit was broken.
enum class StarvationKind : std::uint8_t {
  microtask_flood,  ///< Too many microtasks in one drain.
  slow_drain,       ///< One drain took too long.
  blocked_event,    ///< One event kept the thread too long.
};

/// @brief What the watchdog found, for a person and for a program.
struct StarvationReport {
  StarvationKind kind = StarvationKind::microtask_flood;  ///< The broken limit.
  std::uint64_t observed = 0;      ///< Microtasks run, or microseconds spent.
  std::uint64_t limit = 0;         ///< The budget, in the same unit.
  TaskInfo culprit;                ///< The call that started the chain, or the blocking event.
  std::size_t events_waiting = 0;  ///< Events that could not run meanwhile.
  std::size_t timers_waiting = 0;  ///< Timers pending meanwhile.
  std::string message;             ///< The diagnostic as printed.
};

/// @brief Reads elapsed time for the time budgets; tests pass a fake one.
using Stopwatch = std::function<Duration()>;

/// @brief Watches a loop against a `StarvationBudget`; on a breach it reports and stops the loop.
///
/// The report names the kind of starvation, the budget, and the line that
/// started the offending microtask chain (the first microtask scheduled by a
/// non-microtask: every later one in the chain inherits it) or the event that
/// held the thread. The loop then ends with `exit_starvation` instead of
/// hanging. Time budgets are checked when a task starts or ends: a callback that
/// never returns cannot be interrupted from its own thread.
class StarvationWatchdog : public LoopObserver {
 public:
  /// @brief Starts watching @p loop; @p stopwatch defaults to the steady clock.
  StarvationWatchdog(EventLoop& loop, StarvationBudget budget, Stopwatch stopwatch = {});
  StarvationWatchdog(const StarvationWatchdog&) = delete;
  StarvationWatchdog& operator=(const StarvationWatchdog&) = delete;
  StarvationWatchdog(StarvationWatchdog&&) = delete;
  StarvationWatchdog& operator=(StarvationWatchdog&&) = delete;
  /// @brief Stops watching.
  ~StarvationWatchdog() override;

  /// @brief The breach found, if any.
  [[nodiscard]] const std::optional<StarvationReport>& report() const noexcept { return report_; }

  void on_schedule(QueueKind queue, const TaskInfo& task, Duration now) override;
  void on_start(QueueKind queue, const TaskInfo& task, Duration now) override;
  void on_end(QueueKind queue, const TaskInfo& task, Duration now) override;

 private:
  void breach(StarvationKind kind, std::uint64_t observed, std::uint64_t limit,
              const TaskInfo& culprit);

  EventLoop& loop_;
  StarvationBudget budget_;
  Stopwatch stopwatch_;
  std::optional<StarvationReport> report_;
  std::unordered_map<TaskId, TaskInfo> chain_origin_;  // queued microtask -> start of its chain
  TaskInfo running_origin_;
  TaskInfo running_event_;
  bool running_microtask_ = false;
  bool in_drain_ = false;
  std::size_t drained_ = 0;
  Duration drain_started_{0};
  Duration event_started_{0};
};

}  // namespace dartloop
