#pragma once
// Step 10, model answer: Dart's Isolate.run (dart-semantics.md §1.9).
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

/// The new isolate's first event: the computation, awaited if it is a future. Its outcome
/// goes to @p last_words and the isolate ends; the thread sends it once the loop is gone.
template <class R, class F>
void run_computation(F& computation, std::optional<RunOutcome<R>>& last_words) {
  const auto finish = [&last_words](RunOutcome<R>&& outcome) {
    last_words = std::move(outcome);
    EventLoop::current().stop(0);  // Isolate.exit: what it still has queued never runs
  };
  std::exception_ptr thrown;
  try {
    if constexpr (is_future<std::invoke_result_t<F&>>::value) {
      // Awaited HERE: its timers and messages run in this isolate's loop. (Callbacks rather
      // than a coroutine: a computation that never completes then leaves nothing behind.)
      auto pending = computation();
      const auto on_error = [finish](const std::exception_ptr& e) { finish({std::nullopt, e}); };
      if constexpr (std::is_void_v<R>) {
        pending.then([finish] { finish({std::monostate{}, nullptr}); }).catch_error(on_error);
      } else {
        pending.then([finish](const R& v) { finish({v, nullptr}); }).catch_error(on_error);
      }
      return;
    } else if constexpr (std::is_void_v<R>) {
      computation();
      finish({std::monostate{}, nullptr});
      return;
    } else {
      finish({computation(), nullptr});
      return;
    }
  } catch (...) {
    thrown = std::current_exception();  // it threw: that very exception
  }
  finish({std::nullopt, std::move(thrown)});
}

}  // namespace detail

template <class F>
auto Isolate::run(F computation) {
  using R = typename detail::unwrap<std::invoke_result_t<F&>>::type;
  static_assert(std::is_void_v<R> || is_sendable_v<R>,
                "Isolate::run: the result must be sendable (numbers, strings, vectors...)");
  // The caller's side: a port that waits for the outcome. While it is open this isolate
  // stays alive, even with nothing else to do; it closes on the one message it expects.
  auto result = Completer<R>::sync();  // the outcome's event itself completes the future
  RawReceivePort port;
  port.set_handler([result, port](Message&& m) {
    port.close();
    auto outcome = std::move(m).take<detail::RunOutcome<R>>();
    if (outcome.error) {
      result.complete_error(outcome.error);  // the very exception the computation threw
    } else if constexpr (std::is_void_v<R>) {
      result.complete();
    } else {
      result.complete(std::move(*outcome.value));
    }
  });
  EventLoop& here = EventLoop::current();
  // The computation moves to the new thread: whatever it captured is that isolate's now.
  here.start_isolate_thread([clock = here.clock_kind(), out = here.shared_output(),
                             reply = port.send_port(),
                             computation = std::move(computation)]() mutable {
    // Declared before the loop, so they outlive everything the loop ran.
    std::optional<detail::RunOutcome<R>> last_words;
    std::string uncaught;  // the report of an uncaught error that ended the isolate
    {
      EventLoop loop(clock);
      loop.set_output(std::move(out));
      // Dart's onError port: an uncaught error becomes the outcome, not a report on stderr.
      loop.set_error_output([&uncaught](std::string_view report) { uncaught = report; });
      loop.run([&] { detail::run_computation<R>(computation, last_words); });
    }
    // Sent once the loop and all it held are gone: the outcome is then the isolate's only
    // hold on the value or the exception, and sending hands it over whole.
    if (!last_words) {
      // No result: the caller must not wait forever. An uncaught error is told as a
      // RemoteError with its text (step 5's report, without its first line); an isolate that
      // simply ran out of work is Dart's onExit case.
      const std::string_view header = "Unhandled exception:\n";
      std::string text = uncaught.starts_with(header) ? uncaught.substr(header.size()) : uncaught;
      if (text.empty()) text = "Computation ended without result";
      last_words = detail::RunOutcome<R>{std::nullopt, std::make_exception_ptr(RemoteError(text))};
    }
    reply.send(std::move(*last_words));
  });
  return result.future();
}

}  // namespace dartloop
