// Layer 5: futures. Constructors, listeners, propagation and uncaught errors, exactly as the
// Dart VM orders them (dart-semantics.md §1.3; Part 2 lists where Dart differs from JS).

#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "dartloop/completer.hpp"
#include "dartloop/detail/pool.hpp"
#include "dartloop/errors.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/future.hpp"
#include "dartloop/print.hpp"
#include "dartloop/timer.hpp"
#include "support.hpp"

using namespace std::chrono_literals;
using dartloop::AsyncError;
using dartloop::ClockKind;
using dartloop::Completer;
using dartloop::Duration;
using dartloop::EventLoop;
using dartloop::Future;
using dartloop::print;
using dartloop::schedule_microtask;
using dartloop::StateError;
using dartloop::Timer;
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

/// A message a test can throw and recognise.
struct Boom : std::runtime_error {
  Boom() : std::runtime_error("boom") {}
};

}  // namespace

// --- Constructors ----------------------------------------------------------------------

TEST_CASE("the seed puzzle with futures prints 1 6 3 5 2 4", "[futures]") {
  const Lines out = run([] {
    print("1");
    Future([] { print("2"); });
    Future<void>::microtask([] { print("3"); });
    Future<void>::delayed(Duration::zero(), [] { print("4"); });
    schedule_microtask([] { print("5"); });
    print("6");
  });
  CHECK(out == Lines{"1", "6", "3", "5", "2", "4"});
}

TEST_CASE("Future(f) is an event: FIFO with Timer::run, after every microtask", "[futures]") {
  const Lines out = run([] {
    Timer::run([] { print("timer-1"); });
    Future([] { print("future"); });
    Timer::run([] { print("timer-2"); });
    schedule_microtask([] { print("microtask"); });
  });
  CHECK(out == Lines{"microtask", "timer-1", "future", "timer-2"});
}

TEST_CASE("Future(f) deduces its type from f and completes with f's result in f's event",
          "[futures]") {
  const Lines out = run([] {
    Future f([] { return 7; });
    static_assert(std::is_same_v<decltype(f), Future<int>>);
    f.then([](int v) { print("value ", v); });
    Timer::run([] { print("next event"); });
  });
  // The listener runs inside the event that ran f, before the next event.
  CHECK(out == Lines{"value 7", "next event"});
}

TEST_CASE("Future<T>::delayed fires at now + 1 + whole milliseconds", "[futures]") {
  EventLoop loop(ClockKind::virtual_time);
  std::int64_t fired_at = -1;
  loop.within([&] {
    Future<int>::delayed(10ms, [] { return 1; }).then([&](int) {
      fired_at = dartloop::test::now_ms();
    });
  });
  loop.elapse(10ms);
  CHECK(fired_at == -1);
  loop.elapse(1ms);
  CHECK(fired_at == 11);
}

TEST_CASE("Future<T>::microtask shares the microtask FIFO with schedule_microtask", "[futures]") {
  const Lines out = run([] {
    schedule_microtask([] { print("a"); });
    Future<int>::microtask([] { return 1; }).then([](int) { print("b"); });
    schedule_microtask([] { print("c"); });
  });
  CHECK(out == Lines{"a", "b", "c"});
}

TEST_CASE("Future<T>::value is pending until the microtask queued when it was made", "[futures]") {
  // Part 2 §4: a listener added later still runs at the value's earlier queue position.
  const Lines out = run([] {
    auto f = Future<int>::value(1);
    schedule_microtask([] { print("queued after value()"); });
    f.then([](int v) { print("then ", v); });
  });
  CHECK(out == Lines{"then 1", "queued after value()"});
}

TEST_CASE("Future<T>::sync is complete at once: a later then costs a microtask queued then",
          "[futures]") {
  const Lines out = run([] {
    auto f = Future<int>::sync([] {
      print("computation runs now");
      return 1;
    });
    schedule_microtask([] { print("queued before then()"); });
    f.then([](int v) { print("then ", v); });
    print("main ends");
  });
  CHECK(out == Lines{"computation runs now", "main ends", "queued before then()", "then 1"});
}

