#pragma once
// Renders a recorded run as a sequence of text frames: the running task, both queues, timers,
// and (in programs with async functions) the calls parked at a co_await.

#include <iosfwd>
#include <string>
#include <vector>

#include "dartloop/tracer.hpp"

namespace dartloop::demo {

/// How a recorded run is shown.
struct ViewOptions {
  bool step = false;      ///< Wait for Enter between frames.
  std::size_t head = 16;  ///< Long runs: frames shown at the start...
  std::size_t tail = 6;   ///< ...and at the end.
};

/// Shows every frame of @p trace (eliding the middle of long runs), then the final state.
void show_run(std::ostream& out, std::istream& in, const Tracer& trace,
              const std::vector<std::string>& errors, const ViewOptions& options);

/// Renders one frame (step @p index of @p total) as text.
std::string render_frame(const Tracer& trace, std::size_t index);

}  // namespace dartloop::demo
