// Raw two-thread baselines for the isolate benchmarks: what the same message traffic costs with
// plain std::thread, a mutex and a condition variable (or spinning atomics), and no event loop.
// An isolate's message passing cannot beat the OS primitives it is built on; these rows say how
// far above that floor it (and Node's worker_threads) are.
#pragma once

#include <cstddef>

namespace dartloop_bench {

/// @brief One timed run of a baseline: its wall time and whether it did all of its work.
struct ThreadRun {
  double ns = 0;          ///< @brief wall time of the timed part, in nanoseconds
  bool complete = false;  ///< @brief every round trip, message or thread was accounted for
};

/// @brief Two threads bounce a counter @p round_trips times through one mutex and two condition
/// variables (one single-value slot each way); the timed part starts after one untimed round trip.
ThreadRun pingpong_condvar(std::size_t round_trips);

/// @brief The same bounce with both threads spinning on acquire/release atomics: the floor.
ThreadRun pingpong_spin(std::size_t round_trips);

/// @brief One producer pushes @p messages int64 values into a mutex-protected deque, signalling
/// only when it was empty; the consumer swaps whole batches out. Timed until the last arrived.
ThreadRun oneway_condvar(std::size_t messages);

/// @brief Creates and joins @p threads std::threads running an empty function, one at a time.
ThreadRun spawn_join(std::size_t threads);

}  // namespace dartloop_bench
