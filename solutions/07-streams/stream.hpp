#pragma once
// Step 7: Dart's single-subscription streams: StreamController<T>, Stream<T> and
// StreamSubscription<T> (dart-semantics.md §1.7).
//
// A controller has at most one listener, so the controller and its subscription share one
// state here. Events the listener cannot take now wait in that state's buffer, and ONE
// microtask delivers ONE event; the next delivery is queued only after the listener's
// callback has returned, at the back of the microtask queue.
#include <concepts>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "dartloop/event_loop.hpp"
#include "future.hpp"

namespace dartloop {

template <class T>
class Stream;
template <class T>
class StreamSubscription;
template <class T>
class StreamController;

/// The optional parts of `Stream::listen` (Dart's named parameters):
/// `s.listen(on_data, {.on_error = ..., .on_done = ...})`.
struct ListenOptions {
  /// Called with each error; without it an error escapes as an uncaught one.
  std::function<void(std::exception_ptr)> on_error{};
  /// Called once, after the last event.
  std::function<void()> on_done{};
};

/// The optional parts of a `StreamController` (Dart's named constructor parameters):
/// `StreamController<int> c({.on_listen = ..., .sync = true});`
struct StreamControllerOptions {
  std::function<void()> on_listen{};  ///< The listener subscribed (called inside `listen`).
  std::function<void()> on_pause{};   ///< The listener paused.
  std::function<void()> on_resume{};  ///< The listener resumed and its buffer has drained.
  std::function<void()> on_cancel{};  ///< The listener cancelled, or the done event reached it.
  bool sync = false;                  ///< Deliver inside `add` when the listener can take it.
};

namespace detail {

/// The done event: it carries nothing.
struct DoneEvent {};
/// One event of a stream: a value, an error, or done.
template <class T>
using StreamEvent = std::variant<T, std::exception_ptr, DoneEvent>;

/// Dart's `_StreamController` and its `_BufferingStreamSubscription` in one object.
template <class T>
class StreamState : public std::enable_shared_from_this<StreamState<T>> {
 public:
  /// A stream with the controller's hooks and dispatch.
  explicit StreamState(StreamControllerOptions options) : hooks_(std::move(options)) {}

  // --- The controller's side ---------------------------------------------------------------

  /// Dart's `add`, `addError` and `close` (`_add`, `_addError`, `_closeUnchecked`).
  void add_event(StreamEvent<T> event) {
    if (closed_) throw std::logic_error("Bad state: Cannot add event after closing");
    if (std::holds_alternative<DoneEvent>(event)) closed_ = true;
    if (!listened_) {
      pending_.push_back(std::move(event));  // nobody listens yet: keep it for the listener
    } else if (canceled_) {
      return;  // the listener has gone: the event is dropped
    } else if (hooks_.sync && can_fire()) {
      deliver(std::move(event));  // a sync controller calls the listener inside `add`
    } else {
      add_pending(std::move(event));
    }
  }
  /// Dart's `done`: completes once the listener has seen done, or cancelled.
  Future<void> done() {
    if (!done_) {
      done_ = canceled_ ? Completer<void>::sync() : Completer<void>();
      if (canceled_) done_->complete();  // over already: a complete future
    }
    return done_->future();
  }
  /// Dart's `hasListener`.
  [[nodiscard]] bool has_listener() const { return listened_ && !canceled_; }
  /// Dart's `isClosed`.
  [[nodiscard]] bool is_closed() const { return closed_; }
  /// Dart's `isPaused`: an `add` now would only be buffered.
  [[nodiscard]] bool controller_paused() const {
    return has_listener() ? input_paused_ : !canceled_;
  }

  // --- Listening (Dart's `_subscribe`) -----------------------------------------------------

  /// Dart's `listen`: the one listener.
  void listen(std::function<void(const T&)> on_data, ListenOptions options) {
    if (listened_) throw std::logic_error("Bad state: Stream has already been listened to.");
    listened_ = true;
    on_data_ = std::move(on_data);
    on_error_ = std::move(options.on_error);
    on_done_ = std::move(options.on_done);
    // First the events buffered so far get their delivery microtask, THEN on_listen runs:
    // whatever on_listen schedules comes after the first buffered event.
    if (!pending_.empty()) {
      has_pending_ = true;
      schedule();
    }
    as_callback([this] { call(hooks_.on_listen); });
  }

  // --- The subscription's side -------------------------------------------------------------

