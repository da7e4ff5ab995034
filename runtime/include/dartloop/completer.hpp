#pragma once
/// @file
/// @brief Dart's `Completer<T>`: a future that your own code completes, later.

#include <source_location>
#include <type_traits>
#include <utility>

#include "dartloop/detail/future_state.hpp"
#include "dartloop/errors.hpp"
#include "dartloop/future.hpp"

namespace dartloop {

/// @brief Makes a `Future<T>` and completes it when your code says so (copies share it).
///
/// A completer is a handle, like `Future<T>`: copies refer to the same future, and `complete`
/// is `const` (it changes the shared future, not the handle), so a lambda can capture one by
/// value without being `mutable`.
///
/// The default completer is asynchronous (Dart's `Completer()`): `complete` queues one
/// microtask, and the listeners run in it. `Completer<T>::sync()` runs the listeners
/// inside `complete` itself (dart-semantics.md §1.3). Completing twice throws
/// `StateError("Future already completed")`.
template <class T>
class Completer {
  using V = detail::value_of<T>;
  using State = detail::State<T>;
  using Access = detail::FutureAccess;

 public:
  /// @brief An asynchronous completer (Dart's `Completer()`).
  Completer() : state_(State::make()) {}

  /// @brief A synchronous completer (Dart's `Completer.sync()`): listeners run inside `complete`.
  [[nodiscard]] static Completer sync() {
    Completer c;
    c.sync_ = true;
    return c;
  }

  /// @brief The future this completer completes (every call returns the same future).
  [[nodiscard]] Future<T> future() const { return Access::share(state_.get()); }

  /// @brief True once `complete` or `complete_error` was called (even if still queued).
  [[nodiscard]] bool is_completed() const noexcept { return !state_->may_complete(); }

  /// @brief Completes the future with @p value.
  template <std::convertible_to<V> U = V>
  void complete(U&& value, std::source_location where = std::source_location::current()) const {
    check_not_completed();
    if (sync_) {
      state_->complete_value(V(std::forward<U>(value)));
    } else {
      state_->async_complete_value(V(std::forward<U>(value)), where);
    }
  }

  /// @brief Completes a `Future<void>`.
  // (clang-format 14 cannot lay out a trailing requires-clause.)
  // clang-format off
  void complete(std::source_location where = std::source_location::current()) const
    requires std::is_void_v<T>
  {
    // clang-format on
    check_not_completed();
    if (sync_) {
      state_->complete_value(Void{});
    } else {
      state_->async_complete_value(Void{}, where);
    }
  }

  /// @brief Completes the future with @p future's result, once it has one.
  void complete(const Future<T>& future,
                std::source_location where = std::source_location::current()) const {
    check_not_completed();
    State* source = Access::state(future);
    if (sync_) {
      state_->complete_future(source, where);
    } else {
      state_->async_complete_future(source, where);
    }
  }

  /// @brief Completes the future with an error: an `exception_ptr` or any exception object.
  template <class E>
  void complete_error(E&& error,
                      std::source_location where = std::source_location::current()) const {
    check_not_completed();
    AsyncError e{detail::to_exception_ptr(std::forward<E>(error)), where};
    if (sync_) {
      state_->complete_error(std::move(e));
    } else {
      state_->async_complete_error(std::move(e), where);
    }
  }

 private:
  void check_not_completed() const {
    if (!state_->may_complete()) throw StateError("Future already completed");
  }

  detail::Ref<State> state_;
  bool sync_ = false;
};

}  // namespace dartloop
