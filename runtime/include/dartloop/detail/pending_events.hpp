#pragma once
/// @file
/// @brief The events a stream subscription holds back, and the one microtask that delivers them.

#include <cstdint>
#include <source_location>
#include <utility>
#include <variant>

#include "dartloop/detail/chunked_fifo.hpp"
#include "dartloop/detail/future_state.hpp"
#include "dartloop/event_loop.hpp"

namespace dartloop::detail {

/// @brief The stream's "done" event.
struct DoneEvent {};

/// @brief One event waiting for delivery: a value, an error or done, and the call that sent it.
template <class T>
struct DelayedEvent {
  std::variant<T, AsyncError, DoneEvent> event;  ///< What is delivered.
  std::source_location where;                    ///< The `add`/`add_error`/`close` that sent it.
};

/// @brief Dart's `_PendingEvents`: a FIFO of events and the state of its delivery microtask.
///
/// The rule that gives asynchronous streams their rhythm (dart-semantics.md §1.7): at most
/// one microtask is queued for a subscription, and it delivers ONE event; the subscription
/// queues the next microtask, at the back of the microtask queue, only after that event's
/// callback returned. Pausing cancels the queued delivery without removing the microtask
/// (it wakes, sees "cancelled" and does nothing); resuming before it ran revives it.
template <class T>
class PendingEvents {
 public:
  /// @brief True when no event waits.
  [[nodiscard]] bool empty() const noexcept { return queue_.empty(); }
  /// @brief Number of waiting events.
  [[nodiscard]] std::size_t size() const noexcept { return queue_.size(); }
  /// @brief True while a delivery microtask is queued and wanted.
  [[nodiscard]] bool is_scheduled() const noexcept { return state_ == Schedule::scheduled; }

  /// @brief Appends an event.
  template <class... A>
  void add(A&&... event) {
    queue_.emplace_back(std::forward<A>(event)...);
  }
  /// @brief Takes the oldest event.
  DelayedEvent<T> take_next() { return queue_.pop_front(); }
  /// @brief Drops every waiting event (a cancelled subscription delivers nothing more).
  void drop_events() noexcept { queue_.clear(); }
  /// @brief Moves every event of @p from to the back of this queue.
  void append(PendingEvents& from) {
    while (!from.queue_.empty()) queue_.emplace_back(from.queue_.pop_front());
  }

  /// @brief Makes sure a delivery microtask is queued; it calls `dispatch->deliver_next()`.
  ///
  /// A microtask that was cancelled but has not run yet is simply wanted again, so no
  /// second one is queued (Dart's `stateCanceled -> stateScheduled`).
  template <class Dispatch>
  void schedule(Dispatch* dispatch, EventLoop& loop) {
    if (state_ == Schedule::scheduled) return;
    if (state_ == Schedule::canceled) {
      state_ = Schedule::scheduled;
      return;
    }
    loop.schedule_microtask([d = Ref<Dispatch>::share(dispatch)] { d->run_scheduled(); },
                            queue_.front().where);
    state_ = Schedule::scheduled;
  }
  /// @brief The queued delivery should do nothing when it runs.
  void cancel_schedule() noexcept {
    if (state_ == Schedule::scheduled) state_ = Schedule::canceled;
  }
  /// @brief Called first by the delivery microtask: true if it should deliver an event.
  bool start_scheduled_run() noexcept {
    const Schedule old = std::exchange(state_, Schedule::unscheduled);
    return old != Schedule::canceled;
  }

 private:
  enum class Schedule : std::uint8_t { unscheduled, scheduled, canceled };
  ChunkedFifo<DelayedEvent<T>> queue_;
  Schedule state_ = Schedule::unscheduled;
};

}  // namespace dartloop::detail
