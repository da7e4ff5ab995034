#pragma once
/// @file
/// @brief Dart's `Stream<T>`: a sequence of events (values, errors, then done) over time.

#include <concepts>
#include <cstddef>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>
#include <vector>

#include "dartloop/clock.hpp"
#include "dartloop/detail/controller_core.hpp"
#include "dartloop/detail/forwarding_stream.hpp"
#include "dartloop/detail/future_state.hpp"
#include "dartloop/errors.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/future.hpp"
#include "dartloop/stream_subscription.hpp"
#include "dartloop/timer.hpp"

namespace dartloop {

template <class T>
class Stream;

/// @brief The optional parts of `Stream::listen` (Dart's named parameters).
///
/// `s.listen(on_data, {.on_error = ..., .on_done = ..., .cancel_on_error = true})`.
struct ListenOptions {
  /// @brief Accepts any error-handler form (`exception_ptr`, `AsyncError`, one type).
  struct OnError {
    detail::ErrorHandler handler;  ///< The adapted handler (empty: errors are uncaught).
    OnError() = default;
    /// @brief Adapts @p h.
    template <detail::error_handler H>
    OnError(H h)  // NOLINT(google-explicit-constructor): a lambda converts, as for a callback
        : handler(detail::to_error_handler(std::move(h))) {}
  };
  OnError on_error{};             ///< Called on each error; without it an error is uncaught.
  detail::DoneHandler on_done{};  ///< Called once, after the last event.
  bool cancel_on_error = false;   ///< Cancel at the first error (after delivering it).
};

namespace detail {

/// @brief Gives the runtime's own code the source behind a `Stream<T>`, and back.
struct StreamAccess {
  /// @brief The source (throws `StateError` for an empty stream).
  template <class T>
  static StreamSource<T>& source(const Stream<T>& s) {
    return s.source();
  }
  /// @brief A reference to the source.
  template <class T>
  static Ref<StreamSource<T>> ref(const Stream<T>& s) {
    return Ref<StreamSource<T>>::share(&source(s));
  }
  /// @brief A stream over @p source.
  template <class T>
  static Stream<T> wrap(Ref<StreamSource<T>> source) {
    return Stream<T>::wrap(std::move(source));
  }
};

/// @brief Wraps a transformation of @p source into a stream.
template <class T, class S, class X>
Stream<T> forward(const Stream<S>& source, X transform) {
  auto node = make_node<ForwardingSource<S, T, X>>(StreamAccess::ref(source), std::move(transform));
  return StreamAccess::wrap<T>(Ref<StreamSource<T>>(node.release()));
}

/// @brief The element type of a range.
template <class R>
using range_value_t = std::remove_cvref_t<decltype(*std::begin(std::declval<R&>()))>;

/// @brief `Stream.fromIterable` (a `Stream.multi`): each listener walks the elements anew.
template <class T, class Range>
class IterableSource final : public StreamSource<T> {
 public:
  /// @brief A stream of the elements of @p elements.
  IterableSource(Range elements, std::source_location where)
      : elements_(std::make_shared<const Range>(std::move(elements))), where_(where) {}

  Ref<BufferingSubscription<T>> listen(DataHandler<T> on_data, ErrorHandler on_error,
                                       DoneHandler on_done, bool cancel_on_error,
                                       std::source_location where) override {
    this->check_alive();
    auto core = make_node<ControllerCore<T>>(false, where_);
    // The walker lives in the controller's hooks; the microtasks hold the controller.
    auto walker = std::make_shared<Walker>(
        Walker{elements_, std::begin(*elements_), core.get(), true, where_});
    core->set_on_listen([walker] { walker->schedule(); });
    core->set_on_resume([walker] {
      if (!walker->scheduled) {
        walker->scheduled = true;
        walker->schedule();
      }
    });
    return core->listen(std::move(on_data), std::move(on_error), std::move(on_done),
                        cancel_on_error, where);
  }

  void on_isolate_end() noexcept override {}

 private:
  struct Walker {
    std::shared_ptr<const Range> elements;
    decltype(std::begin(std::declval<const Range&>())) it;
    ControllerCore<T>* core;
    bool scheduled = true;
    std::source_location where;

