// The starvation watchdog turns "the app froze" into a report naming the culprit.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "dartloop/dartloop.hpp"
#include "dartloop/starvation_watchdog.hpp"

using namespace dartloop;
using namespace std::chrono_literals;

namespace {

void endless(int n) {
  schedule_microtask([n] { endless(n + 1); });
}

struct Captured {
  std::vector<std::string> errors;
  std::vector<std::string> lines;
  explicit Captured(EventLoop& loop) {
    loop.set_output([this](std::string_view l) { lines.emplace_back(l); });
    loop.set_error_output([this](std::string_view l) { errors.emplace_back(l); });
  }
};

}  // namespace

TEST_CASE("an endless microtask chain is stopped with exit code 252 and its origin named",
          "[watchdog]") {
  EventLoop loop(ClockKind::virtual_time);
  Captured out(loop);
  StarvationWatchdog dog(loop, {.microtasks_per_drain = 100});
  std::uint_least32_t origin_line = 0;
  const int code = loop.run([&] {
    origin_line = std::source_location::current().line() + 1;
    schedule_microtask([] { endless(1); });
    Timer::run([] { print("event"); });
  });
  CHECK(code == exit_starvation);
  REQUIRE(dog.report().has_value());
  CHECK(dog.report()->kind == StarvationKind::microtask_flood);
  CHECK(dog.report()->culprit.where.line() == origin_line);
  CHECK(dog.report()->events_waiting == 1);
  CHECK(out.lines.empty());  // the event never ran
  REQUIRE(out.errors.size() == 1);
  CHECK(out.errors[0].find("microtask starvation") != std::string::npos);
  CHECK(out.errors[0].find("test_watchdog.cpp:" + std::to_string(origin_line)) !=
        std::string::npos);
}

TEST_CASE("a long but finite drain within budget is not reported", "[watchdog]") {
  EventLoop loop(ClockKind::virtual_time);
  StarvationWatchdog dog(loop, {.microtasks_per_drain = 100});
  int ran = 0;
  const int code = loop.run([&] {
    for (int i = 0; i < 100; ++i) schedule_microtask([&] { ++ran; });
  });
  CHECK(code == 0);
  CHECK(ran == 100);
  CHECK_FALSE(dog.report().has_value());
}

TEST_CASE("the microtask budget counts one drain, not the whole run", "[watchdog]") {
  EventLoop loop(ClockKind::virtual_time);
  StarvationWatchdog dog(loop, {.microtasks_per_drain = 10});
  int ran = 0;
  loop.run([&] {
    for (int e = 0; e < 5; ++e) {
      Timer::run([&] {
        for (int i = 0; i < 10; ++i) schedule_microtask([&] { ++ran; });
      });
    }
  });
  CHECK(ran == 50);
  CHECK_FALSE(dog.report().has_value());
}

TEST_CASE("a slow drain is reported from the stopwatch, not the wall clock", "[watchdog]") {
  EventLoop loop(ClockKind::virtual_time);
  Captured out(loop);
  Duration fake{0};
  StarvationWatchdog dog(loop, {.drain_time = 50ms}, [&] { return fake += 10ms; });
  const int code = loop.run([] {
    for (int i = 0; i < 20; ++i) schedule_microtask([] {});
  });
  CHECK(code == exit_starvation);
  REQUIRE(dog.report().has_value());
  CHECK(dog.report()->kind == StarvationKind::slow_drain);
  CHECK(out.errors.at(0).find("slow microtask drain") != std::string::npos);
}

TEST_CASE("an event that holds the thread too long is named as the culprit", "[watchdog]") {
  EventLoop loop(ClockKind::virtual_time);
  Captured out(loop);
  Duration fake{0};
  bool slow = false;
  StarvationWatchdog dog(loop, {.event_time = 16ms}, [&] { return fake += slow ? 40ms : 1ms; });
  std::uint_least32_t line = 0;
  const int code = loop.run([&] {
    line = std::source_location::current().line() + 1;
    Timer(10ms, [&] { slow = true; });
    Timer(20ms, [] { print("never"); });
  });
  CHECK(code == exit_starvation);
  REQUIRE(dog.report().has_value());
  CHECK(dog.report()->kind == StarvationKind::blocked_event);
  CHECK(dog.report()->culprit.where.line() == line);
  CHECK(out.lines.empty());
}
