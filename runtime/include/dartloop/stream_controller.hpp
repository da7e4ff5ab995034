#pragma once
/// @file
/// @brief Dart's `StreamController<T>`: a stream that your own code feeds.

#include <concepts>
#include <source_location>
#include <type_traits>
#include <utility>

#include "dartloop/detail/controller_core.hpp"
#include "dartloop/detail/future_state.hpp"
#include "dartloop/errors.hpp"
#include "dartloop/future.hpp"
#include "dartloop/stream.hpp"
#include "dartloop/stream_subscription.hpp"

namespace dartloop {

/// @brief The optional parts of a `StreamController` (Dart's named constructor parameters).
///
/// `StreamController<int> c({.on_listen = [] {...}, .sync = true});`
struct StreamControllerOptions {
  /// @brief Accepts an `on_cancel` returning nothing or a `Future<void>`.
  struct OnCancel {
    detail::CancelHook hook;  ///< The adapted callback (empty: none).
    OnCancel() = default;
    /// @brief Adapts @p f.
    template <std::invocable F>
    OnCancel(F f)  // NOLINT(google-explicit-constructor): a lambda converts, as for a callback
        : hook(detail::to_cancel_hook(std::move(f))) {}
  };
  detail::ControllerHook on_listen{};  ///< The (first) listener subscribed.
  detail::ControllerHook on_pause{};   ///< The listener paused (not for broadcast).
  detail::ControllerHook on_resume{};  ///< The listener resumed (not for broadcast).
  OnCancel on_cancel{};                ///< The (last) listener cancelled; may return a future.
  bool sync = false;                   ///< Deliver inside `add` when possible.
};

/// @brief Dart's `StreamController<T>`: `add` values, `add_error` errors, `close`; the
/// listener of `stream()` receives them (copies of the handle share the controller).
///
/// The default controller is asynchronous: each event reaches the listener in a microtask
/// of its own, one per microtask, in order. With `.sync = true` an event is delivered inside
/// `add` when the listener can take it now. Before anyone listens, and while the listener
/// is paused, events wait in a buffer. `broadcast` controllers allow any number of
/// listeners and drop events nobody listens to (dart-semantics.md §1.7).
template <class T>
class StreamController {
  using Base = detail::ControllerBase<T>;

 public:
  /// @brief A single-subscription controller.
  explicit StreamController(StreamControllerOptions options = {},
                            std::source_location where = std::source_location::current())
      : StreamController(
            detail::make_node<detail::ControllerCore<T>>(options.sync, where).release(),
            std::move(options)) {}

  /// @brief Dart's `StreamController.broadcast`: any number of listeners, no buffering.
  static StreamController broadcast(StreamControllerOptions options = {},
                                    std::source_location where = std::source_location::current()) {
    return StreamController(
        detail::make_node<detail::BroadcastCore<T>>(options.sync, where).release(),
        std::move(options));
  }

  /// @brief The stream this controller feeds (every call returns the same stream).
  [[nodiscard]] Stream<T> stream() const { return detail::stream_of<T>(core_.get()); }

  /// @brief Sends a value.
  template <std::convertible_to<T> U = T>
  void add(U&& value, std::source_location where = std::source_location::current()) const {
    if constexpr (std::is_same_v<std::remove_cvref_t<U>, T>) {
      core_->add(std::forward<U>(value), where);
    } else {
      core_->add(T(std::forward<U>(value)), where);
    }
  }
  /// @brief Sends an error: an `exception_ptr` or any exception object.
  template <class E>
  void add_error(E&& error, std::source_location where = std::source_location::current()) const {
    core_->add_error(AsyncError{detail::to_exception_ptr(std::forward<E>(error)), where}, where);
  }
  /// @brief Sends done; returns `done()`. Adding afterwards throws `StateError`.
  Future<void> close(std::source_location where = std::source_location::current()) const {
    return core_->close(where);
  }
  /// @brief Completes once the stream is done and its listener has seen it (or cancelled).
  [[nodiscard]] Future<void> done() const { return core_->done(); }
  /// @brief Forwards every event of @p source; completes when @p source is done.
  ///
  /// No other event may be added meanwhile. With @p cancel_on_error the first error ends
  /// the forwarding.
  Future<void> add_stream(const Stream<T>& source, bool cancel_on_error = false,
                          std::source_location where = std::source_location::current()) const {
    return core_->add_stream(detail::StreamAccess::source(source), cancel_on_error, where);
  }

  /// @brief True while a listener is subscribed.
  [[nodiscard]] bool has_listener() const noexcept { return core_->has_listener(); }
  /// @brief True once `close` was called.
  [[nodiscard]] bool is_closed() const noexcept { return core_->is_closed(); }
  /// @brief True when an `add` would be buffered rather than delivered (Dart's `isPaused`).
  [[nodiscard]] bool is_paused() const noexcept { return core_->is_paused(); }

  /// @brief Replaces `on_listen`.
  template <std::invocable F>
  void set_on_listen(F f) const {
    core_->set_on_listen(detail::ControllerHook(std::move(f)));
  }
  /// @brief Replaces `on_pause`.
  template <std::invocable F>
  void set_on_pause(F f) const {
    core_->set_on_pause(detail::ControllerHook(std::move(f)));
  }
  /// @brief Replaces `on_resume`.
  template <std::invocable F>
  void set_on_resume(F f) const {
    core_->set_on_resume(detail::ControllerHook(std::move(f)));
  }
  /// @brief Replaces `on_cancel` (it may return a `Future<void>` to wait for).
  template <std::invocable F>
  void set_on_cancel(F f) const {
    core_->set_on_cancel(detail::to_cancel_hook(std::move(f)));
  }

 private:
  StreamController(Base* adopted, StreamControllerOptions&& options) : core_(adopted) {
    core_->set_on_listen(std::move(options.on_listen));
    core_->set_on_pause(std::move(options.on_pause));
    core_->set_on_resume(std::move(options.on_resume));
    core_->set_on_cancel(std::move(options.on_cancel.hook));
  }

  detail::Ref<Base> core_;
};

}  // namespace dartloop
