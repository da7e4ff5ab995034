// Streams, part 2: transformations (map, where, expand, take, skip, take_while, skip_while,
// distinct, handle_error, async_map) and terminals (to_list, first, last, fold, length,
// for_each, drain). The orders checked here are those of Dart's `_ForwardingStream`
// (stream_pipe.dart), `Stream.asyncMap` and the terminal methods of stream.dart
// (dart-semantics.md §1.7): a transformation passes each event on synchronously, inside the
// microtask that delivers it from the source, and a terminal's future completes inside the
// callback of the event that decides it.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <string>
#include <type_traits>
#include <vector>

#include "dartloop/dartloop.hpp"
#include "support.hpp"

using namespace std::chrono_literals;
using dartloop::ArgumentError;
using dartloop::Future;
using dartloop::print;
using dartloop::schedule_microtask;
using dartloop::StateError;
using dartloop::Stream;
using dartloop::StreamController;
using dartloop::StreamSubscription;
using dartloop::Timer;
using dartloop::test::queue_print;

using Lines = std::vector<std::string>;

namespace {

/// Runs @p program as an isolate's main on the virtual clock; returns what it printed.
/// The isolate must end normally, with no uncaught error.
template <class F>
Lines run(F program) {
  dartloop::test::IsolateRun r = dartloop::test::run_isolate(std::move(program));
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.errors.empty());
  return r.output;
}

std::string show(int v) { return std::to_string(v); }
std::string show(const std::string& s) { return s; }
std::string show(const std::vector<int>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(v[i]);
  }
  return out + "]";
}

/// Prints "<label> <value>" (or "<label> done") when @p f succeeds, "<label> error: ..." when
/// it fails.
template <class T>
void report(const Future<T>& f, const std::string& label) {
  if constexpr (std::is_void_v<T>) {
    (void)f.then(
        [label] { print(label, " done"); },
        [label](const std::exception_ptr& e) { print(label, " error: ", dartloop::describe(e)); });
  } else {
    (void)f.then(
        [label](const T& v) { print(label, " ", show(v)); },
        [label](const std::exception_ptr& e) { print(label, " error: ", dartloop::describe(e)); });
  }
}

/// Listens to @p s, printing each value as "<label><value>", errors and done.
template <class T>
StreamSubscription<T> print_all(const Stream<T>& s, const std::string& label = "",
                                bool cancel_on_error = false) {
  return s.listen(
      [label](const T& v) { print(label, show(v)); },
      {.on_error =
           [label](const std::exception_ptr& e) { print(label, "error ", dartloop::describe(e)); },
       .on_done = [label] { print(label, "done"); },
       .cancel_on_error = cancel_on_error});
}

/// A chain of microtasks: "tick n" in each, the next queued at the back, up to @p last.
void tick(int n, int last) {
  print("tick ", n);
  if (n < last) schedule_microtask([n, last] { tick(n + 1, last); });
}

/// Starts the chain of ticks (its first microtask is queued now).
void start_ticks(int last) {
  schedule_microtask([last] { tick(1, last); });
}

/// An async controller that reports when its listener cancels.
StreamController<int> cancel_reporting() {
  return StreamController<int>({.on_cancel = [] { print("source cancelled"); }});
}

void add_all(const StreamController<int>& c, std::initializer_list<int> values) {
  for (int v : values) c.add(v);
}

bool is_state_error(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const StateError&) {
    return true;
  } catch (...) {
    return false;
  }
}

/// An async controller fed with 1, StateError("a"), 2, ArgumentError("b"), 3, done.
StreamController<int> mixed_events() {
  StreamController<int> c;
  c.add(1);
  c.add_error(StateError("a"));
  c.add(2);
  c.add_error(ArgumentError("b"));
  c.add(3);
  (void)c.close();
  return c;
}

int throws_on_two(const int& v) {
  if (v == 2) throw StateError("bad 2");
  return v;
}

}  // namespace

// --- No extra microtask ----------------------------------------------------------------------

