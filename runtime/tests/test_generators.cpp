// Streams, part 3: `async*` generators (`Stream<T>` coroutines with `co_yield`) and `await for`
// written out with `StreamIterator` (dart-semantics.md §1.8). Each test pins the exact order
// in which the body, the listener and the other microtasks / timers run.

#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "dartloop/dartloop.hpp"
#include "dartloop/starvation_watchdog.hpp"
#include "support.hpp"

using namespace std::chrono_literals;
using dartloop::ClockKind;
using dartloop::Completer;
using dartloop::EventLoop;
using dartloop::Future;
using dartloop::print;
using dartloop::schedule_microtask;
using dartloop::StateError;
using dartloop::Stream;
using dartloop::StreamController;
using dartloop::StreamIterator;
using dartloop::StreamSubscription;
using dartloop::Timer;
using dartloop::yield_all;
using dartloop::test::contains;
using dartloop::test::Counted;
using dartloop::test::Lifetime;
using dartloop::test::now_ms;
using dartloop::test::queue_print;

using Lines = std::vector<std::string>;

namespace {

/// Runs @p program as an isolate's main on the virtual clock; returns what it printed.
template <class F>
Lines run(F program, int expected_exit = 0) {
  dartloop::test::IsolateRun r = dartloop::test::run_isolate(std::move(program));
  REQUIRE(r.exit_code == expected_exit);
  CHECK(r.errors.empty());
  return r.output;
}

/// Prints "finally" when the generator frame holding it is destroyed (Dart's `finally`).
struct Finally {
  Finally() = default;
  Finally(const Finally&) = delete;
  Finally& operator=(const Finally&) = delete;
  Finally(Finally&&) = delete;
  Finally& operator=(Finally&&) = delete;
  ~Finally() { print("finally"); }
};

/// A listener that prints each value, each error and done.
void listen_printing(const Stream<int>& s) {
  s.listen([](const int& v) { print("got ", v); },
           {.on_error = [](const StateError& e) { print("error: ", e.what()); },
            .on_done = [] { print("done"); }});
}

// The generators. Like async functions they are free functions (no capturing lambdas).

Stream<int> counts_to(int n) {
  print("body starts");
  for (int i = 1; i <= n; ++i) {
    print("yield ", i);
    co_yield i;
    print("after yield ", i);
  }
  print("body ends");
}

Stream<int> named(std::string name, int n) {
  for (int i = 1; i <= n; ++i) co_yield i*(name == "a" ? 1 : 10);
}

Stream<int> inner_generator() {
  print("inner starts");
  co_yield 10;
  co_yield 11;
  print("inner ends");
  // Marks the end of the inner body; it queues a second marker when it runs.
  schedule_microtask([] {
    print("marker 1");
    queue_print("marker 2");
  });
}

Stream<int> delegates_to_inner() {
  co_yield 1;
  co_yield yield_all(inner_generator());
  print("outer continues");
  co_yield 2;
}

Stream<int> delegates_to_failing_stream() {
  co_yield 1;
  co_yield yield_all(Stream<int>::error(StateError("inner failed")));
  print("outer continues");
  const std::vector<int> rest{2, 3};  // (a braced list inside a coroutine trips GCC)
  co_yield yield_all(Stream<int>::from_iterable(rest));
  co_yield 4;
}

Stream<int> waits_between_values() {
  co_yield 1;
  co_await Future<void>::delayed(10ms);
  print("after the await at ", now_ms(), " ms");
  co_yield 2;
}

Stream<int> endless_with_finally() {
  const Finally f;
  for (int i = 1;; ++i) {
    co_yield i;
    print("after yield ", i);
  }
}

Stream<int> awaits_after_first_value() {
  const Finally f;
  co_yield 1;
  print("awaiting");
  co_await Future<void>::delayed(10ms);
  print("after the await at ", now_ms(), " ms");
  co_yield 2;
  print("after yield 2");
}

Stream<int> throws_after_one_value() {
  co_yield 1;
  throw StateError("broken body");
}

Stream<int> throws_before_any_value(bool fail) {
  if (fail) throw StateError("failed at once");
  co_yield 1;
}

Stream<int> naturals_counting(Counted token) {
  const Counted local = token;
  const Finally f;
  int i = 0;
  while (true) co_yield i++;
}

Stream<int> holds_a_token([[maybe_unused]] Counted token) {
  print("body runs");
  co_yield 1;
}

Stream<int> stuck_at_await(Counted token, Future<void> never) {
  const Counted local = token;
  co_yield 1;
  co_await never;
  print("never printed");
  co_yield 2;
}

Stream<int> endless_naturals_without_await() {
  int i = 0;
  while (true) co_yield i++;
}

Stream<int> endless_naturals_awaiting_an_event() {
  int i = 0;
  while (true) {
    co_yield i++;
    co_await Future<void>([] {});
  }
}

// `await for` loops, written out with StreamIterator.

Future<void> prints_each(Stream<int> s) {
  StreamIterator<int> it(s);
  while (co_await it.move_next()) print("loop body ", it.current());
  print("loop done");
}

Future<void> awaits_on_even_values(Stream<int> s) {
  StreamIterator<int> it(s);
  while (co_await it.move_next()) {
    const int v = it.current();
    print("loop body ", v);
    if (v % 2 == 0) {
      co_await Future<void>::delayed(10ms);
      print("loop body ", v, " ends at ", now_ms(), " ms");
    }
  }
  print("loop done");
}

Future<void> breaks_at_two(Stream<int> s) {
  StreamIterator<int> it(s);
  while (co_await it.move_next()) {
    print("loop body ", it.current());
    if (it.current() == 2) break;
  }
  print("break");
  co_await it.cancel();
  print("cancel finished at ", now_ms(), " ms");
}

Future<void> drops_iterator_after_first(Stream<int> s) {
  {
    StreamIterator<int> it(s);
    if (co_await it.move_next()) print("first ", it.current());
  }
  print("iterator gone");
}

Future<void> catches_stream_error(Stream<int> s) {
  StreamIterator<int> it(s);
  try {
    while (co_await it.move_next()) print("loop body ", it.current());
    print("loop ended normally");
  } catch (const StateError& e) {
    print("caught ", e.what());
  }
  const bool more = co_await it.move_next();
  print("move_next after the error: ", more ? "true" : "false");
}

Future<void> asks_twice(Stream<int> s) {
  StreamIterator<int> it(s);
  const Future<bool> first = it.move_next();
  try {
    (void)it.move_next();
    print("no error");
  } catch (const StateError& e) {
    print("caught ", e.what());
  }
  const bool got = co_await first;
  print("first move_next: ", got ? "true" : "false", ", current ", it.current());
}

Future<void> moves_past_the_end(Stream<int> s) {
  StreamIterator<int> it(s);
  while (co_await it.move_next()) print("loop body ", it.current());
  const bool again = co_await it.move_next();
  const bool and_again = co_await it.move_next();
  print("after done: ", again ? "true" : "false", " ", and_again ? "true" : "false");
}

Future<void> sums(Stream<int> s) {
  StreamIterator<int> it(s);
  int sum = 0;
  while (co_await it.move_next()) sum += it.current();
  print("sum ", sum);
}

}  // namespace

