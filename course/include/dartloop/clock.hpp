#pragma once
// Scaffold (given, read-only): the names of time in the course runtime. Step 2 builds the
// virtual clock on them.
#include <chrono>
#include <cstdint>

namespace dartloop {

/// A span of time with Dart's `Duration` resolution (microseconds).
using Duration = std::chrono::microseconds;

/// Which clock drives a loop: tests and lesson examples use virtual time, which moves only
/// when the loop says so, so every run prints the same thing.
enum class ClockKind : std::uint8_t { virtual_time, real_time };

/// Given: the time of one loop, counted from its creation. A virtual clock moves only when the
/// loop moves it (`advance_to`); a real one follows std::chrono::steady_clock.
class Clock {
 public:
  explicit Clock(ClockKind kind) noexcept
      : kind_(kind), origin_(std::chrono::steady_clock::now()) {}
  [[nodiscard]] ClockKind kind() const noexcept { return kind_; }
  [[nodiscard]] Duration now() const noexcept {
    if (kind_ == ClockKind::virtual_time) return virtual_now_;
    return std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - origin_);
  }
  /// Whole milliseconds since the loop started: the clock Dart's timers read.
  [[nodiscard]] std::int64_t now_ms() const noexcept { return now().count() / 1000; }
  /// Moves a virtual clock forward to @p t (never backwards; nothing for a real clock).
  void advance_to(Duration t) noexcept {
    if (kind_ == ClockKind::virtual_time && t > virtual_now_) virtual_now_ = t;
  }

 private:
  ClockKind kind_;
  std::chrono::steady_clock::time_point origin_;
  Duration virtual_now_{0};
};

}  // namespace dartloop