    void schedule() {
      core->loop().schedule_microtask([c = Ref<ControllerCore<T>>::share(core), this] { next(); },
                                      where);
    }
    // One element per microtask, delivered synchronously (`addSync`), then the next.
    void next() {
      if (!core->has_listener() || core->is_paused()) {
        scheduled = false;
        return;
      }
      if (it == std::end(*elements)) {
        core->close_sync(where);
        return;
      }
      const auto& element = *it;
      ++it;
      core->add_sync(element, where);
      if (core->has_listener() && !core->is_paused()) {
        schedule();
      } else {
        scheduled = false;
      }
    }
  };

  std::shared_ptr<const Range> elements_;
  std::source_location where_;
};

/// @brief `Stream.empty()`: a broadcast stream that is done at once (in a microtask).
template <class T>
class EmptySource final : public StreamSource<T> {
 public:
  Ref<BufferingSubscription<T>> listen(DataHandler<T> /*on_data*/, ErrorHandler /*on_error*/,
                                       DoneHandler on_done, bool /*cancel_on_error*/,
                                       std::source_location where) override {
    this->check_alive();
    return done_subscription<T>(std::move(on_done), where);
  }
  [[nodiscard]] bool is_broadcast() const noexcept override { return true; }
  void on_isolate_end() noexcept override {}
};

/// @brief A controller's `stream`: the controller itself, seen as a source.
template <class T>
Stream<T> stream_of(ControllerBase<T>* core) {
  return StreamAccess::wrap<T>(Ref<StreamSource<T>>::share(core));
}

/// @brief Cancels @p sub, then completes @p result with @p value (Dart's `_cancelAndValue`).
template <class R, class V>
void cancel_and_value(BufferingSubscription<V>& sub, const Ref<State<R>>& result,
                      value_of<R> value) {
  Future<void> cancelled = sub.cancel();
  if (cancelled.valid()) {
    (void)cancelled.when_complete(
        [result, v = std::move(value)]() mutable { result->complete_value(std::move(v)); });
  } else {
    result->complete_value(std::move(value));
  }
}

/// @brief Cancels @p sub, then fails @p result with @p error (Dart's `_cancelAndError`).
template <class R, class V>
void cancel_and_error(BufferingSubscription<V>& sub, const Ref<State<R>>& result,
                      const AsyncError& error) {
  Future<void> cancelled = sub.cancel();
  if (cancelled.valid()) {
    (void)cancelled.when_complete([result, error] { result->complete_error(error); });
  } else {
    result->complete_error(error);
  }
}

}  // namespace detail

/// @brief Dart's `Stream<T>`: values and errors delivered over time, then done.
///
/// A stream does nothing until someone listens. `listen` returns a `StreamSubscription`
/// through which the listener pauses, resumes or cancels. Single-subscription streams
/// (a `StreamController`'s, a generator's) accept one listener; broadcast streams any
/// number. The delivery rules are dart-semantics.md §1.7: an asynchronous controller
/// delivers one event per microtask, transformations (`map`, `where`, ...) pass events on
/// synchronously, and `Stream::from_iterable` emits one element per microtask.
///
/// A `Stream<T>` is a cheap handle (copies share the stream) and belongs to its isolate.
template <class T>
class Stream {
  static_assert(!std::is_void_v<T> && !std::is_reference_v<T>,
                "Stream<T> carries values: T cannot be void or a reference");
  using Source = detail::StreamSource<T>;

 public:
  using value_type = T;  ///< The type of the values.

  /// @brief An empty handle; every operation on it throws `StateError`.
  Stream() noexcept = default;

  // --- Listening ---------------------------------------------------------------------------

  /// @brief Starts listening: @p on_data gets each value (`options` for errors and done).
  StreamSubscription<T> listen(detail::DataHandler<T> on_data = {}, ListenOptions options = {},
                               std::source_location where = std::source_location::current()) const {
    return detail::SubscriptionAccess::wrap(
        source().listen(std::move(on_data), std::move(options.on_error.handler),
                        std::move(options.on_done), options.cancel_on_error, where));
  }
  /// @brief True for a broadcast stream (any number of listeners).
  [[nodiscard]] bool is_broadcast() const { return source().is_broadcast(); }
  /// @brief True for a handle that refers to a stream.
  [[nodiscard]] bool valid() const noexcept { return source_.get() != nullptr; }

