#pragma once
// Step 5: the error half of futures (uncaught errors are in uncaught.cpp).
// Read exercises/05-errors/README.md first; `./kit hint 05` helps when stuck.
//
// An error travels the same road as a value: a failed state hands it to every waiting
// listener's error half, at once and in order. `then` passes it on untouched, so it skips
// every value callback down the chain until a `catch_error` takes it. A future that fails
// while nobody listens reports the error as uncaught.
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "dartloop/event_loop.hpp"
#include "dartloop/todo.hpp"
#include "future.hpp"

namespace dartloop {

/// Given: the text of an error, as Dart's `toString()` would give it.
inline std::string describe(const std::exception_ptr& error) {
  if (!error) return "null";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (const std::string& s) {
    return s;
  } catch (...) {
    return "Instance of a non-standard C++ exception";
  }
}

namespace detail {

/// Given: @p e as an `exception_ptr`. Dart can throw any object; a C string becomes a string.
template <class E>
std::exception_ptr to_exception_ptr(E&& e) {
  using D = std::remove_cvref_t<E>;
  if constexpr (std::is_same_v<D, std::exception_ptr>) {
    return std::forward<E>(e);
  } else if constexpr (std::is_convertible_v<E, const char*>) {
    return std::make_exception_ptr(std::string(e));
  } else {
    return std::make_exception_ptr(std::forward<E>(e));
  }
}

template <class R, class F, class... A>
void complete_with(const std::shared_ptr<FutureState<R>>& target, F& f, A&&... args) {
  // TODO(step 5): this works for values (step 4 uses it), but a throw from `f` escapes. Call
  // `f` inside a try; on a throw, fail `target` with std::current_exception() instead.
  // Guard only the call of `f`: what completing `target` runs is not `f`'s business.
  using Ret = std::remove_cvref_t<decltype(f(std::forward<A>(args)...))>;
  if constexpr (std::is_void_v<Ret>) {
    f(std::forward<A>(args)...);
    target->complete(std::monostate{});
  } else if constexpr (is_future<Ret>::value) {
    Ret inner = f(std::forward<A>(args)...);
    inner.forward_to(target);
  } else {
    target->complete(f(std::forward<A>(args)...));
  }
}

template <class R>
std::function<void(const std::exception_ptr&)> error_to(std::shared_ptr<FutureState<R>> target) {
  // TODO(step 5): return a callable that fails `target` with the error it is given (this is
  // how an error skips a `then` callback and reaches the next future of the chain).
  (void)target;
  return [](const std::exception_ptr&) { todo("step 5: detail::error_to"); };
}

/// Runs a `when_complete` action; if it throws, its error fails @p result (and it says false).
template <class R, class A>
bool run_action(A& action, const std::shared_ptr<FutureState<R>>& result) {
  // TODO(step 5): call `action`; if it throws, fail `result` with that error and return false.
  (void)action;
  (void)result;
  todo("step 5: detail::run_action");
}

}  // namespace detail

// --- FutureState ---------------------------------------------------------------------------

template <class T>
void detail::FutureState<T>::complete_error(std::exception_ptr e) {
  // TODO(step 5): as `complete` does for a value: store the error, mark the state complete,
  // and call every waiting listener's `on_error`, in order. If NO listener waits, the error
  // is uncaught: report it to the loop (EventLoop::report_uncaught_error) at once.
  // Until then an error stays a plain C++ exception: it leaves the task that raised it.
  std::rethrow_exception(e);
}

template <class T>
void detail::FutureState<T>::complete_error_in_microtask(std::exception_ptr e,
                                                         const std::shared_ptr<FutureState>& self) {
  // TODO(step 5): as complete_in_microtask does for a value.
  (void)e;
  (void)self;
  todo("step 5: FutureState::complete_error_in_microtask");
}

// --- Future --------------------------------------------------------------------------------

template <class T>
template <class E>
Future<T> Future<T>::error(E&& e) {
  // TODO(step 5): as Future::value does, with the error (detail::to_exception_ptr(e)).
  (void)e;
  todo("step 5: Future::error");
}

template <class T>
template <class H>
Future<T> Future<T>::catch_error(H handler) const {
  // TODO(step 5): the two-argument catch_error below, with a test that always says yes.
  (void)handler;
  todo("step 5: Future::catch_error");
}

template <class T>
template <class H, class P>
Future<T> Future<T>::catch_error(H handler, P test) const {
  // TODO(step 5): a new state for the result, and a listener on this future: a value passes
  // through; an error for which `test` says true goes to `handler` (detail::complete_with
  // completes the result with what it returns, or with what it throws); any other error
  // passes through unchanged. A `test` that throws fails the result with its own error.
  (void)handler;
  (void)test;
  todo("step 5: Future::catch_error(handler, test)");
}

template <class T>
template <class A>
Future<T> Future<T>::when_complete(A action) const {
  static_assert(std::is_void_v<decltype(action())>,
                "when_complete takes an action that returns nothing");
  // TODO(step 5): a listener whose two halves both run the action (detail::run_action), then
  // pass the value, or the error, on to the result. Share one action between the halves.
  (void)action;
  todo("step 5: Future::when_complete");
}

// --- Completer -----------------------------------------------------------------------------

template <class T>
template <class E>
void Completer<T>::complete_error(E&& e) const {
  // TODO(step 5): as Completer::finish does for a value (detail::to_exception_ptr(e)).
  (void)e;
  todo("step 5: Completer::complete_error");
}

}  // namespace dartloop
