#pragma once
/// @file
/// @brief Dart's `Isolate`: a thread with its own loop and memory, reached only by messages.

#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "dartloop/completer.hpp"
#include "dartloop/detail/isolate_state.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/future.hpp"
#include "dartloop/inbox.hpp"
#include "dartloop/message.hpp"
#include "dartloop/receive_port.hpp"
#include "dartloop/send_port.hpp"

namespace dartloop {

/// @brief A token that lets its holder undo a pause (Dart's `Capability`).
class Capability {
 public:
  /// @brief An unforgeable (process-unique) token.
  Capability() noexcept;
  /// @brief Tokens compare by identity.
  friend bool operator==(const Capability&, const Capability&) noexcept = default;
  /// @brief The token's number.
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }

 private:
  std::uint64_t id_;
};

/// @brief A `Capability` may be sent to another isolate.
template <>
struct sendable<Capability> : std::true_type {};

/// @brief How to start an isolate (Dart's named parameters of `Isolate.spawn`).
struct SpawnOptions {
  bool paused = false;           ///< Start paused: the entry waits for `resume(pause_capability)`.
  bool errors_are_fatal = true;  ///< An uncaught error ends the isolate.
  SendPort on_exit{};            ///< Told (with null) when the isolate ends.
  SendPort on_error{};           ///< Told (with a `RemoteError`) of each uncaught error.
  std::string debug_name{};      ///< A name for reports and traces.
};

namespace detail {

// What `Isolate::run`'s isolate sends back: the value, or the error it threw. The value
// is moved into the message and out of it again, so it is handed over, not copied; the
// exception object is handed over the same way (the isolate that made it has ended).
/// @brief The result of an `Isolate::run` computation, as sent back: a value or an error.
template <class R>
struct RunOutcome {
  /// @brief The value (`std::monostate` for `void`) or the exception.
  std::variant<std::conditional_t<std::is_void_v<R>, std::monostate, R>, std::exception_ptr> result;
};
template <class R>
struct sendable_check<RunOutcome<R>> : std::true_type {};

/// @brief `T`, or the value type of a `Future<T>`.
template <class T>
struct unwrap_future {
  using type = T;  ///< The type itself.
};
/// @brief The value type of a future.
template <class T>
struct unwrap_future<Future<T>> {
  using type = T;  ///< What the future completes with.
};

/// @brief The isolate running on this thread ends after the running task: nothing more
/// of it runs (used where a throw would be caught by the futures machinery).
void stop_current_isolate() noexcept;

/// @brief In the new isolate: runs @p computation, awaits it if it is a future, sends the
/// outcome to @p port and ends the isolate.
template <class R, class F>
void run_computation(F& computation, const SendPort& port, std::source_location where) {
  using Ret = std::invoke_result_t<F&>;
  // The outcome is sent when the isolate has ended, not here: the exception it may hold is
  // still referred to by this isolate's futures (and by a catch block) until then, and an
  // exception handed over must be freed by the receiver alone.
  const auto finish = [port, where](RunOutcome<R>&& outcome) {
    IsolateState::current().core()->set_last_words(port, Message::of(std::move(outcome)),
                                                   where);  // traced at the `Isolate::run` call
    stop_current_isolate();
  };
  try {
    if constexpr (is_future_v<Ret>) {
      Ret pending = computation();
      if constexpr (std::is_void_v<R>) {
        pending.then([finish] { finish(RunOutcome<R>{std::monostate{}}); },
                     [finish](std::exception_ptr e) { finish(RunOutcome<R>{std::move(e)}); });
      } else {
        pending.then([finish](const R& v) { finish(RunOutcome<R>{v}); },
                     [finish](std::exception_ptr e) { finish(RunOutcome<R>{std::move(e)}); });
      }
    } else if constexpr (std::is_void_v<Ret>) {
      computation();
      finish(RunOutcome<R>{std::monostate{}});
    } else {
      finish(RunOutcome<R>{computation()});
    }
  } catch (const IsolateExitSignal&) {
    throw;
  } catch (...) {
    finish(RunOutcome<R>{std::current_exception()});
  }
}

}  // namespace detail

