// Layer 2: the queues under the loop: RingQueue, MicrotaskQueue, EventQueue and TimerQueue.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <random>
#include <source_location>
#include <string>
#include <utility>
#include <vector>

#include "dartloop/detail/chunked_fifo.hpp"
#include "dartloop/detail/ring_queue.hpp"
#include "dartloop/event_queue.hpp"
#include "dartloop/microtask_queue.hpp"
#include "dartloop/timer_queue.hpp"
#include "support.hpp"

using dartloop::Event;
using dartloop::EventKind;
using dartloop::EventQueue;
using dartloop::Microtask;
using dartloop::MicrotaskQueue;
using dartloop::TaskId;
using dartloop::TaskInfo;
using dartloop::TimerNode;
using dartloop::TimerQueue;
using dartloop::TimerSlot;
using dartloop::detail::RingQueue;
using dartloop::test::Counted;
using dartloop::test::Lifetime;

static_assert(sizeof(TimerNode) <= 56, "a timer node must stay within 56 bytes");

namespace {

template <class T>
std::vector<T> drain(RingQueue<T>& q) {
  std::vector<T> out;
  while (!q.empty()) out.push_back(q.pop_front());
  return out;
}

std::vector<int> iota(int from, int to) {
  std::vector<int> v;
  for (int i = from; i < to; ++i) v.push_back(i);
  return v;
}

Microtask microtask(TaskId id) {
  return Microtask{dartloop::Task{[] {}}, TaskInfo{id, 0, {}}};
}

std::vector<TaskId> pop_all(MicrotaskQueue& q) {
  std::vector<TaskId> ids;
  while (!q.empty()) ids.push_back(q.pop().info.id);
  return ids;
}

/// A timer queue plus the bookkeeping the loop does around it (wake-up time and id).
class Timers {
 public:
  Timers() = default;
  Timers(const Timers&) = delete;
  Timers& operator=(const Timers&) = delete;
  ~Timers() {
    for (TimerSlot s : handles_) queue.release(s);
  }

  /// Creates and queues a timer due at @p wakeup with tie-break @p id; keeps one handle.
  TimerSlot add(std::int64_t milliseconds, std::int64_t wakeup, TaskId id, bool periodic = false) {
    const TimerSlot slot = queue.create([this, id](dartloop::Timer&) { fired.push_back(id); },
                                        milliseconds, periodic, std::source_location::current());
    queue.node(slot).wakeup_ms = wakeup;
    queue.node(slot).id = id;
    queue.enqueue(slot);
    handles_.push_back(slot);
    return slot;
  }

  /// Ids of the batch's timers, and releases the queue's references the batch inherited.
  std::vector<TaskId> ids(const std::vector<TimerSlot>& batch) {
    std::vector<TaskId> out;
    for (TimerSlot s : batch) {
      out.push_back(queue.node(s).id);
      queue.release(s);
    }
    return out;
  }

  std::vector<TaskId> timeout(std::int64_t now_ms) {
    std::vector<TimerSlot> batch;
    queue.collect_for_timeout(now_ms, batch);
    return ids(batch);
  }

  std::vector<TaskId> zero_event() {
    std::vector<TimerSlot> batch;
    queue.collect_for_zero_event(batch);
    return ids(batch);
  }

  TimerQueue queue;
  std::vector<TaskId> fired;

 private:
  std::vector<TimerSlot> handles_;
};

}  // namespace

// ---------------------------------------------------------------------------------------
// RingQueue
// ---------------------------------------------------------------------------------------

TEST_CASE("a ring queue is first in, first out", "[queues]") {
  RingQueue<int> q;
  CHECK(q.empty());
  for (int i = 0; i < 5; ++i) q.emplace_back(i);
  CHECK(q.size() == 5);
  CHECK(q.front() == 0);
  CHECK(drain(q) == iota(0, 5));
  CHECK(q.empty());
}

TEST_CASE("a ring queue grows past its first capacity and keeps the order", "[queues]") {
  RingQueue<std::string> q;
  for (int i = 0; i < 1000; ++i) q.emplace_back(std::to_string(i));
  REQUIRE(q.size() == 1000);
  for (std::size_t i = 0; i < 1000; ++i) CHECK(q[i] == std::to_string(i));
  std::vector<std::string> out = drain(q);
  REQUIRE(out.size() == 1000);
  CHECK(out.front() == "0");
  CHECK(out.back() == "999");
}

