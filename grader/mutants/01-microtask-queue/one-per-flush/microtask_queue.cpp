// Mutant (misconception): the loop runs one microtask per turn, like one event per turn.
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
    if (!microtasks_.empty()) {
      std::function<void()> task = microtasks_.pop();
      task();
    }
  });
}

}  // namespace dartloop
