// Layer 5: the real clock. An idle loop sleeps (in Asio) instead of spinning, and other
// threads wake it with post(). No test asserts a wall-clock duration: only CPU use relative
// to the time waited, and that a timer never fires before its due time (loop time).

#include <time.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "dartloop/event_loop.hpp"
#include "dartloop/timer.hpp"
#include "support.hpp"

using namespace std::chrono_literals;
using dartloop::ClockKind;
using dartloop::Duration;
using dartloop::EventLoop;
using dartloop::Timer;

namespace {

/// CPU time used so far by the whole process (every thread).
std::chrono::nanoseconds process_cpu_time() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

/// CPU time and wall time spent in @p fn.
template <class F>
std::pair<std::chrono::nanoseconds, std::chrono::nanoseconds> measure(F&& fn) {
  const auto cpu0 = process_cpu_time();
  const auto wall0 = std::chrono::steady_clock::now();
  fn();
  const auto wall = std::chrono::steady_clock::now() - wall0;
  const auto cpu = process_cpu_time() - cpu0;
  return {cpu, std::chrono::duration_cast<std::chrono::nanoseconds>(wall)};
}

}  // namespace

TEST_CASE("a real-clock loop waiting on a timer sleeps instead of spinning", "[clock]") {
  EventLoop loop(ClockKind::real_time);
  REQUIRE(loop.clock_kind() == ClockKind::real_time);
  Duration fired_at{-1};
  int code = -1;
  const auto [cpu, wall] = measure([&] {
    code = loop.run(
        [&fired_at] { Timer(400ms, [&fired_at] { fired_at = EventLoop::current().now(); }); });
  });
  CHECK(code == 0);
  // Never early: due at (creation ms) + 1 + 400, and creation happened at loop time >= 0.
  CHECK(fired_at >= 401ms);
  INFO("cpu " << cpu.count() << " ns over a wait of " << wall.count() << " ns");
  CHECK(cpu.count() * 5 < wall.count());  // under 20% of the time waited
}

TEST_CASE("an idle real-clock loop held open by a KeepAlive sleeps until another thread posts",
          "[clock]") {
  EventLoop loop(ClockKind::real_time);
  std::optional<EventLoop::KeepAlive> keep;
  std::thread poster;
  std::thread::id loop_thread;
  std::thread::id ran_on;
  bool posted_ran = false;
  int code = -1;
  const auto [cpu, wall] = measure([&] {
    code = loop.run([&] {
      loop_thread = std::this_thread::get_id();
      keep.emplace(loop);
      poster = std::thread([&loop, &keep, &ran_on, &posted_ran] {
        std::this_thread::sleep_for(300ms);
        loop.post([&keep, &ran_on, &posted_ran] {
          ran_on = std::this_thread::get_id();
          posted_ran = true;
          keep.reset();
        });
      });
    });
  });
  poster.join();
  CHECK(code == 0);
  CHECK(posted_ran);
  CHECK(ran_on == loop_thread);
  INFO("cpu " << cpu.count() << " ns over a wait of " << wall.count() << " ns");
  CHECK(cpu.count() * 5 < wall.count());
}

TEST_CASE("a post that wakes a loop waiting on a timer does not make the timer fire early",
          "[clock]") {
  EventLoop loop(ClockKind::real_time);
  std::thread poster;
  std::atomic<bool> posted_ran{false};
  Duration fired_at{-1};
  const int code = loop.run([&] {
    Timer(200ms, [&fired_at] { fired_at = EventLoop::current().now(); });
    poster = std::thread([&loop, &posted_ran] {
      std::this_thread::sleep_for(20ms);
      loop.post([&posted_ran] { posted_ran = true; });
    });
  });
  poster.join();
  CHECK(code == 0);
  CHECK(posted_ran);
  CHECK(fired_at >= 201ms);
}

TEST_CASE("posts from several threads all arrive, each thread's in its own order", "[clock]") {
  EventLoop loop(ClockKind::real_time);
  constexpr int threads = 4;
  constexpr int per_thread = 500;
  std::array<std::vector<int>, threads> seen;
  std::optional<EventLoop::KeepAlive> keep;
  std::vector<std::thread> posters;
  int remaining = threads;
  const int code = loop.run([&] {
    keep.emplace(loop);
    for (int t = 0; t < threads; ++t) {
      posters.emplace_back([&, t] {
        auto& mine = seen[static_cast<std::size_t>(t)];
        for (int i = 0; i < per_thread; ++i) loop.post([&mine, i] { mine.push_back(i); });
        loop.post([&] {
          if (--remaining == 0) keep.reset();
        });
      });
    }
  });
  for (auto& p : posters) p.join();
  CHECK(code == 0);
  for (const auto& mine : seen) {
    REQUIRE(mine.size() == static_cast<std::size_t>(per_thread));
    bool in_order = true;
    for (int i = 0; i < per_thread; ++i)
      in_order = in_order && mine[static_cast<std::size_t>(i)] == i;
    CHECK(in_order);
  }
}

TEST_CASE("a real-clock loop's time moves on its own", "[clock]") {
  EventLoop loop(ClockKind::real_time);
  const Duration start = loop.now();
  std::this_thread::sleep_for(5ms);
  CHECK(loop.now() > start);  // monotonic and advancing; no claim about how much
}