TEST_CASE("map adds no microtask hop: mapped values arrive in the same microtasks as the source's",
          "[streams]") {
  auto program = [](bool mapped) {
    return [mapped] {
      StreamController<int> c;
      const Stream<int> s =
          mapped ? c.stream().map([](const int& v) { return v * 10; }) : c.stream();
      print_all(s);
      add_all(c, {1, 2});
      (void)c.close();
      start_ticks(3);
    };
  };
  CHECK(run(program(false)) == Lines{"1", "tick 1", "2", "tick 2", "done", "tick 3"});
  CHECK(run(program(true)) == Lines{"10", "tick 1", "20", "tick 2", "done", "tick 3"});
}

TEST_CASE("a chain of where, map, skip and take still delivers in the source's microtasks",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    print_all(c.stream()
                  .where([](const int& v) { return v % 2 == 1; })
                  .map([](const int& v) { return v * 10; })
                  .skip(1)
                  .take(5));
    add_all(c, {1, 2, 3, 4, 5, 6});
    (void)c.close();
    start_ticks(6);
  });
  CHECK(out ==
        Lines{"tick 1", "tick 2", "30", "tick 3", "tick 4", "50", "tick 5", "tick 6", "done"});
}

// --- map, where, expand ----------------------------------------------------------------------

TEST_CASE("map converts each value once, in order (maybe to another type); where filters",
          "[streams]") {
  const Lines mapped = run([] {
    int calls = 0;
    auto s = Stream<int>::from_iterable({1, 2, 3}).map([calls](const int& v) mutable {
      ++calls;
      return "#" + std::to_string(v) + " (call " + std::to_string(calls) + ")";
    });
    static_assert(std::is_same_v<decltype(s), Stream<std::string>>);
    print_all(s);
  });
  CHECK(mapped == Lines{"#1 (call 1)", "#2 (call 2)", "#3 (call 3)", "done"});
  const Lines filtered = run([] {
    print_all(
        Stream<int>::from_iterable({5, 12, 7, 30, 1}).where([](const int& v) { return v > 6; }));
  });
  CHECK(filtered == Lines{"12", "7", "30", "done"});
}

TEST_CASE("expand emits all elements of a value's range together, in that value's microtask",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    print_all(c.stream().expand([](const int& v) { return std::vector<int>{v, v * 10}; }));
    add_all(c, {1, 2});
    c.add(3);
    (void)c.close();
    start_ticks(2);
  });
  // The ticks stop after two; 3 and done follow in the next deliveries.
  CHECK(out == Lines{"1", "10", "tick 1", "2", "20", "tick 2", "3", "30", "done"});
  // An empty range drops the value.
  const Lines sized = run([] {
    print_all(Stream<int>::from_iterable({0, 2, 0, 1}).expand([](const int& v) {
      return std::vector<int>(static_cast<std::size_t>(v), v);
    }));
  });
  CHECK(sized == Lines{"2", "2", "1", "done"});
}

// --- take, skip --------------------------------------------------------------------------------

TEST_CASE("take(n) cancels the source right after the n-th value, then sends done", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c = cancel_reporting();
    print_all(c.stream().take(2));
    add_all(c, {1, 2, 3, 4});
    queue_print("m");
    (void)Timer(0ms, [c] { print("has listener: ", c.has_listener() ? "yes" : "no"); });
  });
  // The cancel and done come inside the microtask that delivers 2; 3 and 4 are dropped.
  CHECK(out == Lines{"1", "m", "2", "source cancelled", "done", "has listener: no"});
  // A shorter stream: every value, then the source's own done (which cancels it too).
  const Lines shorter = run([] {
    StreamController<int> c = cancel_reporting();
    print_all(c.stream().take(5));
    add_all(c, {1, 2});
    (void)c.close();
  });
  CHECK(shorter == Lines{"1", "2", "source cancelled", "done"});
}

TEST_CASE("take(0) listens to the source and cancels it at once; done comes in a microtask",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> c({.on_listen = [] { print("source listened"); },
                             .on_cancel = [] { print("source cancelled"); }});
    c.add(1);
    print_all(c.stream().take(0));
    print("after listen");
  });
  CHECK(out == Lines{"source listened", "source cancelled", "after listen", "done"});
}

