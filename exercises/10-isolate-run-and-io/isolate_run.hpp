#pragma once
// Step 10: Dart's Isolate.run. `RemoteError` and `RunOutcome` are given; you write
// `detail::run_computation` and `Isolate::run`.
//
// `Isolate::run` is a spawn with a reply. The caller opens a port that waits for exactly one
// message, the outcome; a fresh isolate runs the computation (awaiting it when it returns a
// future), sends the outcome to that port and ends at once, as Dart's `Isolate.exit` does.
// Meanwhile the caller's loop goes on with its own events: the outcome is one more event.
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "dartloop/event_loop.hpp"
#include "dartloop/todo.hpp"
#include "future.hpp"         // step 4
#include "future_errors.hpp"  // step 5: catch_error
#include "isolate.hpp"        // step 9

namespace dartloop {

/// An error of another isolate that could not be handed over as it was (Dart's RemoteError).
class RemoteError : public std::runtime_error {
 public:
  /// The error with the other isolate's @p description.
  explicit RemoteError(const std::string& description) : std::runtime_error(description) {}
};

namespace detail {

/// What a computation's isolate sends back: its value, or the error it failed with.
template <class R>
struct RunOutcome {
  std::optional<value_t<R>> value;  ///< Set when the computation succeeded.
  std::exception_ptr error;         ///< Set when it failed.
};

// The outcome may carry an exception_ptr, which points at an object: it is HANDED OVER, not
// shared. The sending isolate ends right after sending and never touches it again (Dart's
// Isolate.exit transfers its message the same way instead of copying it).
template <class R>
struct sendable<RunOutcome<R>> : std::true_type {};

/// Step 10: the new isolate's first event: the computation, awaited if it is a future. Its
/// outcome goes to @p last_words and the isolate ends; the thread sends it once the loop is
/// gone.
template <class R, class F>
void run_computation(F& computation, std::optional<RunOutcome<R>>& last_words) {
  // TODO(step 10): call the computation. When it returns a future, wait for it with then and
  // catch_error (its timers run in this isolate's loop). Put its value, or the exception it
  // threw or failed with, in `last_words`, and end this isolate at once (Dart's Isolate.exit:
  // nothing it still has queued may run).
  (void)computation;
  (void)last_words;
  todo("step 10: detail::run_computation");
}

}  // namespace detail

template <class F>
auto Isolate::run(F computation) {
  using R = typename detail::unwrap<std::invoke_result_t<F&>>::type;
  static_assert(std::is_void_v<R> || is_sendable_v<R>,
                "Isolate::run: the result must be sendable (numbers, strings, vectors...)");
  // TODO(step 10):
  //  - the caller's side: a Completer<R> and a RawReceivePort whose handler, on the one
  //    message it waits for, closes the port and completes (or fails) the future;
  //  - the new isolate: start_isolate_thread with a body that makes a loop on the same kind
  //    of clock, shares the output, and runs detail::run_computation<R> as its first event;
  //  - that loop's error output is the uncaught-error report (Dart sends it to an onError
  //    port instead of printing it): keep it;
  //  - once that loop is gone, the body sends the outcome to the port: run_computation's; if
  //    there is none, a RemoteError with the report's text (after its first line,
  //    "Unhandled exception:"), or RemoteError("Computation ended without result") when there
  //    was no report either. The caller never waits forever.
  (void)computation;
  todo("step 10: Isolate::run");
  return Future<R>();  // never reached; it names the type run returns
}

}  // namespace dartloop