// --- Starting the body ---------------------------------------------------------------------

TEST_CASE("calling a generator runs none of its body, and never listening means it never runs",
          "[streams]") {
  const Lines out = run([] {
    const Stream<int> s = counts_to(2);
    print("called, valid: ", s.valid() ? "yes" : "no");
  });
  CHECK(out == Lines{"called, valid: yes"});
}

TEST_CASE("listen starts the generator's body in a microtask queued by the listen call",
          "[streams]") {
  const Lines out = run([] {
    const Stream<int> s = counts_to(1);
    queue_print("queued before listen");
    listen_printing(s);
    print("listen returned");
    queue_print("queued after listen");
  });
  CHECK(out == Lines{"listen returned", "queued before listen", "body starts", "yield 1", "got 1",
                     "queued after listen", "after yield 1", "body ends", "done"});
}

// --- co_yield --------------------------------------------------------------------------------

TEST_CASE(
    "each co_yield reaches the listener synchronously; the body resumes one microtask "
    "later, at the back of the queue",
    "[streams]") {
  const Lines out = run([] {
    counts_to(3).listen(
        [](const int& v) {
          print("got ", v);
          queue_print("listener's microtask " + std::to_string(v));
        },
        {.on_done = [] { print("done"); }});
  });
  CHECK(out == Lines{"body starts", "yield 1", "got 1", "listener's microtask 1", "after yield 1",
                     "yield 2", "got 2", "listener's microtask 2", "after yield 2", "yield 3",
                     "got 3", "listener's microtask 3", "after yield 3", "body ends", "done"});
}

