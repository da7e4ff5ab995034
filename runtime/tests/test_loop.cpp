// Layer 3: the loop itself. One event per turn, a full microtask drain after each, errors,
// program end, posts from other threads, output, snapshots (dart-semantics.md §1.1, §1.2, §1.10).

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dartloop/errors.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/print.hpp"
#include "dartloop/timer.hpp"
#include "support.hpp"

using namespace std::chrono_literals;
using dartloop::ClockKind;
using dartloop::EventKind;
using dartloop::EventLoop;
using dartloop::print;
using dartloop::schedule_microtask;
using dartloop::Timer;
using dartloop::test::capture;
using dartloop::test::capture_errors;
using dartloop::test::contains;
using dartloop::test::Counted;
using dartloop::test::Lifetime;
using dartloop::test::starts_with;

using Lines = std::vector<std::string>;

// ---------------------------------------------------------------------------------------
// The skeleton: main is the first event; one event, then every microtask.
// ---------------------------------------------------------------------------------------

TEST_CASE("the seed puzzle prints 1 6 3 5 2 4", "[loop]") {
  // Dart: print 1; Future(2); Future.microtask(3); Future.delayed(zero, 4);
  // scheduleMicrotask(5); print 6. Future(f) is Timer.run, Future.microtask is a microtask,
  // Future.delayed(Duration.zero) is a zero timer.
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  const int code = loop.run([] {
    print("1");
    Timer::run([] { print("2"); });
    schedule_microtask([] { print("3"); });
    Timer(0ms, [] { print("4"); });
    schedule_microtask([] { print("5"); });
    print("6");
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"1", "6", "3", "5", "2", "4"});
}

TEST_CASE("run returns 0 when the program ends normally", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  bool ran = false;
  CHECK(loop.run([&ran] { ran = true; }) == dartloop::exit_success);
  CHECK(ran);
  CHECK(loop.exit_code() == 0);
}

TEST_CASE("the entry point runs as an event with the loop current", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  EventLoop* seen = nullptr;
  bool had_running_task = false;
  loop.run([&] {
    seen = &EventLoop::current();
    had_running_task = EventLoop::current().running() != nullptr;
  });
  CHECK(seen == &loop);
  CHECK(had_running_task);
  CHECK(EventLoop::current_or_null() == nullptr);  // not current once run returns
}

TEST_CASE("EventLoop::current throws StateError when no loop runs on the thread", "[loop]") {
  CHECK(EventLoop::current_or_null() == nullptr);
  CHECK_THROWS_AS(EventLoop::current(), dartloop::StateError);
  CHECK_THROWS_WITH(EventLoop::current(), Catch::StartsWith("Bad state: "));
}

TEST_CASE("microtasks scheduled by the entry point run before any event", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  loop.post([] { print("posted before run"); });
  loop.run([&loop] {
    Timer::run([] { print("zero timer"); });
    loop.post([] { print("posted event"); });
    schedule_microtask([] { print("microtask"); });
    print("main");
  });
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == "main");
  CHECK(lines[1] == "microtask");
}

TEST_CASE("the entry point runs before an event that was posted before run", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  loop.post([] { print("posted"); });
  loop.run([] {
    print("main");
    schedule_microtask([] { print("main's microtask"); });
  });
  CHECK(lines == Lines{"main", "main's microtask", "posted"});
}

TEST_CASE("microtasks run in the order they were scheduled", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  loop.run([] {
    for (int i = 0; i < 100; ++i) schedule_microtask([i] { print(i); });
  });
  REQUIRE(lines.size() == 100);
  for (std::size_t i = 0; i < lines.size(); ++i) CHECK(lines[i] == std::to_string(i));
}

TEST_CASE("a microtask scheduled during the drain runs before the next event", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  loop.run([] {
    Timer::run([] { print("event"); });
    schedule_microtask([] {
      print("m1");
      schedule_microtask([] {
        print("m1.1");
        schedule_microtask([] { print("m1.1.1"); });
      });
    });
    schedule_microtask([] { print("m2"); });
  });
  CHECK(lines == Lines{"m1", "m2", "m1.1", "m1.1.1", "event"});
}

