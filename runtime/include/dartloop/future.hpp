#pragma once
/// @file
/// @brief Dart's `Future<T>`: a value or an error that arrives later, and what to do then.

#include <concepts>
#include <cstddef>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "dartloop/clock.hpp"
#include "dartloop/detail/future_state.hpp"
#include "dartloop/errors.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/timer.hpp"

namespace dartloop {

template <class T>
class Future;

/// @brief Options of `Future<T>::wait` (Dart's named parameters `eagerError` and `cleanUp`).
template <class T>
struct WaitOptions {
  /// @brief Fail as soon as one future fails, instead of after all have completed.
  bool eager_error = false;
  /// @brief Called on every value that succeeded when the wait as a whole fails.
  std::function<void(const detail::value_of<T>&)> clean_up;
};

namespace detail {

/// @brief Gives the runtime's own code access to a future's state.
struct FutureAccess {
  /// @brief The state behind @p f (throws `StateError` for an empty future).
  template <class T>
  static State<T>* state(const Future<T>& f) {
    if (f.state_.get() == nullptr) [[unlikely]]
      throw_empty_future();
    return f.state_.get();
  }
  /// @brief A future that adopts the reference to @p s the caller holds.
  template <class T>
  static Future<T> adopt(State<T>* s) noexcept {
    Future<T> f;
    f.state_ = Ref<State<T>>(s);
    return f;
  }
  /// @brief A future with a new reference to @p s.
  template <class T>
  static Future<T> share(State<T>* s) noexcept {
    s->add_ref();
    return adopt(s);
  }
  /// @brief Throws the `StateError` for an operation on an empty future.
  [[noreturn]] static void throw_empty_future();
};

/// @brief An exception thrown just now, or @p source itself when it was rethrown unchanged.
///
/// Dart keeps the original stack trace when a handler rethrows the error it was given;
/// here the original location is kept the same way.
inline AsyncError caught(const AsyncError* source, std::source_location where) {
  std::exception_ptr e = std::current_exception();
  if (source != nullptr && source->error == e) return *source;
  return {std::move(e), where};
}

/// @brief `e` as an `exception_ptr`: passed through, or wrapped (a C string becomes a string).
template <class E>
std::exception_ptr to_exception_ptr(E&& e) {
  using D = std::remove_cvref_t<E>;
  if constexpr (std::is_same_v<D, std::exception_ptr>) {
    return std::forward<E>(e);
  } else if constexpr (std::is_same_v<D, AsyncError>) {
    return e.error;
  } else if constexpr (std::is_convertible_v<E, const char*>) {
    return std::make_exception_ptr(std::string(e));
  } else {
    return std::make_exception_ptr(std::forward<E>(e));
  }
}

/// @brief What a value callback of a `Future<T>` returns (it takes no argument for `void`).
template <class F, class T>
struct value_result {
  using type = std::invoke_result_t<F&, const T&>;  ///< The callback's return type.
};
/// @brief A `Future<void>`'s value callback takes no argument.
template <class F>
struct value_result<F, void> {
  using type = std::invoke_result_t<F&>;  ///< The callback's return type.
};
/// @brief What the value callback @p F of a `Future<T>` returns.
template <class F, class T>
using value_result_t = typename value_result<F, T>::type;

/// @brief A callable that can take a `Future<T>`'s value (nothing for `void`).
template <class F, class T>
concept value_callback = (std::is_void_v<T> && std::invocable<F&>) ||
                         (!std::is_void_v<T> && std::invocable<F&, const T&>);

/// @brief The parameter type of a one-argument callable (a non-generic lambda or function).
template <class F, class = void>
struct first_param {};  // not a one-argument callable: no `type`
template <class F>
struct first_param<F, std::void_t<decltype(&F::operator())>>
    : first_param<decltype(&F::operator())> {};
/// @brief A lambda's call operator.
template <class C, class R, class A>
struct first_param<R (C::*)(A) const> {
  using type = A;  ///< The parameter type.
};
/// @brief A mutable lambda's call operator.
template <class C, class R, class A>
struct first_param<R (C::*)(A)> {
  using type = A;  ///< The parameter type.
};
/// @brief A noexcept lambda's call operator.
template <class C, class R, class A>
struct first_param<R (C::*)(A) const noexcept> {
  using type = A;  ///< The parameter type.
};
/// @brief A mutable noexcept lambda's call operator.
template <class C, class R, class A>
struct first_param<R (C::*)(A) noexcept> {
  using type = A;  ///< The parameter type.
};
/// @brief A function pointer.
template <class R, class A>
struct first_param<R (*)(A)> {
  using type = A;  ///< The parameter type.
};
/// @brief A noexcept function pointer.
template <class R, class A>
struct first_param<R (*)(A) noexcept> {
  using type = A;  ///< The parameter type.
};

template <class H>
concept has_first_param = requires {
  typename first_param<std::decay_t<H>>::type;
};

/// @brief An error handler: takes the `exception_ptr`, the `AsyncError`, or one exception type.
///
/// The typed form (`[](const StateError& e) {...}`) handles only errors of that type;
/// others pass through unchanged, as if a `catch_error` test had said no.
template <class H>
concept error_handler = std::invocable<H&, std::exception_ptr> ||
    std::invocable<H&, const AsyncError&> || has_first_param<H>;

/// @brief The exception type a typed error handler catches.
template <class H>
using caught_type_t = std::remove_cvref_t<typename first_param<std::decay_t<H>>::type>;

/// @brief A callable taking no argument, other than the future type @p Self (`Future(f)`).
template <class F, class Self>
concept computation_of = std::invocable<F&> && !std::is_same_v<std::decay_t<F>, Self>;

/// @brief Marks "no error handler" in a `then` node.
struct NoHandler {};

/// @brief Calls @p f and hands its outcome (value, future or thrown error) to @p sink.
///
/// Dart's `FutureOr`: a callback returning `Future<R>` is waited for, anything else is the
/// value; a throw becomes the error. @p source_error makes a rethrow keep its location.
template <class R, class Sink, class F, class... A>
decltype(auto) call_into(Sink&& sink, std::source_location where, const AsyncError* source_error,
                         F& f, A&&... args) {
  using Ret = std::invoke_result_t<F&, A...>;
  if constexpr (std::is_void_v<Ret>) {
    static_assert(std::is_void_v<R>,
                  "this callback must return a value (or a Future) of the "
                  "future's type, not void");
    try {
      std::invoke(f, std::forward<A>(args)...);
    } catch (...) {
      return sink.error(caught(source_error, where));
    }
    return sink.value(Void{});
  } else if constexpr (is_future_v<std::remove_cvref_t<Ret>>) {
    static_assert(std::is_same_v<std::remove_cvref_t<Ret>, Future<R>>,
                  "this callback returns a Future of another type");
    Future<R> future;
    try {
      future = std::invoke(f, std::forward<A>(args)...);
      (void)FutureAccess::state(future);  // an empty future is an error of the callback
    } catch (...) {
      return sink.error(caught(source_error, where));
    }
    return sink.future(FutureAccess::state(future));
  } else {
    static_assert(std::is_convertible_v<Ret, value_of<R>>,
                  "this callback returns a value that does not convert to the future's type");
    std::optional<value_of<R>> value;
    try {
      value.emplace(std::invoke(f, std::forward<A>(args)...));
    } catch (...) {
      return sink.error(caught(source_error, where));
    }
    return sink.value(std::move(*value));
  }
}

/// @brief Settles a listener node's own state; the outcome goes on to `propagate`.
template <class R>
struct SettleSink {
  State<R>& target;            ///< The node's result state.
  std::source_location where;  ///< The call that registered the node.
  /// @brief Completes with a value.
  Step value(value_of<R>&& v) { return target.settle_value(std::move(v)); }
  /// @brief Completes with another future's result.
  Step future(State<R>* s) { return target.settle_future(s, where); }
  /// @brief Completes with an error.
  Step error(AsyncError e) { return target.settle_error(std::move(e)); }
};

/// @brief Completes a state now (Dart's `_complete` and `_completeError`).
template <class R>
struct CompleteSink {
  State<R>* target;            ///< The state to complete.
  std::source_location where;  ///< For a chained completion that needs a microtask.
  /// @brief Completes with a value; listeners run now.
  void value(value_of<R>&& v) { target->complete_value(std::move(v)); }
  /// @brief Takes another future's result (now, if it has one).
  void future(State<R>* s) { target->complete_future(s, where); }
  /// @brief Completes with an error; listeners run now.
  void error(AsyncError e) { target->complete_error(std::move(e)); }
};

/// @brief Runs an error handler @p h on @p error and settles @p target with its outcome.
template <class R, class H>
Step handle_error(State<R>& target, std::source_location where, const AsyncError& error, H& h) {
  SettleSink<R> sink{target, where};
  if constexpr (std::invocable<H&, std::exception_ptr>) {
    return call_into<R>(sink, where, &error, h, error.error);
  } else if constexpr (std::invocable<H&, const AsyncError&>) {
    return call_into<R>(sink, where, &error, h, error);
  } else {
    using E = caught_type_t<H>;
    try {
      std::rethrow_exception(error.error);
    } catch (const E& e) {
      return call_into<R>(sink, where, &error, h, e);
    } catch (...) {  // NOLINT(bugprone-empty-catch): not this handler's type: passes through
    }
    return target.settle_error(error);
  }
}

/// @brief What every listener node is: the future it completes, and a listener on its source.
///
/// One pooled allocation holds both, so a `then` costs one block. The list the node joins
/// holds one reference; `Derived::run(source)` decides the outcome when the source completes.
template <class Derived, class T, class R>
class ListenerNode : public State<R>, public ListenerBase {
 protected:
  /// @brief A node with one reference (the list's), registered by the call at @p where.
  explicit ListenerNode(std::source_location where)
      : State<R>(&destroy_as<Derived>), ListenerBase{&ops, nullptr}, where_(where) {}