TEST_CASE("Future<T>::value and Future<T>::sync are not the same in ordering", "[futures]") {
  const Lines out = run([] {
    auto by_value = Future<int>::value(1);
    auto by_sync = Future<int>::sync([] { return 2; });
    by_sync.then([](int v) { print("sync ", v); });
    by_value.then([](int v) { print("value ", v); });
  });
  // value()'s completion microtask was queued first; sync's then() queued its own after it.
  CHECK(out == Lines{"value 1", "sync 2"});
}

TEST_CASE("Future<T>::sync returns a returned future itself and fails a microtask later on a throw",
          "[futures]") {
  const Lines out = run([] {
    Completer<int> c = Completer<int>::sync();
    auto same = Future<int>::sync([c] { return c.future(); });
    same.then([](int v) { print("got ", v); });
    c.complete(5);  // sync completer: the listener runs inside complete()
    print("after complete");
    auto failed = Future<int>::sync([]() -> int { throw Boom(); });
    schedule_microtask([] { print("queued after the throw"); });
    failed.catch_error([](const Boom&) {
      print("caught");
      return 0;
    });
  });
  CHECK(out == Lines{"got 5", "after complete", "caught", "queued after the throw"});
}

TEST_CASE("Future<T>::error completes in a microtask queued now, so a handler can follow",
          "[futures]") {
  const Lines out = run([] {
    auto f = Future<int>::error(Boom());
    schedule_microtask([] { print("queued after error()"); });
    f.catch_error([](std::exception_ptr e) {
      print("caught ", dartloop::describe(e));
      return -1;
    });
  });
  CHECK(out == Lines{"caught boom", "queued after error()"});
}

TEST_CASE("Future<void>::value is pending too: it completes in the microtask queued at the call",
          "[futures]") {
  const Lines out = run([] {
    auto f = Future<void>::value();
    schedule_microtask([] { print("queued after value()"); });
    f.then([] { print("then"); });
  });
  CHECK(out == Lines{"then", "queued after value()"});
}

TEST_CASE("Future<void>::value and Future<void>::delayed complete a Future<void>", "[futures]") {
  const Lines out = run([] {
    Future<void>::delayed(1ms).then([] { print("delayed"); });
    Future<void>::value().then([] { print("value"); });
  });
  CHECK(out == Lines{"value", "delayed"});
}

// --- Listeners and propagation ---------------------------------------------------------

TEST_CASE("listeners run synchronously inside the completion, in registration order", "[futures]") {
  const Lines out = run([] {
    Completer<int> c = Completer<int>::sync();
    for (int i = 1; i <= 3; ++i) c.future().then([i](int) { print("listener ", i); });
    print("before complete");
    c.complete(0);
    print("after complete");
  });
  CHECK(out ==
        Lines{"before complete", "listener 1", "listener 2", "listener 3", "after complete"});
}

TEST_CASE("a whole then-chain runs inside one microtask: two chains print a1 a2 b1 b2",
          "[futures]") {
  // Part 2 §1: JavaScript would print a1 b1 a2 b2.
  const Lines out = run([] {
    Future<int>::value(1)
        .then([](int) { print("a1"); })
        .then([] { print("a2"); })
        .catch_error([](std::exception_ptr) {})
        .when_complete([] { print("a3"); });
    Future<int>::value(1).then([](int) { print("b1"); }).then([] { print("b2"); });
  });
  CHECK(out == Lines{"a1", "a2", "a3", "b1", "b2"});
}

TEST_CASE("several listeners: each one's own chain completes before the next listener runs",
          "[futures]") {
  const Lines out = run([] {
    Completer<int> c;
    auto f = c.future();
    f.then([](int v) { return v + 1; }).then([](int v) { print("first chain ", v); });
    f.then([](int v) { print("second listener ", v); });
    c.complete(1);
  });
  CHECK(out == Lines{"first chain 2", "second listener 1"});
}

TEST_CASE("then on an already completed future runs one microtask later, queued at the call",
          "[futures]") {
  const Lines out = run([] {
    auto f = Future<int>::sync([] { return 1; });
    f.then([](int) { print("then 1"); });
    schedule_microtask([] { print("between"); });
    f.then([](int) { print("then 2"); });
  });
  CHECK(out == Lines{"then 1", "between", "then 2"});
}

