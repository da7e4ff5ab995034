// Step 2: timers on a virtual clock, and the events they become.
// Read exercises/02-event-queue-and-timers/README.md first; `./kit hint 02` helps when stuck.
#include "dartloop/event_loop.hpp"
#include "dartloop/todo.hpp"
#include "timer.hpp"

namespace dartloop {

std::int64_t whole_milliseconds(Duration d) {
  // TODO(step 2): 999 us is 0 ms, 1500 us is 1 ms, a negative duration is 0 ms.
  (void)d;
  todo("step 2: whole_milliseconds");
}

// --- The timer queue ---------------------------------------------------------------------

bool TimerQueue::Earlier::operator()(const std::shared_ptr<TimerState>& a,
                                     const std::shared_ptr<TimerState>& b) const {
  // TODO(step 2): true when `a` fires before `b`: earlier wake-up, or the same wake-up and
  // created first.
  (void)a;
  (void)b;
  todo("step 2: TimerQueue::Earlier");
}

void TimerQueue::push(std::shared_ptr<TimerState> timer) {
  (void)timer;
  todo("step 2: TimerQueue::push");  // TODO(step 2)
}

const std::shared_ptr<TimerState>& TimerQueue::top() const {
  todo("step 2: TimerQueue::top");  // TODO(step 2)
}

void TimerQueue::pop() { todo("step 2: TimerQueue::pop"); }  // TODO(step 2)

void TimerQueue::erase(const std::shared_ptr<TimerState>& timer) {
  (void)timer;
  todo("step 2: TimerQueue::erase");  // TODO(step 2)
}

bool TimerQueue::empty() const { todo("step 2: TimerQueue::empty"); }  // TODO(step 2)

std::size_t TimerQueue::size() const { todo("step 2: TimerQueue::size"); }  // TODO(step 2)

// --- Timer ---------------------------------------------------------------------------------

Timer::Timer(Duration duration, std::function<void()> fn, int /*tag*/) {
  // TODO(step 2): make the TimerState (its duration in whole milliseconds, the callback) and
  // hand it to the current loop (EventLoop::add_timer; Timer is the loop's friend).
  (void)duration;
  (void)fn;
  todo("step 2: Timer::Timer");
}

void Timer::cancel() {
  // TODO(step 2): the callback must never run; a waiting non-zero timer leaves the queue.
  todo("step 2: Timer::cancel");
}

bool Timer::is_active() const { todo("step 2: Timer::is_active"); }  // TODO(step 2)

// --- The loop's side ---------------------------------------------------------------------

void EventLoop::add_timer(const std::shared_ptr<TimerState>& timer) {
  // TODO(step 2): give it the next id; a zero timer is due now and becomes one event of its
  // own; any other is due at now_ms + 1 + ms and waits in `timers_`.
  (void)timer;
  todo("step 2: EventLoop::add_timer");
}

void EventLoop::post(std::function<void()> fn) {
  (void)fn;
  todo("step 2: EventLoop::post");  // TODO(step 2)
}

bool EventLoop::run_one_turn() {
  // TODO(step 2): drain the microtasks; if the earliest waiting timer is due and no wake-up
  // event is queued yet, queue one; then take ONE event (if any) and handle it.
  todo("step 2: EventLoop::run_one_turn");
}

void EventLoop::handle_event(Event& event) {
  // TODO(step 2): a task runs its code. A zero timer first runs the due waiting timers that
  // come before it (by wake-up, then id), then itself. The wake-up event runs every waiting
  // timer that is due. Timers run one at a time, oldest first, with the microtasks drained
  // after each; a timer made by a callback waits for a later event.
  (void)event;
  todo("step 2: EventLoop::handle_event");
}

void EventLoop::run_until_idle() {
  todo("step 2: EventLoop::run_until_idle");  // TODO(step 2): turns until none runs an event
}

void EventLoop::elapse(Duration d) {
  // TODO(step 2): run what is ready; then, while the earliest timer is due before now + d,
  // move the clock to its time and run what is ready; finally set the clock to now + d.
  (void)d;
  todo("step 2: EventLoop::elapse");
}

}  // namespace dartloop