TEST_CASE("skip(n) drops the first n values; a stream with fewer values gives only done",
          "[streams]") {
  const Lines out = run([] { print_all(Stream<int>::from_iterable({1, 2, 3, 4, 5}).skip(2)); });
  CHECK(out == Lines{"3", "4", "5", "done"});
  const Lines fewer = run([] { print_all(Stream<int>::from_iterable({1, 2}).skip(5)); });
  CHECK(fewer == Lines{"done"});
}

// --- take_while, skip_while --------------------------------------------------------------------

TEST_CASE(
    "take_while passes values until the first failure, which ends the stream and "
    "cancels the source",
    "[streams]") {
  const Lines out = run([] {
    StreamController<int> c = cancel_reporting();
    print_all(c.stream().take_while([](const int& v) { return v < 3; }));
    add_all(c, {1, 2, 3, 1});
  });
  CHECK(out == Lines{"1", "2", "source cancelled", "done"});
}

TEST_CASE("skip_while drops values until the first failure, then passes every value", "[streams]") {
  const Lines out = run([] {
    print_all(
        Stream<int>::from_iterable({1, 2, 5, 1, 6}).skip_while([](const int& v) { return v < 3; }));
  });
  CHECK(out == Lines{"5", "1", "6", "done"});
}

// --- distinct ----------------------------------------------------------------------------------

TEST_CASE("distinct drops a value equal (==) to the value before it", "[streams]") {
  const Lines out = run([] {
    print_all(Stream<int>::from_iterable({1, 1, 2, 2, 2, 1, 3, 3}).distinct());
  });
  CHECK(out == Lines{"1", "2", "1", "3", "done"});
}

TEST_CASE("distinct with a custom equality compares with the last value it passed on",
          "[streams]") {
  const Lines out = run([] {
    print_all(
        Stream<int>::from_iterable({1, 2, 3, 4, 10, 11}).distinct([](const int& a, const int& b) {
          return std::abs(a - b) <= 1;
        }));
  });
  // 2 is dropped (close to 1) but 3 is compared with 1, the last value passed on.
  CHECK(out == Lines{"1", "3", "10", "done"});
}

// --- handle_error -----------------------------------------------------------------------------

TEST_CASE("handle_error handles every error; values and done pass unchanged", "[streams]") {
  const Lines out = run([] {
    print_all(mixed_events().stream().handle_error(
        [](const std::exception_ptr& e) { print("handled ", dartloop::describe(e)); }));
  });
  CHECK(out ==
        Lines{"1", "handled Bad state: a", "2", "handled Invalid argument(s): b", "3", "done"});
}

TEST_CASE("handle_error with a test handles the errors it accepts and passes the others on",
          "[streams]") {
  const Lines out = run([] {
    print_all(mixed_events().stream().handle_error(
        [](const std::exception_ptr& e) { print("handled ", dartloop::describe(e)); },
        is_state_error));
  });
  CHECK(out ==
        Lines{"1", "handled Bad state: a", "2", "error Invalid argument(s): b", "3", "done"});
  // A test that throws sends its own error on instead.
  const Lines throwing_test = run([] {
    print_all(mixed_events().stream().handle_error(
        [](std::exception_ptr) { print("never handled"); },
        [](std::exception_ptr) -> bool { throw ArgumentError("test failed"); }));
  });
  CHECK(throwing_test == Lines{"1", "error Invalid argument(s): test failed", "2",
                               "error Invalid argument(s): test failed", "3", "done"});
}

TEST_CASE("a typed handle_error handler handles its type only; other errors pass on", "[streams]") {
  const Lines out = run([] {
    print_all(mixed_events().stream().handle_error(
        [](const ArgumentError& e) { print("handled ", e.what()); }));
  });
  CHECK(out ==
        Lines{"1", "error Bad state: a", "2", "handled Invalid argument(s): b", "3", "done"});
}

TEST_CASE("a handle_error handler that rethrows passes the error on; a new throw replaces it",
          "[streams]") {
  const Lines out = run([] {
    print_all(mixed_events().stream().handle_error([](const std::exception_ptr& e) {
      if (is_state_error(e)) {
        print("rethrowing");
        std::rethrow_exception(e);
      }
      print("replacing");
      throw StateError("replaced");
    }));
  });
  CHECK(out == Lines{"1", "rethrowing", "error Bad state: a", "2", "replacing",
                     "error Bad state: replaced", "3", "done"});
}

