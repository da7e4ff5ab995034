// Streams, part 1: controllers and subscriptions (dart-semantics.md §1.7). Every test states
// one of Dart's ordering guarantees and checks the exact printed sequence: where each event
// is delivered (inside `add`, or one per microtask), when the controller's hooks run, what
// pause, resume and cancel do to buffered events, and what the stream factories emit.
// Times are virtual; a VM timer made at t with d ms fires at t + 1 + d (dart-semantics §1.5).

#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dartloop/dartloop.hpp"
#include "support.hpp"

using namespace std::chrono_literals;
using dartloop::AsyncError;
using dartloop::ClockKind;
using dartloop::describe;
using dartloop::EventLoop;
using dartloop::Future;
using dartloop::print;
using dartloop::StateError;
using dartloop::Stream;
using dartloop::StreamController;
using dartloop::StreamSubscription;
using dartloop::Timer;
using dartloop::test::capture;
using dartloop::test::contains;
using dartloop::test::Counted;
using dartloop::test::Lifetime;
using dartloop::test::now_ms;
using dartloop::test::queue_print;
using dartloop::test::starts_with;

using Lines = std::vector<std::string>;

namespace {

/// Runs @p program as an isolate's main on the virtual clock; returns what it printed.
template <class F>
Lines run(F program, int expected_exit = 0) {
  dartloop::test::IsolateRun r = dartloop::test::run_isolate(std::move(program));
  REQUIRE(r.exit_code == expected_exit);
  return r.output;
}

void print_data(const int& v) { print("data ", v); }
void print_done() { print("done"); }
void print_error(const AsyncError& e) { print("error: ", describe(e.error)); }

/// A subscription handle that the subscription's own callbacks can reach (the handle is
/// only known once `listen` returned). The cycle it forms ends with the isolate.
using SubHolder = std::shared_ptr<StreamSubscription<int>>;

}  // namespace

// --- Asynchronous controllers -------------------------------------------------------------

TEST_CASE("an async controller delivers one event per microtask, interleaved with other microtasks",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    c.stream().listen(print_data, {.on_done = print_done});
    c.add(1);
    c.add(2);
    queue_print("m1");
    (void)c.close();
    queue_print("m2");
    print("main ends");
  });
  // The delivery microtask was queued by the first add, before m1 and m2; each delivered
  // event queues the next delivery at the back of the queue.
  CHECK(out == Lines{"main ends", "data 1", "m1", "m2", "data 2", "done"});
}

TEST_CASE(
    "an async controller queues the next delivery only after the listener's callback returned",
    "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    c.stream().listen([](const int& v) {
      print("data ", v);
      queue_print("queued by " + std::to_string(v));
    });
    c.add(1);
    c.add(2);
    c.add(3);
  });
  CHECK(out == Lines{"data 1", "queued by 1", "data 2", "queued by 2", "data 3", "queued by 3"});
}

TEST_CASE("the done event of an async controller is one more microtask", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    c.stream().listen(print_data, {.on_done = print_done});
    c.add(1);
    (void)c.close();
    queue_print("queued after close");
  });
  CHECK(out == Lines{"data 1", "queued after close", "done"});
}

TEST_CASE("an async controller delivers errors in order with the values", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    c.stream().listen(print_data, {.on_error = print_error, .on_done = print_done});
    c.add(1);
    c.add_error(StateError("e"));
    c.add(2);
    (void)c.close();
  });
  CHECK(out == Lines{"data 1", "error: Bad state: e", "data 2", "done"});
}

// --- Synchronous controllers ----------------------------------------------------------------

TEST_CASE("a sync controller delivers each event inside add", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c({.sync = true});
    c.stream().listen(print_data, {.on_done = print_done});
    print("before add");
    c.add(1);
    print("after add");
    (void)c.close();
    print("after close");
  });
  CHECK(out == Lines{"before add", "data 1", "after add", "done", "after close"});
}

