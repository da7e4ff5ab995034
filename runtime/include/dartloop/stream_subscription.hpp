#pragma once
/// @file
/// @brief `StreamSubscription<T>`: one listener's connection to a stream, and Dart's rules for it.
///
/// The state machine is Dart's `_BufferingStreamSubscription` (sdk/lib/async/stream_impl.dart),
/// kept bit for bit because its bits decide the order in which events, pauses and
/// cancellations are seen (dart-semantics.md §1.7): an event that cannot be delivered now
/// (paused, inside a callback, or others waiting before it) waits in the subscription's
/// pending queue, and ONE microtask delivers ONE waiting event at a time.

#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <source_location>
#include <type_traits>
#include <utility>
#include <variant>

#include "dartloop/detail/future_state.hpp"
#include "dartloop/detail/pending_events.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/future.hpp"

namespace dartloop {

template <class T>
class StreamSubscription;

namespace detail {

/// @brief The base of every stream object: counted references, owned by its isolate.
///
/// References are not atomic: a stream belongs to one isolate (one thread), like a future.
class StreamNode : public IsolateOwned {
 public:
  /// @brief A node of the running isolate, with no reference yet.
  StreamNode() : loop_(&EventLoop::current()) { loop_->adopt_owned(*this); }
  StreamNode(const StreamNode&) = delete;
  StreamNode& operator=(const StreamNode&) = delete;
  StreamNode(StreamNode&&) = delete;
  StreamNode& operator=(StreamNode&&) = delete;
  /// @brief Unlinks from the isolate if the isolate still runs.
  ~StreamNode() override {
    if (owned_by_loop()) loop_->release_owned(*this);
  }

  /// @brief One more reference.
  void add_ref() noexcept { ++refs_; }
  /// @brief One reference fewer; the last one destroys the node.
  void release() noexcept {
    if (--refs_ == 0) delete this;  // NOLINT(cppcoreguidelines-owning-memory): made by make_node
  }
  /// @brief The isolate's loop (valid while `owned_by_loop()`).
  [[nodiscard]] EventLoop& loop() const noexcept { return *loop_; }
  /// @brief Throws `StateError` once the isolate that made this stream has ended.
  void check_alive() const {
    if (!owned_by_loop()) throw StateError("this stream's isolate has ended");
  }

 private:
  EventLoop* loop_;
  std::uint32_t refs_ = 0;
};

/// @brief Makes a stream node; the returned reference is its first.
template <class N, class... A>
Ref<N> make_node(A&&... args) {
  auto* node = new N(std::forward<A>(args)...);  // NOLINT(cppcoreguidelines-owning-memory)
  node->add_ref();
  return Ref<N>(node);
}

/// @brief A data callback: receives each value.
template <class T>
using DataHandler = SmallFunction<void(const T&), 32>;
/// @brief An error callback: receives the error and where it was raised.
using ErrorHandler = SmallFunction<void(const AsyncError&), 32>;
/// @brief A done callback.
using DoneHandler = SmallFunction<void(), 32>;

/// @brief Adapts any accepted error-handler form to an `ErrorHandler`.
///
/// The forms are those of `catch_error`: `(std::exception_ptr)`, `(const AsyncError&)`, or
/// one exception type; an error of another type escapes the typed handler and becomes an
/// uncaught error, as a Dart handler of the wrong type would fail.
template <error_handler H>
ErrorHandler to_error_handler(H h) {
  if constexpr (std::invocable<H&, const AsyncError&>) {
    return ErrorHandler(std::move(h));
  } else if constexpr (std::invocable<H&, std::exception_ptr>) {
    return ErrorHandler([h = std::move(h)](const AsyncError& e) mutable { h(e.error); });
  } else {
    using E = caught_type_t<H>;
    return ErrorHandler([h = std::move(h)](const AsyncError& e) mutable {
      try {
        std::rethrow_exception(e.error);
      } catch (const E& typed) {
        h(typed);
      }
    });
  }
}

/// @brief Dart's `_BufferingStreamSubscription`: the subscription every stream hands out.
///
/// Subclasses connect it to its producer through three hooks (`on_pause_hook`,
/// `on_resume_hook`, `on_cancel_hook`), exactly where Dart's `_onPause`, `_onResume` and
/// `_onCancel` sit.
template <class T>
class BufferingSubscription : public StreamNode {
  using Self = BufferingSubscription;