// --- Throwing callbacks ------------------------------------------------------------------------

TEST_CASE("a throw inside map or where becomes an error event and the stream goes on",
          "[streams]") {
  const Lines mapped = run([] {
    print_all(Stream<int>::from_iterable({1, 2, 3}).map(throws_on_two));
  });
  CHECK(mapped == Lines{"1", "error Bad state: bad 2", "3", "done"});
  const Lines filtered = run([] {
    print_all(Stream<int>::from_iterable({1, 2, 3}).where(
        [](const int& v) { return throws_on_two(v) > 0; }));
  });
  CHECK(filtered == Lines{"1", "error Bad state: bad 2", "3", "done"});
}

TEST_CASE("a throw inside take_while becomes an error event, then done; the source is cancelled",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> c = cancel_reporting();
    print_all(c.stream().take_while([](const int& v) { return throws_on_two(v) > 0; }));
    add_all(c, {1, 2, 3});
  });
  CHECK(out == Lines{"1", "error Bad state: bad 2", "source cancelled", "done"});
}

TEST_CASE("a throw inside skip_while, expand or distinct's equality becomes an error event",
          "[streams]") {
  // skip_while counts the throw as a failed test: everything after it passes.
  const Lines skipped = run([] {
    print_all(Stream<int>::from_iterable({1, 2, 3, 1}).skip_while([](const int& v) {
      return throws_on_two(v) < 2;
    }));
  });
  CHECK(skipped == Lines{"error Bad state: bad 2", "3", "1", "done"});
  const Lines expanded = run([] {
    print_all(Stream<int>::from_iterable({1, 2, 3}).expand([](const int& v) {
      return std::vector<int>{throws_on_two(v), v};
    }));
  });
  CHECK(expanded == Lines{"1", "1", "error Bad state: bad 2", "3", "3", "done"});
  const Lines distinct = run([] {
    print_all(Stream<int>::from_iterable({1, 2, 3}).distinct(
        [](const int& a, const int& b) { return throws_on_two(b) == a; }));
  });
  // The throw is not a value: the value before 3 is still 1.
  CHECK(distinct == Lines{"1", "error Bad state: bad 2", "3", "done"});
}

TEST_CASE("with cancel_on_error, a throw inside map cancels the source before the error arrives",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> c = cancel_reporting();
    print_all(c.stream().map(throws_on_two), "", true);
    add_all(c, {1, 2, 3});
    (void)c.close();
  });
  CHECK(out == Lines{"1", "source cancelled", "error Bad state: bad 2"});
}

// --- Pause, broadcast, listeners ---------------------------------------------------------------

TEST_CASE("pausing a transformed stream pauses the source; it resumes once its buffer drains",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> c(
        {.on_pause = [] { print("source paused"); }, .on_resume = [] { print("source resumed"); }});
    auto sub = print_all(c.stream().map([](const int& v) { return v * 10; }));
    c.add(1);
    sub.pause();
    (void)Timer(0ms, [sub] {
      print("resume");
      sub.resume();
    });
  });
  CHECK(out == Lines{"source paused", "resume", "10", "source resumed"});
}

TEST_CASE("a transformed broadcast stream is broadcast, a transformed single one is not",
          "[streams]") {
  const Lines out = run([] {
    auto b = StreamController<int>::broadcast();
    StreamController<int> single;
    auto twice = [](const int& v) { return 2 * v; };
    auto even = [](const int& v) { return v % 2 == 0; };
    print("broadcast: ",
          b.stream().map(twice).where(even).take(3).skip(1).is_broadcast() ? "yes" : "no");
    print("broadcast distinct: ", b.stream().distinct().is_broadcast() ? "yes" : "no");
    print("single: ", single.stream().map(twice).where(even).is_broadcast() ? "yes" : "no");
  });
  CHECK(out == Lines{"broadcast: yes", "broadcast distinct: yes", "single: no"});
}

