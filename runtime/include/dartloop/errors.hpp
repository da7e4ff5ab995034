#pragma once
/// @file
/// @brief Dart's error types that the runtime raises, and how an error is shown.

#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

#include "dartloop/clock.hpp"

namespace dartloop {

/// @brief Dart's `StateError`: an operation at the wrong time; `what()` reads "Bad state: ...".
class StateError : public std::logic_error {
 public:
  /// @brief Makes the error with Dart's "Bad state: " prefix.
  explicit StateError(const std::string& message) : std::logic_error("Bad state: " + message) {}
};

/// @brief Dart's `ArgumentError`: a bad argument; `what()` reads "Invalid argument(s): ...".
class ArgumentError : public std::invalid_argument {
 public:
  /// @brief Makes the error with Dart's "Invalid argument(s): " prefix.
  explicit ArgumentError(const std::string& message)
      : std::invalid_argument("Invalid argument(s): " + message) {}
};

/// @brief Dart's `TypeError`: a value of another type than expected (a failed cast).
class TypeError : public std::logic_error {
 public:
  /// @brief Makes the error; `what()` is @p message.
  explicit TypeError(const std::string& message) : std::logic_error(message) {}
};

/// @brief Dart's `RemoteError`: an error of another isolate, as text (what it said, where).
class RemoteError : public std::runtime_error {
 public:
  /// @brief Makes the error from the other isolate's description and stack trace.
  explicit RemoteError(const std::string& description, std::string stack_trace = {})
      : std::runtime_error(description), stack_trace_(std::move(stack_trace)) {}
  /// @brief Where the error happened in the other isolate (may be empty).
  [[nodiscard]] const std::string& stack_trace() const noexcept { return stack_trace_; }

 private:
  std::string stack_trace_;
};

/// @brief Dart's `TimeoutException`: `what()` reads "TimeoutException after 0:00:00.050000: ...".
class TimeoutException : public std::runtime_error {
 public:
  /// @brief Makes the error with Dart's text for @p message and the time limit @p duration.
  TimeoutException(const std::string& message, Duration duration);
  /// @brief The time limit that passed.
  [[nodiscard]] Duration duration() const noexcept { return duration_; }

 private:
  Duration duration_;
};

/// @brief Dart's `Duration.toString()`: hours, minutes, seconds and six digits of microseconds.
[[nodiscard]] std::string to_dart_string(Duration d);

/// @brief The text Dart's `toString()` would give: `what()`, a thrown string, or a placeholder.
[[nodiscard]] std::string describe(const std::exception_ptr& error);

}  // namespace dartloop
