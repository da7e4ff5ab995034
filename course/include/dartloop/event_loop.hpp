#pragma once
// Scaffold (given, read-only): the map of the runtime you are building.
//
// `EventLoop` is declared here once; its member functions are written in the exercises, each
// in the step that teaches it (the comment on each member says which). The members marked
// "given" are written for you in course/src/event_loop.cpp: read them, they are short.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "dartloop/clock.hpp"
#include "dartloop/inbox.hpp"   // step 9: the thread-safe door of a loop
#include "event_queue.hpp"      // step 2: exercises/02-event-queue-and-timers/
#include "microtask_queue.hpp"  // step 1: exercises/01-microtask-queue/
#include "timer_queue.hpp"      // step 2

namespace dartloop {

class Message;       // step 9: exercises/09-isolates-and-ports/message.hpp
class IsolateGroup;  // step 9: given, course/src/isolates.cpp

/// Step 8: exercises/08-generators-and-starvation/watchdog.hpp.
class StarvationWatchdog;

/// Step 9: one receive port of an isolate, shared by the handles to it. It is open while its
/// loop's `ports()` holds it.
struct PortState {
  std::uint64_t id = 0;                    ///< The port's number, unique in the program.
  std::function<void(Message&&)> handler;  ///< What the port does with each message.
};

/// Where printed lines go (a test can catch them; null means standard output).
using OutputSink = std::function<void(std::string_view line)>;

/// The exit code of an isolate that an uncaught error ended (the `dart` command's 255).
inline constexpr int exit_uncaught_error = 255;
/// The exit code of an isolate that the starvation watchdog stopped (step 8).
inline constexpr int exit_starvation = 252;

/// One isolate's event loop.
class EventLoop {
 public:
  /// Given: a loop on the given clock.
  explicit EventLoop(ClockKind clock = ClockKind::real_time);
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  /// Given.
  ~EventLoop();

  /// Given: the loop running on this thread; throws std::logic_error when there is none.
  static EventLoop& current();
  /// Given: the loop running on this thread, or null.
  static EventLoop* current_or_null() noexcept;
  /// Given: calls @p fn now with this loop as the current one (outside any event).
  void within(std::function<void()> fn);

  // --- Step 1: the microtask queue (exercises/01-microtask-queue/microtask_queue.cpp) ------
  /// Step 1: appends @p fn to the microtask queue. It does NOT run it.
  void schedule_microtask(std::function<void()> fn);
  /// Step 1: runs microtasks, oldest first, until the queue is empty, including the ones
  /// that the running microtasks schedule.
  void flush_microtasks();
  /// Given: how many microtasks wait.
  [[nodiscard]] std::size_t pending_microtasks() const { return microtasks_.size(); }

  // --- Step 2: events and timers on a virtual clock (exercises/02-event-queue-and-timers/) -
  /// Given: loop time since the loop was created.
  [[nodiscard]] Duration now() const noexcept { return clock_.now(); }
  /// Step 2: appends an event that runs @p fn (a message to this isolate).
  void post(std::function<void()> fn);
  /// Step 2: runs microtasks and every event that is ready now; the clock does not move.
  void run_until_idle();
  /// Step 2: runs everything due within @p d, moving the virtual clock to each timer's time
  /// in turn, then sets the clock @p d later than it was.
  void elapse(Duration d);
  /// Given: how many events wait in the event queue.
  [[nodiscard]] std::size_t pending_events() const { return events_.size(); }
  /// Given: how many timers wait to fire.
  [[nodiscard]] std::size_t pending_timers() const { return timers_.size() + zero_timers_; }

  // --- Step 3: the loop (exercises/03-event-loop/event_loop.cpp) --------------------------
  /// Step 3: runs @p entry as the first event, then turns until nothing can arrive any more;
  /// returns the exit code (0, or the code given to `stop`).
  int run(std::function<void()> entry);
  /// Step 3: ends the loop after the running task, with @p exit_code; what waits is dropped.
  void stop(int exit_code) noexcept;

  // --- Step 5: uncaught errors (exercises/05-errors/uncaught.cpp) --------------------------
  /// Step 5: Dart's root zone: @p error is thrown again by a priority microtask, which runs
  /// before every microtask already queued (and so ends the isolate before they run).
  void report_uncaught_error(std::exception_ptr error);
  /// Given: writes @p message to the error sink (standard error if none).
  void write_error(std::string_view message);
  /// Given: replaces where error reports go.
  void set_error_output(OutputSink sink) { error_output_ = std::move(sink); }

