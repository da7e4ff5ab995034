#pragma once
// Step 5, model answer: the error half of futures (dart-semantics.md §1.3; uncaught errors
// are in uncaught.cpp).
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
  using Ret = std::remove_cvref_t<decltype(f(std::forward<A>(args)...))>;
  // Only the call of `f` is guarded: completing `target` runs its listeners, and what they
  // throw is not `f`'s error.
  if constexpr (std::is_void_v<Ret>) {
    try {
      f(std::forward<A>(args)...);
    } catch (...) {
      target->complete_error(std::current_exception());  // a throw fails the future
      return;
    }
    target->complete(std::monostate{});
  } else {
    std::optional<Ret> result;
    try {
      result.emplace(f(std::forward<A>(args)...));
    } catch (...) {
      target->complete_error(std::current_exception());
      return;
    }
    if constexpr (is_future<Ret>::value) {
      result->forward_to(target);  // wait for it; its error becomes ours too
    } else {
      target->complete(std::move(*result));
    }
  }
}

template <class R>
std::function<void(const std::exception_ptr&)> error_to(std::shared_ptr<FutureState<R>> target) {
  return [target = std::move(target)](const std::exception_ptr& e) { target->complete_error(e); };
}

/// Runs a `when_complete` action; if it throws, its error fails @p result (and it says false).
template <class R, class A>
bool run_action(A& action, const std::shared_ptr<FutureState<R>>& result) {
  try {
    action();
  } catch (...) {
    result->complete_error(std::current_exception());
    return false;
  }
  return true;
}

}  // namespace detail

// --- FutureState ---------------------------------------------------------------------------

template <class T>
void detail::FutureState<T>::complete_error(std::exception_ptr e) {
  error = std::move(e);
  status = Status::complete;
  std::vector<Listener<T>> waiting = std::move(listeners);
  listeners.clear();
  // Nobody listens at the moment the error arrives: it is uncaught NOW. A handler added
  // later (even one microtask later) comes too late.
  if (waiting.empty()) EventLoop::current().report_uncaught_error(error);
  for (auto& listener : waiting) listener.on_error(error);
}

template <class T>
void detail::FutureState<T>::complete_error_in_microtask(std::exception_ptr e,
                                                         const std::shared_ptr<FutureState>& self) {
  // As for a value: the handlers registered before this microtask runs are in time.
  status = Status::pending;
  schedule_microtask([self, e = std::move(e)] { self->complete_error(e); });
}

// --- Future --------------------------------------------------------------------------------

template <class T>
template <class E>
Future<T> Future<T>::error(E&& e) {
  Future f(std::make_shared<State>());
  f.state_->complete_error_in_microtask(detail::to_exception_ptr(std::forward<E>(e)), f.state_);
  return f;
}

template <class T>
template <class H>
Future<T> Future<T>::catch_error(H handler) const {
  return catch_error(std::move(handler), [](const std::exception_ptr&) { return true; });
}

template <class T>
template <class H, class P>
Future<T> Future<T>::catch_error(H handler, P test) const {
  auto result = std::make_shared<State>();
  state_->add_listener(
      {// A value passes through untouched.
       [result](const detail::value_t<T>& v) { result->complete(v); },
       [result, h = std::move(handler), t = std::move(test)](const std::exception_ptr& e) mutable {
         bool handled = false;
         try {
           handled = t(e);
         } catch (...) {
           result->complete_error(std::current_exception());  // a throwing test fails it
           return;
         }
         if (handled) {
           detail::complete_with<T>(result, h, e);  // the handler's value (or throw) wins
         } else {
           result->complete_error(e);  // not this handler's error: it passes on
         }
       }},
      state_);
  return Future(result);
}

template <class T>
template <class A>
Future<T> Future<T>::when_complete(A action) const {
  static_assert(std::is_void_v<decltype(action())>,
                "when_complete takes an action that returns nothing");
  auto result = std::make_shared<State>();
  // One action for both halves: only one of them ever runs.
  auto act = std::make_shared<A>(std::move(action));
  state_->add_listener({[result, act](const detail::value_t<T>& v) {
                          if (detail::run_action(*act, result)) result->complete(v);
                        },
                        [result, act](const std::exception_ptr& e) {
                          if (detail::run_action(*act, result)) result->complete_error(e);
                        }},
                       state_);
  return Future(result);
}

// --- Completer -----------------------------------------------------------------------------

template <class T>
template <class E>
void Completer<T>::complete_error(E&& e) const {
  std::exception_ptr error = detail::to_exception_ptr(std::forward<E>(e));
  if (sync_) {
    state_->complete_error(std::move(error));
  } else {
    state_->complete_error_in_microtask(std::move(error), state_);
  }
}

}  // namespace dartloop