  // --- Factories ---------------------------------------------------------------------------

  /// @brief Dart's `Stream.fromIterable`: one element per microtask, then done.
  template <class Range>
  static Stream from_iterable(Range elements,
                              std::source_location where = std::source_location::current()) {
    static_assert(std::is_convertible_v<detail::range_value_t<Range>, T>,
                  "the elements must convert to the stream's type");
    return wrap(detail::make_node<detail::IterableSource<T, Range>>(std::move(elements), where));
  }
  /// @brief `Stream.fromIterable` of a braced list: `Stream<int>::from_iterable({1, 2, 3})`.
  static Stream from_iterable(std::initializer_list<T> elements,
                              std::source_location where = std::source_location::current()) {
    return from_iterable(std::vector<T>(elements), where);
  }
  /// @brief Dart's `Stream.value`: one value, then done (each delivered in its own microtask).
  template <std::convertible_to<T> U = T>
  static Stream value(U&& v, std::source_location where = std::source_location::current()) {
    auto core = detail::make_node<detail::ControllerCore<T>>(false, where);
    core->add_unchecked(T(std::forward<U>(v)), where);
    core->close_unchecked(where);
    return wrap(std::move(core));
  }
  /// @brief Dart's `Stream.error`: one error, then done.
  template <class E>
  static Stream error(E&& e, std::source_location where = std::source_location::current()) {
    auto core = detail::make_node<detail::ControllerCore<T>>(false, where);
    core->add_error_unchecked(AsyncError{detail::to_exception_ptr(std::forward<E>(e)), where},
                              where);
    core->close_unchecked(where);
    return wrap(std::move(core));
  }
  /// @brief Dart's `Stream.empty()`: a broadcast stream that is only done.
  static Stream empty() { return wrap(detail::make_node<detail::EmptySource<T>>()); }
  /// @brief Dart's `Stream.fromFuture`: the future's value (or error), then done.
  static Stream from_future(const Future<T>& future,
                            std::source_location where = std::source_location::current()) {
    auto core = detail::make_node<detail::ControllerCore<T>>(true, where);
    const detail::Ref<detail::ControllerCore<T>> c = core;
    (void)future.then(
        [c, where](const T& v) {
          c->add_unchecked(v, where);
          c->close_unchecked(where);
        },
        [c, where](const AsyncError& e) {
          c->add_error_unchecked(e, where);
          c->close_unchecked(where);
        },
        where);
    return wrap(std::move(core));
  }
  /// @brief Dart's `Stream.periodic`: `computation(n)` every @p period while listened to.
  ///
  /// Pausing stops the timer; resuming restarts it for the rest of the period, as Dart's
  /// stopwatch-based implementation does.
  template <std::invocable<int> F>
  static Stream periodic(Duration period, F computation,
                         std::source_location where = std::source_location::current()) {
    using Core = detail::ControllerCore<T>;
    auto core = detail::make_node<Core>(true, where);
    // Lives in the controller's hooks; the timer's callback holds the controller.
    struct Ticker {
      Core* core;
      Duration period{0};
      F computation;
      std::source_location where;
      int count = 0;
      Timer timer{};
      Duration watch_started{0};  // Dart's Stopwatch: reset at each tick, stopped while paused
      Duration watch_elapsed{0};
      bool watch_running = false;

      void tick() {
        watch_elapsed = Duration{0};
        if (watch_running) watch_started = core->loop().now();
        std::optional<T> event;
        try {
          event.emplace(std::invoke(computation, count++));
        } catch (...) {
          core->add_error(detail::caught(nullptr, where), where);
          return;
        }
        core->add(std::move(*event), where);
      }
      void start_periodic() {
        timer = Timer::periodic(
            period, [c = detail::Ref<Core>::share(core), this](Timer&) { tick(); }, where);
      }
      [[nodiscard]] Duration elapsed() const {
        return watch_elapsed + (watch_running ? core->loop().now() - watch_started : Duration{0});
      }
    };
    auto ticker = std::make_shared<Ticker>(
        Ticker{core.get(), period, std::move(computation), where, 0, {}, {}, {}, false});
    core->set_on_listen([ticker] { ticker->start_periodic(); });
    core->set_on_cancel([ticker]() -> Future<void> {
      ticker->timer.cancel();
      return detail::completed_future();  // Dart returns `Future._nullFuture` here
    });
    core->set_on_pause([ticker] {
      ticker->watch_elapsed = ticker->elapsed();
      ticker->watch_running = false;
      ticker->timer.cancel();
    });
    core->set_on_resume([ticker] {
      const Duration elapsed = ticker->elapsed();
      ticker->watch_started = ticker->core->loop().now();
      ticker->watch_running = true;
      ticker->timer = Timer(
          ticker->period - elapsed,
          [c = detail::Ref<Core>::share(ticker->core), t = ticker.get()] {
            t->start_periodic();
            t->tick();
          },
          ticker->where);
    });
    return wrap(std::move(core));
  }