TEST_CASE(
    "a sync controller buffers an add made inside the listener's callback and delivers it by "
    "microtask",
    "[streams]") {
  const Lines out = run([] {
    StreamController<int> c({.sync = true});
    c.stream().listen([c](const int& v) {
      print("data ", v);
      if (v == 1) {
        c.add(2);
        print("inner add returned");
      }
    });
    c.add(1);
    c.add(3);  // 2 still waits: 3 must queue behind it, not overtake it
    queue_print("m");
    print("main ends");
  });
  CHECK(out == Lines{"data 1", "inner add returned", "main ends", "data 2", "m", "data 3"});
}

TEST_CASE(
    "a paused sync subscription buffers; resume delivers by microtask and on_resume follows the "
    "drain",
    "[streams]") {
  const Lines out = run([] {
    StreamController<int> c({.on_pause = [] { print("on_pause"); },
                             .on_resume = [] { print("on_resume"); },
                             .sync = true});
    auto sub = c.stream().listen(print_data);
    sub.pause();
    c.add(1);
    print("added while paused");
    sub.resume();
    print(std::string("controller paused after resume: ") + (c.is_paused() ? "yes" : "no"));
    c.add(2);  // the buffer still drains: buffered behind 1
    print("main ends");
  });
  CHECK(out == Lines{"on_pause", "added while paused", "controller paused after resume: yes",
                     "main ends", "data 1", "data 2", "on_resume"});
}

// --- Before listen ---------------------------------------------------------------------------

TEST_CASE("listen hands over the events buffered before it, then calls on_listen inside listen",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> c({.on_listen = [] {
      print("on_listen");
      queue_print("queued by on_listen");
    }});
    c.add(1);
    c.add(2);
    queue_print("queued before listen");
    c.stream().listen(print_data);
    print("after listen");
  });
  // The delivery microtask is queued by listen before on_listen runs.
  CHECK(out == Lines{"on_listen", "after listen", "queued before listen", "data 1",
                     "queued by on_listen", "data 2"});
}

TEST_CASE("a second listen on a single-subscription stream throws StateError", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    auto first = c.stream().listen(print_data);
    try {
      c.stream().listen(print_data);
      print("no throw");
    } catch (const StateError& e) {
      print(e.what());
    }
    (void)first.cancel();
    try {
      c.stream().listen(print_data);  // a cancelled stream cannot be listened to again either
      print("no throw");
    } catch (const StateError& e) {
      print(e.what());
    }
  });
  CHECK(out == Lines{"Bad state: Stream has already been listened to.",
                     "Bad state: Stream has already been listened to."});
}

TEST_CASE("a single-subscription controller counts as paused until listened to", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    const auto state = [c](const char* when) {
      print(when, ": listener ", c.has_listener() ? "yes" : "no", ", paused ",
            c.is_paused() ? "yes" : "no");
    };
    state("before listen");
    auto sub = c.stream().listen(print_data);
    state("listening");
    sub.pause();
    state("paused");
    (void)sub.cancel();
    state("cancelled");
  });
  CHECK(out == Lines{"before listen: listener no, paused yes", "listening: listener yes, paused no",
                     "paused: listener yes, paused yes", "cancelled: listener no, paused no"});
}

// --- Broadcast controllers -------------------------------------------------------------------

TEST_CASE("an async broadcast controller gives each listener its own microtask chain",
          "[streams]") {
  const Lines out = run([] {
    auto c = StreamController<int>::broadcast();
    c.stream().listen([](const int& v) { print("A ", v); }, {.on_done = [] { print("A done"); }});
    c.stream().listen([](const int& v) { print("B ", v); }, {.on_done = [] { print("B done"); }});
    c.add(1);
    c.add(2);
    (void)c.close();
    queue_print("m");
  });
  CHECK(out == Lines{"A 1", "B 1", "m", "A 2", "B 2", "A done", "B done"});
}

TEST_CASE("a broadcast controller drops the events nobody listens to", "[streams]") {
  const Lines out = run([] {
    auto c = StreamController<int>::broadcast();
    c.add(0);
    c.stream().listen([](const int& v) { print("A ", v); }, {.on_done = [] { print("A done"); }});
    c.add(1);
    c.stream().listen([](const int& v) { print("B ", v); }, {.on_done = [] { print("B done"); }});
    c.add(2);
    (void)c.close();
  });
  CHECK(out == Lines{"A 1", "B 2", "A 2", "B done", "A done"});
}