  /// Dart's `pause`: one more pause; the queued delivery (if any) is called off.
  void pause() {
    if (canceled_) return;
    const bool was_paused = pauses_ > 0;
    const bool was_input_paused = input_paused_;
    ++pauses_;
    input_paused_ = true;
    if (!was_paused) cancel_schedule();
    // From inside a callback, on_pause waits until the callback returns (check_state).
    if (!was_input_paused && !in_callback_) as_callback([this] { call(hooks_.on_pause); });
  }
  /// Dart's `resume`: the last one lets the buffer flow again, one event per microtask.
  void resume() {
    if (canceled_ || pauses_ == 0) return;
    if (--pauses_ > 0) return;
    if (has_pending_ && !pending_.empty()) {
      schedule();  // input stays paused: on_resume waits until the buffer has drained
    } else {
      input_paused_ = false;
      if (!in_callback_) as_callback([this] { call(hooks_.on_resume); });
    }
  }
  /// Dart's `cancel`: nothing more is delivered.
  void cancel() {
    if (canceled_) return;
    cancel_now();
    if (!in_callback_) forget_callbacks();  // inside a callback: check_state does it
  }
  /// The subscription's `isPaused`.
  [[nodiscard]] bool is_paused() const { return pauses_ > 0; }

 private:
  enum class Delivery { none, queued, called_off };

  // Only a listener that is idle, unpaused and has nothing buffered may be called at once.
  [[nodiscard]] bool can_fire() const { return !in_callback_ && !has_pending_ && pauses_ == 0; }

  // Dart's `_addPending`: buffer it; the first buffered event asks for a delivery.
  void add_pending(StreamEvent<T> event) {
    pending_.push_back(std::move(event));
    if (!has_pending_) {
      has_pending_ = true;
      if (pauses_ == 0) schedule();
    }
  }

  // Dart's `_PendingEvents.schedule`: at most one delivery microtask at a time. One that
  // was called off (by pause) but has not run yet is simply wanted again: it keeps its
  // place in the queue.
  void schedule() {
    if (delivery_ == Delivery::queued) return;
    if (delivery_ == Delivery::called_off) {
      delivery_ = Delivery::queued;
      return;
    }
    delivery_ = Delivery::queued;
    schedule_microtask([self = this->shared_from_this()] { self->run_delivery(); });
  }
  void cancel_schedule() {
    if (delivery_ == Delivery::queued) delivery_ = Delivery::called_off;
  }
  // The delivery microtask: ONE event, if it is still wanted.
  void run_delivery() {
    const Delivery was = std::exchange(delivery_, Delivery::none);
    if (was == Delivery::called_off || pending_.empty()) return;
    StreamEvent<T> next = std::move(pending_.front());
    pending_.pop_front();
    deliver(std::move(next));
  }

  void deliver(StreamEvent<T> event) {
    if (auto* value = std::get_if<T>(&event)) {
      as_callback([&] {
        if (on_data_) on_data_(*value);
      });
    } else if (auto* error = std::get_if<std::exception_ptr>(&event)) {
      as_callback([&] {
        if (!on_error_) std::rethrow_exception(*error);  // nobody handles it: uncaught
        on_error_(*error);
      });
    } else {
      // Dart's `_sendDone`: the subscription ends (on_cancel runs) BEFORE on_done is called.
      cancel_now();
      in_callback_ = true;
      if (on_done_) on_done_();
      in_callback_ = false;
      forget_callbacks();
    }
  }

  // Dart's `_guardCallback`: runs @p f as a callback, then reacts to what it changed.
  template <class F>
  void as_callback(F&& f) {
    const auto keep = this->shared_from_this();  // f may drop the last handle
    const bool was_input_paused = input_paused_;
    in_callback_ = true;
    try {
      std::forward<F>(f)();
    } catch (...) {
      in_callback_ = false;
      throw;
    }
    in_callback_ = false;
    check_state(was_input_paused);
  }

  // Dart's `_checkState`: after a callback, tell the producer if the pause state changed,
  // and queue the next delivery (at the BACK of the microtask queue) if events wait.
  void check_state(bool was_input_paused) {
    if (has_pending_ && pending_.empty()) {
      has_pending_ = false;
      if (input_paused_ && pauses_ == 0) input_paused_ = false;  // the buffer has drained
    }
    while (true) {
      if (canceled_) {
        pending_.clear();
        forget_callbacks();
        return;
      }
      const bool input_paused = input_paused_;
      if (was_input_paused == input_paused) break;
      in_callback_ = true;  // the hook may pause or resume again: loop until it settles
      call(input_paused ? hooks_.on_pause : hooks_.on_resume);
      in_callback_ = false;
      was_input_paused = input_paused;
    }
    if (has_pending_ && pauses_ == 0) schedule();
  }

  // Dart's `_cancel` followed by the controller's `_recordCancel`.
  void cancel_now() {
    canceled_ = true;
    if (has_pending_) cancel_schedule();
    if (!in_callback_) pending_.clear();  // inside a callback: check_state clears them
    call(hooks_.on_cancel);
    if (done_ && !done_->is_completed()) done_->complete();  // in a microtask queued now
  }

  // An ended stream lets go of its callbacks, which may hold handles to this very state.
  void forget_callbacks() {
    on_data_ = nullptr;
    on_error_ = nullptr;
    on_done_ = nullptr;
    const bool sync = hooks_.sync;
    hooks_ = StreamControllerOptions{};
    hooks_.sync = sync;
  }

