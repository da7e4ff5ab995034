// dartloop's benchmarks: a small self-written harness (no Google Benchmark) so that it can print
// exactly the lines `bench/run` turns into a table and measure memory in a fresh child process.
//
// Output: one line per measurement, `name<TAB>value<TAB>unit`; lines starting with '#' are
// comments. Every time is the median of several repetitions of the whole workload, divided by
// the number of operations it performed; every workload checks that all its callbacks ran.
//
// Usage: dartloop_bench [--smoke] [--reps N] [--only NAME_PREFIX]
//        dartloop_bench --memory-child N | --memory-child-future N
//            (internal: one fresh process per memory sample of N pending timers / futures)
//
// The same source is also built as `dartloop_bench_nohooks`, against a copy of the runtime
// compiled with DARTLOOP_OBSERVER_HOOKS=0 (bench/CMakeLists.txt): `bench/run` runs the chain
// workloads in both binaries to measure what the hooks cost when no observer is attached.

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "dartloop/async.hpp"
#include "dartloop/async_star.hpp"
#include "dartloop/completer.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/future.hpp"
#include "dartloop/loop_observer.hpp"
#include "dartloop/stream.hpp"
#include "dartloop/stream_controller.hpp"
#include "dartloop/stream_iterator.hpp"
#include "dartloop/timer.hpp"
#include "isolate_bench.hpp"
#include "thread_baselines.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---------------------------------------------------------------------------------------
// Harness.
// ---------------------------------------------------------------------------------------

struct Options {
  bool smoke = false;
  int reps = 5;
  std::string only;  // run only the benchmarks whose name starts with this
};

Options options;
int failures = 0;

double ns_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double, std::nano>(b - a).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2.0;
}

void emit(std::string_view name, double value, std::string_view unit) {
  std::printf("%.*s\t%.2f\t%.*s\n", static_cast<int>(name.size()), name.data(), value,
              static_cast<int>(unit.size()), unit.data());
  std::fflush(stdout);
}

bool selected(std::string_view name) {
  return options.only.empty() || name.substr(0, options.only.size()) == options.only;
}

void check(bool ok, std::string_view what) {
  if (ok) return;
  std::fprintf(stderr, "dartloop_bench: FAILED: %.*s\n", static_cast<int>(what.size()),
               what.data());
  ++failures;
}

/// Scales an iteration count down for `--smoke`.
std::size_t iters(std::size_t n) { return options.smoke ? std::max<std::size_t>(n / 1000, 10) : n; }

int reps() { return options.smoke ? 1 : options.reps; }

/// Runs `body(n)` (which returns the nanoseconds its n operations took) once to warm up, then
/// `reps()` times; returns the median nanoseconds per operation. The warm-up does @p warm_n
/// operations (default n / 10): enough for caches, allocator and branch predictors.
template <class Body>
double measure(std::size_t n, Body&& body, std::size_t warm_n = 0) {
  (void)body(warm_n != 0 ? warm_n : std::max<std::size_t>(n / 10, 1));
  std::vector<double> per_op;
  for (int r = 0; r < reps(); ++r) per_op.push_back(body(n) / static_cast<double>(n));
  return median(std::move(per_op));
}

/// Small deterministic PRNG (xorshift64*), so every run uses the same timer durations.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }

 private:
  std::uint64_t state_;
};

/// Shared state of a chain of callbacks: how many are still to come, how many ran.
struct Chain {
  std::size_t left = 0;
  std::size_t ran = 0;
};

// ---------------------------------------------------------------------------------------
// 1. Microtasks.
// ---------------------------------------------------------------------------------------

/// A microtask that schedules the next one until the chain is done: schedule one, the loop's
/// drain runs it, repeat. This is Future-chain traffic (`then` callbacks) on the real loop path.
struct MicrotaskStep {
  Chain* chain;
  void operator()() const {
    ++chain->ran;
    if (--chain->left > 0) dartloop::schedule_microtask(MicrotaskStep{chain});
  }
};

/// An observer that does nothing: what attaching one costs (tracing on, nothing recorded).
class EmptyObserver final : public dartloop::LoopObserver {};

double microtask_chain(std::size_t n, dartloop::LoopObserver* observer,
                       dartloop::ClockKind clock = dartloop::ClockKind::virtual_time) {
  dartloop::EventLoop loop(clock);
  if (observer != nullptr) loop.add_observer(*observer);
  Chain chain{n, 0};
  SteadyClock::time_point t0;
  SteadyClock::time_point t1;
  loop.run([&] {
    t0 = SteadyClock::now();
    dartloop::schedule_microtask(MicrotaskStep{&chain});
  });
  t1 = SteadyClock::now();
  check(chain.ran == n, "microtask chain ran every microtask");
  return ns_between(t0, t1);
}

/// Batch variant: a spawner microtask schedules 1000 microtasks and then itself again; the 1000
/// are drained before the spawner runs again. Time per microtask (the spawner is overhead).
struct BatchState {
  std::size_t batches_left = 0;
  std::size_t batch = 1000;
  std::size_t ran = 0;
};