TEST_CASE("exactly one event runs per turn, with a full microtask drain after each", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  loop.run([] {
    for (const char* name : {"A", "B", "C"}) {
      Timer::run([name] {
        print(name);
        schedule_microtask([name] {
          print(name, ".m");
          schedule_microtask([name] { print(name, ".m.m"); });
        });
      });
    }
  });
  CHECK(lines == Lines{"A", "A.m", "A.m.m", "B", "B.m", "B.m.m", "C", "C.m", "C.m.m"});
}

TEST_CASE("an event scheduled by an event runs after the events already queued", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  loop.run([] {
    Timer::run([] {
      print("A");
      Timer::run([] { print("A's event"); });
    });
    Timer::run([] { print("B"); });
  });
  CHECK(lines == Lines{"A", "B", "A's event"});
}

TEST_CASE("an endless microtask chain starves a queued event", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  constexpr int limit = 100'000;
  int chain = 0;
  bool event_ran = false;
  struct Chain {
    int* count;
    void operator()() const {
      if (++*count == limit) {
        EventLoop::current().stop(0);  // the test's way out; Dart would spin forever
        return;
      }
      schedule_microtask(Chain{count});
    }
  };
  const int code = loop.run([&] {
    Timer::run([&event_ran] { event_ran = true; });
    schedule_microtask(Chain{&chain});
  });
  CHECK(code == 0);
  CHECK(chain == limit);
  CHECK_FALSE(event_ran);
}

// ---------------------------------------------------------------------------------------
// Uncaught errors (§1.2): fatal by default, exit code 255, the rest is dropped.
// ---------------------------------------------------------------------------------------

TEST_CASE("a microtask that throws ends the isolate with exit code 255 and an error report",
          "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  Lines errors;
  capture(loop, lines);
  capture_errors(loop, errors);
  const int code = loop.run([] {
    Timer::run([] { print("timer"); });
    Timer(5ms, [] { print("later timer"); });
    schedule_microtask([] { print("before"); });
    schedule_microtask([] { throw std::runtime_error("boom in a microtask"); });
    schedule_microtask([] { print("after"); });
  });
  CHECK(code == dartloop::exit_uncaught_error);
  CHECK(code == 255);
  CHECK(loop.exit_code() == 255);
  CHECK(lines == Lines{"before"});
  REQUIRE(errors.size() == 1);
  CHECK(starts_with(errors[0], "Unhandled exception:\n"));
  CHECK(contains(errors[0], "boom in a microtask"));
  CHECK(loop.now() == 0ms);  // the 5 ms timer did not keep the dead isolate waiting
}

TEST_CASE("the error report names the line that scheduled the failing task", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines errors;
  capture_errors(loop, errors);
  unsigned line = 0;
  loop.run([&line] {
    line = __LINE__ + 1;
    schedule_microtask([] { throw std::logic_error("bad"); });
  });
  REQUIRE(errors.size() == 1);
  CHECK(contains(errors[0], ":" + std::to_string(line)));
}

TEST_CASE("an event that throws ends the isolate and later events never run", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  Lines errors;
  capture(loop, lines);
  capture_errors(loop, errors);
  const int code = loop.run([] {
    Timer::run([] {
      schedule_microtask([] { print("microtask of the failing event"); });
      throw std::runtime_error("event failed");
    });
    Timer::run([] { print("next event"); });
  });
  CHECK(code == 255);
  CHECK(lines.empty());
  REQUIRE(errors.size() == 1);
  CHECK(starts_with(errors[0], "Unhandled exception:\n"));
  CHECK(contains(errors[0], "event failed"));
}