  std::source_location where_;  ///< The call that registered the node (errors thrown in it).

 private:
  static Step fire(ListenerBase* self, StateBase& source) {
    return static_cast<Derived&>(*self).run(static_cast<State<T>&>(source));
  }
  static void drop(ListenerBase* self) noexcept { static_cast<Derived&>(*self).release(); }
  static constexpr ListenerOps ops{&fire, &drop};
};

/// @brief A `then` listener: the value goes to `on_value`, an error to `on_error` (if any).
template <class T, class R, class OnValue, class OnError>
class ThenNode final : public ListenerNode<ThenNode<T, R, OnValue, OnError>, T, R> {
  using Base = ListenerNode<ThenNode, T, R>;

 public:
  /// @brief Makes a node with one reference, held by the list it will join.
  ThenNode(OnValue on_value, OnError on_error, std::source_location where)
      : Base(where), on_value_(std::move(on_value)), on_error_(std::move(on_error)) {}

 private:
  friend Base;
  Step run(State<T>& source) {
    if (!source.has_error()) {
      SettleSink<R> sink{*this, this->where_};
      if constexpr (std::is_void_v<T>) {
        return call_into<R>(sink, this->where_, nullptr, on_value_);
      } else {
        return call_into<R>(sink, this->where_, nullptr, on_value_, source.value());
      }
    }
    if constexpr (std::is_same_v<OnError, NoHandler>) {
      return this->settle_error(source.error());
    } else {
      return handle_error(*this, this->where_, source.error(), on_error_);
    }
  }

