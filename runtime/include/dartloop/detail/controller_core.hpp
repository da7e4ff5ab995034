#pragma once
/// @file
/// @brief The insides of `StreamController<T>`: Dart's single-subscription and broadcast
/// controllers (sdk/lib/async/stream_controller.dart, broadcast_stream_controller.dart).

#include <concepts>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>

#include "dartloop/detail/future_state.hpp"
#include "dartloop/detail/pending_events.hpp"
#include "dartloop/errors.hpp"
#include "dartloop/future.hpp"
#include "dartloop/stream_subscription.hpp"

namespace dartloop::detail {

/// @brief A controller hook: `on_listen`, `on_pause`, `on_resume`.
using ControllerHook = SmallFunction<void(), 32>;
/// @brief The `on_cancel` hook: its future (if not empty) is waited for before done.
using CancelHook = SmallFunction<Future<void>(), 32>;

/// @brief Wraps an `on_cancel` callable that returns nothing or a `Future<void>`.
template <std::invocable F>
CancelHook to_cancel_hook(F f) {
  using R = std::invoke_result_t<F&>;
  static_assert(std::is_void_v<R> || std::is_same_v<std::remove_cvref_t<R>, Future<void>>,
                "on_cancel returns nothing or a Future<void>");
  if constexpr (std::is_void_v<R>) {
    return CancelHook([f = std::move(f)]() mutable -> Future<void> {
      f();
      return {};
    });
  } else {
    return CancelHook(std::move(f));
  }
}

/// @brief Runs a controller hook; a throw becomes an uncaught error (Dart's `_runGuarded`).
inline void run_guarded(ControllerHook& hook, EventLoop& loop, std::source_location where) {
  if (!hook) return;
  try {
    hook();
  } catch (...) {
    loop.report_uncaught_error(std::current_exception(), where);
  }
}

/// @brief What every controller offers its handle, whatever its kind.
template <class T>
class ControllerBase : public StreamSource<T> {
 public:
  /// @brief Dart's `add`.
  virtual void add(const T& value, std::source_location where) = 0;
  /// @brief Dart's `add` of a value that may be moved.
  virtual void add(T&& value, std::source_location where) = 0;
  /// @brief Dart's `addError`.
  virtual void add_error(AsyncError error, std::source_location where) = 0;
  /// @brief Dart's `close`: returns `done`.
  virtual Future<void> close(std::source_location where) = 0;
  /// @brief Dart's `done`.
  virtual Future<void> done() = 0;
  /// @brief Dart's `addStream`.
  virtual Future<void> add_stream(StreamSource<T>& source, bool cancel_on_error,
                                  std::source_location where) = 0;
  /// @brief Dart's `hasListener`.
  [[nodiscard]] virtual bool has_listener() const noexcept = 0;
  /// @brief Dart's `isClosed`.
  [[nodiscard]] virtual bool is_closed() const noexcept = 0;
  /// @brief Dart's `isPaused`.
  [[nodiscard]] virtual bool is_paused() const noexcept = 0;

  /// @brief Sets `on_listen`.
  void set_on_listen(ControllerHook h) { on_listen_ = std::move(h); }
  /// @brief Sets `on_cancel`.
  void set_on_cancel(CancelHook h) { on_cancel_ = std::move(h); }
  /// @brief Sets `on_pause` (a broadcast controller never calls it).
  void set_on_pause(ControllerHook h) { on_pause_ = std::move(h); }
  /// @brief Sets `on_resume` (a broadcast controller never calls it).
  void set_on_resume(ControllerHook h) { on_resume_ = std::move(h); }

  /// @brief The isolate ended: drop the hooks (they may hold this controller).
  void on_isolate_end() noexcept override {
    const Ref<ControllerBase> pin = Ref<ControllerBase>::share(this);
    on_listen_.reset();
    on_pause_.reset();
    on_resume_.reset();
    on_cancel_.reset();
    done_ = {};
  }

 protected:
  /// @brief A controller created by the call at @p where.
  explicit ControllerBase(std::source_location where) : where_(where) {}