TEST_CASE("two listened generators take turns, one value per microtask each", "[streams]") {
  const Lines out = run([] {
    named("a", 3).listen([](const int& v) { print("a got ", v); });
    named("b", 3).listen([](const int& v) { print("b got ", v); });
  });
  CHECK(out == Lines{"a got 1", "b got 10", "a got 2", "b got 20", "a got 3", "b got 30"});
}

// --- Pause and resume ------------------------------------------------------------------------

TEST_CASE(
    "a subscription paused in its data callback holds the body at its co_yield until "
    "resume",
    "[streams]") {
  static StreamSubscription<int> sub;  // reachable from the non-capturing callbacks
  const Lines out = run([] {
    sub = counts_to(3).listen(
        [](const int& v) {
          print("got ", v);
          if (v == 2) {
            sub.pause();
            print("paused: ", sub.is_paused() ? "yes" : "no");
          }
        },
        {.on_done = [] { print("done"); }});
    Timer(10ms, [] {
      print("resuming at ", now_ms(), " ms");
      sub.resume();
      queue_print("queued after resume");
    });
  });
  sub = {};
  CHECK(out == Lines{"body starts", "yield 1", "got 1", "after yield 1", "yield 2", "got 2",
                     "paused: yes", "resuming at 11 ms", "after yield 2", "yield 3", "got 3",
                     "queued after resume", "after yield 3", "body ends", "done"});
}

TEST_CASE("a generator paused twice resumes its body only after the second resume", "[streams]") {
  static StreamSubscription<int> sub;
  const Lines out = run([] {
    sub = counts_to(2).listen([](const int& v) {
      print("got ", v);
      if (v == 1) {
        sub.pause();
        sub.pause();
      }
    });
    Timer(10ms, [] {
      print("first resume");
      sub.resume();
    });
    Timer(20ms, [] {
      print("second resume");
      sub.resume();
    });
  });
  sub = {};
  CHECK(out == Lines{"body starts", "yield 1", "got 1", "first resume", "second resume",
                     "after yield 1", "yield 2", "got 2", "after yield 2", "body ends"});
}

// --- yield_all (Dart's yield*) ---------------------------------------------------------------

TEST_CASE(
    "co_yield yield_all forwards each value of another generator as that generator yields "
    "it",
    "[streams]") {
  const Lines out = run([] { listen_printing(delegates_to_inner()); });
  CHECK(out == Lines{"got 1", "inner starts", "got 10", "got 11", "inner ends", "marker 1",
                     "marker 2", "outer continues", "got 2", "done"});
}

