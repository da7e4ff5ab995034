#pragma once
// Step 8: a starvation watchdog. Microtasks always run before the next event, so a chain of
// microtasks that never ends (an async* generator that yields without ever waiting for an
// event, a microtask that schedules itself) keeps every event and timer waiting for ever.
// The watchdog counts the microtasks of one drain and, past its budget, stops the loop with
// a report instead of letting it hang.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "dartloop/event_loop.hpp"

namespace dartloop {

/// The limits whose breach means the loop is starving (zero: no limit).
struct StarvationBudget {
  std::size_t microtasks_per_drain = 0;  ///< Microtasks run in one drain.
};

/// Which limit was broken.
enum class StarvationKind : std::uint8_t {
  microtask_flood,  ///< Too many microtasks in one drain.
};

/// What the watchdog found.
struct StarvationReport {
  StarvationKind kind = StarvationKind::microtask_flood;  ///< The broken limit.
  std::uint64_t observed = 0;      ///< The number of the microtask that was about to start.
  std::uint64_t limit = 0;         ///< The budget.
  std::size_t events_waiting = 0;  ///< Events that could not run meanwhile.
  std::size_t timers_waiting = 0;  ///< Timers pending meanwhile.
  std::string message;             ///< The diagnostic, as written to the error output.
};

/// Watches a loop against a budget; on a breach it reports and stops the loop with
/// `exit_starvation`.
class StarvationWatchdog {
 public:
  /// Starts watching @p loop.
  StarvationWatchdog(EventLoop& loop, StarvationBudget budget);
  StarvationWatchdog(const StarvationWatchdog&) = delete;
  StarvationWatchdog& operator=(const StarvationWatchdog&) = delete;
  /// Stops watching.
  ~StarvationWatchdog();

  /// The breach found, if any.
  [[nodiscard]] const std::optional<StarvationReport>& report() const noexcept { return report_; }

  /// Called (through the loop) before the @p nth microtask of a drain: false when it must not
  /// run because the budget is spent (the loop is stopped then).
  bool allows_microtask(std::size_t nth);

 private:
  EventLoop& loop_;
  StarvationBudget budget_;
  std::optional<StarvationReport> report_;
};

}  // namespace dartloop
