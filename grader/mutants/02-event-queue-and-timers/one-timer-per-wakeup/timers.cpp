// Mutant (misconception): each wake-up event runs only the earliest due timer, as if every
// timer were an event of its own.
#include <utility>
#include <vector>

#include "dartloop/event_loop.hpp"
#include "timer.hpp"

namespace dartloop {

std::int64_t whole_milliseconds(Duration d) {
  const std::int64_t ms = d.count() / 1000;  // integer division truncates: 999 us -> 0
  return ms < 0 ? 0 : ms;
}

// --- The timer queue: a std::set kept in firing order ---------------------------------------

bool TimerQueue::Earlier::operator()(const std::shared_ptr<TimerState>& a,
                                     const std::shared_ptr<TimerState>& b) const {
  if (a->wakeup_ms != b->wakeup_ms) return a->wakeup_ms < b->wakeup_ms;
  return a->id < b->id;  // same deadline: the older timer first
}

void TimerQueue::push(std::shared_ptr<TimerState> timer) { timers_.insert(std::move(timer)); }
const std::shared_ptr<TimerState>& TimerQueue::top() const { return *timers_.begin(); }
void TimerQueue::pop() { timers_.erase(timers_.begin()); }
void TimerQueue::erase(const std::shared_ptr<TimerState>& timer) { timers_.erase(timer); }
bool TimerQueue::empty() const { return timers_.empty(); }
std::size_t TimerQueue::size() const { return timers_.size(); }

// --- Timer ---------------------------------------------------------------------------------

Timer::Timer(Duration duration, std::function<void()> fn, int /*tag*/)
    : state_(std::make_shared<TimerState>()) {
  state_->ms = whole_milliseconds(duration);
  state_->callback = std::move(fn);
  state_->loop = &EventLoop::current();
  state_->loop->add_timer(state_);
}

void Timer::cancel() {
  if (!state_ || !state_->active) return;
  state_->active = false;  // checked before every call, even inside the running batch
  state_->callback = nullptr;
  if (state_->ms > 0) state_->loop->timers_.erase(state_);  // a zero timer's event skips it
}

bool Timer::is_active() const { return state_ && state_->active; }

// --- The loop's side ---------------------------------------------------------------------

namespace {
// Runs one timer, then the microtasks it scheduled: Dart drains them between two timers.
void fire(EventLoop& loop, const std::shared_ptr<TimerState>& timer) {
  if (!timer->active) return;  // cancelled after it was taken for this batch
  timer->active = false;
  std::function<void()> callback = std::move(timer->callback);
  callback();
  loop.flush_microtasks();
}
}  // namespace

void EventLoop::add_timer(const std::shared_ptr<TimerState>& timer) {
  timer->id = ++last_timer_id_;
  if (timer->ms == 0) {
    // Every zero timer is its own event, in line with every other event.
    timer->wakeup_ms = clock_.now_ms();
    ++zero_timers_;
    events_.push(Event{Event::Kind::zero_timer, nullptr, timer});
  } else {
    // + 1: the clock reads whole milliseconds, and a timer must never fire early.
    timer->wakeup_ms = clock_.now_ms() + 1 + timer->ms;
    timers_.push(timer);
  }
}

void EventLoop::post(std::function<void()> fn) {
  events_.push(Event{Event::Kind::task, std::move(fn), nullptr});
}

bool EventLoop::run_one_turn() {
  flush_microtasks();
  // The timers' wake-up: one event, queued once the earliest waiting timer is due.
  if (!timeout_queued_ && !timers_.empty() && timers_.top()->wakeup_ms <= clock_.now_ms()) {
    timeout_queued_ = true;
    events_.push(Event{Event::Kind::timeout, nullptr, nullptr});
  }
  if (events_.empty()) return false;
  Event event = events_.pop();
  within([&] { handle_event(event); });
  return true;
}

void EventLoop::handle_event(Event& event) {
  // The batch is taken out of the queue before any of it runs: timers that the callbacks
  // create wait for a later event.
  std::vector<std::shared_ptr<TimerState>> batch;
  const auto take_due = [&](auto&& comes_first) {
    while (!timers_.empty() && timers_.top()->wakeup_ms <= clock_.now_ms() &&
           comes_first(*timers_.top())) {
      batch.push_back(timers_.top());
      timers_.pop();
    }
  };
  switch (event.kind) {
    case Event::Kind::task: event.fn(); return;
    case Event::Kind::zero_timer: {
      const TimerState& zero = *event.timer;
      take_due([&](const TimerState& t) {
        return t.wakeup_ms < zero.wakeup_ms || (t.wakeup_ms == zero.wakeup_ms && t.id < zero.id);
      });
      --zero_timers_;
      for (const auto& timer : batch) fire(*this, timer);
      fire(*this, event.timer);
      return;
    }
    case Event::Kind::timeout:
      timeout_queued_ = false;
      if (!timers_.empty() && timers_.top()->wakeup_ms <= clock_.now_ms()) {
        auto timer = timers_.top();
        timers_.pop();
        fire(*this, timer);
      }
      return;
  }
}

void EventLoop::run_until_idle() {
  while (run_one_turn()) {
  }
}

void EventLoop::elapse(Duration d) {
  const Duration target = clock_.now() + d;
  run_until_idle();
  while (!timers_.empty()) {
    const Duration due{timers_.top()->wakeup_ms * 1000};
    if (due > target) break;
    clock_.advance_to(due);
    run_until_idle();
  }
  clock_.advance_to(target);
  run_until_idle();
}

}  // namespace dartloop