TEST_CASE(
    "a sync broadcast controller calls every listener in subscription order inside add; a listener "
    "cannot add meanwhile",
    "[streams]") {
  const Lines out = run([] {
    auto c = StreamController<int>::broadcast({.sync = true});
    c.stream().listen(
        [c](const int& v) {
          print("A ", v);
          try {
            c.add(v + 1);
            print("no throw");
          } catch (const StateError& e) {
            print(e.what());
          }
        },
        {.on_done = [] { print("A done"); }});
    c.stream().listen([](const int& v) { print("B ", v); }, {.on_done = [] { print("B done"); }});
    print("before add");
    c.add(1);
    print("after add");
    (void)c.close();
    print("after close");
  });
  CHECK(out == Lines{"before add", "A 1",
                     "Bad state: Cannot fire new event. Controller is already firing an event",
                     "B 1", "after add", "A done", "B done", "after close"});
}

TEST_CASE(
    "a broadcast controller calls on_listen for the first listener and on_cancel when the last "
    "leaves",
    "[streams]") {
  const Lines out = run([] {
    auto c = StreamController<int>::broadcast(
        {.on_listen = [] { print("on_listen"); }, .on_cancel = [] { print("on_cancel"); }});
    print("listen A");
    auto a = c.stream().listen(print_data);
    print("listen B");
    auto b = c.stream().listen(print_data);
    print("cancel A");
    (void)a.cancel();
    print("cancel B");
    (void)b.cancel();
    print("listen C");
    auto again = c.stream().listen(print_data);
  });
  CHECK(out == Lines{"listen A", "on_listen", "listen B", "cancel A", "cancel B", "on_cancel",
                     "listen C", "on_listen"});
}

TEST_CASE("a listener added to a closed broadcast stream gets only done, in a microtask",
          "[streams]") {
  const Lines out = run([] {
    auto c = StreamController<int>::broadcast();
    (void)c.close();
    queue_print("queued before listen");
    c.stream().listen(print_data, {.on_error = print_error, .on_done = print_done});
    print("listened");
  });
  CHECK(out == Lines{"listened", "queued before listen", "done"});
}

TEST_CASE("a broadcast controller's done completes once the last listener has seen done",
          "[streams]") {
  const Lines out = run([] {
    auto c = StreamController<int>::broadcast({.on_cancel = [] { print("on_cancel"); }});
    c.stream().listen(print_data, {.on_done = [] { print("A done"); }});
    c.stream().listen(print_data, {.on_done = [] { print("B done"); }});
    (void)c.close().then([] { print("close future completed"); });
  });
  // The last listener's cancel (just before its done callback) calls on_cancel and queues
  // the completion of done.
  CHECK(out == Lines{"A done", "on_cancel", "B done", "close future completed"});
}

TEST_CASE(
    "pausing inside a data callback defers on_pause until the callback returns and holds the rest",
    "[streams]") {
  const Lines out = run([] {
    StreamController<int> c(
        {.on_pause = [] { print("on_pause"); }, .on_resume = [] { print("on_resume"); }});
    auto sub = std::make_shared<StreamSubscription<int>>();
    *sub = c.stream().listen([sub](const int& v) {
      print("data ", v);
      if (v == 1) {
        sub->pause();
        print("paused inside the callback");
      }
    });
    c.add(1);
    c.add(2);
    c.add(3);
    Timer(10ms, [sub] {
      print("resume at ", now_ms());
      sub->resume();
      queue_print("queued after resume");
    });
  });
  // resume queues one delivery microtask; on_resume waits until the buffer is empty.
  CHECK(out == Lines{"data 1", "paused inside the callback", "on_pause", "resume at 11", "data 2",
                     "queued after resume", "data 3", "on_resume"});
}

