// Looking a program up in PATH, as a shell would: the launcher needs it before it execs (to
// say "not found" in words), the grader to know whether ccache is there.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace dartloop::grader {

/// The path of the executable regular file `name` in $PATH (default "/usr/bin:/bin"; an empty
/// entry is the working folder), or nothing. A name with a '/' is returned as it is.
inline std::optional<std::string> find_program(std::string_view name) {
  if (name.find('/') != std::string_view::npos) return std::string(name);
  const char* search = std::getenv("PATH");
  std::string_view dirs = search != nullptr ? search : "/usr/bin:/bin";
  while (true) {
    const auto colon = dirs.find(':');
    std::string candidate(dirs.substr(0, colon));
    candidate.append(candidate.empty() ? "./" : "/").append(name);
    struct stat info {};
    if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    if (colon == std::string_view::npos) return std::nullopt;
    dirs.remove_prefix(colon + 1);
  }
}

}  // namespace dartloop::grader