  // --- Transformations ---------------------------------------------------------------------

  /// @brief Each value converted by @p convert; a throw becomes an error event.
  template <std::invocable<const T&> F>
  auto map(F convert) const {
    using R = std::remove_cvref_t<std::invoke_result_t<F&, const T&>>;
    return detail::forward<R>(*this, detail::MapTransform<F>{{}, std::move(convert)});
  }
  /// @brief Only the values for which @p test returns true.
  template <std::predicate<const T&> P>
  Stream where(P test) const {
    return detail::forward<T>(*this, detail::WhereTransform<P>{{}, std::move(test)});
  }
  /// @brief Each value replaced by the elements of the range @p convert returns.
  template <std::invocable<const T&> F>
  auto expand(F convert) const {
    using R = detail::range_value_t<std::remove_cvref_t<std::invoke_result_t<F&, const T&>>>;
    return detail::forward<R>(*this, detail::ExpandTransform<F>{{}, std::move(convert)});
  }
  /// @brief The first @p count values, then done (the source is cancelled).
  [[nodiscard]] Stream take(std::size_t count) const {
    return detail::forward<T>(*this, detail::TakeTransform{{}, count});
  }
  /// @brief All but the first @p count values.
  [[nodiscard]] Stream skip(std::size_t count) const {
    return detail::forward<T>(*this, detail::SkipTransform{{}, count});
  }
  /// @brief Values while @p test holds; the first value that fails ends the stream.
  template <std::predicate<const T&> P>
  Stream take_while(P test) const {
    return detail::forward<T>(*this, detail::TakeWhileTransform<P>{{}, std::move(test)});
  }
  /// @brief Drops values while @p test holds, then passes all.
  template <std::predicate<const T&> P>
  Stream skip_while(P test) const {
    return detail::forward<T>(*this, detail::SkipWhileTransform<P>{{}, std::move(test)});
  }
  /// @brief Drops each value equal (`==`) to the value before it.
  [[nodiscard]] Stream distinct() const { return distinct(std::equal_to<T>{}); }
  /// @brief Drops each value that @p equals says equals the value before it.
  template <std::predicate<const T&, const T&> Eq>
  Stream distinct(Eq equals) const {
    return detail::forward<T>(*this, detail::DistinctTransform<T, Eq>{{}, std::move(equals)});
  }
  /// @brief Errors go to @p handler instead of downstream (values pass unchanged).
  template <detail::error_handler H>
  Stream handle_error(H handler) const {
    return detail::forward<T>(
        *this, detail::HandleErrorTransform<H, detail::NoTest>{{}, std::move(handler), {}});
  }
  /// @brief Errors for which @p test returns true go to @p handler; others pass on.
  template <detail::error_handler H, std::predicate<std::exception_ptr> P>
  Stream handle_error(H handler, P test) const {
    return detail::forward<T>(
        *this, detail::HandleErrorTransform<H, P>{{}, std::move(handler), std::move(test)});
  }
  /// @brief Dart's `asyncMap`: each value converted by @p convert, which may return a future.
  ///
  /// While a returned future is pending the source is paused, so results keep their order.
  template <std::invocable<const T&> F>
  auto async_map(F convert, std::source_location where = std::source_location::current()) const;

  // --- Terminals (each listens and returns a future) ---------------------------------------

