#include "dartloop/event_loop.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "dartloop/errors.hpp"
#include "dartloop/timer.hpp"

namespace dartloop {

namespace {

void write_to(std::FILE* stream, std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stream);
  std::fputc('\n', stream);
  std::fflush(stream);  // `print` is synchronous in Dart; keep stdout and stderr in order
}
}  // namespace

/// Makes a loop current on this thread for a while (nesting restores the previous one).
class EventLoop::Scope {
 public:
  explicit Scope(EventLoop& loop) noexcept : previous_(current_) { current_ = &loop; }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  ~Scope() { current_ = previous_; }

 private:
  EventLoop* previous_;
};

/// Where an idle loop sleeps: an Asio context that other threads and I/O can wake.
struct EventLoop::Waiter {
  boost::asio::io_context io{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{io.get_executor()};
};

EventLoop::EventLoop(ClockKind clock)
    : clock_(clock),
      waiter_(std::make_unique<Waiter>()),
      inbox_(std::make_shared<Inbox>(&EventLoop::wake, this)) {
  if (LoopWatcher* w = watcher()) [[unlikely]]
    w->on_loop_created(*this);
}

// Called by a sender with the inbox's lock held, only while the loop is parked and alive.
void EventLoop::wake(void* loop) {
  boost::asio::post(static_cast<EventLoop*>(loop)->waiter_->io, [] {});
}

EventLoop::~EventLoop() {
  // First, while the queues still hold what the run left: a watcher's observers detach here.
  if (LoopWatcher* w = watcher()) [[unlikely]]
    w->on_loop_destroyed(*this);
  const Scope scope(*this);  // destructors of dropped tasks may still touch their loop
  stopping_ = true;
  inbox_->close();  // senders holding a SendPort now drop their messages
  microtasks_.clear();
  events_.clear();
  before_next_event_.clear();
  timers_.clear();
  // Async functions still suspended can never resume now: destroy their frames (each one
  // unlinks itself). Their queued resumptions were dropped with the microtasks above.
  while (frames_ != nullptr) {
    AsyncFrame* oldest = frames_;
    release_frame(*oldest);  // in case the frame's destructor does not (it does; be safe)
    oldest->handle.destroy();
  }
  // Then the stream objects: each drops its references, which frees the cycles among them.
  // Unlinked before the call, so objects freed meanwhile do not touch the list.
  while (owned_ != nullptr) {
    IsolateOwned* object = owned_;
    release_owned(*object);
    object->on_isolate_end();
  }
  // Last the isolate layer's state: for a root isolate, that ends and joins the isolates it
  // spawned, which may still be sending to this (now closed) loop.
  isolate_state_.reset();
}

void EventLoop::throw_no_loop() {
  throw StateError("no dartloop event loop is running on this thread");
}

boost::asio::io_context& EventLoop::io_context() noexcept { return waiter_->io; }

// ---------------------------------------------------------------------------------------
// The loop. Read `run` next to dart-semantics.md §1.1: one event, then every microtask.
// ---------------------------------------------------------------------------------------

namespace {
void refuse_inside_task(const EventLoop& loop, const char* what) {
  if (loop.running() != nullptr) {
    throw StateError(std::string(what) +
                     " cannot be called from inside a task: a task runs to completion "
                     "(use elapse_blocking to simulate a slow one)");
  }
}
}  // namespace

int EventLoop::run(Task entry, std::source_location where) {
  refuse_inside_task(*this, "run()");
  const Scope scope(*this);
  // main() is the isolate's first event, so its microtasks run before any timer (§1.1).
  events_.emplace(EventKind::task, std::move(entry), info_here(where));
  notify([&](LoopObserver& o) { o.on_schedule(QueueKind::event, events_[0].info, now()); });
  while (!stopping_) {
    if (run_one_turn()) continue;
    if (stopping_ || !wait_for_arrivals()) break;  // nothing can arrive any more: it ends
  }
  finish();
  return exit_code_;
}

bool EventLoop::run_one_turn() {
  drain_microtasks();  // all of them, including ones added meanwhile
  if (stopping_) return false;
  if (inbox_->has_control() || !before_next_event_.empty()) [[unlikely]] {
    handle_control(false);  // control messages overtake the next event
    if (stopping_) return false;
    drain_microtasks();  // a control message may have scheduled some (none of Dart's do)
  }
  collect_arrivals();  // posts from other threads, due timer wake-ups
  if (events_.empty() || events_paused_) return false;
  handle_event(events_.take_head());  // then exactly one event
  events_.finish_head();
  return true;
}

// Observer calls stay out of line and cold, so that with tracing off the hot paths keep only
// the `observed()` test (bench: "tracing off" against a build with the hooks compiled out).
[[gnu::cold, gnu::noinline]] void EventLoop::notify_start(QueueKind queue, const TaskInfo& info) {
  notify([&](LoopObserver& o) { o.on_start(queue, info, now()); });
}

[[gnu::cold, gnu::noinline]] void EventLoop::notify_end(QueueKind queue, const TaskInfo& info) {
  notify([&](LoopObserver& o) { o.on_end(queue, info, now()); });
}

[[gnu::cold, gnu::noinline]] void EventLoop::notify_event(const Event& event) {
  notify([&](LoopObserver& o) { o.on_event(event.kind, event.info, now()); });
}

// Runs one task: the only place where user code is called, so the only place that catches.
template <class F>
void EventLoop::run_task(QueueKind queue, const TaskInfo& info, F&& fn) {
  const TaskInfo* outer = running_;
  running_ = &info;
  if (observed()) [[unlikely]]
    notify_start(queue, info);
  try {
    if (!stopping_) fn();  // an observer (the watchdog) may have stopped the loop just now
  } catch (const IsolateExitSignal&) {
    stop(exit_code_);  // `Isolate::exit` already asked the loop to stop; leave quietly
  } catch (...) {
    handle_uncaught(std::current_exception(), info);
  }
  if (observed()) [[unlikely]]
    notify_end(queue, info);
  running_ = outer;
}

void EventLoop::run_microtasks() {
  while (!microtasks_.empty() && !stopping_) {
    Microtask& task = microtasks_.take_head();  // runs in its slot: no copy per microtask
    run_task(QueueKind::microtask, task.info, task.fn);
    microtasks_.finish_head();
    // An immediate kill or ping acts between two tasks, even during a long drain.
    if (inbox_->has_control()) [[unlikely]]
      handle_control(true);
  }
}

// Control messages (Dart's out-of-band messages: pause, resume, kill, ping) are the
// runtime's own, so they run outside the trace's task list. Between microtasks only the
// immediate ones act; the others wait until the current event has ended.
void EventLoop::handle_control(bool between_microtasks) {
  const auto run = [this](Task& fn) {
    try {
      fn();
    } catch (...) {
      static const TaskInfo none{};
      handle_uncaught(std::current_exception(), none);
    }
  };
  inbox_->drain_control([&](Task&& fn, ControlPriority priority) {
    if (between_microtasks && priority == ControlPriority::before_next_event) {
      before_next_event_.push_back(std::move(fn));
    } else {
      run(fn);
    }
  });
  if (!between_microtasks && !before_next_event_.empty()) {
    std::vector<Task> due;
    due.swap(before_next_event_);
    for (Task& fn : due) run(fn);
  }
}

[[gnu::cold, gnu::noinline]] void EventLoop::notify_scheduled_microtask() {
  const TaskInfo& info = microtasks_.info(microtasks_.size() - 1);
  notify([&](LoopObserver& o) { o.on_schedule(QueueKind::microtask, info, now()); });
}

void EventLoop::handle_event(Event& event) {
  microtasks_.begin_task();
  if (observed()) [[unlikely]]
    notify_event(event);
  switch (event.kind) {
    case EventKind::task: run_task(QueueKind::event, event.info, event.fn); return;
    case EventKind::zero_timer: {
      batch_.clear();
      const ZeroTimer zero = timers_.collect_for_zero_event(batch_);
      if (!batch_.empty()) run_timers(batch_);  // heap timers due before it, then its node
      if (zero.slot == ZeroTimer::no_slot && !stopping_) {
        run_task(QueueKind::timer, event.info, event.fn);  // a `Timer::run`: code in the event
        drain_microtasks();
      }
      return;
    }
    case EventKind::timeout:
      timeout_queued_ = false;  // the wake-up is consumed; the next one is requested below
      batch_.clear();
      timers_.collect_for_timeout(clock_.now_ms(), batch_);
      run_timers(batch_);
      return;
  }
}

// Mirrors the VM's `_Timer._runTimers`: each live timer of the batch runs, periodic ones are
// re-armed with a fresh id, and the microtask queue is drained after every single timer.
void EventLoop::run_timers(std::vector<TimerSlot>& batch) {
  std::size_t i = 0;
  for (; i < batch.size() && !stopping_; ++i) {
    const TimerSlot slot = batch[i];
    Timer self(this, slot);  // adopts the batch's reference: the node outlives the call
    TimerNode& node = timers_.node(slot);  // chunks never move, so this stays valid
    if (!node.active) continue;            // cancelled before its turn, even inside this batch
    if (!node.periodic) {
      node.active = 0;  // a one-shot timer is inactive from the moment its call starts
      node.fired = 1;
    } else {
      if (!node.zero) {
        const std::int64_t period = timers_.period_ms(slot);
        const std::int64_t overdue = clock_.now_ms() - node.wakeup_ms;
        if (overdue > period) {  // late by more than a period: skip the missed ticks
          const std::int64_t missed = overdue / period;
          node.wakeup_ms += missed * period;
          timers_.add_ticks(slot, missed);
        }
      }
      timers_.add_ticks(slot, 1);
    }
    // Call from a local: the callback may cancel its own timer or drop the last handle.
    TimerCallback callback = std::move(node.callback);
    const TaskInfo info{node.id, 0, node.where};
    run_task(QueueKind::timer, info, [&] { callback(self); });
    if (node.periodic && node.active && !stopping_) {
      node.callback = std::move(callback);
      arm(slot);  // fresh id and wake-up; a zero periodic timer gets a new event
    }
    drain_microtasks();
  }
  // Timers the batch did not reach (the isolate is ending) go back where they came from.
  for (; i < batch.size(); ++i) timers_.release(batch[i]);
}

void EventLoop::collect_arrivals() {
  if (io_work_ > 0) poll_io();  // completions of I/O started by this isolate post their events
  inbox_->drain([this](Event&& e) {
    if (e.info.id == 0) e.info.id = next_id();  // sent from another thread: number it on arrival
    events_.push(std::move(e));
    if (observed()) [[unlikely]] {
      const TaskInfo& info = events_[events_.size() - 1].info;
      notify([&](LoopObserver& o) { o.on_schedule(QueueKind::event, info, now()); });
    }
  });
  // The timer port's wake-up message: at most one outstanding, sent once the earliest heap
  // timer is due (the VM's event-handler thread does this in `_scheduleWakeup`).
  if (!timeout_queued_ && !timers_.heap_empty() &&
      timers_.node(timers_.heap_top()).wakeup_ms <= clock_.now_ms()) {
    timeout_queued_ = true;
    const TimerNode& first = timers_.node(timers_.heap_top());
    events_.emplace(EventKind::timeout, TaskInfo{next_id(), 0, first.where});
    if (observed()) [[unlikely]] {
      const TaskInfo& info = events_[events_.size() - 1].info;
      notify([&](LoopObserver& o) { o.on_schedule(QueueKind::event, info, now()); });
    }
  }
}

void EventLoop::poll_io() {
  auto& io = waiter_->io;
  io.poll();
  if (io.stopped()) io.restart();
}

bool EventLoop::can_anything_arrive() const noexcept {
  // §1.10: a pending microtask, an event, a timer or an open port keeps the isolate alive;
  // a future that nobody completes does not. Outstanding I/O is an open port in the VM.
  return !microtasks_.empty() || !events_.empty() || !timers_.empty() || keep_alive_ > 0 ||
         io_work_ > 0 || inbox_->has_pending() || inbox_->has_control() ||
         !before_next_event_.empty();
}

bool EventLoop::wait_for_arrivals() {
  if (!can_anything_arrive()) return false;
  std::optional<Duration> next_due;
  if (!timers_.heap_empty() && !timeout_queued_ && !events_paused_) {
    next_due = Duration(timers_.node(timers_.heap_top()).wakeup_ms * 1000);
  }
  if (clock_.kind() == ClockKind::virtual_time && next_due) {
    // Nothing is runnable before the next timer: jump there instead of sleeping.
    const Duration from = clock_.now();
    clock_.advance_to(*next_due);
    if (observed()) [[unlikely]] {
      notify([&](LoopObserver& o) { o.on_advance(from, clock_.now()); });
    }
  } else {
    // A message is often on its way (a reply to one just sent): spin a moment before
    // paying for a sleep and a wake-up, which cost system calls on both sides.
    if (keep_alive_ > 0) spin_for_arrivals();
    if (inbox_->park()) {
      auto& io = waiter_->io;
      if (next_due) {
        io.run_one_until(clock_.steady_at(*next_due));
      } else {
        io.run_one();  // only another thread (or I/O) can wake us now
      }
      inbox_->unpark();
      if (io.stopped()) io.restart();
    }
  }
  collect_arrivals();
  return true;
}

void EventLoop::spin_for_arrivals() const noexcept {
  // About the cost of a wake-up through the kernel; checked against the clock in rounds so
  // that reading it does not dominate.
  constexpr auto budget = std::chrono::microseconds(20);
  const auto until = std::chrono::steady_clock::now() + budget;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (inbox_->has_pending() || inbox_->has_control()) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    if (std::chrono::steady_clock::now() >= until) return;
  }
}