  [[no_unique_address]] OnValue on_value_;
  [[no_unique_address]] OnError on_error_;
};

/// @brief Marks "no test" in a `catch_error` node.
struct NoTest {};

/// @brief A `catch_error` listener: values pass, matching errors go to the handler.
template <class T, class Handler, class Test>
class CatchNode final : public ListenerNode<CatchNode<T, Handler, Test>, T, T> {
  using Base = ListenerNode<CatchNode, T, T>;

 public:
  /// @brief Makes a node with one reference, held by the list it will join.
  CatchNode(Handler handler, Test test, std::source_location where)
      : Base(where), handler_(std::move(handler)), test_(std::move(test)) {}

 private:
  friend Base;
  Step run(State<T>& source) {
    if (!source.has_error()) return this->settle_value(value_of<T>(source.value()));
    const AsyncError& error = source.error();
    if constexpr (!std::is_same_v<Test, NoTest>) {
      bool matches = false;
      try {
        matches = std::invoke(test_, error.error);
      } catch (...) {
        return this->settle_error(caught(&error, this->where_));
      }
      if (!matches) return this->settle_error(error);
    }
    return handle_error(*this, this->where_, error, handler_);
  }

  [[no_unique_address]] Handler handler_;
  [[no_unique_address]] Test test_;
};

/// @brief A `when_complete` listener: runs the action, then passes the result on.
template <class T, class Action>
class WhenCompleteNode final : public ListenerNode<WhenCompleteNode<T, Action>, T, T> {
  using Base = ListenerNode<WhenCompleteNode, T, T>;