TEST_CASE("an entry point that throws ends the isolate before its microtasks run", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  Lines errors;
  capture(loop, lines);
  capture_errors(loop, errors);
  const int code = loop.run([] {
    schedule_microtask([] { print("never"); });
    throw dartloop::StateError("main failed");
  });
  CHECK(code == 255);
  CHECK(lines.empty());
  REQUIRE(errors.size() == 1);
  CHECK(contains(errors[0], "Bad state: main failed"));
}

TEST_CASE("a timer callback that throws ends the isolate and the rest of its batch never runs",
          "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  Lines errors;
  capture(loop, lines);
  capture_errors(loop, errors);
  const int code = loop.run([] {
    Timer(1ms, [] { print("first"); });
    Timer(1ms, [] { throw std::runtime_error("timer failed"); });
    Timer(1ms, [] { print("same batch, after the throw"); });
    Timer(10ms, [] { print("later timer"); });
  });
  CHECK(code == 255);
  CHECK(lines == Lines{"first"});
  REQUIRE(errors.size() == 1);
  CHECK(starts_with(errors[0], "Unhandled exception:"));
  CHECK(contains(errors[0], "timer failed"));
  CHECK(loop.now() == 2ms);
}

TEST_CASE("a thrown value that is not a std::exception is still reported as uncaught", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines errors;
  capture_errors(loop, errors);
  const int code = loop.run([] { schedule_microtask([] { throw std::string("a Dart string"); }); });
  CHECK(code == 255);
  REQUIRE(errors.size() == 1);
  CHECK(contains(errors[0], "a Dart string"));
}

TEST_CASE("with an uncaught error handler the isolate survives a throw and keeps going", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  Lines errors;
  Lines handled;
  capture(loop, lines);
  capture_errors(loop, errors);
  loop.set_uncaught_error_handler([&handled](std::exception_ptr e, const dartloop::TaskInfo&) {
    handled.push_back(dartloop::describe(e));
  });
  const int code = loop.run([] {
    schedule_microtask([] { throw std::runtime_error("first"); });
    schedule_microtask([] { print("microtask after the throw"); });
    Timer::run([] { throw std::runtime_error("second"); });
    Timer(1ms, [] { print("timer after the throw"); });
  });
  CHECK(code == 0);
  CHECK(errors.empty());
  CHECK(handled == Lines{"first", "second"});
  CHECK(lines == Lines{"microtask after the throw", "timer after the throw"});
}

TEST_CASE("the uncaught error handler is told which task failed", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  unsigned failing_line = 0;
  unsigned reported_line = 0;
  loop.set_uncaught_error_handler([&](std::exception_ptr, const dartloop::TaskInfo& task) {
    reported_line = task.where.line();
  });
  loop.run([&failing_line] {
    failing_line = __LINE__ + 1;
    Timer::run([] { throw std::runtime_error("x"); });
  });
  CHECK(reported_line == failing_line);
}

TEST_CASE("an uncaught error handler that throws makes the error fatal again", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines errors;
  capture_errors(loop, errors);
  bool later = false;
  loop.set_uncaught_error_handler([](std::exception_ptr, const dartloop::TaskInfo&) {
    throw std::runtime_error("handler failed");
  });
  const int code = loop.run([&later] {
    schedule_microtask([] { throw std::runtime_error("original"); });
    schedule_microtask([&later] { later = true; });
  });
  CHECK(code == 255);
  CHECK_FALSE(later);
  REQUIRE(errors.size() == 1);
  CHECK(contains(errors[0], "handler failed"));
}

TEST_CASE("an error reported as uncaught overtakes the queued microtasks and ends the isolate",
          "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines errors;
  bool later = false;
  capture_errors(loop, errors);
  const int code = loop.run([&later] {
    schedule_microtask([&later] { later = true; });
    EventLoop::current().report_uncaught_error(
        std::make_exception_ptr(std::runtime_error("reported")));
  });
  CHECK(code == 255);
  CHECK_FALSE(later);
  REQUIRE(errors.size() == 1);
  CHECK(starts_with(errors[0], "Unhandled exception:\n"));
  CHECK(contains(errors[0], "reported"));
}