TEST_CASE("a ring queue wraps around its storage and keeps the order", "[queues]") {
  RingQueue<int> q;
  for (int i = 0; i < 12; ++i) q.emplace_back(i);  // capacity 16
  for (int i = 0; i < 10; ++i) CHECK(q.pop_front() == i);
  for (int i = 12; i < 24; ++i) q.emplace_back(i);  // wraps past the end of the ring
  CHECK(q.size() == 14);
  for (std::size_t i = 0; i < q.size(); ++i) CHECK(q[i] == 10 + static_cast<int>(i));
  CHECK(drain(q) == iota(10, 24));
}

TEST_CASE("a ring queue that grows while wrapped keeps the order", "[queues]") {
  RingQueue<int> q;
  for (int i = 0; i < 16; ++i) q.emplace_back(i);
  for (int i = 0; i < 8; ++i) q.pop_front();
  for (int i = 16; i < 40; ++i) q.emplace_back(i);  // wrapped, then grows twice
  CHECK(drain(q) == iota(8, 40));
}

TEST_CASE("insert_at puts an element before the one at that index", "[queues]") {
  RingQueue<int> q;
  for (int i = 0; i < 4; ++i) q.emplace_back(i * 10);  // 0 10 20 30
  q.insert_at(0, -1);                                  // -1 0 10 20 30
  q.insert_at(2, 5);                                   // -1 0 5 10 20 30
  q.insert_at(q.size(), 99);                           // at the end
  CHECK(drain(q) == std::vector<int>{-1, 0, 5, 10, 20, 30, 99});
}

TEST_CASE("insert_at works on an empty, a full and a wrapped ring", "[queues]") {
  RingQueue<int> empty;
  empty.insert_at(0, 7);
  CHECK(drain(empty) == std::vector<int>{7});

  RingQueue<int> full;
  for (int i = 0; i < 16; ++i) full.emplace_back(i);  // exactly the first capacity
  full.insert_at(3, 100);
  std::vector<int> expected = iota(0, 16);
  expected.insert(expected.begin() + 3, 100);
  CHECK(drain(full) == expected);

  RingQueue<int> wrapped;
  for (int i = 0; i < 16; ++i) wrapped.emplace_back(i);
  for (int i = 0; i < 14; ++i) wrapped.pop_front();  // head near the end of the ring
  for (int i = 16; i < 20; ++i) wrapped.emplace_back(i);
  wrapped.insert_at(1, 50);  // 14 50 15 16 17 18 19
  wrapped.insert_at(0, 40);  // 40 14 50 15 ...
  CHECK(drain(wrapped) == std::vector<int>{40, 14, 50, 15, 16, 17, 18, 19});
}

TEST_CASE("a ring queue destroys each element exactly once: popped, cleared or left at the end",
          "[queues]") {
  Lifetime life;
  {
    RingQueue<Counted> q;
    for (int i = 0; i < 40; ++i) q.emplace_back(life);  // grows twice, relocating
    q.insert_at(5, life);
    CHECK(life.live == 41);
    { Counted c = q.pop_front(); }
    CHECK(life.live == 40);
    for (int i = 0; i < 10; ++i) q.pop_front();
    CHECK(life.live == 30);
    q.clear();
    CHECK(life.live == 0);
    for (int i = 0; i < 20; ++i) q.emplace_back(life);
  }
  CHECK(life.live == 0);
  CHECK(life.double_destroyed == 0);
}

// ---------------------------------------------------------------------------------------
// MicrotaskQueue
// ---------------------------------------------------------------------------------------

TEST_CASE("the microtask queue is first in, first out", "[queues]") {
  MicrotaskQueue q;
  for (TaskId id = 1; id <= 50; ++id) q.push(microtask(id));
  CHECK(q.size() == 50);
  CHECK(q.info(0).id == 1);
  CHECK(q.info(49).id == 50);
  std::vector<TaskId> expected;
  for (TaskId id = 1; id <= 50; ++id) expected.push_back(id);
  CHECK(pop_all(q) == expected);
}

TEST_CASE("a priority microtask goes to the front of the queue", "[queues]") {
  MicrotaskQueue q;
  q.push(microtask(1));
  q.push(microtask(2));
  q.begin_task();
  q.push_priority(microtask(100));
  CHECK(pop_all(q) == std::vector<TaskId>{100, 1, 2});
}

