#include "channel.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

namespace dartloop::grader_channel {

namespace {

struct Channel {
  std::string secret;
  int fd = -1;
};

Channel& channel() {
  static Channel c;
  return c;
}

// Reads "<secret> <fd>" from descriptor 3 when the grader gave it, then closes it.
__attribute__((constructor(101))) void take_control() {
  if (fcntl(3, F_GETFD) == -1) return;
  std::string text;
  char buffer[256];
  for (;;) {
    const ssize_t n = read(3, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<std::size_t>(n));
      if (text.size() > 1024) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  close(3);
  const auto space = text.find(' ');
  if (space == std::string::npos || space == 0) return;
  channel().secret = text.substr(0, space);
  channel().fd = std::atoi(text.c_str() + space + 1);
}

}  // namespace

bool open() noexcept { return channel().fd >= 0; }

// One whole line or nothing: a partial write would look like tampering to the grader.
void send(std::string_view what) noexcept {
  const Channel& c = channel();
  if (c.fd < 0) return;
  try {
    std::string line = c.secret;
    line += ' ';
    line += what;
    line += '\n';
    std::size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = write(c.fd, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  } catch (...) {
    // Out of memory for one line: the sentinel is missing and the grader says so.
  }
}

}  // namespace dartloop::grader_channel
