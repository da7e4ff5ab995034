#pragma once
// Step 8: Dart's async* generators: a coroutine that returns Stream<T> and `co_yield`s its
// values (dart-semantics.md §1.8).
// Read exercises/08-generators-and-starvation/README.md first; `./kit hint 08` helps.
//
// The generator drives a SYNCHRONOUS stream state (step 7): a `co_yield` hands its value to
// the listener at once, then the body waits one microtask before it goes on. The rules:
// - calling the generator runs none of its body: it only makes the stream;
// - `listen` starts the body, in a microtask;
// - after each `co_yield` the body resumes in a microtask queued at the yield, unless the
//   subscription is paused: then it waits at the yield until on_resume;
// - a cancelled generator returns from the `co_yield` it waits at (its destructors run);
// - the end of the body closes the stream; an exception that leaves it is an error event.
#include <concepts>
#include <coroutine>
#include <exception>
#include <memory>
#include <utility>

#include "dartloop/todo.hpp"
#include "stream.hpp"

namespace dartloop::detail {

/// Dart's `_AsyncStarStreamController`: the link between a generator's body and its stream.
///
/// Ownership: the stream's state holds this (through its hooks), this holds the body's
/// frame, and the frame points back here without owning. So a stream nobody listens to any
/// more frees the body too.
template <class T>
class GeneratorCore : public std::enable_shared_from_this<GeneratorCore<T>> {
 public:
  /// The core of the generator whose frame is @p body.
  explicit GeneratorCore(std::coroutine_handle<> body) : body_(body) {}
  GeneratorCore(const GeneratorCore&) = delete;
  GeneratorCore& operator=(const GeneratorCore&) = delete;
  /// Destroys the frame if the body never ended.
  ~GeneratorCore() {
    if (body_) body_.destroy();  // never listened to, or left paused: the frame goes too
  }

  /// Makes the core of @p body and the stream it feeds.
  static Stream<T> start(std::coroutine_handle<> body, GeneratorCore** core_out) {
    // TODO(step 8): make the core (std::make_shared) and tell the promise where it is
    // (*core_out). Build a SYNC stream state whose hooks hold the core: on_listen starts the
    // body (schedule); on_resume and on_cancel schedule it if it waits at a co_yield. Keep a
    // weak_ptr to the state in `stream_`, and return the stream (StreamAccess::wrap).
    (void)body;
    (void)core_out;
    todo("step 8: GeneratorCore::start");
  }

  /// `co_yield value`: hands it over; true when the body must return (nobody listens).
  bool yield(T value) {
    // TODO(step 8): no stream any more -> true. Add the value (a sync state hands it to the
    // listener now). If nobody listens after that -> true. Otherwise schedule the body's
    // next run, remember that it waits at a yield, and return false.
    (void)value;
    todo("step 8: GeneratorCore::yield");
  }

  /// The body has ended (its frame is gone): report @p error, if any, then done.
  void finish(std::exception_ptr error) noexcept {
    // TODO(step 8): nothing if the stream is gone or closed. Otherwise an error (if any, and
    // if someone listens) as an error event, then done. An exception thrown meanwhile goes to
    // EventLoop::current().report_uncaught_error (this function is noexcept).
    (void)error;
  }

  /// The stream, while it exists.
  std::shared_ptr<StreamState<T>> stream() const { return stream_.lock(); }
  /// The body's frame is being destroyed by its own final step.
  void detach() noexcept { body_ = {}; }

  /// The body runs again after a co_await: nothing else may own the generator now, so it
  /// owns itself until it next suspends (see `let_go`).
  void hold_while_running(std::shared_ptr<GeneratorCore> self,
                          std::shared_ptr<StreamState<T>> stream) noexcept {
    running_self_ = std::move(self);
    running_stream_ = std::move(stream);
  }
  /// The body has suspended: let go of what `hold_while_running` held. Call it only while
  /// holding the core some other way (it may be the last reference).
  void let_go() noexcept {
    running_stream_.reset();
    running_self_.reset();
  }

 private:
  // One microtask that starts or resumes the body; none while paused.
  void schedule() {
    // TODO(step 8): at most one queued run, none while the stream is paused
    // (controller_paused). The microtask calls run_body and holds both the core and the
    // stream state (a listener may keep no handle to the stream).
    todo("step 8: GeneratorCore::schedule");
  }

  void run_body() {
    // TODO(step 8): no longer queued, no longer waiting at a yield. Nobody listens any more:
    // destroy the frame (take it out of body_ first) and finish. Otherwise resume the body.
    todo("step 8: GeneratorCore::run_body");
  }

