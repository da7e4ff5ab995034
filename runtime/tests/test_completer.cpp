// Layer 5: Dart's Completer<T> (dart-semantics.md §1.3 "Completers", future_impl.dart
// `_AsyncCompleter`, `_SyncCompleter`, `_chainFuture`). An async completer delivers in a
// microtask queued at the `complete` call; a sync one inside the call. Every test runs on the
// virtual clock and checks an exact printed order.

#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "dartloop/completer.hpp"
#include "dartloop/errors.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/future.hpp"
#include "dartloop/print.hpp"
#include "dartloop/timer.hpp"
#include "support.hpp"

using namespace std::chrono_literals;
using dartloop::ClockKind;
using dartloop::Completer;
using dartloop::EventLoop;
using dartloop::Future;
using dartloop::print;
using dartloop::schedule_microtask;
using dartloop::StateError;
using dartloop::Timer;
using dartloop::test::capture;
using dartloop::test::contains;
using dartloop::test::now_ms;
using dartloop::test::queue_print;
using dartloop::test::run_isolate;
using dartloop::test::starts_with;

using Lines = std::vector<std::string>;

namespace {

/// A future of @p value that is already complete (Future.sync with a plain value).
Future<int> completed_with(int value) {
  return Future<int>::sync([value] { return value; });
}

constexpr const char* already_completed = "Bad state: Future already completed";

}  // namespace

// ---------------------------------------------------------------------------------------
// The async completer: one microtask, queued by `complete`.
// ---------------------------------------------------------------------------------------

TEST_CASE("an async completer runs its listeners in a microtask queued at the complete call",
          "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> c;
    c.future().then([](int v) { print("listener got ", v); });
    queue_print("queued before complete");
    c.complete(1);
    queue_print("queued after complete");
    print("main returns");
  });
  CHECK(code == 0);
  CHECK(lines ==
        Lines{"main returns", "queued before complete", "listener got 1", "queued after complete"});
}

TEST_CASE("a listener added after an async complete, before its microtask, runs in that microtask",
          "[completer]") {
  // `_asyncComplete` only marks the future pending; listeners may still be added to it and are
  // all run by the completion microtask, in registration order.
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> c;
    c.future().then([](int v) { print("early listener got ", v); });
    c.complete(2);
    queue_print("queued between");
    c.future().then([](int v) { print("late listener got ", v); });
  });
  CHECK(lines == Lines{"early listener got 2", "late listener got 2", "queued between"});
}

TEST_CASE("an async completer's complete_error runs the handlers in a microtask queued at the call",
          "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> c;
    c.future().catch_error([](const std::runtime_error& e) {
      print("handler got ", e.what());
      return -1;
    });
    queue_print("queued before complete_error");
    c.complete_error(std::runtime_error("failed"));
    queue_print("queued after complete_error");
    print("main returns");
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"main returns", "queued before complete_error", "handler got failed",
                       "queued after complete_error"});
}

TEST_CASE("is_completed is true right after an async complete, before any listener has run",
          "[completer]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  std::vector<bool> seen;
  std::size_t printed_when_completed = 99;
  loop.run([&] {
    Completer<int> c;
    c.future().then([](int v) { print("listener got ", v); });
    seen.push_back(c.is_completed());
    c.complete(3);
    seen.push_back(c.is_completed());
    printed_when_completed = lines.size();
  });
  CHECK(seen == std::vector<bool>{false, true});
  CHECK(printed_when_completed == 0);
  CHECK(lines == Lines{"listener got 3"});
}

TEST_CASE("is_completed is true right after an async complete_error, before any handler has run",
          "[completer]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  std::vector<bool> seen;
  std::size_t printed_when_completed = 99;
  loop.run([&] {
    Completer<int> c;
    c.future().catch_error([](const std::runtime_error& e) {
      print("handler got ", e.what());
      return 0;
    });
    seen.push_back(c.is_completed());
    c.complete_error(std::runtime_error("e"));
    seen.push_back(c.is_completed());
    printed_when_completed = lines.size();
  });
  CHECK(seen == std::vector<bool>{false, true});
  CHECK(printed_when_completed == 0);
  CHECK(lines == Lines{"handler got e"});
}

