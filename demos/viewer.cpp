#include "viewer.hpp"

#include <algorithm>
#include <istream>
#include <ostream>
#include <sstream>
#include <string_view>

namespace dartloop::demo {

namespace {

constexpr std::size_t width = 78;
constexpr std::size_t code_width = width - 8;

std::string rule(const std::string& title) {
  std::string line = "== " + title + " ";
  if (line.size() < width) line.append(width - line.size(), '=');
  return line;
}

// A source line cut to one projector line. The padding that aligns trailing comments in the
// file is squeezed out first; a comment that still does not fit is dropped whole rather than
// cut, so the code stays readable. Only code longer than a line is cut.
std::string fit(std::string code) {
  if (code.size() <= code_width) return code;
  std::size_t comment = std::string::npos;
  bool quoted = false;  // a "//" inside a string literal starts no comment
  for (std::size_t i = 0; i + 1 < code.size() && comment == std::string::npos; ++i) {
    if (code[i] == '\\') {
      ++i;  // an escaped character, e.g. \" inside a literal
    } else if (code[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && code[i] == '/' && code[i + 1] == '/') {
      comment = i;
    }
  }
  if (comment != std::string::npos && comment > 0) {
    std::string bare = code.substr(0, code.find_last_not_of(' ', comment - 1) + 1);
    std::string squeezed = bare + "  " + code.substr(comment);
    if (squeezed.size() <= code_width) return squeezed;
    if (bare.size() <= code_width) return bare;
  }
  return code.substr(0, code_width - 3) + "...";
}

std::string entry(const TaskInfo& task, const std::string& extra) {
  std::ostringstream s;
  s << "    #" << task.id;
  if (!extra.empty()) s << "  " << extra;
  if (task.where.line() != 0) s << "  at " << short_label(task.where);
  // Second line: the scheduling code itself; its trailing comment (the Dart spelling in the
  // scenarios) is kept when it fits, so a projector shows both languages side by side.
  std::string code = fit(source_text(task.where));
  if (!code.empty()) s << "\n        " << code;
  return s.str();
}

std::string why(const TraceFrame& f, bool first) {
  switch (f.from) {
    case QueueKind::microtask:
      return "from the MICROTASK queue: it is drained completely before any event";
    case QueueKind::timer:
      return f.via == EventKind::zero_timer
                 ? "from the EVENT queue: this zero-duration timer's own event"
                 : "from the EVENT queue: the timer wake-up; due timers run one by one";
    case QueueKind::event:
      return first ? "from the EVENT queue: the isolate's first event runs the program's main"
                   : "from the EVENT queue: no microtask is left, so the oldest event runs";
  }
  return {};
}

// The last lines that fit in about two projector lines, oldest first.
std::string joined_output(const std::vector<std::string>& lines, std::size_t count) {
  constexpr std::size_t budget = 2 * width - 30;
  std::size_t from = count;
  std::size_t used = 0;
  while (from > 0 && used + lines[from - 1].size() + 1 <= budget) used += lines[--from].size() + 1;
  std::string text;
  if (from > 0) text += "(" + std::to_string(from) + " earlier lines) ...";
  for (std::size_t i = from; i < count; ++i) {
    if (!text.empty()) text += ' ';
    text += lines[i];
  }
  return text.empty() ? "(nothing yet)" : text;
}

void queue_block(std::ostream& s, const char* title, const std::vector<std::string>& rows,
                 const char* none = "(empty)") {
  s << title << '\n';
  if (rows.empty()) s << "    " << none << '\n';
  for (const std::string& r : rows) s << r << '\n';
}

// Is the run an async one at all? Programs without a single `co_await` keep their frames short.
bool any_await(const Tracer& trace) {
  return std::any_of(trace.records().begin(), trace.records().end(),
                     [](const TraceRecord& r) { return r.action == TraceAction::suspend; });
}

// The calls that the task of frame @p index resumes while it runs: the `resume` records between
// its own `start` and the next frame's (a resumed call can wake others in the same task).
std::vector<const TraceRecord*> resumed_by(const Tracer& trace, std::size_t index) {
  const std::vector<TraceRecord>& records = trace.records();
  const auto from = static_cast<std::size_t>(trace.frames()[index].seq);
  const std::size_t to = index + 1 < trace.frames().size()
                             ? static_cast<std::size_t>(trace.frames()[index + 1].seq)
                             : records.size();
  std::vector<const TraceRecord*> out;
  for (std::size_t i = from; i < to && i < records.size(); ++i) {
    if (records[i].action == TraceAction::resume) out.push_back(&records[i]);
  }
  return out;
}

}  // namespace

std::string render_frame(const Tracer& trace, std::size_t index) {
  const TraceFrame& f = trace.frames()[index];
  const QueueSnapshot& q = f.queues;
  std::ostringstream s;
  s << rule("step " + std::to_string(index + 1) + " of " + std::to_string(trace.frames().size()) +
            "   t = " + std::to_string(q.now.count() / 1000) + " ms")
    << '\n';
  s << "next task  " << to_string(f.from) << '\n' << entry(f.task, "") << '\n';
  s << "    " << why(f, index == 0) << '\n';
  const bool async = any_await(trace);
  if (async) {
    for (const TraceRecord* r : resumed_by(trace, index)) {
      s << "    and inside it resumes #" << r->task.id << ' ' << short_function(r->task.where)
        << ", parked at " << short_label(r->task.where) << '\n';
    }
  }
  std::vector<std::string> rows;
  for (const TaskInfo& t : q.microtasks) rows.push_back(entry(t, ""));
  queue_block(s, "microtask queue (front first)", rows);
  rows.clear();
  for (const PendingEvent& e : q.events) {
    rows.push_back(entry(e.info, e.kind == EventKind::zero_timer ? "zero timer"
                                 : e.kind == EventKind::timeout  ? "timer wake-up"
                                                                 : "task"));
  }
  queue_block(s, "event queue (front first)", rows);
  rows.clear();
  for (const PendingTimer& t : q.timers) {
    std::string extra = "due " + std::to_string(t.wakeup_ms) + " ms";
    if (t.periodic) extra += ", every " + std::to_string(t.period_ms) + " ms";
    if (!t.active) extra += ", cancelled";
    if (!t.periodic && t.period_ms == 0 && t.wakeup_ms == q.now.count() / 1000) {
      extra += " (zero timer: runs with its event)";
    }
    rows.push_back(entry(t.info, extra));
  }
  queue_block(s, "pending timers (firing order)", rows);
  if (async) {
    rows.clear();
    for (const SuspendedFrame& fr : q.suspended) {
      rows.push_back(entry(fr.info, short_function(fr.info.where) + " waits"));
    }
    queue_block(s, "async functions suspended (oldest call first)", rows, "(none)");
  }
  s << "output so far\n    " << joined_output(trace.output(), f.output_lines) << '\n';
  return s.str();
}

void show_run(std::ostream& out, std::istream& in, const Tracer& trace,
              const std::vector<std::string>& errors, const ViewOptions& options) {
  const std::size_t total = trace.frames().size();
  const bool elide = total > options.head + options.tail + 1;
  for (std::size_t i = 0; i < total; ++i) {
    if (elide && i == options.head) {
      const std::size_t skipped = total - options.head - options.tail;
      out << rule("... " + std::to_string(skipped) + " more steps like these ...") << "\n\n";
      i = total - options.tail;
    }
    out << render_frame(trace, i) << std::flush;
    if (options.step) {
      out << "[Enter: next step] " << std::flush;
      std::string ignored;
      if (!std::getline(in, ignored)) {
        out << '\n';
      }
    }
    out << '\n';
  }
  out << rule("finished   exit code " + std::to_string(trace.exit_code())) << '\n';
  for (const std::string& e : errors) out << e << '\n';
  // Short outputs on one line (the puzzle's answer reads "1 6 3 5 2 4"); long ones elided.
  const std::vector<std::string>& lines = trace.output();
  out << "output\n    ";
  constexpr std::size_t keep = 10;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines.size() > 4 * keep && i == keep) {
      out << " ... (" << lines.size() - 2 * keep << " more lines) ...";
      i = lines.size() - keep;
    }
    out << (i > 0 ? " " : "") << lines[i];
  }
  out << '\n';
}

}  // namespace dartloop::demo
