#pragma once
/// @file
/// @brief The loop's timer bookkeeping: a FIFO of zero timers and a heap of the others.

#include <cstdint>
#include <memory>
#include <source_location>
#include <unordered_map>
#include <vector>

#include "dartloop/detail/ring_queue.hpp"
#include "dartloop/queue_snapshot.hpp"
#include "dartloop/small_function.hpp"
#include "dartloop/task.hpp"

namespace dartloop {

class Timer;

/// @brief What a timer calls: the timer itself is passed, as Dart's periodic timers expect.
using TimerCallback = SmallFunction<void(Timer&), 16>;

/// @brief Index of a timer in its loop's timer pool.
using TimerSlot = std::uint32_t;

/// @brief One timer as the loop stores it (56 bytes; periodic data lives on the side).
struct TimerNode {
  TimerCallback callback;          ///< The code; empty once cancelled or fired.
  std::int64_t wakeup_ms = 0;      ///< Loop milliseconds at which it is due (`_wakeupTime`).
  TaskId id = 0;                   ///< Tie-break for equal wake-ups; fresh on every re-arm (`_id`).
  std::source_location where;      ///< The call that created the timer.
  std::uint32_t heap_index = 0;    ///< Position in the heap, or `not_in_heap`.
  std::uint32_t refs : 27 = 0;     ///< Handles plus the loop's own hold while queued.
  std::uint32_t active : 1 = 0;    ///< Not cancelled and, if one-shot, not yet fired (`isActive`).
  std::uint32_t zero : 1 = 0;      ///< Created with zero milliseconds: lives in the zero FIFO.
  std::uint32_t periodic : 1 = 0;  ///< Re-arms after each call.
  std::uint32_t fired : 1 = 0;     ///< A one-shot timer that has run (its `tick` is 1).
  std::uint32_t free : 1 = 0;      ///< Slot is on the free list.

  static constexpr std::uint32_t not_in_heap = ~std::uint32_t{0};  ///< `heap_index` when absent.
};

/// @brief A zero-duration timer waiting for its event, with its place in the VM's order.
///
/// `Timer::run` gives no handle (Dart's `Timer.run` returns `void`), so such a timer can
/// never be cancelled and needs no node: its callback travels in its event and only its
/// key waits here. Timers that have a handle keep a node and name it in `slot`.
struct ZeroTimer {
  static constexpr TimerSlot no_slot = ~TimerSlot{0};  ///< `slot` of a handle-less timer.

  std::int64_t wakeup_ms = 0;  ///< Loop milliseconds when it was created (`_wakeupTime`).
  TaskId id = 0;               ///< Creation order (`_id`).
  std::source_location where;  ///< The call that created it.
  TimerSlot slot = no_slot;    ///< Its node, or `no_slot`.
};

/// @brief Pool, heap and zero FIFO of one loop's timers, in the VM's order.
///
/// Mirrors the VM's `_Timer` statics (`timer_impl.dart`): zero-duration timers
/// wait in a FIFO (each also has its own event in the event queue); the others
/// wait in a binary heap ordered by `(wakeup_ms, id)`. The loop asks for a
/// *batch* when a zero-timer event or a timeout event is handled, exactly as
/// `_queueFromZeroEvent` and `_queueFromTimeoutEvent` build theirs.
class TimerQueue {
 public:
  TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;
  ~TimerQueue();

  /// @brief Allocates a node (one reference held by the caller), not yet queued.
  TimerSlot create(TimerCallback&& callback, std::int64_t milliseconds, bool periodic,
                   std::source_location where);

  /// @brief The node in @p slot.
  [[nodiscard]] TimerNode& node(TimerSlot slot) noexcept {
    return chunks_[slot >> chunk_bits][slot & (chunk_size - 1)];
  }
  /// @brief The node in @p slot (read-only).
  [[nodiscard]] const TimerNode& node(TimerSlot slot) const noexcept {
    return chunks_[slot >> chunk_bits][slot & (chunk_size - 1)];
  }

  /// @brief Takes one more reference to @p slot.
  void add_ref(TimerSlot slot) noexcept {
    TimerNode& n = node(slot);
    ++n.refs;  // NOLINT(*-narrowing-conversions): a 27-bit count, never near its limit
  }
  /// @brief Drops a reference; the node is freed when none is left.
  void release(TimerSlot slot) noexcept {
    TimerNode& n = node(slot);
    if (--n.refs == 0) free_slot(slot, n);  // NOLINT(*-narrowing-conversions)
  }