// ---------------------------------------------------------------------------------------
// The sync completer: listeners run inside `complete`.
// ---------------------------------------------------------------------------------------

TEST_CASE("a sync completer runs its listeners inside the complete call", "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    auto c = Completer<int>::sync();
    c.future().then([](int v) { print("first listener got ", v); });
    c.future().then([](int v) { print("second listener got ", v); });
    queue_print("queued before complete");
    print("before complete");
    c.complete(4);
    CHECK(c.is_completed());
    print("after complete");
  });
  CHECK(lines == Lines{"before complete", "first listener got 4", "second listener got 4",
                       "after complete", "queued before complete"});
}

TEST_CASE("a sync completer's complete_error runs the handlers inside the call", "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    auto c = Completer<int>::sync();
    c.future().catch_error([](const std::runtime_error& e) {
      print("handler got ", e.what());
      return 0;
    });
    queue_print("queued before complete_error");
    print("before complete_error");
    c.complete_error(std::runtime_error("sync failure"));
    print("after complete_error");
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"before complete_error", "handler got sync failure", "after complete_error",
                       "queued before complete_error"});
}

TEST_CASE("a sync completer completed from a timer delivers within that timer's event",
          "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    auto c = Completer<int>::sync();
    c.future().then([](int v) { print("listener got ", v, " @", now_ms()); });
    Timer(5ms, [c]() mutable {
      queue_print("timer's microtask");
      c.complete(5);
      print("timer returns @", now_ms());
    });
  });
  CHECK(lines == Lines{"listener got 5 @6", "timer returns @6", "timer's microtask"});
}

// ---------------------------------------------------------------------------------------
// Completing twice: StateError("Future already completed"), first result stays.
// ---------------------------------------------------------------------------------------

TEST_CASE("completing an async completer twice with values throws StateError and keeps the first",
          "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> c;
    c.future().then([](int v) { print("listener got ", v); });
    c.complete(1);
    CHECK_THROWS_AS(c.complete(2), StateError);
    CHECK_THROWS_WITH(c.complete(2), already_completed);
  });
  CHECK(lines == Lines{"listener got 1"});
}

TEST_CASE("completing an async completer with an error after a value throws StateError",
          "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> c;
    c.future().then([](int v) { print("listener got ", v); },
                    [](std::exception_ptr) { print("error handler ran"); });
    c.complete(1);
    CHECK_THROWS_AS(c.complete_error(std::runtime_error("second")), StateError);
    CHECK_THROWS_WITH(c.complete_error(std::runtime_error("second")), already_completed);
  });
  CHECK(code == 0);
  CHECK(errors.empty());
  CHECK(lines == Lines{"listener got 1"});
}

TEST_CASE("completing an async completer with a value after an error throws StateError",
          "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> c;
    c.future().then([](int v) { print("listener got ", v); },
                    [](const std::runtime_error& e) { print("error handler got ", e.what()); });
    c.complete_error(std::runtime_error("first"));
    CHECK_THROWS_AS(c.complete(2), StateError);
    CHECK_THROWS_WITH(c.complete(2), already_completed);
    CHECK_THROWS_WITH(c.complete_error(std::runtime_error("again")), already_completed);
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"error handler got first"});
}

TEST_CASE("completing a sync completer twice throws StateError, whatever the two results are",
          "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    auto by_value = Completer<int>::sync();
    by_value.future().then([](int v) { print("by_value got ", v); });
    by_value.complete(1);
    CHECK_THROWS_WITH(by_value.complete(2), already_completed);
    CHECK_THROWS_WITH(by_value.complete_error(std::runtime_error("x")), already_completed);

    auto by_error = Completer<int>::sync();
    by_error.future().catch_error([](const std::runtime_error& e) {
      print("by_error got ", e.what());
      return 0;
    });
    by_error.complete_error(std::runtime_error("first"));
    CHECK_THROWS_AS(by_error.complete(2), StateError);
    CHECK_THROWS_WITH(by_error.complete(2), already_completed);
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"by_value got 1", "by_error got first"});
}

