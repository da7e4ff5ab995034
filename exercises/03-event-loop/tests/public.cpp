// Public tests of step 3: a few examples of the rules. The hidden tests check many more.
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

TEST_CASE("the seed puzzle, written with timers, prints 1 6 3 5 2 4", "[step03]") {
  const Lines lines = run_program([] {
    print("1");
    Timer::run([] { print("2"); });          // Future(() => print('2'))
    schedule_microtask([] { print("3"); });  // Future.microtask(() => print('3'))
    Timer(0ms, [] { print("4"); });          // Future.delayed(Duration.zero, ...)
    schedule_microtask([] { print("5"); });  // scheduleMicrotask(() => print('5'))
    print("6");
  });
  CHECK(lines == Lines{"1", "6", "3", "5", "2", "4"});
}

TEST_CASE("a waiting timer keeps the loop running; the loop ends when nothing is left",
          "[step03]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  loop.set_output([&lines](std::string_view line) { lines.emplace_back(line); });
  const int code = loop.run([] { Timer(100ms, [] { print("late timer"); }); });
  CHECK(code == 0);
  CHECK(lines == Lines{"late timer"});
  CHECK(loop.pending_timers() == 0);
}

TEST_CASE("after each event the loop runs every microtask before the next event", "[step03]") {
  const Lines lines = run_program([] {
    Timer::run([] {
      print("event 1");
      schedule_microtask([] {
        print("microtask of event 1");
        schedule_microtask([] { print("its own microtask"); });
      });
    });
    Timer::run([] { print("event 2"); });
  });
  CHECK(lines == Lines{"event 1", "microtask of event 1", "its own microtask", "event 2"});
}
