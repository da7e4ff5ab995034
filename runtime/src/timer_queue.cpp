#include "dartloop/timer_queue.hpp"

#include <algorithm>
#include <cassert>

namespace dartloop {

TimerQueue::TimerQueue() = default;
TimerQueue::~TimerQueue() = default;

TimerSlot TimerQueue::create(TimerCallback&& callback, std::int64_t milliseconds, bool periodic,
                             std::source_location where) {
  TimerSlot slot = 0;
  if (free_count_ > 0) {
    slot = free_head_;
    free_head_ = static_cast<TimerSlot>(node(slot).wakeup_ms);
    --free_count_;
  } else {
    slot = next_unused_++;
    if ((slot >> chunk_bits) == chunks_.size()) {
      chunks_.push_back(std::make_unique<TimerNode[]>(chunk_size));
    }
  }
  TimerNode& n = node(slot);
  n.callback = std::move(callback);
  n.wakeup_ms = 0;
  n.id = 0;
  n.where = where;
  n.heap_index = TimerNode::not_in_heap;
  n.refs = 1;
  n.active = 1;
  n.zero = milliseconds == 0 ? 1U : 0U;
  n.periodic = periodic ? 1U : 0U;
  n.fired = 0;
  n.free = 0;
  if (periodic) periodic_[slot] = Periodic{milliseconds, 0};
  return slot;
}

void TimerQueue::free_slot(TimerSlot slot, TimerNode& n) noexcept {
  assert(!n.free);
  n.callback.reset();
  if (n.periodic) periodic_.erase(slot);
  n.free = 1;
  n.wakeup_ms = free_count_ > 0 ? free_head_ : 0;
  free_head_ = slot;
  ++free_count_;
}

void TimerQueue::enqueue(TimerSlot slot) {
  add_ref(slot);
  const TimerNode& n = node(slot);
  if (n.zero) {
    zero_.emplace_back(ZeroTimer{n.wakeup_ms, n.id, n.where, slot});
    return;
  }
  heap_.push_back(slot);
  place(static_cast<std::uint32_t>(heap_.size() - 1), slot);
  sift_up(static_cast<std::uint32_t>(heap_.size() - 1));
}

void TimerQueue::remove_from_heap(TimerSlot slot) noexcept {
  TimerNode& n = node(slot);
  if (n.heap_index == TimerNode::not_in_heap) return;
  const std::uint32_t i = n.heap_index;
  const TimerSlot last = heap_.back();
  heap_.pop_back();
  n.heap_index = TimerNode::not_in_heap;
  if (i < heap_.size()) {
    place(i, last);
    sift_up(i);
    sift_down(node(last).heap_index);
  }
  release(slot);
}

TimerSlot TimerQueue::heap_pop() noexcept {
  // The caller inherits the heap's reference.
  const TimerSlot top = heap_.front();
  const TimerSlot last = heap_.back();
  heap_.pop_back();
  node(top).heap_index = TimerNode::not_in_heap;
  if (!heap_.empty()) {
    place(0, last);
    sift_down(0);
  }
  return top;
}

void TimerQueue::sift_up(std::uint32_t i) noexcept {
  const TimerSlot moving = heap_[i];
  while (i > 0) {
    const std::uint32_t parent = (i - 1) / 2;
    if (!before(moving, heap_[parent])) break;
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, moving);
}

void TimerQueue::sift_down(std::uint32_t i) noexcept {
  const TimerSlot moving = heap_[i];
  const auto n = static_cast<std::uint32_t>(heap_.size());
  while (true) {
    std::uint32_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], moving)) break;
    place(i, heap_[child]);
    i = child;
  }
  place(i, moving);
}

ZeroTimer TimerQueue::collect_batch_for_zero_event(std::vector<TimerSlot>& batch) {
  if (zero_.empty()) return {};
  const ZeroTimer first_zero = zero_.pop_front();
  // Heap timers that are "less" than the zero timer expired before it was created.
  while (!heap_.empty() && before(heap_.front(), first_zero)) batch.push_back(heap_pop());
  if (first_zero.slot != ZeroTimer::no_slot) batch.push_back(first_zero.slot);
  return first_zero;
}

void TimerQueue::collect_for_timeout(std::int64_t now_ms, std::vector<TimerSlot>& batch) {
  if (!zero_.empty()) {
    // The first zero timer was created at or before now, so everything before it is due;
    // the zero timer itself waits for its own event.
    const ZeroTimer& first_zero = zero_.front();
    while (!heap_.empty() && before(heap_.front(), first_zero)) batch.push_back(heap_pop());
    return;
  }
  while (!heap_.empty() && node(heap_.front()).wakeup_ms <= now_ms) batch.push_back(heap_pop());
}

std::int64_t TimerQueue::period_ms(TimerSlot slot) const {
  const auto it = periodic_.find(slot);
  return it == periodic_.end() ? 0 : it->second.period_ms;
}

std::int64_t TimerQueue::tick(TimerSlot slot) const {
  const auto it = periodic_.find(slot);
  if (it != periodic_.end()) return it->second.tick;
  return node(slot).fired ? 1 : 0;
}

void TimerQueue::add_ticks(TimerSlot slot, std::int64_t n) { periodic_[slot].tick += n; }

std::vector<PendingTimer> TimerQueue::pending_in_order() const {
  std::vector<PendingTimer> out;
  out.reserve(size());
  for (const TimerSlot slot : heap_) {
    const TimerNode& n = node(slot);
    out.push_back(PendingTimer{TaskInfo{n.id, 0, n.where}, n.wakeup_ms, period_ms(slot),
                               n.periodic != 0, n.active != 0});
  }
  for (std::size_t i = 0; i < zero_.size(); ++i) {
    const ZeroTimer& z = zero_[i];
    const bool has_node = z.slot != ZeroTimer::no_slot;
    out.push_back(PendingTimer{TaskInfo{z.id, 0, z.where}, z.wakeup_ms, 0,
                               has_node && node(z.slot).periodic != 0,
                               !has_node || node(z.slot).active != 0});
  }
  std::sort(out.begin(), out.end(), [](const PendingTimer& a, const PendingTimer& b) {
    return a.wakeup_ms != b.wakeup_ms ? a.wakeup_ms < b.wakeup_ms : a.info.id < b.info.id;
  });
  return out;
}

void TimerQueue::clear() noexcept {
  std::vector<TimerSlot> held(heap_.begin(), heap_.end());
  heap_.clear();
  while (!zero_.empty()) {
    const ZeroTimer z = zero_.pop_front();
    if (z.slot != ZeroTimer::no_slot) held.push_back(z.slot);
  }
  for (TimerSlot slot : held) {
    node(slot).heap_index = TimerNode::not_in_heap;
    node(slot).active = 0;
    node(slot).callback.reset();
    release(slot);
  }
}

}  // namespace dartloop