// ---------------------------------------------------------------------------------------
// The priority insert (Dart's `_schedulePriorityAsyncCallback`).
// ---------------------------------------------------------------------------------------

TEST_CASE("a priority microtask runs before the microtasks already queued", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  loop.run([&loop] {
    schedule_microtask([] { print("m1"); });
    schedule_microtask([] { print("m2"); });
    loop.schedule_priority_microtask([] { print("priority"); });
  });
  CHECK(lines == Lines{"priority", "m1", "m2"});
}

TEST_CASE("priority microtasks of one task run in the order they were added, ahead of the rest",
          "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  loop.run([&loop] {
    schedule_microtask([&loop] {
      print("m1");
      schedule_microtask([] { print("m1's microtask"); });
      loop.schedule_priority_microtask([] { print("p1"); });
      loop.schedule_priority_microtask([] { print("p2"); });
    });
    schedule_microtask([] { print("m2"); });
  });
  CHECK(lines == Lines{"m1", "p1", "p2", "m2", "m1's microtask"});
}

TEST_CASE("a priority microtask scheduled from a priority microtask goes to the very front",
          "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  loop.run([&loop] {
    schedule_microtask([] { print("m1"); });
    loop.schedule_priority_microtask([&loop] {
      print("p1");
      loop.schedule_priority_microtask([] { print("p1's priority"); });
    });
    loop.schedule_priority_microtask([] { print("p2"); });
  });
  CHECK(lines == Lines{"p1", "p1's priority", "p2", "m1"});
}

// ---------------------------------------------------------------------------------------
// Stopping and program end (§1.10).
// ---------------------------------------------------------------------------------------

TEST_CASE("stop ends the loop after the running task with the given code", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  const int code = loop.run([] {
    schedule_microtask([] {
      EventLoop::current().stop(3);
      print("rest of the stopping task");
      schedule_microtask([] { print("scheduled after stop"); });
    });
    schedule_microtask([] { print("queued before stop"); });
    Timer::run([] { print("event"); });
  });
  CHECK(code == 3);
  CHECK(loop.stopped());
  CHECK(lines == Lines{"rest of the stopping task"});
}

TEST_CASE("the loop ends as soon as nothing can arrive", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  int events = 0;
  const int code = loop.run([&events] {
    Timer::run([&events] { ++events; });
    schedule_microtask([&events] { Timer::run([&events] { ++events; }); });
  });
  CHECK(code == 0);
  CHECK(events == 2);
  CHECK(loop.pending_events() == 0);
  CHECK(loop.pending_microtasks() == 0);
  CHECK(loop.pending_timers() == 0);
  CHECK(loop.now() == 0ms);
}

TEST_CASE("a cancelled timer does not keep the loop alive", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  bool fired = false;
  const int code = loop.run([&fired] {
    Timer t(std::chrono::hours(1), [&fired] { fired = true; });
    t.cancel();
  });
  CHECK(code == 0);
  CHECK_FALSE(fired);
  CHECK(loop.now() == 0ms);  // the loop never waited for the hour
}

TEST_CASE("a pending timer keeps the loop alive until it has fired", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  bool fired = false;
  loop.run([&fired] { Timer(std::chrono::hours(1), [&fired] { fired = true; }); });
  CHECK(fired);
  CHECK(loop.now() >= std::chrono::hours(1));
}

TEST_CASE("a KeepAlive keeps the loop alive until it is released from a posted event", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  std::optional<EventLoop::KeepAlive> keep;
  std::thread poster;
  std::atomic<bool> posted_ran{false};
  bool released = false;
  const int code = loop.run([&] {
    keep.emplace(loop);
    poster = std::thread([&] {
      // Give the loop time to go idle first; the result must not depend on this delay.
      std::this_thread::sleep_for(50ms);
      loop.post([&] {
        posted_ran = true;
        keep.reset();
        released = true;
      });
    });
  });
  poster.join();
  CHECK(code == 0);
  CHECK(posted_ran);
  CHECK(released);
}