TEST_CASE("after yield_all the body continues two microtasks after the other stream's done",
          "[streams]") {
  // The inner stream's done completes `add_stream`'s future in a microtask (Dart's
  // `_AddStreamState.complete` uses `_asyncComplete`); its `then` schedules the body again
  // (a second microtask). "marker 2" is queued by "marker 1", between those two hops.
  const Lines out = run([] { delegates_to_inner().listen([](const int&) {}); });
  CHECK(out == Lines{"inner starts", "inner ends", "marker 1", "marker 2", "outer continues"});
}

TEST_CASE("yield_all forwards an error of the other stream and the generator goes on",
          "[streams]") {
  const Lines out = run([] { listen_printing(delegates_to_failing_stream()); });
  CHECK(out == Lines{"got 1", "error: Bad state: inner failed", "outer continues", "got 2", "got 3",
                     "got 4", "done"});
}

// --- co_await in a generator -----------------------------------------------------------------

TEST_CASE("a value yielded after a co_await in the generator arrives after the awaited timer",
          "[streams]") {
  const Lines out = run([] {
    waits_between_values().listen([](const int& v) { print("got ", v, " at ", now_ms(), " ms"); },
                                  {.on_done = [] { print("done at ", now_ms(), " ms"); }});
    Timer(5ms, [] { print("timer at ", now_ms(), " ms"); });
  });
  // A timer of d ms fires at d + 1 ms (the VM's wakeup time, §1.5).
  CHECK(out == Lines{"got 1 at 0 ms", "timer at 6 ms", "after the await at 11 ms", "got 2 at 11 ms",
                     "done at 11 ms"});
}

// --- Cancel ----------------------------------------------------------------------------------

TEST_CASE(
    "cancelling a generator paused at a co_yield ends it there in a microtask; the cancel "
    "future completes after its destructors",
    "[streams]") {
  static StreamSubscription<int> sub;
  const Lines out = run([] {
    sub = endless_with_finally().listen([](const int& v) {
      print("got ", v);
      if (v == 2) sub.pause();
    });
    Timer(10ms, [] {
      sub.cancel().then([] { print("cancel future completed"); });
      print("cancel returned");
      queue_print("queued after cancel");
    });
  });
  sub = {};
  // The body resumed by the cancel returns from the co_yield as if by `return`: "after
  // yield 2" is never printed.
  CHECK(out == Lines{"got 1", "after yield 1", "got 2", "cancel returned", "finally",
                     "cancel future completed", "queued after cancel"});
}

TEST_CASE("a cancel while the body's resume is queued ends the body at that co_yield",
          "[streams]") {
  static StreamSubscription<int> sub;
  const Lines out = run([] {
    sub = endless_with_finally().listen([](const int& v) {
      print("got ", v);
      if (v == 2) {
        schedule_microtask([] {  // runs before the body's resume microtask
          sub.cancel().then([] { print("cancel future completed"); });
          print("cancelled");
        });
      }
    });
  });
  sub = {};
  CHECK(out == Lines{"got 1", "after yield 1", "got 2", "cancelled", "finally",
                     "cancel future completed"});
}

TEST_CASE(
    "a cancel inside the data callback ends the body at that co_yield as soon as the "
    "callback returns",
    "[streams]") {
  static StreamSubscription<int> sub;
  const Lines out = run([] {
    sub = endless_with_finally().listen([](const int& v) {
      print("got ", v);
      if (v == 2) {
        queue_print("queued in the callback");
        sub.cancel().then([] { print("cancel future completed"); });
        print("callback returns");
      }
    });
  });
  sub = {};
  // Dart's `_AsyncStarStreamController.add` sees no listener after `controller.add` and
  // tells the body to return right away, in the same microtask.
  CHECK(out == Lines{"got 1", "after yield 1", "got 2", "callback returns", "finally",
                     "cancel future completed", "queued in the callback"});
}