 public:
  /// @brief A subscription with its three callbacks (empty ones take Dart's defaults).
  BufferingSubscription(DataHandler<T> on_data, ErrorHandler on_error, DoneHandler on_done,
                        bool cancel_on_error, std::source_location where)
      : on_data_(std::move(on_data)),
        on_error_(std::move(on_error)),
        on_done_(std::move(on_done)),
        where_(where),
        state_(cancel_on_error ? cancel_on_error_bit : 0) {}

  // --- What the listener calls (StreamSubscription) ----------------------------------------

  /// @brief Replaces the data callback (safe from inside that callback).
  void set_on_data(DataHandler<T> h) {
    if (running_ == Running::data) parked_data_ = std::move(on_data_);
    on_data_ = std::move(h);
  }
  /// @brief Replaces the error callback (safe from inside that callback).
  void set_on_error(ErrorHandler h) {
    if (running_ == Running::error) parked_error_ = std::move(on_error_);
    on_error_ = std::move(h);
  }
  /// @brief Replaces the done callback (safe from inside that callback).
  void set_on_done(DoneHandler h) {
    if (running_ == Running::done) parked_done_ = std::move(on_done_);
    on_done_ = std::move(h);
  }

  /// @brief Dart's `pause([resumeSignal])`: one more pause; `resume` undoes one.
  void pause(const Future<void>& resume_signal = {}) {
    if (is_canceled()) return;
    const bool was_paused = is_paused();
    const bool was_input_paused = is_input_paused();
    state_ = (state_ + pause_count_unit) | input_paused_bit;
    if (resume_signal.valid()) {
      (void)resume_signal.when_complete([self = Ref<Self>::share(this)] { self->resume(); });
    }
    if (!was_paused) pending_.cancel_schedule();
    if (!was_input_paused && !in_callback()) guard_callback([this] { on_pause_hook(); });
  }

  /// @brief Dart's `resume()`: undoes one pause; the last one restarts delivery.
  void resume() {
    if (is_canceled() || !is_paused()) return;
    state_ -= pause_count_unit;
    if (is_paused()) return;
    if (has_pending() && !pending_.empty()) {
      pending_.schedule(this, loop());  // input stays paused until the buffer is drained
    } else {
      state_ &= ~input_paused_bit;
      if (!in_callback()) guard_callback([this] { on_resume_hook(); });
    }
  }

  /// @brief Dart's `cancel()`: no more events. Empty result: Dart's `Future._nullFuture`.
  ///
  /// The public `StreamSubscription::cancel` turns an empty result into a completed future;
  /// the runtime itself checks for "empty" where Dart checks `identical(f, _nullFuture)`.
  Future<void> cancel() {
    const Ref<Self> pin = Ref<Self>::share(this);
    state_ &= ~wait_for_cancel_bit;  // a done or error waiting for the cancel is dropped
    if (!is_canceled()) cancel_now();
    return cancel_future_;
  }

  /// @brief True while paused (`pause` called more often than `resume`).
  [[nodiscard]] bool is_paused() const noexcept { return state_ >= pause_count_unit; }
  /// @brief True when the producer should hold back (paused, or a buffer still drains).
  [[nodiscard]] bool is_input_paused() const noexcept { return (state_ & input_paused_bit) != 0; }
  /// @brief True once cancelled or done.
  [[nodiscard]] bool is_canceled() const noexcept { return (state_ & canceled_bit) != 0; }
  /// @brief True once the done event was added.
  [[nodiscard]] bool is_closed() const noexcept { return (state_ & closed_bit) != 0; }
  /// @brief The `listen` call.
  [[nodiscard]] std::source_location where() const noexcept { return where_; }

  // --- What the producer calls (Dart's _EventSink) -------------------------------------------

