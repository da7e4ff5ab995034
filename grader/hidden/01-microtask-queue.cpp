// Hidden tests of step 1 (never shipped to learners): the microtask queue and its drain.
// Every case needs the step's code to run microtasks, so each fails on the starter code.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"

using namespace dartloop;
using namespace dartloop::testing;

namespace {

// Each microtask schedules the next, n in all.
void chain(int left, int n) {
  if (left == 0) return;
  schedule_microtask([left, n] {
    print("link ", n - left + 1);
    chain(left - 1, n);
  });
}
}  // namespace

TEST_CASE("hidden 01: five microtasks run first in, first out", "[step01]") {
  Fixture f;
  f.loop.within([] {
    for (int i = 1; i <= 5; ++i) schedule_microtask([i] { print("m", i); });
  });
  f.loop.flush_microtasks();
  CHECK(f.lines == Lines{"m1", "m2", "m3", "m4", "m5"});
}

TEST_CASE("hidden 01: the member and the free schedule_microtask share one queue", "[step01]") {
  Fixture f;
  f.loop.within([&f] {
    schedule_microtask([] { print("free 1"); });
    f.loop.schedule_microtask([] { print("member"); });
    schedule_microtask([] { print("free 2"); });
  });
  f.loop.flush_microtasks();
  CHECK(f.lines == Lines{"free 1", "member", "free 2"});
}

TEST_CASE("hidden 01: code after schedule_microtask runs before the microtask", "[step01]") {
  Fixture f;
  f.loop.within([] {
    print("before");
    schedule_microtask([] { print("microtask"); });
    print("after");
  });
  f.loop.flush_microtasks();
  CHECK(f.lines == Lines{"before", "after", "microtask"});
}

TEST_CASE("hidden 01: microtasks scheduled during a flush go to the back of the queue",
          "[step01]") {
  Fixture f;
  f.loop.within([] {
    schedule_microtask([] {
      print("a");
      schedule_microtask([] { print("a1"); });
    });
    schedule_microtask([] {
      print("b");
      schedule_microtask([] { print("b1"); });
    });
    schedule_microtask([] { print("c"); });
  });
  f.loop.flush_microtasks();
  CHECK(f.lines == Lines{"a", "b", "c", "a1", "b1"});
}

TEST_CASE("hidden 01: a chain of 1000 microtasks runs whole in one flush", "[step01]") {
  Fixture f;
  f.loop.within([] { chain(1000, 1000); });
  f.loop.flush_microtasks();
  REQUIRE(f.lines.size() == 1000);
  CHECK(f.lines.front() == "link 1");
  CHECK(f.lines.back() == "link 1000");
  CHECK(f.loop.pending_microtasks() == 0);
}

TEST_CASE("hidden 01: pending_microtasks counts what waits, and the flush empties it", "[step01]") {
  Fixture f;
  f.loop.within([] {
    schedule_microtask([] {});
    schedule_microtask([] {});
    schedule_microtask([] {});
  });
  CHECK(f.loop.pending_microtasks() == 3);
  f.loop.flush_microtasks();
  CHECK(f.loop.pending_microtasks() == 0);
}

TEST_CASE("hidden 01: each microtask runs exactly once, even across two flushes", "[step01]") {
  Fixture f;
  auto runs = std::make_shared<int>(0);
  f.loop.within([runs] {
    for (int i = 0; i < 10; ++i) schedule_microtask([runs] { ++*runs; });
  });
  f.loop.flush_microtasks();
  f.loop.flush_microtasks();
  CHECK(*runs == 10);
}

TEST_CASE("hidden 01: a second flush runs what was scheduled after the first", "[step01]") {
  Fixture f;
  f.loop.within([] { schedule_microtask([] { print("one"); }); });
  f.loop.flush_microtasks();
  f.loop.within([] { schedule_microtask([] { print("two"); }); });
  f.loop.flush_microtasks();
  CHECK(f.lines == Lines{"one", "two"});
}

TEST_CASE("hidden 01: inside a microtask the flushing loop is the current loop", "[step01]") {
  Fixture f;
  f.loop.within([] {
    schedule_microtask([] {
      print(&EventLoop::current() != nullptr ? "current" : "none");
      schedule_microtask([] { print("nested"); });
    });
  });
  f.loop.flush_microtasks();
  CHECK(f.lines == Lines{"current", "nested"});
}

TEST_CASE("hidden 01: two loops keep their microtasks apart", "[step01]") {
  Fixture a;
  Fixture b;
  a.loop.within([] { schedule_microtask([] { print("from a"); }); });
  b.loop.within([] { schedule_microtask([] { print("from b"); }); });
  a.loop.flush_microtasks();
  CHECK(a.lines == Lines{"from a"});
  CHECK(b.lines.empty());
  CHECK(b.loop.pending_microtasks() == 1);
  b.loop.flush_microtasks();
  CHECK(b.lines == Lines{"from b"});
}
