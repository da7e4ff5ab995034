// Step 1, model answer: the microtask queue, and the half of the loop that drains it.
#include "microtask_queue.hpp"

#include <utility>

#include "dartloop/event_loop.hpp"

namespace dartloop {

void MicrotaskQueue::push(std::function<void()> fn) { tasks_.push_back(std::move(fn)); }

std::function<void()> MicrotaskQueue::pop() {
  std::function<void()> oldest = std::move(tasks_.front());
  tasks_.pop_front();
  return oldest;
}

bool MicrotaskQueue::empty() const { return tasks_.empty(); }

std::size_t MicrotaskQueue::size() const { return tasks_.size(); }

// Scheduling only queues: Dart never runs a microtask inside `scheduleMicrotask`.
void EventLoop::schedule_microtask(std::function<void()> fn) { microtasks_.push(std::move(fn)); }

void EventLoop::flush_microtasks() {
  within([this] {
    // The test is made before every task, so microtasks scheduled by the running ones are
    // drained too: the queue is empty when this returns.
    std::size_t nth = 0;  // which microtask of this drain: step 8's watchdog counts them
    while (!microtasks_.empty()) {
      if (!before_microtask(++nth)) return;  // step 8: a watchdog stopped the loop
      // Out of the queue before it runs: the task may schedule more and change the queue.
      std::function<void()> task = microtasks_.pop();
      task();
    }
  });
}

}  // namespace dartloop
