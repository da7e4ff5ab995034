#pragma once
// Step 4: Dart's Future<T> and Completer<T>, values only (errors are step 5).
//
// A future is a handle to a shared state: incomplete, pending (a microtask that completes it
// is already queued), or complete with a value. Callbacks registered with `then` wait in the
// state's list; completing the state runs all of them, in order, right away.
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

/// The shared state of a future.
template <class T>
struct FutureState {
  enum class Status { incomplete, pending, complete };
  Status status = Status::incomplete;
  std::optional<value_t<T>> value;
  // In registration order. A listener gets the value as an argument rather than reaching
  // back into the state: a state that held a pointer to itself would never be freed.
  std::vector<std::function<void(const value_t<T>&)>> listeners;

  /// Stores the value and runs every waiting listener now, in order.
  void complete(value_t<T> v) {
    value = std::move(v);
    status = Status::complete;
    std::vector<std::function<void(const value_t<T>&)>> waiting = std::move(listeners);
    listeners.clear();
    for (auto& listener : waiting) listener(*value);
  }
  /// Calls @p listener with the value when it is there: later, or in a microtask if it already is.
  void add_listener(std::function<void(const value_t<T>&)> listener,
                    const std::shared_ptr<FutureState>& self) {
    if (status == Status::complete) {
      // Dart: one microtask per `then` call, queued now.
      schedule_microtask([self, l = std::move(listener)] { l(*self->value); });
    } else {
      listeners.push_back(std::move(listener));
    }
  }
  /// Dart's `_asyncComplete`: pending now, complete in a microtask queued now.
  void complete_in_microtask(value_t<T> v, const std::shared_ptr<FutureState>& self) {
    status = Status::pending;
    schedule_microtask([self, v = std::move(v)]() mutable { self->complete(std::move(v)); });
  }
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

/// Completes @p target with what @p f returns (waiting for it when it is a future).
template <class R, class F, class... A>
void complete_with(const std::shared_ptr<FutureState<R>>& target, F& f, A&&... args) {
  using Ret = decltype(f(std::forward<A>(args)...));
  if constexpr (is_future<Ret>::value) {
    Ret inner = f(std::forward<A>(args)...);
    inner.forward_to(target);
  } else if constexpr (std::is_void_v<Ret>) {
    f(std::forward<A>(args)...);
    target->complete(std::monostate{});
  } else {
    target->complete(f(std::forward<A>(args)...));
  }
}

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
    state_->add_listener(
        [result, f = std::move(on_value)](const detail::value_t<T>& v) mutable {
          if constexpr (std::is_void_v<T>) {
            (void)v;
            detail::complete_with<R>(result, f);
          } else {
            detail::complete_with<R>(result, f, v);
          }
        },
        state_);
    return Future<R>(result);
  }

  /// True once the value is there.
  [[nodiscard]] bool is_complete() const { return state_->status == State::Status::complete; }

  /// Completes @p target when this future completes: at once if it already has (Dart chains
  /// a returned future with no extra microtask).
  void forward_to(const std::shared_ptr<detail::FutureState<T>>& target) const {
    if (state_->status == State::Status::complete) {
      target->complete(*state_->value);
    } else {
      state_->listeners.push_back([target](const detail::value_t<T>& v) { target->complete(v); });
    }
  }

 private:
  using State = detail::FutureState<T>;
  template <class>
  friend class Future;
  template <class>
  friend class Completer;
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
  /// True once `complete` was called.
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
