#pragma once
/// @file
/// @brief The thread-safe door into a loop: other threads and isolates post events here.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "dartloop/event_queue.hpp"
#include "dartloop/task.hpp"

namespace dartloop {

/// @brief How soon a control message acts (Dart's `Isolate.immediate` / `beforeNextEvent`).
enum class ControlPriority : std::uint8_t {
  immediate,          ///< Between two tasks, even in the middle of a microtask drain.
  before_next_event,  ///< Once the current event and its microtasks are done.
};

/// @brief Events and control messages sent to a loop from other threads, waiting to join it.
///
/// Shared (by `std::shared_ptr`) between the loop and every `SendPort` to it, so that a
/// sender never holds a dangling loop: once the loop ends it `close`s its inbox and later
/// messages are dropped, as messages to a dead isolate are in Dart.
///
/// Ordinary events keep their posting order. Control messages (pause, resume, kill, ping)
/// travel apart and overtake them, as the VM's out-of-band queue does
/// (`MessageHandler::oob_queue_`).
///
/// Waking is cheap for the common case: a loop about to sleep first `park`s; a sender wakes
/// it only when the loop is parked and the inbox was empty, so a burst of messages costs one
/// wake-up (libuv's `uv_async_send` coalesces the same way), and a loop that is busy or
/// spinning is never woken at all.
class Inbox {
 public:
  /// @brief Wakes a parked loop; called with the inbox's lock held.
  using WakeFn = void (*)(void* context);

  /// @brief An inbox whose sleeping loop is woken by @p wake(@p context).
  Inbox(WakeFn wake, void* context) noexcept : wake_(wake), wake_context_(context) {}
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;
  Inbox(Inbox&&) = delete;
  Inbox& operator=(Inbox&&) = delete;
  ~Inbox() = default;

  // --- Any thread ------------------------------------------------------------------------

  /// @brief Adds an event; false (and @p event is dropped) when the loop has ended.
  bool push(Event event) {
    const std::lock_guard lock(mutex_);
    if (closed_) return false;
    const bool was_empty = pending_.empty();
    pending_.push_back(std::move(event));
    has_pending_.store(true, std::memory_order_seq_cst);
    if (was_empty && parked_.load(std::memory_order_seq_cst)) wake_(wake_context_);
    return true;
  }

  /// @brief Adds a control message; false when the loop has ended.
  bool push_control(Task fn, ControlPriority priority) {
    const std::lock_guard lock(mutex_);
    if (closed_) return false;
    control_.push_back(Control{std::move(fn), priority});
    has_control_.store(true, std::memory_order_seq_cst);
    if (parked_.load(std::memory_order_seq_cst)) wake_(wake_context_);
    return true;
  }

  /// @brief True until the loop has ended.
  [[nodiscard]] bool is_open() const {
    const std::lock_guard lock(mutex_);
    return !closed_;
  }

  // --- The loop's thread ------------------------------------------------------------------

  /// @brief Moves every posted event, in posting order, through @p sink.
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

  /// @brief Moves every control message, in sending order, through @p sink(task, priority).
  template <class Sink>
  void drain_control(Sink&& sink) {
    if (!has_control_.load(std::memory_order_acquire)) return;
    std::vector<Control> taken;
    {
      const std::lock_guard lock(mutex_);
      taken.swap(control_);
      has_control_.store(false, std::memory_order_relaxed);
    }
    for (Control& c : taken) sink(std::move(c.fn), c.priority);
  }

  /// @brief True when events wait (a hint: another thread may post at any time).
  [[nodiscard]] bool has_pending() const noexcept {
    return has_pending_.load(std::memory_order_acquire);
  }
  /// @brief True when control messages wait.
  [[nodiscard]] bool has_control() const noexcept {
    return has_control_.load(std::memory_order_acquire);
  }

  /// @brief The loop is about to sleep: false (do not sleep) when something already waits.
  ///
  /// Pairs with the check in `push`: the loop publishes "parked" and then looks for
  /// messages, a sender publishes its message and then looks for "parked"; with both in
  /// sequentially consistent order at least one of them sees the other, so no message
  /// can slip in unnoticed while the loop falls asleep.
  bool park() noexcept {
    parked_.store(true, std::memory_order_seq_cst);
    if (has_pending_.load(std::memory_order_seq_cst) ||
        has_control_.load(std::memory_order_seq_cst)) {
      parked_.store(false, std::memory_order_relaxed);
      return false;
    }
    return true;
  }
  /// @brief The loop is awake again.
  void unpark() noexcept { parked_.store(false, std::memory_order_relaxed); }

  /// @brief The loop ends: refuses later messages; drops (destroys) what waits.
  void close() noexcept {
    std::vector<Event> events;
    std::vector<Control> control;
    {
      const std::lock_guard lock(mutex_);
      closed_ = true;
      events.swap(pending_);
      control.swap(control_);
      has_pending_.store(false, std::memory_order_relaxed);
      has_control_.store(false, std::memory_order_relaxed);
    }
    // Destroyed here, outside the lock: a dropped message may own a SendPort to this inbox.
  }

 private:
  struct Control {
    Task fn;
    ControlPriority priority;
  };

  mutable std::mutex mutex_;
  std::vector<Event> pending_;
  std::vector<Event> swap_;  // kept to reuse its capacity
  std::vector<Control> control_;
  std::atomic<bool> has_pending_{false};
  std::atomic<bool> has_control_{false};
  std::atomic<bool> parked_{false};
  bool closed_ = false;
  WakeFn wake_;
  void* wake_context_;
};

}  // namespace dartloop