TEST_CASE("a transformed broadcast stream takes several listeners, each fed by its own microtask",
          "[streams]") {
  const Lines out = run([] {
    auto c = StreamController<int>::broadcast();
    auto s = c.stream().map([](const int& v) { return v * 10; });
    print_all(s, "a ");
    print_all(s, "b ");
    add_all(c, {1, 2});
    (void)c.close();
  });
  CHECK(out == Lines{"a 10", "b 10", "a 20", "b 20", "a done", "b done"});
}

TEST_CASE("each listener of a transformed broadcast stream keeps its own state", "[streams]") {
  const Lines out = run([] {
    auto c = StreamController<int>::broadcast();
    auto s = c.stream().distinct();
    print_all(s, "a ");
    c.add(1);
    print_all(s, "b ");
    add_all(c, {1, 2});
  });
  // b subscribed after the first 1: its first value is the second 1, which a drops as a
  // repeat; so b's 2 comes in the microtask where a's repeat was dropped.
  CHECK(out == Lines{"a 1", "b 1", "b 2", "a 2"});
  // take(1): each listener counts for itself; the last cancel reaches the controller.
  const Lines taken = run([] {
    auto c = StreamController<int>::broadcast({.on_cancel = [] { print("source cancelled"); }});
    auto s = c.stream().take(1);
    print_all(s, "a ");
    print_all(s, "b ");
    add_all(c, {1, 2});
  });
  CHECK(taken == Lines{"a 1", "a done", "b 1", "source cancelled", "b done"});
}

TEST_CASE("a transformed single-subscription stream refuses a second listener", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    auto s = c.stream().map([](const int& v) { return v + 1; });
    print_all(s);
    try {
      print_all(s);
      print("second listen accepted");
    } catch (const StateError& e) {
      print(e.what());
    }
    c.add(1);
  });
  CHECK(out == Lines{"Bad state: Stream has already been listened to.", "2"});
}

// --- async_map ---------------------------------------------------------------------------------

TEST_CASE(
    "async_map of plain values adds no hop; its done waits one microtask for the source's "
    "cancel future",
    "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    print_all(c.stream().async_map([](const int& v) { return v * 10; }));
    add_all(c, {1, 2});
    (void)c.close();
    start_ticks(3);
  });
  // Dart's asyncMap sets its controller's onCancel to the source subscription's `cancel`,
  // which returns a completed (not null) future: the done waits for it in a microtask queued
  // when the source's done arrives, behind "tick 3".
  CHECK(out == Lines{"10", "tick 1", "20", "tick 2", "tick 3", "done"});
}

TEST_CASE("async_map pauses the source while a returned future is pending, so results keep order",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> c(
        {.on_pause = [] { print("source paused"); }, .on_resume = [] { print("source resumed"); }});
    c.stream()
        .async_map([](const int& v) {
          print("convert ", v);
          // The later values finish sooner: only the pause keeps them in order.
          return Future<int>::delayed(std::chrono::milliseconds(40 - 10 * v),
                                      [v] { return v * 10; });
        })
        .listen([](const int& v) { print("got ", v); });
    add_all(c, {1, 2, 3});
  });
  // The buffer still holds events at each resume, so on_resume waits for it to drain.
  CHECK(out == Lines{"convert 1", "source paused", "got 10", "convert 2", "got 20", "convert 3",
                     "got 30", "source resumed"});
}

TEST_CASE("async_map sends a failed future's error, or its conversion's throw, on and goes on",
          "[streams]") {
  const Lines failed = run([] {
    print_all(Stream<int>::from_iterable({1, 2, 3}).async_map([](const int& v) {
      if (v == 2) return Future<int>::error(StateError("bad 2"));
      return Future<int>::value(v * 10);
    }));
  });
  CHECK(failed == Lines{"10", "error Bad state: bad 2", "30", "done"});
  const Lines thrown = run([] {
    print_all(Stream<int>::from_iterable({1, 2, 3}).async_map(
        [](const int& v) { return throws_on_two(v) * 10; }));
  });
  CHECK(thrown == Lines{"10", "error Bad state: bad 2", "30", "done"});
}