 public:
  /// @brief Makes a node with one reference, held by the list it will join.
  WhenCompleteNode(Action action, std::source_location where)
      : Base(where), action_(std::move(action)) {}

 private:
  friend Base;
  Step run(State<T>& source) {
    const AsyncError* source_error = source.has_error() ? &source.error() : nullptr;
    using Ret = std::invoke_result_t<Action&>;
    if constexpr (is_future_v<std::remove_cvref_t<Ret>>) {
      std::remove_cvref_t<Ret> waited;
      try {
        waited = std::invoke(action_);
        (void)FutureAccess::state(waited);
      } catch (...) {
        return this->settle_error(caught(source_error, this->where_));
      }
      auto* w = FutureAccess::state(waited);
      if (w->is_complete()) {
        if (w->has_error()) return this->settle_error(w->error());
        return settle_clone(source);
      }
      // Wait for the action's future, then take the original result (Dart chains
      // `completeResult.then((_) => originalSource)`).
      Future<T> after = waited.then(
          [original = FutureAccess::share(&source)](const auto&...) { return original; },
          this->where_);
      return this->settle_future(FutureAccess::state(after), this->where_);
    } else {
      try {
        (void)std::invoke(action_);
      } catch (...) {
        return this->settle_error(caught(source_error, this->where_));
      }
      return settle_clone(source);
    }
  }
  Step settle_clone(const State<T>& source) {
    ListenerBase* l = this->remove_listeners();
    this->clone_result(source);
    return {this, l};
  }

  [[no_unique_address]] Action action_;
};

/// @brief `T` for a value of `Future<T>`; for `Future<void>` (no value) a `Void`.
template <class T, class... A>
value_of<T> value_from(const A&... a) {
  return value_of<T>(a...);
}

}  // namespace detail

/// @brief Dart's `Future<T>`: a handle to a result that arrives later (copies share it).
///
/// Every ordering rule is dart-semantics.md §1.3 and §1.6: `Future(f)` runs `f` in an event
/// of its own, `Future<T>::microtask` in a microtask; `Future<T>::value` is *not* complete
/// until the microtask it queues has run, while `Future<T>::sync` is complete at once.
/// Callbacks registered with `then`, `catch_error` and `when_complete` run synchronously, in
/// registration order, inside whatever completes the future, and a whole chain completes
/// inside that one task. A callback added to an already completed future costs one
/// microtask. A future that fails while nobody listens reports an uncaught error at once.
///
/// `Future<T>` is also the return type of a coroutine (`async.hpp`): `co_await` any future.
/// Handles are cheap to copy; a future belongs to the isolate (thread) that created it.
template <class T>
class Future {
  static_assert(!std::is_reference_v<T> && !detail::is_future_v<std::remove_cv_t<T>>,
                "Future<T> holds a value: T cannot be a reference or a Future");
  using V = detail::value_of<T>;
  using State = detail::State<T>;
  using Access = detail::FutureAccess;

 public:
  using value_type = T;  ///< The type of the value it completes with.

  /// @brief An empty handle; every operation on it throws `StateError`.
  Future() noexcept = default;

  /// @brief Dart's `Future(computation)`: runs @p computation in an event of its own.
  ///
  /// The event is a zero-duration timer (`Timer::run`): it comes after every microtask and
  /// after every event already queued. A returned future is waited for; a throw fails it.
  template <detail::computation_of<Future> F>
  explicit Future(F computation, std::source_location where = std::source_location::current())
      : state_(State::make()) {
    Timer::run(
        [s = detail::Ref<State>::share(state_.get()), f = std::move(computation), where]() mutable {
          detail::call_into<T>(detail::CompleteSink<T>{s.get(), where}, where, nullptr, f);
        },
        where);
  }

  // --- Factories -------------------------------------------------------------------------

  /// @brief Dart's `Future.microtask`: runs @p computation in a microtask queued now.
  template <std::invocable F>
  static Future microtask(F computation,
                          std::source_location where = std::source_location::current()) {
    Future result = Access::adopt(State::make());  // owned first: a throw below frees it
    State* s = result.state_.get();
    EventLoop::current().schedule_microtask(
        [st = detail::Ref<State>::share(s), f = std::move(computation), where]() mutable {
          detail::call_into<T>(detail::CompleteSink<T>{st.get(), where}, where, nullptr, f);
        },
        where);
    return result;
  }