void EventLoop::finish() {
  // What is left is dropped, as in a Dart isolate that ended (§1.2).
  microtasks_.clear();
  events_.clear();
  timers_.clear();
  timeout_queued_ = false;
  notify([&](LoopObserver& o) { o.on_exit(exit_code_, now()); });
}

void EventLoop::stop(int exit_code) noexcept {
  if (stopping_) return;
  stopping_ = true;
  exit_code_ = exit_code;
}

// ---------------------------------------------------------------------------------------
// Test-facing control of a virtual clock, in the spirit of package:fake_async.
// ---------------------------------------------------------------------------------------

void EventLoop::within(SmallFunction<void(), 32> fn) {
  const Scope scope(*this);
  fn();
}

void EventLoop::flush_microtasks() {
  refuse_inside_task(*this, "flush_microtasks()");
  const Scope scope(*this);
  drain_microtasks();
}

void EventLoop::run_until_idle() {
  refuse_inside_task(*this, "run_until_idle()");
  const Scope scope(*this);
  while (run_one_turn()) {
  }
}

void EventLoop::elapse(Duration d) {
  if (clock_.kind() != ClockKind::virtual_time) {
    throw StateError("elapse() needs a loop on the virtual clock");
  }
  refuse_inside_task(*this, "elapse()");
  const Duration target = clock_.now() + d;
  run_until_idle();
  while (!stopping_ && !timers_.heap_empty()) {
    const Duration due{timers_.node(timers_.heap_top()).wakeup_ms * 1000};
    if (due > target) break;
    const Duration from = clock_.now();
    clock_.advance_to(due);
    if (observed() && clock_.now() != from) [[unlikely]] {
      notify([&](LoopObserver& o) { o.on_advance(from, clock_.now()); });
    }
    run_until_idle();
  }
  clock_.advance_to(target);
  run_until_idle();
}