TEST_CASE("with nothing buffered, on_pause and on_resume run inside pause and resume",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> c(
        {.on_pause = [] { print("on_pause"); }, .on_resume = [] { print("on_resume"); }});
    auto sub = c.stream().listen(print_data);
    print("pause");
    sub.pause();
    print("resume");
    sub.resume();
    print("after resume");
  });
  CHECK(out == Lines{"pause", "on_pause", "resume", "on_resume", "after resume"});
}

TEST_CASE("nested pauses need as many resumes", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c(
        {.on_pause = [] { print("on_pause"); }, .on_resume = [] { print("on_resume"); }});
    auto sub = c.stream().listen([](const int& v) { print("data ", v, " at ", now_ms()); });
    sub.pause();
    sub.pause();
    c.add(1);
    sub.resume();
    print(std::string("paused after one resume: ") + (sub.is_paused() ? "yes" : "no"));
    Timer(10ms, [sub] {
      sub.resume();
      print(std::string("paused after two resumes: ") + (sub.is_paused() ? "yes" : "no"));
    });
  });
  CHECK(out == Lines{"on_pause", "paused after one resume: yes", "paused after two resumes: no",
                     "data 1 at 11", "on_resume"});
}

TEST_CASE("pause with a future resumes when the future completes", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    auto sub = c.stream().listen([](const int& v) { print("data ", v, " at ", now_ms()); });
    sub.pause(Future<void>::delayed(20ms));
    c.add(1);
    c.add(2);
    Timer(10ms, [] { print("still paused at ", now_ms()); });
  });
  CHECK(out == Lines{"still paused at 11", "data 1 at 21", "data 2 at 21"});
}

TEST_CASE(
    "resuming before the cancelled delivery microtask ran revives it: the event keeps its place",
    "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    auto sub = c.stream().listen(print_data);
    c.add(1);  // queues the delivery microtask
    queue_print("m1");
    sub.pause();
    sub.resume();  // no second microtask: the first one is wanted again
    queue_print("m2");
  });
  CHECK(out == Lines{"data 1", "m1", "m2"});
}

// --- Cancel ----------------------------------------------------------------------------------

TEST_CASE("cancel calls on_cancel inside cancel and returns a future that is already complete",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> c({.on_cancel = [] { print("on_cancel"); }});
    auto sub = c.stream().listen(print_data);
    c.add(1);
    queue_print("queued before cancel");
    print("cancel");
    (void)sub.cancel().then([] { print("cancel future completed"); });
    print("after cancel");
  });
  // The buffered 1 is never delivered; `then` on a complete future is one microtask.
  CHECK(out == Lines{"cancel", "on_cancel", "after cancel", "queued before cancel",
                     "cancel future completed"});
}

TEST_CASE("cancel waits for the future on_cancel returns; done completes after it", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c({.on_cancel = [] {
      print("on_cancel");
      return Future<void>::delayed(10ms, [] { print("clean-up at ", now_ms()); });
    }});
    auto sub = c.stream().listen(print_data);
    (void)c.done().then([] { print("done completed at ", now_ms()); });
    print("cancel");
    (void)sub.cancel().then([] { print("cancel completed at ", now_ms()); });
    print("after cancel");
  });
  CHECK(out == Lines{"cancel", "on_cancel", "after cancel", "clean-up at 11",
                     "cancel completed at 11", "done completed at 11"});
}

TEST_CASE("cancel from inside a data callback stops the delivery of the buffered events",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    auto sub = std::make_shared<StreamSubscription<int>>();
    *sub = c.stream().listen(
        [sub](const int& v) {
          print("data ", v);
          (void)sub->cancel();
        },
        {.on_done = print_done});
    c.add(1);
    c.add(2);
    c.add(3);
    (void)c.close();
    Timer(10ms, [] { print("end"); });
  });
  CHECK(out == Lines{"data 1", "end"});
}

TEST_CASE("on_data can be replaced from inside the data callback", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    auto sub = std::make_shared<StreamSubscription<int>>();
    *sub = c.stream().listen([sub](const int& v) {
      print("first handler ", v);
      sub->on_data([](const int& w) { print("second handler ", w); });
    });
    c.add(1);
    c.add(2);
    c.add(3);
  });
  CHECK(out == Lines{"first handler 1", "second handler 2", "second handler 3"});
}

