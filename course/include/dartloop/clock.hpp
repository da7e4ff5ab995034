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

}  // namespace dartloop