TEST_CASE(
    "a cancel while the body waits at a co_await lets it run to its next co_yield, "
    "where it ends",
    "[streams]") {
  static StreamSubscription<int> sub;
  const Lines out = run([] {
    sub = awaits_after_first_value().listen([](const int& v) { print("got ", v); },
                                            {.on_done = [] { print("done"); }});
    Timer(5ms, [] {
      print("cancel at ", now_ms(), " ms");
      sub.cancel().then([] { print("cancel future completed at ", now_ms(), " ms"); });
    });
  });
  sub = {};
  CHECK(out == Lines{"got 1", "awaiting", "cancel at 6 ms", "after the await at 11 ms", "finally",
                     "cancel future completed at 11 ms"});
}

// --- Errors ----------------------------------------------------------------------------------

TEST_CASE("an exception thrown in the generator's body becomes an error event, then done",
          "[streams]") {
  const Lines out = run([] { listen_printing(throws_after_one_value()); });
  CHECK(out == Lines{"got 1", "error: Bad state: broken body", "done"});
}

TEST_CASE("an exception thrown before any co_yield gives an error event and done, no value",
          "[streams]") {
  const Lines out = run([] {
    listen_printing(throws_before_any_value(true));
    listen_printing(throws_before_any_value(false));
  });
  CHECK(out == Lines{"error: Bad state: failed at once", "done", "got 1", "done"});
}

// --- take, and what the isolate cleans up ----------------------------------------------------

TEST_CASE("take(2) on an endless generator ends the generator: its destructors run, then done",
          "[streams]") {
  Lifetime life;
  const Lines out = run([&life] {
    naturals_counting(Counted(life))
        .take(2)
        .listen([](const int& v) { print("got ", v); }, {.on_done = [] { print("done"); }});
  });
  CHECK(out == Lines{"got 0", "got 1", "finally", "done"});
  CHECK(life.live == 0);
  CHECK(life.double_destroyed == 0);
  CHECK(life.destroyed >= 2);  // the parameter and the local copy, at least
}

TEST_CASE("a generator that is never listened to is destroyed with the isolate", "[streams]") {
  Lifetime life;
  const Lines out = run([&life] {
    const Stream<int> s = holds_a_token(Counted(life));
    print("live tokens after the call: ", life.live);
  });
  CHECK(out == Lines{"live tokens after the call: 1"});  // the frame's copy of the parameter
  CHECK(life.live == 0);
  CHECK(life.destroyed >= 2);
  CHECK(life.double_destroyed == 0);
}

TEST_CASE(
    "a generator suspended forever at a co_await of a never-completed future is "
    "destroyed with the isolate",
    "[streams]") {
  Lifetime life;
  const Lines out = run([&life] {
    const Completer<void> never;
    listen_printing(stuck_at_await(Counted(life), never.future()));
    Timer(10ms, [&life] { print("live tokens at 10 ms: ", life.live); });
  });
  // The isolate ends: a future nobody can complete does not keep it alive (§1.10).
  CHECK(out == Lines{"got 1", "live tokens at 10 ms: 2"});
  CHECK(life.live == 0);
  CHECK(life.double_destroyed == 0);
}

// --- await for (StreamIterator) --------------------------------------------------------------

TEST_CASE("await for runs the loop body synchronously inside each event of a sync controller",
          "[streams]") {
  const Lines out = run([] {
    const StreamController<int> c({.sync = true});
    prints_each(c.stream());
    c.add(1);
    print("add(1) returned");
    c.add(2);
    print("add(2) returned");
    c.close();
    print("close() returned");
  });
  CHECK(out == Lines{"loop body 1", "add(1) returned", "loop body 2", "add(2) returned",
                     "loop done", "close() returned"});
}

TEST_CASE("await for over a generator runs the loop body inside the generator's co_yield",
          "[streams]") {
  const Lines out = run([] {
    prints_each(counts_to(2));
    queue_print("queued after the loop started");
  });
  CHECK(out == Lines{"body starts", "yield 1", "loop body 1", "queued after the loop started",
                     "after yield 1", "yield 2", "loop body 2", "after yield 2", "body ends",
                     "loop done"});
}

