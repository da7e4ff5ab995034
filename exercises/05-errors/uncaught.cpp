// Step 5: uncaught errors end the isolate.
// Read exercises/05-errors/README.md first; `./kit hint 05` helps when stuck.
#include <exception>
#include <string>
#include <utility>

// Through the umbrella, not "future_errors.hpp": a mutant of that header must be the one seen.
#include "dartloop/dartloop.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/todo.hpp"

namespace dartloop {

void EventLoop::schedule_priority_microtask(std::function<void()> fn) {
  // TODO(step 5): put `fn` at the head of the microtask queue, but behind the priority
  // microtasks queued before it (count them in `priority_microtasks_`). The queue only
  // pushes at the back: move it out, and push back what goes in front, `fn`, then the rest.
  (void)fn;
  todo("step 5: EventLoop::schedule_priority_microtask");
}

void EventLoop::report_uncaught_error(std::exception_ptr error) {
  // TODO(step 5): Dart's root zone: a priority microtask that throws `error` again.
  (void)error;
  todo("step 5: EventLoop::report_uncaught_error");
}

void EventLoop::handle_uncaught(std::exception_ptr error) {
  // TODO(step 5): write "Unhandled exception:\n" and the error's text (describe) with
  // write_error, then stop the loop with exit_uncaught_error.
  // Until then the exception leaves `run`, as it did before this step.
  std::rethrow_exception(error);
}

}  // namespace dartloop
