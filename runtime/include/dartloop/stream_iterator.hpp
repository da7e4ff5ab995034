#pragma once
/// @file
/// @brief Dart's `StreamIterator<T>`: pulls a stream's values one at a time — `await for`.
///
/// Dart lowers `await for (var v in s) { body }` to a `StreamIterator` (stream_impl.dart,
/// `_StreamIterator`); in C++ the loop is written out:
///
///     StreamIterator<int> it(s);
///     while (co_await it.move_next()) {
///       int v = it.current();
///       ...                               // body
///     }
///
/// The rules (dart-semantics.md §1.8): the first `move_next` listens. Each value completes
/// the waiting `move_next` future synchronously, inside the stream's event, so the body
/// runs right there. If the body has not asked for the next value by the time its
/// synchronous part ends (it awaited something), the subscription is paused until the next
/// `move_next`. Leaving the loop early cancels the subscription: `co_await it.cancel()` waits
/// for the producer's clean-up as Dart does; otherwise the iterator cancels when destroyed.

#include <optional>
#include <source_location>
#include <utility>

#include "dartloop/detail/future_state.hpp"
#include "dartloop/errors.hpp"
#include "dartloop/future.hpp"
#include "dartloop/stream.hpp"
#include "dartloop/stream_subscription.hpp"

namespace dartloop {

namespace detail {

/// @brief The iterator's state, shared with the subscription's callbacks.
template <class T>
class IteratorState final : public StreamNode {
 public:
  /// @brief Iterates @p stream (not listened to yet).
  explicit IteratorState(Ref<StreamSource<T>> stream) : stream_(std::move(stream)) {}

  /// @brief Dart's `moveNext`.
  Future<bool> move_next(std::source_location where) {
    if (sub_.get() != nullptr) {
      if (!has_value_) throw StateError("Already waiting for next.");
      waiting_ = Ref<State<bool>>(State<bool>::make());
      has_value_ = false;
      value_.reset();
      Future<bool> f = FutureAccess::share(waiting_.get());
      sub_->resume();
      return f;
    }
    if (stream_.get() == nullptr) {  // done, failed or cancelled: `Future._falseFuture`
      auto* s = State<bool>::make();
      s->set_value(false);
      return FutureAccess::adopt(s);
    }
    Ref<StreamSource<T>> stream = std::move(stream_);
    waiting_ = Ref<State<bool>>(State<bool>::make());
    Future<bool> f = FutureAccess::share(waiting_.get());
    listening_ = true;
    const Ref<IteratorState> self = Ref<IteratorState>::share(this);
    Ref<BufferingSubscription<T>> sub =
        stream->listen([self](const T& v) { self->on_data(v); },
                       [self](const AsyncError& e) { self->on_error(e); },
                       [self] { self->on_done(); }, true, where);
    listening_ = false;
    if (waiting_.get() != nullptr) sub_ = std::move(sub);  // unless done during `listen`
    return f;
  }

  /// @brief Dart's `current`.
  [[nodiscard]] const T& current() const {
    if (!has_value_) throw StateError("No element");
    return *value_;
  }

  /// @brief Dart's `cancel`; an empty result means "nothing to wait for".
  Future<void> cancel(std::source_location where) {
    Ref<BufferingSubscription<T>> sub = std::move(sub_);
    stream_ = {};
    if (sub.get() == nullptr) return {};
    if (!has_value_) {
      Ref<State<bool>> w = std::move(waiting_);
      if (w.get() != nullptr) w->async_complete_value(false, where);
    } else {
      has_value_ = false;
      value_.reset();
    }
    return sub->cancel();
  }

  /// @brief True while subscribed.
  [[nodiscard]] bool subscribed() const noexcept { return sub_.get() != nullptr; }

  void on_isolate_end() noexcept override {
    const Ref<IteratorState> pin = Ref<IteratorState>::share(this);
    sub_ = {};
    stream_ = {};
    waiting_ = {};
  }

 private:
  void on_data(const T& v) {
    if (listening_) return;  // events during `listen` are ignored (Dart does the same)
    Ref<State<bool>> w = std::move(waiting_);
    if (w.get() == nullptr) return;  // nobody asked (cannot happen: paused in between)
    value_.emplace(v);
    has_value_ = true;
    w->complete_value(true);  // the awaiting loop body runs now, inside this event
    if (has_value_ && sub_.get() != nullptr) sub_->pause();
  }
  void on_error(const AsyncError& e) {
    const bool during_listen = listening_;
    sub_ = {};
    Ref<State<bool>> w = std::move(waiting_);
    if (w.get() == nullptr) return;
    if (during_listen) {
      w->async_complete_error(e, e.where);
    } else {
      w->complete_error(e);
    }
  }
  void on_done() {
    const bool during_listen = listening_;
    sub_ = {};
    Ref<State<bool>> w = std::move(waiting_);
    if (w.get() == nullptr) return;
    if (during_listen) {
      w->async_complete_value(false, {});
    } else {
      w->complete_value(false);
    }
  }

  Ref<StreamSource<T>> stream_;
  Ref<BufferingSubscription<T>> sub_;
  Ref<State<bool>> waiting_;
  std::optional<T> value_;
  bool has_value_ = false;
  bool listening_ = false;
};

}  // namespace detail

/// @brief Dart's `StreamIterator<T>`: `await for` written out (move-only).
template <class T>
class StreamIterator {
 public:
  /// @brief An iterator over @p stream; nothing listens until the first `move_next`.
  explicit StreamIterator(const Stream<T>& stream)
      : state_(detail::make_node<detail::IteratorState<T>>(detail::StreamAccess::ref(stream))) {}
  StreamIterator(const StreamIterator&) = delete;
  StreamIterator& operator=(const StreamIterator&) = delete;
  /// @brief Takes over @p other's iteration.
  StreamIterator(StreamIterator&& other) noexcept = default;
  /// @brief Cancels this iteration, then takes over @p other's.
  StreamIterator& operator=(StreamIterator&& other) noexcept {
    if (this != &other) {
      drop();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  /// @brief Leaving the loop early cancels the subscription (without waiting for it).
  ~StreamIterator() { drop(); }

  /// @brief Completes with true when a value is `current()`, false when the stream is done.
  ///
  /// An error of the stream fails it (and ends the iteration). Only one call may wait at
  /// a time.
  Future<bool> move_next(std::source_location where = std::source_location::current()) {
    return state().move_next(where);
  }
  /// @brief The value of the last `move_next` that completed with true.
  [[nodiscard]] const T& current() const { return state().current(); }
  /// @brief Stops iterating; the future completes when the stream's producer has cleaned up.
  Future<void> cancel(std::source_location where = std::source_location::current()) {
    Future<void> f = state().cancel(where);
    return f.valid() ? f : detail::completed_future();
  }

 private:
  detail::IteratorState<T>& state() const {
    if (state_.get() == nullptr) throw StateError("moved-from StreamIterator");
    return *state_.get();
  }
  void drop() noexcept {
    if (state_.get() == nullptr || !state_->subscribed() || !state_->owned_by_loop()) return;
    try {
      (void)state_->cancel({});
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; the
    }                // cancel's own errors reach its future, which nobody awaits here
  }

  detail::Ref<detail::IteratorState<T>> state_;
};

}  // namespace dartloop
