// Raw two-thread baselines (see thread_baselines.hpp). No dartloop code is used here on purpose:
// these are the floors the isolate rows of `bench/run` are compared against.

#include "thread_baselines.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <latch>
#include <mutex>
#include <optional>
#include <thread>

namespace dartloop_bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

double ns_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double, std::nano>(b - a).count();
}

/// Tells the core that this is a spin-wait, so it neither floods the memory system with
/// speculative loads nor starves a sibling hyper-thread.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/// Pauses between yields to the scheduler. With both threads on their own core a round trip
/// needs far fewer pauses than this, so the yield never happens and the row is the true floor;
/// when the machine is oversubscribed the yield lets the other thread run instead of burning
/// a whole time slice.
constexpr unsigned spins_before_yield = 1024;

template <class Done>
void spin_until(Done done) {
  unsigned spins = 0;
  while (!done()) {
    cpu_relax();
    if (++spins == spins_before_yield) {
      spins = 0;
      std::this_thread::yield();
    }
  }
}

/// One atomic per cache line, so that the two directions do not share (and bounce) a line.
struct alignas(64) Slot {
  std::atomic<std::uint64_t> value{0};
};

}  // namespace

ThreadRun pingpong_condvar(std::size_t round_trips) {
  std::mutex mutex;
  std::condition_variable to_b_ready;
  std::condition_variable to_a_ready;
  std::optional<std::uint64_t> to_b;
  std::optional<std::uint64_t> to_a;
  const std::uint64_t total = round_trips + 1;  // the first one is untimed (B starting up)

  std::thread b([&] {
    for (std::uint64_t i = 1; i <= total; ++i) {
      {
        std::unique_lock lock(mutex);
        to_b_ready.wait(lock, [&] { return to_b.has_value(); });
        to_a = *to_b + 1;
        to_b.reset();
      }
      // Notified after unlocking, so the woken thread does not block on the mutex at once.
      to_a_ready.notify_one();
    }
  });

  std::uint64_t counter = 0;
  bool in_order = true;
  const auto round_trip = [&] {
    {
      const std::lock_guard lock(mutex);
      to_b = counter;
    }
    to_b_ready.notify_one();
    std::unique_lock lock(mutex);
    to_a_ready.wait(lock, [&] { return to_a.has_value(); });
    in_order = in_order && *to_a == counter + 1;
    counter = *to_a;
    to_a.reset();
  };

  round_trip();
  const SteadyClock::time_point t0 = SteadyClock::now();
  for (std::uint64_t i = 1; i < total; ++i) round_trip();
  const SteadyClock::time_point t1 = SteadyClock::now();
  b.join();
  return {ns_between(t0, t1), in_order && counter == total};
}

ThreadRun pingpong_spin(std::size_t round_trips) {
  Slot to_b;
  Slot to_a;
  const std::uint64_t total = round_trips + 1;  // the first one is untimed (B starting up)

  std::thread b([&] {
    for (std::uint64_t i = 1; i <= total; ++i) {
      spin_until([&] { return to_b.value.load(std::memory_order_acquire) == i; });
      to_a.value.store(i, std::memory_order_release);
    }
  });

  const auto round_trip = [&](std::uint64_t i) {
    to_b.value.store(i, std::memory_order_release);
    spin_until([&] { return to_a.value.load(std::memory_order_acquire) == i; });
  };

  round_trip(1);
  const SteadyClock::time_point t0 = SteadyClock::now();
  for (std::uint64_t i = 2; i <= total; ++i) round_trip(i);
  const SteadyClock::time_point t1 = SteadyClock::now();
  b.join();
  return {ns_between(t0, t1), to_a.value.load(std::memory_order_relaxed) == total};
}

ThreadRun oneway_condvar(std::size_t messages) {
  std::mutex mutex;
  std::condition_variable not_empty;
  std::deque<std::int64_t> queue;
  std::latch consumer_running(1);
  const auto n = static_cast<std::int64_t>(messages);
  std::int64_t received = 0;
  std::int64_t sum = 0;
  SteadyClock::time_point t1;

  std::thread consumer([&] {
    consumer_running.count_down();
    std::deque<std::int64_t> batch;
    while (received < n) {
      {
        std::unique_lock lock(mutex);
        not_empty.wait(lock, [&] { return !queue.empty(); });
        batch.swap(queue);
      }
      for (const std::int64_t v : batch) sum += v;
      received += static_cast<std::int64_t>(batch.size());
      batch.clear();
    }
    t1 = SteadyClock::now();
  });

  // Thread creation is not what this row measures: start once the consumer runs.
  consumer_running.wait();
  const SteadyClock::time_point t0 = SteadyClock::now();
  for (std::int64_t i = 1; i <= n; ++i) {
    bool was_empty = false;
    {
      const std::lock_guard lock(mutex);
      was_empty = queue.empty();
      queue.push_back(i);
    }
    // A non-empty queue means the consumer has not taken the last batch yet, so it is not
    // waiting and will see this message without a wake-up.
    if (was_empty) not_empty.notify_one();
  }
  consumer.join();
  return {ns_between(t0, t1), received == n && sum == n * (n + 1) / 2};
}

ThreadRun spawn_join(std::size_t threads) {
  std::size_t ran = 0;
  std::size_t* counter = &ran;
  const SteadyClock::time_point t0 = SteadyClock::now();
  for (std::size_t i = 0; i < threads; ++i) {
    std::thread t([counter] { ++*counter; });
    t.join();
  }
  const SteadyClock::time_point t1 = SteadyClock::now();
  return {ns_between(t0, t1), ran == threads};
}

}  // namespace dartloop_bench
