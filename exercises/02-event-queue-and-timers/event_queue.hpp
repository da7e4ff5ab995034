#pragma once
// Step 2: the event queue (given whole: it is a FIFO like step 1's queue).
//
// Every event of an isolate waits here, in arrival order: a task posted to the isolate, the
// event of a zero-duration timer, or the wake-up that says "the earliest timer is due".
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <utility>

namespace dartloop {

struct TimerState;

/// One event of the queue.
struct Event {
  /// What the event stands for.
  enum class Kind { task, zero_timer, timeout };
  Kind kind = Kind::task;
  std::function<void()> fn;           ///< For a task: the code to run.
  std::shared_ptr<TimerState> timer;  ///< For a zero timer: the timer.
};

/// The events of one loop, oldest first.
class EventQueue {
 public:
  /// Adds @p event at the back.
  void push(Event event) { events_.push_back(std::move(event)); }
  /// Removes the oldest event and returns it (only when not empty).
  Event pop() {
    Event oldest = std::move(events_.front());
    events_.pop_front();
    return oldest;
  }
  /// True when no event waits.
  [[nodiscard]] bool empty() const { return events_.empty(); }
  /// How many events wait.
  [[nodiscard]] std::size_t size() const { return events_.size(); }

 private:
  std::deque<Event> events_;
};

}  // namespace dartloop
