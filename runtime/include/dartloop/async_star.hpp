#pragma once
/// @file
/// @brief `async*` generators: a function returning `Stream<T>` that `co_yield`s its values.
///
/// The rules are dart-semantics.md §1.8 (VM `_AsyncStarStreamController`, async_patch.dart):
///
/// - Calling the generator runs none of its body; it returns the stream.
/// - `listen` starts the body in a microtask.
/// - `co_yield v` hands `v` to the listener synchronously (a synchronous controller), then
///   the body suspends and resumes one microtask later, at the back of the queue. While
///   the subscription is paused the body stays suspended at the `co_yield`.
/// - `co_yield yield_all(s)` is Dart's `yield* s`: every event of `s` is forwarded and the
///   body resumes (in a microtask) once `s` is done.
/// - `co_await` works as in an async function.
/// - Cancelling while the body waits at a `co_yield` resumes it (in a microtask) as if the
///   `co_yield` were a `return`: the frame is destroyed, so destructors run (Dart's
///   `finally`; a C++ destructor cannot await or yield, a Dart `finally` could). Cancelling
///   while it waits at a `co_await` lets it run on until its next `co_yield`, which then
///   returns. A generator cancelled before its first microtask ran runs none of its body.
///   The future returned by `cancel()` completes once the body has ended.
/// - An exception that leaves the body becomes an error event, followed by done.
///
/// The microtask that starts or resumes a generator carries the generator's name and the
/// line of its `co_yield`, so the starvation watchdog and the tracer can name it.
/// Like async functions, generator lambdas must not capture (pass parameters instead).

#include <concepts>
#include <coroutine>
#include <exception>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>

#include "dartloop/async.hpp"
#include "dartloop/detail/controller_core.hpp"
#include "dartloop/detail/future_state.hpp"
#include "dartloop/future.hpp"
#include "dartloop/stream.hpp"

namespace dartloop {

/// @brief What `co_yield yield_all(s)` yields: every event of another stream (Dart's `yield*`).
template <class T>
struct YieldAll {
  Stream<T> stream;  ///< The stream whose events are forwarded.
};

/// @brief Dart's `yield* s`, spelled `co_yield yield_all(s)` inside a generator.
template <class T>
YieldAll<T> yield_all(Stream<T> stream) {
  return YieldAll<T>{std::move(stream)};
}

namespace detail {

/// @brief Dart's `_AsyncStarStreamController`: a synchronous controller that drives a body.
template <class T>
class GeneratorCore final : public ControllerCore<T> {
 public:
  /// @brief The controller of the generator defined at @p where.
  explicit GeneratorCore(std::source_location where)
      : ControllerCore<T>(true, where), resume_where_(where) {
    // The hooks live inside this object, so they may point at it.
    this->set_on_listen([this] { schedule(); });
    this->set_on_resume([this] {
      if (suspended_at_yield_) schedule();
    });
    this->set_on_cancel([this]() -> Future<void> { return on_cancel(); });
  }

  /// @brief The body to drive (its frame belongs to the isolate).
  void attach(std::coroutine_handle<> body) noexcept { body_ = body; }
  /// @brief The body's frame is being destroyed.
  void detach() noexcept { body_ = {}; }

  /// @brief `yield v`; true when the body must return (nobody listens any more).
  template <class U>
  bool yield(U&& value, std::source_location where) {
    this->add_unchecked(std::forward<U>(value), where);
    if (!this->has_listener()) return true;
    resume_where_ = where;
    schedule();
    suspended_at_yield_ = true;
    return false;
  }

  /// @brief `yield* s`; true when the body must return.
  bool yield_all(StreamSource<T>& source, std::source_location where) {
    if (!this->has_listener()) return true;
    adding_ = true;
    resume_where_ = where;
    const Future<void> added = this->add_stream(source, false, where);
    (void)added.then(
        [self = Ref<GeneratorCore>::share(this)] {
          self->adding_ = false;
          self->schedule();
          if (!self->scheduled_) self->suspended_at_yield_ = true;
        },
        where);
    return false;
  }

  /// @brief The body ended: report its error (if any), then done (Dart's `addError`+`close`).
  void finish(std::optional<AsyncError> error) noexcept {
    try {
      State<void>* cancelling =
          cancellation_.valid() ? FutureAccess::state(cancellation_) : nullptr;
      if (error.has_value()) {
        if (cancelling != nullptr && cancelling->may_complete()) {
          cancelling->complete_error(std::move(*error));  // to whoever awaits `cancel()`
        } else if (this->has_listener()) {
          this->add_error_unchecked(*error, error->where);
        }
      }
      // Read again: a listener with cancel_on_error cancels inside `add_error_unchecked`, and
      // its error waits for this cancel to complete (Dart's `close` reads the field anew).
      cancelling = cancellation_.valid() ? FutureAccess::state(cancellation_) : nullptr;
      if (cancelling != nullptr && cancelling->may_complete()) cancelling->complete_value(Void{});
      if (!this->is_closed()) this->close_unchecked(resume_where_);
    } catch (...) {
      this->loop().report_uncaught_error(std::current_exception(), resume_where_);
    }
  }

  /// @brief The microtask that starts or resumes the body.
  void run_body() {
    scheduled_ = false;
    suspended_at_yield_ = false;
    if (!body_) return;
    // The VM resumes the body with "nobody listens any more" at every suspension point,
    // the first one included: a generator cancelled before it started runs no code at all.
    if (!this->has_listener()) {  // return from the yield (or from the start)
      std::coroutine_handle<> body = std::exchange(body_, {});
      body.destroy();
      finish(std::nullopt);
      return;
    }
    body_.resume();
  }

