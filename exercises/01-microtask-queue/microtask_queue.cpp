// Step 1: the microtask queue, and the half of the loop that drains it.
// Read exercises/01-microtask-queue/README.md first; `./kit hint 01` helps when stuck.
#include "microtask_queue.hpp"

#include "dartloop/event_loop.hpp"
#include "dartloop/todo.hpp"

namespace dartloop {

void MicrotaskQueue::push(std::function<void()> fn) {
  // TODO(step 1): add `fn` at the back of `tasks_`.
  (void)fn;
  todo("step 1: MicrotaskQueue::push");
}

std::function<void()> MicrotaskQueue::pop() {
  // TODO(step 1): take the task at the front of `tasks_` out of the queue and return it.
  todo("step 1: MicrotaskQueue::pop");
}

bool MicrotaskQueue::empty() const {
  // TODO(step 1)
  todo("step 1: MicrotaskQueue::empty");
}

std::size_t MicrotaskQueue::size() const {
  // TODO(step 1)
  todo("step 1: MicrotaskQueue::size");
}

void EventLoop::schedule_microtask(std::function<void()> fn) {
  // TODO(step 1): queue `fn` in `microtasks_`. Do not run it now.
  (void)fn;
  todo("step 1: EventLoop::schedule_microtask");
}

void EventLoop::flush_microtasks() {
  // TODO(step 1): run microtasks, oldest first, until none is left -- including the ones
  // that running microtasks schedule. While they run, this loop must be the current one.
  // (Step 8 will add one line here, for its starvation watchdog.)
  todo("step 1: EventLoop::flush_microtasks");
}

}  // namespace dartloop
