// Layer 4: Dart's timers as the VM runs them (dart-semantics.md §1.5, `timer_impl.dart`).
// Every test runs on the virtual clock, so times are exact and nothing depends on the machine.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dartloop/clock.hpp"
#include "dartloop/errors.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/print.hpp"
#include "dartloop/timer.hpp"
#include "support.hpp"

using namespace std::chrono_literals;
using dartloop::ClockKind;
using dartloop::Duration;
using dartloop::EventLoop;
using dartloop::schedule_microtask;
using dartloop::Timer;
using dartloop::whole_milliseconds;
using dartloop::test::now_ms;

using Log = std::vector<std::string>;

namespace {

/// Records "label@ms" with the running loop's time in whole milliseconds.
struct Recorder {
  Log log;
  void operator()(const std::string& label) {
    log.push_back(label + "@" + std::to_string(now_ms()));
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------
// Durations: whole milliseconds, negatives as zero, and the VM's +1 ms.
// ---------------------------------------------------------------------------------------

TEST_CASE("durations are cut to whole milliseconds and negatives count as zero", "[timers]") {
  STATIC_REQUIRE(whole_milliseconds(999us) == 0);
  STATIC_REQUIRE(whole_milliseconds(1000us) == 1);
  STATIC_REQUIRE(whole_milliseconds(1500us) == 1);
  STATIC_REQUIRE(whole_milliseconds(1999us) == 1);
  STATIC_REQUIRE(whole_milliseconds(-5ms) == 0);
  STATIC_REQUIRE(whole_milliseconds(-1us) == 0);
  STATIC_REQUIRE(whole_milliseconds(std::chrono::seconds(2)) == 2000);
}

TEST_CASE("a 999 us timer is a zero timer: its own event, FIFO with Timer.run", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] {
    Timer(1ms, [&r] { r("1ms"); });
    Timer(999us, [&r] { r("999us"); });
    Timer::run([&r] { r("run"); });
    CHECK(EventLoop::current().pending_events() == 2);  // one event per zero timer
  });
  CHECK(r.log == Log{"999us@0", "run@0", "1ms@2"});
}

TEST_CASE("a 1500 us timer is a 1 ms timer and fires at 2 ms", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Duration fired_at{-1};
  loop.run([&fired_at] { Timer(1500us, [&fired_at] { fired_at = EventLoop::current().now(); }); });
  CHECK(fired_at == 2ms);
}

TEST_CASE("a negative duration is treated as zero", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] {
    Timer::run([&r] { r("run"); });
    Timer(-5ms, [&r] { r("negative"); });
    Timer(1ms, [&r] { r("1ms"); });
  });
  CHECK(r.log == Log{"run@0", "negative@0", "1ms@2"});
}

TEST_CASE("a 1 ms timer created at time 0 fires at 2 ms", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Duration fired_at{-1};
  loop.run([&fired_at] { Timer(1ms, [&fired_at] { fired_at = EventLoop::current().now(); }); });
  CHECK(fired_at == 2ms);
  CHECK(loop.now() == 2ms);
}

TEST_CASE("a non-zero timer created at t fires at t + 1 + its milliseconds", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] {
    Timer(10ms, [&r] {
      r("10ms");                                     // created at 0: due 11
      Timer(3ms, [&r] { r("3ms after 11"); });       // created at 11: due 15
      Timer(3500us, [&r] { r("3.5ms after 11"); });  // 3 ms as well: due 15, created later
    });
  });
  CHECK(r.log == Log{"10ms@11", "3ms after 11@15", "3.5ms after 11@15"});
}

TEST_CASE("a zero timer fires at the time it was created", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] {
    Timer(4ms, [&r] {
      r("4ms");
      Timer::run([&r] { r("run"); });
    });
  });
  CHECK(r.log == Log{"4ms@5", "run@5"});
}

// ---------------------------------------------------------------------------------------
// Order: (wake-up, creation), and zero timers as plain FIFO events.
// ---------------------------------------------------------------------------------------

TEST_CASE("timers with equal deadlines fire in creation order", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] {
    for (int i = 0; i < 6; ++i) Timer(5ms, [&r, i] { r("t" + std::to_string(i)); });
  });
  CHECK(r.log == Log{"t0@6", "t1@6", "t2@6", "t3@6", "t4@6", "t5@6"});
}

