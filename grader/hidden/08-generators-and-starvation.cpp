// Hidden tests of step 8 (never shipped to learners): async* generators (dart-semantics.md
// §1.8) and the starvation watchdog.
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"
#include "dartloop/starvation_watchdog.hpp"

using namespace dartloop;
using namespace dartloop::testing;
using namespace std::chrono_literals;

namespace {
struct Outcome {
  int exit_code = 0;
  Lines lines;
  std::optional<StarvationReport> report;
};
// Runs @p program under a watchdog that allows @p budget microtasks per drain.
template <class F>
Outcome run_watched(std::size_t budget, F program) {
  EventLoop loop(ClockKind::virtual_time);
  Outcome out;
  loop.set_output([&out](std::string_view line) { out.lines.emplace_back(line); });
  loop.set_error_output([](std::string_view) {});
  StarvationWatchdog watchdog(loop, {.microtasks_per_drain = budget});
  out.exit_code = loop.run(program);
  out.report = watchdog.report();
  return out;
}
void print_data(const int& v) { print("data ", v); }
void print_done() { print("done"); }
void queue_print(std::string text) {
  schedule_microtask([text = std::move(text)] { print(text); });
}

// Prints what it does, so a test sees exactly when the body runs.
Stream<int> count_to(int n) {
  print("body starts");
  for (int i = 1; i <= n; ++i) {
    print("yield ", i);
    co_yield i;
  }
  print("body ends");
}

Stream<int> tagged(std::string tag, int n) {
  for (int i = 1; i <= n; ++i) {
    print(tag, i);
    co_yield i;
  }
}

// Says goodbye when its frame is destroyed: Dart's `finally`.
struct Goodbye {
  std::string text;
  explicit Goodbye(std::string t) : text(std::move(t)) {}
  Goodbye(const Goodbye&) = delete;
  Goodbye& operator=(const Goodbye&) = delete;
  ~Goodbye() { print(text); }
};

// Long rather than endless, so that a wrong runtime ends (and fails) instead of hanging.
constexpr int many = 1000;

Stream<int> long_with_goodbye() {
  const Goodbye bye{"generator frame destroyed"};
  for (int i = 1; i <= many; ++i) co_yield i;
}

Stream<int> long_stream() {
  for (int i = 1; i <= many; ++i) co_yield i;
}

Stream<int> waits_between(int first) {
  co_yield first;
  const int next = co_await Future<int>::delayed(5ms, [first] { return first + 1; });
  print("awaited ", next, " at ", EventLoop::current().now().count() / 1000);
  co_yield next;
}

Stream<int> yields_awaits_yields() {
  const Goodbye bye{"generator frame destroyed"};
  co_yield 1;
  co_await Future<void>::delayed(5ms, [] {});
  print("after the await");
  co_yield 2;
  print("after the second yield");
}

Stream<int> fails_after(int n) {
  for (int i = 1; i <= n; ++i) co_yield i;
  throw std::runtime_error("generator failed");
}

// A chain of microtasks, each scheduling the next: a flood for any budget below its length.
void chain(int left) {
  if (left > 0) schedule_microtask([left] { chain(left - 1); });
}
}  // namespace

TEST_CASE("hidden 08: calling a generator runs nothing; listen starts it in a microtask",
          "[step08]") {
  const Lines lines = run_program([] {
    Stream<int> s = count_to(2);
    print("generator called");
    s.listen(print_data, {.on_done = print_done});
    print("listen returned");
    queue_print("queued after listen");
  });
  CHECK(lines == Lines{"generator called", "listen returned", "body starts", "yield 1", "data 1",
                       "queued after listen", "yield 2", "data 2", "body ends", "done"});
}

TEST_CASE("hidden 08: a generator nobody listens to never runs its body", "[step08]") {
  const Lines lines = run_program([] {
    Stream<int> s = count_to(3);
    (void)s;
    queue_print("microtask");
  });
  CHECK(lines == Lines{"microtask"});
}

TEST_CASE("hidden 08: every co_yield waits one microtask, so two generators interleave",
          "[step08]") {
  const Lines lines = run_program([] {
    tagged("a", 2).listen([](const int& v) { print("got a", v); });
    tagged("b", 2).listen([](const int& v) { print("got b", v); });
  });
  CHECK(lines == Lines{"a1", "got a1", "b1", "got b1", "a2", "got a2", "b2", "got b2"});
}

TEST_CASE("hidden 08: a yield reaches the listener inside the co_yield", "[step08]") {
  const Lines lines = run_program([] {
    count_to(1).listen([](const int& v) {
      print("data ", v);
      queue_print("queued by the listener");
    });
  });
  // The listener's microtask is queued before the body's resumption.
  CHECK(lines == Lines{"body starts", "yield 1", "data 1", "queued by the listener", "body ends"});
}

TEST_CASE("hidden 08: a paused subscription keeps the body waiting at its co_yield", "[step08]") {
  const Lines lines = run_program([] {
    auto sub = std::make_shared<StreamSubscription<int>>();
    *sub = count_to(3).listen(
        [sub](const int& v) {
          print("data ", v);
          if (v == 1) {
            sub->pause();
            Timer::run([sub] {
              print("resume");
              sub->resume();
            });
          }
        },
        {.on_done = print_done});
  });
  CHECK(lines == Lines{"body starts", "yield 1", "data 1", "resume", "yield 2", "data 2", "yield 3",
                       "data 3", "body ends", "done"});
}

