// Scaffold (given): the members of EventLoop that no step is about.
#include "dartloop/event_loop.hpp"

#include <cstdio>
#include <stdexcept>

namespace dartloop {

namespace {
// The loop of this thread: one isolate is one thread, so "current" is per thread.
thread_local EventLoop* current_loop = nullptr;

// Makes a loop current for a while; nesting restores the previous one.
class Scope {
 public:
  explicit Scope(EventLoop& loop) noexcept : previous_(current_loop) { current_loop = &loop; }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  ~Scope() { current_loop = previous_; }

 private:
  EventLoop* previous_;
};
}  // namespace

EventLoop::EventLoop(ClockKind clock) : clock_(clock) {
  begin_isolate();  // step 9: a loop on a spawned isolate's thread (course/src/isolates.cpp)
}

EventLoop::~EventLoop() {
  end_isolate();  // step 9: ports, and the threads of spawned isolates (course/src/isolates.cpp)
  if (current_loop == this) current_loop = nullptr;
}

EventLoop& EventLoop::current() {
  if (current_loop == nullptr) throw std::logic_error("no EventLoop is running on this thread");
  return *current_loop;
}

EventLoop* EventLoop::current_or_null() noexcept { return current_loop; }

void EventLoop::within(std::function<void()> fn) {
  const Scope scope(*this);
  fn();
}

void EventLoop::write_line(std::string_view line) {
  if (output_) {
    output_(line);
    return;
  }
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void EventLoop::write_error(std::string_view message) {
  if (error_output_) {
    error_output_(message);
    return;
  }
  std::fwrite(message.data(), 1, message.size(), stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace dartloop