TEST_CASE("completing with a future counts as completed: a second complete throws StateError",
          "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> source;
    Completer<int> target;
    target.future().then([](int v) { print("target got ", v); });
    target.complete(source.future());
    CHECK(target.is_completed());
    CHECK_THROWS_WITH(target.complete(9), already_completed);
    source.complete(6);
  });
  CHECK(lines == Lines{"target got 6"});
}

// ---------------------------------------------------------------------------------------
// Completing with a future (`_chainFuture`, `_chainCoreFutureAsync`).
// ---------------------------------------------------------------------------------------

TEST_CASE(
    "completing with a pending future chains: the listeners run synchronously when that "
    "future completes",
    "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    auto source = Completer<int>::sync();
    Completer<int> target;
    source.future().then([](int v) { print("source listener 1 got ", v); });
    target.future().then([](int v) { print("target listener 1 got ", v); });
    target.complete(source.future());
    CHECK(target.is_completed());
    source.future().then([](int v) { print("source listener 2 got ", v); });
    target.future().then([](int v) { print("target listener 2 got ", v); });
    queue_print("main's microtask");
    Timer::run([source]() mutable {
      queue_print("queued before the source completes");
      print("before");
      source.complete(7);
      print("after");
    });
  });
  // No microtask completes the target: it waits for the source, then its listeners (moved
  // onto the source) run inside the source's completion, after those the source had then.
  CHECK(lines == Lines{"main's microtask", "before", "source listener 1 got 7",
                       "target listener 1 got 7", "source listener 2 got 7",
                       "target listener 2 got 7", "after", "queued before the source completes"});
}

TEST_CASE("a future chained to a pending future takes on its error", "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    auto source = Completer<int>::sync();
    source.future().catch_error([](std::exception_ptr) { return 0; });
    Completer<int> target;
    target.future().catch_error([](const std::invalid_argument& e) {
      print("target handler got ", e.what());
      return 0;
    });
    target.complete(source.future());
    Timer::run([source]() mutable {
      print("before");
      source.complete_error(std::invalid_argument("bad source"));
      print("after");
    });
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"before", "target handler got bad source", "after"});
}

TEST_CASE(
    "an async completer given a completed future nobody listens to yet completes at once, so a "
    "later then costs one microtask",
    "[completer]") {
  // `_chainCoreFutureAsync`: a value and nobody listening -> `_cloneResult` right away.
  const auto [code, lines, errors] = run_isolate([] {
    Future<int> done = completed_with(9);
    Completer<int> c;
    queue_print("m1");
    c.complete(done);
    CHECK(c.is_completed());
    queue_print("m2");
    c.future().then([](int v) { print("listener got ", v); });
    queue_print("m3");
    print("main returns");
  });
  CHECK(lines == Lines{"main returns", "m1", "m2", "listener got 9", "m3"});
}

TEST_CASE(
    "an async completer given a completed future while listeners wait runs them in a "
    "microtask queued at complete",
    "[completer]") {
  // `_chainCoreFutureAsync`: listeners present -> pending, `_chainCoreFutureSync` in a microtask.
  const auto [code, lines, errors] = run_isolate([] {
    Future<int> done = completed_with(10);
    Completer<int> c;
    c.future().then([](int v) { print("listener got ", v); });
    queue_print("m1");
    c.complete(done);
    queue_print("m2");
    print("main returns");
  });
  CHECK(lines == Lines{"main returns", "m1", "listener got 10", "m2"});
}