// --- close() and add_stream ------------------------------------------------------------------

TEST_CASE("close returns done, which completes after the listener got done", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    c.stream().listen(print_data, {.on_done = [] { print("listener done"); }});
    c.add(1);
    (void)c.close().then([] { print("close future completed"); });
    queue_print("m");
  });
  CHECK(out == Lines{"data 1", "m", "listener done", "close future completed"});
}

TEST_CASE("adding to a closed controller throws StateError; closing again does not", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    c.stream().listen(print_data, {.on_done = print_done});
    (void)c.close();
    try {
      c.add(1);
      print("no throw");
    } catch (const StateError& e) {
      print(e.what());
    }
    try {
      c.add_error(StateError("late"));
      print("no throw");
    } catch (const StateError& e) {
      print(e.what());
    }
    (void)c.close();  // closing again is allowed
    print("closed twice");
    auto b = StreamController<int>::broadcast();  // a broadcast controller words it its own way
    (void)b.close();
    try {
      b.add(1);
      print("no throw");
    } catch (const StateError& e) {
      print(e.what());
    }
  });
  CHECK(out == Lines{"Bad state: Cannot add event after closing",
                     "Bad state: Cannot add event after closing", "closed twice",
                     "Bad state: Cannot add new events after calling close", "done"});
}

TEST_CASE("a controller rejects add and close while add_stream runs, and accepts them afterwards",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> source;
    StreamController<int> c;
    c.stream().listen(print_data, {.on_done = print_done});
    const Future<void> adding = c.add_stream(source.stream());
    try {
      c.add(9);
      print("no throw");
    } catch (const StateError& e) {
      print(e.what());
    }
    try {
      (void)c.close();
      print("no throw");
    } catch (const StateError& e) {
      print(e.what());
    }
    source.add(1);
    (void)source.close();
    (void)adding.then([c] {
      print("add_stream completed");
      c.add(2);
      (void)c.close();
    });
  });
  CHECK(out == Lines{"Bad state: Cannot add event while adding a stream",
                     "Bad state: Cannot add event while adding a stream", "data 1",
                     "add_stream completed", "data 2", "done"});
}

TEST_CASE("add_stream forwards every event and completes when the source is done", "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    c.stream().listen(print_data, {.on_done = print_done});
    (void)c.add_stream(Stream<int>::from_iterable({1, 2, 3})).then([c] {
      print("add_stream completed");
      (void)c.close();
    });
  });
  CHECK(out == Lines{"data 1", "data 2", "data 3", "add_stream completed", "done"});
}

TEST_CASE("add_stream forwards errors and goes on; with cancel_on_error the first error ends it",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> source;
    source.add(1);
    source.add_error(StateError("x"));
    source.add(2);
    (void)source.close();
    StreamController<int> c;
    c.stream().listen(print_data, {.on_error = print_error});
    (void)c.add_stream(source.stream()).then([] { print("add_stream completed"); });
  });
  CHECK(out == Lines{"data 1", "error: Bad state: x", "data 2", "add_stream completed"});
  // With cancel_on_error, the first error cancels the source and completes add_stream.
  const Lines ends_at_error = run([] {
    StreamController<int> source({.on_cancel = [] { print("source cancelled"); }});
    source.add(1);
    source.add_error(StateError("x"));
    source.add(2);
    (void)source.close();
    StreamController<int> c;
    c.stream().listen(print_data, {.on_error = print_error});
    (void)c.add_stream(source.stream(), true).then([c] {
      print("add_stream completed");
      c.add(3);  // the controller takes events again
    });
  });
  CHECK(ends_at_error == Lines{"data 1", "source cancelled", "error: Bad state: x",
                               "add_stream completed", "data 3"});
}