TEST_CASE("a callback returning a completed future continues the chain synchronously",
          "[futures]") {
  const Lines out = run([] {
    Future<int>::value(1)
        .then([](int v) {
          print("first");
          return Future<int>::sync([v] { return v + 1; });
        })
        .then([](int v) { print("second ", v); });
    schedule_microtask([] { print("queued after the chain"); });
  });
  CHECK(out == Lines{"first", "second 2", "queued after the chain"});
}

TEST_CASE("a callback returning a pending future completes with it, with no extra hop",
          "[futures]") {
  const Lines out = run([] {
    Completer<int> inner = Completer<int>::sync();
    Future<int>::value(1).then([inner](int) { return inner.future(); }).then([](int v) {
      print("chain got ", v);
    });
    Timer::run([inner]() mutable {
      print("event completes inner");
      inner.complete(42);
      print("event ends");
    });
  });
  CHECK(out == Lines{"event completes inner", "chain got 42", "event ends"});
}

TEST_CASE("a listener added to a chained future waits for the future it follows", "[futures]") {
  const Lines out = run([] {
    Completer<int> source = Completer<int>::sync();
    Completer<int> follower = Completer<int>::sync();
    follower.complete(source.future());  // follower now follows source
    follower.future().then([](int v) { print("follower ", v); });
    source.future().then([](int v) { print("source ", v); });
    source.complete(3);
  });
  // Both listeners ended up on the source: the follower's was moved there first.
  CHECK(out == Lines{"follower 3", "source 3"});
}

TEST_CASE("an error skips then callbacks down the chain and reaches the first handler",
          "[futures]") {
  const Lines out = run([] {
    Future<int>::error(Boom())
        .then([](int v) {
          print("skipped");
          return v;
        })
        .then([](int v) { return v * 2; })
        .catch_error([](const Boom& e) {
          print("handled ", e.what());
          return 0;
        })
        .then([](int v) { print("value after handler ", v); });
  });
  CHECK(out == Lines{"handled boom", "value after handler 0"});
}

TEST_CASE("an error runs down a whole chain inside one microtask, before the next completion",
          "[futures]") {
  const Lines out = run([] {
    Future<int>::error(Boom()).then([](int v) { return v; }).catch_error([](const Boom&) {
      print("a handled");
      return 0;
    });
    Future<int>::value(1).then([](int) { print("b"); });
  });
  CHECK(out == Lines{"a handled", "b"});  // one microtask per link would print b first
}

TEST_CASE("then's on_error handles the source's error but not one thrown by on_value",
          "[futures]") {
  const Lines out = run([] {
    Future<int>::error(Boom()).then([](int v) { return v; },
                                    [](std::exception_ptr) {
                                      print("on_error for the source");
                                      return 1;
                                    });
    Future<int>::value(1)
        .then([](int) -> int { throw std::logic_error("from on_value"); },
              [](std::exception_ptr) {
                print("never: on_error does not see on_value's throw");
                return 0;
              })
        .catch_error([](const std::logic_error& e) {
          print("next handler: ", e.what());
          return 0;
        });
  });
  CHECK(out == Lines{"on_error for the source", "next handler: from on_value"});
}

TEST_CASE("a typed catch_error handles its exception type only", "[futures]") {
  const Lines out = run([] {
    Future<int>::error(std::out_of_range("range"))
        .catch_error([](const StateError&) {
          print("wrong type: never");
          return 1;
        })
        .catch_error([](const std::out_of_range& e) {
          print("right type: ", e.what());
          return 2;
        })
        .then([](int v) { print("value ", v); });
  });
  CHECK(out == Lines{"right type: range", "value 2"});
}