void EventLoop::flush_timers(Duration limit) {
  if (clock_.kind() != ClockKind::virtual_time) {
    throw StateError("flush_timers() needs a loop on the virtual clock");
  }
  refuse_inside_task(*this, "flush_timers()");
  const Duration deadline = clock_.now() + limit;
  run_until_idle();
  while (!stopping_ && !timers_.empty()) {
    if (timers_.heap_empty()) {
      run_until_idle();
      continue;
    }
    const Duration due{timers_.node(timers_.heap_top()).wakeup_ms * 1000};
    if (due > deadline) break;
    clock_.advance_to(due);
    run_until_idle();
  }
}

void EventLoop::elapse_blocking(Duration d) {
  if (clock_.kind() != ClockKind::virtual_time) {
    throw StateError("elapse_blocking() needs a loop on the virtual clock");
  }
  clock_.advance_to(clock_.now() + d);
}

// ---------------------------------------------------------------------------------------
// Scheduling.
// ---------------------------------------------------------------------------------------

void EventLoop::schedule_priority_microtask(Task fn, std::source_location where) {
  if (stopping_) return;
  const TaskInfo info = info_here(where);
  microtasks_.push_priority(Microtask{std::move(fn), info});
  notify([&](LoopObserver& o) { o.on_schedule(QueueKind::microtask, info, now()); });
}