TEST_CASE("an error event without an on_error handler is an uncaught error", "[streams]") {
  const auto r = dartloop::test::run_isolate([] {
    StreamController<int> c;
    c.stream().listen(print_data);
    c.add(1);
    c.add_error(StateError("bad"));
    c.add(2);
  });
  CHECK(r.exit_code == 255);
  CHECK(r.output == Lines{"data 1"});
  REQUIRE(r.errors.size() == 1);
  CHECK(starts_with(r.errors[0], "Unhandled exception"));
  CHECK(contains(r.errors[0], "Bad state: bad"));
}

TEST_CASE("a throwing on_data is an uncaught error; add itself returns normally", "[streams]") {
  const auto r = dartloop::test::run_isolate([] {
    StreamController<int> c({.sync = true});
    c.stream().listen([](const int& v) {
      print("data ", v);
      throw std::runtime_error("boom from on_data");
    });
    queue_print("queued before add");
    print("before add");
    c.add(1);
    print("add returned");
  });
  // The report is a priority microtask: it ends the isolate before the queued print.
  CHECK(r.exit_code == 255);
  CHECK(r.output == Lines{"before add", "data 1", "add returned"});
  REQUIRE(r.errors.size() == 1);
  CHECK(starts_with(r.errors[0], "Unhandled exception"));
  CHECK(contains(r.errors[0], "boom from on_data"));
}

TEST_CASE("cancel_on_error cancels the subscription, then delivers the error; done never comes",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> c({.on_cancel = [] { print("on_cancel"); }});
    c.stream().listen(print_data,
                      {.on_error = print_error, .on_done = print_done, .cancel_on_error = true});
    c.add(1);
    c.add_error(StateError("e"));
    c.add(2);
    (void)c.close();
  });
  CHECK(out == Lines{"data 1", "on_cancel", "error: Bad state: e"});
}

TEST_CASE("as_future completes when the stream is done and fails, after cancelling, on an error",
          "[streams]") {
  const Lines out = run([] {
    StreamController<int> c;
    (void)c.stream().listen(print_data).as_future().then([] { print("as_future completed"); });
    StreamController<int> d;
    (void)d.stream().listen(print_data).as_future(42).then([](const int& v) {
      print("as_future(42) completed with ", v);
    });
    StreamController<int> e({.on_cancel = [] { print("on_cancel"); }});
    (void)e.stream()
        .listen(print_data)
        .as_future()
        .then([] { print("as_future completed"); },
              [](const StateError& err) { print("as_future failed: ", err.what()); });
    c.add(1);
    (void)c.close();
    (void)d.close();
    e.add_error(StateError("e"));
    e.add(2);
  });
  // The error cancels e's subscription (on_cancel) before failing the future.
  CHECK(out == Lines{"data 1", "as_future(42) completed with 42", "on_cancel",
                     "as_future failed: Bad state: e", "as_future completed"});
}

// Dart itself rejects an onError that does not accept Object; the kit's typed handler
// stands for one that type-tests the error and rethrows the others (stream_subscription.hpp).
TEST_CASE("a typed on_error handler gets errors of its type; others escape as uncaught",
          "[streams]") {
  const auto r = dartloop::test::run_isolate([] {
    StreamController<int> c;
    c.stream().listen(print_data,
                      {.on_error = [](const StateError& e) { print("StateError: ", e.what()); }});
    c.add_error(StateError("x"));
    c.add(1);
    c.add_error(std::runtime_error("other"));
    c.add(2);
  });
  CHECK(r.exit_code == 255);
  CHECK(r.output == Lines{"StateError: Bad state: x", "data 1"});
  REQUIRE(r.errors.size() == 1);
  CHECK(starts_with(r.errors[0], "Unhandled exception"));
  CHECK(contains(r.errors[0], "other"));
}

// --- Factories -------------------------------------------------------------------------------

TEST_CASE("from_iterable emits one element per microtask and done in a microtask of its own",
          "[streams]") {
  const Lines out = run([] {
    Stream<int>::from_iterable({1, 2, 3}).listen(
        [](const int& v) {
          print("data ", v);
          queue_print("after " + std::to_string(v));
        },
        {.on_done = print_done});
    queue_print("queued after listen");
  });
  CHECK(out == Lines{"data 1", "queued after listen", "after 1", "data 2", "after 2", "data 3",
                     "after 3", "done"});
}