TEST_CASE("a KeepAlive released by another task lets the loop end", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  int ticks = 0;
  const int code = loop.run([&ticks, &loop] {
    auto keep = std::make_shared<EventLoop::KeepAlive>(loop);
    Timer(5ms, [keep, &ticks] {
      ++ticks;
      keep->reset();
    });
  });
  CHECK(code == 0);
  CHECK(ticks == 1);
}

// ---------------------------------------------------------------------------------------
// post(): the thread-safe way in.
// ---------------------------------------------------------------------------------------

TEST_CASE("a post from another thread runs as an event on the loop's thread", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  std::thread::id loop_thread;
  std::thread::id poster_thread;
  std::thread::id ran_on;
  std::optional<EventLoop::KeepAlive> keep;
  std::thread poster;
  bool was_event = false;
  const int code = loop.run([&] {
    loop_thread = std::this_thread::get_id();
    keep.emplace(loop);
    poster = std::thread([&] {
      poster_thread = std::this_thread::get_id();
      loop.post([&] {
        ran_on = std::this_thread::get_id();
        const dartloop::TaskInfo* running = EventLoop::current().running();
        was_event = running != nullptr;
        keep.reset();
      });
    });
  });
  poster.join();
  CHECK(code == 0);
  CHECK(was_event);
  CHECK(ran_on == loop_thread);
  CHECK(ran_on != poster_thread);
}

TEST_CASE("many posts from one thread arrive in the order they were posted", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  constexpr int count = 2000;
  std::vector<int> seen;
  std::optional<EventLoop::KeepAlive> keep;
  std::thread poster;
  const int code = loop.run([&] {
    keep.emplace(loop);
    poster = std::thread([&] {
      for (int i = 0; i < count; ++i) {
        loop.post([&seen, i] { seen.push_back(i); });
      }
      loop.post([&keep] { keep.reset(); });
    });
  });
  poster.join();
  CHECK(code == 0);
  REQUIRE(seen.size() == static_cast<std::size_t>(count));
  bool in_order = true;
  for (int i = 0; i < count; ++i) in_order = in_order && seen[static_cast<std::size_t>(i)] == i;
  CHECK(in_order);
}

TEST_CASE("each posted event gets a full microtask drain before the next one", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  loop.post([] {
    print("p1");
    schedule_microtask([] { print("p1.m"); });
  });
  loop.post([] {
    print("p2");
    schedule_microtask([] { print("p2.m"); });
  });
  loop.run([] {});
  CHECK(lines == Lines{"p1", "p1.m", "p2", "p2.m"});
}

TEST_CASE("an event posted from the loop's own thread joins the event queue at once", "[loop]") {
  // All events share one FIFO in order of enqueueing (§1.1, §1.9): a post made between two
  // zero timers must run between them, like a message to the isolate's own port.
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  loop.run([&loop] {
    Timer::run([] { print("zero timer 1"); });
    loop.post([] { print("posted"); });
    Timer::run([] { print("zero timer 2"); });
  });
  CHECK(lines == Lines{"zero timer 1", "posted", "zero timer 2"});
}

// ---------------------------------------------------------------------------------------
// Output.
// ---------------------------------------------------------------------------------------

TEST_CASE("print writes one line to the loop's output sink, right away", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  std::size_t seen_inside = 0;
  loop.run([&] {
    print("plain");
    print(std::string("a string"));
    print("x = ", 42, ", y = ", 1.5);
    seen_inside = lines.size();  // synchronous: already in the sink
  });
  CHECK(seen_inside == 3);
  CHECK(lines == Lines{"plain", "a string", "x = 42, y = 1.5"});
}

TEST_CASE("write_error goes to the error sink, not to the output", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  Lines errors;
  capture(loop, lines);
  capture_errors(loop, errors);
  loop.write_error("diagnostic");
  CHECK(errors == Lines{"diagnostic"});
  CHECK(lines.empty());
}

// ---------------------------------------------------------------------------------------
// Lifetimes: whatever is dropped is destroyed, exactly once.
// ---------------------------------------------------------------------------------------

