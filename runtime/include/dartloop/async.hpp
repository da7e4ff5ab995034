#pragma once
/// @file
/// @brief Async functions: `Future<T>` as a C++20 coroutine return type, and `co_await`.
///
/// A function returning `Future<T>` whose body uses `co_await` or `co_return` is Dart's
/// `async` function. The rules are dart-semantics.md §1.4 (VM `_SuspendState`):
///
/// - Calling it runs the body synchronously until the first `co_await`.
/// - `co_await` always suspends. A plain value, or a future that is already complete,
///   resumes in one microtask queued at the `co_await`. A pending future resumes the body
///   synchronously inside whatever completes that future: no extra microtask.
/// - `co_return v` completes the function's future at once, inside the running task;
///   callers waiting on it resume right there. Before the first suspension the caller
///   therefore receives a future that is already complete.
/// - A throw before the first suspension fails the future one microtask later (so the
///   caller can attach a handler); after a suspension it fails at once.
/// - `co_return f` (a `Future<T>`) chains: a pending `f` hands its result over when it
///   completes; a complete `f` with a value hands it over at once unless someone already
///   listens (then one microtask, as for a failed `f`). A `try` around `co_return f` does
///   not see `f`'s error (the VM's lowering inside `try` is unverified, dart-semantics.md
///   §1.4); write `co_return co_await f;` to catch it. A `Future<void>` function cannot
///   `co_return f;` (a C++ promise has `return_value` or `return_void`, never both):
///   write `co_await f; co_return;`.
///
/// A suspended call belongs to its isolate: if the loop is destroyed while the call waits
/// on a future that never completes, the loop destroys the frame (no leak). Coroutine
/// lambdas must not capture: the lambda object dies long before its coroutine resumes;
/// pass what it needs as parameters instead. GCC 12 destroys a braced temporary built
/// inside a `co_await` expression twice (`co_await f({.name = "x"})` double-frees the
/// string; a compiler bug, reproduced without dartloop): build such an argument in a named
/// variable first, or store the future (`auto started = f({...}); co_await started;`).

#include <concepts>
#include <coroutine>
#include <exception>
#include <source_location>
#include <type_traits>
#include <utility>
#include <variant>

#include "dartloop/detail/future_state.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/future.hpp"

namespace dartloop::detail {

/// @brief An object that is already an awaiter (has `await_ready`, `await_suspend`,
/// `await_resume`).
template <class A>
concept awaiter = requires(A& a) {
  { a.await_ready() } -> std::convertible_to<bool>;
  a.await_resume();
};

/// @brief The part of an async function's promise that awaiters talk to.
class AsyncPromiseBase {
 public:
  /// @brief Links the new call into the running isolate.
  AsyncPromiseBase() : loop_(&EventLoop::current()) {}
  AsyncPromiseBase(const AsyncPromiseBase&) = delete;
  AsyncPromiseBase& operator=(const AsyncPromiseBase&) = delete;
  AsyncPromiseBase(AsyncPromiseBase&&) = delete;
  AsyncPromiseBase& operator=(AsyncPromiseBase&&) = delete;

  /// @brief Called by an awaiter right after the body suspended at @p where.
  void on_suspend(std::source_location where) noexcept {
    suspended_once_ = true;
    loop_->note_suspend(frame_, where);
  }
  /// @brief Called by an awaiter when the body resumes.
  void on_resume() noexcept { loop_->note_resume(frame_); }
  /// @brief True once the body has suspended at least once.
  [[nodiscard]] bool suspended_once() const noexcept { return suspended_once_; }
  /// @brief Where the body last suspended (line 0: it has not).
  [[nodiscard]] std::source_location last_await() const noexcept { return frame_.info.where; }

 protected:
  ~AsyncPromiseBase() { loop_->release_frame(frame_); }
  /// @brief Starts the frame's membership of the isolate (@p where: the function, if known).
  void adopt(std::coroutine_handle<> h, std::source_location where = {}) noexcept {
    frame_.handle = h;
    frame_.info.where = where;
    loop_->adopt_frame(frame_);
  }

