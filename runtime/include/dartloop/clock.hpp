#pragma once
/// @file
/// @brief Time for a loop: a virtual clock for tests and demos, the real one for programs.

#include <chrono>
#include <cstdint>

namespace dartloop {

/// @brief A span of time with Dart's `Duration` resolution (microseconds).
using Duration = std::chrono::microseconds;

/// @brief Which clock drives a loop.
enum class ClockKind : std::uint8_t {
  virtual_time,  ///< Time moves only when the loop is idle or told to: every run replays
                 ///< identically.
  real_time,     ///< `std::chrono::steady_clock`; the loop sleeps in Boost.Asio until the next
                 ///< deadline.
};

/// @brief Dart's timer resolution: whole milliseconds, truncated, negatives as zero.
///
/// The VM converts with `Duration.inMilliseconds` (999 us becomes 0 ms, 1500 us
/// becomes 1 ms) and treats a negative duration as zero (`timer_patch.dart`).
[[nodiscard]] constexpr std::int64_t whole_milliseconds(Duration d) noexcept {
  const std::int64_t ms = d.count() / 1000;
  return ms < 0 ? 0 : ms;
}

/// @brief The time source of one loop, counted from the loop's creation.
class Clock {
 public:
  /// @brief Starts a clock of the given kind at time zero.
  explicit Clock(ClockKind kind) noexcept
      : kind_(kind), origin_(std::chrono::steady_clock::now()) {}

  /// @brief Which kind this clock is.
  [[nodiscard]] ClockKind kind() const noexcept { return kind_; }

  /// @brief Time since the loop started.
  [[nodiscard]] Duration now() const noexcept {
    if (kind_ == ClockKind::virtual_time) return virtual_now_;
    return std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - origin_);
  }

  /// @brief Whole milliseconds since the loop started (the VM's timer clock).
  [[nodiscard]] std::int64_t now_ms() const noexcept { return now().count() / 1000; }

  /// @brief Moves virtual time forward to @p t; never backwards, no effect on real time.
  void advance_to(Duration t) noexcept {
    if (kind_ == ClockKind::virtual_time && t > virtual_now_) virtual_now_ = t;
  }

  /// @brief The steady-clock instant at which a real clock reads @p t.
  [[nodiscard]] std::chrono::steady_clock::time_point steady_at(Duration t) const noexcept {
    return origin_ + t;
  }

 private:
  ClockKind kind_;
  std::chrono::steady_clock::time_point origin_;
  Duration virtual_now_{0};
};

}  // namespace dartloop