  /// @brief All values in order, once done; the first error fails it (and cancels).
  Future<std::vector<T>> to_list(
      std::source_location where = std::source_location::current()) const {
    using R = std::vector<T>;
    auto* state = detail::State<R>::make();
    Future<R> result = detail::FutureAccess::adopt(state);
    struct Collect {
      detail::Ref<detail::State<R>> r;
      R values;
    };
    auto c = std::make_shared<Collect>(Collect{detail::Ref<detail::State<R>>::share(state), {}});
    (void)source().listen([c](const T& v) { c->values.push_back(v); },
                          [c](const AsyncError& e) { c->r->complete_error(e); },
                          [c] { c->r->complete_value(std::move(c->values)); }, true, where);
    return result;
  }
  /// @brief The first value (the subscription is then cancelled); `StateError` if empty.
  Future<T> first(std::source_location where = std::source_location::current()) const {
    auto* state = detail::State<T>::make();
    Future<T> result = detail::FutureAccess::adopt(state);
    const detail::Ref<detail::State<T>> r = detail::Ref<detail::State<T>>::share(state);
    auto sub = source().listen(
        {}, [r](const AsyncError& e) { r->complete_error(e); },
        [r, where] { r->complete_error(no_element(where)); }, true, where);
    sub->set_on_data([sp = sub.get(), r](const T& v) { detail::cancel_and_value<T>(*sp, r, v); });
    return result;
  }
  /// @brief The last value, once done; `StateError` if empty.
  Future<T> last(std::source_location where = std::source_location::current()) const {
    auto* state = detail::State<T>::make();
    Future<T> result = detail::FutureAccess::adopt(state);
    struct Keep {
      detail::Ref<detail::State<T>> r;
      std::optional<T> value;
    };
    auto k = std::make_shared<Keep>(Keep{detail::Ref<detail::State<T>>::share(state), {}});
    (void)source().listen([k](const T& v) { k->value = v; },
                          [k](const AsyncError& e) { k->r->complete_error(e); },
                          [k, where] {
                            if (k->value.has_value()) {
                              k->r->complete_value(std::move(*k->value));
                            } else {
                              k->r->complete_error(no_element(where));
                            }
                          },
                          true, where);
    return result;
  }
  /// @brief Combines the values, starting from @p initial; completes when done.
  template <class S, class F>
  Future<S> fold(S initial, F combine,
                 std::source_location where = std::source_location::current()) const {
    static_assert(std::is_convertible_v<std::invoke_result_t<F&, const S&, const T&>, S>,
                  "combine(accumulated, value) must return the accumulated type");
    auto* state = detail::State<S>::make();
    Future<S> result = detail::FutureAccess::adopt(state);
    struct Acc {
      detail::Ref<detail::State<S>> r;
      S value;
      F combine;
      detail::BufferingSubscription<T>* sub = nullptr;
    };
    auto a = std::make_shared<Acc>(
        Acc{detail::Ref<detail::State<S>>::share(state), std::move(initial), std::move(combine)});
    auto sub = source().listen(
        {}, [a](const AsyncError& e) { a->r->complete_error(e); },
        [a] { a->r->complete_value(std::move(a->value)); }, true, where);
    a->sub = sub.get();
    sub->set_on_data([a, where](const T& v) {
      try {
        a->value = std::invoke(a->combine, std::as_const(a->value), v);
      } catch (...) {
        detail::cancel_and_error<S>(*a->sub, a->r, detail::caught(nullptr, where));
      }
    });
    return result;
  }
  /// @brief The number of values, once done.
  Future<int> length(std::source_location where = std::source_location::current()) const {
    return fold(
        0, [](int n, const T&) { return n + 1; }, where);
  }
  /// @brief Calls @p action on each value; completes when done (a throw fails it).
  template <std::invocable<const T&> F>
  Future<void> for_each(F action,
                        std::source_location where = std::source_location::current()) const {
    auto* state = detail::State<void>::make();
    Future<void> result = detail::FutureAccess::adopt(state);
    const detail::Ref<detail::State<void>> r = detail::Ref<detail::State<void>>::share(state);
    auto sub = source().listen(
        {}, [r](const AsyncError& e) { r->complete_error(e); }, [r] { r->complete_value(Void{}); },
        true, where);
    sub->set_on_data([sp = sub.get(), r, f = std::move(action), where](const T& v) mutable {
      try {
        (void)std::invoke(f, v);
      } catch (...) {
        detail::cancel_and_error<void>(*sp, r, detail::caught(nullptr, where));
      }
    });
    return result;
  }
  /// @brief Dart's `drain()`: discards every value; completes when done, fails on an error.
  [[nodiscard]] Future<void> drain(
      std::source_location where = std::source_location::current()) const {
    return listen({}, {.on_error = {}, .on_done = {}, .cancel_on_error = true}, where).as_future();
  }
  /// @brief Dart's `drain(value)`: like `drain()`, completing with @p value.
  template <class E>
  Future<E> drain(E value, std::source_location where = std::source_location::current()) const {
    return listen({}, {.on_error = {}, .on_done = {}, .cancel_on_error = true}, where)
        .as_future(std::move(value));
  }