  /// @brief Queues a timer: zero FIFO for zero timers, heap otherwise (takes a reference).
  void enqueue(TimerSlot slot);
  /// @brief Queues the key of a handle-less zero timer (its callback is in its event).
  void enqueue_zero(std::int64_t wakeup_ms, TaskId id, std::source_location where) {
    zero_.emplace_back(ZeroTimer{wakeup_ms, id, where, ZeroTimer::no_slot});
  }
  /// @brief Removes a heap timer from the heap (zero timers stay: their event must consume them).
  void remove_from_heap(TimerSlot slot) noexcept;

  /// @brief `(wakeup_ms, id)` order: true if @p a is due before @p b.
  [[nodiscard]] bool before(TimerSlot a, TimerSlot b) const noexcept {
    const TimerNode& x = node(a);
    const TimerNode& y = node(b);
    return x.wakeup_ms != y.wakeup_ms ? x.wakeup_ms < y.wakeup_ms : x.id < y.id;
  }
  /// @brief `(wakeup_ms, id)` order between a heap timer and a zero timer.
  [[nodiscard]] bool before(TimerSlot a, const ZeroTimer& z) const noexcept {
    const TimerNode& x = node(a);
    return x.wakeup_ms != z.wakeup_ms ? x.wakeup_ms < z.wakeup_ms : x.id < z.id;
  }

  /// @brief True when the heap holds no timer.
  [[nodiscard]] bool heap_empty() const noexcept { return heap_.empty(); }
  /// @brief The heap timer due first.
  [[nodiscard]] TimerSlot heap_top() const noexcept { return heap_.front(); }
  /// @brief True when no zero timer waits for its event.
  [[nodiscard]] bool zero_empty() const noexcept { return zero_.empty(); }
  /// @brief True when no timer of either kind is queued.
  [[nodiscard]] bool empty() const noexcept { return heap_.empty() && zero_.empty(); }

  /// @brief The batch for a zero-timer event: heap timers due before the first zero timer, then
  /// that timer's node if it has one; returns the zero timer taken off the FIFO.
  ZeroTimer collect_for_zero_event(std::vector<TimerSlot>& batch) {
    if (heap_.empty() && !zero_.empty() && zero_.front().slot == ZeroTimer::no_slot) {
      return zero_.pop_front();  // the common case: nothing else is due, nothing to batch
    }
    return collect_batch_for_zero_event(batch);
  }
  /// @brief The batch for a timeout event at @p now_ms (see `_queueFromTimeoutEvent`).
  void collect_for_timeout(std::int64_t now_ms, std::vector<TimerSlot>& batch);

  /// @brief Period in milliseconds of a periodic timer.
  [[nodiscard]] std::int64_t period_ms(TimerSlot slot) const;
  /// @brief Number of periods that have passed for the timer (Dart's `Timer.tick`).
  [[nodiscard]] std::int64_t tick(TimerSlot slot) const;
  /// @brief Adds @p n to a periodic timer's tick count.
  void add_ticks(TimerSlot slot, std::int64_t n);

  /// @brief Every queued timer in firing order (zero FIFO interleaved by the heap rule), for
  /// snapshots.
  [[nodiscard]] std::vector<PendingTimer> pending_in_order() const;

  /// @brief Number of timers in the heap or the zero FIFO.
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size() + zero_.size(); }

  /// @brief Drops every queued timer (the isolate is ending); handles stay valid.
  void clear() noexcept;

 private:
  static constexpr unsigned chunk_bits = 10;
  static constexpr TimerSlot chunk_size = TimerSlot{1} << chunk_bits;

  ZeroTimer collect_batch_for_zero_event(std::vector<TimerSlot>& batch);
  void free_slot(TimerSlot slot, TimerNode& n) noexcept;
  void sift_up(std::uint32_t i) noexcept;
  void sift_down(std::uint32_t i) noexcept;
  void place(std::uint32_t i, TimerSlot slot) noexcept {
    heap_[i] = slot;
    node(slot).heap_index = i;
  }
  TimerSlot heap_pop() noexcept;

  struct Periodic {
    std::int64_t period_ms = 0;
    std::int64_t tick = 0;
  };

  std::vector<std::unique_ptr<TimerNode[]>> chunks_;  // stable addresses, no doubling copies
  TimerSlot next_unused_ = 0;
  TimerSlot free_head_ = 0;  // valid when free_count_ > 0; links through `wakeup_ms`
  std::uint32_t free_count_ = 0;
  std::vector<TimerSlot> heap_;
  detail::RingQueue<ZeroTimer> zero_;
  std::unordered_map<TimerSlot, Periodic> periodic_;
};

}  // namespace dartloop