  /// @brief Dart's `_doneFuture ??= ...`: the future `done` and `close` return.
  Future<void> ensure_done(bool completed_already) {
    if (!done_.valid()) {
      done_ = completed_already ? completed_future() : FutureAccess::adopt(State<void>::make());
    }
    return done_;
  }
  /// @brief Completes `done` in a microtask, if nothing completed it yet.
  void complete_done() {
    if (!done_.valid()) return;
    State<void>* s = FutureAccess::state(done_);
    if (s->may_complete()) s->async_complete_value(Void{}, where_);
  }
  /// @brief Dart's `_runGuarded(onCancel)` for broadcast controllers (the result is ignored).
  void run_cancel_hook_ignoring_result() {
    if (!on_cancel_) return;
    try {
      (void)on_cancel_();
    } catch (...) {
      this->loop().report_uncaught_error(std::current_exception(), where_);
    }
  }

  ControllerHook on_listen_;    ///< Called when the (first) listener subscribes.
  ControllerHook on_pause_;     ///< Called when the listener pauses.
  ControllerHook on_resume_;    ///< Called when the listener resumes.
  CancelHook on_cancel_;        ///< Called when the (last) listener cancels.
  Future<void> done_;           ///< `done`, made on demand.
  std::source_location where_;  ///< Where the controller was created.
};

/// @brief Dart's `_AddStreamState`: a stream being forwarded into a controller.
template <class T>
struct AddStreamState {
  Ref<BufferingSubscription<T>> subscription;  ///< The listen on the added stream.
  Future<void> done;                           ///< What `add_stream` returned.
  std::source_location where;                  ///< The `add_stream` call.

  /// @brief Dart's `_AddStreamState` constructor: listens to @p source for @p controller.
  ///
  /// Values and errors go to the controller's `add_unchecked`/`add_error_unchecked`; done (or,
  /// with @p cancel_on_error, the first error) ends the forwarding through `end_add_stream`.
  template <class Controller>
  static AddStreamState start(StreamSource<T>& source, bool cancel_on_error,
                              std::source_location where, const Ref<Controller>& controller) {
    AddStreamState state;
    state.done = FutureAccess::adopt(State<void>::make());
    state.where = where;
    ErrorHandler on_error;
    if (cancel_on_error) {
      on_error = [controller](const AsyncError& e) {
        controller->add_error_unchecked(e, e.where);
        controller->end_add_stream();
      };
    } else {
      on_error = [controller](const AsyncError& e) { controller->add_error_unchecked(e, e.where); };
    }
    state.subscription =
        source.listen([controller, where](const T& v) { controller->add_unchecked(v, where); },
                      std::move(on_error), [controller] { controller->end_add_stream(); },
                      cancel_on_error, where);
    return state;
  }

  /// @brief Dart's `_AddStreamState.cancel`: cancel the added stream, then complete.
  Future<void> cancel() {
    Future<void> c = subscription->cancel();
    if (!c.valid()) c = completed_future();  // Dart: `whenComplete` on `_nullFuture` too
    return c.when_complete(
        [d = done, w = where] { FutureAccess::state(d)->async_complete_value(Void{}, w); });
  }
  /// @brief The added stream is done.
  void complete() const { FutureAccess::state(done)->async_complete_value(Void{}, where); }
};

template <class T>
class ControllerCore;

/// @brief A subscription that reports to the controller it came from (and keeps it alive).
template <class T, class Controller>
class ControllerOwnedSubscription : public BufferingSubscription<T> {
 public:
  /// @brief A subscription of @p controller.
  ControllerOwnedSubscription(Ref<Controller> controller, DataHandler<T> on_data,
                              ErrorHandler on_error, DoneHandler on_done, bool cancel_on_error,
                              std::source_location where)
      : BufferingSubscription<T>(std::move(on_data), std::move(on_error), std::move(on_done),
                                 cancel_on_error, where),
        controller_(std::move(controller)) {}

