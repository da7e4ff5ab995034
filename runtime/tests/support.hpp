#pragma once
// Small helpers shared by the runtime's unit tests: a lifetime-counting type and output capture.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dartloop/event_loop.hpp"
#include "dartloop/print.hpp"

namespace dartloop::test {

/// Tallies of the `Counted` objects that share one `Lifetime`.
struct Lifetime {
  int live = 0;              ///< Constructed and not yet destroyed.
  int destroyed = 0;         ///< Destructor calls on live objects.
  int double_destroyed = 0;  ///< Destructor calls on objects that were already destroyed.
};

/// A value that reports every construction and destruction to its `Lifetime`.
///
/// Captured in a task, it proves that the task's captures are destroyed exactly once: `live`
/// returns to zero and `double_destroyed` stays zero. It is nothrow-movable and two words
/// big, so a lambda capturing it stays within a task's inline storage.
class Counted {
 public:
  explicit Counted(Lifetime& lifetime) noexcept : lifetime_(&lifetime) { ++lifetime_->live; }
  Counted(const Counted& other) noexcept : lifetime_(other.lifetime_) { ++lifetime_->live; }
  Counted(Counted&& other) noexcept : lifetime_(other.lifetime_) { ++lifetime_->live; }
  Counted& operator=(const Counted&) = delete;
  Counted& operator=(Counted&&) = delete;
  ~Counted() {
    if (state_ != alive) {
      ++lifetime_->double_destroyed;
      return;
    }
    state_ = dead;
    --lifetime_->live;
    ++lifetime_->destroyed;
  }

 private:
  static constexpr std::uint32_t alive = 0xA11CEu;
  static constexpr std::uint32_t dead = 0xDEADu;
  Lifetime* lifetime_;
  std::uint32_t state_ = alive;
};

/// Sends a loop's printed lines and error reports into vectors.
inline void capture(EventLoop& loop, std::vector<std::string>& lines) {
  loop.set_output([&lines](std::string_view line) { lines.emplace_back(line); });
}

inline void capture_errors(EventLoop& loop, std::vector<std::string>& errors) {
  loop.set_error_output([&errors](std::string_view line) { errors.emplace_back(line); });
}

/// Whole milliseconds of the running loop's clock.
inline std::int64_t now_ms() { return EventLoop::current().now().count() / 1000; }

/// What an isolate did: its exit code, its printed lines and its error reports.
struct IsolateRun {
  int exit_code = 0;                ///< What `EventLoop::run` returned.
  std::vector<std::string> output;  ///< Printed lines, in order.
  std::vector<std::string> errors;  ///< Error reports ("Unhandled exception: ...").
};

/// Runs @p program as the main of a fresh virtual-clock isolate and records what it did.
template <class F>
IsolateRun run_isolate(F program) {
  EventLoop loop(ClockKind::virtual_time);
  IsolateRun run;
  capture(loop, run.output);
  capture_errors(loop, run.errors);
  run.exit_code = loop.run(std::move(program));
  return run;
}

/// True if @p s starts with @p prefix.
inline bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

/// True if @p part occurs in @p s.
inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

/// Prints @p label from a microtask queued now.
inline void queue_print(std::string label) {
  schedule_microtask([label = std::move(label)] { print(label); });
}

}  // namespace dartloop::test
