#pragma once
// Scaffold (given): Dart's `print`: one line to the current loop's output, at once.
#include <sstream>
#include <string>
#include <string_view>

namespace dartloop {

/// Writes @p line to the current loop's output (standard output without a loop).
void print(std::string_view line);
/// Writes @p line.
inline void print(const char* line) { print(std::string_view(line)); }
/// Writes @p line.
inline void print(const std::string& line) { print(std::string_view(line)); }
/// Writes its arguments, streamed with `<<` and not separated, as one line.
template <class First, class... Rest>
void print(const First& first, const Rest&... rest) {
  std::ostringstream line;
  line << first;
  ((line << rest), ...);
  print(std::string_view(line.str()));
}

}  // namespace dartloop
