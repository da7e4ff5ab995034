#pragma once
/// @file
/// @brief The thread-safe door into a loop: other threads post events here.

#include <atomic>
#include <mutex>
#include <utility>
#include <vector>

#include "dartloop/event_queue.hpp"

namespace dartloop {

/// @brief Events posted from other threads, waiting to join the loop's event queue.
///
/// Posting takes a mutex for a push; only the post that finds the inbox empty
/// asks for a wake-up (the caller's job, see `push`), so a burst of posts wakes
/// a sleeping loop once, as libuv's `uv_async_send` coalesces.
class Inbox {
 public:
  /// @brief Adds an event; returns true when the inbox was empty (the loop must be woken).
  bool push(Event event) {
    const std::lock_guard lock(mutex_);
    const bool was_empty = pending_.empty();
    pending_.push_back(std::move(event));
    has_pending_.store(true, std::memory_order_release);
    return was_empty;
  }

  /// @brief Moves every posted event, in posting order, through @p sink; loop thread only.
  template <class Sink>
  void drain(Sink&& sink) {
    if (!has_pending_.load(std::memory_order_acquire)) return;
    {
      const std::lock_guard lock(mutex_);
      swap_.swap(pending_);
      has_pending_.store(false, std::memory_order_relaxed);
    }
    for (Event& e : swap_) sink(std::move(e));
    swap_.clear();
  }

  /// @brief True when events wait (a hint: another thread may post at any time).
  [[nodiscard]] bool has_pending() const noexcept {
    return has_pending_.load(std::memory_order_acquire);
  }

 private:
  std::mutex mutex_;
  std::vector<Event> pending_;
  std::vector<Event> swap_;  // kept to reuse its capacity
  std::atomic<bool> has_pending_{false};
};

}  // namespace dartloop
