#pragma once
// Step 6, model answer: async functions and `co_await` (dart-semantics.md §1.4).
//
// A function that returns `Future<T>` and uses `co_await` or `co_return` is Dart's `async`
// function. Its body runs at once, up to its first `co_await`; every `co_await` suspends it,
// and what resumes it is a listener on the awaited future, exactly like a `then` callback:
// at once inside whatever completes a pending future, or in one microtask for a future that
// is complete already. When the body ends, its future completes at once.
//
// A coroutine lambda must not capture anything: the lambda object is gone long before its
// body resumes. Pass what the body needs as parameters (they are copied into the frame).
#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "dartloop/event_loop.hpp"
#include "future.hpp"

namespace dartloop {
namespace detail {

/// Given: how step 6 reaches a future's state (`Future` names it a friend).
struct FutureAccess {
  /// The state behind @p f.
  template <class T>
  static const std::shared_ptr<FutureState<T>>& state(const Future<T>& f) {
    return f.state_;
  }
  /// A future around @p s.
  template <class T>
  static Future<T> make(std::shared_ptr<FutureState<T>> s) {
    return Future<T>(std::move(s));
  }
};

/// Given: resumes a suspended coroutine once. Copies share one handle, and the awaiter lets
/// go of it if its frame is destroyed first (by the coroutine's owner), so a late listener
/// never resumes a dead frame.
class Resumer {
 public:
  /// Will resume @p frame.
  explicit Resumer(std::coroutine_handle<> frame)
      : frame_(std::make_shared<std::coroutine_handle<>>(frame)) {}
  /// Resumes the coroutine, unless it was resumed or forgotten already.
  void operator()() const {
    if (std::coroutine_handle<> h = std::exchange(*frame_, nullptr)) h.resume();
  }
  /// The frame is going away: never resume it.
  void forget() const noexcept {
    if (frame_) *frame_ = nullptr;  // (a moved-from Resumer has no handle to forget)
  }

 private:
  std::shared_ptr<std::coroutine_handle<>> frame_;
};

/// `co_await` of a `Future<T>`. It asks nothing of the coroutine's promise, so it works in
/// any coroutine (an async function, a stream generator, ...).
template <class T>
class FutureAwaiter {
 public:
  /// Awaits the future whose state is @p state.
  explicit FutureAwaiter(std::shared_ptr<FutureState<T>> state) : state_(std::move(state)) {}
  FutureAwaiter(const FutureAwaiter&) = delete;
  FutureAwaiter& operator=(const FutureAwaiter&) = delete;
  FutureAwaiter(FutureAwaiter&&) noexcept = default;
  FutureAwaiter& operator=(FutureAwaiter&&) = delete;
  ~FutureAwaiter() {
    if (resumer_) resumer_->forget();
  }

  /// Never ready: in Dart every `await` suspends, even on a complete future.
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  /// Waits as a listener of the future: `add_listener` already has Dart's two cases (pending:
  /// resumed inside the completion; complete: one microtask, queued now).
  void await_suspend(std::coroutine_handle<> frame) {
    resumer_.emplace(frame);
    Resumer resume = *resumer_;
    state_->add_listener({[resume](const value_t<T>&) { resume(); },
                          [resume](const std::exception_ptr&) { resume(); }},
                         state_);
  }
  /// The value, or the future's error thrown into the coroutine.
  T await_resume() {
    if (state_->error) std::rethrow_exception(state_->error);
    if constexpr (!std::is_void_v<T>) return *state_->value;
  }

 private:
  std::shared_ptr<FutureState<T>> state_;
  std::optional<Resumer> resumer_;
};

/// `co_await` of a plain value (Dart's `await 3`): one microtask, then the value.
template <class V>
class ValueAwaiter {
 public:
  /// Awaits @p value.
  explicit ValueAwaiter(V value) : value_(std::move(value)) {}
  ValueAwaiter(const ValueAwaiter&) = delete;
  ValueAwaiter& operator=(const ValueAwaiter&) = delete;
  ValueAwaiter(ValueAwaiter&&) noexcept = default;
  ValueAwaiter& operator=(ValueAwaiter&&) = delete;
  ~ValueAwaiter() {
    if (resumer_) resumer_->forget();
  }