  /// @brief Dart's `_add`: delivers now if it can, else buffers.
  template <class U>
  void add(U&& value, std::source_location where) {
    if (is_canceled()) return;
    if (can_fire()) {
      send_data(value);
    } else {
      add_pending(DelayedEvent<T>{
          std::variant<T, AsyncError, DoneEvent>(std::in_place_index<0>, std::forward<U>(value)),
          where});
    }
  }
  /// @brief Dart's `_addError`.
  void add_error(const AsyncError& error, std::source_location where) {
    if (is_canceled()) return;
    if (can_fire()) {
      send_error(error);
    } else {
      add_pending(DelayedEvent<T>{std::variant<T, AsyncError, DoneEvent>(error), where});
    }
  }
  /// @brief Dart's `_close`: the done event.
  void close(std::source_location where) {
    if (is_canceled()) return;
    state_ |= closed_bit;
    if (can_fire()) {
      send_done();
    } else {
      add_pending(DelayedEvent<T>{std::variant<T, AsyncError, DoneEvent>(DoneEvent{}), where});
    }
  }
  /// @brief Dart's `_addPending`: buffers @p event; delivery starts unless paused.
  void add_pending(DelayedEvent<T>&& event) {
    pending_.add(std::move(event));
    if (!has_pending()) {
      state_ |= has_pending_bit;
      if (!is_paused()) pending_.schedule(this, loop());
    }
  }
  /// @brief Dart's `_setPendingEvents`: takes over what a controller buffered before `listen`.
  void take_pending_events(PendingEvents<T>& events) {
    if (events.empty()) return;
    pending_.append(events);
    state_ |= has_pending_bit;
    pending_.schedule(this, loop());
  }
  /// @brief Dart's `_guardCallback`: runs @p f as if in a callback, then rechecks the state.
  template <class F>
  void guard_callback(F&& f) {
    const Ref<Self> pin = Ref<Self>::share(this);
    const bool was_input_paused = is_input_paused();
    state_ |= in_callback_bit;
    std::forward<F>(f)();
    state_ &= ~in_callback_bit;
    check_state(was_input_paused);
  }

  /// @brief The delivery microtask: delivers the oldest waiting event, if still wanted.
  void run_scheduled() {
    if (!pending_.start_scheduled_run() || pending_.empty()) return;
    DelayedEvent<T> next = pending_.take_next();
    switch (next.event.index()) {
      case 0: send_data(std::get<0>(next.event)); break;
      case 1: send_error(std::get<1>(next.event)); break;
      default: send_done(); break;
    }
  }

  /// @brief The isolate ended: drop the callbacks and everything buffered.
  void on_isolate_end() noexcept override {
    const Ref<Self> pin = Ref<Self>::share(this);
    state_ |= canceled_bit;
    on_data_.reset();
    on_error_.reset();
    on_done_.reset();
    pending_.drop_events();
    cancel_future_ = {};
  }

 protected:
  /// @brief Input paused: tell the producer (Dart's `_onPause`).
  virtual void on_pause_hook() {}
  /// @brief Input resumed: tell the producer (Dart's `_onResume`).
  virtual void on_resume_hook() {}
  /// @brief Cancelled: tell the producer; its future (or empty) is what `cancel` returns.
  virtual Future<void> on_cancel_hook() { return {}; }

  /// @brief Reports @p error as uncaught (a callback threw, or an error had no handler).
  void report_uncaught(std::exception_ptr error) {
    loop().report_uncaught_error(std::move(error), where_);
  }

 private:
  static constexpr std::uint32_t cancel_on_error_bit = 1;
  static constexpr std::uint32_t closed_bit = 2;
  static constexpr std::uint32_t input_paused_bit = 4;
  static constexpr std::uint32_t canceled_bit = 8;
  static constexpr std::uint32_t wait_for_cancel_bit = 16;
  static constexpr std::uint32_t in_callback_bit = 32;
  static constexpr std::uint32_t has_pending_bit = 64;
  static constexpr std::uint32_t pause_count_unit = 128;

  enum class Running : std::uint8_t { none, data, error, done };

  [[nodiscard]] bool waits_for_cancel() const noexcept {
    return (state_ & wait_for_cancel_bit) != 0;
  }
  [[nodiscard]] bool in_callback() const noexcept { return (state_ & in_callback_bit) != 0; }
  [[nodiscard]] bool has_pending() const noexcept { return (state_ & has_pending_bit) != 0; }
  [[nodiscard]] bool can_fire() const noexcept { return state_ < in_callback_bit; }
  [[nodiscard]] bool cancel_on_error() const noexcept {
    return (state_ & cancel_on_error_bit) != 0;
  }
  [[nodiscard]] bool may_resume_input() const noexcept { return !is_paused() && pending_.empty(); }

  // Dart's `_cancel`.
  void cancel_now() {
    state_ |= canceled_bit;
    if (has_pending()) pending_.cancel_schedule();
    if (!in_callback()) pending_.drop_events();
    cancel_future_ = on_cancel_hook();
  }

  void send_data(const T& value) {
    const Ref<Self> pin = Ref<Self>::share(this);
    const bool was_input_paused = is_input_paused();
    state_ |= in_callback_bit;
    if (on_data_) {
      running_ = Running::data;
      try {
        on_data_(value);
      } catch (...) {
        report_uncaught(std::current_exception());  // `runUnaryGuarded`
      }
      running_ = Running::none;
      parked_data_.reset();
    }
    state_ &= ~in_callback_bit;
    check_state(was_input_paused);
  }