TEST_CASE(
    "a from_iterable stream can be listened to twice, each listener walking the elements anew",
    "[streams]") {
  const Lines out = run([] {
    auto s = Stream<int>::from_iterable({1, 2});
    s.listen([](const int& v) { print("A ", v); }, {.on_done = [] { print("A done"); }});
    s.listen([](const int& v) { print("B ", v); }, {.on_done = [] { print("B done"); }});
  });
  CHECK(out == Lines{"A 1", "B 1", "A 2", "B 2", "A done", "B done"});
}

TEST_CASE("pausing a from_iterable subscription holds the remaining elements", "[streams]") {
  const Lines out = run([] {
    auto sub = std::make_shared<StreamSubscription<int>>();
    *sub = Stream<int>::from_iterable({1, 2, 3}).listen(
        [sub](const int& v) {
          print("data ", v, " at ", now_ms());
          if (v == 1) sub->pause();
        },
        {.on_done = [] { print("done at ", now_ms()); }});
    Timer(10ms, [sub] {
      print("resume at ", now_ms());
      sub->resume();
    });
  });
  CHECK(out == Lines{"data 1 at 0", "resume at 11", "data 2 at 11", "data 3 at 11", "done at 11"});
}

TEST_CASE(
    "Stream::value and Stream::error deliver their event, then done, each in its own microtask",
    "[streams]") {
  const Lines out = run([] {
    Stream<int>::value(7).listen(print_data, {.on_done = print_done});
    Stream<int>::error(StateError("v")).listen(print_data, {.on_error = print_error, .on_done = [] {
                                                              print("error stream done");
                                                            }});
    queue_print("m");
  });
  CHECK(out == Lines{"data 7", "error: Bad state: v", "m", "done", "error stream done"});
}

TEST_CASE("Stream::empty is a broadcast stream that only delivers done, in a microtask",
          "[streams]") {
  const Lines out = run([] {
    auto s = Stream<int>::empty();
    print(std::string("broadcast: ") + (s.is_broadcast() ? "yes" : "no"));
    s.listen(print_data, {.on_error = print_error, .on_done = [] { print("A done"); }});
    s.listen(print_data, {.on_error = print_error, .on_done = [] { print("B done"); }});
    print("listened twice");
  });
  CHECK(out == Lines{"broadcast: yes", "listened twice", "A done", "B done"});
}

TEST_CASE(
    "Stream::from_future delivers the value (or error) and done inside the future's completion",
    "[streams]") {
  const Lines out = run([] {
    auto f = Future<int>::delayed(10ms, [] { return 5; });
    Stream<int>::from_future(f).listen([](const int& v) { print("data ", v, " at ", now_ms()); },
                                       {.on_done = [] { print("done at ", now_ms()); }});
    (void)f.then([](const int&) { print("later then callback"); });
    auto failing = Future<int>::delayed(20ms, []() -> int { throw StateError("f"); });
    Stream<int>::from_future(failing).listen(
        print_data, {.on_error = print_error, .on_done = [] { print("done at ", now_ms()); }});
  });
  // from_future's own `then` was registered first: its sync controller delivers both events
  // before the next callback on the same future runs.
  CHECK(out == Lines{"data 5 at 11", "done at 11", "later then callback", "error: Bad state: f",
                     "done at 21"});
}

TEST_CASE("Stream::periodic ticks at its period on the virtual clock; cancel stops its timer",
          "[streams]") {
  const Lines out = run([] {
    auto sub = std::make_shared<StreamSubscription<int>>();
    *sub = Stream<int>::periodic(10ms, [](int n) { return n * 10; }).listen([sub](const int& v) {
      print("tick ", v, " at ", now_ms());
      if (v == 20) (void)sub->cancel();
    });
    Timer(100ms, [] {
      const std::size_t left = EventLoop::current().pending_timers();
      print("timers left at ", now_ms(), ": ", left);
      if (left != 0) EventLoop::current().stop(3);  // a timer that still ticks would never end
    });
  });
  CHECK(out == Lines{"tick 0 at 11", "tick 10 at 21", "tick 20 at 31", "timers left at 101: 0"});
}