TEST_CASE("a timer created later with the same deadline fires later, whatever its duration",
          "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] {
    Timer(1ms, [&r] { Timer(3ms, [&r] { r("created at 2, 3ms"); }); });  // due 6
    Timer(5ms, [&r] { r("created at 0, 5ms"); });                        // due 6
  });
  CHECK(r.log == Log{"created at 0, 5ms@6", "created at 2, 3ms@6"});
}

TEST_CASE("timers fire in deadline order, not creation order", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] {
    Timer(30ms, [&r] { r("30"); });
    Timer(10ms, [&r] { r("10"); });
    Timer(20ms, [&r] { r("20"); });
    Timer(1ms, [&r] { r("1"); });
  });
  CHECK(r.log == Log{"1@2", "10@11", "20@21", "30@31"});
}

TEST_CASE("a zero timer beats a 1 ms timer created before it in the same millisecond", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] {
    Timer(1ms, [&r] { r("1ms"); });
    Timer::run([&r] { r("zero"); });
  });
  CHECK(r.log == Log{"zero@0", "1ms@2"});
}

TEST_CASE("zero timers fire in FIFO order", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] {
    for (int i = 0; i < 20; ++i) Timer::run([&r, i] { r(std::to_string(i)); });
  });
  REQUIRE(r.log.size() == 20);
  for (std::size_t i = 0; i < 20; ++i) CHECK(r.log[i] == std::to_string(i) + "@0");
}

TEST_CASE("zero timers and posted events share one FIFO", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.post([&r] {
    r("post 1");
    EventLoop::current().post([&r] { r("post of post 1"); });
    Timer::run([&r] { r("zero timer of post 1"); });
  });
  loop.post([&r] { r("post 2"); });
  loop.run([&r] {
    r("main");
    Timer::run([&r] { r("zero timer of main"); });
  });
  // The two early posts were queued before main's zero timer existed; post 1's zero timer
  // and post 1's own post follow in the order post 1 made them.
  CHECK(r.log == Log{"main@0", "post 1@0", "post 2@0", "zero timer of main@0", "post of post 1@0",
                     "zero timer of post 1@0"});
}

TEST_CASE("a zero event first runs the due heap timers that are less than its zero timer",
          "[timers]") {
  // Real clock, because only a busy task lets a heap timer fall due while its timeout message
  // is not yet queued. The order does not depend on how long the spin takes.
  EventLoop loop(ClockKind::real_time);
  Log log;
  loop.run([&log] {
    Timer(1ms, [&log] { log.push_back("heap timer"); });
    const Duration until = EventLoop::current().now() + 5ms;
    while (EventLoop::current().now() < until) {
      // spin: the heap timer is now overdue but its wake-up has not been queued
    }
    Timer::run([&log] { log.push_back("zero timer"); });
    Timer::run([&log] { log.push_back("second zero timer"); });
  });
  CHECK(log == Log{"heap timer", "zero timer", "second zero timer"});
}

// ---------------------------------------------------------------------------------------
// Batches.
// ---------------------------------------------------------------------------------------

TEST_CASE("microtasks are drained between the timers of one batch", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] {
    Timer(1ms, [&r] {
      r("t1");
      schedule_microtask([&r] {
        r("t1's microtask");
        schedule_microtask([&r] { r("t1's nested microtask"); });
      });
    });
    Timer(1ms, [&r] {
      r("t2");
      schedule_microtask([&r] { r("t2's microtask"); });
    });
  });
  CHECK(r.log ==
        Log{"t1@2", "t1's microtask@2", "t1's nested microtask@2", "t2@2", "t2's microtask@2"});
}

TEST_CASE("a timer created inside a callback never joins the running batch", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] {
    Timer(1ms, [&r] {
      r("t1");
      Timer::run([&r] { r("zero timer made by t1"); });
    });
    Timer(1ms, [&r] { r("t2"); });
    Timer(1ms, [&r] { r("t3"); });
  });
  CHECK(r.log == Log{"t1@2", "t2@2", "t3@2", "zero timer made by t1@2"});
}

TEST_CASE("events queued before a batch's new zero timer still run before it", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] {
    Timer(1ms, [&r] {
      r("t1");
      Timer::run([&r] { r("first"); });
      Timer::run([&r] { r("second"); });
    });
  });
  CHECK(r.log == Log{"t1@2", "first@2", "second@2"});
}