TEST_CASE("priority microtasks of one running task stay in the order they were added", "[queues]") {
  MicrotaskQueue q;
  q.push(microtask(1));
  q.push(microtask(2));
  q.begin_task();
  q.push_priority(microtask(100));
  q.push(microtask(3));  // ordinary ones still go to the tail
  q.push_priority(microtask(101));
  q.push_priority(microtask(102));
  CHECK(pop_all(q) == std::vector<TaskId>{100, 101, 102, 1, 2, 3});
}

TEST_CASE("a priority microtask goes to the very front once another task has started", "[queues]") {
  MicrotaskQueue q;
  q.push(microtask(1));
  q.push(microtask(2));
  q.push(microtask(3));
  q.begin_task();
  q.push_priority(microtask(100));
  q.push_priority(microtask(101));  // 100 101 1 2 3

  // pop() starts a new microtask: its priority entries go ahead of the older ones left.
  CHECK(q.pop().info.id == 100);
  q.push_priority(microtask(200));  // 200 101 1 2 3
  CHECK(pop_all(q) == std::vector<TaskId>{200, 101, 1, 2, 3});
}

TEST_CASE("begin_task forgets the priority position of the previous task", "[queues]") {
  MicrotaskQueue q;
  q.push(microtask(1));
  q.begin_task();
  q.push_priority(microtask(100));  // 100 1
  q.begin_task();                   // an event starts
  q.push_priority(microtask(200));  // 200 100 1
  CHECK(pop_all(q) == std::vector<TaskId>{200, 100, 1});
}

TEST_CASE("a priority microtask on an empty queue is simply the only entry", "[queues]") {
  MicrotaskQueue q;
  q.begin_task();
  q.push_priority(microtask(100));
  q.push(microtask(1));
  q.push_priority(microtask(101));
  CHECK(pop_all(q) == std::vector<TaskId>{100, 101, 1});
}

TEST_CASE("clearing the microtask queue destroys the queued tasks unrun", "[queues]") {
  Lifetime life;
  bool ran = false;
  MicrotaskQueue q;
  for (int i = 0; i < 20; ++i) {
    q.push(Microtask{[c = Counted(life), &ran] { (void)c, ran = true; }, TaskInfo{}});
  }
  CHECK(life.live == 20);
  q.clear();
  CHECK(q.empty());
  CHECK(life.live == 0);
  CHECK_FALSE(ran);
}

// ---------------------------------------------------------------------------------------
// EventQueue
// ---------------------------------------------------------------------------------------

TEST_CASE("the event queue is first in, first out across event kinds", "[queues]") {
  EventQueue q;
  const EventKind kinds[] = {EventKind::task, EventKind::zero_timer, EventKind::timeout,
                             EventKind::zero_timer, EventKind::task};
  TaskId id = 0;
  for (EventKind k : kinds) q.push(Event{k, dartloop::Task{}, TaskInfo{++id, 0, {}}});
  CHECK(q.size() == 5);
  CHECK(q[0].info.id == 1);
  CHECK(q[4].kind == EventKind::task);
  for (TaskId expected = 1; expected <= 5; ++expected) {
    const Event e = q.pop();
    CHECK(e.info.id == expected);
    CHECK(e.kind == kinds[expected - 1]);
  }
  CHECK(q.empty());
}

TEST_CASE("a popped event still holds its code", "[queues]") {
  EventQueue q;
  int calls = 0;
  q.push(Event{EventKind::task, [&calls] { ++calls; }, TaskInfo{}});
  Event e = q.pop();
  REQUIRE(e.fn);
  e.fn();
  CHECK(calls == 1);
}

TEST_CASE("clearing the event queue destroys the queued events unrun", "[queues]") {
  Lifetime life;
  {
    EventQueue q;
    for (int i = 0; i < 5; ++i)
      q.push(Event{EventKind::task, [c = Counted(life)] { (void)c; }, {}});
    q.clear();
    CHECK(life.live == 0);
    q.push(Event{EventKind::task, [c = Counted(life)] { (void)c; }, {}});
  }
  CHECK(life.live == 0);
  CHECK(life.double_destroyed == 0);
}

// ---------------------------------------------------------------------------------------
// TimerQueue
// ---------------------------------------------------------------------------------------

TEST_CASE("a timer node fits in 56 bytes", "[queues]") { CHECK(sizeof(TimerNode) <= 56); }