  /// @brief Dart's `Future.sync`: runs @p computation now; a value gives a completed future.
  ///
  /// A returned future is returned as it is; a throw gives a future that fails one
  /// microtask later, so that the caller can still attach a handler.
  template <std::invocable F>
  static Future sync(F computation, std::source_location where = std::source_location::current()) {
    struct Sink {
      std::source_location where;
      Future value(V&& v) {
        Future result = Access::adopt(State::make());
        result.state_->set_value(std::move(v));  // `_Future.value`: complete from the start
        return result;
      }
      Future future(State* s) { return Access::share(s); }
      Future error(AsyncError e) {
        Future result = Access::adopt(State::make());
        result.state_->async_complete_error(std::move(e), where);
        return result;
      }
    };
    return detail::call_into<T>(Sink{where}, where, nullptr, computation);
  }

  /// @brief Dart's `Future.value(v)`: NOT complete yet; its completion is a microtask queued now.
  template <std::convertible_to<V> U = V>
  static Future value(U&& v, std::source_location where = std::source_location::current()) {
    Future result = Access::adopt(State::make());
    result.state_->async_complete_value(V(std::forward<U>(v)), where);
    return result;
  }

  /// @brief Dart's `Future.value()` for `Future<void>`: completes in a microtask queued now.
  // (clang-format 14 cannot lay out a trailing requires-clause.)
  // clang-format off
  static Future value(std::source_location where = std::source_location::current())
    requires std::is_void_v<T>
  {
    // clang-format on
    Future result = Access::adopt(State::make());
    result.state_->async_complete_value(Void{}, where);
    return result;
  }

  /// @brief Dart's `Future.value(future)`: follows @p f (complete already if @p f has a value).
  static Future value(const Future& f,
                      std::source_location where = std::source_location::current()) {
    State* source = Access::state(f);
    Future result = Access::adopt(State::make());
    result.state_->async_complete_future(source, where);
    return result;
  }

  /// @brief Dart's `Future.error`: fails with @p error in a microtask queued now.
  ///
  /// @p error is an `exception_ptr` or any exception object (a C string becomes a
  /// `std::string`, as Dart lets any object be thrown).
  template <class E>
  static Future error(E&& error, std::source_location where = std::source_location::current()) {
    Future result = Access::adopt(State::make());
    result.state_->async_complete_error(
        AsyncError{detail::to_exception_ptr(std::forward<E>(error)), where}, where);
    return result;
  }

  /// @brief Dart's `Future.delayed(d, computation)`: runs @p computation in a timer after @p d.
  template <std::invocable F>
  static Future delayed(Duration d, F computation,
                        std::source_location where = std::source_location::current()) {
    Future result = Access::adopt(State::make());
    // The handle may go at once: a timer keeps running without one (Dart drops it too).
    const Timer timer(
        d,
        [st = detail::Ref<State>::share(result.state_.get()), f = std::move(computation),
         where]() mutable {
          detail::call_into<T>(detail::CompleteSink<T>{st.get(), where}, where, nullptr, f);
        },
        where);
    return result;
  }

  /// @brief Dart's `Future.delayed(d)` for `Future<void>`: completes in a timer after @p d.
  // (clang-format 14 cannot lay out a trailing requires-clause.)
  // clang-format off
  static Future delayed(Duration d, std::source_location where = std::source_location::current())
    requires std::is_void_v<T>
  {
    return delayed(d, [] {}, where);
    // clang-format on
  }

  // --- Listening -------------------------------------------------------------------------

  /// @brief Calls @p on_value with the value; the result completes with what it returns.
  ///
  /// @p on_value may return a value, nothing (gives `Future<void>`) or a `Future<R>`,
  /// which is waited for. An error skips it and reaches the returned future unchanged.
  template <detail::value_callback<T> F>
  auto then(F on_value, std::source_location where = std::source_location::current()) const {
    using R = detail::flatten_t<detail::value_result_t<F, T>>;
    return listen<detail::ThenNode<T, R, F, detail::NoHandler>, R>(where, std::move(on_value),
                                                                   detail::NoHandler{}, where);
  }

  /// @brief `then` with an error handler for this future's own error (Dart's `onError:`).
  ///
  /// @p on_error takes a `std::exception_ptr`, an `AsyncError`, or one exception type
  /// (`[](const StateError& e) {...}`); it returns what @p on_value returns. An error
  /// thrown by @p on_value is not handled by it: it goes to the returned future.
  template <detail::value_callback<T> F, detail::error_handler H>
  auto then(F on_value, H on_error,
            std::source_location where = std::source_location::current()) const {
    using R = detail::flatten_t<detail::value_result_t<F, T>>;
    return listen<detail::ThenNode<T, R, F, H>, R>(where, std::move(on_value), std::move(on_error),
                                                   where);
  }