TEST_CASE("catch_error with a test handles only errors the test accepts", "[futures]") {
  const auto is_boom = [](std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const Boom&) {
      return true;
    } catch (...) {
      return false;
    }
  };
  const Lines out = run([is_boom] {
    Future<int>::error(std::logic_error("other"))
        .catch_error([](std::exception_ptr) { return 1; }, is_boom)
        .catch_error([](std::exception_ptr e) {
          print("passed the test by: ", dartloop::describe(e));
          return 2;
        });
    Future<int>::error(Boom())
        .catch_error(
            [](std::exception_ptr) {
              print("test said yes");
              return 1;
            },
            is_boom)
        .then([](int v) { print("value ", v); });
  });
  CHECK(out == Lines{"passed the test by: other", "test said yes", "value 1"});
}

TEST_CASE("a throwing catch_error test fails the result with the test's error", "[futures]") {
  const Lines out = run([] {
    Future<int>::error(Boom())
        .catch_error([](std::exception_ptr) { return 1; },
                     [](std::exception_ptr) -> bool { throw std::logic_error("test threw"); })
        .catch_error([](const std::logic_error& e) {
          print(e.what());
          return 0;
        });
  });
  CHECK(out == Lines{"test threw"});
}

TEST_CASE("a handler that rethrows keeps the error's original location", "[futures]") {
  std::source_location original;
  std::source_location after_rethrow;
  run([&] {
    Future<int>::error(Boom())
        .catch_error([&](const AsyncError& e) -> int {
          original = e.where;
          std::rethrow_exception(e.error);
        })
        .catch_error([&](const AsyncError& e) {
          after_rethrow = e.where;
          return 0;
        });
  });
  CHECK(original.line() != 0);
  CHECK(after_rethrow.line() == original.line());
  CHECK(std::string(after_rethrow.file_name()) == original.file_name());
}

TEST_CASE("when_complete runs on a value and on an error and passes the result on", "[futures]") {
  const Lines out = run([] {
    Future<int>::value(1).when_complete([] { print("done (value)"); }).then([](int v) {
      print("value ", v);
    });
    Future<int>::error(Boom())
        .when_complete([] { print("done (error)"); })
        .catch_error([](const Boom&) {
          print("error passed on");
          return 0;
        });
  });
  CHECK(out == Lines{"done (value)", "value 1", "done (error)", "error passed on"});
}

TEST_CASE("when_complete waits for a returned future and takes its error if it fails",
          "[futures]") {
  const Lines out = run([] {
    Future<int>::value(1)
        .when_complete([] { return Future<void>::delayed(5ms, [] { print("cleanup done"); }); })
        .then([](int v) { print("value after cleanup ", v); });
    Future<int>::value(2)
        .when_complete([]() -> Future<void> { return Future<void>::error(Boom()); })
        .catch_error([](const Boom&) {
          print("cleanup's error replaces the value");
          return 0;
        });
    Future<int>::value(3)
        .when_complete([] { throw std::logic_error("action threw"); })
        .catch_error([](const std::logic_error& e) {
          print(e.what());
          return 0;
        });
  });
  // Future<void>::error is still pending when the action returns it (its failure is a
  // microtask queued then), so the second result waits one microtask: the third goes first.
  CHECK(out == Lines{"action threw", "cleanup's error replaces the value", "cleanup done",
                     "value after cleanup 1"});
}

