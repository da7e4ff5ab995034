// Public tests of step 7: a few examples of the rules. The hidden tests check many more.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"

using namespace dartloop;
using namespace dartloop::testing;

TEST_CASE("an async controller delivers each event in a microtask of its own", "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c;
    c.stream().listen([](const int& v) { print("data ", v); }, {.on_done = [] { print("done"); }});
    c.add(1);
    c.add(2);
    (void)c.close();
    schedule_microtask([] { print("microtask"); });
    print("main returns");
  });
  CHECK(lines == Lines{"main returns", "data 1", "microtask", "data 2", "done"});
}

TEST_CASE("events added while the subscription is paused wait for resume", "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c;
    auto sub = c.stream().listen([](const int& v) { print("data ", v); });
    sub.pause();
    c.add(1);
    schedule_microtask([] { print("microtask while paused"); });
    Timer::run([sub] {
      print("resume");
      sub.resume();
    });
  });
  CHECK(lines == Lines{"microtask while paused", "resume", "data 1"});
}

TEST_CASE("a sync controller calls the listener inside add", "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c({.sync = true});
    c.stream().listen([](const int& v) { print("data ", v); }, {.on_done = [] { print("done"); }});
    c.add(1);
    print("add returned");
    (void)c.close();
    print("close returned");
  });
  CHECK(lines == Lines{"data 1", "add returned", "done", "close returned"});
}
