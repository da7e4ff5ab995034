#pragma once
// Scaffold (given, read-only): the map of the runtime you are building.
//
// `EventLoop` is declared here once; its member functions are written in the exercises, each
// in the step that teaches it (the comment on each member says which). The members marked
// "given" are written for you in course/src/event_loop.cpp: read them, they are short.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>

#include "dartloop/clock.hpp"
#include "event_queue.hpp"      // step 2: exercises/02-event-queue-and-timers/
#include "microtask_queue.hpp"  // step 1: exercises/01-microtask-queue/
#include "timer_queue.hpp"      // step 2

namespace dartloop {

/// Where printed lines go (a test can catch them; null means standard output).
using OutputSink = std::function<void(std::string_view line)>;

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
};

/// Given: Dart's `scheduleMicrotask`: queues @p fn on the current loop.
template <class F>
void schedule_microtask(F&& fn) {
  EventLoop::current().schedule_microtask(std::function<void()>(std::forward<F>(fn)));
}

}  // namespace dartloop
