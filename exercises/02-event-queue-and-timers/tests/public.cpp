// Public tests of step 2: a few examples of the rules. The hidden tests check many more.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"

using namespace dartloop;
using namespace dartloop::testing;
using namespace std::chrono_literals;

TEST_CASE("zero-duration timers run after the microtasks, in the order they were made",
          "[step02]") {
  Fixture f;
  f.loop.within([] {
    Timer::run([] { print("timer 1"); });
    schedule_microtask([] { print("microtask"); });
    Timer(0ms, [] { print("timer 2"); });
  });
  f.loop.run_until_idle();
  CHECK(f.lines == Lines{"microtask", "timer 1", "timer 2"});
}

TEST_CASE("a 1 ms timer fires 2 ms later: Dart adds 1 ms so a timer is never early", "[step02]") {
  Fixture f;
  f.loop.within([] { Timer(1ms, [] { print("fired"); }); });
  f.loop.elapse(1ms);
  CHECK(f.lines.empty());
  f.loop.elapse(1ms);
  CHECK(f.lines == Lines{"fired"});
}

TEST_CASE("timers with the same deadline fire in the order they were made", "[step02]") {
  Fixture f;
  f.loop.within([] {
    Timer(5ms, [] { print("first"); });
    Timer(5ms, [] { print("second"); });
  });
  f.loop.elapse(10ms);
  CHECK(f.lines == Lines{"first", "second"});
}