  /// @brief Also lets go of the controller.
  void on_isolate_end() noexcept override {
    const Ref<ControllerOwnedSubscription> pin = Ref<ControllerOwnedSubscription>::share(this);
    BufferingSubscription<T>::on_isolate_end();
    controller_ = {};
  }

 protected:
  Ref<Controller> controller_;  ///< Empty once the isolate ended.
};

/// @brief Dart's `_ControllerSubscription`: tells its controller about pause, resume, cancel.
template <class T>
class ControllerSubscription final : public ControllerOwnedSubscription<T, ControllerCore<T>> {
 public:
  using ControllerOwnedSubscription<T, ControllerCore<T>>::ControllerOwnedSubscription;

 private:
  void on_pause_hook() override {
    if (controller_.get() != nullptr) controller_->record_pause();
  }
  void on_resume_hook() override {
    if (controller_.get() != nullptr) controller_->record_resume();
  }
  Future<void> on_cancel_hook() override {
    if (controller_.get() == nullptr) return {};
    return controller_->record_cancel();
  }

  using ControllerOwnedSubscription<T, ControllerCore<T>>::controller_;
};

/// @brief Dart's `_StreamController`: one listener, events buffered until it comes.
///
/// `sync` selects the dispatch: synchronous (`_SyncStreamControllerDispatch`: `add` calls
/// the listener now if it can) or asynchronous (`_AsyncStreamControllerDispatch`: every
/// event goes through the subscription's buffer, one microtask per event).
template <class T>
class ControllerCore : public ControllerBase<T> {
 public:
  /// @brief A controller with the given dispatch, made by the call at @p where.
  ControllerCore(bool sync, std::source_location where) : ControllerBase<T>(where), sync_(sync) {}

  // --- StreamSource ----------------------------------------------------------------------

  /// @brief Dart's `_subscribe`: the one listener; buffered events go to it, then `on_listen`.
  Ref<BufferingSubscription<T>> listen(DataHandler<T> on_data, ErrorHandler on_error,
                                       DoneHandler on_done, bool cancel_on_error,
                                       std::source_location where) override {
    this->check_alive();
    if (!is_initial_state()) throw StateError("Stream has already been listened to.");
    auto sub = make_node<ControllerSubscription<T>>(Ref<ControllerCore>::share(this),
                                                    std::move(on_data), std::move(on_error),
                                                    std::move(on_done), cancel_on_error, where);
    state_ |= subscribed_bit;
    subscription_ = sub;
    if (adding_.has_value()) adding_->subscription->resume();
    sub->take_pending_events(buffer_);
    sub->guard_callback([this] { run_guarded(this->on_listen_, this->loop(), this->where_); });
    return Ref<BufferingSubscription<T>>(sub.release());
  }

  // --- ControllerBase --------------------------------------------------------------------

  void add(const T& value, std::source_location where) override {
    check_may_add();
    add_unchecked(value, where);
  }
  void add(T&& value, std::source_location where) override {
    check_may_add();
    add_unchecked(std::move(value), where);
  }
  void add_error(AsyncError error, std::source_location where) override {
    check_may_add();
    add_error_unchecked(error, where);
  }
  Future<void> close(std::source_location where) override {
    this->check_alive();
    if (is_closed()) return done();
    check_may_add();
    close_unchecked(where);
    return done();
  }
  Future<void> done() override { return this->ensure_done(is_canceled()); }
  Future<void> add_stream(StreamSource<T>& source, bool cancel_on_error,
                          std::source_location where) override {
    check_may_add();
    if (is_canceled()) {  // `_Future.immediate(null)`: completes in a microtask
      auto* s = State<void>::make();
      s->async_complete_value(Void{}, where);
      return FutureAccess::adopt(s);
    }
    AddStreamState<T> state =
        AddStreamState<T>::start(source, cancel_on_error, where, Ref<ControllerCore>::share(this));
    Future<void> result = state.done;
    adding_.emplace(std::move(state));
    state_ |= add_stream_bit;
    if (is_paused()) adding_->subscription->pause();
    return result;
  }
  [[nodiscard]] bool has_listener() const noexcept override {
    return (state_ & subscribed_bit) != 0;
  }
  [[nodiscard]] bool is_closed() const noexcept override { return (state_ & closed_bit) != 0; }
  [[nodiscard]] bool is_paused() const noexcept override {
    return has_listener() ? subscription_->is_input_paused() : !is_canceled();
  }