TEST_CASE("tasks dropped when the isolate stops are destroyed without running", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lifetime life;
  int ran = 0;
  const int code = loop.run([&] {
    for (int i = 0; i < 3; ++i) {
      schedule_microtask([c = Counted(life), &ran] { (void)c, ++ran; });
      Timer::run([c = Counted(life), &ran] { (void)c, ++ran; });
      Timer(1ms * (i + 1), [c = Counted(life), &ran] { (void)c, ++ran; });
      Timer::periodic(5ms, [c = Counted(life), &ran](Timer&) { (void)c, ++ran; });
      loop.post([c = Counted(life), &ran] { (void)c, ++ran; });
    }
    CHECK(life.live == 15);
    EventLoop::current().stop(0);
  });
  CHECK(code == 0);
  CHECK(ran == 0);
  CHECK(life.live == 0);
  CHECK(life.double_destroyed == 0);
}

TEST_CASE("tasks that ran are destroyed, and nothing is left after a normal end", "[loop]") {
  Lifetime life;
  int ran = 0;
  {
    EventLoop loop(ClockKind::virtual_time);
    loop.run([&] {
      schedule_microtask([c = Counted(life), &ran] { (void)c, ++ran; });
      Timer::run([c = Counted(life), &ran] { (void)c, ++ran; });
      Timer(3ms, [c = Counted(life), &ran] { (void)c, ++ran; });
      Timer::periodic(2ms, [c = Counted(life), &ran](Timer& t) {
        (void)c, ++ran;
        if (t.tick() == 3) t.cancel();
      });
    });
    CHECK(ran == 6);
    CHECK(life.live == 0);
  }
  CHECK(life.live == 0);
  CHECK(life.double_destroyed == 0);
}

TEST_CASE("tasks still queued in a loop that never ran are destroyed with the loop", "[loop]") {
  Lifetime life;
  {
    EventLoop loop(ClockKind::virtual_time);
    loop.within([&] {
      schedule_microtask([c = Counted(life)] { (void)c; });
      Timer::run([c = Counted(life)] { (void)c; });
      Timer(10ms, [c = Counted(life)] { (void)c; });
    });
    loop.post([c = Counted(life)] { (void)c; });
    CHECK(life.live == 4);
  }
  CHECK(life.live == 0);
  CHECK(life.double_destroyed == 0);
}

TEST_CASE("a failing isolate destroys the tasks it drops", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines errors;
  capture_errors(loop, errors);
  Lifetime life;
  loop.run([&life] {
    schedule_microtask([] { throw std::runtime_error("fail"); });
    schedule_microtask([c = Counted(life)] { (void)c; });
    Timer(1ms, [c = Counted(life)] { (void)c; });
    Timer::run([c = Counted(life)] { (void)c; });
  });
  CHECK(loop.exit_code() == 255);
  CHECK(life.live == 0);
  CHECK(life.double_destroyed == 0);
}

// ---------------------------------------------------------------------------------------
// fake_async-style control and snapshots.
// ---------------------------------------------------------------------------------------

TEST_CASE("within runs code now with the loop current, and queues what it schedules", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  EventLoop* seen = nullptr;
  loop.within([&] {
    seen = EventLoop::current_or_null();
    schedule_microtask([] { print("microtask"); });
    Timer::run([] { print("event"); });
  });
  CHECK(seen == &loop);
  CHECK(lines.empty());
  CHECK(loop.pending_microtasks() == 1);
  CHECK(loop.pending_events() == 1);

  loop.flush_microtasks();
  CHECK(lines == Lines{"microtask"});
  CHECK(loop.pending_events() == 1);

  loop.run_until_idle();
  CHECK(lines == Lines{"microtask", "event"});
  CHECK(loop.now() == 0ms);
}

