#pragma once
// Scaffold (given, read-only): the map of the runtime you are building.
//
// `EventLoop` is declared here once; its member functions are written in the exercises, each
// in the step that teaches it (the comment on each member says which). The members marked
// "given" are written for you in course/src/event_loop.cpp: read them, they are short.
#include <cstddef>
#include <functional>
#include <string_view>
#include <utility>

#include "dartloop/clock.hpp"
#include "microtask_queue.hpp"  // step 1: exercises/01-microtask-queue/

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

  // --- Output (given) ----------------------------------------------------------------------
  /// Given: writes one line to the output sink (standard output if none).
  void write_line(std::string_view line);
  /// Given: replaces where printed lines go.
  void set_output(OutputSink sink) { output_ = std::move(sink); }

 private:
  ClockKind clock_kind_;
  MicrotaskQueue microtasks_;
  OutputSink output_;
};

/// Given: Dart's `scheduleMicrotask`: queues @p fn on the current loop.
template <class F>
void schedule_microtask(F&& fn) {
  EventLoop::current().schedule_microtask(std::function<void()>(std::forward<F>(fn)));
}

}  // namespace dartloop