TEST_CASE("a loop body that awaits pauses the subscription until it asks for the next value",
          "[streams]") {
  const Lines out = run([] {
    const StreamController<int> c({.on_pause = [] { print("on_pause at ", now_ms(), " ms"); },
                                   .on_resume = [] { print("on_resume at ", now_ms(), " ms"); },
                                   .sync = true});
    awaits_on_even_values(c.stream());
    c.add(1);  // the body does not await: no pause
    c.add(2);  // the body awaits 10 ms: paused meanwhile
    print("added 1 and 2");
    Timer(20ms, [c] {
      c.add(3);
      c.close();
    });
  });
  CHECK(out == Lines{"loop body 1", "loop body 2", "on_pause at 0 ms", "added 1 and 2",
                     "loop body 2 ends at 11 ms", "on_resume at 11 ms", "loop body 3",
                     "loop done"});
}

TEST_CASE(
    "break, then co_await it.cancel(), cancels the subscription and waits for on_cancel's "
    "future",
    "[streams]") {
  const Lines out = run([] {
    const StreamController<int> c({.on_cancel = [] {
      print("on_cancel at ", now_ms(), " ms");
      return Future<void>::delayed(5ms);
    }});
    breaks_at_two(c.stream());
    c.add(1);
    c.add(2);
    c.add(3);
  });
  CHECK(out == Lines{"loop body 1", "loop body 2", "break", "on_cancel at 0 ms",
                     "cancel finished at 6 ms"});
}

TEST_CASE(
    "break, then co_await it.cancel(), on a generator waits for the generator's "
    "destructors",
    "[streams]") {
  const Lines out = run([] { breaks_at_two(endless_with_finally()); });
  CHECK(out == Lines{"loop body 1", "after yield 1", "loop body 2", "break", "finally",
                     "cancel finished at 0 ms"});
}

TEST_CASE("destroying a StreamIterator while subscribed cancels the subscription", "[streams]") {
  const Lines out = run([] {
    const StreamController<int> c({.on_cancel = [] { print("on_cancel"); }});
    drops_iterator_after_first(c.stream());
    c.add(1);
    c.add(2);
  });
  CHECK(out == Lines{"first 1", "on_cancel", "iterator gone"});
}

TEST_CASE(
    "an error event makes the waiting move_next throw in the coroutine; the next "
    "move_next is false",
    "[streams]") {
  const Lines out = run([] {
    const StreamController<int> c({.on_cancel = [] { print("on_cancel"); }});
    catches_stream_error(c.stream());
    c.add(1);
    c.add_error(StateError("bad value"));
    c.add(3);
  });
  // The iterator listens with cancel_on_error: the subscription is cancelled before the
  // error is delivered.
  CHECK(out == Lines{"loop body 1", "on_cancel", "caught Bad state: bad value",
                     "move_next after the error: false"});
}

TEST_CASE("an exception thrown by a generator reaches await for as a throwing move_next",
          "[streams]") {
  const Lines out = run([] { catches_stream_error(throws_after_one_value()); });
  CHECK(out ==
        Lines{"loop body 1", "caught Bad state: broken body", "move_next after the error: false"});
}

TEST_CASE("calling move_next again before the first one completed throws StateError", "[streams]") {
  const Lines out = run([] { asks_twice(Stream<int>::from_iterable({7, 8})); });
  CHECK(out ==
        Lines{"caught Bad state: Already waiting for next.", "first move_next: true, current 7"});
}

TEST_CASE("move_next after the stream is done completes with false every time", "[streams]") {
  const Lines out = run([] { moves_past_the_end(Stream<int>::from_iterable({1, 2})); });
  CHECK(out == Lines{"loop body 1", "loop body 2", "after done: false false"});
}