void EventLoop::post(Task fn, std::source_location where) {
  if (current_ == this) {
    // On the loop's own thread the event joins the event queue at once, like a message to the
    // isolate's own port: all events share one FIFO in enqueue order (§1.1, §1.9), so it must
    // not overtake a zero timer created after it. Earlier posts from other threads go first.
    if (stopping_) return;  // an ended isolate runs nothing more
    const auto enqueue = [this](Event&& e) {
      events_.push(std::move(e));
      if (observed()) [[unlikely]] {
        const TaskInfo& info = events_[events_.size() - 1].info;
        notify([&](LoopObserver& o) { o.on_schedule(QueueKind::event, info, now()); });
      }
    };
    inbox_->drain(enqueue);
    enqueue(Event(EventKind::task, std::move(fn), info_here(where)));
    return;
  }
  // Another thread has no running task of this loop: the event has no parent, and gets its
  // id when it arrives. The inbox wakes the loop if it sleeps.
  inbox_->push(Event(EventKind::task, std::move(fn), TaskInfo{0, 0, where}));
}

// ---------------------------------------------------------------------------------------
// Timers.
// ---------------------------------------------------------------------------------------

TimerSlot EventLoop::create_timer(Duration d, TimerCallback&& callback, bool periodic,
                                  std::source_location where) {
  const TimerSlot slot =
      timers_.create(std::move(callback), whole_milliseconds(d), periodic, where);
  TimerNode& node = timers_.node(slot);
  const std::int64_t now_ms = clock_.now_ms();
  const std::int64_t ms = whole_milliseconds(d);
  // `+ 1`: the VM's clock rounds down, so a timer must never fire early (timer_impl.dart).
  node.wakeup_ms = ms == 0 ? now_ms : now_ms + 1 + ms;
  node.id = next_id();
  if (stopping_) {
    node.active = 0;  // an ended isolate runs nothing more
    node.callback.reset();
    return slot;
  }
  timers_.enqueue(slot);
  if (node.zero) {
    // Every zero timer is its own message in the event queue.
    events_.emplace(EventKind::zero_timer,
                    TaskInfo{node.id, running_ != nullptr ? running_->id : 0, where});
  }
  if (observed()) [[unlikely]] {
    const TaskInfo info{node.id, running_ != nullptr ? running_->id : 0, where};
    notify([&](LoopObserver& o) { o.on_schedule(QueueKind::timer, info, now()); });
  }
  return slot;
}