  // --- Step 8: the starvation watchdog (exercises/08-generators-and-starvation/) ----------
  /// Step 8: step 1's flush_microtasks asks this before it runs the @p nth microtask of one
  /// drain (1, 2, ...). False when a watchdog found a flood and stopped the loop: the drain
  /// then ends without running it.
  bool before_microtask(std::size_t nth);
  /// Given: the watchdog told about every microtask (null: none).
  void set_watchdog(StarvationWatchdog* watchdog) noexcept { watchdog_ = watchdog; }

  // --- Step 9: isolates and ports (exercises/09-isolates-and-ports/ports.cpp) -------------
  /// Given: the door other threads post to; a SendPort to this loop holds it, so it outlives
  /// the loop (once the loop ended, it drops what it is given).
  [[nodiscard]] const std::shared_ptr<Inbox>& mailbox() const noexcept { return inbox_; }
  /// Given: the open ports of this isolate, by number. An open port keeps the loop alive.
  [[nodiscard]] std::unordered_map<std::uint64_t, std::shared_ptr<PortState>>& ports() noexcept {
    return ports_;
  }
  /// Step 9: moves what other threads sent (the inbox) into the event queue, oldest first.
  /// Step 3's `run` calls it before every turn.
  void receive_messages();
  /// Step 9: step 3's `run` calls it when no microtask, event or timer is left: false when
  /// nothing can arrive any more (the loop ends); otherwise it sleeps until something
  /// arrives and returns true.
  bool wait_for_messages();
  /// Given: the kind of clock this loop runs on (a spawned isolate gets the same kind).
  [[nodiscard]] ClockKind clock_kind() const noexcept { return clock_.kind(); }
  /// Given: this loop's output, made safe to share with other threads (one lock per family
  /// of isolates), so that the lines of several isolates never interleave.
  OutputSink shared_output();
  /// Given: runs @p body on a new thread (a new isolate's). When the program's first loop
  /// is destroyed it ends every isolate still running and joins their threads, as the `dart`
  /// command ends them all when main's isolate ends.
  void start_isolate_thread(std::function<void()> body);

  // --- Output (given) ----------------------------------------------------------------------
  /// Given: writes one line to the output sink (standard output if none).
  void write_line(std::string_view line);
  /// Given: replaces where printed lines go.
  void set_output(OutputSink sink) { output_ = std::move(sink); }

 private:
  friend class Timer;

  /// Step 2: takes @p timer in: a zero timer becomes its own event, the others go to the
  /// timer queue, due at now + 1 ms + their duration.
  void add_timer(const std::shared_ptr<TimerState>& timer);
  /// Step 2: one turn: every microtask, then one event if one is ready; false if none ran.
  bool run_one_turn();
  /// Step 2: what one event does (a task, a zero timer, or the timers' wake-up).
  void handle_event(Event& event);
  /// Step 5: queues @p fn at the head of the microtask queue, behind the priority microtasks
  /// queued before it.
  void schedule_priority_microtask(std::function<void()> fn);
  /// Step 5: an exception escaped a task (step 3's `run` catches it): print it as Dart does
  /// and end the isolate with `exit_uncaught_error`.
  void handle_uncaught(std::exception_ptr error);
  /// Given (step 9): a loop made on an isolate's thread joins that program's isolates.
  void begin_isolate();
  /// Given (step 9): the loop is being destroyed: it refuses further messages, closes its
  /// ports and, if it is the program's first loop, ends and joins every isolate.
  void end_isolate() noexcept;

  Clock clock_;
  MicrotaskQueue microtasks_;
  EventQueue events_;
  TimerQueue timers_;                // the non-zero timers
  std::size_t zero_timers_ = 0;      // zero timers whose event has not run yet
  std::uint64_t last_timer_id_ = 0;  // creation counter: ties between timers go to the older
  bool timeout_queued_ = false;      // the timers' wake-up event is in the queue
  bool stopping_ = false;            // step 3: stop() was called
  int exit_code_ = 0;                // step 3: what run() returns
  OutputSink output_;
  OutputSink error_output_;              // step 5: where `write_error` goes
  std::size_t priority_microtasks_ = 0;  // step 5: priority microtasks queued so far
  /// Step 8: the watchdog told about every microtask, if any.
  StarvationWatchdog* watchdog_ = nullptr;
  std::shared_ptr<Inbox> inbox_ = std::make_shared<Inbox>();             // step 9
  std::unordered_map<std::uint64_t, std::shared_ptr<PortState>> ports_;  // step 9
  std::shared_ptr<IsolateGroup> group_;  // step 9: the threads of this program's isolates
  bool root_ = false;                    // step 9: this loop started the group (main)
  bool output_shared_ = false;           // step 9: output_ already takes a lock
};

/// Given: Dart's `scheduleMicrotask`: queues @p fn on the current loop.
template <class F>
void schedule_microtask(F&& fn) {
  EventLoop::current().schedule_microtask(std::function<void()>(std::forward<F>(fn)));
}

}  // namespace dartloop