  /// @brief Handles an error: the result completes with what @p handler returns.
  ///
  /// Values pass through unchanged. A typed handler (`[](const TimeoutException& e)`)
  /// handles only that type; other errors pass through.
  template <detail::error_handler H>
  Future catch_error(H handler,
                     std::source_location where = std::source_location::current()) const {
    return listen<detail::CatchNode<T, H, detail::NoTest>, T>(where, std::move(handler),
                                                              detail::NoTest{}, where);
  }

  /// @brief Handles an error for which @p test (given the `exception_ptr`) returns true.
  template <detail::error_handler H, std::predicate<std::exception_ptr> P>
  Future catch_error(H handler, P test,
                     std::source_location where = std::source_location::current()) const {
    return listen<detail::CatchNode<T, H, P>, T>(where, std::move(handler), std::move(test), where);
  }

  /// @brief Runs @p action on success and on error alike, then passes the result on.
  ///
  /// If @p action returns a future, the result waits for it; if @p action throws or its
  /// future fails, that error replaces the result.
  template <std::invocable A>
  Future when_complete(A action,
                       std::source_location where = std::source_location::current()) const {
    return listen<detail::WhenCompleteNode<T, A>, T>(where, std::move(action), where);
  }

  /// @brief Fails with `TimeoutException` if no result arrives within @p limit.
  Future timeout(Duration limit,
                 std::source_location where = std::source_location::current()) const {
    return timeout_with(limit, where, [limit, where](State* r) {
      r->complete_error(AsyncError{
          std::make_exception_ptr(TimeoutException("Future not completed", limit)), where});
    });
  }

  /// @brief Completes with @p on_timeout's result if no result arrives within @p limit.
  template <std::invocable F>
  Future timeout(Duration limit, F on_timeout,
                 std::source_location where = std::source_location::current()) const {
    return timeout_with(limit, where, [f = std::move(on_timeout), where](State* r) mutable {
      detail::call_into<T>(detail::CompleteSink<T>{r, where}, where, nullptr, f);
    });
  }

  // --- Many futures ----------------------------------------------------------------------

  /// @brief What `wait` completes with: the values in order (nothing for `Future<void>`).
  using WaitResult = std::conditional_t<std::is_void_v<T>, void, std::vector<T>>;

  /// @brief Dart's `Future.wait`: all values, in list order, once every future has one.
  ///
  /// Completes inside the callback of the last future to complete. The first error (in
  /// completion order) wins: at once with `eager_error`, else once all have completed;
  /// later errors are dropped. `clean_up` gets each successful value when the wait fails.
  /// An empty list gives a future that is already complete.
  static Future<WaitResult> wait(std::vector<Future> futures, WaitOptions<T> options = {},
                                 std::source_location where = std::source_location::current());

  /// @brief Dart's `Future.any`: the first result (value or error) of any of @p futures.
  ///
  /// Later results are ignored (and not uncaught); an empty list never completes.
  static Future any(std::vector<Future> futures,
                    std::source_location where = std::source_location::current());

  /// @brief Dart's `Future.doWhile`: calls @p action until it returns false.
  ///
  /// @p action returns `bool` or `Future<bool>`; a future is waited for before the next
  /// call. Runs synchronously as long as @p action returns plain values.
  template <std::invocable F>
  static Future<void> do_while(F action,
                               std::source_location where = std::source_location::current());

  /// @brief Dart's `Future.forEach`: calls @p action on each element, in turn.
  ///
  /// When @p action returns a future, the next element waits for it. An error stops the
  /// iteration and fails the result. @p elements is copied (it is used later).
  template <class Range, class F>
  static Future<void> for_each(Range elements, F action,
                               std::source_location where = std::source_location::current());

  /// @brief True for a handle that refers to a future (not default-constructed or moved from).
  [[nodiscard]] bool valid() const noexcept { return state_.get() != nullptr; }

  /// @brief True if both handles refer to the same future (Dart compares futures by identity).
  friend bool operator==(const Future& a, const Future& b) noexcept {
    return a.state_.get() == b.state_.get();
  }