  /// @brief `Stream.multi`'s `addSync`: delivers now when it can, never buffers for later.
  void add_sync(const T& value, std::source_location where) {
    check_may_add();
    if (has_listener()) subscription_->add(value, where);
  }
  /// @brief `Stream.multi`'s `closeSync`.
  void close_sync(std::source_location where) {
    if (is_closed()) return;
    check_may_add();
    state_ |= closed_bit;
    if (has_listener()) subscription_->close(where);
  }
  /// @brief Like `add`, but never throws (the stream may be closed or cancelled already).
  void add_unchecked(const T& value, std::source_location where) {
    if (has_listener()) {
      send_data(value, where);
    } else if (is_initial_state()) {
      buffer_.add(DelayedEvent<T>{std::variant<T, AsyncError, DoneEvent>(value), where});
    }
  }
  /// @brief `add_unchecked` of a value that may be moved.
  void add_unchecked(T&& value, std::source_location where) {
    if (has_listener()) {
      send_data(std::move(value), where);
    } else if (is_initial_state()) {
      buffer_.add(DelayedEvent<T>{
          std::variant<T, AsyncError, DoneEvent>(std::in_place_index<0>, std::move(value)), where});
    }
  }
  /// @brief Like `add_error`, without the checks.
  void add_error_unchecked(const AsyncError& error, std::source_location where) {
    if (has_listener()) {
      if (sync_) {
        subscription_->add_error(error, where);
      } else {
        subscription_->add_pending(
            DelayedEvent<T>{std::variant<T, AsyncError, DoneEvent>(error), where});
      }
    } else if (is_initial_state()) {
      buffer_.add(DelayedEvent<T>{std::variant<T, AsyncError, DoneEvent>(error), where});
    }
  }
  /// @brief Like `close`, without the checks.
  void close_unchecked(std::source_location where) {
    state_ |= closed_bit;
    if (has_listener()) {
      if (sync_) {
        subscription_->close(where);
      } else {
        subscription_->add_pending(
            DelayedEvent<T>{std::variant<T, AsyncError, DoneEvent>(DoneEvent{}), where});
      }
    } else if (is_initial_state()) {
      buffer_.add(DelayedEvent<T>{std::variant<T, AsyncError, DoneEvent>(DoneEvent{}), where});
    }
  }

  // --- From the subscription -------------------------------------------------------------

  /// @brief Dart's `_recordCancel`: cancel an added stream, call `on_cancel`, complete `done`.
  Future<void> record_cancel() {
    const Ref<ControllerCore> pin = Ref<ControllerCore>::share(this);
    Future<void> result;
    if (adding_.has_value()) {
      result = adding_->cancel();
      adding_.reset();
    }
    subscription_ = {};
    state_ = (state_ & ~(subscribed_bit | add_stream_bit)) | canceled_bit;
    if (this->on_cancel_) {
      if (!result.valid()) {
        try {
          result = this->on_cancel_();
        } catch (...) {
          auto* s = State<void>::make();  // in a microtask, so a listener can still catch it
          s->async_complete_error(AsyncError{std::current_exception(), this->where_}, this->where_);
          result = FutureAccess::adopt(s);
        }
      } else {
        result = result.when_complete([pin]() -> Future<void> {
          Future<void> f = pin->on_cancel_();
          return f.valid() ? f : completed_future();
        });
      }
    }
    if (result.valid()) {
      return result.when_complete([pin] { pin->complete_done(); });
    }
    this->complete_done();
    return result;
  }
  /// @brief Dart's `_recordPause`.
  void record_pause() {
    if (adding_.has_value()) adding_->subscription->pause();
    run_guarded(this->on_pause_, this->loop(), this->where_);
  }
  /// @brief Dart's `_recordResume`.
  void record_resume() {
    if (adding_.has_value()) adding_->subscription->resume();
    run_guarded(this->on_resume_, this->loop(), this->where_);
  }