struct BatchWorker {
  BatchState* state;
  void operator()() const { ++state->ran; }
};

struct BatchSpawner {
  BatchState* state;
  void operator()() const {
    for (std::size_t i = 0; i < state->batch; ++i) dartloop::schedule_microtask(BatchWorker{state});
    if (--state->batches_left > 0) dartloop::schedule_microtask(BatchSpawner{state});
  }
};

/// Runs `Spawner` batches (at least one) for about @p n operations; ns per operation.
template <class Spawner>
double run_batches(std::size_t n, std::string_view what) {
  dartloop::EventLoop loop(dartloop::ClockKind::virtual_time);
  BatchState state;
  state.batches_left = std::max<std::size_t>(n / state.batch, 1);
  const std::size_t expected = state.batches_left * state.batch;
  SteadyClock::time_point t0;
  loop.run([&] {
    t0 = SteadyClock::now();
    dartloop::schedule_microtask(Spawner{&state});
  });
  const SteadyClock::time_point t1 = SteadyClock::now();
  check(state.ran == expected, what);
  return ns_between(t0, t1) * static_cast<double>(n) / static_cast<double>(expected);
}

double microtask_batch(std::size_t n) {
  return run_batches<BatchSpawner>(n, "microtask batch ran every microtask");
}

// ---------------------------------------------------------------------------------------
// 2. Zero-duration timers: each is its own event in the event queue.
// ---------------------------------------------------------------------------------------

struct ZeroTimerStep {
  Chain* chain;
  void operator()() const {
    ++chain->ran;
    if (--chain->left > 0) dartloop::Timer::run(ZeroTimerStep{chain});
  }
};

/// Timer::run (no handle, no timer node: Dart's `Timer.run`), the loop takes its event, runs it,
/// and the callback creates the next one.
double zero_timer_chain(std::size_t n) {
  dartloop::EventLoop loop(dartloop::ClockKind::virtual_time);
  Chain chain{n, 0};
  SteadyClock::time_point t0;
  loop.run([&] {
    t0 = SteadyClock::now();
    dartloop::Timer::run(ZeroTimerStep{&chain});
  });
  const SteadyClock::time_point t1 = SteadyClock::now();
  check(chain.ran == n, "zero timer chain ran every timer");
  return ns_between(t0, t1);
}

struct ZeroHandleStep {
  Chain* chain;
  void operator()() const {
    ++chain->ran;
    if (--chain->left > 0) dartloop::Timer(dartloop::Duration::zero(), ZeroHandleStep{chain});
  }
};

/// The same chain with a cancellable zero timer, `Timer(Duration::zero(), fn)`: it gets a timer
/// node and a handle (dropped here), which `Timer::run` does without.
double zero_timer_handle_chain(std::size_t n) {
  dartloop::EventLoop loop(dartloop::ClockKind::virtual_time);
  Chain chain{n, 0};
  SteadyClock::time_point t0;
  loop.run([&] {
    t0 = SteadyClock::now();
    dartloop::Timer(dartloop::Duration::zero(), ZeroHandleStep{&chain});
  });
  const SteadyClock::time_point t1 = SteadyClock::now();
  check(chain.ran == n, "cancellable zero timer chain ran every timer");
  return ns_between(t0, t1);
}

struct Count {
  std::size_t* ran;
  void operator()() const { ++*ran; }
};

/// n Timer::run created at once, then the loop handles the n zero-timer events. The same loop
/// is reused for every repetition (after a warm-up batch), so this is the loop's steady state:
/// its event queue has grown already, as in a long-running program. A fresh loop
/// would mostly measure the kernel's first-touch page faults for that growth.
double zero_timer_batch(dartloop::EventLoop& loop, std::size_t n) {
  std::size_t ran = 0;
  const SteadyClock::time_point t0 = SteadyClock::now();
  loop.within([&] {
    for (std::size_t i = 0; i < n; ++i) dartloop::Timer::run(Count{&ran});
  });
  loop.run_until_idle();
  const SteadyClock::time_point t1 = SteadyClock::now();
  check(ran == n, "zero timer batch ran every timer");
  return ns_between(t0, t1);
}

// ---------------------------------------------------------------------------------------
// 3. 1 ms timers through the heap, on the virtual clock.
// ---------------------------------------------------------------------------------------

struct OneMsStep {
  Chain* chain;
  void operator()() const {
    ++chain->ran;
    if (--chain->left > 0) dartloop::Timer(milliseconds(1), OneMsStep{chain});
  }
};

/// Timer(1 ms): heap insert, the idle loop jumps the virtual clock, the timeout event pops the
/// heap and runs the callback, which creates the next timer.
double one_ms_timer_chain(std::size_t n) {
  dartloop::EventLoop loop(dartloop::ClockKind::virtual_time);
  Chain chain{n, 0};
  SteadyClock::time_point t0;
  loop.run([&] {
    t0 = SteadyClock::now();
    dartloop::Timer(milliseconds(1), OneMsStep{&chain});
  });
  const SteadyClock::time_point t1 = SteadyClock::now();
  check(chain.ran == n, "1 ms timer chain ran every timer");
  check(loop.now() >= milliseconds(static_cast<std::int64_t>(n)), "virtual clock moved");
  return ns_between(t0, t1);
}

