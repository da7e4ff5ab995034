// Public tests of step 1: a few examples of the rules. The hidden tests check many more.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"

using namespace dartloop;
using namespace dartloop::testing;

TEST_CASE("microtasks run in the order they were scheduled", "[step01]") {
  Fixture f;
  f.loop.within([] {
    schedule_microtask([] { print("a"); });
    schedule_microtask([] { print("b"); });
    schedule_microtask([] { print("c"); });
  });
  f.loop.flush_microtasks();
  CHECK(f.lines == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("scheduling a microtask does not run it: the flush does", "[step01]") {
  Fixture f;
  f.loop.within([] {
    schedule_microtask([] { print("microtask"); });
    print("after scheduling");
  });
  CHECK(f.lines == std::vector<std::string>{"after scheduling"});
  f.loop.flush_microtasks();
  CHECK(f.lines == std::vector<std::string>{"after scheduling", "microtask"});
}

TEST_CASE("a microtask scheduled by a microtask runs in the same flush, after the others",
          "[step01]") {
  Fixture f;
  f.loop.within([] {
    schedule_microtask([] {
      print("first");
      schedule_microtask([] { print("scheduled by first"); });
    });
    schedule_microtask([] { print("second"); });
  });
  f.loop.flush_microtasks();
  CHECK(f.lines == std::vector<std::string>{"first", "second", "scheduled by first"});
  CHECK(f.loop.pending_microtasks() == 0);
}
