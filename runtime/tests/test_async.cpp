// Layer 6: async functions. `Future<T>` as a coroutine: where the body runs, what each kind
// of `co_await` costs, how the function's own future completes (dart-semantics.md §1.4).

#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "dartloop/async.hpp"
#include "dartloop/completer.hpp"
#include "dartloop/detail/pool.hpp"
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
using dartloop::test::capture;
using dartloop::test::capture_errors;
using dartloop::test::Counted;
using dartloop::test::Lifetime;

using Lines = std::vector<std::string>;

namespace {

/// Runs @p program as an isolate's main on the virtual clock; returns what it printed.
template <class F>
Lines run(F program, int expected_exit = 0) {
  dartloop::test::IsolateRun r = dartloop::test::run_isolate(std::move(program));
  REQUIRE(r.exit_code == expected_exit);
  return r.output;
}

struct Boom : std::runtime_error {
  Boom() : std::runtime_error("boom") {}
};

// The async functions the tests call. Coroutines are free functions: a coroutine lambda's
// captures would die with the lambda object, long before the coroutine resumes.

Future<int> prints_then_awaits() {
  print("body starts");
  co_await 0;
  print("after the await");
  co_return 1;
}

Future<void> awaits_value() {
  schedule_microtask([] { print("queued before the await"); });
  const int v = co_await 5;
  print("resumed with ", v);
}

Future<void> awaits_complete_future() {
  auto done = Future<int>::sync([] { return 6; });
  schedule_microtask([] { print("queued before the await"); });
  const int v = co_await done;
  print("resumed with ", v);
}

Future<void> awaits_future_value() {
  auto pending = Future<int>::value(7);  // its completion is a microtask queued right here
  schedule_microtask([] { print("queued after value()"); });
  const int v = co_await pending;
  print("resumed with ", v);
}

Future<void> awaits(Future<int> f) {
  const int v = co_await f;
  print("resumed with ", v);
}

Future<int> inner() {
  co_await 0;
  print("inner done");
  co_return 1;
}

Future<void> outer() {
  const int v = co_await inner();
  print("outer got ", v);
}

Future<int> returns_at_once() { co_return 7; }

Future<int> doubles_later(Future<int> gate) {
  const int v = co_await gate;
  co_return v * 2;
}

Future<int> throws_at_once() {
  throw Boom();
  co_return 0;  // NOLINT: unreachable, but makes this function a coroutine
}

Future<int> throws_later(Future<int> gate) {
  co_await gate;
  throw Boom();
}

Future<int> forward(Future<int> f) { co_return f; }

Future<int> forward_later(Future<int> gate, Future<int> result) {
  co_await gate;
  co_return result;
}

Future<void> catches(Future<int> f) {
  try {
    co_await f;
    print("never: the future failed");
  } catch (const Boom& e) {
    print("caught ", e.what());
  }
}

Future<void> worker(std::string name, int steps) {
  for (int i = 1; i <= steps; ++i) {
    print(name, i);
    co_await i;
  }
}

Future<void> waits_forever(Future<int> f, Lifetime& lifetime) {
  const Counted local(lifetime);
  co_await f;
  print("never: nobody completes f");
}

Future<int> sums_awaits(int n) {
  auto one = Future<int>::sync([] { return 1; });
  int sum = 0;
  for (int i = 0; i < n; ++i) sum += co_await one;
  co_return sum;
}

Future<void> void_function(Future<void> gate) {
  co_await gate;
  print("void function ends");
}

Future<void> async_main() {
  print("main starts");
  co_await Future<void>::delayed(3ms);
  print("main resumes at ", dartloop::test::now_ms(), " ms");
  throw Boom();
}

}  // namespace

// --- Where the body runs -------------------------------------------------------------------

TEST_CASE("an async function runs synchronously until its first co_await", "[async]") {
  const Lines out = run([] {
    print("before the call");
    prints_then_awaits();
    print("after the call");
  });
  CHECK(out == Lines{"before the call", "body starts", "after the call", "after the await"});
}

TEST_CASE("two async functions awaiting values take turns, one microtask each", "[async]") {
  const Lines out = run([] {
    worker("a", 3);
    worker("b", 3);
  });
  CHECK(out == Lines{"a1", "b1", "a2", "b2", "a3", "b3"});
}

TEST_CASE("an isolate's main can be an async function; its failure is uncaught", "[async]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines out;
  Lines errors;
  capture(loop, out);
  capture_errors(loop, errors);
  const int code = loop.run(async_main);
  CHECK(out == Lines{"main starts", "main resumes at 4 ms"});
  CHECK(code == dartloop::exit_uncaught_error);
  CHECK(errors.size() == 1);
}

// --- What a co_await costs (the table of §1.4) -----------------------------------------------

TEST_CASE("co_await of a plain value resumes in one microtask queued at the await", "[async]") {
  const Lines out = run([] {
    awaits_value();
    schedule_microtask([] { print("queued after the call"); });
  });
  CHECK(out == Lines{"queued before the await", "resumed with 5", "queued after the call"});
}