/// n Timer(1 ms) created at once (n pending in the heap), then all fired; warm loop as above.
double one_ms_timer_batch(dartloop::EventLoop& loop, std::size_t n) {
  std::size_t ran = 0;
  const SteadyClock::time_point t0 = SteadyClock::now();
  loop.within([&] {
    for (std::size_t i = 0; i < n; ++i) dartloop::Timer(milliseconds(1), Count{&ran});
  });
  loop.flush_timers();
  const SteadyClock::time_point t1 = SteadyClock::now();
  check(ran == n, "1 ms timer batch ran every timer");
  return ns_between(t0, t1);
}

// ---------------------------------------------------------------------------------------
// 4. Many pending timers: 1..100 ms (deterministic pseudo-random), created, then all fired.
// ---------------------------------------------------------------------------------------

milliseconds spread_duration(Rng& rng) {
  return milliseconds(1 + static_cast<std::int64_t>(rng.next() % 100));
}

struct PendingResult {
  double create_ns = 0;
  double fire_ns = 0;
};

/// Creates n timers of 1..100 ms, then fires them all by letting virtual time run.
PendingResult pending_timers(dartloop::EventLoop& loop, std::size_t n) {
  std::size_t ran = 0;
  Rng rng(42);
  const SteadyClock::time_point t0 = SteadyClock::now();
  loop.within([&] {
    for (std::size_t i = 0; i < n; ++i) dartloop::Timer(spread_duration(rng), Count{&ran});
  });
  const SteadyClock::time_point t1 = SteadyClock::now();
  check(loop.pending_timers() == n, "every timer is pending");
  loop.flush_timers();
  const SteadyClock::time_point t2 = SteadyClock::now();
  check(ran == n, "pending timers all fired");
  return {ns_between(t0, t1), ns_between(t1, t2)};
}

void bench_pending_timers(std::size_t n) {
  const auto count = static_cast<double>(n);
  std::vector<double> create;
  std::vector<double> fire;
  std::vector<double> total;
  std::vector<double> fresh;
  {
    // Warm: one loop whose pool and heap already held n timers once.
    dartloop::EventLoop loop(dartloop::ClockKind::virtual_time);
    (void)pending_timers(loop, n);
    for (int r = 0; r < reps(); ++r) {
      const PendingResult res = pending_timers(loop, n);
      create.push_back(res.create_ns / count);
      fire.push_back(res.fire_ns / count);
      total.push_back((res.create_ns + res.fire_ns) / count);
    }
  }
  for (int r = 0; r < std::min(reps(), 3); ++r) {
    // Fresh: a new loop each time, so its growth (and the kernel's page faults) is included.
    dartloop::EventLoop loop(dartloop::ClockKind::virtual_time);
    const PendingResult res = pending_timers(loop, n);
    fresh.push_back((res.create_ns + res.fire_ns) / count);
  }
  emit("pending_timers_total", median(total), "ns/op");
  emit("pending_timers_create", median(create), "ns/op");
  emit("pending_timers_fire", median(fire), "ns/op");
  emit("pending_timers_fresh_total", median(fresh), "ns/op");
}

// --- Memory: in a fresh child process so nothing else has touched the heap. -----------------

std::size_t current_rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0;
  unsigned long resident = 0;
  const int got = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (got != 2) return 0;
  return static_cast<std::size_t>(resident) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

std::size_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::size_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

std::size_t heap_in_use_bytes() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;  // brk-heap chunks in use + mmap-ed chunks
}

/// Heap in use, resident set and peak resident set at one moment.
struct MemorySample {
  std::size_t heap = heap_in_use_bytes();
  std::size_t rss = current_rss_bytes();
  std::size_t peak = peak_rss_bytes();
};

/// Prints what the @p n items made between @p before and @p after, per item, for the parent.
void print_memory_per_item(const MemorySample& before, const MemorySample& after, std::size_t n) {
  const auto count = static_cast<double>(n);
  const auto delta = [](std::size_t later, std::size_t earlier) {
    return later > earlier ? static_cast<double>(later - earlier) : 0.0;
  };
  std::printf("heap\t%.3f\nrss\t%.3f\npeak\t%.3f\n", delta(after.heap, before.heap) / count,
              delta(after.rss, before.rss) / count, delta(after.peak, before.peak) / count);
  std::fflush(stdout);
}

int memory_child(std::size_t n) {
  dartloop::EventLoop loop(dartloop::ClockKind::virtual_time);
  std::size_t ran = 0;
  // Let the loop allocate whatever it allocates lazily for its first timer, then measure.
  loop.within([&] { dartloop::Timer(milliseconds(1), Count{&ran}); });
  loop.flush_timers();
  const MemorySample before;
  Rng rng(42);
  loop.within([&] {
    for (std::size_t i = 0; i < n; ++i) dartloop::Timer(spread_duration(rng), Count{&ran});
  });
  const MemorySample after;
  if (loop.pending_timers() != n) return 1;
  print_memory_per_item(before, after, n);
  std::_Exit(0);  // the numbers are out; tearing down a million timers is not measured
}