  std::coroutine_handle<> body_;
  std::weak_ptr<StreamState<T>> stream_;
  std::shared_ptr<GeneratorCore> running_self_;     // see hold_while_running
  std::shared_ptr<StreamState<T>> running_stream_;  // see hold_while_running
  bool scheduled_ = false;                          // a microtask to run the body is queued
  bool waiting_at_yield_ = false;                   // the body is suspended at a co_yield
};

/// Wraps the awaiter of a `co_await` in a generator: while the body waits, it owns the
/// generator and its stream (nothing else might). Given.
template <class Inner, class T>
struct KeepAliveAwaiter {
  /// Wraps @p awaiter, holding @p c and @p s.
  KeepAliveAwaiter(Inner&& awaiter, std::shared_ptr<GeneratorCore<T>> c,
                   std::shared_ptr<StreamState<T>> s)
      : inner(std::move(awaiter)), core(std::move(c)), stream(std::move(s)) {}
  Inner inner;                             ///< Step 6's awaiter.
  std::shared_ptr<GeneratorCore<T>> core;  ///< The generator.
  std::shared_ptr<StreamState<T>> stream;  ///< Its stream.
  /// As step 6's awaiter.
  bool await_ready() { return inner.await_ready(); }
  /// As step 6's awaiter, once the generator's own hold is let go.
  auto await_suspend(std::coroutine_handle<> h) {
    core->let_go();  // this awaiter holds the generator while it waits
    return inner.await_suspend(h);
  }
  /// As step 6's awaiter; the generator then holds itself.
  decltype(auto) await_resume() {
    // The body runs on; this awaiter dies at the end of the co_await, inside the frame, so
    // it must not be the one to free the generator: the generator holds itself instead.
    core->hold_while_running(std::move(core), std::move(stream));
    return inner.await_resume();
  }
};

/// The promise of a generator returning `Stream<T>`.
template <class T>
class GeneratorPromise {
 public:
  /// The generator's stream (the body waits for a listener).
  Stream<T> get_return_object() {
    return GeneratorCore<T>::start(std::coroutine_handle<GeneratorPromise>::from_promise(*this),
                                   &core_);
  }
  /// No body code runs before `listen`.
  static std::suspend_always initial_suspend() noexcept { return {}; }

  /// What `co_yield` waits on: always suspends, or ends the body if nobody listens.
  struct YieldAwaiter {
    GeneratorCore<T>* core;  ///< The generator.
    bool returns;            ///< Nobody listens any more: the co_yield acts as a `return`.
    /// Never ready: a yield always suspends.
    static bool await_ready() noexcept { return false; }
    /// Suspends; or ends the body, as a `return` would.
    void await_suspend(std::coroutine_handle<> h) const noexcept {
      // TODO(step 8): hold the core (shared_from_this) and let_go() first. Then, if the body
      // must return here, end it: detach, destroy the frame `h`, finish without an error.
      (void)h;
    }
    /// Resumed by the generator's microtask.
    static void await_resume() noexcept {}
  };
  /// `co_yield value;`
  template <std::convertible_to<T> U>
  YieldAwaiter yield_value(U&& value) {
    return YieldAwaiter{core_, core_->yield(T(std::forward<U>(value)))};
  }

  /// `co_await future` inside a generator: step 6's awaiter, with the generator kept alive
  /// while it waits (a listener may hold no handle to the stream meanwhile).
  template <class A>
  auto await_transform(A&& awaited) {
    using Inner = decltype(operator co_await(std::forward<A>(awaited)));
    // Parentheses, not braces: GCC 12 destroys a braced awaiter of co_await twice.
    return KeepAliveAwaiter<Inner, T>(operator co_await(std::forward<A>(awaited)),
                                      core_->shared_from_this(), core_->stream());
  }

  /// The end of the body (or `co_return;`).
  void return_void() noexcept {}
  /// An exception left the body: it becomes an error event.
  void unhandled_exception() noexcept { error_ = std::current_exception(); }

  /// The end: frees the frame first, then sends the error (if any) and done.
  struct FinalAwaiter {
    /// Always suspends, so the frame is freed before the listener hears done.
    static bool await_ready() noexcept { return false; }
    /// See `FinalAwaiter`.
    static void await_suspend(std::coroutine_handle<GeneratorPromise> h) noexcept {
      const auto keep = h.promise().core_->shared_from_this();
      const std::exception_ptr error = h.promise().error_;
      keep->let_go();
      keep->detach();
      h.destroy();
      keep->finish(error);
    }
    /// Never resumed.
    static void await_resume() noexcept {}
  };
  /// See `FinalAwaiter`.
  static FinalAwaiter final_suspend() noexcept { return {}; }

 private:
  GeneratorCore<T>* core_ = nullptr;  // owns this frame, so it outlives it
  std::exception_ptr error_;
};

}  // namespace dartloop::detail

/// Makes `Stream<T>` a coroutine return type: an async* generator.
template <class T, class... Args>
struct std::coroutine_traits<dartloop::Stream<T>, Args...> {
  /// The generator's promise.
  using promise_type = dartloop::detail::GeneratorPromise<T>;
};