TEST_CASE("pausing Stream::periodic stops its timer; resume continues with the rest of the period",
          "[streams]") {
  const Lines out = run([] {
    auto sub = std::make_shared<StreamSubscription<int>>();
    *sub = Stream<int>::periodic(10ms, [](int n) { return n; }).listen([sub](const int& v) {
      print("tick ", v, " at ", now_ms());
      if (v == 5) (void)sub->cancel();
    });
    const auto pause_at = [sub](std::chrono::milliseconds t) {
      Timer(t, [sub] {
        print("pause at ", now_ms());
        sub->pause();
      });
    };
    const auto resume_at = [sub](std::chrono::milliseconds t) {
      Timer(t, [sub] {
        print("resume at ", now_ms());
        sub->resume();
      });
    };
    pause_at(25ms);   // fires at 26
    resume_at(40ms);  // fires at 41
    pause_at(65ms);   // fires at 66, 3 ms after the tick at 63
    resume_at(80ms);  // fires at 81
  });
  // A VM timer made at t with d ms fires at t + 1 + d; a periodic one then every d ms.
  // Dart's stopwatch only starts at the first resume, so the first pause keeps no elapsed
  // time: that resume waits a whole period (41 + 1 + 10 = 52). The second pause came 3 ms
  // after a tick, so its resume waits the 7 ms left (81 + 1 + 7 = 89).
  CHECK(out == Lines{"tick 0 at 11", "tick 1 at 21", "pause at 26", "resume at 41", "tick 2 at 52",
                     "tick 3 at 63", "pause at 66", "resume at 81", "tick 4 at 89",
                     "tick 5 at 100"});
}

// --- Lifetime --------------------------------------------------------------------------------

TEST_CASE("controllers left open when the isolate ends release their buffered values and callbacks",
          "[streams]") {
  Lifetime lifetime;
  {
    EventLoop loop(ClockKind::virtual_time);
    Lines out;
    capture(loop, out);
    const int code = loop.run([&lifetime] {
      // A listener that paused, with two values waiting in its buffer.
      StreamController<Counted> listened;
      auto sub = listened.stream().listen([k = Counted(lifetime)](const Counted&) {
        (void)k;
        print("delivered");
      });
      sub.pause();
      listened.add(Counted(lifetime));
      listened.add(Counted(lifetime));
      // A controller nobody listened to, holding one value.
      StreamController<Counted> unlistened;
      unlistened.add(Counted(lifetime));
      // A broadcast listener with a value queued for it.
      auto broadcast = StreamController<Counted>::broadcast();
      broadcast.stream().listen([k = Counted(lifetime)](const Counted&) {
        (void)k;
        print("broadcast delivered");
      });
      broadcast.stream().listen({}).pause();
      broadcast.add(Counted(lifetime));
      print("live at the end of main: ", lifetime.live);
    });
    CHECK(code == 0);
    // 1 callback + 2 buffered, 1 buffered, 1 callback + 2 buffered (one per listener).
    CHECK(out == Lines{"live at the end of main: 7", "broadcast delivered"});
  }
  CHECK(lifetime.live == 0);
  CHECK(lifetime.double_destroyed == 0);
  CHECK(lifetime.destroyed >= 7);
}

TEST_CASE("cancelling a subscription releases its buffered values at once", "[streams]") {
  Lifetime lifetime;
  const Lines out = run([&lifetime] {
    StreamController<Counted> c;
    auto sub = c.stream().listen([](const Counted&) { print("delivered"); });
    sub.pause();
    c.add(Counted(lifetime));
    c.add(Counted(lifetime));
    c.add(Counted(lifetime));
    print("buffered: ", lifetime.live);
    (void)sub.cancel();
    print("after cancel: ", lifetime.live);
  });
  CHECK(out == Lines{"buffered: 3", "after cancel: 0"});
  CHECK(lifetime.live == 0);
  CHECK(lifetime.double_destroyed == 0);
}