 private:
  EventLoop* loop_;
  AsyncFrame frame_;
  bool suspended_once_ = false;
};

/// @brief Resumes a coroutine in one microtask queued now (an await that cannot wait).
inline void resume_in_microtask(std::coroutine_handle<> h, std::source_location where) {
  EventLoop::current().schedule_microtask([h] { h.resume(); }, where);
}

/// @brief `co_await` of a `Future<U>`: waits as a listener that lives in the coroutine frame.
template <class U>
class FutureAwaiter final : ListenerBase {
 public:
  /// @brief Awaits the future behind @p state at @p where.
  FutureAwaiter(State<U>* state, std::source_location where)
      : ListenerBase{&ops, nullptr}, state_(Ref<State<U>>::share(state)), where_(where) {}
  FutureAwaiter(const FutureAwaiter&) = delete;
  FutureAwaiter& operator=(const FutureAwaiter&) = delete;
  FutureAwaiter(FutureAwaiter&&) = delete;
  FutureAwaiter& operator=(FutureAwaiter&&) = delete;
  /// @brief Leaves the listener list if the frame dies while still waiting.
  ~FutureAwaiter() {
    if (linked_) state_->resolved()->unlink_listener(this);
  }

  /// @brief Never ready: every `co_await` suspends, as in Dart.
  [[nodiscard]] static bool await_ready() noexcept { return false; }

  /// @brief Waits: a microtask for a complete future, a listener for a pending one.
  template <class P>
  void await_suspend(std::coroutine_handle<P> h) {
    promise_ = &h.promise();
    frame_ = h;
    promise_->on_suspend(where_);
    if (state_->is_complete()) {
      resume_in_microtask(h, where_);  // `_awaitCompletedFuture`
    } else {
      linked_ = true;
      state_->add_listener(this, where_);  // `_thenAwait`: resumes inside the completion
    }
  }

  /// @brief The value, or the future's error thrown into the coroutine.
  U await_resume() {
    promise_->on_resume();
    const State<U>* s = state_->resolved();
    if (s->has_error()) std::rethrow_exception(s->error().error);
    if constexpr (!std::is_void_v<U>) return s->value();
  }

 private:
  static Step fire(ListenerBase* self, StateBase& /*source*/) {
    auto* a = &static_cast<FutureAwaiter&>(*self);
    a->linked_ = false;
    // Resuming may finish the coroutine and destroy this awaiter with its frame.
    a->frame_.resume();
    return {};
  }
  static void drop(ListenerBase* self) noexcept {
    static_cast<FutureAwaiter&>(*self).linked_ = false;
  }
  static constexpr ListenerOps ops{&fire, &drop};

  Ref<State<U>> state_;
  std::source_location where_;
  AsyncPromiseBase* promise_ = nullptr;
  std::coroutine_handle<> frame_;
  bool linked_ = false;
};

/// @brief `co_await` of a plain value: one microtask, then the value.
template <class V>
class ValueAwaiter {
 public:
  /// @brief Awaits @p value at @p where.
  ValueAwaiter(V value, std::source_location where) : value_(std::move(value)), where_(where) {}
  /// @brief Never ready: `co_await 3` still suspends for one microtask (`_awaitNotFuture`).
  [[nodiscard]] static bool await_ready() noexcept { return false; }
  /// @brief Queues the resumption.
  template <class P>
  void await_suspend(std::coroutine_handle<P> h) {
    promise_ = &h.promise();
    promise_->on_suspend(where_);
    resume_in_microtask(h, where_);
  }
  /// @brief The value.
  V await_resume() {
    promise_->on_resume();
    return std::move(value_);
  }

 private:
  V value_;
  std::source_location where_;
  AsyncPromiseBase* promise_ = nullptr;
};

/// @brief What `co_await x` means in a coroutine of the runtime: a future, a ready-made
/// awaiter, or a plain value.
template <class A>
auto transform_awaited(A&& awaited, std::source_location where) {
  using D = std::remove_cvref_t<A>;
  if constexpr (is_future_v<D>) {
    return FutureAwaiter<typename D::value_type>(FutureAccess::state(awaited), where);
  } else if constexpr (awaiter<D>) {
    return std::forward<A>(awaited);
  } else {
    return ValueAwaiter<D>(std::forward<A>(awaited), where);
  }
}

/// @brief How an async function ended: nothing yet, a value, an error, or a future to follow.
template <class T>
using AsyncOutcome = std::variant<std::monostate, value_of<T>, AsyncError, Future<T>>;

/// @brief `co_return value;` and `co_return future;` (a promise has `return_value` or
/// `return_void`, never both, so `Future<void>` gets the specialization below).
template <class T>
class AsyncReturn : public AsyncPromiseBase {
 public:
  /// @brief `co_return value;`
  template <std::convertible_to<T> U = T>
  void return_value(U&& value) {
    outcome_.template emplace<T>(std::forward<U>(value));
  }
  /// @brief `co_return future;` chains to @p future.
  void return_value(Future<T> future) { outcome_.template emplace<Future<T>>(std::move(future)); }