TEST_CASE("heap timers come out by wake-up time, then by id", "[queues]") {
  Timers t;
  t.add(5, 6, 1);
  t.add(1, 2, 2);
  t.add(5, 6, 3);
  t.add(3, 4, 4);
  t.add(1, 2, 5);
  CHECK(t.queue.size() == 5);
  CHECK_FALSE(t.queue.heap_empty());
  CHECK(t.queue.node(t.queue.heap_top()).id == 2);
  CHECK(t.timeout(100) == std::vector<TaskId>{2, 5, 4, 1, 3});
  CHECK(t.queue.empty());
}

TEST_CASE("equal wake-ups are ordered by id, not by insertion order", "[queues]") {
  Timers t;
  t.add(1, 10, 9);
  t.add(1, 10, 3);
  t.add(1, 10, 7);
  CHECK(t.timeout(10) == std::vector<TaskId>{3, 7, 9});
}

TEST_CASE("a timeout batch holds exactly the heap timers due by now", "[queues]") {
  Timers t;
  t.add(1, 2, 1);
  t.add(2, 3, 2);
  t.add(4, 5, 3);
  CHECK(t.timeout(1).empty());
  CHECK(t.timeout(3) == std::vector<TaskId>{1, 2});
  CHECK(t.queue.size() == 1);
  CHECK(t.timeout(5) == std::vector<TaskId>{3});
}

TEST_CASE("a large heap releases timers in (wake-up, id) order", "[queues]") {
  Timers t;
  std::mt19937 rng(1234);
  std::uniform_int_distribution<std::int64_t> wakeup(1, 50);
  std::vector<std::pair<std::int64_t, TaskId>> expected;
  for (TaskId id = 1; id <= 500; ++id) {
    const std::int64_t w = wakeup(rng);
    t.add(w, w, id);
    expected.emplace_back(w, id);
  }
  std::sort(expected.begin(), expected.end());
  std::vector<TaskId> expected_ids;
  for (const auto& [w, id] : expected) expected_ids.push_back(id);
  CHECK(t.timeout(1000) == expected_ids);
}

TEST_CASE("remove_from_heap takes a timer out and keeps the heap ordered", "[queues]") {
  Timers t;
  std::mt19937 rng(99);
  std::uniform_int_distribution<std::int64_t> wakeup(1, 30);
  std::vector<std::pair<std::int64_t, TaskId>> kept;
  for (TaskId id = 1; id <= 200; ++id) {
    const std::int64_t w = wakeup(rng);
    const TimerSlot s = t.add(w, w, id);
    if (id % 3 == 0) {
      t.queue.remove_from_heap(s);
      CHECK(t.queue.node(s).heap_index == TimerNode::not_in_heap);
    } else {
      kept.emplace_back(w, id);
    }
  }
  CHECK(t.queue.size() == kept.size());
  std::sort(kept.begin(), kept.end());
  std::vector<TaskId> expected;
  for (const auto& [w, id] : kept) expected.push_back(id);
  CHECK(t.timeout(1000) == expected);
}

TEST_CASE("remove_from_heap of a timer not in the heap changes nothing", "[queues]") {
  Timers t;
  const TimerSlot a = t.add(1, 2, 1);
  t.add(1, 2, 2);
  t.queue.remove_from_heap(a);
  t.queue.remove_from_heap(a);  // second time: already out
  CHECK(t.queue.size() == 1);
  CHECK(t.timeout(2) == std::vector<TaskId>{2});
}

TEST_CASE("zero timers wait in a FIFO, whatever their ids", "[queues]") {
  Timers t;
  t.add(0, 0, 5);
  t.add(0, 0, 2);
  t.add(0, 0, 9);
  CHECK(t.queue.heap_empty());
  CHECK_FALSE(t.queue.zero_empty());
  CHECK(t.zero_event() == std::vector<TaskId>{5});
  CHECK(t.zero_event() == std::vector<TaskId>{2});
  CHECK(t.zero_event() == std::vector<TaskId>{9});
  CHECK(t.queue.zero_empty());
  CHECK(t.zero_event().empty());  // an event with no zero timer left collects nothing
}

TEST_CASE("a zero event runs the heap timers that are less than its zero timer first", "[queues]") {
  // As `_queueFromZeroEvent`: heap timers before the first zero timer in (wake-up, id) order
  // come first, then that one zero timer; later heap timers stay.
  Timers t;
  t.add(1, 2, 1);  // due at 2, before the zero timer created at 5
  t.add(3, 5, 2);  // due at 5, id 2 < 4: also before it
  t.add(0, 5, 4);  // the zero timer, created at 5
  t.add(1, 5, 6);  // due at 5 but created after it (id 6): stays
  t.add(4, 9, 3);  // due later: stays
  t.add(0, 5, 7);  // a second zero timer waits for its own event
  CHECK(t.zero_event() == std::vector<TaskId>{1, 2, 4});
  CHECK(t.queue.size() == 3);
  CHECK(t.zero_event() == std::vector<TaskId>{6, 7});
  CHECK(t.timeout(100) == std::vector<TaskId>{3});
}