TEST_CASE("a long then-chain completes without deep recursion", "[futures]") {
  int last = 0;
  run([&] {
    Completer<int> c;
    Future<int> f = c.future();
    for (int i = 0; i < 200'000; ++i) f = f.then([](int v) { return v + 1; });
    f.then([&](int v) { last = v; });
    c.complete(0);
  });
  CHECK(last == 200'000);
}

TEST_CASE("a long chain that never completes is freed without deep recursion", "[futures]") {
  Lifetime lifetime;
  {
    EventLoop loop(ClockKind::virtual_time);
    loop.within([&] {
      Completer<int> never;
      Future<int> f = never.future();
      for (int i = 0; i < 200'000; ++i) f = f.then([c = Counted(lifetime)](int v) { return v; });
      CHECK(lifetime.live == 200'000);
    });  // the completer and the last future go here: the whole chain with them
  }
  CHECK(lifetime.live == 0);
  CHECK(lifetime.double_destroyed == 0);
}

// --- Uncaught errors ---------------------------------------------------------------------

TEST_CASE("a future that fails with no listener is uncaught: exit 255, the rest dropped",
          "[futures]") {
  const auto [code, out, errors] = dartloop::test::run_isolate([] {
    Future<int>::error(Boom());  // nobody listens
    schedule_microtask([] { print("queued after the error: dropped"); });
    Timer::run([] { print("event: dropped"); });
  });
  CHECK(code == dartloop::exit_uncaught_error);
  CHECK(out.empty());
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].rfind("Unhandled exception:\nboom", 0) == 0);
  CHECK(errors[0].find("test_futures.cpp:") != std::string::npos);  // where the error entered
}

TEST_CASE("a handler added one microtask after the failure is too late", "[futures]") {
  const auto [code, out, errors] = dartloop::test::run_isolate([] {
    auto f = Future<int>::error(Boom());
    schedule_microtask([f] {
      f.catch_error([](std::exception_ptr) {
        print("never: the error was already uncaught");
        return 0;
      });
    });
  });
  CHECK(code == dartloop::exit_uncaught_error);
  CHECK(out.empty());
  CHECK(errors.size() == 1);
}

TEST_CASE("an error at the end of a chain with no handler is uncaught", "[futures]") {
  Lines errors;
  EventLoop loop(ClockKind::virtual_time);
  capture_errors(loop, errors);
  const int code = loop.run([] {
    Future<int>::value(1).then([](int) -> int { throw std::logic_error("in the chain"); });
  });
  CHECK(code == dartloop::exit_uncaught_error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].rfind("Unhandled exception:\nin the chain", 0) == 0);
}

TEST_CASE("with an uncaught-error handler the isolate survives a failed future", "[futures]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines out;
  capture(loop, out);
  loop.set_uncaught_error_handler([](std::exception_ptr e, const dartloop::TaskInfo&) {
    print("handler: ", dartloop::describe(e));
  });
  const int code = loop.run([] {
    Future<int>::error(Boom());
    schedule_microtask([] { print("still running"); });
  });
  CHECK(code == 0);
  CHECK(out == Lines{"handler: boom", "still running"});
}

// --- Handles and memory --------------------------------------------------------------------

TEST_CASE("an empty Future refuses every operation with StateError", "[futures]") {
  EventLoop loop(ClockKind::virtual_time);
  loop.within([] {
    Future<int> empty;
    CHECK_FALSE(empty.valid());
    CHECK_THROWS_AS(empty.then([](int) {}), StateError);
    CHECK_THROWS_AS(Future<int>::value(empty), StateError);
  });
}

TEST_CASE("futures compare by identity: copies are equal, two futures of one value are not",
          "[futures]") {
  EventLoop loop(ClockKind::virtual_time);
  loop.within([] {
    Completer<int> c;
    CHECK(c.future() == c.future());
    const Future<int> a = Future<int>::value(1);
    const Future<int> copy = a;
    CHECK(a == copy);
    CHECK_FALSE(a == Future<int>::value(1));
    CHECK(Future<int>() == Future<int>());
  });
}

TEST_CASE("futures need a running loop", "[futures]") {
  CHECK_THROWS_AS(Future<int>::value(1), StateError);
}

TEST_CASE("callbacks, states and captures are all freed, completed or not", "[futures]") {
  Lifetime lifetime;
  const std::size_t blocks_before = dartloop::detail::pool_blocks_in_use();
  {
    EventLoop loop(ClockKind::virtual_time);
    loop.run([&] {
      Completer<int> never;  // nobody completes it: its listeners are dropped with it
      never.future().then([c = Counted(lifetime)](int) {});
      Future<int>::value(1).then([c = Counted(lifetime)](int v) { return v; }).then([](int) {});
      Future<int>::error(Boom()).catch_error(
          [c = Counted(lifetime)](std::exception_ptr) { return 0; });
    });
  }
  CHECK(lifetime.live == 0);
  CHECK(lifetime.double_destroyed == 0);
  CHECK(lifetime.destroyed >= 3);
  CHECK(dartloop::detail::pool_blocks_in_use() == blocks_before);
}