TEST_CASE("cancelling a later timer of the same batch prevents its call", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  std::optional<Timer> victim;
  bool victim_active_after_cancel = true;
  loop.run([&] {
    Timer(1ms, [&] {
      r("t1");
      victim->cancel();
      victim_active_after_cancel = victim->is_active();
    });
    victim.emplace(1ms, [&r] { r("victim"); });
    Timer(1ms, [&r] { r("t3"); });
  });
  victim.reset();
  CHECK(r.log == Log{"t1@2", "t3@2"});
  CHECK_FALSE(victim_active_after_cancel);
}

TEST_CASE("a microtask of the batch can cancel a later timer of the same batch", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  std::optional<Timer> victim;
  loop.run([&] {
    Timer(1ms, [&] {
      r("t1");
      schedule_microtask([&] { victim->cancel(); });
    });
    victim.emplace(1ms, [&r] { r("victim"); });
  });
  victim.reset();
  CHECK(r.log == Log{"t1@2"});
}

TEST_CASE("a cancelled timer is inactive and never fires", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  bool fired = false;
  bool active_before = false;
  bool active_after = true;
  loop.run([&] {
    Timer t(5ms, [&fired] { fired = true; });
    active_before = t.is_active();
    t.cancel();
    active_after = t.is_active();
    t.cancel();  // cancelling twice is harmless
  });
  CHECK(active_before);
  CHECK_FALSE(active_after);
  CHECK_FALSE(fired);
}

TEST_CASE("a cancelled zero timer never fires", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] {
    Timer a(Duration::zero(), [&r] { r("cancelled"); });
    Timer::run([&r] { r("kept"); });
    a.cancel();
    CHECK_FALSE(a.is_active());
  });
  CHECK(r.log == Log{"kept@0"});
}

TEST_CASE("cancelling a fired one-shot timer changes nothing", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  int calls = 0;
  std::optional<Timer> t;
  loop.run([&] {
    t.emplace(1ms, [&calls] { ++calls; });
    Timer(5ms, [&] {
      t->cancel();
      CHECK(t->tick() == 1);
    });
  });
  t.reset();
  CHECK(calls == 1);
}

// ---------------------------------------------------------------------------------------
// is_active and tick.
// ---------------------------------------------------------------------------------------

TEST_CASE("a one-shot timer's tick goes from 0 to 1 and it is inactive once it fired", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  std::optional<Timer> t;
  std::int64_t tick_before = -1;
  bool active_before = false;
  std::int64_t tick_inside = -1;
  bool active_inside = true;
  std::int64_t tick_after = -1;
  bool active_after = true;
  loop.run([&] {
    t.emplace(3ms, [&] {
      tick_inside = t->tick();
      active_inside = t->is_active();
    });
    tick_before = t->tick();
    active_before = t->is_active();
    Timer(10ms, [&] {
      tick_after = t->tick();
      active_after = t->is_active();
    });
  });
  t.reset();
  CHECK(tick_before == 0);
  CHECK(active_before);
  CHECK(tick_inside == 1);     // the VM counts the tick before calling
  CHECK_FALSE(active_inside);  // a one-shot timer is inactive inside its own callback
  CHECK(tick_after == 1);
  CHECK_FALSE(active_after);
}

TEST_CASE("a default-constructed timer handle is inactive with tick 0", "[timers]") {
  const Timer t;
  CHECK_FALSE(t.is_active());
  CHECK(t.tick() == 0);
}

TEST_CASE("a periodic timer passes itself to its callback and stays active there", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  std::optional<Timer> handle;
  bool same = false;
  bool active_inside = false;
  bool active_after_cancel = true;
  loop.run([&] {
    handle = Timer::periodic(2ms, [&](Timer& self) {
      same = self == *handle;
      active_inside = self.is_active();
      self.cancel();
      active_after_cancel = handle->is_active();
    });
  });
  handle.reset();
  CHECK(same);
  CHECK(active_inside);
  CHECK_FALSE(active_after_cancel);
}

// ---------------------------------------------------------------------------------------
// Periodic timers.
// ---------------------------------------------------------------------------------------

TEST_CASE("a periodic timer fires at a fixed rate without drift", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Log log;
  loop.run([&log] {
    Timer(1ms, [&log] {  // start at 2 ms, so the ticks are 2 + 1 + 10k
      Timer::periodic(10ms, [&log](Timer& t) {
        log.push_back(std::to_string(t.tick()) + "@" + std::to_string(now_ms()));
        // Slow work inside a tick (microtasks, more events) must not shift the next ones.
        schedule_microtask([] { Timer::run([] {}); });
        if (t.tick() == 5) t.cancel();
      });
    });
  });
  CHECK(log == Log{"1@13", "2@23", "3@33", "4@43", "5@53"});
}