  void send_error(const AsyncError& error) {
    const Ref<Self> pin = Ref<Self>::share(this);
    const bool was_input_paused = is_input_paused();
    if (cancel_on_error()) {
      state_ |= wait_for_cancel_bit;
      cancel_now();
      if (cancel_future_.valid()) {  // wait for the producer's clean-up, then report
        (void)cancel_future_.when_complete(
            [self = Ref<Self>::share(this), error] { self->deliver_error(error); });
      } else {
        deliver_error(error);
      }
    } else {
      deliver_error(error);
      check_state(was_input_paused);
    }
  }

  void deliver_error(const AsyncError& error) {
    if (is_canceled() && !waits_for_cancel()) return;  // cancelled while waiting: dropped
    state_ |= in_callback_bit;
    if (!on_error_) {
      report_uncaught(error.error);  // Dart's `_nullErrorHandler`
    } else {
      running_ = Running::error;
      try {
        on_error_(error);
      } catch (...) {
        report_uncaught(std::current_exception());
      }
      running_ = Running::none;
      parked_error_.reset();
    }
    state_ &= ~in_callback_bit;
  }

  void send_done() {
    const Ref<Self> pin = Ref<Self>::share(this);
    cancel_now();
    state_ |= wait_for_cancel_bit;
    if (cancel_future_.valid()) {
      (void)cancel_future_.when_complete([self = Ref<Self>::share(this)] { self->deliver_done(); });
    } else {
      deliver_done();
    }
  }

  void deliver_done() {
    if (!waits_for_cancel()) return;
    state_ |= canceled_bit | closed_bit | in_callback_bit;
    if (on_done_) {
      running_ = Running::done;
      try {
        on_done_();
      } catch (...) {
        report_uncaught(std::current_exception());
      }
      running_ = Running::none;
      parked_done_.reset();
    }
    state_ &= ~in_callback_bit;
  }

  // Dart's `_checkState`: after a callback, tell the producer about a pause change, and
  // schedule the next delivery (at the back of the microtask queue).
  void check_state(bool was_input_paused) {
    if (has_pending() && pending_.empty()) {
      state_ &= ~has_pending_bit;
      if (is_input_paused() && may_resume_input()) state_ &= ~input_paused_bit;
    }
    while (true) {
      if (is_canceled()) {
        pending_.drop_events();
        return;
      }
      const bool input_paused = is_input_paused();
      if (was_input_paused == input_paused) break;
      state_ ^= in_callback_bit;
      if (input_paused) {
        on_pause_hook();
      } else {
        on_resume_hook();
      }
      state_ &= ~in_callback_bit;
      was_input_paused = input_paused;
    }
    if (has_pending() && !is_paused()) pending_.schedule(this, loop());
  }

  DataHandler<T> on_data_;
  ErrorHandler on_error_;
  DoneHandler on_done_;
  // A callback replaced while it runs is kept here until it returns.
  DataHandler<T> parked_data_;
  ErrorHandler parked_error_;
  DoneHandler parked_done_;
  PendingEvents<T> pending_;
  Future<void> cancel_future_;
  std::source_location where_;
  std::uint32_t state_;
  Running running_ = Running::none;
};

/// @brief What a stream is to the runtime: something that hands out subscriptions.
template <class T>
class StreamSource : public StreamNode {
 public:
  /// @brief Dart's `listen`: a new subscription with these callbacks.
  virtual Ref<BufferingSubscription<T>> listen(DataHandler<T> on_data, ErrorHandler on_error,
                                               DoneHandler on_done, bool cancel_on_error,
                                               std::source_location where) = 0;
  /// @brief True for a broadcast stream (any number of listeners).
  [[nodiscard]] virtual bool is_broadcast() const noexcept { return false; }
};

/// @brief Gives the runtime's own code the subscription behind a handle, and back.
struct SubscriptionAccess {
  /// @brief The subscription behind @p s (throws `StateError` for an empty handle).
  template <class T>
  static BufferingSubscription<T>& get(const StreamSubscription<T>& s) {
    return s.sub();
  }
  /// @brief A handle to @p sub.
  template <class T>
  static StreamSubscription<T> wrap(Ref<BufferingSubscription<T>> sub) {
    StreamSubscription<T> s;
    s.sub_ = std::move(sub);
    return s;
  }
};

/// @brief Dart's `_DoneStreamSubscription`: only a done event, delivered in a microtask.
template <class T>
Ref<BufferingSubscription<T>> done_subscription(DoneHandler on_done, std::source_location where) {
  auto sub = make_node<BufferingSubscription<T>>(DataHandler<T>{}, ErrorHandler{},
                                                 std::move(on_done), false, where);
  sub->add_pending(DelayedEvent<T>{std::variant<T, AsyncError, DoneEvent>(DoneEvent{}), where});
  return sub;
}

/// @brief A future that is complete already (what `cancel` returns for Dart's null future).
inline Future<void> completed_future() {
  auto* s = State<void>::make();
  s->set_value(Void{});
  return FutureAccess::adopt(s);
}

}  // namespace detail

/// @brief Dart's `StreamSubscription<T>`: a listener's hold on a stream (copies share it).
///
/// Events arrive through the callbacks given to `Stream::listen` (or set later). `pause`
/// holds them back in the subscription's buffer; `resume` lets them flow again, one per
/// microtask. `cancel` stops everything and returns a future that completes once the
/// producer has cleaned up (a generator's `finally`, a controller's `on_cancel`).
template <class T>
class StreamSubscription {
  using Sub = detail::BufferingSubscription<T>;