 private:
  friend struct detail::StreamAccess;

  Source& source() const {
    if (source_.get() == nullptr) throw StateError("empty Stream");
    return *source_.get();
  }
  template <class N>
  static Stream wrap(detail::Ref<N> node) {
    Stream s;
    s.source_ = detail::Ref<Source>(node.release());
    return s;
  }
  static AsyncError no_element(std::source_location where) {
    return AsyncError{std::make_exception_ptr(StateError("No element")), where};
  }

  detail::Ref<Source> source_;
};

template <class T>
template <std::invocable<const T&> F>
auto Stream<T>::async_map(F convert, std::source_location where) const {
  using Ret = std::remove_cvref_t<std::invoke_result_t<F&, const T&>>;
  using E = detail::flatten_t<Ret>;
  static_assert(!std::is_void_v<E>, "async_map must produce values");
  // Dart's `asyncMap`: a synchronous controller fed by a listen on this stream.
  struct Link {
    detail::Ref<detail::BufferingSubscription<T>> sub;
  };
  auto link = std::make_shared<Link>();
  auto on_listen = [src = detail::StreamAccess::ref(*this), link, f = std::move(convert),
                    where](detail::ControllerBase<E>* c) mutable {
    const detail::Ref<detail::ControllerBase<E>> ctl =
        detail::Ref<detail::ControllerBase<E>>::share(c);
    link->sub = src->listen(
        {}, [ctl, where](const AsyncError& e) { ctl->add_error(e, where); },
        [ctl, where] { (void)ctl->close(where); }, false, where);
    detail::BufferingSubscription<T>* sp = link->sub.get();
    sp->set_on_data([ctl, sp, f, where](const T& v) mutable {
      std::optional<Ret> out;
      try {
        out.emplace(std::invoke(f, v));
      } catch (...) {
        ctl->add_error(detail::caught(nullptr, where), where);
        return;
      }
      if constexpr (detail::is_future_v<Ret>) {
        sp->pause();
        const detail::Ref<detail::BufferingSubscription<T>> keep =
            detail::Ref<detail::BufferingSubscription<T>>::share(sp);
        (void)out
            ->then([ctl, where](const E& value) { ctl->add(value, where); },
                   [ctl, where](const AsyncError& e) { ctl->add_error(e, where); }, where)
            .when_complete([keep] { keep->resume(); }, where);
      } else {
        ctl->add(std::move(*out), where);
      }
    });
  };
  auto cancel = [link]() -> Future<void> {
    detail::Ref<detail::BufferingSubscription<T>> s = std::move(link->sub);
    if (s.get() == nullptr) return detail::completed_future();
    Future<void> f = s->cancel();
    return f.valid() ? f : detail::completed_future();  // the public `cancel`
  };
  if (is_broadcast()) {
    auto core = detail::make_node<detail::BroadcastCore<E>>(true, where);
    detail::ControllerBase<E>* c = core.get();
    core->set_on_listen([c, l = std::move(on_listen)]() mutable { l(c); });
    core->set_on_cancel(std::move(cancel));
    return detail::stream_of<E>(core.get());
  }
  auto core = detail::make_node<detail::ControllerCore<E>>(true, where);
  detail::ControllerBase<E>* c = core.get();
  core->set_on_listen([c, l = std::move(on_listen)]() mutable { l(c); });
  core->set_on_cancel(std::move(cancel));
  core->set_on_pause([link] {
    if (link->sub.get() != nullptr) link->sub->pause();
  });
  core->set_on_resume([link] {
    if (link->sub.get() != nullptr) link->sub->resume();
  });
  return detail::stream_of<E>(core.get());
}

}  // namespace dartloop
