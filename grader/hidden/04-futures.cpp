// Hidden tests of step 4 (never shipped to learners): futures and completers with values
// (dart-semantics.md §1.3).
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"

using namespace dartloop;
using namespace dartloop::testing;
using namespace std::chrono_literals;

namespace {
std::string ms_now() { return std::to_string(EventLoop::current().now().count() / 1000); }
}  // namespace

TEST_CASE("hidden 04: the seed puzzle with futures prints 1 6 3 5 2 4", "[step04]") {
  const Lines lines = run_program([] {
    print("1");
    Future<void>([] { print("2"); });
    Future<void>::microtask([] { print("3"); });
    Future<void>::delayed(Duration::zero(), [] { print("4"); });
    schedule_microtask([] { print("5"); });
    print("6");
  });
  CHECK(lines == Lines{"1", "6", "3", "5", "2", "4"});
}

TEST_CASE("hidden 04: Future.value completes in a microtask queued when it is made", "[step04]") {
  const Lines lines = run_program([] {
    auto f = Future<int>::value(7);
    schedule_microtask([] { print("microtask queued after the value"); });
    f.then([](const int& v) { print("then got ", v); });
  });
  CHECK(lines == Lines{"then got 7", "microtask queued after the value"});
}

TEST_CASE("hidden 04: then on a complete future runs in a microtask queued by then", "[step04]") {
  const Lines lines = run_program([] {
    auto f = Future<int>::value(3);
    Timer::run([f] {
      schedule_microtask([] { print("microtask first"); });
      f.then([](const int& v) { print("then on a complete future: ", v); });
      print("then returned");
    });
  });
  CHECK(lines == Lines{"then returned", "microtask first", "then on a complete future: 3"});
}

TEST_CASE("hidden 04: callbacks on one future run in registration order", "[step04]") {
  const Lines lines = run_program([] {
    auto c = Completer<int>::sync();
    for (int i = 1; i <= 4; ++i) c.future().then([i](const int&) { print("listener ", i); });
    Timer::run([c] { c.complete(0); });
  });
  CHECK(lines == Lines{"listener 1", "listener 2", "listener 3", "listener 4"});
}

TEST_CASE("hidden 04: a whole then-chain runs inside the completing task", "[step04]") {
  const Lines lines = run_program([] {
    Completer<int> c;
    c.future()
        .then([](const int& v) {
          print("link 1 got ", v);
          return v * 2;
        })
        .then([](const int& v) {
          print("link 2 got ", v);
          return std::to_string(v);
        })
        .then([](const std::string& s) { print("link 3 got ", s); });
    c.complete(5);
    schedule_microtask([] { print("a microtask queued after complete"); });
  });
  CHECK(lines == Lines{"link 1 got 5", "link 2 got 10", "link 3 got 10",
                       "a microtask queued after complete"});
}

TEST_CASE("hidden 04: a callback that returns a pending future chains with no extra hop",
          "[step04]") {
  const Lines lines = run_program([] {
    auto inner = Completer<int>::sync();
    Future<int>::value(1)
        .then([inner](const int&) { return inner.future(); })
        .then([](const int& v) { print("outer got ", v); });
    Timer::run([inner] {
      inner.complete(9);
      print("after completing the inner future");
    });
  });
  CHECK(lines == Lines{"outer got 9", "after completing the inner future"});
}

TEST_CASE("hidden 04: a callback that returns a complete future continues at once", "[step04]") {
  const Lines lines = run_program([] {
    auto done = Completer<int>::sync();
    done.complete(4);
    Future<int>::value(1).then([done](const int&) { return done.future(); }).then([](const int& v) {
      print("chained value ", v);
    });
    schedule_microtask([] { print("microtask"); });
  });
  CHECK(lines == Lines{"chained value 4", "microtask"});
}

TEST_CASE("hidden 04: Future.microtask shares the microtask queue in order", "[step04]") {
  const Lines lines = run_program([] {
    schedule_microtask([] { print("m1"); });
    Future<int>::microtask([] { return 2; }).then([](const int& v) { print("m", v); });
    schedule_microtask([] { print("m3"); });
  });
  CHECK(lines == Lines{"m1", "m2", "m3"});
}

TEST_CASE("hidden 04: Future.delayed runs its computation as a timer", "[step04]") {
  const Lines lines = run_program([] {
    Future<int>::delayed(5ms, [] { return 1; }).then([](const int&) {
      print("delayed 5 ms, at ", ms_now());
    });
    Future<void>([] { print("zero future at ", ms_now()); });
  });
  CHECK(lines == Lines{"zero future at 0", "delayed 5 ms, at 6"});
}

TEST_CASE("hidden 04: an async Completer does not run listeners inside complete", "[step04]") {
  const Lines lines = run_program([] {
    Completer<void> c;
    c.future().then([] { print("listener"); });
    schedule_microtask([] { print("queued before complete"); });
    c.complete();
    print("complete returned, is_completed: ", c.is_completed() ? "yes" : "no");
  });
  CHECK(lines ==
        Lines{"complete returned, is_completed: yes", "queued before complete", "listener"});
}

TEST_CASE("hidden 04: Future<void>::value and then without a value", "[step04]") {
  const Lines lines = run_program([] {
    Future<void>::value().then([] { print("void value"); }).then([] { print("next link"); });
  });
  CHECK(lines == Lines{"void value", "next link"});
}

TEST_CASE("hidden 04: a future nobody completes does not keep the program alive", "[step04]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  loop.set_output([&lines](std::string_view line) { lines.emplace_back(line); });
  const int code = loop.run([] {
    Completer<int> never;
    never.future().then([](const int&) { print("never"); });
    Future<void>([] { print("the last event"); });
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"the last event"});
}