TEST_CASE("a timeout event while zero timers wait runs only heap timers less than the first one",
          "[queues]") {
  // As `_queueFromTimeoutEvent`: the zero timer itself is left for its own event, and heap
  // timers after it stay even if due.
  Timers t;
  t.add(1, 2, 1);
  t.add(1, 3, 2);
  t.add(0, 3, 3);  // zero timer created at 3
  t.add(1, 3, 4);  // due at 3, after the zero timer in (wake-up, id) order
  CHECK(t.timeout(3) == std::vector<TaskId>{1, 2});
  CHECK(t.queue.size() == 2);
  CHECK_FALSE(t.queue.zero_empty());
  CHECK(t.zero_event() == std::vector<TaskId>{3});
  CHECK(t.timeout(3) == std::vector<TaskId>{4});
}

TEST_CASE("a timeout event with no zero timer waiting ignores timers not yet due", "[queues]") {
  Timers t;
  t.add(1, 4, 1);
  CHECK(t.timeout(3).empty());
  CHECK(t.queue.size() == 1);
}

TEST_CASE("pending_in_order lists zero and heap timers in firing order", "[queues]") {
  Timers t;
  t.add(5, 7, 1);
  t.add(0, 1, 2);
  t.add(1, 3, 3);
  t.add(0, 3, 4);
  std::vector<TaskId> ids;
  for (const dartloop::PendingTimer& p : t.queue.pending_in_order()) ids.push_back(p.info.id);
  CHECK(ids == std::vector<TaskId>{2, 3, 4, 1});
}

TEST_CASE("a freed timer slot is reused by the next timer", "[queues]") {
  TimerQueue q;
  const auto where = std::source_location::current();
  const TimerSlot a = q.create([](dartloop::Timer&) {}, 1, false, where);
  const TimerSlot b = q.create([](dartloop::Timer&) {}, 1, false, where);
  CHECK(a != b);
  q.release(b);
  CHECK(q.node(b).free);
  const TimerSlot c = q.create([](dartloop::Timer&) {}, 2, false, where);
  CHECK(c == b);
  CHECK_FALSE(q.node(c).free);
  CHECK(q.node(c).active);
  CHECK(q.node(c).heap_index == TimerNode::not_in_heap);
  q.release(a);
  q.release(c);
  // Both free again: two new timers take exactly those two slots.
  const TimerSlot d = q.create([](dartloop::Timer&) {}, 1, false, where);
  const TimerSlot e = q.create([](dartloop::Timer&) {}, 1, false, where);
  CHECK(((d == a && e == c) || (d == c && e == a)));
  q.release(d);
  q.release(e);
}

TEST_CASE("a queued timer stays allocated until the queue and every handle release it",
          "[queues]") {
  Lifetime life;
  TimerQueue q;
  const TimerSlot s = q.create([c = Counted(life)](dartloop::Timer&) { (void)c; }, 3, false, {});
  q.node(s).wakeup_ms = 4;
  q.node(s).id = 1;
  q.enqueue(s);
  CHECK(q.node(s).refs == 2);  // the handle and the heap
  q.release(s);                // the handle goes away: the heap still holds it
  CHECK_FALSE(q.node(s).free);
  CHECK(life.live == 1);
  std::vector<TimerSlot> batch;
  q.collect_for_timeout(4, batch);
  REQUIRE(batch == std::vector<TimerSlot>{s});
  q.release(s);  // the batch's reference
  CHECK(q.node(s).free);
  CHECK(life.live == 0);
}

TEST_CASE("periodic timers keep their period and count ticks", "[queues]") {
  TimerQueue q;
  const TimerSlot p = q.create([](dartloop::Timer&) {}, 10, true, {});
  const TimerSlot o = q.create([](dartloop::Timer&) {}, 10, false, {});
  CHECK(q.period_ms(p) == 10);
  CHECK(q.period_ms(o) == 0);
  CHECK(q.tick(p) == 0);
  q.add_ticks(p, 1);
  q.add_ticks(p, 3);
  CHECK(q.tick(p) == 4);
  CHECK(q.tick(o) == 0);
  q.node(o).fired = 1;
  CHECK(q.tick(o) == 1);
  q.release(p);
  q.release(o);
}

