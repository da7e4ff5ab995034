#pragma once
// The isolate rows of dartloop_bench: each function does n operations with real isolates
// (real clock, real threads) and returns the nanoseconds they took, or a negative number if
// the work did not complete (a message lost, a count wrong).
#include <cstddef>

namespace dartloop_bench {

/// n times: spawn an isolate whose entry returns at once, wait for its exit message.
double isolate_spawn_exit(std::size_t n);
/// n round trips of an integer between the main isolate and an echo isolate.
double isolate_pingpong(std::size_t n);
/// n integers sent one way; the receiver counts them and reports the count at the end.
double isolate_oneway(std::size_t n);
/// n sequential `Isolate::run` calls of a function returning 1 + 1.
double isolate_run_trivial(std::size_t n);

}  // namespace dartloop_bench