TEST_CASE(
    "an async completer given an already failed future delivers the error one microtask "
    "later, so a handler added meanwhile catches it",
    "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    auto failing = Completer<int>::sync();
    Future<int> failed = failing.future();
    failed.catch_error([](std::exception_ptr) { return 0; });  // keeps it from being uncaught
    failing.complete_error(std::logic_error("already failed"));

    Completer<int> c;
    queue_print("m1");
    c.complete(failed);
    queue_print("m2");
    c.future().catch_error([](const std::logic_error& e) {
      print("handler got ", e.what());
      return 0;
    });
  });
  CHECK(code == 0);
  CHECK(errors.empty());
  CHECK(lines == Lines{"m1", "handler got already failed", "m2"});
}

TEST_CASE("a sync completer given a completed future runs its listeners inside complete",
          "[completer]") {
  // `_complete` -> `_chainCoreFutureSync`: the source has a result, so propagate now.
  const auto [code, lines, errors] = run_isolate([] {
    Future<int> done = completed_with(11);
    auto c = Completer<int>::sync();
    c.future().then([](int v) { print("listener got ", v); });
    queue_print("queued before complete");
    print("before");
    c.complete(done);
    print("after");
  });
  CHECK(lines == Lines{"before", "listener got 11", "after", "queued before complete"});
}

// ---------------------------------------------------------------------------------------
// Completer<void> and the one shared future.
// ---------------------------------------------------------------------------------------

TEST_CASE("an async Completer<void> completes without a value in a microtask queued at complete",
          "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<void> c;
    c.future().then([] { print("void listener"); });
    queue_print("m1");
    c.complete();
    CHECK(c.is_completed());
    queue_print("m2");
  });
  CHECK(lines == Lines{"m1", "void listener", "m2"});
}

TEST_CASE("a sync Completer<void> runs its listeners inside complete", "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    auto c = Completer<void>::sync();
    c.future().then([] { print("void listener"); }).then([] { print("chained after it"); });
    print("before");
    c.complete();
    print("after");
    CHECK_THROWS_WITH(c.complete(), already_completed);
  });
  CHECK(lines == Lines{"before", "void listener", "chained after it", "after"});
}

TEST_CASE("a Completer<void> can fail with an error", "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<void> c;
    c.future().then([] { print("value listener"); },
                    [](const std::runtime_error& e) { print("error handler got ", e.what()); });
    queue_print("m1");
    c.complete_error(std::runtime_error("void failed"));
    queue_print("m2");
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"m1", "error handler got void failed", "m2"});
}

TEST_CASE(
    "future returns the same future every time: listeners added through different copies "
    "run in registration order",
    "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> c;
    Future<int> first = c.future();
    Future<int> second = c.future();
    first.then([](int v) { print("via first copy: ", v); });
    second.then([](int v) { print("via second copy: ", v); });
    first.then([](int v) { print("via first copy again: ", v); });
    c.future().then([](int v) { print("via a fresh call: ", v); });
    c.complete(12);
  });
  CHECK(lines == Lines{"via first copy: 12", "via second copy: 12", "via first copy again: 12",
                       "via a fresh call: 12"});
}

TEST_CASE("a copy of a completer completes the same future", "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> original;
    Completer<int> copy = original;
    original.future().then([](int v) { print("listener got ", v); });
    copy.complete(13);
    CHECK(original.is_completed());
    CHECK_THROWS_WITH(original.complete(14), already_completed);
  });
  CHECK(lines == Lines{"listener got 13"});
}

// ---------------------------------------------------------------------------------------
// Uncaught errors: a failure nobody listens to ends the isolate (§1.2, §1.3).
// ---------------------------------------------------------------------------------------

