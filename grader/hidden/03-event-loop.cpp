// Hidden tests of step 3 (never shipped to learners): the loop, main as the first event, and
// when a program ends (dart-semantics.md §1.1, §1.10).
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
void chain(int left) {
  if (left == 0) return;
  schedule_microtask([left] {
    if (left % 250 == 0) print("chain ", left);
    chain(left - 1);
  });
}
}  // namespace

TEST_CASE("hidden 03: the seed puzzle with timers prints 1 6 3 5 2 4", "[step03]") {
  const Run r = run_recorded([] {
    print("1");
    Timer::run([] { print("2"); });
    schedule_microtask([] { print("3"); });
    Timer(Duration::zero(), [] { print("4"); });
    schedule_microtask([] { print("5"); });
    print("6");
  });
  CHECK(r.lines == Lines{"1", "6", "3", "5", "2", "4"});
  CHECK(r.code == 0);
}

TEST_CASE("hidden 03: every microtask of main runs before the first timer", "[step03]") {
  const Run r = run_recorded([] {
    Timer::run([] { print("timer"); });
    chain(1000);
  });
  CHECK(r.lines == Lines{"chain 1000", "chain 750", "chain 500", "chain 250", "timer"});
}

TEST_CASE("hidden 03: the loop jumps the virtual clock to each timer and ends after the last",
          "[step03]") {
  const Run r = run_recorded([] {
    Timer(50ms, [] { print("50 at ", ms_now()); });
    Timer(10ms, [] {
      print("10 at ", ms_now());
      Timer(100ms, [] { print("made by 10, at ", ms_now()); });
    });
  });
  CHECK(r.lines == Lines{"10 at 11", "50 at 51", "made by 10, at 112"});
  CHECK(r.end_ms == 112);
}

TEST_CASE("hidden 03: a program with nothing left to do ends at once", "[step03]") {
  const Run r = run_recorded([] { print("only line"); });
  CHECK(r.lines == Lines{"only line"});
  CHECK(r.code == 0);
  CHECK(r.end_ms == 0);
}

TEST_CASE(
    "hidden 03: events posted while running take their turn, each followed by its "
    "microtasks",
    "[step03]") {
  const Run r = run_recorded([] {
    EventLoop& loop = EventLoop::current();
    loop.post([] {
      print("A");
      schedule_microtask([] { print("a1"); });
    });
    loop.post([] {
      print("B");
      schedule_microtask([] { print("b1"); });
    });
  });
  CHECK(r.lines == Lines{"A", "a1", "B", "b1"});
}

TEST_CASE("hidden 03: one event at a time, however many are queued", "[step03]") {
  const Run r = run_recorded([] {
    for (int i = 1; i <= 3; ++i) {
      Timer::run([i] {
        print("event ", i);
        schedule_microtask([i] { print("microtask ", i); });
      });
    }
  });
  CHECK(r.lines ==
        Lines{"event 1", "microtask 1", "event 2", "microtask 2", "event 3", "microtask 3"});
}

TEST_CASE("hidden 03: stop ends the loop after the running event, with its code", "[step03]") {
  const Run r = run_recorded([] {
    Timer(5ms, [] { print("never"); });
    Timer::run([] {
      print("stopping");
      schedule_microtask([] { print("never either"); });
      EventLoop::current().stop(3);
    });
    Timer::run([] { print("not this one"); });
  });
  CHECK(r.lines == Lines{"stopping"});
  CHECK(r.code == 3);
}

TEST_CASE("hidden 03: timers made late keep the program alive as long as they wait", "[step03]") {
  const Run r = run_recorded([] {
    auto count = std::make_shared<int>(0);
    struct Again {
      static void tick(const std::shared_ptr<int>& n) {
        Timer(10ms, [n] {
          print("tick ", ++*n, " at ", ms_now());
          if (*n < 3) tick(n);
        });
      }
    };
    Again::tick(count);
  });
  CHECK(r.lines == Lines{"tick 1 at 11", "tick 2 at 22", "tick 3 at 33"});
  CHECK(r.end_ms == 33);
}

TEST_CASE("hidden 03: a microtask scheduled by a timer runs before the next timer's event",
          "[step03]") {
  const Run r = run_recorded([] {
    Timer(1ms, [] {
      print("timer 1");
      Timer::run([] { print("zero timer made by timer 1"); });
      schedule_microtask([] { print("microtask of timer 1"); });
    });
    Timer(1ms, [] { print("timer 2"); });
  });
  CHECK(r.lines ==
        Lines{"timer 1", "microtask of timer 1", "timer 2", "zero timer made by timer 1"});
}