  void on_isolate_end() noexcept override {
    const Ref<GeneratorCore> pin = Ref<GeneratorCore>::share(this);
    ControllerCore<T>::on_isolate_end();
    cancellation_ = {};
  }

 private:
  void schedule() {
    if (scheduled_ || this->is_paused() || adding_) return;
    scheduled_ = true;
    this->loop().schedule_microtask([self = Ref<GeneratorCore>::share(this)] { self->run_body(); },
                                    resume_where_);
  }

  Future<void> on_cancel() {
    if (this->is_closed()) return {};
    if (!cancellation_.valid()) {
      cancellation_ = FutureAccess::adopt(State<void>::make());
      if (suspended_at_yield_) schedule();  // a body waiting at an await is not disturbed
    }
    return cancellation_;
  }

  std::coroutine_handle<> body_;
  Future<void> cancellation_;
  std::source_location resume_where_;
  bool scheduled_ = false;
  bool suspended_at_yield_ = false;
  bool adding_ = false;
};

/// @brief The promise of an `async*` generator returning `Stream<T>`.
template <class T>
class AsyncStarPromise : public AsyncPromiseBase {
  using Core = GeneratorCore<T>;

 public:
  /// @brief A generator call; @p where names the generator (for traces and the watchdog).
  explicit AsyncStarPromise(std::source_location where = std::source_location::current())
      : core_(make_node<Core>(where)) {
    auto h = std::coroutine_handle<AsyncStarPromise>::from_promise(*this);
    this->adopt(h, where);
    core_->attach(h);
  }
  AsyncStarPromise(const AsyncStarPromise&) = delete;
  AsyncStarPromise& operator=(const AsyncStarPromise&) = delete;
  AsyncStarPromise(AsyncStarPromise&&) = delete;
  AsyncStarPromise& operator=(AsyncStarPromise&&) = delete;
  ~AsyncStarPromise() { core_->detach(); }

  /// @brief The generator's stream.
  Stream<T> get_return_object() { return stream_of<T>(core_.get()); }
  /// @brief No body code runs before `listen`.
  [[nodiscard]] static std::suspend_always initial_suspend() noexcept { return {}; }

  /// @brief `co_yield`: hands the value over, then suspends (or returns if cancelled).
  struct YieldAwaiter {
    AsyncStarPromise* promise = nullptr;  ///< The generator.
    bool returns = false;                 ///< Nobody listens any more: the body returns here.
    std::source_location where;           ///< The `co_yield`.
    /// @brief Never ready: a yield always suspends.
    [[nodiscard]] static bool await_ready() noexcept { return false; }
    /// @brief Suspends; or ends the body as a `return` would.
    void await_suspend(std::coroutine_handle<AsyncStarPromise> h) noexcept {
      if (!returns) {
        promise->on_suspend(where);
        return;
      }
      const Ref<Core> core = promise->core_;  // the frame (and this awaiter) go now
      h.destroy();
      core->finish(std::nullopt);
    }
    /// @brief Resumed by the generator's microtask.
    void await_resume() const noexcept { promise->on_resume(); }
  };

  /// @brief `co_yield value;`
  template <std::convertible_to<T> U>
  YieldAwaiter yield_value(U&& value,
                           std::source_location where = std::source_location::current()) {
    return YieldAwaiter{this, core_->yield(std::forward<U>(value), where), where};
  }
  /// @brief `co_yield yield_all(stream);` (Dart's `yield*`).
  YieldAwaiter yield_value(YieldAll<T> all,
                           std::source_location where = std::source_location::current()) {
    return YieldAwaiter{this, core_->yield_all(StreamAccess::source(all.stream), where), where};
  }

  /// @brief `co_await` inside a generator: as in an async function.
  template <class A>
  auto await_transform(A&& awaited, std::source_location where = std::source_location::current()) {
    return transform_awaited(std::forward<A>(awaited), where);
  }

  /// @brief The end of the body (or `co_return;`).
  void return_void() noexcept {}
  /// @brief An exception left the body: it becomes an error event, then done.
  void unhandled_exception() noexcept {
    error_.emplace(AsyncError{std::current_exception(), this->last_await()});
  }

  /// @brief Ends the call: frees the frame, then reports the error (if any) and done.
  struct FinalAwaiter {
    /// @brief Always suspends, so the frame is freed before the listener hears "done".
    [[nodiscard]] static bool await_ready() noexcept { return false; }
    /// @brief See `FinalAwaiter`.
    static void await_suspend(std::coroutine_handle<AsyncStarPromise> h) noexcept {
      AsyncStarPromise& p = h.promise();
      const Ref<Core> core = p.core_;
      std::optional<AsyncError> error = std::move(p.error_);
      h.destroy();
      core->finish(std::move(error));
    }
    /// @brief Never resumed.
    static void await_resume() noexcept {}
  };
  /// @brief See `FinalAwaiter`.
  [[nodiscard]] static FinalAwaiter final_suspend() noexcept { return {}; }

 private:
  Ref<Core> core_;
  std::optional<AsyncError> error_;
};

}  // namespace detail
}  // namespace dartloop

/// @brief Makes `Stream<T>` a coroutine return type: an `async*` generator.
template <class T, class... Args>
struct std::coroutine_traits<dartloop::Stream<T>, Args...> {
  using promise_type = dartloop::detail::AsyncStarPromise<T>;  ///< The generator's promise.
};
