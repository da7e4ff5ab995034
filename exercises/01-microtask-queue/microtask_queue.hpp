#pragma once
// Step 1: the microtask queue.
//
// A plain first-in, first-out queue of tasks. It has no policy of its own: the loop decides
// when to run what it holds (EventLoop::flush_microtasks, in microtask_queue.cpp).
#include <cstddef>
#include <deque>
#include <functional>

namespace dartloop {

/// The microtasks of one loop, oldest first.
class MicrotaskQueue {
 public:
  /// Adds @p fn at the back.
  void push(std::function<void()> fn);
  /// Removes the oldest task and returns it. Only called when the queue is not empty.
  std::function<void()> pop();
  /// True when no task waits.
  [[nodiscard]] bool empty() const;
  /// How many tasks wait.
  [[nodiscard]] std::size_t size() const;

 private:
  std::deque<std::function<void()>> tasks_;  // front = oldest
};

}  // namespace dartloop