  /// Never ready: `await 3` still suspends.
  [[nodiscard]] bool await_ready() const noexcept { return false; }
  /// Queues the resumption: nothing to wait for, but the trip through the queue is kept.
  void await_suspend(std::coroutine_handle<> frame) {
    resumer_.emplace(frame);
    schedule_microtask(*resumer_);
  }
  /// The value.
  V await_resume() { return std::move(value_); }

 private:
  V value_;
  std::optional<Resumer> resumer_;
};

/// Given: `co_return value;` stores the value (a promise has `return_value` or `return_void`,
/// never both, so `Future<void>` gets the specialization below).
template <class T>
class AsyncReturn {
 public:
  /// `co_return value;`
  template <class U>
  void return_value(U&& value) {
    value_.emplace(std::forward<U>(value));
  }

 protected:
  std::optional<value_t<T>> value_;  ///< What `co_return` gave.
};

/// Given: `co_return;` or the end of a `Future<void>` body.
template <>
class AsyncReturn<void> {
 public:
  /// `co_return;`
  void return_void() { value_.emplace(); }

 protected:
  std::optional<std::monostate> value_;  ///< Set by `co_return;`.
};

/// The promise of an async function returning `Future<T>`.
template <class T>
class AsyncPromise : public AsyncReturn<T> {
 public:
  /// Given: the caller's future.
  Future<T> get_return_object() { return FutureAccess::make(state_); }
  /// Given: the body starts at once and runs until its first `co_await`.
  [[nodiscard]] std::suspend_never initial_suspend() const noexcept { return {}; }
  /// Given: completes the future when the body has ended; the frame then goes away.
  [[nodiscard]] std::suspend_never final_suspend() noexcept {
    try {
      settle();
    } catch (...) {  // nothing may leave here: report it instead
      EventLoop::current().report_uncaught_error(std::current_exception());
    }
    return {};
  }
  /// Given: an exception left the body; `settle` turns it into the future's error.
  void unhandled_exception() noexcept { error_ = std::current_exception(); }

  /// Given: what `co_await x` means here: a future, an awaiter, or a plain value.
  template <class A>
  auto await_transform(A&& awaited) {
    suspended_ = true;  // every co_await suspends: the body has left its synchronous part
    using D = std::remove_cvref_t<A>;
    if constexpr (is_future<D>::value) {
      return operator co_await(std::forward<A>(awaited));
    } else if constexpr (requires(D & d) { d.await_ready(); }) {
      return std::forward<A>(awaited);
    } else {
      return ValueAwaiter<D>(std::forward<A>(awaited));
    }
  }

  /// Completes the future with how the body ended.
  void settle() {
    if (error_) {
      if (suspended_) {
        state_->complete_error(error_);  // after an await: at once, like a value
      } else {
        // Still inside the call: the caller has not had a chance to listen yet.
        state_->complete_error_in_microtask(error_, state_);
      }
    } else {
      state_->complete(std::move(*this->value_));  // callers waiting resume right here
    }
  }

 private:
  std::shared_ptr<FutureState<T>> state_ = std::make_shared<FutureState<T>>();
  std::exception_ptr error_;
  bool suspended_ = false;
};

}  // namespace detail

/// `co_await future`, in any coroutine: waits for @p f, then gives its value or throws its
/// error.
template <class T>
detail::FutureAwaiter<T> operator co_await(const Future<T>& f) {
  return detail::FutureAwaiter<T>(detail::FutureAccess::state(f));
}

}  // namespace dartloop

/// Makes `Future<T>` a coroutine return type: an async function.
template <class T, class... Args>
struct std::coroutine_traits<dartloop::Future<T>, Args...> {
  using promise_type = dartloop::detail::AsyncPromise<T>;  ///< The async function's promise.
};