std::string self_path() {
  std::vector<char> buf(4096);
  const ssize_t len = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (len <= 0) return {};
  return std::string(buf.data(), static_cast<std::size_t>(len));
}

/// Runs `self <child_flag> n` a few times and emits `<prefix>_peak_rss`, `_rss` and `_heap`.
void bench_memory(std::string_view child_flag, std::string_view prefix, std::string_view unit,
                  std::size_t n) {
  const std::string self = self_path();
  const std::string name(prefix);
  std::vector<double> heap;
  std::vector<double> rss;
  std::vector<double> peak;
  for (int r = 0; r < std::min(reps(), 3); ++r) {
    const std::string cmd = "'" + self + "' " + std::string(child_flag) + " " + std::to_string(n);
    std::FILE* child = popen(cmd.c_str(), "r");
    if (child == nullptr) {
      check(false, "memory child started");
      return;
    }
    char key_buf[32] = {};
    double value = 0;
    int lines = 0;
    while (std::fscanf(child, "%31s %lf", key_buf, &value) == 2) {
      const std::string_view key(key_buf);
      if (key == "heap") heap.push_back(value);
      if (key == "rss") rss.push_back(value);
      if (key == "peak") peak.push_back(value);
      ++lines;
    }
    check(pclose(child) == 0 && lines == 3, "memory child ran");
  }
  if (heap.empty() || rss.empty() || peak.empty()) return;
  emit(name + "_peak_rss", median(peak), unit);
  emit(name + "_rss", median(rss), unit);
  emit(name + "_heap", median(heap), unit);
}

// ---------------------------------------------------------------------------------------
// 5. Cross-thread round trip: A posts to B, B posts back to A; each loop on its own thread.
// ---------------------------------------------------------------------------------------

struct RoundTrip {
  dartloop::EventLoop* a = nullptr;
  dartloop::EventLoop* b = nullptr;
  std::optional<dartloop::EventLoop::KeepAlive> keep_a;  // touched only on A's thread
  std::optional<dartloop::EventLoop::KeepAlive> keep_b;  // touched only on B's thread
  std::size_t left = 0;
  std::size_t done = 0;
  SteadyClock::time_point t0;
  SteadyClock::time_point t1;
};

void ping(RoundTrip* rt);

/// Runs on A: one round trip is complete.
void pong(RoundTrip* rt) {
  ++rt->done;
  if (--rt->left > 0) {
    ping(rt);
    return;
  }
  rt->t1 = SteadyClock::now();
  rt->keep_a.reset();
  rt->b->post([rt] { rt->keep_b.reset(); });
}

/// Runs on A: sends one message to B, whose task answers with a message to A.
void ping(RoundTrip* rt) {
  rt->b->post([rt] { rt->a->post([rt] { pong(rt); }); });
}

double round_trip(std::size_t n) {
  dartloop::EventLoop a(dartloop::ClockKind::real_time);
  dartloop::EventLoop b(dartloop::ClockKind::real_time);
  RoundTrip rt;
  rt.a = &a;
  rt.b = &b;
  rt.left = n;
  std::thread thread_b([&] { b.run([&] { rt.keep_b.emplace(b); }); });
  std::thread thread_a([&] {
    a.run([&] {
      rt.keep_a.emplace(a);
      rt.t0 = SteadyClock::now();
      ping(&rt);
    });
  });
  thread_a.join();
  thread_b.join();
  check(rt.done == n, "every round trip completed");
  return ns_between(rt.t0, rt.t1);
}

// ---------------------------------------------------------------------------------------
// 6. Futures, completers and async functions.
// ---------------------------------------------------------------------------------------

/// A chain of n `then` callbacks on a future nobody has completed yet, then one completion:
/// the whole chain runs inside the completion's microtask. Building the chain (one pooled
/// node per step) is timed too, as it is part of what a chain costs.
double then_chain(std::size_t n) {
  dartloop::EventLoop loop(dartloop::ClockKind::virtual_time);
  int last = -1;
  SteadyClock::time_point t0;
  loop.run([&] {
    t0 = SteadyClock::now();
    dartloop::Completer<int> completer;
    dartloop::Future<int> f = completer.future();
    for (std::size_t i = 0; i < n; ++i) f = f.then([](int v) { return v + 1; });
    f.then([&last](int v) { last = v; });
    completer.complete(0);
  });
  const SteadyClock::time_point t1 = SteadyClock::now();
  check(last == static_cast<int>(n), "then chain ran every callback");
  return ns_between(t0, t1);
}

/// Awaits the same completed future n times: each `co_await` suspends and resumes one
/// microtask later (Dart's `_awaitCompletedFuture`).
dartloop::Future<std::size_t> await_completed_loop(dartloop::Future<int> done, std::size_t n) {
  std::size_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<std::size_t>(co_await done);
  co_return sum;
}