/// @brief A handle to an isolate: an OS thread with its own event loop, microtask queue,
/// event queue and timers, sharing no memory with the others (dart-semantics.md §1.9).
///
/// Isolates talk only through ports: messages are copied into the receiver's event queue.
/// Handles are cheap to copy and compare equal when they name the same isolate. The first
/// isolate of a program is the one whose loop runs `main`; when it ends, the isolates it
/// spawned (transitively) are killed and their threads joined.
class Isolate {
 public:
  /// @brief An empty handle.
  Isolate() noexcept = default;

  /// @brief The isolate running the caller.
  [[nodiscard]] static Isolate current() { return Isolate(detail::IsolateState::current().core()); }

  /// @brief Starts a new isolate that runs `entry(message)` as its first event.
  ///
  /// The message is copied now. The returned future completes once the new isolate is
  /// running (its "ready" message arrived). @p entry must capture nothing (a function or a
  /// lambda without captures): it runs on another thread, so everything it needs comes in
  /// @p message, typically a `SendPort` to answer on.
  template <class F, class M>
  static Future<Isolate> spawn(F entry, M&& message, const SpawnOptions& options = {},
                               std::source_location where = std::source_location::current()) {
    static_assert(std::is_empty_v<F> || std::is_function_v<std::remove_pointer_t<F>>,
                  "Isolate::spawn: the entry must be a function or a lambda that captures "
                  "nothing; it runs on another thread, so pass what it needs as the message");
    using Plain = std::remove_cvref_t<M>;
    using Arg =
        std::conditional_t<std::is_array_v<Plain> || std::is_same_v<std::decay_t<M>, const char*>,
                           std::string, Plain>;
    static_assert(std::is_invocable_v<F&, Arg>,
                  "Isolate::spawn: the entry must accept the message's type");
    if constexpr (std::is_same_v<Arg, std::nullptr_t>) {
      return spawn_task(Task([entry]() mutable { (void)entry(nullptr); }), options, where);
    } else {
      Message copied = Message::of(std::forward<M>(message));
      return spawn_task(Task([entry, m = std::move(copied)]() mutable {
                          (void)entry(std::move(m).template take<Arg>());
                        }),
                        options, where);
    }
  }

  /// @brief Runs @p computation in a new isolate and completes with its result.
  ///
  /// A computation that returns a `Future` is awaited there. The result comes back through
  /// `Isolate::exit`: moved, not copied. An exception it throws (or its future's error) is
  /// rethrown here; an uncaught error of that isolate becomes a `RemoteError`; an isolate
  /// that ends without a result gives `RemoteError("Computation ended without result")`.
  /// Its captures move to the new isolate: capture values, never pointers or references.
  template <std::invocable F>
  static auto run(F computation, std::string debug_name = "run",
                  std::source_location where = std::source_location::current()) {
    using R = typename detail::unwrap_future<std::invoke_result_t<F&>>::type;
    static_assert(std::is_void_v<R> || is_sendable_v<R>,
                  "Isolate::run: the result's type must be sendable (see message.hpp)");
    Completer<R> completer = Completer<R>::sync();
    RawReceivePort port;
    port.set_handler([completer, port](Message&& m) {
      port.close();
      if (m.is<detail::RunOutcome<R>>()) {
        auto outcome = std::move(m).take<detail::RunOutcome<R>>();
        if (auto* error = std::get_if<std::exception_ptr>(&outcome.result)) {
          completer.complete_error(*error);
        } else if constexpr (std::is_void_v<R>) {
          completer.complete();
        } else {
          completer.complete(std::move(std::get<R>(outcome.result)));
        }
      } else if (m.is<RemoteError>()) {
        completer.complete_error(m.as<RemoteError>());
      } else {
        completer.complete_error(RemoteError("Computation ended without result"));
      }
    });
    SpawnOptions options{.errors_are_fatal = true,
                         .on_exit = port.send_port(),
                         .on_error = port.send_port(),
                         .debug_name = std::move(debug_name)};
    (void)spawn_task(Task([f = std::move(computation), reply = port.send_port(), where]() mutable {
                       detail::run_computation<R>(f, reply, where);
                     }),
                     options, where);
    return completer.future();
  }

