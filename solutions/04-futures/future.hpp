#pragma once
// Step 4: Dart's Future<T> and Completer<T>. This step is about values; the error half (the
// members marked "step 5") is written in exercises/05-errors/future_errors.hpp.
//
// A future is a handle to a shared state: incomplete, pending (a microtask that completes it
// is already queued), or complete with a value. Callbacks registered with `then` wait in the
// state's list; completing the state runs all of them, in order, right away.
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "dartloop/clock.hpp"
#include "dartloop/event_loop.hpp"
#include "timer.hpp"

namespace dartloop {

template <class T>
class Future;
template <class T>
class Completer;

namespace detail {

/// What a future holds: the value, or an empty stand-in for `Future<void>`.
template <class T>
using value_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

template <class T>
struct is_future : std::false_type {};
template <class T>
struct is_future<Future<T>> : std::true_type {};
template <class T>
struct unwrap {
  using type = T;
};
template <class T>
struct unwrap<Future<T>> {
  using type = T;
};

struct FutureAccess;  // step 6: how `co_await` reaches a future's state

/// One callback waiting on a future: what it does with the value, and (step 5) with an error.
template <class T>
struct Listener {
  /// Called with the value.
  std::function<void(const value_t<T>&)> on_value;
  /// Step 5: called with the error instead.
  std::function<void(const std::exception_ptr&)> on_error;
};

/// The shared state of a future.
template <class T>
struct FutureState {
  enum class Status { incomplete, pending, complete };
  Status status = Status::incomplete;
  std::optional<value_t<T>> value;
  std::exception_ptr error;  // step 5: what it failed with (`value` stays empty then)
  // In registration order. A listener gets the value as an argument rather than reaching
  // back into the state: a state that held a pointer to itself would never be freed.
  std::vector<Listener<T>> listeners;

  /// Stores the value and runs every waiting listener now, in order.
  void complete(value_t<T> v) {
    value = std::move(v);
    status = Status::complete;
    std::vector<Listener<T>> waiting = std::move(listeners);
    listeners.clear();
    for (auto& listener : waiting) listener.on_value(*value);
  }
  /// Calls @p listener when the state completes: later, or in a microtask if it already has.
  void add_listener(Listener<T> listener, const std::shared_ptr<FutureState>& self) {
    if (status == Status::complete) {
      // Dart: one microtask per `then` call, queued now.
      schedule_microtask([self, l = std::move(listener)] { self->notify(l); });
    } else {
      listeners.push_back(std::move(listener));
    }
  }
  /// Given: hands a complete state's outcome to @p listener: the value, or (step 5) the error.
  void notify(const Listener<T>& listener) const {
    if (error) {
      listener.on_error(error);
    } else {
      listener.on_value(*value);
    }
  }
  /// Dart's `_asyncComplete`: pending now, complete in a microtask queued now.
  void complete_in_microtask(value_t<T> v, const std::shared_ptr<FutureState>& self) {
    status = Status::pending;
    schedule_microtask([self, v = std::move(v)]() mutable { self->complete(std::move(v)); });
  }

  // --- Step 5 (exercises/05-errors/future_errors.hpp) ---------------------------------------
  /// Step 5: stores the error and runs every waiting listener's error half, in order; with no
  /// listener at all the error is uncaught.
  void complete_error(std::exception_ptr e);
  /// Step 5: Dart's `_asyncCompleteError`: pending now, failed in a microtask queued now.
  void complete_error_in_microtask(std::exception_ptr e, const std::shared_ptr<FutureState>& self);
};

/// Calls @p f (with the value unless it is a void future's).
template <class T, class F>
decltype(auto) call_with(F& f, const value_t<T>& v) {
  if constexpr (std::is_void_v<T>) {
    (void)v;
    return f();
  } else {
    return f(v);
  }
}

// Given in step 5's future_errors.hpp (step 5 teaches their error half):
/// Completes @p target with what @p f returns (waiting for it when it is a future).
template <class R, class F, class... A>
void complete_with(const std::shared_ptr<FutureState<R>>& target, F& f, A&&... args);
/// The error half of a listener that passes the error on to @p target.
template <class R>
std::function<void(const std::exception_ptr&)> error_to(std::shared_ptr<FutureState<R>> target);

}  // namespace detail

/// Dart's `Future<T>`: a value that comes later.
template <class T>
class Future {
 public:
  /// An empty handle.
  Future() = default;