TEST_CASE("current() throws StateError before move_next has produced a value", "[streams]") {
  const Lines out = run([] {
    StreamIterator<int> it(Stream<int>::value(1));
    try {
      (void)it.current();
      print("no error before move_next");
    } catch (const StateError& e) {
      print("before move_next: ", e.what());
    }
    const Future<bool> pending = it.move_next();
    try {
      (void)it.current();
      print("no error while waiting");
    } catch (const StateError& e) {
      print("while waiting: ", e.what());
    }
  });
  REQUIRE(out.size() == 2);
  CHECK(dartloop::test::starts_with(out[0], "before move_next: Bad state: "));
  CHECK(dartloop::test::starts_with(out[1], "while waiting: Bad state: "));
}

TEST_CASE("await for over take(2) of an endless generator finishes the loop and the isolate",
          "[streams]") {
  Lifetime life;
  const Lines out = run([&life] { sums(naturals_counting(Counted(life)).take(3)); });
  CHECK(out == Lines{"finally", "sum 3"});
  CHECK(life.live == 0);
  CHECK(life.double_destroyed == 0);
}

// --- Starvation --------------------------------------------------------------------------------

TEST_CASE(
    "an endless generator without co_await starves the loop; the watchdog stops it and "
    "names the generator",
    "[streams]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines out;
  Lines errors;
  dartloop::test::capture(loop, out);
  dartloop::test::capture_errors(loop, errors);
  dartloop::StarvationWatchdog dog(loop, {.microtasks_per_drain = 1000});
  static int values = 0;
  values = 0;
  const int code = loop.run([] {
    Timer(0ms, [] { print("zero timer fired"); });
    endless_naturals_without_await().listen([](const int&) { ++values; });
  });
  CHECK(code == dartloop::exit_starvation);
  CHECK(out.empty());  // the zero timer never fired
  CHECK(values >= 999);
  REQUIRE(dog.report().has_value());
  CHECK(dog.report()->kind == dartloop::StarvationKind::microtask_flood);
  const std::string function = dog.report()->culprit.where.function_name();
  CHECK(contains(function, "endless_naturals_without_await"));
  CHECK(contains(dog.report()->message, "endless_naturals_without_await"));
  REQUIRE(errors.size() == 1);
  CHECK(contains(errors[0], "microtask starvation"));
}

TEST_CASE(
    "a generator that awaits an event after each co_yield lets timers run and stays "
    "within the watchdog's budget",
    "[streams]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines out;
  dartloop::test::capture(loop, out);
  dartloop::StarvationWatchdog dog(loop, {.microtasks_per_drain = 1000});
  const int code = loop.run([] {
    Timer(0ms, [] {
      print("tick 1");
      Timer(0ms, [] {
        print("tick 2");
        Timer(0ms, [] { print("tick 3"); });
      });
    });
    endless_naturals_awaiting_an_event().take(4).listen([](const int& v) { print("got ", v); },
                                                        {.on_done = [] { print("done"); }});
  });
  CHECK(code == 0);
  CHECK_FALSE(dog.report().has_value());
  CHECK(out == Lines{"got 0", "tick 1", "got 1", "tick 2", "got 2", "tick 3", "got 3", "done"});
}

TEST_CASE(
    "an endless generator with an event per value can be cancelled by a timer, under "
    "budget",
    "[streams]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines out;
  dartloop::test::capture(loop, out);
  dartloop::StarvationWatchdog dog(loop, {.microtasks_per_drain = 1000});
  static StreamSubscription<int> sub;
  const int code = loop.run([] {
    Timer(0ms, [] {  // runs between the first and the second value
      print("cancel");
      sub.cancel().then([] { print("generator ended"); });
    });
    sub = endless_naturals_awaiting_an_event().listen([](const int& v) { print("got ", v); });
  });
  sub = {};
  CHECK(code == 0);
  CHECK_FALSE(dog.report().has_value());
  // The cancel finds the body at its co_await: it runs on to the next co_yield and ends there.
  CHECK(out == Lines{"got 0", "cancel", "generator ended"});
}
