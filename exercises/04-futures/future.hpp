#pragma once
// Step 4: Dart's Future<T> and Completer<T>. This step is about values; the error half (the
// members marked "step 5") is written in exercises/05-errors/future_errors.hpp.
// Read exercises/04-futures/README.md first; `./kit hint 04` helps when stuck.
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
#include "dartloop/todo.hpp"
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
    // TODO(step 4): store the value, mark the state complete, then call every waiting
    // listener's `on_value`, in order (take them out of `listeners` first: a listener may
    // add more).
    (void)v;
    todo("step 4: FutureState::complete");
  }
  /// Calls @p listener when the state completes: later, or in a microtask if it already has.
  void add_listener(Listener<T> listener, const std::shared_ptr<FutureState>& self) {
    // TODO(step 4): not complete yet: wait in `listeners`. Complete already: Dart queues
    // one microtask, now, that hands the outcome to the listener (`notify`; `self` keeps the
    // state alive until then).
    (void)listener;
    (void)self;
    todo("step 4: FutureState::add_listener");
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
    // TODO(step 4): mark it pending and queue, NOW, a microtask that completes `self`.
    (void)v;
    (void)self;
    todo("step 4: FutureState::complete_in_microtask");
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
    // TODO(step 4): run `computation` as an event of its own (a zero-duration timer) and
    // complete the state with its result (detail::complete_with does the completing).
    (void)computation;
    todo("step 4: Future(computation)");
  }
  /// Dart's `Future.value(v)`: completes in a microtask queued now.
  template <class U>
  static Future value(U&& v) {
    // TODO(step 4): a new state, completed by a microtask queued now.
    (void)v;
    todo("step 4: Future::value");
  }
  /// Dart's `Future.value()` for `Future<void>`.
  static Future value() requires std::is_void_v<T> {
    todo("step 4: Future<void>::value");  // TODO(step 4): as above, with std::monostate{}
  }
  /// Dart's `Future.microtask(computation)`.
  template <class F>
  static Future microtask(F computation) {
    // TODO(step 4): run `computation` in a microtask and complete with its result.
    (void)computation;
    todo("step 4: Future::microtask");
  }
  /// Dart's `Future.delayed(d, computation)`: a timer of @p d.
  template <class F>
  static Future delayed(Duration d, F computation) {
    // TODO(step 4): run `computation` in a timer of `d` and complete with its result.
    (void)d;
    (void)computation;
    todo("step 4: Future::delayed");
  }

  /// Calls @p on_value with the value once it is there; the returned future completes with
  /// what @p on_value returns (if that is a future: when that future completes).
  template <class F>
  auto then(F on_value) const {
    using Ret = decltype(detail::call_with<T>(on_value, std::declval<const detail::value_t<T>&>()));
    using R = typename detail::unwrap<Ret>::type;
    // TODO(step 4): a new state for the result; a listener on this future whose `on_value`
    // calls `on_value` (with the value it gets, or nothing for a void future) and completes
    // the result with what it returns (detail::complete_with), and whose `on_error` is
    // `detail::error_to(result)` (step 5 explains it); return a Future<R> of the result.
    (void)on_value;
    todo("step 4: Future::then");
    return Future<R>();
  }

  /// True once the value is there.
  [[nodiscard]] bool is_complete() const { return state_->status == State::Status::complete; }

  /// Completes @p target when this future completes: at once if it already has (Dart chains
  /// a returned future with no extra microtask).
  void forward_to(const std::shared_ptr<detail::FutureState<T>>& target) const {
    // TODO(step 4): a listener that completes `target` with the value (`on_error`:
    // `detail::error_to(target)`). This future complete already: hand it over at once
    // (`notify`); otherwise push it straight into `state_->listeners` (no extra microtask).
    (void)target;
    todo("step 4: Future::forward_to");
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
    // TODO(step 4): a sync completer completes at once; the default one in a microtask.
    (void)v;
    todo("step 4: Completer::complete");
  }
  std::shared_ptr<detail::FutureState<T>> state_;
  bool sync_ = false;
};

}  // namespace dartloop

#include "future_errors.hpp"  // step 5: the bodies of the error half