TEST_CASE(
    "an async completer's future failing with no listener is an uncaught error that ends the "
    "isolate with exit code 255",
    "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    queue_print("queued before");
    Completer<int> c;
    c.complete_error(std::runtime_error("nobody listens"));
    queue_print("queued after");
    Timer::run([] { print("event"); });
  });
  CHECK(code == dartloop::exit_uncaught_error);
  CHECK(lines == Lines{"queued before"});
  REQUIRE(errors.size() == 1);
  CHECK(starts_with(errors[0], "Unhandled exception:"));
  CHECK(contains(errors[0], "nobody listens"));
}

TEST_CASE("a handler added one microtask after the failing completion is too late", "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> c;
    Future<int> f = c.future();
    c.complete_error(std::runtime_error("handled too late"));
    schedule_microtask([f] {
      print("adding the handler");
      f.catch_error([](std::exception_ptr) {
        print("handler ran");
        return 0;
      });
    });
  });
  // The completion microtask finds no listener and reports at once; the report (a priority
  // microtask) runs before the microtask that would have added the handler.
  CHECK(code == 255);
  CHECK(lines.empty());
  REQUIRE(errors.size() == 1);
  CHECK(starts_with(errors[0], "Unhandled exception:"));
  CHECK(contains(errors[0], "handled too late"));
}

TEST_CASE(
    "a sync completer failing with no listener is uncaught before the microtasks already "
    "queued",
    "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    queue_print("queued before");
    auto c = Completer<int>::sync();
    c.complete_error(std::runtime_error("sync, nobody listens"));
    print("main goes on");
  });
  CHECK(code == 255);
  CHECK(lines == Lines{"main goes on"});
  REQUIRE(errors.size() == 1);
  CHECK(starts_with(errors[0], "Unhandled exception:"));
  CHECK(contains(errors[0], "sync, nobody listens"));
}

// ---------------------------------------------------------------------------------------
// Errors keep their C++ type.
// ---------------------------------------------------------------------------------------

TEST_CASE("an error keeps its C++ type: a typed handler of that type receives it", "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> c;
    c.future()
        .catch_error([](const std::out_of_range& e) {
          print("out_of_range handler got ", e.what());
          return -1;
        })
        .then([](int v) { print("then got ", v); });
    c.complete_error(std::out_of_range("index 7"));
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"out_of_range handler got index 7", "then got -1"});
}

TEST_CASE("a typed handler for a base class catches a derived error", "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    auto c = Completer<int>::sync();
    c.future().catch_error([](const std::logic_error& e) {
      print("logic_error handler got ", e.what());
      return 0;
    });
    c.complete_error(std::out_of_range("derived"));
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"logic_error handler got derived"});
}

TEST_CASE("a typed handler of another type lets the error pass through unchanged", "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> c;
    c.future()
        .catch_error([](const std::invalid_argument& e) {
          print("invalid_argument handler got ", e.what());
          return 1;
        })
        .then([](int v) { print("value ", v); },
              [](const std::out_of_range& e) { print("out_of_range handler got ", e.what()); });
    c.complete_error(std::out_of_range("index 8"));
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"out_of_range handler got index 8"});
}

TEST_CASE(
    "a typed handler that does not match leaves the error uncaught if nothing else handles it",
    "[completer]") {
  const auto [code, lines, errors] = run_isolate([] {
    auto c = Completer<int>::sync();
    c.future().catch_error([](const std::invalid_argument&) {
      print("wrong handler ran");
      return 0;
    });
    c.complete_error(std::out_of_range("not an invalid_argument"));
  });
  CHECK(code == 255);
  CHECK(lines.empty());
  REQUIRE(errors.size() == 1);
  CHECK(contains(errors[0], "not an invalid_argument"));
}

TEST_CASE("an exception_ptr given to complete_error reaches the handler as the same exception",
          "[completer]") {
  std::exception_ptr given = std::make_exception_ptr(std::out_of_range("the very object"));
  std::exception_ptr received;
  run_isolate([&] {
    Completer<int> c;
    c.future().catch_error([&received](std::exception_ptr e) {
      received = e;
      return 0;
    });
    c.complete_error(given);
  });
  REQUIRE(received);
  CHECK(received == given);
}
