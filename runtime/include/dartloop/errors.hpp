#pragma once
/// @file
/// @brief Dart's error types that the runtime raises, and how an error is shown.

#include <exception>
#include <stdexcept>
#include <string>

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

/// @brief The text Dart's `toString()` would give: `what()`, a thrown string, or a placeholder.
[[nodiscard]] std::string describe(const std::exception_ptr& error);

}  // namespace dartloop