void EventLoop::schedule_zero_timer(Task&& fn, std::source_location where) {
  if (stopping_) return;  // an ended isolate runs nothing more
  const TaskInfo info = info_here(where);
  timers_.enqueue_zero(clock_.now_ms(), info.id, where);
  events_.emplace(EventKind::zero_timer, std::move(fn), info);  // every zero timer: one event
  if (observed()) [[unlikely]] {
    notify([&](LoopObserver& o) { o.on_schedule(QueueKind::timer, info, now()); });
  }
}

void EventLoop::arm(TimerSlot slot) {
  TimerNode& node = timers_.node(slot);
  node.id = next_id();
  if (node.zero) {
    node.wakeup_ms = clock_.now_ms();
  } else {
    node.wakeup_ms += timers_.period_ms(slot);  // fixed rate: no drift
  }
  timers_.enqueue(slot);
  if (node.zero) {
    events_.emplace(EventKind::zero_timer,
                    TaskInfo{node.id, running_ != nullptr ? running_->id : 0, node.where});
  }
  if (observed()) [[unlikely]] {
    const TaskInfo info{node.id, running_ != nullptr ? running_->id : 0, node.where};
    notify([&](LoopObserver& o) { o.on_schedule(QueueKind::timer, info, now()); });
  }
}