TEST_CASE("a periodic timer that falls behind skips the missed ticks with one callback",
          "[timers]") {
  // The API doc of Timer.tick: a 1 s periodic timer whose first callback takes 3.5 s reports
  // tick 1 and then tick 4. The long callback is simulated with elapse_blocking.
  EventLoop loop(ClockKind::virtual_time);
  Log log;
  loop.run([&log] {
    Timer::periodic(1000ms, [&log](Timer& t) {
      log.push_back(std::to_string(t.tick()) + "@" + std::to_string(now_ms()));
      if (t.tick() == 1) EventLoop::current().elapse_blocking(3500ms);
      if (t.tick() >= 5) t.cancel();
    });
  });
  // 1 at 1001; busy until 4501; due at 2001, late by 2500 > 1000: two ticks skipped, the next
  // due time moves to 4001 and the one callback sees tick 4; then back on the grid at 5001.
  CHECK(log == Log{"1@1001", "4@4501", "5@5001"});
}

TEST_CASE("a periodic timer late by exactly one period skips nothing", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Log log;
  loop.run([&log] {
    Timer::periodic(1000ms, [&log](Timer& t) {
      log.push_back(std::to_string(t.tick()) + "@" + std::to_string(now_ms()));
      if (t.tick() == 1) EventLoop::current().elapse_blocking(2000ms);
      if (t.tick() >= 4) t.cancel();
    });
  });
  // Due at 2001, run at 3001: late by exactly 1000, not more, so tick 2 runs late and tick 3
  // (due 3001) follows at once.
  CHECK(log == Log{"1@1001", "2@3001", "3@3001", "4@4001"});
}

TEST_CASE(
    "a periodic re-arm takes a fresh id, so an earlier-made timer with the same deadline "
    "fires first",
    "[timers]") {
  // VM rule (`_advanceWakeupTime` takes `_nextId()`); package:fake_async would instead keep
  // the periodic timer's original position and fire it first.
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] {
    Timer::periodic(10ms, [&r](Timer& t) {  // ticks due at 11, 21
      r("periodic " + std::to_string(t.tick()));
      if (t.tick() == 2) t.cancel();
    });
    Timer(1ms, [&r] {
      Timer(18ms, [&r] { r("one-shot"); });  // created at 2, due 2 + 1 + 18 = 21
    });
  });
  CHECK(r.log == Log{"periodic 1@11", "one-shot@21", "periodic 2@21"});
}

TEST_CASE("a periodic timer's snapshot entry shows a new id after each re-arm", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  std::vector<dartloop::TaskId> ids;
  loop.within([] {
    Timer::periodic(5ms, [](Timer& t) {
      if (t.tick() == 3) t.cancel();
    });
  });
  for (int i = 0; i < 3; ++i) {
    const auto snap = loop.snapshot();
    REQUIRE(snap.timers.size() == 1);
    ids.push_back(snap.timers[0].info.id);
    loop.elapse(i == 0 ? 6ms : 5ms);  // ticks at 6, 11, 16
  }
  REQUIRE(ids.size() == 3);
  CHECK(ids[1] > ids[0]);
  CHECK(ids[2] > ids[1]);
  CHECK(loop.pending_timers() == 0);
}

TEST_CASE("a zero-duration periodic timer runs once per trip through the event queue", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] {
    Timer::periodic(0ms, [&r](Timer& t) {
      r("P" + std::to_string(t.tick()));
      if (t.tick() == 3) t.cancel();
    });
    Timer::run([&r] {
      r("A");
      Timer::run([&r] { r("A2"); });
    });
    Timer::run([&r] { r("B"); });
  });
  CHECK(r.log == Log{"P1@0", "A@0", "B@0", "P2@0", "A2@0", "P3@0"});
}

TEST_CASE("a periodic timer cancelled inside its callback stops for good", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  int calls = 0;
  loop.run([&calls] {
    Timer::periodic(1ms, [&calls](Timer& t) {
      ++calls;
      if (t.tick() == 3) t.cancel();
    });
  });
  CHECK(calls == 3);
  CHECK(loop.now() == 4ms);  // ticks at 2, 3, 4 and then nothing keeps the loop waiting
}