TEST_CASE("clearing the timer queue drops queued timers and their callbacks", "[queues]") {
  Lifetime life;
  TimerQueue q;
  std::vector<TimerSlot> handles;
  for (std::int64_t ms = 0; ms < 6; ++ms) {
    const TimerSlot s = q.create([c = Counted(life)](dartloop::Timer&) { (void)c; }, ms, false, {});
    q.node(s).wakeup_ms = ms == 0 ? 0 : ms + 1;
    q.node(s).id = static_cast<TaskId>(ms + 1);
    q.enqueue(s);
    handles.push_back(s);
  }
  CHECK(q.size() == 6);
  q.clear();
  CHECK(q.empty());
  CHECK(life.live == 0);
  for (TimerSlot s : handles) {
    CHECK_FALSE(q.node(s).active);  // handles still read a valid, inactive node
    q.release(s);
  }
}

TEST_CASE("an element running in place survives two growths of its ring and is freed once",
          "[queues]") {
  int alive = 0;
  struct Tracked {
    int* alive;
    explicit Tracked(int* a) : alive(a) { ++*alive; }
    Tracked(Tracked&& o) noexcept : alive(o.alive) { ++*alive; }
    Tracked(const Tracked&) = delete;
    Tracked& operator=(const Tracked&) = delete;
    Tracked& operator=(Tracked&&) = delete;
    ~Tracked() { --*alive; }
  };
  {
    dartloop::detail::RingQueue<Tracked> ring;
    ring.emplace_back(&alive);
    Tracked& running = ring.take_front();
    for (int i = 0; i < 100; ++i) ring.emplace_back(&alive);  // grows 16 -> 32 -> 64 -> 128
    CHECK(running.alive == &alive);  // still readable: its storage was kept
    CHECK(alive == 101);
    ring.insert_at(0, &alive);  // a priority insert must not overwrite it either
    CHECK(running.alive == &alive);
    ring.release_taken();
    CHECK(alive == 101);
    CHECK(ring.size() == 101);
  }
  CHECK(alive == 0);  // and LeakSanitizer sees no retired storage left behind
}

// --- ChunkedFifo: the buffer of a stream subscription --------------------------------------

TEST_CASE("a chunked fifo keeps FIFO order across many blocks, while it is being drained too",
          "[queues]") {
  dartloop::detail::ChunkedFifo<std::string> fifo;
  int next_in = 0;
  int next_out = 0;
  // Bursts that fill several growing blocks, interleaved with partial drains.
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 5000; ++i) fifo.emplace_back(std::to_string(next_in++));
    for (int i = 0; i < 3000; ++i) REQUIRE(fifo.pop_front() == std::to_string(next_out++));
  }
  CHECK(fifo.size() == static_cast<std::size_t>(next_in - next_out));
  while (!fifo.empty()) REQUIRE(fifo.pop_front() == std::to_string(next_out++));
  CHECK(next_out == next_in);
}

TEST_CASE("a chunked fifo destroys each element exactly once: popped, cleared or left behind",
          "[queues]") {
  using dartloop::test::Counted;
  using dartloop::test::Lifetime;
  Lifetime lifetime;
  {
    dartloop::detail::ChunkedFifo<Counted> fifo;
    for (int i = 0; i < 1000; ++i) fifo.emplace_back(lifetime);
    for (int i = 0; i < 10; ++i) (void)fifo.pop_front();
    CHECK(lifetime.live == 990);
    fifo.clear();
    CHECK(lifetime.live == 0);
    CHECK(fifo.empty());
    for (int i = 0; i < 100; ++i) fifo.emplace_back(lifetime);  // reuses the kept block
    CHECK(fifo.size() == 100);
  }
  CHECK(lifetime.live == 0);
  CHECK(lifetime.double_destroyed == 0);
}

TEST_CASE("a chunked fifo that holds one element at a time reuses its first block", "[queues]") {
  dartloop::detail::ChunkedFifo<int> fifo;
  fifo.emplace_back(1);
  const int* first = &fifo.front();
  for (int i = 2; i < 100; ++i) {
    CHECK(fifo.pop_front() == i - 1);
    fifo.emplace_back(i);
    CHECK(&fifo.front() == first);  // no new block: the emptied one starts over
  }
}