  /// @brief Also lets go of the subscription and the stream being added.
  void on_isolate_end() noexcept override {
    const Ref<ControllerCore> pin = Ref<ControllerCore>::share(this);
    ControllerBase<T>::on_isolate_end();
    subscription_ = {};
    adding_.reset();
    buffer_.drop_events();
  }

 private:
  static constexpr std::uint32_t subscribed_bit = 1;
  static constexpr std::uint32_t canceled_bit = 2;
  static constexpr std::uint32_t subscription_mask = 3;
  static constexpr std::uint32_t closed_bit = 4;
  static constexpr std::uint32_t add_stream_bit = 8;

  [[nodiscard]] bool is_canceled() const noexcept { return (state_ & canceled_bit) != 0; }
  [[nodiscard]] bool is_initial_state() const noexcept { return (state_ & subscription_mask) == 0; }
  void check_may_add() const {
    this->check_alive();
    if (state_ < closed_bit) return;
    if (is_closed()) throw StateError("Cannot add event after closing");
    throw StateError("Cannot add event while adding a stream");
  }

  template <class U>
  void send_data(U&& value, std::source_location where) {
    if (sync_) {
      subscription_->add(std::forward<U>(value), where);
    } else {
      subscription_->add_pending(DelayedEvent<T>{
          std::variant<T, AsyncError, DoneEvent>(std::in_place_index<0>, std::forward<U>(value)),
          where});
    }
  }

 public:  // for `AddStreamState::start`
  /// @brief Dart's `_close` of an `addStream`: the added stream is done.
  void end_add_stream() {
    if (!adding_.has_value()) return;
    AddStreamState<T> finished = std::move(*adding_);
    adding_.reset();
    state_ &= ~add_stream_bit;
    finished.complete();
  }

 private:
  Ref<ControllerSubscription<T>> subscription_;
  std::optional<AddStreamState<T>> adding_;
  PendingEvents<T> buffer_;  // events before the first listener
  std::uint32_t state_ = 0;
  bool sync_;
};

template <class T>
class BroadcastCore;  // NOLINT(cppcoreguidelines-virtual-class-destructor): tidy 14 bug

/// @brief Dart's `_BroadcastSubscription`: one of many listeners, linked into its controller.
template <class T>
class BroadcastSubscription final : public ControllerOwnedSubscription<T, BroadcastCore<T>> {
 public:
  using ControllerOwnedSubscription<T, BroadcastCore<T>>::ControllerOwnedSubscription;

 private:
  friend class BroadcastCore<T>;
  static constexpr std::uint8_t event_id_bit = 1;
  static constexpr std::uint8_t firing_bit = 2;
  static constexpr std::uint8_t remove_after_firing_bit = 4;

  Future<void> on_cancel_hook() override {
    if (controller_.get() == nullptr) return {};
    controller_->record_cancel(*this);
    return {};
  }

