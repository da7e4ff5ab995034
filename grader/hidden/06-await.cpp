// Hidden tests of step 6 (never shipped to learners): async functions and `co_await`
// (dart-semantics.md §1.4).
#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"

using namespace dartloop;
using namespace dartloop::testing;

namespace {

// Coroutines are free functions: a coroutine lambda must not capture.

Future<int> wait_for(Future<int> f) {
  print("body starts");
  const int v = co_await f;
  print("resumed with ", v);
  co_return v * 2;
}

Future<void> await_complete(Future<int> done) {
  schedule_microtask([] { print("queued before the await"); });
  const int v = co_await done;
  print("resumed with ", v);
}

Future<void> await_plain_value() {
  schedule_microtask([] { print("queued before the await"); });
  const int v = co_await 7;
  print("resumed with ", v);
}

Future<int> inner() {
  co_await Future<void>::value();
  print("inner done");
  co_return 1;
}

Future<void> outer() {
  const int v = co_await inner();
  print("outer got ", v);
}

Future<int> never_suspends() { co_return 3; }

Future<int> throws_at_once() {
  throw std::runtime_error("thrown before any await");
  co_return 0;
}

Future<int> throws_after_await(Future<int> gate) {
  co_await gate;
  throw std::runtime_error("thrown after an await");
}

Future<void> catches(Future<int> failing) {
  try {
    co_await failing;
    print("not reached");
  } catch (const std::exception& e) {
    print("caught in the body: ", e.what());
  }
}

Future<void> counter(std::string name) {
  for (int i = 1; i <= 3; ++i) {
    const int v = co_await Future<int>::value(i);
    print(name, v);
  }
}

Future<void> sleeper() {
  print("sleep at ", EventLoop::current().now().count() / 1000);
  co_await Future<void>::delayed(Duration(std::chrono::milliseconds(5)), [] {});
  print("woke at ", EventLoop::current().now().count() / 1000);
}
}  // namespace

TEST_CASE("hidden 06: the body runs synchronously until its first await", "[step06]") {
  const Run run = run_recorded(Reports::among_lines, [] {
    auto gate = Completer<int>::sync();
    print("before the call");
    wait_for(gate.future());
    print("after the call");
    Timer::run([gate] { gate.complete(5); });
  });
  CHECK(run.lines == Lines{"before the call", "body starts", "after the call", "resumed with 5"});
}

TEST_CASE("hidden 06: awaiting a pending future resumes inside whatever completes it", "[step06]") {
  const Run run = run_recorded(Reports::among_lines, [] {
    auto gate = Completer<int>::sync();
    wait_for(gate.future());
    Timer::run([gate] {
      schedule_microtask([] { print("microtask queued before complete"); });
      gate.complete(4);
      print("complete returned");
    });
  });
  CHECK(run.lines == Lines{"body starts", "resumed with 4", "complete returned",
                           "microtask queued before complete"});
}

TEST_CASE("hidden 06: awaiting a complete future costs exactly one microtask", "[step06]") {
  const Run run = run_recorded(Reports::among_lines, [] {
    auto done = Completer<int>::sync();
    done.complete(8);
    await_complete(done.future());
    schedule_microtask([] { print("queued after the await"); });
  });
  CHECK(run.lines == Lines{"queued before the await", "resumed with 8", "queued after the await"});
}

TEST_CASE("hidden 06: awaiting a plain value costs exactly one microtask", "[step06]") {
  const Run run = run_recorded(Reports::among_lines, [] {
    await_plain_value();
    schedule_microtask([] { print("queued after the await"); });
  });
  CHECK(run.lines == Lines{"queued before the await", "resumed with 7", "queued after the await"});
}

TEST_CASE("hidden 06: a returning async function resumes its awaiting caller at once", "[step06]") {
  const Run run = run_recorded(Reports::among_lines, [] {
    outer();
    schedule_microtask([] { print("m"); });
  });
  CHECK(run.lines == Lines{"inner done", "outer got 1", "m"});
}

TEST_CASE("hidden 06: co_return completes the future inside the resuming task", "[step06]") {
  const Run run = run_recorded(Reports::among_lines, [] {
    auto gate = Completer<int>::sync();
    wait_for(gate.future()).then([](const int& v) { print("then got ", v); });
    Timer::run([gate] {
      schedule_microtask([] { print("microtask"); });
      gate.complete(21);
      print("complete returned");
    });
  });
  CHECK(run.lines ==
        Lines{"body starts", "resumed with 21", "then got 42", "complete returned", "microtask"});
}

TEST_CASE("hidden 06: a function that never suspends returns a complete future", "[step06]") {
  const Run run = run_recorded(Reports::among_lines, [] {
    auto f = never_suspends();
    schedule_microtask([] { print("queued before then"); });
    f.then([](const int& v) { print("then got ", v); });
  });
  CHECK(run.lines == Lines{"queued before then", "then got 3"});
}

TEST_CASE("hidden 06: a throw before the first await fails the future one microtask later",
          "[step06]") {
  const Run run = run_recorded(Reports::among_lines, [] {
    auto f = throws_at_once();
    schedule_microtask([] { print("queued after the call"); });
    f.catch_error([](std::exception_ptr e) {
      print("caught: ", describe(e));
      return 0;
    });
  });
  CHECK(run.lines == Lines{"caught: thrown before any await", "queued after the call"});
  CHECK(run.code == 0);
}

TEST_CASE("hidden 06: a throw after an await fails the future at once", "[step06]") {
  const Run run = run_recorded(Reports::among_lines, [] {
    auto gate = Completer<int>::sync();
    throws_after_await(gate.future()).catch_error([](std::exception_ptr e) {
      print("caught: ", describe(e));
      return 0;
    });
    Timer::run([gate] {
      schedule_microtask([] { print("microtask"); });
      gate.complete(0);
      print("complete returned");
    });
  });
  CHECK(run.lines == Lines{"caught: thrown after an await", "complete returned", "microtask"});
}

TEST_CASE("hidden 06: awaiting a failed future throws its error into the body", "[step06]") {
  const Run run = run_recorded(Reports::among_lines, [] {
    auto failing = Completer<int>::sync();
    catches(failing.future()).then([] { print("the async function completed normally"); });
    Timer::run([failing] { failing.complete_error(std::runtime_error("bad news")); });
  });
  CHECK(run.lines ==
        Lines{"caught in the body: bad news", "the async function completed normally"});
}

TEST_CASE("hidden 06: each await of Future.value is one trip through the microtask queue",
          "[step06]") {
  const Run run = run_recorded(Reports::among_lines, [] {
    counter("a");
    counter("b");
  });
  CHECK(run.lines == Lines{"a1", "b1", "a2", "b2", "a3", "b3"});
}

TEST_CASE("hidden 06: an await can wait for a timer", "[step06]") {
  const Run run = run_recorded(Reports::among_lines, [] {
    sleeper().then([] { print("sleeper done"); });
    Future<void>([] { print("an event in between"); });
  });
  CHECK(run.lines == Lines{"sleep at 0", "an event in between", "woke at 6", "sleeper done"});
}