/// Awaits a plain int n times: one microtask each, as for a completed future, but no future.
dartloop::Future<std::size_t> await_value_loop(std::size_t n) {
  std::size_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<std::size_t>(co_await 1);
  co_return sum;
}

/// Runs the async function @p body (n awaits) to its end; its result must be n.
template <class Body>
double await_loop(std::size_t n, Body body, std::string_view what) {
  dartloop::EventLoop loop(dartloop::ClockKind::virtual_time);
  std::size_t result = 0;
  SteadyClock::time_point t0;
  loop.run([&] {
    t0 = SteadyClock::now();
    body(n).then([&result](std::size_t sum) { result = sum; });
  });
  const SteadyClock::time_point t1 = SteadyClock::now();
  check(result == n, what);
  check(loop.async_frames() == 0, "the async function finished");
  return ns_between(t0, t1);
}

double await_completed(std::size_t n) {
  return await_loop(
      n,
      [](std::size_t count) {
        return await_completed_loop(dartloop::Future<int>::sync([] { return 1; }), count);
      },
      "await of a completed future resumed every time");
}

double await_value(std::size_t n) {
  return await_loop(n, await_value_loop, "await of a value resumed every time");
}

/// Completers in batches, as microtask_batch: a spawner microtask creates 1000 completers,
/// listens to each with one `then` and completes it (which queues a microtask per completer,
/// where the callback runs), then queues itself behind those 1000. A step allocates and
/// frees a state and a `then` node.
struct CycleSpawner {
  BatchState* state;
  void operator()() const {
    for (std::size_t i = 0; i < state->batch; ++i) {
      dartloop::Completer<int> completer;
      completer.future().then([s = state](int v) { s->ran += static_cast<std::size_t>(v); });
      completer.complete(1);
    }
    if (--state->batches_left > 0) dartloop::schedule_microtask(CycleSpawner{state});
  }
};

double completer_cycle(std::size_t n) {
  return run_batches<CycleSpawner>(n, "completer cycle ran every callback");
}

// --- Memory of a pending future with one listener (fresh child process, as for timers). ----

/// Counts the callbacks of the pending futures once they are finally completed. A global,
/// so that the callback captures nothing, like the one shared function the Node peer passes.
std::size_t pending_future_ran = 0;

struct CountPendingFuture {
  void operator()(int v) const { pending_future_ran += static_cast<std::size_t>(v); }
};

/// What one pending future with one listener takes from the pool, by sizeof: the completer's
/// state plus the `then` node (which is also the state of the future `then` returns), each
/// rounded up to the pool's 16-byte size classes. The measured rows add the pool's overhead.
constexpr std::size_t pending_future_pool_bytes() {
  constexpr auto block = [](std::size_t bytes) { return (bytes + 15) / 16 * 16; };
  return block(sizeof(dartloop::detail::State<int>)) +
         block(sizeof(dartloop::detail::ThenNode<int, void, CountPendingFuture,
                                                 dartloop::detail::NoHandler>));
}

int memory_child_future(std::size_t n) {
  dartloop::EventLoop loop(dartloop::ClockKind::virtual_time);
  const CountPendingFuture on_value;
  // The completers keep the futures pending and completable. Their slots are built (and
  // their pages touched) before the baseline, so that only the futures are counted.
  std::vector<std::optional<dartloop::Completer<int>>> completers(n);
  // One round first, so that the pool's first chunks are part of the baseline.
  loop.within([&] {
    dartloop::Completer<int> c;
    c.future().then(on_value);
    c.complete(1);
  });
  loop.run_until_idle();
  pending_future_ran = 0;
  const MemorySample before;
  loop.within([&] {
    for (auto& c : completers) c.emplace().future().then(on_value);
  });
  const MemorySample after;
  // Check that they were all pending with their listener: complete them and count.
  if (pending_future_ran != 0) return 1;
  loop.within([&] {
    for (auto& c : completers) c->complete(1);
  });
  loop.run_until_idle();
  if (pending_future_ran != n) return 1;
  print_memory_per_item(before, after, n);
  std::_Exit(0);
}

// ---------------------------------------------------------------------------------------
// 6b. Streams: an asynchronous controller, and an async* generator consumed by `await for`.
// ---------------------------------------------------------------------------------------

/// What a stream listener saw: how many values, their sum, and whether done arrived.
struct StreamTally {
  std::size_t count = 0;
  std::size_t sum = 0;
  bool done = false;
};