TEST_CASE("co_await of a complete future resumes in one microtask queued at the await", "[async]") {
  const Lines out = run([] {
    awaits_complete_future();
    schedule_microtask([] { print("queued after the call"); });
  });
  CHECK(out == Lines{"queued before the await", "resumed with 6", "queued after the call"});
}

TEST_CASE("co_await of an already failed future throws in one microtask queued at the await",
          "[async]") {
  const Lines out = run([] {
    auto failed = Future<int>::error(Boom());
    failed.catch_error([](std::exception_ptr) { return 0; });  // handled: not uncaught
    schedule_microtask([failed] {                              // `failed` has failed by now
      schedule_microtask([] { print("queued before the call"); });
      catches(failed);
      print("the call returned");
      schedule_microtask([] { print("queued after the call"); });
    });
  });
  CHECK(out == Lines{"the call returned", "queued before the call", "caught boom",
                     "queued after the call"});
}

TEST_CASE("co_await of Future::value resumes inside the completion microtask queued by value()",
          "[async]") {
  const Lines out = run([] { awaits_future_value(); });
  CHECK(out == Lines{"resumed with 7", "queued after value()"});
}

TEST_CASE("co_await of a pending future resumes inside whatever completes it", "[async]") {
  const Lines out = run([] {
    Completer<int> c = Completer<int>::sync();
    awaits(c.future());
    print("before complete");
    c.complete(3);
    print("after complete");
  });
  CHECK(out == Lines{"before complete", "resumed with 3", "after complete"});
}

TEST_CASE("an async completer resumes the awaiting function in its completion microtask",
          "[async]") {
  const Lines out = run([] {
    Completer<int> c;
    awaits(c.future());
    c.complete(4);
    schedule_microtask([] { print("queued after complete"); });
  });
  CHECK(out == Lines{"resumed with 4", "queued after complete"});
}

TEST_CASE("awaiting a pending async function: inner done, outer got 1, then m", "[async]") {
  // Part 2 §2: Node prints inner done, m, outer got 1.
  const Lines out = run([] {
    outer();
    schedule_microtask([] { print("m"); });
  });
  CHECK(out == Lines{"inner done", "outer got 1", "m"});
}

TEST_CASE("co_await of a timer-backed future resumes in that timer's event", "[async]") {
  const Lines out = run([] {
    awaits(Future<int>::delayed(2ms, [] { return 8; }));
    dartloop::Timer(2ms, [] { print("timer created after"); });
  });
  CHECK(out == Lines{"resumed with 8", "timer created after"});
}

// --- How the function's own future completes --------------------------------------------------

TEST_CASE("co_return before any suspension gives the caller a complete future", "[async]") {
  const Lines out = run([] {
    auto f = returns_at_once();
    schedule_microtask([] { print("queued before then()"); });
    f.then([](int v) { print("then ", v); });  // complete already: a microtask queued now
  });
  CHECK(out == Lines{"queued before then()", "then 7"});
}

TEST_CASE("co_await of an async function that never suspended costs one microtask", "[async]") {
  const Lines out = run([] {
    schedule_microtask([] { print("queued first"); });
    awaits(returns_at_once());
    schedule_microtask([] { print("queued last"); });
  });
  CHECK(out == Lines{"queued first", "resumed with 7", "queued last"});
}

TEST_CASE("co_return after a suspension completes the future inside the running task", "[async]") {
  const Lines out = run([] {
    Completer<int> gate = Completer<int>::sync();
    doubles_later(gate.future()).then([](int v) { print("then ", v); });
    print("before");
    gate.complete(2);
    print("after");
  });
  CHECK(out == Lines{"before", "then 4", "after"});
}

TEST_CASE("a throw before the first suspension fails the future one microtask later", "[async]") {
  const Lines out = run([] {
    auto f = throws_at_once();
    print("the call returned");
    schedule_microtask([] { print("queued after the call"); });
    f.catch_error([](const Boom&) {
      print("caught");
      return 0;
    });
  });
  CHECK(out == Lines{"the call returned", "caught", "queued after the call"});
}

TEST_CASE("a throw after a suspension fails the future at once", "[async]") {
  const Lines out = run([] {
    Completer<int> gate = Completer<int>::sync();
    throws_later(gate.future()).catch_error([](const Boom&) {
      print("caught");
      return 0;
    });
    print("before");
    gate.complete(0);
    print("after");
  });
  CHECK(out == Lines{"before", "caught", "after"});
}

TEST_CASE("co_return of a pending future completes with it, with no extra hop", "[async]") {
  const Lines out = run([] {
    Completer<int> c = Completer<int>::sync();
    forward(c.future()).then([](int v) { print("got ", v); });
    print("before");
    c.complete(5);
    print("after");
  });
  CHECK(out == Lines{"before", "got 5", "after"});
}