void EventLoop::cancel_timer(TimerSlot slot) noexcept {
  TimerNode& node = timers_.node(slot);
  if (!node.active) return;
  node.active = 0;
  node.callback.reset();  // frees the captures now; a running callback lives in a local
  // Heap timers leave the heap; zero timers stay so their event can consume them.
  timers_.remove_from_heap(slot);
  if (observed()) [[unlikely]] {
    const TaskInfo info{node.id, 0, node.where};
    notify([&](LoopObserver& o) { o.on_cancel(info, now()); });
  }
}

// ---------------------------------------------------------------------------------------
// Output and errors.
// ---------------------------------------------------------------------------------------

void EventLoop::write_line(std::string_view line) {
  if (observed()) [[unlikely]] {
    notify([&](LoopObserver& o) { o.on_output(line, now()); });
  }
  if (output_) {
    output_(line);
  } else {
    write_to(stdout, line);
  }
}

void EventLoop::write_error(std::string_view message) {
  if (error_output_) {
    error_output_(message);
  } else {
    write_to(stderr, message);
  }
}

void EventLoop::set_output(OutputSink sink) { output_ = std::move(sink); }
void EventLoop::set_error_output(OutputSink sink) { error_output_ = std::move(sink); }
void EventLoop::set_uncaught_error_handler(UncaughtErrorHandler handler) {
  uncaught_handler_ = std::move(handler);
}

void EventLoop::report_uncaught_error(std::exception_ptr error, std::source_location where) {
  if (uncaught_handler_) {
    // A guarded zone (runZonedGuarded) gets the error at once and the isolate goes on.
    static const TaskInfo none{};
    handle_uncaught(std::move(error), running_ != nullptr ? *running_ : none);
    return;
  }
  // The root zone (`_rootHandleUncaughtError`) throws the error from a priority microtask:
  // it surfaces before every ordinary microtask already queued, and then ends the isolate.
  schedule_priority_microtask([error = std::move(error)] { std::rethrow_exception(error); }, where);
}

void EventLoop::handle_uncaught(std::exception_ptr error, const TaskInfo& task) {
  if (uncaught_handler_) {
    try {
      uncaught_handler_(error, task);
      return;
    } catch (...) {
      error = std::current_exception();  // a throwing handler is itself uncaught
    }
  }
  // Root zone, errors fatal: the VM prints the error and the isolate ends with exit code 255.
  std::string message = "Unhandled exception:\n" + describe(error);
  if (task.where.line() != 0) {
    message += "\n#0      scheduled at ";
    message += task.where.file_name();
    message += ':';
    message += std::to_string(task.where.line());
  }
  notify([&](LoopObserver& o) { o.on_uncaught(message, task, now()); });
  bool heard = false;
  if (error_listener_) {
    try {
      heard = error_listener_(error, message);
    } catch (...) {  // a listener that fails must not hide the error
    }
  }
  if (!heard) write_error(message);
  if (errors_fatal_) stop(exit_uncaught_error);
}

void EventLoop::set_error_listener(ErrorListener listener) {
  error_listener_ = std::move(listener);
}

void EventLoop::adopt_frame(AsyncFrame& frame) noexcept {
  frame.info = info_here(frame.info.where);
  frame.prev = last_frame_;
  frame.next = nullptr;
  if (last_frame_ != nullptr) {
    last_frame_->next = &frame;
  } else {
    frames_ = &frame;
  }
  last_frame_ = &frame;
  ++frame_count_;
}