/// An asynchronous StreamController<int> with one listener: one event adds n values and
/// closes, then the loop delivers them one per microtask (each delivery queues the next at
/// the back of the microtask queue, as Dart does), and finally done. Timed from the first
/// `add` to the end of the loop, so the adds (buffering) are part of the cost per event.
double stream_controller_events(std::size_t n) {
  dartloop::EventLoop loop(dartloop::ClockKind::virtual_time);
  StreamTally tally;
  SteadyClock::time_point t0;
  loop.run([&] {
    const dartloop::StreamController<int> controller;
    StreamTally* t = &tally;
    (void)controller.stream().listen(
        [t](const int& v) {
          ++t->count;
          t->sum += static_cast<std::size_t>(v);
        },
        {.on_error = {}, .on_done = [t] { t->done = true; }, .cancel_on_error = false});
    t0 = SteadyClock::now();
    for (std::size_t i = 0; i < n; ++i) controller.add(static_cast<int>(i));
    (void)controller.close();
  });
  const SteadyClock::time_point t1 = SteadyClock::now();
  check(tally.count == n && tally.sum == n * (n - 1) / 2,
        "stream controller delivered every value in order");
  check(tally.done, "stream controller delivered done");
  return ns_between(t0, t1);
}

/// An async* generator: yields 0..n-1. Each `co_yield` hands the value to the listener
/// synchronously, then the body resumes one microtask later.
dartloop::Stream<int> count_up(std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) co_yield static_cast<int>(i);
}

/// `await for (v in s) sum += v;` written out with a StreamIterator.
dartloop::Future<std::size_t> sum_await_for(dartloop::Stream<int> s) {
  dartloop::StreamIterator<int> it(s);
  std::size_t sum = 0;
  while (co_await it.move_next()) sum += static_cast<std::size_t>(it.current());
  co_return sum;
}

/// The generator consumed by `await for`, from the call to the end of the loop.
double async_star_await_for(std::size_t n) {
  dartloop::EventLoop loop(dartloop::ClockKind::virtual_time);
  std::size_t result = 0;
  SteadyClock::time_point t0;
  loop.run([&] {
    t0 = SteadyClock::now();
    sum_await_for(count_up(n)).then([&result](std::size_t sum) { result = sum; });
  });
  const SteadyClock::time_point t1 = SteadyClock::now();
  check(result == n * (n - 1) / 2, "await for saw every value the generator yielded");
  check(loop.async_frames() == 0, "the generator and the await-for loop finished");
  return ns_between(t0, t1);
}

// ---------------------------------------------------------------------------------------
// 7. Observer attached: the microtask chain without an observer and with an empty one attached.
//
// This is tracing *on* with an observer that records nothing, not "tracing off": tracing off
// is no observer at all, and what the hooks cost then is measured by `bench/run` against the
// `dartloop_bench_nohooks` binary (hooks compiled out), from the chain workloads above.
// ---------------------------------------------------------------------------------------

void bench_observer(std::size_t n) {
  EmptyObserver observer;
  (void)microtask_chain(n / 10, nullptr);
  (void)microtask_chain(n / 10, &observer);
  std::vector<double> without;
  std::vector<double> with;
  std::vector<double> diff;
  const auto count = static_cast<double>(n);
  // Interleaved, so slow drift of the machine hits both sides alike.
  for (int r = 0; r < reps() + 2; ++r) {
    const double a = microtask_chain(n, nullptr) / count;
    const double b = microtask_chain(n, &observer) / count;
    without.push_back(a);
    with.push_back(b);
    diff.push_back(b - a);
  }
  emit("observer_none", median(without), "ns/op");
  emit("observer_empty", median(with), "ns/op");
  emit("observer_empty_cost", median(diff), "ns/op");
  // The same on a real-clock loop: every hook is passed `now()`, so a real clock is read when
  // an observer is attached, even one that ignores it.
  std::vector<double> real_diff;
  for (int r = 0; r < reps(); ++r) {
    const double a = microtask_chain(n / 4, nullptr, dartloop::ClockKind::real_time);
    const double b = microtask_chain(n / 4, &observer, dartloop::ClockKind::real_time);
    real_diff.push_back((b - a) / (count / 4));
  }
  emit("observer_empty_cost_real_clock", median(real_diff), "ns/op");
}

// ---------------------------------------------------------------------------------------
// Baselines: what the same work costs with no event loop at all.
// ---------------------------------------------------------------------------------------

double deque_single(std::size_t n) {
  std::deque<std::function<void()>> queue;
  std::size_t ran = 0;
  std::size_t* counter = &ran;
  const SteadyClock::time_point t0 = SteadyClock::now();
  for (std::size_t i = 0; i < n; ++i) {
    queue.push_back([counter] { ++*counter; });
    std::function<void()> fn = std::move(queue.front());
    queue.pop_front();
    fn();
  }
  const SteadyClock::time_point t1 = SteadyClock::now();
  check(ran == n, "deque baseline ran every function");
  return ns_between(t0, t1);
}

double deque_batch(std::size_t n) {
  std::deque<std::function<void()>> queue;
  std::size_t ran = 0;
  std::size_t* counter = &ran;
  const std::size_t batch = 1000;
  const std::size_t batches = std::max<std::size_t>(n / batch, 1);
  const SteadyClock::time_point t0 = SteadyClock::now();
  for (std::size_t b = 0; b < batches; ++b) {
    for (std::size_t i = 0; i < batch; ++i) queue.push_back([counter] { ++*counter; });
    while (!queue.empty()) {
      std::function<void()> fn = std::move(queue.front());
      queue.pop_front();
      fn();
    }
  }
  const SteadyClock::time_point t1 = SteadyClock::now();
  check(ran == batches * batch, "deque batch baseline ran every function");
  return ns_between(t0, t1) * static_cast<double>(n) / static_cast<double>(batches * batch);
}