TEST_CASE("co_return of a complete future nobody listens to yet hands its value over at once",
          "[async]") {
  const Lines out = run([] {
    auto f = forward(Future<int>::sync([] { return 5; }));
    schedule_microtask([] { print("queued before then()"); });
    f.then([](int v) { print("got ", v); });
  });
  CHECK(out == Lines{"queued before then()", "got 5"});
}

TEST_CASE("co_return of a complete future costs a microtask when someone already listens",
          "[async]") {
  const Lines out = run([] {
    Completer<int> gate = Completer<int>::sync();
    forward_later(gate.future(), Future<int>::sync([] { return 9; })).then([](int v) {
      print("got ", v);
    });
    gate.complete(0);
    print("after complete");
  });
  CHECK(out == Lines{"after complete", "got 9"});
}

TEST_CASE("co_return of a failed future passes the error on one microtask later", "[async]") {
  const Lines out = run([] {
    auto failed = Future<int>::error(Boom());
    failed.catch_error([](std::exception_ptr) { return 0; });  // handled: not uncaught
    schedule_microtask([failed] {
      auto f = forward(failed);  // `failed` is complete with an error by now
      schedule_microtask([] { print("queued after the call"); });
      f.catch_error([](const Boom&) {
        print("error passed on");
        return 0;
      });
    });
  });
  CHECK(out == Lines{"error passed on", "queued after the call"});
}

TEST_CASE("a Future<void> function completes when its body ends", "[async]") {
  const Lines out = run([] {
    Completer<void> gate;
    void_function(gate.future()).then([] { print("its future completed"); });
    gate.complete();
  });
  CHECK(out == Lines{"void function ends", "its future completed"});
}

// --- Errors ----------------------------------------------------------------------------------

TEST_CASE("try/catch around co_await catches the awaited future's error by type", "[async]") {
  const Lines out = run([] {
    catches(Future<int>::error(Boom()));
    Completer<int> later;
    catches(later.future());
    later.complete_error(Boom());
  });
  CHECK(out == Lines{"caught boom", "caught boom"});
}

TEST_CASE("an async function that fails with nobody listening is an uncaught error", "[async]") {
  const auto [code, out, errors] = dartloop::test::run_isolate([] {
    throws_later(Future<int>::value(0));
    schedule_microtask([] { print("dropped: queued after the failure"); });
  });
  CHECK(code == dartloop::exit_uncaught_error);
  CHECK(out.empty());
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].rfind("Unhandled exception:\nboom", 0) == 0);
}

TEST_CASE("an async function needs a running loop", "[async]") {
  CHECK_THROWS_AS(returns_at_once(), StateError);
}

// --- Frames ----------------------------------------------------------------------------------

TEST_CASE("a frame waiting on a future nobody completes is destroyed with its isolate", "[async]") {
  Lifetime lifetime;
  const std::size_t blocks_before = dartloop::detail::pool_blocks_in_use();
  {
    EventLoop loop(ClockKind::virtual_time);
    const int code = loop.run([&] {
      Completer<int> never;
      waits_forever(never.future(), lifetime);
    });
    CHECK(code == 0);  // a pending future does not keep the isolate alive
    CHECK(loop.async_frames() == 1);
    CHECK(lifetime.live == 1);
  }
  CHECK(lifetime.live == 0);
  CHECK(lifetime.double_destroyed == 0);
  CHECK(dartloop::detail::pool_blocks_in_use() == blocks_before);
}

TEST_CASE("a frame whose resumption microtask never ran is destroyed with its isolate", "[async]") {
  Lifetime lifetime;
  {
    EventLoop loop(ClockKind::virtual_time);
    loop.within([&] { waits_forever(Future<int>::sync([] { return 1; }), lifetime); });
    CHECK(loop.pending_microtasks() == 1);  // the resumption, never run
  }
  CHECK(lifetime.live == 0);
}

TEST_CASE("finished async functions leave no frame behind", "[async]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines out;
  capture(loop, out);
  loop.run([] {
    worker("w", 3);
    outer();
  });
  CHECK(loop.async_frames() == 0);
  CHECK(out.size() == 5);
}

TEST_CASE("a snapshot lists each suspended call at its co_await line", "[async]") {
  EventLoop loop(ClockKind::virtual_time);
  Completer<int> never;
  loop.within([&] { awaits(never.future()); });
  const dartloop::QueueSnapshot s = loop.snapshot();
  REQUIRE(s.suspended.size() == 1);
  CHECK(std::string(s.suspended[0].info.where.file_name()).ends_with("test_async.cpp"));
  CHECK(std::string(s.suspended[0].info.where.function_name()).find("awaits") != std::string::npos);
  CHECK(s.suspended[0].info.id != 0);
}

TEST_CASE("a loop of a hundred thousand awaits needs no deep stack", "[async]") {
  int sum = 0;
  run([&] { sums_awaits(100'000).then([&](int v) { sum = v; }); });
  CHECK(sum == 100'000);
}
