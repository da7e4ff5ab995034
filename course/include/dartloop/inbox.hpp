#pragma once
// Scaffold (given, read-only): the one thread-safe thing of an isolate, its inbox. Step 9
// builds ports and isolates on it.
//
// Everything else of a loop belongs to the loop's own thread. Another thread (another isolate)
// never touches the event queue: it drops its event into the inbox, under a lock, and the loop
// moves what arrived into its event queue between two turns (`EventLoop::receive_messages`).
// A loop with nothing to do but an open port sleeps in `wait` until something arrives.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <utility>

namespace dartloop {

/// Given: events sent to one loop from other threads, waiting to join its event queue.
class Inbox {
 public:
  /// Any thread: adds @p event at the back and wakes the loop if it sleeps; false (and the
  /// event is dropped) once the loop has ended, as a message to a dead isolate is.
  bool push(std::function<void()> event) {
    {
      const std::lock_guard lock(mutex_);
      if (closed_) return false;
      events_.push_back(std::move(event));
    }
    arrived_.notify_one();
    return true;
  }

  /// The loop's thread: takes every event that arrived, oldest first.
  std::deque<std::function<void()>> take_all() {
    std::deque<std::function<void()>> taken;
    const std::lock_guard lock(mutex_);
    taken.swap(events_);
    return taken;
  }

  /// The loop's thread: sleeps until at least one event waits (returns at once if one does).
  void wait() {
    std::unique_lock lock(mutex_);
    arrived_.wait(lock, [this] { return !events_.empty(); });
  }

  /// The loop ended: later events are refused, and what waits is dropped.
  void close() {
    std::deque<std::function<void()>> dropped;
    const std::lock_guard lock(mutex_);
    closed_ = true;
    dropped.swap(events_);
  }  // `dropped` dies after the lock is released: a dropped event may hold a port to here

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<std::function<void()>> events_;
  bool closed_ = false;
};

}  // namespace dartloop