  // Calls a hook through a copy: the hook may end the stream, which clears the original.
  static void call(const std::function<void()>& hook) {
    if (!hook) return;
    const std::function<void()> copy = hook;
    copy();
  }

  StreamControllerOptions hooks_;
  std::function<void(const T&)> on_data_;
  std::function<void(std::exception_ptr)> on_error_;
  std::function<void()> on_done_;
  std::deque<StreamEvent<T>> pending_;  // the buffer, oldest first
  std::optional<Completer<void>> done_;
  Delivery delivery_ = Delivery::none;
  int pauses_ = 0;
  bool input_paused_ = false;  // paused, or resumed with a buffer that has not drained yet
  bool has_pending_ = false;   // the buffer is being delivered (Dart's `_STATE_HAS_PENDING`)
  bool in_callback_ = false;
  bool listened_ = false;
  bool canceled_ = false;
  bool closed_ = false;
};

/// Given: lets later steps (step 8's generators) put a stream around a state of their own.
struct StreamAccess {
  /// A stream over @p state.
  template <class T>
  static Stream<T> wrap(std::shared_ptr<StreamState<T>> state) {
    return Stream<T>(std::move(state));
  }
};

}  // namespace detail

/// Dart's `StreamSubscription<T>`: a listener's hold on a stream (copies share it).
template <class T>
class StreamSubscription {
 public:
  /// An empty handle.
  StreamSubscription() = default;
  /// Holds events back until `resume` (pauses nest: each needs its own resume).
  void pause() const { state_->pause(); }
  /// Undoes one `pause`; buffered events then flow again, one per microtask.
  void resume() const { state_->resume(); }
  /// Stops all events; the future is already complete (no clean-up to wait for here).
  Future<void> cancel() const {
    state_->cancel();
    auto finished = Completer<void>::sync();
    finished.complete();
    return finished.future();
  }
  /// True while paused.
  [[nodiscard]] bool is_paused() const { return state_->is_paused(); }

 private:
  friend class Stream<T>;
  explicit StreamSubscription(std::shared_ptr<detail::StreamState<T>> state)
      : state_(std::move(state)) {}
  std::shared_ptr<detail::StreamState<T>> state_;
};

/// Dart's `Stream<T>`: values and errors over time, then done. Nothing happens until
/// someone listens; a single-subscription stream accepts one listener.
template <class T>
class Stream {
 public:
  /// An empty handle.
  Stream() = default;
  /// Starts listening: @p on_data gets each value, @p options the errors and done.
  StreamSubscription<T> listen(std::function<void(const T&)> on_data = {},
                               ListenOptions options = {}) const {
    state_->listen(std::move(on_data), std::move(options));
    return StreamSubscription<T>(state_);
  }

 private:
  friend class StreamController<T>;
  friend struct detail::StreamAccess;
  explicit Stream(std::shared_ptr<detail::StreamState<T>> state) : state_(std::move(state)) {}
  std::shared_ptr<detail::StreamState<T>> state_;
};

/// Dart's `StreamController<T>`: `add` values, `add_error` errors, then `close`; the one
/// listener of `stream()` receives them. Copies of the handle share the controller.
template <class T>
class StreamController {
 public:
  /// An asynchronous controller (one event per microtask) unless `.sync = true`.
  explicit StreamController(StreamControllerOptions options = {})
      : state_(std::make_shared<detail::StreamState<T>>(std::move(options))) {}

  /// The stream this controller feeds.
  [[nodiscard]] Stream<T> stream() const { return Stream<T>(state_); }
  /// Sends a value.
  template <std::convertible_to<T> U = T>
  void add(U&& value) const {
    state_->add_event(detail::StreamEvent<T>(std::in_place_index<0>, std::forward<U>(value)));
  }
  /// Sends an error: an `exception_ptr` or any exception object.
  template <class E>
  void add_error(E&& error) const {
    if constexpr (std::is_same_v<std::remove_cvref_t<E>, std::exception_ptr>) {
      state_->add_event(detail::StreamEvent<T>(std::in_place_index<1>, std::forward<E>(error)));
    } else {
      state_->add_event(detail::StreamEvent<T>(std::in_place_index<1>,
                                               std::make_exception_ptr(std::forward<E>(error))));
    }
  }
  /// Sends done; returns `done()`. Adding afterwards throws.
  Future<void> close() const {
    if (!state_->is_closed()) state_->add_event(detail::DoneEvent{});
    return state_->done();
  }
  /// Completes once the listener has seen done, or has cancelled.
  [[nodiscard]] Future<void> done() const { return state_->done(); }
  /// True while a listener is subscribed.
  [[nodiscard]] bool has_listener() const { return state_->has_listener(); }
  /// True once `close` was called.
  [[nodiscard]] bool is_closed() const { return state_->is_closed(); }
  /// True when an `add` now would be buffered rather than delivered (Dart's `isPaused`).
  [[nodiscard]] bool is_paused() const { return state_->controller_paused(); }

 private:
  std::shared_ptr<detail::StreamState<T>> state_;
};

}  // namespace dartloop