  using ControllerOwnedSubscription<T, BroadcastCore<T>>::controller_;
  BroadcastSubscription* next_ = nullptr;
  BroadcastSubscription* prev_ = nullptr;
  bool listed_ = false;
  std::uint8_t event_state_ = 0;
};

/// @brief Dart's `_BroadcastStreamController`: any number of listeners, no buffering.
///
/// Events added while nobody listens are dropped. Asynchronous dispatch gives each
/// subscription its own buffer and its own delivery microtask; synchronous dispatch calls
/// every listener, in subscription order, inside `add`.
template <class T>
class BroadcastCore final  // NOLINT(cppcoreguidelines-virtual-class-destructor): see above
    : public ControllerBase<T> {
  using Sub = BroadcastSubscription<T>;

 public:
  /// @brief A broadcast controller with the given dispatch.
  BroadcastCore(bool sync, std::source_location where) : ControllerBase<T>(where), sync_(sync) {}
  BroadcastCore(const BroadcastCore&) = delete;
  BroadcastCore& operator=(const BroadcastCore&) = delete;
  BroadcastCore(BroadcastCore&&) = delete;
  BroadcastCore& operator=(BroadcastCore&&) = delete;
  /// @brief Lets go of the listeners still linked (only when the isolate ended first).
  ~BroadcastCore() override { unlink_all(); }

  [[nodiscard]] bool is_broadcast() const noexcept override { return true; }

  /// @brief Dart's `_subscribe`: a new listener; the first one triggers `on_listen`.
  Ref<BufferingSubscription<T>> listen(DataHandler<T> on_data, ErrorHandler on_error,
                                       DoneHandler on_done, bool cancel_on_error,
                                       std::source_location where) override {
    this->check_alive();
    if (is_closed()) {  // `_DoneStreamSubscription`: done in a microtask
      return done_subscription<T>(std::move(on_done), where);
    }
    auto sub = make_node<Sub>(Ref<BroadcastCore>::share(this), std::move(on_data),
                              std::move(on_error), std::move(on_done), cancel_on_error, where);
    link(*sub.get());
    if (first_ == last_) run_guarded(this->on_listen_, this->loop(), this->where_);
    return Ref<BufferingSubscription<T>>(sub.release());
  }

  void add(const T& value, std::source_location where) override {
    check_may_add();
    send_data(value, where);
  }
  void add(T&& value, std::source_location where) override {
    check_may_add();
    send_data(value, where);
  }
  void add_error(AsyncError error, std::source_location where) override {
    check_may_add();
    send_error(error, where);
  }
  Future<void> close(std::source_location where) override {
    this->check_alive();
    if (is_closed()) return done();
    check_may_add();
    state_ |= closed_bit;
    Future<void> result = done();
    send_done(where);
    return result;
  }
  Future<void> done() override { return this->ensure_done(false); }
  Future<void> add_stream(StreamSource<T>& source, bool cancel_on_error,
                          std::source_location where) override {
    check_may_add();
    state_ |= add_stream_bit;
    AddStreamState<T> state =
        AddStreamState<T>::start(source, cancel_on_error, where, Ref<BroadcastCore>::share(this));
    Future<void> result = state.done;
    adding_.emplace(std::move(state));
    return result;
  }
  [[nodiscard]] bool has_listener() const noexcept override { return first_ != nullptr; }
  [[nodiscard]] bool is_closed() const noexcept override { return (state_ & closed_bit) != 0; }
  [[nodiscard]] bool is_paused() const noexcept override { return false; }

  /// @brief Dart's `_recordCancel`: unlink now, or after the event being fired.
  void record_cancel(Sub& sub) {
    if (!sub.listed_) return;
    if ((sub.event_state_ & Sub::firing_bit) != 0) {
      sub.event_state_ |= Sub::remove_after_firing_bit;
      return;
    }
    const Ref<BroadcastCore> pin = Ref<BroadcastCore>::share(this);
    unlink(sub);
    if (!is_firing() && first_ == nullptr) call_on_cancel();
  }

  /// @brief Also lets go of every listener and the stream being added.
  void on_isolate_end() noexcept override {
    const Ref<BroadcastCore> pin = Ref<BroadcastCore>::share(this);
    ControllerBase<T>::on_isolate_end();
    adding_.reset();
    unlink_all();
  }

 private:
  static constexpr std::uint32_t event_id_bit = 1;
  static constexpr std::uint32_t firing_bit = 2;
  static constexpr std::uint32_t closed_bit = 4;
  static constexpr std::uint32_t add_stream_bit = 8;

  [[nodiscard]] bool is_firing() const noexcept { return (state_ & firing_bit) != 0; }

  void check_may_add() const {
    this->check_alive();
    if (state_ < closed_bit && !(sync_ && is_firing())) return;
    if (sync_ && is_firing()) {
      throw StateError("Cannot fire new event. Controller is already firing an event");
    }
    if (is_closed()) throw StateError("Cannot add new events after calling close");
    throw StateError("Cannot add new events while doing an addStream");
  }

  void link(Sub& sub) {
    sub.add_ref();  // the list's reference
    sub.event_state_ = static_cast<std::uint8_t>(state_ & event_id_bit);
    sub.prev_ = last_;
    sub.next_ = nullptr;
    (last_ != nullptr ? last_->next_ : first_) = &sub;
    last_ = &sub;
    sub.listed_ = true;
  }
  void unlink(Sub& sub) {
    (sub.prev_ != nullptr ? sub.prev_->next_ : first_) = sub.next_;
    (sub.next_ != nullptr ? sub.next_->prev_ : last_) = sub.prev_;
    sub.next_ = sub.prev_ = nullptr;
    sub.listed_ = false;
    sub.release();
  }
  void unlink_all() noexcept {
    while (first_ != nullptr) unlink(*first_);
  }

  // Dart's `_forEachListener`: each listener present when the event started, once.
  template <class F>
  void for_each_listener(F&& action) {
    if (is_firing()) {
      throw StateError("Cannot fire new event. Controller is already firing an event");
    }
    if (first_ == nullptr) return;
    const Ref<BroadcastCore> pin = Ref<BroadcastCore>::share(this);
    const auto id = static_cast<std::uint8_t>(state_ & event_id_bit);
    state_ ^= event_id_bit | firing_bit;
    Sub* sub = first_;
    while (sub != nullptr) {
      if ((sub->event_state_ & Sub::event_id_bit) == id) {
        sub->event_state_ |= Sub::firing_bit;
        action(*sub);
        sub->event_state_ ^= Sub::event_id_bit;
        Sub* next = sub->next_;
        sub->event_state_ &= static_cast<std::uint8_t>(~Sub::firing_bit);
        if ((sub->event_state_ & Sub::remove_after_firing_bit) != 0) unlink(*sub);
        sub = next;
      } else {
        sub = sub->next_;
      }
    }
    state_ &= ~firing_bit;
    if (first_ == nullptr) call_on_cancel();
  }

  void call_on_cancel() {
    if (is_closed()) this->complete_done();
    this->run_cancel_hook_ignoring_result();
  }

  void send_data(const T& value, std::source_location where) {
    if (!sync_) {
      for (Sub* s = first_; s != nullptr; s = s->next_) {
        s->add_pending(DelayedEvent<T>{std::variant<T, AsyncError, DoneEvent>(value), where});
      }
      return;
    }
    for_each_listener([&](Sub& s) { s.add(value, where); });
  }
  void send_error(const AsyncError& error, std::source_location where) {
    if (!sync_) {
      for (Sub* s = first_; s != nullptr; s = s->next_) {
        s->add_pending(DelayedEvent<T>{std::variant<T, AsyncError, DoneEvent>(error), where});
      }
      return;
    }
    for_each_listener([&](Sub& s) { s.add_error(error, where); });
  }
  void send_done(std::source_location where) {
    if (first_ == nullptr) {
      this->complete_done();
      return;
    }
    if (!sync_) {
      for (Sub* s = first_; s != nullptr; s = s->next_) {
        s->add_pending(DelayedEvent<T>{std::variant<T, AsyncError, DoneEvent>(DoneEvent{}), where});
      }
      return;
    }
    for_each_listener([&](Sub& s) { s.close(where); });
  }

 public:  // for `AddStreamState::start`
  /// @brief Dart's `_close` of an `addStream`: the added stream is done.
  void end_add_stream() {
    if (!adding_.has_value()) return;
    AddStreamState<T> finished = std::move(*adding_);
    adding_.reset();
    state_ &= ~add_stream_bit;
    finished.complete();
  }
  /// @brief An added stream's value (Dart's `_add`: no checks).
  void add_unchecked(const T& value, std::source_location where) { send_data(value, where); }
  /// @brief An added stream's error (Dart's `_addError`: no checks).
  void add_error_unchecked(const AsyncError& error, std::source_location where) {
    send_error(error, where);
  }

 private:
  Sub* first_ = nullptr;
  Sub* last_ = nullptr;
  std::optional<AddStreamState<T>> adding_;
  std::uint32_t state_ = 0;
  bool sync_;
};

}  // namespace dartloop::detail