void EventLoop::release_frame(AsyncFrame& frame) noexcept {
  if (frame.prev == nullptr && frames_ != &frame) return;  // not linked (released already)
  (frame.prev != nullptr ? frame.prev->next : frames_) = frame.next;
  (frame.next != nullptr ? frame.next->prev : last_frame_) = frame.prev;
  frame.prev = frame.next = nullptr;
  --frame_count_;
}

void EventLoop::adopt_owned(IsolateOwned& object) noexcept {
  object.prev_ = nullptr;
  object.next_ = owned_;
  if (owned_ != nullptr) owned_->prev_ = &object;
  owned_ = &object;
  object.linked_ = true;
}

void EventLoop::release_owned(IsolateOwned& object) noexcept {
  if (!object.linked_) return;
  (object.prev_ != nullptr ? object.prev_->next_ : owned_) = object.next_;
  if (object.next_ != nullptr) object.next_->prev_ = object.prev_;
  object.prev_ = object.next_ = nullptr;
  object.linked_ = false;
}

[[gnu::cold, gnu::noinline]] void EventLoop::notify_suspend(const TaskInfo& frame) noexcept {
  notify([&](LoopObserver& o) { o.on_suspend(frame, now()); });
}

[[gnu::cold, gnu::noinline]] void EventLoop::notify_resume(const TaskInfo& frame) noexcept {
  notify([&](LoopObserver& o) { o.on_resume(frame, now()); });
}

void EventLoop::add_observer(LoopObserver& observer) { observers_.push_back(&observer); }

void EventLoop::remove_observer(LoopObserver& observer) { std::erase(observers_, &observer); }

// ---------------------------------------------------------------------------------------

EventLoop::KeepAlive::KeepAlive(EventLoop& loop) noexcept : loop_(&loop) { ++loop.keep_alive_; }
EventLoop::KeepAlive::KeepAlive(KeepAlive&& other) noexcept
    : loop_(std::exchange(other.loop_, nullptr)) {}
EventLoop::KeepAlive& EventLoop::KeepAlive::operator=(KeepAlive&& other) noexcept {
  if (this != &other) {
    reset();
    loop_ = std::exchange(other.loop_, nullptr);
  }
  return *this;
}
EventLoop::KeepAlive::~KeepAlive() { reset(); }
void EventLoop::KeepAlive::reset() noexcept {
  if (loop_ != nullptr) --std::exchange(loop_, nullptr)->keep_alive_;
}

EventLoop::IoWork::IoWork(EventLoop& loop) noexcept : loop_(&loop) { ++loop.io_work_; }
EventLoop::IoWork::IoWork(IoWork&& other) noexcept : loop_(std::exchange(other.loop_, nullptr)) {}
EventLoop::IoWork& EventLoop::IoWork::operator=(IoWork&& other) noexcept {
  if (this != &other) {
    reset();
    loop_ = std::exchange(other.loop_, nullptr);
  }
  return *this;
}
EventLoop::IoWork::~IoWork() { reset(); }
void EventLoop::IoWork::reset() noexcept {
  if (loop_ != nullptr) --std::exchange(loop_, nullptr)->io_work_;
}

QueueSnapshot EventLoop::snapshot() const {
  QueueSnapshot s;
  s.now = clock_.now();
  s.microtasks.reserve(microtasks_.size());
  for (std::size_t i = 0; i < microtasks_.size(); ++i) s.microtasks.push_back(microtasks_.info(i));
  s.events.reserve(events_.size());
  for (std::size_t i = 0; i < events_.size(); ++i) {
    s.events.push_back(PendingEvent{events_[i].kind, events_[i].info});
  }
  s.timers = timers_.pending_in_order();
  for (const AsyncFrame* f = frames_; f != nullptr; f = f->next) {
    if (f->suspended) s.suspended.push_back(SuspendedFrame{f->info});
  }
  return s;
}

}  // namespace dartloop