 private:
  friend struct detail::FutureAccess;
  template <class U>
  friend class Future;

  template <class Node, class R, class... A>
  Future<R> listen(std::source_location where, A&&... args) const {
    State* source = Access::state(*this);
    auto* node = detail::make_pooled<Node>(std::forward<A>(args)...);
    node->add_ref();  // one for the listener list, one for the returned future
    Future<R> result = Access::adopt(static_cast<detail::State<R>*>(node));
    source->add_listener(node, where);
    return result;
  }

  template <class OnTimeout>
  Future timeout_with(Duration limit, std::source_location where, OnTimeout on_timeout) const {
    State* source = Access::state(*this);
    State* r = State::make();
    Future result = Access::adopt(r);
    if (source->is_complete()) {  // `_Future.immediate(this)`
      r->async_complete_future(source, where);
      return result;
    }
    Timer timer(
        limit,
        [rr = detail::Ref<State>::share(r), f = std::move(on_timeout)]() mutable { f(rr.get()); },
        where);
    then(
        [rr = detail::Ref<State>::share(r), timer](const auto&... v) mutable {
          if (!timer.is_active()) return;  // timed out already: a late result is ignored
          timer.cancel();
          rr->complete_value(detail::value_from<T>(v...));
        },
        [rr = detail::Ref<State>::share(r), timer](const AsyncError& e) mutable {
          if (!timer.is_active()) return;
          timer.cancel();
          rr->complete_error(e);
        },
        where);
    return result;
  }

  detail::Ref<State> state_;
};

/// @brief `Future(f)` deduces `T` from what `f` returns (a returned future is flattened).
template <std::invocable F>
Future(F) -> Future<detail::flatten_t<std::invoke_result_t<F&>>>;

/// @brief `Future(f, where)` deduces `T` like `Future(f)`.
template <std::invocable F>
Future(F, std::source_location) -> Future<detail::flatten_t<std::invoke_result_t<F&>>>;

// --- Out-of-class definitions of the many-futures helpers ---------------------------------

template <class T>
auto Future<T>::wait(std::vector<Future> futures, WaitOptions<T> options,
                     std::source_location where) -> Future<WaitResult> {
  using RS = detail::State<WaitResult>;
  struct Context {
    std::vector<std::optional<V>> values;
    bool failed = false;
    std::size_t remaining = 0;
    AsyncError error;
    WaitOptions<T> options;
    detail::Ref<RS> result;
    std::source_location where;

    void clean_up(const V& v) const {
      if (!options.clean_up) return;
      // Through `Future::sync`, so that a throwing clean-up is an uncaught error (Dart).
      Future<void>::sync([&] { options.clean_up(v); }, where);
    }
    void complete_values() {
      if constexpr (std::is_void_v<T>) {
        result->complete_value(Void{});
      } else {
        std::vector<T> out;
        out.reserve(values.size());
        for (auto& v : values) out.push_back(std::move(*v));
        result->complete_value(std::move(out));
      }
    }
  };
  RS* r = RS::make();
  auto result = detail::FutureAccess::adopt(r);
  if (futures.empty()) {  // complete already: there is nothing to wait for
    if constexpr (std::is_void_v<T>) {
      r->set_value(Void{});
    } else {
      r->set_value(std::vector<T>{});
    }
    return result;
  }
  auto ctx = std::make_shared<Context>();
  ctx->values.resize(futures.size());
  ctx->options = std::move(options);
  ctx->result = detail::Ref<RS>::share(r);
  ctx->where = where;
  for (std::size_t pos = 0; pos < futures.size(); ++pos) {
    futures[pos].then(
        [ctx, pos](const auto&... v) {
          --ctx->remaining;
          if (!ctx->failed) {
            ctx->values[pos].emplace(detail::value_from<T>(v...));
            if (ctx->remaining == 0) ctx->complete_values();
            return;
          }
          ctx->clean_up(detail::value_from<T>(v...));
          if (ctx->remaining == 0 && !ctx->options.eager_error)
            ctx->result->complete_error(ctx->error);
        },
        [ctx](const AsyncError& e) {
          --ctx->remaining;
          if (!ctx->failed) {
            for (const auto& v : ctx->values) {
              if (v) ctx->clean_up(*v);
            }
            ctx->failed = true;
            if (ctx->remaining == 0 || ctx->options.eager_error) {
              ctx->result->complete_error(e);
            } else {
              ctx->error = e;
            }
          } else if (ctx->remaining == 0 && !ctx->options.eager_error) {
            ctx->result->complete_error(ctx->error);
          }
        },
        where);
    ++ctx->remaining;
  }
  return result;
}

template <class T>
Future<T> Future<T>::any(std::vector<Future> futures, std::source_location where) {
  State* r = State::make();
  Future result = Access::adopt(r);
  for (Future& f : futures) {
    f.then(
        [rr = detail::Ref<State>::share(r)](const auto&... v) {
          if (rr->may_complete()) rr->complete_value(detail::value_from<T>(v...));
        },
        [rr = detail::Ref<State>::share(r)](const AsyncError& e) {
          if (rr->may_complete()) rr->complete_error(e);
        },
        where);
  }
  return result;
}

namespace detail {

/// @brief What a `for_each` step gives `do_while`: a plain answer, or a future of one.
struct BoolOrFuture {
  bool value = false;   ///< The answer, when `future` is empty.
  Future<bool> future;  ///< The answer to wait for, if valid.
};

/// @brief Drives `Future::do_while`: calls the step until it says stop or fails.
template <class F>
class DoWhile : public std::enable_shared_from_this<DoWhile<F>> {
 public:
  /// @brief A loop that calls @p step and completes @p done at the end.
  DoWhile(F step, State<void>* done, std::source_location where)
      : step_(std::move(step)), done_(Ref<State<void>>::share(done)), where_(where) {}

