// Step 5, model answer: uncaught errors end the isolate (dart-semantics.md §1.2, §1.3).
#include <exception>
#include <string>
#include <utility>

// Through the umbrella, not "future_errors.hpp": a mutant of that header must be the one seen.
#include "dartloop/dartloop.hpp"
#include "dartloop/event_loop.hpp"

namespace dartloop {

void EventLoop::schedule_priority_microtask(std::function<void()> fn) {
  // The queue only pushes at the back, so it is rebuilt: the priority microtasks already
  // queued, this one, then everything else in its old order. No count is ever taken back:
  // the first priority microtask to run throws and ends the isolate.
  MicrotaskQueue rest = std::move(microtasks_);
  microtasks_ = MicrotaskQueue();
  for (std::size_t i = 0; i < priority_microtasks_ && !rest.empty(); ++i) {
    microtasks_.push(rest.pop());
  }
  microtasks_.push(std::move(fn));
  ++priority_microtasks_;
  while (!rest.empty()) microtasks_.push(rest.pop());
}

void EventLoop::report_uncaught_error(std::exception_ptr error) {
  // Dart's root zone throws the error again, from a microtask that jumps the queue: nothing
  // already queued runs before the isolate learns of it.
  schedule_priority_microtask([error = std::move(error)] { std::rethrow_exception(error); });
}

void EventLoop::handle_uncaught(std::exception_ptr error) {
  // What the `dart` command prints (its stack trace aside), and its exit code.
  write_error("Unhandled exception:\n" + describe(error));
  stop(exit_uncaught_error);  // errors are fatal: nothing that waits runs any more
}

}  // namespace dartloop