/// A coroutine that counts and suspends forever; resuming it is the cheapest "run a task".
struct Resumable {
  struct promise_type {
    Resumable get_return_object() {
      return Resumable{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() { std::terminate(); }
  };
  explicit Resumable(std::coroutine_handle<promise_type> h) noexcept : handle(h) {}
  Resumable(const Resumable&) = delete;
  Resumable& operator=(const Resumable&) = delete;
  ~Resumable() { handle.destroy(); }
  std::coroutine_handle<promise_type> handle;
};

Resumable counting(std::size_t* counter) {
  for (;;) {
    ++*counter;
    co_await std::suspend_always{};
  }
}

double coroutine_resume(std::size_t n) {
  std::size_t ran = 0;
  Resumable co = counting(&ran);
  // Resume through an opaque handle, as a scheduler that stored it in a queue would.
  void* volatile address = co.handle.address();
  const SteadyClock::time_point t0 = SteadyClock::now();
  for (std::size_t i = 0; i < n; ++i) std::coroutine_handle<>::from_address(address).resume();
  const SteadyClock::time_point t1 = SteadyClock::now();
  check(ran == n, "coroutine resumed every time");
  return ns_between(t0, t1);
}

/// Runs a raw two-thread baseline (thread_baselines.hpp) as measure() does; ns per operation.
template <class Baseline>
double measure_threads(std::size_t n, Baseline baseline, std::string_view what) {
  return measure(n, [&](std::size_t count) {
    const dartloop_bench::ThreadRun run = baseline(count);
    check(run.complete, what);
    return run.ns;
  });
}

/// Runs an isolate workload (isolate_bench.cpp) as measure() does; ns per operation.
template <class Workload>
double measure_isolates(std::size_t n, Workload workload, std::string_view what) {
  return measure(n, [&](std::size_t count) {
    const double ns = workload(count);
    check(ns >= 0, what);
    return ns;
  });
}

/// Isolates: spawn, ping-pong, one-way messages, Isolate::run (real threads, real clock).
void bench_isolates() {
  if (selected("isolate_spawn_exit")) {
    emit("isolate_spawn_exit",
         measure_isolates(iters(2'000), dartloop_bench::isolate_spawn_exit,
                          "every spawned isolate exited"),
         "ns/op");
  }
  if (selected("isolate_pingpong")) {
    emit("isolate_pingpong",
         measure_isolates(iters(100'000), dartloop_bench::isolate_pingpong,
                          "every round trip came back in order"),
         "ns/op");
  }
  if (selected("isolate_oneway")) {
    const double ns = measure_isolates(iters(2'000'000), dartloop_bench::isolate_oneway,
                                       "the receiver counted every message");
    emit("isolate_oneway", ns, "ns/op");
    emit("isolate_oneway_rate", 1e9 / ns, "msg/s");
  }
  if (selected("isolate_run_trivial")) {
    emit("isolate_run_trivial",
         measure_isolates(iters(2'000), dartloop_bench::isolate_run_trivial,
                          "every Isolate::run returned 2"),
         "ns/op");
  }
}

/// The floors of the isolate rows: plain threads, no event loop (thread_baselines.cpp).
void bench_thread_baselines() {
  if (selected("baseline_pingpong_condvar")) {
    emit("baseline_pingpong_condvar",
         measure_threads(iters(10'000), dartloop_bench::pingpong_condvar,
                         "condvar ping-pong completed every round trip in order"),
         "ns/op");
  }
  if (selected("baseline_pingpong_spin")) {
    emit("baseline_pingpong_spin",
         measure_threads(iters(100'000), dartloop_bench::pingpong_spin,
                         "spinning ping-pong completed every round trip"),
         "ns/op");
  }
  if (selected("baseline_oneway_condvar")) {
    const double ns = measure_threads(iters(1'000'000), dartloop_bench::oneway_condvar,
                                      "condvar one-way queue delivered every message");
    emit("baseline_oneway_condvar", ns, "ns/op");
    emit("baseline_oneway_condvar_rate", 1e9 / ns, "msg/s");
  }
  if (selected("baseline_spawn_join")) {
    emit("baseline_spawn_join",
         measure_threads(iters(2'000), dartloop_bench::spawn_join, "every thread ran"), "ns/op");
  }
}

// ---------------------------------------------------------------------------------------

int run_all() {
#ifndef __OPTIMIZE__
  std::fprintf(stderr,
               "dartloop_bench: WARNING: built without optimisation; use the release "
               "preset (CMAKE_BUILD_TYPE=Release) for meaningful numbers\n");
#endif
  std::printf("# dartloop_bench: name\tvalue\tunit (median of %d repetitions)\n", reps());
  // Lets `bench/run` check which runtime build it is talking to.
  emit("build_observer_hooks", DARTLOOP_OBSERVER_HOOKS, "flag");

  if (selected("microtask_chain")) {
    emit("microtask_chain",
         measure(iters(4'000'000), [](std::size_t n) { return microtask_chain(n, nullptr); }),
         "ns/op");
  }
  if (selected("microtask_batch")) {
    emit("microtask_batch", measure(iters(4'000'000), microtask_batch), "ns/op");
  }
  if (selected("zero_timer_chain")) {
    emit("zero_timer_chain", measure(iters(2'000'000), zero_timer_chain), "ns/op");
  }
  if (selected("zero_timer_handle_chain")) {
    emit("zero_timer_handle_chain", measure(iters(2'000'000), zero_timer_handle_chain), "ns/op");
  }
  if (selected("zero_timer_batch")) {
    dartloop::EventLoop loop(dartloop::ClockKind::virtual_time);
    emit("zero_timer_batch",
         measure(
             iters(100'000), [&](std::size_t n) { return zero_timer_batch(loop, n); },
             iters(100'000)),
         "ns/op");
  }
  if (selected("one_ms_timer_chain")) {
    emit("one_ms_timer_chain", measure(iters(2'000'000), one_ms_timer_chain), "ns/op");
  }
  if (selected("one_ms_timer_batch")) {
    dartloop::EventLoop loop(dartloop::ClockKind::virtual_time);
    emit("one_ms_timer_batch",
         measure(
             iters(100'000), [&](std::size_t n) { return one_ms_timer_batch(loop, n); },
             iters(100'000)),
         "ns/op");
  }
  if (selected("pending_timers")) bench_pending_timers(iters(1'000'000));
  if (selected("pending_timer")) {
    bench_memory("--memory-child", "pending_timer", "bytes/timer", iters(1'000'000));
  }
  if (selected("round_trip")) {
    emit("round_trip", measure(options.smoke ? 50 : 20'000, round_trip), "ns/op");
  }
  if (selected("then_chain")) {
    // Warmed with a full chain, so that every repetition finds the pool grown already.
    emit("then_chain", measure(iters(1'000'000), then_chain, iters(1'000'000)), "ns/op");
  }
  if (selected("await_completed")) {
    emit("await_completed", measure(iters(1'000'000), await_completed), "ns/op");
  }
  if (selected("await_value")) {
    emit("await_value", measure(iters(1'000'000), await_value), "ns/op");
  }
  if (selected("completer_cycle")) {
    emit("completer_cycle", measure(iters(1'000'000), completer_cycle), "ns/op");
  }
  if (selected("stream_controller_events")) {
    emit("stream_controller_events", measure(iters(1'000'000), stream_controller_events), "ns/op");
  }
  if (selected("async_star_await_for")) {
    emit("async_star_await_for", measure(iters(1'000'000), async_star_await_for), "ns/op");
  }
  if (selected("pending_future")) {
    emit("pending_future_pool", static_cast<double>(pending_future_pool_bytes()), "bytes/future");
    bench_memory("--memory-child-future", "pending_future", "bytes/future", iters(1'000'000));
  }
  if (selected("observer")) {
    if constexpr (DARTLOOP_OBSERVER_HOOKS != 0) {
      bench_observer(iters(4'000'000));
    } else {
      // Hooks compiled out: an attached observer is never called; nothing to measure.
      std::printf("# observer rows skipped: observer hooks compiled out\n");
    }
  }
  if (selected("baseline_deque_single")) {
    emit("baseline_deque_single", measure(iters(4'000'000), deque_single), "ns/op");
  }
  if (selected("baseline_deque_batch")) {
    emit("baseline_deque_batch", measure(iters(4'000'000), deque_batch), "ns/op");
  }
  if (selected("baseline_coroutine")) {
    emit("baseline_coroutine_resume", measure(iters(20'000'000), coroutine_resume), "ns/op");
  }
  bench_thread_baselines();
  bench_isolates();
  if (failures > 0) {
    std::fprintf(stderr, "dartloop_bench: %d check(s) failed\n", failures);
    return 1;
  }
  return 0;
}

std::size_t parse_count(const char* text) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || value == 0) {
    std::fprintf(stderr, "dartloop_bench: not a positive count: %s\n", text);
    std::exit(2);
  }
  return static_cast<std::size_t>(value);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string_view arg(argv[i]);
      if (arg == "--smoke") {
        options.smoke = true;
      } else if (arg == "--reps" && i + 1 < argc) {
        options.reps = static_cast<int>(std::min<std::size_t>(parse_count(argv[++i]), 101));
      } else if (arg == "--only" && i + 1 < argc) {
        options.only = argv[++i];
      } else if (arg == "--memory-child" && i + 1 < argc) {
        return memory_child(parse_count(argv[++i]));
      } else if (arg == "--memory-child-future" && i + 1 < argc) {
        return memory_child_future(parse_count(argv[++i]));
      } else {
        std::fprintf(stderr, "usage: dartloop_bench [--smoke] [--reps N] [--only NAME_PREFIX]\n");
        return 2;
      }
    }
    return run_all();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dartloop_bench: %s\n", e.what());
    return 1;
  }
}