TEST_CASE("async_map of a broadcast stream is broadcast and feeds every listener in order",
          "[streams]") {
  const Lines out = run([] {
    auto c = StreamController<int>::broadcast();
    auto s = c.stream().async_map([](const int& v) { return v * 2; });
    print("broadcast: ", s.is_broadcast() ? "yes" : "no");
    print_all(s, "a ");
    print_all(s, "b ");
    add_all(c, {1, 2});
    (void)c.close();
  });
  CHECK(out == Lines{"broadcast: yes", "a 2", "b 2", "a 4", "b 4", "a done", "b done"});
}

// --- Terminals ---------------------------------------------------------------------------------

TEST_CASE("to_list, last, fold and length see every value in order and complete when done",
          "[streams]") {
  const Lines out = run([] {
    auto s = Stream<int>::from_iterable({1, 2, 3, 4});  // each listener walks it anew
    report(s.to_list(), "to_list");
    report(s.last(), "last");
    report(s.fold(0, [](const int& acc, const int& v) { return acc + v; }), "sum");
    report(s.fold(std::string(">"),
                  [](const std::string& acc, const int& v) { return acc + std::to_string(v); }),
           "joined");
    report(Stream<std::string>::from_iterable({"a", "b", "c"}).length(), "length");
    report(Stream<int>::empty().to_list(), "empty to_list");
    report(Stream<int>::empty().length(), "empty length");
  });
  // One microtask per element, then one for done: the shorter streams finish first.
  CHECK(out == Lines{"empty to_list []", "empty length 0", "length 3", "to_list [1, 2, 3, 4]",
                     "last 4", "sum 10", "joined >1234"});
}

TEST_CASE(
    "first completes with the first value after cancelling the subscription, in the same "
    "microtask",
    "[streams]") {
  const Lines out = run([] {
    StreamController<int> c = cancel_reporting();
    report(c.stream().first(), "first");
    add_all(c, {1, 2});
    queue_print("m");
  });
  CHECK(out == Lines{"source cancelled", "first 1", "m"});
}

TEST_CASE("first waits for the future that the source's on_cancel returns", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c({.on_cancel = [] {
      print("cancel starts");
      return Future<void>::delayed(10ms).then([] { print("clean-up done"); });
    }});
    report(c.stream().first(), "first");
    c.add(1);
  });
  CHECK(out == Lines{"cancel starts", "clean-up done", "first 1"});
}

TEST_CASE("first and last of an empty stream fail with StateError \"No element\"", "[streams]") {
  const Lines out = run([] {
    report(Stream<int>::empty().first(), "first");
    StreamController<int> c;
    (void)c.close();
    report(c.stream().last(), "last");
  });
  CHECK(out == Lines{"first error: Bad state: No element", "last error: Bad state: No element"});
}

TEST_CASE("a throwing fold combine fails the future and cancels the subscription", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c = cancel_reporting();
    report(c.stream().fold(0, [](const int& acc, const int& v) { return acc + throws_on_two(v); }),
           "fold");
    add_all(c, {1, 2, 3});
    (void)c.close();
  });
  CHECK(out == Lines{"source cancelled", "fold error: Bad state: bad 2"});
}

TEST_CASE("for_each runs the action on each value and completes after done", "[streams]") {
  const Lines out = run([] {
    report(Stream<int>::from_iterable({1, 2, 3}).for_each([](const int& v) { print("each ", v); }),
           "for_each");
  });
  CHECK(out == Lines{"each 1", "each 2", "each 3", "for_each done"});
}

TEST_CASE("a throwing for_each action fails the future and cancels the subscription", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c = cancel_reporting();
    report(c.stream().for_each([](const int& v) {
      print("each ", v);
      (void)throws_on_two(v);
    }),
           "for_each");
    add_all(c, {1, 2, 3});
    (void)c.close();
  });
  CHECK(out == Lines{"each 1", "each 2", "source cancelled", "for_each error: Bad state: bad 2"});
}

TEST_CASE("drain() completes when done; drain(value) completes with the value", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    report(c.stream().drain(), "drain");
    add_all(c, {1, 2});
    (void)c.close();
    report(Stream<int>::from_iterable({1, 2, 3}).drain(std::string("value")), "drain(value)");
  });
  // The controller's stream needs three deliveries, the iterable four microtasks.
  CHECK(out == Lines{"drain done", "drain(value) value"});
}

