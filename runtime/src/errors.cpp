#include "dartloop/errors.hpp"

#include <cstdint>
#include <cstdio>
#include <string>

namespace dartloop {

std::string to_dart_string(Duration d) {
  std::int64_t us = d.count();
  std::string sign;
  if (us < 0) {
    sign = "-";
    us = -us;
  }
  const std::int64_t hours = us / 3'600'000'000;
  const std::int64_t minutes = us / 60'000'000 % 60;
  const std::int64_t seconds = us / 1'000'000 % 60;
  const std::int64_t micros = us % 1'000'000;
  char text[64];
  std::snprintf(text, sizeof text, "%s%lld:%02lld:%02lld.%06lld", sign.c_str(),
                static_cast<long long>(hours), static_cast<long long>(minutes),
                static_cast<long long>(seconds), static_cast<long long>(micros));
  return text;
}

TimeoutException::TimeoutException(const std::string& message, Duration duration)
    : std::runtime_error("TimeoutException after " + to_dart_string(duration) + ": " + message),
      duration_(duration) {}

std::string describe(const std::exception_ptr& error) {
  if (!error) return "null";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (const std::string& s) {
    return s;
  } catch (const char* s) {
    return s;
  } catch (...) {
    return "Instance of a non-standard C++ exception";
  }
}

}  // namespace dartloop