TEST_CASE("hidden 08: cancel inside on_data ends the body at that co_yield", "[step08]") {
  const Lines lines = run_program([] {
    auto sub = std::make_shared<StreamSubscription<int>>();
    *sub = long_with_goodbye().listen(
        [sub](const int& v) {
          print("data ", v);
          if (v == 2) {
            (void)sub->cancel();
            print("cancelled");
          }
        },
        {.on_done = print_done});
    Timer::run([] { print("next event"); });
  });
  CHECK(lines == Lines{"data 1", "data 2", "cancelled", "generator frame destroyed", "next event"});
}

TEST_CASE("hidden 08: cancelling a paused generator ends its body in a microtask", "[step08]") {
  const Lines lines = run_program([] {
    auto sub = std::make_shared<StreamSubscription<int>>();
    *sub = long_with_goodbye().listen([sub](const int& v) {
      print("data ", v);
      sub->pause();
    });
    Timer::run([sub] {
      print("cancel");
      (void)sub->cancel();
      print("cancel returned");
    });
  });
  CHECK(lines == Lines{"data 1", "cancel", "cancel returned", "generator frame destroyed"});
}

TEST_CASE("hidden 08: a generator cancelled before it started runs none of its body", "[step08]") {
  const Lines lines = run_program([] {
    auto sub = count_to(2).listen(print_data);
    (void)sub.cancel();
    queue_print("microtask");
  });
  CHECK(lines == Lines{"microtask"});
}

TEST_CASE("hidden 08: an exception that leaves the body is an error event, then done", "[step08]") {
  const Lines lines = run_program([] {
    fails_after(1).listen(print_data, {.on_error =
                                           [](std::exception_ptr e) {
                                             try {
                                               std::rethrow_exception(e);
                                             } catch (const std::exception& x) {
                                               print("error: ", x.what());
                                             }
                                           },
                                       .on_done = print_done});
  });
  CHECK(lines == Lines{"data 1", "error: generator failed", "done"});
}

TEST_CASE("hidden 08: the watchdog stops a microtask flood past its budget", "[step08]") {
  const Outcome out = run_watched(100, [] {
    Timer::run([] { print("the event that waits"); });
    chain(many);
  });
  CHECK(out.exit_code == exit_starvation);
  REQUIRE(out.report.has_value());
  CHECK(out.report->kind == StarvationKind::microtask_flood);
  CHECK(out.report->observed == 101);
  CHECK(out.report->limit == 100);
  CHECK(out.report->events_waiting == 1);
  CHECK(out.lines.empty());
}

TEST_CASE("hidden 08: the microtask past the budget does not run", "[step08]") {
  const Outcome out = run_watched(3, [] {
    for (int i = 1; i <= 5; ++i) queue_print("microtask " + std::to_string(i));
  });
  CHECK(out.exit_code == exit_starvation);
  CHECK(out.lines == Lines{"microtask 1", "microtask 2", "microtask 3"});
}

TEST_CASE("hidden 08: a drain exactly at the budget is fine", "[step08]") {
  const Outcome out = run_watched(3, [] {
    for (int i = 1; i <= 3; ++i) queue_print("microtask " + std::to_string(i));
    Timer::run([] { print("event"); });
  });
  CHECK(out.exit_code == 0);
  CHECK_FALSE(out.report.has_value());
  CHECK(out.lines == Lines{"microtask 1", "microtask 2", "microtask 3", "event"});
}

TEST_CASE("hidden 08: the count starts again with every drain", "[step08]") {
  const Outcome out = run_watched(4, [] {
    for (int event = 1; event <= 3; ++event) {
      Timer::run([event] {
        for (int i = 1; i <= 4; ++i) schedule_microtask([] {});
        print("event ", event);
      });
    }
  });
  CHECK(out.exit_code == 0);
  CHECK_FALSE(out.report.has_value());
  CHECK(out.lines == Lines{"event 1", "event 2", "event 3"});
}

TEST_CASE("hidden 08: a generator that never waits for an event starves the loop", "[step08]") {
  const Outcome out = run_watched(50, [] {
    auto received = std::make_shared<int>(0);
    long_stream().listen([received](const int&) { ++*received; });
    Timer(std::chrono::milliseconds(5), [] { print("timer"); });
    Timer::run([received] { print("event after ", *received, " values"); });
  });
  CHECK(out.exit_code == exit_starvation);
  REQUIRE(out.report.has_value());
  CHECK(out.report->observed == 51);
  CHECK(out.report->events_waiting == 1);
  CHECK(out.report->timers_waiting == 2);
  CHECK(out.lines.empty());
}

TEST_CASE("hidden 08: a generator may co_await a future between two yields", "[step08]") {
  const Lines lines = run_program([] {
    waits_between(1).listen(print_data, {.on_done = print_done});
    Timer::run([] { print("an event while the generator waits"); });
  });
  CHECK(lines ==
        Lines{"data 1", "an event while the generator waits", "awaited 2 at 6", "data 2", "done"});
}

TEST_CASE("hidden 08: cancelled while it awaits, a generator returns at its next co_yield",
          "[step08]") {
  const Lines lines = run_program([] {
    auto sub = std::make_shared<StreamSubscription<int>>();
    *sub = yields_awaits_yields().listen(print_data, {.on_done = print_done});
    Timer(2ms, [sub] {
      (void)sub->cancel();
      print("cancelled");
    });
  });
  CHECK(lines == Lines{"data 1", "cancelled", "after the await", "generator frame destroyed"});
}