TEST_CASE("an error event fails every terminal's future, after cancelling its subscription",
          "[streams]") {
  auto program = [](auto terminal) {
    return [terminal] {
      StreamController<int> c = cancel_reporting();
      terminal(c.stream());
      c.add_error(StateError("x"));
      c.add(2);
      (void)c.close();
    };
  };
  auto expect = [](const std::string& label) {
    return Lines{"source cancelled", label + " error: Bad state: x"};
  };
  CHECK(run(program([](const Stream<int>& s) { report(s.to_list(), "to_list"); })) ==
        expect("to_list"));
  CHECK(run(program([](const Stream<int>& s) { report(s.first(), "first"); })) == expect("first"));
  CHECK(run(program([](const Stream<int>& s) { report(s.last(), "last"); })) == expect("last"));
  CHECK(run(program([](const Stream<int>& s) {
          report(s.fold(0, [](const int& a, const int& v) { return a + v; }), "fold");
        })) == expect("fold"));
  CHECK(run(program([](const Stream<int>& s) { report(s.length(), "length"); })) ==
        expect("length"));
  CHECK(run(program([](const Stream<int>& s) {
          report(s.for_each([](const int&) { print("never"); }), "for_each");
        })) == expect("for_each"));
  CHECK(run(program([](const Stream<int>& s) { report(s.drain(), "drain"); })) == expect("drain"));
  CHECK(run(program([](const Stream<int>& s) { report(s.drain(7), "drain(7)"); })) ==
        expect("drain(7)"));
}

TEST_CASE("an error after some values still fails to_list, and the later values are never seen",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> c = cancel_reporting();
    report(c.stream()
               .map([](const int& v) {
                 print("saw ", v);
                 return v;
               })
               .to_list(),
           "to_list");
    c.add(1);
    c.add_error(StateError("x"));
    c.add(2);
    (void)c.close();
  });
  CHECK(out == Lines{"saw 1", "source cancelled", "to_list error: Bad state: x"});
}

TEST_CASE("each terminal's future completes in the same microtask as the done event", "[streams]") {
  // The source's done is delivered in the microtask after "m1"; "m2" is queued by "m1",
  // behind that delivery. A terminal that took an extra hop would print after "m2".
  auto program = [](auto terminal) {
    return [terminal] {
      StreamController<int> c;
      terminal(c.stream());
      c.add(1);
      (void)c.close();
      schedule_microtask([] {
        print("m1");
        queue_print("m2");
      });
    };
  };
  auto expect = [](const std::string& line) { return Lines{"m1", line, "m2"}; };
  CHECK(run(program([](const Stream<int>& s) { report(s.to_list(), "to_list"); })) ==
        expect("to_list [1]"));
  CHECK(run(program([](const Stream<int>& s) { report(s.last(), "last"); })) == expect("last 1"));
  CHECK(run(program([](const Stream<int>& s) {
          report(s.fold(5, [](const int& a, const int& v) { return a + v; }), "fold");
        })) == expect("fold 6"));
  CHECK(run(program([](const Stream<int>& s) { report(s.length(), "length"); })) ==
        expect("length 1"));
  CHECK(run(program([](const Stream<int>& s) {
          report(s.for_each([](const int&) {}), "for_each");
        })) == expect("for_each done"));
  CHECK(run(program([](const Stream<int>& s) { report(s.drain(), "drain"); })) ==
        expect("drain done"));
  CHECK(run(program([](const Stream<int>& s) { report(s.drain(std::string("v")), "drain(v)"); })) ==
        expect("drain(v) v"));
}

TEST_CASE("with a sync controller, a terminal's future completes inside close()", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c({.sync = true});
    report(c.stream().map([](const int& v) { return v + 1; }).to_list(), "to_list");
    c.add(1);
    c.add(2);
    print("before close");
    (void)c.close();
    print("after close");
  });
  CHECK(out == Lines{"before close", "to_list [2, 3]", "after close"});
}