 protected:
  AsyncOutcome<T> outcome_;  ///< Set by `co_return` or a throw.
};

/// @brief `co_return;` or the end of a `Future<void>` body.
template <>
class AsyncReturn<void> : public AsyncPromiseBase {
 public:
  /// @brief `co_return;` or the end of the body.
  void return_void() { outcome_.emplace<Void>(); }

 protected:
  AsyncOutcome<void> outcome_;  ///< Set by `co_return` or a throw.
};

/// @brief The promise of an async function returning `Future<T>`.
template <class T>
class AsyncPromise : public AsyncReturn<T> {
  using V = value_of<T>;
  using Outcome = AsyncOutcome<T>;

 public:
  AsyncPromise() : state_(State<T>::make()) {
    this->adopt(std::coroutine_handle<AsyncPromise>::from_promise(*this));
  }
  AsyncPromise(const AsyncPromise&) = delete;
  AsyncPromise& operator=(const AsyncPromise&) = delete;
  AsyncPromise(AsyncPromise&&) = delete;
  AsyncPromise& operator=(AsyncPromise&&) = delete;
  ~AsyncPromise() {
    if (state_ != nullptr) state_->release();  // destroyed unfinished (the isolate ended)
  }

  /// @brief The caller's future.
  Future<T> get_return_object() { return FutureAccess::share(state_); }
  /// @brief The body starts at once: it runs synchronously until its first suspension.
  [[nodiscard]] static std::suspend_never initial_suspend() noexcept { return {}; }

  /// @brief Completes the future once the body's locals are gone, then frees the frame.
  struct FinalAwaiter {
    /// @brief Always suspends, so the frame can be freed before anyone resumes.
    [[nodiscard]] static bool await_ready() noexcept { return false; }
    /// @brief Settles the future (callers waiting on it may resume in here).
    static void await_suspend(std::coroutine_handle<AsyncPromise> h) noexcept {
      AsyncPromise& p = h.promise();
      State<T>* state = std::exchange(p.state_, nullptr);
      Outcome outcome = std::move(p.outcome_);
      const bool suspended = p.suspended_once();
      h.destroy();
      settle(state, std::move(outcome), suspended);
      state->release();
    }
    /// @brief Never resumed.
    static void await_resume() noexcept {}
  };
  /// @brief See `FinalAwaiter`.
  [[nodiscard]] static FinalAwaiter final_suspend() noexcept { return {}; }

  /// @brief An exception left the body: it becomes the future's error.
  void unhandled_exception() {
    this->outcome_.template emplace<AsyncError>(
        AsyncError{std::current_exception(), this->last_await()});
  }

  /// @brief Chooses what `co_await x` means (see `transform_awaited`).
  template <class A>
  auto await_transform(A&& awaited, std::source_location where = std::source_location::current()) {
    return transform_awaited(std::forward<A>(awaited), where);
  }

 private:
  static void settle(State<T>* state, Outcome&& outcome, bool suspended) {
    if (auto* v = std::get_if<V>(&outcome)) {
      state->complete_value(std::move(*v));  // `_completeWithValue`: callers resume now
    } else if (auto* e = std::get_if<AsyncError>(&outcome)) {
      if (suspended) {
        state->complete_error(std::move(*e));
      } else {
        const std::source_location where = e->where;
        state->async_complete_error(std::move(*e), where);  // before any await: a microtask
      }
    } else if (auto* f = std::get_if<Future<T>>(&outcome)) {
      state->async_complete_future(FutureAccess::state(*f), {});  // `_asyncCompleteUnchecked`
    }
  }

  State<T>* state_;
};

}  // namespace dartloop::detail

/// @brief Makes `Future<T>` a coroutine return type: an async function.
template <class T, class... Args>
struct std::coroutine_traits<dartloop::Future<T>, Args...> {
  using promise_type = dartloop::detail::AsyncPromise<T>;  ///< The async function's promise.
};
