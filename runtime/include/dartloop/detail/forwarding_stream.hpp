#pragma once
/// @file
/// @brief Streams that transform another stream event by event (Dart's `_ForwardingStream`,
/// sdk/lib/async/stream_pipe.dart): `map`, `where`, `expand`, `take`, `skip`, `take_while`,
/// `skip_while`, `distinct`, `handle_error`.
///
/// Each listen on a transformed stream listens to its source; the source's events pass
/// through the transformation synchronously (no extra microtask), and pause, resume and
/// cancel travel back to the source.

#include <concepts>
#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <source_location>
#include <type_traits>
#include <utility>

#include "dartloop/detail/future_state.hpp"
#include "dartloop/future.hpp"
#include "dartloop/stream_subscription.hpp"

namespace dartloop::detail {

/// @brief A transformation with no state per subscription.
struct NoState {};

template <class S, class T, class X>
class ForwardingSource;

/// @brief Dart's `_ForwardingStreamSubscription`: listens to the source, emits into itself.
template <class S, class T, class X>
class ForwardingSubscription final : public BufferingSubscription<T> {
  using Source = ForwardingSource<S, T, X>;
  Ref<Source> stream_;  // first: `state` is initialized from it

 public:
  /// @brief A subscription on the transformed stream @p stream.
  ForwardingSubscription(Ref<Source> stream, DataHandler<T> on_data, ErrorHandler on_error,
                         DoneHandler on_done, bool cancel_on_error, std::source_location where)
      : BufferingSubscription<T>(std::move(on_data), std::move(on_error), std::move(on_done),
                                 cancel_on_error, where),
        stream_(std::move(stream)),
        state(stream_->transform().initial_state()) {}

  /// @brief Listens to the source stream.
  void start() {
    const Ref<ForwardingSubscription> self = Ref<ForwardingSubscription>::share(this);
    source_sub_ = stream_->source().listen(
        [self](const S& v) { self->stream_->transform().data(v, *self.get()); },
        [self](const AsyncError& e) { self->stream_->transform().error(e, *self.get()); },
        [self] { self->finish(); }, false, this->where());
  }

  /// @brief Emits a value (ignored once closed: a transformation may emit after closing).
  template <class U>
  void emit(U&& value) {
    if (this->is_closed()) return;
    this->add(std::forward<U>(value), this->where());
  }
  /// @brief Emits an error.
  void emit_error(const AsyncError& error) {
    if (this->is_closed()) return;
    this->add_error(error, this->where());
  }
  /// @brief Emits the error being thrown now (a user callback threw).
  void emit_current_exception(const AsyncError* source_error = nullptr) {
    emit_error(caught(source_error, this->where()));
  }
  /// @brief Emits done.
  void finish() {
    if (this->is_closed()) return;
    this->close(this->where());
  }

  /// @brief Also lets go of the source.
  void on_isolate_end() noexcept override {
    const Ref<ForwardingSubscription> pin = Ref<ForwardingSubscription>::share(this);
    BufferingSubscription<T>::on_isolate_end();
    source_sub_ = {};
    stream_ = {};
  }

  typename X::State state;  ///< The transformation's state for this listener.

 private:
  void on_pause_hook() override {
    if (source_sub_.get() != nullptr) source_sub_->pause();
  }
  void on_resume_hook() override {
    if (source_sub_.get() != nullptr) source_sub_->resume();
  }
  Future<void> on_cancel_hook() override {
    Ref<BufferingSubscription<S>> s = std::move(source_sub_);
    if (s.get() == nullptr) return {};
    return s->cancel();
  }

  Ref<BufferingSubscription<S>> source_sub_;
};

/// @brief Dart's `_ForwardingStream`: a source stream and a transformation.
template <class S, class T, class X>
class ForwardingSource final : public StreamSource<T> {
 public:
  /// @brief Transforms @p source with @p transform.
  ForwardingSource(Ref<StreamSource<S>> source, X transform)
      : source_(std::move(source)), transform_(std::move(transform)) {}