// ---------------------------------------------------------------------------------------
// Test control on the virtual clock: elapse and flush_timers.
// ---------------------------------------------------------------------------------------

TEST_CASE("elapse runs the timers due within the step and leaves the clock at its end",
          "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.within([&r] {
    Timer(5ms, [&r] { r("5ms"); });    // due 6
    Timer(20ms, [&r] { r("20ms"); });  // due 21
  });
  loop.elapse(10ms);
  CHECK(r.log == Log{"5ms@6"});
  CHECK(loop.now() == 10ms);
  loop.elapse(10ms);  // up to 20: the second is due at 21
  CHECK(r.log == Log{"5ms@6"});
  loop.elapse(1ms);
  CHECK(r.log == Log{"5ms@6", "20ms@21"});
  CHECK(loop.now() == 21ms);
}

TEST_CASE("elapse runs each timer at its own deadline, in order", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.within([&r] {
    Timer::periodic(3ms, [&r](Timer& t) {
      r("p" + std::to_string(t.tick()));
      if (t.tick() == 3) t.cancel();
    });
    Timer(5ms, [&r] { r("once"); });
  });
  loop.elapse(100ms);
  CHECK(r.log == Log{"p1@4", "once@6", "p2@7", "p3@10"});
  CHECK(loop.now() == 100ms);
}

TEST_CASE("elapse first runs the zero timers and microtasks that are ready", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.within([&r] {
    schedule_microtask([&r] { r("microtask"); });
    Timer::run([&r] { r("zero"); });
  });
  loop.elapse(0ms);
  CHECK(r.log == Log{"microtask@0", "zero@0"});
}

TEST_CASE("flush_timers runs every pending timer, moving the clock to each deadline", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.within([&r] {
    Timer(50ms, [&r] {
      r("50ms");
      Timer(100ms, [&r] { r("chained"); });
    });
    Timer::run([&r] { r("zero"); });
  });
  loop.flush_timers();
  CHECK(r.log == Log{"zero@0", "50ms@51", "chained@152"});
  CHECK(loop.pending_timers() == 0);
  CHECK(loop.now() == 152ms);
}

TEST_CASE("flush_timers stops at its time limit and leaves later timers pending", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  int ticks = 0;
  loop.within([&ticks] { Timer::periodic(10ms, [&ticks](Timer&) { ++ticks; }); });
  loop.flush_timers(100ms);
  CHECK(ticks == 9);  // due at 11, 21, ..., 91; the next one (101) is past the limit
  CHECK(loop.pending_timers() == 1);
  CHECK(loop.now() <= 100ms);
}

TEST_CASE("elapse and flush_timers refuse a real-clock loop", "[timers]") {
  EventLoop loop(ClockKind::real_time);
  CHECK_THROWS_AS(loop.elapse(1ms), dartloop::StateError);
  CHECK_THROWS_AS(loop.flush_timers(), dartloop::StateError);
}

TEST_CASE("the virtual clock jumps straight to the next deadline when idle", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Recorder r;
  loop.run([&r] { Timer(std::chrono::hours(24), [&r] { r("a day later"); }); });
  CHECK(r.log == Log{"a day later@86400001"});
}

TEST_CASE("elapse_blocking moves time inside a task without running anything else", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  Log log;
  loop.run([&log] {
    Timer(1ms, [&log] { log.push_back("timer@" + std::to_string(now_ms())); });
    schedule_microtask([&log] { log.push_back("micro@" + std::to_string(now_ms())); });
    EventLoop::current().elapse_blocking(10ms);  // a slow main: the timer becomes due...
    log.push_back("main done@" + std::to_string(now_ms()));  // ...but nothing interrupts it
  });
  CHECK(log == Log{"main done@10", "micro@10", "timer@10"});
}

TEST_CASE("the fake-async controls refuse to run from inside a task", "[timers]") {
  EventLoop loop(ClockKind::virtual_time);
  int refused = 0;
  loop.run([&] {
    auto& self = EventLoop::current();
    try {
      self.elapse(1ms);
    } catch (const dartloop::StateError&) {
      ++refused;
    }
    try {
      self.flush_microtasks();
    } catch (const dartloop::StateError&) {
      ++refused;
    }
    try {
      self.run_until_idle();
    } catch (const dartloop::StateError&) {
      ++refused;
    }
    try {
      self.flush_timers();
    } catch (const dartloop::StateError&) {
      ++refused;
    }
  });
  CHECK(refused == 4);
}