 public:
  /// @brief An empty handle; every operation on it throws `StateError`.
  StreamSubscription() noexcept = default;

  /// @brief Replaces the data callback.
  template <std::invocable<const T&> F>
  void on_data(F handler) const {
    sub().set_on_data(detail::DataHandler<T>(std::move(handler)));
  }
  /// @brief Replaces the error callback (`exception_ptr`, `AsyncError` or one exception type).
  template <detail::error_handler H>
  void on_error(H handler) const {
    sub().set_on_error(detail::to_error_handler(std::move(handler)));
  }
  /// @brief Replaces the done callback.
  template <std::invocable F>
  void on_done(F handler) const {
    sub().set_on_done(detail::DoneHandler(std::move(handler)));
  }

  /// @brief Holds events back until `resume` (pauses nest: each needs its own resume).
  void pause() const { sub().pause(); }
  /// @brief Holds events back until @p resume_signal completes.
  void pause(const Future<void>& resume_signal) const { sub().pause(resume_signal); }
  /// @brief Undoes one `pause`; buffered events then flow, one per microtask.
  void resume() const { sub().resume(); }
  /// @brief Stops all events; the future completes when the producer has cleaned up.
  Future<void> cancel() const {
    Future<void> f = sub().cancel();
    return f.valid() ? f : detail::completed_future();
  }
  /// @brief True while paused.
  [[nodiscard]] bool is_paused() const { return sub().is_paused(); }

  /// @brief Dart's `asFuture(value)`: completes with @p value when done, fails on an error.
  ///
  /// It takes over the done and error callbacks; an error cancels the subscription first.
  template <class E>
  Future<E> as_future(E value) const {
    auto* result = detail::State<E>::make();
    Future<E> f = detail::FutureAccess::adopt(result);
    hook_as_future(result, [value = std::move(value)](detail::State<E>* r) mutable {
      r->complete_value(std::move(value));
    });
    return f;
  }
  /// @brief Dart's `asFuture()`: a `Future<void>` that completes when done.
  [[nodiscard]] Future<void> as_future() const {
    auto* result = detail::State<void>::make();
    Future<void> f = detail::FutureAccess::adopt(result);
    hook_as_future(result, [](detail::State<void>* r) { r->complete_value(Void{}); });
    return f;
  }

  /// @brief True for a handle that refers to a subscription.
  [[nodiscard]] bool valid() const noexcept { return sub_.get() != nullptr; }
  /// @brief True if both handles refer to the same subscription.
  friend bool operator==(const StreamSubscription& a, const StreamSubscription& b) noexcept {
    return a.sub_.get() == b.sub_.get();
  }

 private:
  friend struct detail::SubscriptionAccess;

  Sub& sub() const {
    if (sub_.get() == nullptr) throw StateError("empty StreamSubscription");
    return *sub_.get();
  }

  template <class E, class Complete>
  void hook_as_future(detail::State<E>* result, Complete complete) const {
    Sub& s = sub();
    s.set_on_done([r = detail::Ref<detail::State<E>>::share(result),
                   complete = std::move(complete)]() mutable { complete(r.get()); });
    // The callback belongs to the subscription, so a plain pointer to it stays valid.
    s.set_on_error(
        [sp = &s, r = detail::Ref<detail::State<E>>::share(result)](const AsyncError& e) {
          Future<void> cancelled = sp->cancel();
          if (cancelled.valid()) {
            (void)cancelled.when_complete([r, e] { r->complete_error(e); });
          } else {
            r->complete_error(e);
          }
        });
  }

  detail::Ref<Sub> sub_;
};

}  // namespace dartloop
