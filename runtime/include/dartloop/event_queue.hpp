#pragma once
/// @file
/// @brief The event queue: one FIFO of events per isolate, handled one at a time.

#include <cstddef>
#include <cstdint>
#include <utility>

#include "dartloop/detail/ring_queue.hpp"
#include "dartloop/task.hpp"

namespace dartloop {

/// @brief What an event in the queue stands for.
///
/// In the VM every event is a port message (`message_handler.cc`): the
/// isolate's entry point, a zero-duration timer (each has its own message), the
/// timer port's wake-up when the earliest timer is due, a message from another
/// thread or isolate, an I/O completion. They all share one FIFO.
enum class EventKind : std::uint8_t {
  task,        ///< Code to run: the entry point, a post from another thread, I/O.
  zero_timer,  ///< The message of one zero-duration timer (`_ZERO_EVENT`).
  timeout,     ///< The timer port's wake-up: the earliest heap timer is due (`_TIMEOUT_EVENT`).
};

/// @brief One queued event.
struct Event {
  /// @brief An event of @p k with no code (timer messages).
  Event(EventKind k, const TaskInfo& i) noexcept : kind(k), info(i) {}
  /// @brief An event that runs @p f.
  template <class F>
  Event(EventKind k, F&& f, const TaskInfo& i) : kind(k), fn(std::forward<F>(f)), info(i) {}

  EventKind kind = EventKind::task;  ///< What it stands for.
  Task fn;                           ///< The code, for `EventKind::task`.
  TaskInfo info;                     ///< Id, parent and scheduling line.
};

/// @brief FIFO of events; the loop takes exactly one per turn.
class EventQueue {
 public:
  /// @brief Appends an event at the tail.
  void push(Event event) { ring_.emplace_back(std::move(event)); }
  /// @brief Appends an event at the tail, built in place.
  template <class... A>
  Event& emplace(A&&... args) {
    return ring_.emplace_back(std::forward<A>(args)...);
  }
  /// @brief Removes and returns the oldest event.
  Event pop() { return ring_.pop_front(); }
  /// @brief Takes the oldest event out of the queue but leaves it in place while it runs.
  Event& take_head() noexcept { return ring_.take_front(); }
  /// @brief Destroys the event handed out by `take_head` once it has run.
  void finish_head() noexcept { ring_.release_taken(); }
  /// @brief True when no event waits.
  [[nodiscard]] bool empty() const noexcept { return ring_.empty(); }
  /// @brief Number of waiting events.
  [[nodiscard]] std::size_t size() const noexcept { return ring_.size(); }
  /// @brief The @p i-th waiting event from the head (for snapshots).
  [[nodiscard]] const Event& operator[](std::size_t i) const noexcept { return ring_[i]; }
  /// @brief Drops every waiting event without running it.
  void clear() noexcept { ring_.clear(); }

 private:
  detail::RingQueue<Event> ring_;
};

}  // namespace dartloop
