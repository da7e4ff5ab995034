// Linked into a "diagram build" of a lesson example (tools/diagrams/CMakeLists.txt): traces the
// example's own loop through the runtime's loop watcher and, when that loop goes away, writes
// one Graphviz diagram of the run. The example's source is not changed: it still creates its
// own `EventLoop` and calls `run` or the virtual-clock controls as a learner's build would.
//
// What to draw comes from the environment, so that one object serves every example:
//   DARTLOOP_DIAGRAM        "step=N" (the queues just before the N-th task runs, from 1) or
//                           "timeline" (the whole run); optionally followed by " loop=K" to
//                           draw the K-th loop the program created (default 1)
//   DARTLOOP_DIAGRAM_OUT    the .dot file to write
//   DARTLOOP_DIAGRAM_TITLE  the diagram's title (default: the moment)
// Without DARTLOOP_DIAGRAM nothing is installed and the program runs as usual. Errors (a step
// past the end of the run, a loop that never existed) go to stderr as "dartloop-diagram:
// error: ..." and no file is written; tools/diagrams/make_diagram.cmake turns them into a
// failed build step or test.
#include <atomic>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "dartloop/trace_writers.hpp"
#include "dartloop/tracer.hpp"

namespace {

using namespace dartloop;

// What one run of the example is asked to draw.
struct Request {
  bool timeline = false;
  std::size_t step = 0;  // 1-based, when !timeline
  std::size_t loop = 1;  // 1-based creation order
  std::string out;
  std::string title;
};

void fail(std::string_view message) { std::cerr << "dartloop-diagram: error: " << message << '\n'; }

std::optional<Request> refuse(const std::string& message) {
  fail(message);
  return std::nullopt;
}

std::optional<std::size_t> number(std::string_view text) {
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n == 0) return std::nullopt;
  return n;
}

std::optional<Request> parse(std::string_view spec, const char* out, const char* title) {
  Request r;
  bool moment = false;
  while (!spec.empty()) {
    const auto space = spec.find(' ');
    const std::string_view word = spec.substr(0, space);
    spec = space == std::string_view::npos ? std::string_view() : spec.substr(space + 1);
    if (word.empty()) continue;
    if (word == "timeline") {
      r.timeline = moment = true;
    } else if (word.starts_with("step=")) {
      const auto n = number(word.substr(5));
      if (!n) return refuse("step=N needs a whole number from 1: '" + std::string(word) + "'");
      r.step = *n;
      moment = true;
    } else if (word.starts_with("loop=")) {
      const auto n = number(word.substr(5));
      if (!n) return refuse("loop=K needs a whole number from 1: '" + std::string(word) + "'");
      r.loop = *n;
    } else {
      return refuse("unknown word '" + std::string(word) + "' in DARTLOOP_DIAGRAM");
    }
  }
  if (!moment) return refuse("DARTLOOP_DIAGRAM names no moment (step=N or timeline)");
  if (out == nullptr || *out == '\0') return refuse("DARTLOOP_DIAGRAM_OUT is not set");
  r.out = out;
  if (title != nullptr && *title != '\0') {
    r.title = title;
  } else {
    r.title = r.timeline ? "the whole run" : "just before step " + std::to_string(r.step);
  }
  return r;
}

void draw(const Request& request, const Tracer& trace) {
  const auto& frames = trace.frames();
  if (!request.timeline && request.step > frames.size()) {
    return fail("the run has " + std::to_string(frames.size()) +
                " steps, so step=" + std::to_string(request.step) + " is past the end");
  }
  std::ofstream file(request.out);
  if (!file) return fail("cannot write " + request.out);
  if (request.timeline) {
    write_dot_timeline(file, trace, {.title = request.title});
  } else {
    const TraceFrame& frame = frames[request.step - 1];
    write_dot(file, frame.queues,
              {.title = request.title, .frame = &frame, .output = &trace.output()});
  }
  if (!file.flush()) fail("cannot write " + request.out);
}

// The tracing, installed before main and removed after the example's loops are gone.
class DiagramSession {
 public:
  DiagramSession() {
    const char* spec = std::getenv("DARTLOOP_DIAGRAM");
    if (spec == nullptr) return;
    request_ =
        parse(spec, std::getenv("DARTLOOP_DIAGRAM_OUT"), std::getenv("DARTLOOP_DIAGRAM_TITLE"));
    if (!request_) return;
    tracing_.emplace(Tracer::Options{.frames = true},
                     [this](const EventLoop&, const Tracer& trace, std::size_t number) {
                       if (number != request_->loop) return;
                       drawn_ = true;
                       draw(*request_, trace);
                     });
  }
  DiagramSession(const DiagramSession&) = delete;
  DiagramSession& operator=(const DiagramSession&) = delete;
  ~DiagramSession() {
    if (!tracing_) return;
    if (!drawn_) {
      const std::size_t made = tracing_->loops_created();
      fail("the program made " + std::to_string(made) + " loop(s), and loop " +
           std::to_string(request_->loop) + " was never destroyed: nothing to draw");
    }
    tracing_.reset();
  }

 private:
  std::optional<Request> request_;
  std::optional<TraceEveryLoop> tracing_;
  std::atomic<bool> drawn_ = false;  // set on the drawn loop's thread
};

// Constructed before main (this object file is linked in whole), destroyed after it.
[[maybe_unused]] DiagramSession session;

}  // namespace
