// Public tests of step 8: a few examples of the rules. The hidden tests check many more.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"
#include "dartloop/starvation_watchdog.hpp"

using namespace dartloop;
using namespace dartloop::testing;

namespace {

Stream<int> one_two() {
  print("body starts");
  co_yield 1;
  co_yield 2;
  print("body ends");
}

Stream<int> numbers(std::string tag, int n) {
  for (int i = 1; i <= n; ++i) co_yield i;
  print(tag, " ends");
}

void chain(int left) {
  if (left > 0) schedule_microtask([left] { chain(left - 1); });
}
}  // namespace

TEST_CASE("a generator's body starts in a microtask once someone listens", "[step08]") {
  const Lines lines = run_program([] {
    auto stream = one_two();
    print("called");
    stream.listen([](const int& v) { print("data ", v); }, {.on_done = [] { print("done"); }});
    print("listened");
  });
  CHECK(lines ==
        Lines{"called", "listened", "body starts", "data 1", "data 2", "body ends", "done"});
}

TEST_CASE("each co_yield waits a microtask: two generators take turns", "[step08]") {
  const Lines lines = run_program([] {
    numbers("a", 2).listen([](const int& v) { print("a", v); });
    numbers("b", 2).listen([](const int& v) { print("b", v); });
  });
  CHECK(lines == Lines{"a1", "b1", "a2", "b2", "a ends", "b ends"});
}

TEST_CASE("the watchdog stops a loop whose microtasks never let an event in", "[step08]") {
  EventLoop loop(ClockKind::virtual_time);
  loop.set_error_output([](std::string_view) {});
  StarvationWatchdog watchdog(loop, {.microtasks_per_drain = 10});
  const int code = loop.run([] { chain(1000); });
  CHECK(code == exit_starvation);
  REQUIRE(watchdog.report().has_value());
  CHECK(watchdog.report()->observed == 11);
}
