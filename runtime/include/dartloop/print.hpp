#pragma once
/// @file
/// @brief Dart's `print`: one line to the running isolate's output, right away.

#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

namespace dartloop {

/// @brief Writes @p line and a newline to the current loop's output (stdout without a loop).
void print(std::string_view line);

/// @brief Writes @p line to the current loop's output.
inline void print(const char* line) { print(std::string_view(line)); }

/// @brief Writes @p line to the current loop's output.
inline void print(const std::string& line) { print(std::string_view(line)); }

/// @brief Writes its arguments, streamed with `<<` and not separated, as one line.
///
/// A single string argument picks the non-template overloads above (exact matches win).
template <class First, class... Rest>
void print(const First& first, const Rest&... rest) {
  std::ostringstream line;
  line << first;
  ((line << rest), ...);
  print(std::string_view(line.str()));
}

}  // namespace dartloop