  /// @brief Ends the running isolate now, after sending @p message to @p port (moved when an
  /// rvalue). Nothing more of the isolate runs (see `IsolateExitSignal`).
  template <class T>
  [[noreturn]] static void exit(const SendPort& port, T&& message) {
    port.send(std::forward<T>(message));
    exit();
  }
  /// @brief Ends the running isolate now, after sending null to @p port.
  [[noreturn]] static void exit(const SendPort& port) { exit(port, nullptr); }
  /// @brief Ends the running isolate now.
  [[noreturn]] static void exit();

  // --- Control (out-of-band messages: they overtake ordinary ones) -------------------------

  /// @brief Ends the isolate: after its current event (default) or between two tasks.
  void kill(ControlPriority priority = ControlPriority::before_next_event) const;
  /// @brief Holds its ordinary events back (timers and messages wait) until resumed.
  Capability pause() const;
  /// @brief Pauses under @p capability (a second pause with it changes nothing).
  void pause(const Capability& capability) const;
  /// @brief Lifts the pause made under @p capability.
  void resume(const Capability& capability) const;
  /// @brief Asks the isolate to send @p response to @p port (null by default).
  void ping(const SendPort& port, Message response = {},
            ControlPriority priority = ControlPriority::immediate) const;
  /// @brief When the isolate ends, @p port gets @p response (null by default).
  void add_on_exit_listener(const SendPort& port, Message response = {}) const;
  /// @brief Stops telling @p port about the end.
  void remove_on_exit_listener(const SendPort& port) const;
  /// @brief @p port gets a `RemoteError` for every uncaught error of the isolate.
  void add_error_listener(const SendPort& port) const;
  /// @brief Stops telling @p port about errors.
  void remove_error_listener(const SendPort& port) const;
  /// @brief Whether an uncaught error ends the isolate.
  void set_errors_fatal(bool fatal) const;

  /// @brief The capability that resumes an isolate spawned with `paused`.
  [[nodiscard]] const Capability& pause_capability() const noexcept { return pause_capability_; }
  /// @brief The name given at spawn ("main" for the first isolate).
  [[nodiscard]] const std::string& debug_name() const;
  /// @brief True for a handle that names an isolate.
  [[nodiscard]] bool valid() const noexcept { return core_ != nullptr; }
  /// @brief Handles of the same isolate are equal.
  friend bool operator==(const Isolate& a, const Isolate& b) noexcept { return a.core_ == b.core_; }

 private:
  explicit Isolate(std::shared_ptr<detail::IsolateCore> core, Capability pause = {}) noexcept
      : core_(std::move(core)), pause_capability_(pause) {}
  static Future<Isolate> spawn_task(Task entry, const SpawnOptions& options,
                                    std::source_location where);
  void control(Task fn, ControlPriority priority) const;

  std::shared_ptr<detail::IsolateCore> core_;
  Capability pause_capability_;
};

/// @brief Flutter's `compute`: `Isolate::run` of `callback(message)` (the message copied).
template <class F, class M>
auto compute(F callback, M&& message, std::string debug_name = "compute",
             std::source_location where = std::source_location::current()) {
  static_assert(std::is_empty_v<F> || std::is_function_v<std::remove_pointer_t<F>>,
                "compute: the callback must be a function or a lambda that captures nothing");
  static_assert(is_sendable_v<M>, "compute: the message's type must be sendable (message.hpp)");
  return Isolate::run(
      [callback, m = std::remove_cvref_t<M>(std::forward<M>(message))]() mutable {
        return callback(std::move(m));
      },
      std::move(debug_name), where);
}

}  // namespace dartloop