  /// @brief Dart's `nextIteration`: runs steps until one returns a future or false.
  void next(bool keep_going) {
    using Ret = std::remove_cvref_t<std::invoke_result_t<F&>>;
    static_assert(std::is_same_v<Ret, Future<bool>> || std::is_same_v<Ret, BoolOrFuture> ||
                      std::is_convertible_v<Ret, bool>,
                  "the do_while action must return bool or Future<bool>");
    while (keep_going) {
      std::optional<Ret> result;
      try {
        result.emplace(std::invoke(step_));
      } catch (...) {
        // An async error, not `_completeError`: the caller may have no handler yet.
        done_->async_complete_error(caught(nullptr, where_), where_);
        return;
      }
      if constexpr (std::is_same_v<Ret, Future<bool>>) {
        wait_for(std::move(*result));
        return;
      } else if constexpr (std::is_same_v<Ret, BoolOrFuture>) {
        if (result->future.valid()) {
          wait_for(std::move(result->future));
          return;
        }
        keep_going = result->value;
      } else {
        keep_going = static_cast<bool>(*result);
      }
    }
    done_->complete_value(Void{});
  }

 private:
  void wait_for(Future<bool> answer) {
    if (!answer.valid()) {
      done_->async_complete_error(
          AsyncError{
              std::make_exception_ptr(StateError("do_while: the action returned an empty Future")),
              where_},
          where_);
      return;
    }
    answer.then([self = this->shared_from_this()](bool more) { self->next(more); },
                [d = done_](const AsyncError& e) { d->complete_error(e); }, where_);
  }

  F step_;
  Ref<State<void>> done_;
  std::source_location where_;
};

}  // namespace detail

template <class T>
template <std::invocable F>
Future<void> Future<T>::do_while(F action, std::source_location where) {
  auto* done = detail::State<void>::make();
  Future<void> result = detail::FutureAccess::adopt(done);
  std::make_shared<detail::DoWhile<F>>(std::move(action), done, where)->next(true);
  return result;
}

template <class T>
template <class Range, class F>
Future<void> Future<T>::for_each(Range elements, F action, std::source_location where) {
  // One step: no element left -> stop; else call the action, and wait if it returned a future.
  struct Step {
    std::shared_ptr<Range> range;
    decltype(std::begin(*range)) it;
    F action;
    detail::BoolOrFuture operator()() {
      if (it == std::end(*range)) return {};
      auto&& element = *it;
      ++it;
      using Ret = std::remove_cvref_t<std::invoke_result_t<F&, decltype(element)>>;
      if constexpr (detail::is_future_v<Ret>) {
        return {false, std::invoke(action, element).then([](const auto&...) { return true; })};
      } else {
        (void)std::invoke(action, element);
        return {true, {}};
      }
    }
  };
  auto range = std::make_shared<Range>(std::move(elements));
  auto first = std::begin(*range);
  return do_while(Step{std::move(range), first, std::move(action)}, where);
}

}  // namespace dartloop
