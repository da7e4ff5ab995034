// Hidden tests of step 2 (never shipped to learners): events and timers on a virtual clock,
// as the Dart VM orders them (dart-semantics.md §1.5).
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"

using namespace dartloop;
using namespace dartloop::testing;
using namespace std::chrono_literals;

namespace {
std::string ms_now() { return std::to_string(EventLoop::current().now().count() / 1000); }
}  // namespace

TEST_CASE("hidden 02: posted events and zero timers share one FIFO", "[step02]") {
  Fixture f;
  f.loop.within([&f] {
    f.loop.post([] { print("post A"); });
    Timer::run([] { print("timer B"); });
    f.loop.post([] { print("post C"); });
    Timer(0ms, [] { print("timer D"); });
  });
  f.loop.run_until_idle();
  CHECK(f.lines == Lines{"post A", "timer B", "post C", "timer D"});
}

TEST_CASE("hidden 02: a timer fires at now + 1 ms + its duration, read from the clock",
          "[step02]") {
  Fixture f;
  f.loop.within([] {
    Timer(5ms, [] { print("5 ms timer at ", ms_now()); });
    Timer(2ms, [] { print("2 ms timer at ", ms_now()); });
  });
  f.loop.elapse(20ms);
  CHECK(f.lines == Lines{"2 ms timer at 3", "5 ms timer at 6"});
  CHECK(f.loop.now() == 20ms);
}

TEST_CASE("hidden 02: durations are truncated to whole milliseconds", "[step02]") {
  Fixture f;
  f.loop.within([] {
    Timer(1ms, [] { print("1 ms"); });
    Timer(999us, [] { print("999 us = 0 ms"); });
    Timer(1500us, [] { print("1500 us = 1 ms"); });
  });
  f.loop.elapse(10ms);
  CHECK(f.lines == Lines{"999 us = 0 ms", "1 ms", "1500 us = 1 ms"});
}

TEST_CASE("hidden 02: a negative duration counts as zero", "[step02]") {
  Fixture f;
  f.loop.within([] {
    Timer(-5ms, [] { print("negative"); });
    schedule_microtask([] { print("microtask"); });
  });
  f.loop.run_until_idle();
  CHECK(f.lines == Lines{"microtask", "negative"});
}

TEST_CASE("hidden 02: an earlier deadline fires first, whatever the creation order", "[step02]") {
  Fixture f;
  f.loop.within([] {
    Timer(30ms, [] { print("30"); });
    Timer(10ms, [] { print("10"); });
    Timer(20ms, [] { print("20"); });
  });
  f.loop.elapse(100ms);
  CHECK(f.lines == Lines{"10", "20", "30"});
}

TEST_CASE("hidden 02: three timers due together fire in creation order", "[step02]") {
  Fixture f;
  f.loop.within([] {
    for (int i = 1; i <= 3; ++i) Timer(7ms, [i] { print("t", i); });
  });
  f.loop.elapse(8ms);
  CHECK(f.lines == Lines{"t1", "t2", "t3"});
}

TEST_CASE("hidden 02: microtasks run between two timers that are due together", "[step02]") {
  Fixture f;
  f.loop.within([] {
    Timer(3ms, [] {
      print("timer 1");
      schedule_microtask([] { print("microtask of timer 1"); });
    });
    Timer(3ms, [] { print("timer 2"); });
  });
  f.loop.elapse(5ms);
  CHECK(f.lines == Lines{"timer 1", "microtask of timer 1", "timer 2"});
}

TEST_CASE("hidden 02: a timer made by a callback waits for a later event", "[step02]") {
  Fixture f;
  f.loop.within([] {
    Timer(2ms, [] {
      print("a");
      Timer::run([] { print("made by a"); });
    });
    Timer(2ms, [] { print("b"); });
  });
  f.loop.elapse(5ms);
  CHECK(f.lines == Lines{"a", "b", "made by a"});
}

TEST_CASE("hidden 02: a cancelled timer never fires, even when due in the same batch", "[step02]") {
  Fixture f;
  auto victim = std::make_shared<Timer>();
  f.loop.within([victim] {
    Timer(4ms, [victim] {
      print("first cancels second");
      victim->cancel();
    });
    *victim = Timer(4ms, [] { print("second"); });
    Timer(1ms, [] { print("early"); }).cancel();
  });
  f.loop.elapse(10ms);
  CHECK(f.lines == Lines{"first cancels second"});
  CHECK(f.loop.pending_timers() == 0);
}

TEST_CASE("hidden 02: is_active is true until the timer fires or is cancelled", "[step02]") {
  Fixture f;
  Timer fires;
  Timer cancelled;
  f.loop.within([&] {
    fires = Timer(1ms, [] { print("fired"); });
    cancelled = Timer(1ms, [] { print("never"); });
  });
  CHECK(fires.is_active());
  CHECK(cancelled.is_active());
  cancelled.cancel();
  CHECK_FALSE(cancelled.is_active());
  f.loop.elapse(2ms);
  CHECK_FALSE(fires.is_active());
  CHECK(f.lines == Lines{"fired"});
}

TEST_CASE("hidden 02: a zero timer beats a 1 ms timer made in the same millisecond", "[step02]") {
  Fixture f;
  f.loop.within([] {
    Timer(1ms, [] { print("1 ms, made first"); });
    Timer(0ms, [] { print("zero, made second"); });
  });
  f.loop.elapse(5ms);
  CHECK(f.lines == Lines{"zero, made second", "1 ms, made first"});
}

TEST_CASE("hidden 02: run_until_idle runs what is ready but never moves the clock", "[step02]") {
  Fixture f;
  f.loop.within([] {
    Timer::run([] { print("zero"); });
    Timer(1ms, [] { print("later"); });
  });
  f.loop.run_until_idle();
  CHECK(f.lines == Lines{"zero"});
  CHECK(f.loop.now() == 0ms);
  CHECK(f.loop.pending_timers() == 1);
}

TEST_CASE("hidden 02: a due heap timer runs before a zero timer made after it was due",
          "[step02]") {
  Fixture f;
  f.loop.within([] { Timer(2ms, [] { print("2 ms timer"); }); });
  f.loop.elapse(2ms);  // the 2 ms timer is due at 3 ms: not yet
  f.loop.within([] { Timer(1ms, [] { Timer::run([] { print("zero timer"); }); }); });
  f.loop.elapse(3ms);
  CHECK(f.lines == Lines{"2 ms timer", "zero timer"});
}

TEST_CASE("hidden 02: elapse stops at its end: a timer due later stays pending", "[step02]") {
  Fixture f;
  f.loop.within([] {
    Timer(4ms, [] { print("at 5"); });
    Timer(9ms, [] { print("at 10"); });
  });
  f.loop.elapse(7ms);
  CHECK(f.lines == Lines{"at 5"});
  CHECK(f.loop.pending_timers() == 1);
  CHECK(f.loop.now() == 7ms);
  f.loop.elapse(3ms);
  CHECK(f.lines == Lines{"at 5", "at 10"});
}

TEST_CASE("hidden 02: timers due together run as one batch, before the events they post",
          "[step02]") {
  Fixture f;
  f.loop.within([&f] {
    Timer(3ms, [&f] {
      print("timer 1");
      f.loop.post([] { print("posted by timer 1"); });
    });
    Timer(3ms, [] { print("timer 2"); });
  });
  f.loop.elapse(4ms);
  CHECK(f.lines == Lines{"timer 1", "timer 2", "posted by timer 1"});
}