  Ref<BufferingSubscription<T>> listen(DataHandler<T> on_data, ErrorHandler on_error,
                                       DoneHandler on_done, bool cancel_on_error,
                                       std::source_location where) override {
    this->check_alive();
    if (transform_.done_at_once()) {  // `take(0)`: listen, cancel, and report done
      (void)source_->listen({}, {}, {}, false, where)->cancel();
      return done_subscription<T>(std::move(on_done), where);
    }
    auto sub = make_node<ForwardingSubscription<S, T, X>>(
        Ref<ForwardingSource>::share(this), std::move(on_data), std::move(on_error),
        std::move(on_done), cancel_on_error, where);
    sub->start();
    return Ref<BufferingSubscription<T>>(sub.release());
  }
  [[nodiscard]] bool is_broadcast() const noexcept override { return source_->is_broadcast(); }

  /// @brief The source stream.
  [[nodiscard]] StreamSource<S>& source() const noexcept { return *source_.get(); }
  /// @brief The transformation.
  [[nodiscard]] X& transform() noexcept { return transform_; }

  void on_isolate_end() noexcept override {}  // holds no cycle: its source never holds it

 private:
  Ref<StreamSource<S>> source_;
  X transform_;
};

/// @brief The defaults of a transformation: no state, errors pass through, never done at once.
struct TransformBase {
  using State = NoState;  ///< No state per subscription.
  /// @brief The initial state of a new subscription.
  [[nodiscard]] static NoState initial_state() noexcept { return {}; }
  /// @brief Errors pass through unchanged.
  template <class Sink>
  static void error(const AsyncError& e, Sink& sink) {
    sink.emit_error(e);
  }
  /// @brief Whether a listen gets only a done event (only `take(0)`).
  [[nodiscard]] static bool done_at_once() noexcept { return false; }
};

/// @brief `map`: each value becomes `f(value)`; a throw becomes an error event.
template <class F>
struct MapTransform : TransformBase {
  F f;  ///< The conversion.
  /// @brief Converts one value.
  template <class S, class Sink>
  void data(const S& v, Sink& sink) {
    using R = std::invoke_result_t<F&, const S&>;
    std::optional<R> out;
    try {
      out.emplace(std::invoke(f, v));
    } catch (...) {
      sink.emit_current_exception();
      return;
    }
    sink.emit(std::move(*out));
  }
};

/// @brief `where`: only values that pass the test.
template <class P>
struct WhereTransform : TransformBase {
  P test;  ///< The test.
  /// @brief Tests one value.
  template <class S, class Sink>
  void data(const S& v, Sink& sink) {
    bool keep = false;
    try {
      keep = static_cast<bool>(std::invoke(test, v));
    } catch (...) {
      sink.emit_current_exception();
      return;
    }
    if (keep) sink.emit(v);
  }
};

/// @brief `expand`: each value becomes the elements of the range `f(value)`.
template <class F>
struct ExpandTransform : TransformBase {
  F f;  ///< Gives the range for one value.
  /// @brief Emits the elements for one value.
  template <class S, class Sink>
  void data(const S& v, Sink& sink) {
    using R = std::remove_cvref_t<std::invoke_result_t<F&, const S&>>;
    std::optional<R> range;
    try {
      range.emplace(std::invoke(f, v));
    } catch (...) {
      sink.emit_current_exception();
      return;
    }
    for (auto&& element : *range) sink.emit(std::forward<decltype(element)>(element));
  }
};

/// @brief `take(n)`: the first n values, then done (and the source is cancelled).
struct TakeTransform : TransformBase {
  std::size_t count = 0;      ///< How many values to pass.
  using State = std::size_t;  ///< Values still to pass, per subscription.
  /// @brief Each listener gets its own count.
  [[nodiscard]] std::size_t initial_state() const noexcept { return count; }
  /// @brief `take(0)` listens, cancels and reports done.
  [[nodiscard]] bool done_at_once() const noexcept { return count == 0; }
  /// @brief Passes one value; the last one is followed by done.
  template <class S, class Sink>
  static void data(const S& v, Sink& sink) {
    if (sink.state == 0) return;
    sink.emit(v);
    if (--sink.state == 0) sink.finish();
  }
};

/// @brief `skip(n)`: drops the first n values.
struct SkipTransform : TransformBase {
  std::size_t count = 0;      ///< How many values to drop.
  using State = std::size_t;  ///< Values still to drop, per subscription.
  /// @brief Each listener gets its own count.
  [[nodiscard]] std::size_t initial_state() const noexcept { return count; }
  /// @brief Drops or passes one value.
  template <class S, class Sink>
  static void data(const S& v, Sink& sink) {
    if (sink.state > 0) {
      --sink.state;
      return;
    }
    sink.emit(v);
  }
};

/// @brief `take_while`: values while the test holds; the first failure ends the stream.
template <class P>
struct TakeWhileTransform : TransformBase {
  P test;  ///< The test.
  /// @brief Passes one value, or ends the stream.
  template <class S, class Sink>
  void data(const S& v, Sink& sink) {
    bool keep = false;
    try {
      keep = static_cast<bool>(std::invoke(test, v));
    } catch (...) {
      sink.emit_current_exception();
      sink.finish();
      return;
    }
    if (keep) {
      sink.emit(v);
    } else {
      sink.finish();
    }
  }
};

/// @brief `skip_while`: drops values while the test holds, then passes everything.
template <class P>
struct SkipWhileTransform : TransformBase {
  P test;              ///< The test.
  using State = bool;  ///< True once a value failed the test.
  /// @brief Each listener starts by testing.
  [[nodiscard]] static bool initial_state() noexcept { return false; }
  /// @brief Drops or passes one value.
  template <class S, class Sink>
  void data(const S& v, Sink& sink) {
    if (sink.state) {
      sink.emit(v);
      return;
    }
    bool skip = false;
    try {
      skip = static_cast<bool>(std::invoke(test, v));
    } catch (...) {
      sink.emit_current_exception();
      sink.state = true;
      return;
    }
    if (!skip) {
      sink.state = true;
      sink.emit(v);
    }
  }
};

/// @brief `distinct`: drops a value equal to the one before it.
template <class S, class Eq>
struct DistinctTransform : TransformBase {
  Eq equals;                       ///< The equality.
  using State = std::optional<S>;  ///< The previous value passed.
  /// @brief Each listener starts with no previous value.
  [[nodiscard]] static std::optional<S> initial_state() noexcept { return std::nullopt; }
  /// @brief Drops or passes one value.
  template <class Sink>
  void data(const S& v, Sink& sink) {
    if (sink.state.has_value()) {
      bool same = false;
      try {
        same = static_cast<bool>(std::invoke(equals, *sink.state, v));
      } catch (...) {
        sink.emit_current_exception();
        return;
      }
      if (same) return;
    }
    sink.state = v;
    sink.emit(v);
  }
};

/// @brief `handle_error`: errors that pass the test go to the handler instead of downstream.
template <class H, class P>
struct HandleErrorTransform : TransformBase {
  H handler;  ///< Handles an error (`exception_ptr`, `AsyncError` or one type).
  P test;     ///< Which errors to handle (`NoTest`: all).
  /// @brief Values pass unchanged.
  template <class S, class Sink>
  static void data(const S& v, Sink& sink) {
    sink.emit(v);
  }
  /// @brief Handles one error, or passes it on.
  template <class Sink>
  void error(const AsyncError& e, Sink& sink) {
    if constexpr (!std::is_same_v<P, NoTest>) {
      bool matches = false;
      try {
        matches = static_cast<bool>(std::invoke(test, e.error));
      } catch (...) {
        sink.emit_current_exception(&e);
        return;
      }
      if (!matches) {
        sink.emit_error(e);
        return;
      }
    }
    try {
      if constexpr (std::invocable<H&, const AsyncError&>) {
        std::invoke(handler, e);
      } else if constexpr (std::invocable<H&, std::exception_ptr>) {
        std::invoke(handler, e.error);
      } else {
        using E = caught_type_t<H>;
        try {
          std::rethrow_exception(e.error);
        } catch (const E& typed) {
          std::invoke(handler, typed);
          return;
        } catch (...) {  // NOLINT(bugprone-empty-catch): another type passes through
        }
        sink.emit_error(e);
      }
    } catch (...) {
      sink.emit_current_exception(&e);  // a rethrow of `e` keeps its location
    }
  }
};

}  // namespace dartloop::detail
