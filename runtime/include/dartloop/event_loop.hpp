#pragma once
/// @file
/// @brief The event loop of one isolate: one event at a time, all microtasks in between.

#include <atomic>
#include <concepts>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "dartloop/clock.hpp"
#include "dartloop/event_queue.hpp"
#include "dartloop/inbox.hpp"
#include "dartloop/loop_observer.hpp"
#include "dartloop/microtask_queue.hpp"
#include "dartloop/queue_snapshot.hpp"
#include "dartloop/task.hpp"
#include "dartloop/timer_queue.hpp"

/// @brief 0 compiles the observer hooks out (used only to measure what they cost when unused).
#ifndef DARTLOOP_OBSERVER_HOOKS
#define DARTLOOP_OBSERVER_HOOKS 1
#endif

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace dartloop {

/// @brief Exit code of an isolate that ended normally.
inline constexpr int exit_success = 0;
/// @brief Exit code after an uncaught error, as the `dart` command (`kErrorExitCode`).
inline constexpr int exit_uncaught_error = 255;
/// @brief Exit code when the starvation watchdog stopped a starving loop.
inline constexpr int exit_starvation = 252;

/// @brief Where printed lines and error reports go.
using OutputSink = std::function<void(std::string_view line)>;

/// @brief Called with an error nobody handled; when set, the isolate survives it.
using UncaughtErrorHandler = std::function<void(std::exception_ptr error, const TaskInfo& task)>;

/// @brief Told of an error that reached the isolate's top (the isolate layer's error
/// listeners); returns true when someone heard it, so the report is not printed.
using ErrorListener =
    std::function<bool(const std::exception_ptr& error, const std::string& report)>;

/// @brief Thrown by `Isolate::exit` to leave the running task at once; the loop ends quietly.
///
/// C++ cannot abandon a thread's stack the way the VM abandons an isolate, so leaving is an
/// exception: destructors on the way out run (Dart would skip pending `finally` blocks),
/// but no further task of the isolate does. Code that catches `...` must rethrow it.
struct IsolateExitSignal {};

/// @brief A coroutine frame that its isolate owns: linked into the loop, so owning allocates
/// nothing.
///
/// An async function suspended on a future that nobody will ever complete cannot be
/// resumed; Dart's garbage collector would reclaim it. Here the loop destroys such frames
/// when it is destroyed, so nothing leaks (the frame's promise links and unlinks itself).
struct AsyncFrame {
  std::coroutine_handle<> handle;  ///< The frame.
  TaskInfo info;                   ///< Call id; `where` is the `co_await` while suspended.
  bool suspended = false;          ///< Waiting at `info.where`.
  AsyncFrame* prev = nullptr;      ///< Previous frame of the loop (older call).
  AsyncFrame* next = nullptr;      ///< Next frame of the loop (newer call).
};

/// @brief An object of the isolate that may sit in a reference cycle; the loop frees the
/// cycle when the isolate ends.
///
/// Streams are webs of objects that point at each other (a controller and its
/// subscription, a transformed stream and its source); Dart's garbage collector frees
/// such a web once nothing reaches it, and frees the whole heap with its isolate. Here
/// each object counts references, breaks its own cycles when it is cancelled or done,
/// and links itself into its loop, so that whatever is still alive when the isolate ends
/// is told to drop its references (`on_isolate_end`) and nothing leaks.
class IsolateOwned {
 public:
  IsolateOwned() = default;
  IsolateOwned(const IsolateOwned&) = delete;
  IsolateOwned& operator=(const IsolateOwned&) = delete;
  IsolateOwned(IsolateOwned&&) = delete;
  IsolateOwned& operator=(IsolateOwned&&) = delete;
  virtual ~IsolateOwned() = default;

  /// @brief The isolate ends: drop every reference this object holds (it stays valid).
  virtual void on_isolate_end() noexcept = 0;
  /// @brief True while the loop still holds it in its list (false once the isolate ended).
  [[nodiscard]] bool owned_by_loop() const noexcept { return linked_; }

 private:
  friend class EventLoop;
  IsolateOwned* prev_ = nullptr;
  IsolateOwned* next_ = nullptr;
  bool linked_ = false;
};

class EventLoop;

/// @brief Reference-only: told of every loop the process creates and destroys.
///
/// This is how a tool traces a program it did not write (a lesson example, a learner's
/// program in a demo, every isolate of a program): it installs one watcher with
/// `EventLoop::set_watcher` before `main` runs and attaches its observers to each loop
/// here. Both hooks run on the thread that creates or destroys the loop, which for a
/// spawned isolate is the isolate's own thread, so a watcher must be thread-safe. The core
/// knows nothing more about it; with no watcher installed a loop pays one atomic load when
/// it is made and one when it is destroyed.
class LoopWatcher {
 public:
  LoopWatcher() = default;
  LoopWatcher(const LoopWatcher&) = delete;
  LoopWatcher& operator=(const LoopWatcher&) = delete;
  LoopWatcher(LoopWatcher&&) = delete;
  LoopWatcher& operator=(LoopWatcher&&) = delete;
  virtual ~LoopWatcher() = default;

  /// @brief @p loop was just constructed (nothing scheduled yet): attach observers here.
  virtual void on_loop_created(EventLoop& loop) = 0;
  /// @brief @p loop is about to be destroyed, with its queues still as the run left them:
  /// detach observers here (this is the last moment they may touch the loop).
  virtual void on_loop_destroyed(EventLoop& loop) noexcept = 0;
};

/// @brief One isolate's event loop: an event queue, a microtask queue, timers, a clock.
///
/// The rule it implements (Dart VM, `_RawReceivePort._handleMessage`): take
/// the oldest event, run it to completion, then run microtasks until the
/// microtask queue is empty, including microtasks added meanwhile; repeat
/// until nothing can arrive any more. Everything else in dartloop is built on
/// `schedule_microtask`, timers and `post`.
///
/// A loop is used by one thread; only `post` may be called from others.
class EventLoop {
 public:
  /// @brief A loop on the given clock (programs use real time, tests and demos virtual time).
  explicit EventLoop(ClockKind clock = ClockKind::real_time);
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  /// @brief Drops (destroys unrun) everything still queued.
  ~EventLoop();

  /// @brief The loop running on this thread; throws `StateError` when there is none.
  [[nodiscard]] static EventLoop& current() {
    if (current_ == nullptr) [[unlikely]]
      throw_no_loop();
    return *current_;
  }
  /// @brief The loop running on this thread, or null.
  [[nodiscard]] static EventLoop* current_or_null() noexcept { return current_; }

  /// @brief Reference-only: installs @p watcher (null removes it) for loops made from now on.
  ///
  /// One watcher per process. Install it before any loop exists and remove it only once
  /// every loop it saw created is gone, or a loop would tell a watcher that is not there.
  static void set_watcher(LoopWatcher* watcher) noexcept {
    watcher_.store(watcher, std::memory_order_release);
  }
  /// @brief The installed watcher, or null.
  [[nodiscard]] static LoopWatcher* watcher() noexcept {
    return watcher_.load(std::memory_order_acquire);
  }

  // --- Running ---------------------------------------------------------------------------

  /// @brief Runs @p entry as the first event, then loops until nothing can arrive; returns the exit
  /// code.
  int run(Task entry, std::source_location where = std::source_location::current());

  /// @brief Calls @p fn now with this loop current, outside any event (like `fakeAsync`'s body).
  void within(SmallFunction<void(), 32> fn);
  /// @brief Runs queued microtasks until the queue is empty.
  void flush_microtasks();
  /// @brief Runs microtasks and every event that is ready now, without moving the clock.
  void run_until_idle();
  /// @brief Virtual clock: runs everything due within @p d, then sets the clock @p d later.
  void elapse(Duration d);
  /// @brief Virtual clock: runs until no timer is left or @p limit of virtual time has passed.
  ///
  /// Like `run_until_idle` and `elapse`, it keeps running while a zero-duration periodic
  /// timer is active (that timer is always ready): cancel such timers first.
  void flush_timers(Duration limit = std::chrono::hours(1));
  /// @brief Virtual clock: the running task "takes" @p d; time moves, nothing else runs.
  ///
  /// Simulates a slow synchronous computation (`fake_async`'s `elapseBlocking`). The other
  /// controls refuse to run inside a task, since a task always runs to completion.
  void elapse_blocking(Duration d);

  /// @brief Ends the loop after the running task with @p exit_code; what is queued is dropped.
  void stop(int exit_code) noexcept;

  // --- Scheduling ----------------------------------------------------------------------

  /// @brief Appends a microtask (see `schedule_microtask`).
  template <std::invocable F>
  void schedule_microtask(F&& fn, std::source_location where = std::source_location::current()) {
    if (stopping_) [[unlikely]]
      return;  // an ended isolate runs nothing more
    microtasks_.emplace(std::forward<F>(fn), info_here(where));
    if (observed()) [[unlikely]]
      notify_scheduled_microtask();
  }
  /// @brief Inserts a microtask at the head, behind other priority ones of the running task.
  void schedule_priority_microtask(Task fn,
                                   std::source_location where = std::source_location::current());
  /// @brief Appends an event; callable from any thread, wakes the loop if it sleeps.
  void post(Task fn, std::source_location where = std::source_location::current());
  /// @brief The loop's door for other threads: it stays valid after the loop ends (then
  /// it drops what it is given).
  [[nodiscard]] const std::shared_ptr<Inbox>& mailbox() const noexcept { return inbox_; }
  /// @brief While paused the loop takes no ordinary event; microtasks and control
  /// messages still run (Dart's `Isolate.pause`).
  void set_events_paused(bool paused) noexcept { events_paused_ = paused; }
  /// @brief True while ordinary events are held back.
  [[nodiscard]] bool events_paused() const noexcept { return events_paused_; }

  /// @brief Keeps a loop alive while held, as an open `ReceivePort` does.
  class KeepAlive {
   public:
    KeepAlive() noexcept = default;
    /// @brief Holds @p loop open.
    explicit KeepAlive(EventLoop& loop) noexcept;
    /// @brief Takes over @p other's hold.
    KeepAlive(KeepAlive&& other) noexcept;
    /// @brief Releases the current hold, takes over @p other's.
    KeepAlive& operator=(KeepAlive&& other) noexcept;
    KeepAlive(const KeepAlive&) = delete;
    KeepAlive& operator=(const KeepAlive&) = delete;
    /// @brief Releases the hold (loop thread only).
    ~KeepAlive();
    /// @brief Releases the hold early.
    void reset() noexcept;
    /// @brief True while it holds a loop open.
    [[nodiscard]] bool holds() const noexcept { return loop_ != nullptr; }

   private:
    EventLoop* loop_ = nullptr;
  };

  /// @brief One outstanding I/O operation on `io_context()`: keeps the loop alive and lets
  /// completions in while the loop is busy.
  ///
  /// In the VM an I/O completion is a message from the event-handler thread, queued like
  /// any other event even while the isolate is busy. Here completion handlers run on the
  /// loop's thread inside `io_context()`; while one of these is held, the loop polls that
  /// context between events, so a handler that `post`s its result joins the event queue in
  /// arrival order, not only when the loop has nothing else to do.
  class IoWork {
   public:
    IoWork() noexcept = default;
    /// @brief Counts one operation on @p loop.
    explicit IoWork(EventLoop& loop) noexcept;
    /// @brief Takes over @p other's count.
    IoWork(IoWork&& other) noexcept;
    /// @brief Releases the current count, takes over @p other's.
    IoWork& operator=(IoWork&& other) noexcept;
    IoWork(const IoWork&) = delete;
    IoWork& operator=(const IoWork&) = delete;
    /// @brief The operation completed (loop thread only).
    ~IoWork();
    /// @brief Releases the count early.
    void reset() noexcept;

   private:
    EventLoop* loop_ = nullptr;
  };

  // --- Async function frames -------------------------------------------------------------

  /// @brief Takes @p frame into the isolate (gives it an id); the loop destroys it at the end.
  void adopt_frame(AsyncFrame& frame) noexcept;
  /// @brief Lets go of @p frame (its coroutine is being destroyed).
  void release_frame(AsyncFrame& frame) noexcept;
  /// @brief Records that @p frame suspended at the `co_await` at @p where.
  void note_suspend(AsyncFrame& frame, std::source_location where) noexcept {
    frame.suspended = true;
    frame.info.where = where;
    if (observed()) [[unlikely]]
      notify_suspend(frame.info);
  }
  /// @brief Records that @p frame resumed.
  void note_resume(AsyncFrame& frame) noexcept {
    frame.suspended = false;
    if (observed()) [[unlikely]]
      notify_resume(frame.info);
  }
  /// @brief Links @p object into the isolate, which tells it when the isolate ends.
  void adopt_owned(IsolateOwned& object) noexcept;
  /// @brief Unlinks @p object (it is being destroyed); nothing happens if it is not linked.
  void release_owned(IsolateOwned& object) noexcept;

  /// @brief Number of async function calls alive (running or suspended).
  [[nodiscard]] std::size_t async_frames() const noexcept { return frame_count_; }

  // --- State ---------------------------------------------------------------------------

  /// @brief Loop time (virtual or real) since the loop was created.
  [[nodiscard]] Duration now() const noexcept { return clock_.now(); }
  /// @brief The kind of clock driving this loop.
  [[nodiscard]] ClockKind clock_kind() const noexcept { return clock_.kind(); }
  /// @brief 0, `exit_uncaught_error` or the code given to `stop`.
  [[nodiscard]] int exit_code() const noexcept { return exit_code_; }
  /// @brief True once an uncaught error or `stop` ended the isolate.
  [[nodiscard]] bool stopped() const noexcept { return stopping_; }
  /// @brief The task running now, or null between tasks.
  [[nodiscard]] const TaskInfo* running() const noexcept { return running_; }
  /// @brief Number of queued microtasks.
  [[nodiscard]] std::size_t pending_microtasks() const noexcept { return microtasks_.size(); }
  /// @brief Number of queued events.
  [[nodiscard]] std::size_t pending_events() const noexcept { return events_.size(); }
  /// @brief Number of timers waiting to fire.
  [[nodiscard]] std::size_t pending_timers() const noexcept { return timers_.size(); }
  /// @brief The queues as they are now, front first.
  [[nodiscard]] QueueSnapshot snapshot() const;
  /// @brief The Asio context the loop sleeps in (for I/O sources built on it).
  [[nodiscard]] boost::asio::io_context& io_context() noexcept;

  // --- Output and errors ---------------------------------------------------------------

  /// @brief Writes @p line to the output sink (stdout unless replaced).
  void write_line(std::string_view line);
  /// @brief Replaces where printed lines go (null restores stdout).
  void set_output(OutputSink sink);
  /// @brief Replaces where error reports go (null restores stderr).
  void set_error_output(OutputSink sink);
  /// @brief Where printed lines go (null: stdout).
  [[nodiscard]] const OutputSink& output_sink() const noexcept { return output_; }
  /// @brief Where error reports go (null: stderr).
  [[nodiscard]] const OutputSink& error_sink() const noexcept { return error_output_; }
  /// @brief Handles uncaught errors instead of ending the isolate (null restores Dart's rule).
  void set_uncaught_error_handler(UncaughtErrorHandler handler);
  /// @brief Reports @p error as uncaught: to the handler if set, else thrown by a priority
  /// microtask.
  void report_uncaught_error(std::exception_ptr error,
                             std::source_location where = std::source_location::current());
  /// @brief Writes @p message to the error sink (used for diagnostics).
  void write_error(std::string_view message);
  /// @brief Whether an error that reaches the top ends the isolate (Dart's `errorsAreFatal`).
  void set_errors_fatal(bool fatal) noexcept { errors_fatal_ = fatal; }
  /// @brief True when an uncaught error ends the isolate (the default).
  [[nodiscard]] bool errors_fatal() const noexcept { return errors_fatal_; }
  /// @brief Tells @p listener of every error that reaches the top (null: just print them).
  void set_error_listener(ErrorListener listener);

  // --- The isolate layer's state -----------------------------------------------------------

  /// @brief What the isolate layer keeps per loop (its ports); null until it is first used.
  [[nodiscard]] IsolateOwned* isolate_state() const noexcept { return isolate_state_.get(); }
  /// @brief Hands that state to the loop, which destroys it last, after every other object.
  void set_isolate_state(std::unique_ptr<IsolateOwned> state) noexcept {
    isolate_state_ = std::move(state);
  }

  // --- Observers -----------------------------------------------------------------------

  /// @brief Starts telling @p observer about every scheduling decision.
  void add_observer(LoopObserver& observer);
  /// @brief Stops telling @p observer.
  void remove_observer(LoopObserver& observer);

 private:
  friend class Timer;
  class Scope;
  struct Waiter;

  [[noreturn]] static void throw_no_loop();
  // The one test every hook makes: with tracing off it is a predictable branch.
  [[nodiscard]] bool observed() const noexcept {
    return DARTLOOP_OBSERVER_HOOKS != 0 && !observers_.empty();
  }
  void notify_scheduled_microtask();
  void notify_suspend(const TaskInfo& frame) noexcept;
  void notify_resume(const TaskInfo& frame) noexcept;
  void notify_start(QueueKind queue, const TaskInfo& info);
  void notify_end(QueueKind queue, const TaskInfo& info);
  void notify_event(const Event& event);
  static inline thread_local EventLoop* current_ = nullptr;
  // Set before main and read by every loop's constructor and destructor, on any thread.
  static inline constinit std::atomic<LoopWatcher*> watcher_{nullptr};

  TaskId next_id() noexcept { return ++last_id_; }
  TaskInfo info_here(std::source_location where) noexcept {
    return TaskInfo{next_id(), running_ != nullptr ? running_->id : 0, where};
  }

  // Timers (used by `Timer`).
  TimerSlot create_timer(Duration d, TimerCallback&& callback, bool periodic,
                         std::source_location where);
  void arm(TimerSlot slot);
  void schedule_zero_timer(Task&& fn, std::source_location where);
  void cancel_timer(TimerSlot slot) noexcept;
  void run_timers(std::vector<TimerSlot>& batch);

  // The loop's steps.
  template <class F>
  void run_task(QueueKind queue, const TaskInfo& info, F&& fn);
  // Runs after every event and every timer, so the empty case stays inline and cheap.
  void drain_microtasks() {
    if (!microtasks_.empty()) run_microtasks();
  }
  void run_microtasks();
  bool run_one_turn();  // every microtask, then one event if one is ready; false if none ran
  void handle_event(Event& event);
  void collect_arrivals();
  void poll_io();
  void handle_control(bool between_microtasks);
  void spin_for_arrivals() const noexcept;
  static void wake(void* loop);
  bool wait_for_arrivals();
  [[nodiscard]] bool can_anything_arrive() const noexcept;
  void handle_uncaught(std::exception_ptr error, const TaskInfo& task);
  void finish();

  template <class F>
  void notify(F&& f) {
    for (LoopObserver* o : observers_) f(*o);
  }

  Clock clock_;
  TimerQueue timers_;  // declared before the queues: dropped tasks may still release timer handles
  MicrotaskQueue microtasks_;
  EventQueue events_;
  std::unique_ptr<Waiter> waiter_;
  std::shared_ptr<Inbox> inbox_;
  std::vector<Task> before_next_event_;  // control messages waiting for the current event to end
  std::vector<LoopObserver*> observers_;
  AsyncFrame* frames_ = nullptr;  // oldest first
  AsyncFrame* last_frame_ = nullptr;
  std::size_t frame_count_ = 0;
  IsolateOwned* owned_ = nullptr;  // newest first
  std::vector<TimerSlot> batch_;   // reused by timer events (never nested: tasks run to completion)
  const TaskInfo* running_ = nullptr;
  TaskId last_id_ = 0;
  std::size_t keep_alive_ = 0;
  std::size_t io_work_ = 0;  // outstanding I/O operations: poll the Asio context between events
  bool timeout_queued_ = false;
  bool stopping_ = false;
  bool events_paused_ = false;
  bool errors_fatal_ = true;
  int exit_code_ = exit_success;
  OutputSink output_;
  OutputSink error_output_;
  UncaughtErrorHandler uncaught_handler_;
  ErrorListener error_listener_;
  std::unique_ptr<IsolateOwned> isolate_state_;  // reset at the end of ~EventLoop's body
};

/// @brief Queues @p fn on the current loop's microtask queue (Dart's `scheduleMicrotask`).
template <std::invocable F>
void schedule_microtask(F&& fn, std::source_location where = std::source_location::current()) {
  EventLoop::current().schedule_microtask(std::forward<F>(fn), where);
}

}  // namespace dartloop
