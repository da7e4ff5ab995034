// Scaffold (given): print goes to the current loop, or to standard output without one.
#include "dartloop/print.hpp"

#include <cstdio>

#include "dartloop/event_loop.hpp"

namespace dartloop {

void print(std::string_view line) {
  if (EventLoop* loop = EventLoop::current_or_null()) {
    loop->write_line(line);
    return;
  }
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
}

}  // namespace dartloop
