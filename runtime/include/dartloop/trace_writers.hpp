#pragma once
/// @file
/// @brief Reference-only: turns a trace into JSON Lines, a Chrome trace, or Graphviz DOT.

#include <iosfwd>
#include <string>
#include <vector>

#include "dartloop/queue_snapshot.hpp"
#include "dartloop/tracer.hpp"

namespace dartloop {

/// @brief Writes one JSON object per record (`seq`, `action`, `queue`, `id`, `parent`, `at`,
/// `t_us`...).
///
/// `suspend` and `resume` records name the async function call (`id`, `function`), the
/// `co_await` it waits at (`at`) and the task running at that moment (`by`).
void write_json_lines(std::ostream& out, const Tracer& trace);

/// @brief Writes Chrome's trace-event JSON (open it in Perfetto or chrome://tracing).
///
/// Tasks are slices, scheduling links are flow arrows from the scheduling task
/// to the scheduled one, and the lengths of both queues are counters. Each wait of
/// an async function at a `co_await` is an async slice ("await" category) that ends
/// where the call resumes, or at the end of the trace if it never did. On a
/// virtual clock every record is stretched to 1 us so that tasks which take no
/// virtual time stay visible and keep their order.
void write_chrome_trace(std::ostream& out, const Tracer& trace);

/// @brief How a DOT diagram is titled and what it shows besides the queues.
struct DotOptions {
  std::string title;                  ///< Shown above the diagram.
  const TraceFrame* frame = nullptr;  ///< If set, the running task is drawn too.
  /// @brief If set (with `frame`), the first `frame->output_lines` of these lines (a
  /// `Tracer::output()`) are drawn as "printed so far".
  const std::vector<std::string>* output = nullptr;
};

/// @brief Writes a Graphviz digraph of the queues in @p queues (render with `dot -Tsvg`).
void write_dot(std::ostream& out, const QueueSnapshot& queues, const DotOptions& options = {});

/// @brief Writes a Graphviz digraph of a whole run, one box per task in the order they ran.
///
/// Boxes stand in one column per queue the task came from (event queue, timers, microtask
/// queue), so the arrows from each step to the next show the loop going back and forth
/// between them. A box names the task, the line that scheduled it, the step that did, and
/// the lines it printed; lines printed outside any task (code around `run`, in `within`),
/// virtual-time jumps, uncaught errors and the loop's end are boxes of their own. Only
/// `options.title` is used.
void write_dot_timeline(std::ostream& out, const Tracer& trace, const DotOptions& options = {});

}  // namespace dartloop