TEST_CASE("run_until_idle runs every ready event and microtask but does not move the clock",
          "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  loop.within([] {
    Timer::run([] {
      print("e1");
      schedule_microtask([] { Timer::run([] { print("e2"); }); });
    });
    Timer(1ms, [] { print("timer"); });
  });
  loop.run_until_idle();
  CHECK(lines == Lines{"e1", "e2"});
  CHECK(loop.pending_timers() == 1);
  CHECK(loop.now() == 0ms);
}

TEST_CASE("a snapshot lists the queued work with the lines that scheduled it", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  unsigned microtask_line = 0;
  unsigned zero_line = 0;
  unsigned timer_line = 0;
  unsigned periodic_line = 0;
  dartloop::QueueSnapshot snap;
  dartloop::TaskId entry_id = 0;
  loop.run([&] {
    entry_id = EventLoop::current().running()->id;
    microtask_line = __LINE__ + 1;
    schedule_microtask([] {});
    zero_line = __LINE__ + 1;
    Timer::run([] {});
    timer_line = __LINE__ + 1;
    Timer t(5ms, [] {});
    periodic_line = __LINE__ + 1;
    Timer p = Timer::periodic(3ms, [](Timer& self) { self.cancel(); });
    snap = EventLoop::current().snapshot();
  });

  CHECK(snap.now == 0ms);
  REQUIRE(snap.microtasks.size() == 1);
  CHECK(snap.microtasks[0].where.line() == microtask_line);
  CHECK(snap.microtasks[0].parent == entry_id);

  REQUIRE(snap.events.size() == 1);
  CHECK(snap.events[0].kind == EventKind::zero_timer);
  CHECK(snap.events[0].info.where.line() == zero_line);

  REQUIRE(snap.timers.size() == 3);  // firing order: zero (0 ms), periodic (4 ms), one-shot (6 ms)
  CHECK(snap.timers[0].info.where.line() == zero_line);
  CHECK(snap.timers[0].wakeup_ms == 0);
  CHECK(snap.timers[1].info.where.line() == periodic_line);
  CHECK(snap.timers[1].wakeup_ms == 4);
  CHECK(snap.timers[1].periodic);
  CHECK(snap.timers[1].period_ms == 3);
  CHECK(snap.timers[2].info.where.line() == timer_line);
  CHECK(snap.timers[2].wakeup_ms == 6);
  CHECK_FALSE(snap.timers[2].periodic);
  for (const auto& t : snap.timers) CHECK(t.active);
}

TEST_CASE("task ids grow in scheduling order and record the scheduling task as parent", "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  dartloop::TaskId entry = 0;
  dartloop::TaskId first = 0;
  dartloop::TaskId child_parent = 0;
  dartloop::QueueSnapshot inner;
  loop.run([&] {
    entry = EventLoop::current().running()->id;
    schedule_microtask([&] {
      first = EventLoop::current().running()->id;
      schedule_microtask([] {});
      inner = EventLoop::current().snapshot();
    });
    schedule_microtask([] {});
  });
  CHECK(entry > 0);
  CHECK(first > entry);
  REQUIRE(inner.microtasks.size() == 2);
  CHECK(inner.microtasks[0].id > first);  // scheduled by the entry, after `first`
  CHECK(inner.microtasks[1].id > inner.microtasks[0].id);
  child_parent = inner.microtasks[1].parent;
  CHECK(child_parent == first);
  CHECK(inner.microtasks[0].parent == entry);
}

TEST_CASE("a snapshot shows a cancelled zero timer as inactive until its event consumes it",
          "[loop]") {
  EventLoop loop(ClockKind::virtual_time);
  dartloop::QueueSnapshot snap;
  bool fired = false;
  loop.run([&] {
    Timer t(dartloop::Duration::zero(), [&fired] { fired = true; });
    t.cancel();
    snap = EventLoop::current().snapshot();
  });
  CHECK_FALSE(fired);
  REQUIRE(snap.timers.size() == 1);
  CHECK_FALSE(snap.timers[0].active);
  REQUIRE(snap.events.size() == 1);  // its message is still queued
  CHECK(snap.events[0].kind == EventKind::zero_timer);
}