  /// Dart's `Future(computation)`: @p computation runs as an event (a zero-duration timer).
  template <class F>
  explicit Future(F computation) : state_(std::make_shared<State>()) {
    Timer::run([state = state_, f = std::move(computation)]() mutable {
      detail::complete_with<T>(state, f);
    });
  }
  /// Dart's `Future.value(v)`: completes in a microtask queued now.
  template <class U>
  static Future value(U&& v) {
    Future f(std::make_shared<State>());
    f.state_->complete_in_microtask(detail::value_t<T>(std::forward<U>(v)), f.state_);
    return f;
  }
  /// Dart's `Future.value()` for `Future<void>`.
  static Future value() requires std::is_void_v<T> {
    Future f(std::make_shared<State>());
    f.state_->complete_in_microtask(std::monostate{}, f.state_);
    return f;
  }
  /// Dart's `Future.microtask(computation)`.
  template <class F>
  static Future microtask(F computation) {
    Future f(std::make_shared<State>());
    schedule_microtask([state = f.state_, c = std::move(computation)]() mutable {
      detail::complete_with<T>(state, c);
    });
    return f;
  }
  /// Dart's `Future.delayed(d, computation)`: a timer of @p d.
  template <class F>
  static Future delayed(Duration d, F computation) {
    Future f(std::make_shared<State>());
    Timer(d, [state = f.state_, c = std::move(computation)]() mutable {
      detail::complete_with<T>(state, c);
    });
    return f;
  }

  /// Calls @p on_value with the value once it is there; the returned future completes with
  /// what @p on_value returns (if that is a future: when that future completes).
  template <class F>
  auto then(F on_value) const {
    using Ret = decltype(detail::call_with<T>(on_value, std::declval<const detail::value_t<T>&>()));
    using R = typename detail::unwrap<Ret>::type;
    auto result = std::make_shared<detail::FutureState<R>>();
    state_->add_listener({[result, f = std::move(on_value)](const detail::value_t<T>& v) mutable {
                            if constexpr (std::is_void_v<T>) {
                              (void)v;
                              detail::complete_with<R>(result, f);
                            } else {
                              detail::complete_with<R>(result, f, v);
                            }
                          },
                          detail::error_to(result)},  // step 5: an error skips on_value
                         state_);
    return Future<R>(result);
  }

  /// True once the value is there.
  [[nodiscard]] bool is_complete() const { return state_->status == State::Status::complete; }

  /// Completes @p target when this future completes: at once if it already has (Dart chains
  /// a returned future with no extra microtask).
  void forward_to(const std::shared_ptr<detail::FutureState<T>>& target) const {
    detail::Listener<T> pass{[target](const detail::value_t<T>& v) { target->complete(v); },
                             detail::error_to(target)};
    if (state_->status == State::Status::complete) {
      state_->notify(pass);
    } else {
      state_->listeners.push_back(std::move(pass));
    }
  }

  // --- Step 5: errors (exercises/05-errors/future_errors.hpp) -------------------------------
  /// Step 5: Dart's `Future.error(e)`: fails with @p e in a microtask queued now.
  template <class E>
  static Future error(E&& e);
  /// Step 5: Dart's `catchError`: @p handler (given the `std::exception_ptr`) turns an error
  /// into the result's value; a value passes through unchanged.
  template <class H>
  Future catch_error(H handler) const;
  /// Step 5: handles only the errors for which @p test (given the `exception_ptr`) says true.
  template <class H, class P>
  Future catch_error(H handler, P test) const;
  /// Step 5: Dart's `whenComplete`: runs @p action on a value and on an error alike, then
  /// passes the outcome on (a throwing @p action replaces it with its own error).
  template <class A>
  Future when_complete(A action) const;

 private:
  using State = detail::FutureState<T>;
  template <class>
  friend class Future;
  template <class>
  friend class Completer;
  friend struct detail::FutureAccess;  // step 6
  explicit Future(std::shared_ptr<State> state) : state_(std::move(state)) {}

  std::shared_ptr<State> state_;
};

/// Dart's `Completer<T>`: makes a future and completes it later.
template <class T>
class Completer {
 public:
  /// An asynchronous completer: `complete` queues a microtask that completes the future.
  Completer() : state_(std::make_shared<detail::FutureState<T>>()) {}
  /// Dart's `Completer.sync()`: `complete` runs the listeners at once.
  static Completer sync() {
    Completer c;
    c.sync_ = true;
    return c;
  }
  /// The future this completer completes.
  [[nodiscard]] Future<T> future() const { return Future<T>(state_); }
  /// Completes the future with @p value.
  template <class U>
  void complete(U&& value) const {
    finish(detail::value_t<T>(std::forward<U>(value)));
  }
  /// Completes a `Future<void>`.
  void complete() const requires std::is_void_v<T> { finish(std::monostate{}); }
  /// Step 5: completes the future with the error @p e (exercises/05-errors/future_errors.hpp).
  template <class E>
  void complete_error(E&& e) const;
  /// True once `complete` (or `complete_error`) was called.
  [[nodiscard]] bool is_completed() const {
    return state_->status != detail::FutureState<T>::Status::incomplete;
  }

 private:
  void finish(detail::value_t<T> v) const {
    if (sync_) {
      state_->complete(std::move(v));
    } else {
      state_->complete_in_microtask(std::move(v), state_);
    }
  }
  std::shared_ptr<detail::FutureState<T>> state_;
  bool sync_ = false;
};

}  // namespace dartloop

#include "future_errors.hpp"  // step 5: the bodies of the error half
