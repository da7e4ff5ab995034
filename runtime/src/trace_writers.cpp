#include "dartloop/trace_writers.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <unordered_set>

namespace dartloop {

namespace {

using nlohmann::json;

json task_json(const TaskInfo& task) {
  return json{{"id", task.id},
              {"parent", task.parent},
              {"at", task.where.line() != 0 ? short_label(task.where) : std::string()},
              {"function", task.where.function_name()}};
}

std::string task_title(QueueKind queue, const TaskInfo& task) {
  std::string title(to_string(queue));
  title += " #" + std::to_string(task.id);
  if (task.where.line() != 0) title += " (" + short_label(task.where) + ")";
  return title;
}

// "#4 alice()": an async function call, by id and name.
std::string call_title(const TaskInfo& call) {
  std::string title = "#" + std::to_string(call.id);
  if (const std::string name = short_function(call.where); !name.empty()) title += " " + name;
  return title;
}

}  // namespace

void write_json_lines(std::ostream& out, const Tracer& trace) {
  for (const TraceRecord& r : trace.records()) {
    json line{{"seq", r.seq}, {"action", to_string(r.action)}, {"t_us", r.time.count()}};
    switch (r.action) {
      case TraceAction::schedule:
      case TraceAction::start:
      case TraceAction::end:
      case TraceAction::cancel:
        line["queue"] = to_string(r.queue);
        line.update(task_json(r.task));
        break;
      case TraceAction::event:
        line["queue"] = "event";
        line["kind"] = to_string(r.event_kind);
        line.update(task_json(r.task));
        break;
      case TraceAction::advance: line["to_us"] = r.to.count(); break;
      case TraceAction::output:
        line["text"] = r.text;
        line["by"] = r.task.id;
        break;
      case TraceAction::uncaught:
        line["text"] = r.text;
        line.update(task_json(r.task));
        break;
      case TraceAction::exit: line["exit_code"] = r.exit_code; break;
      case TraceAction::suspend:
      case TraceAction::resume:
        line.update(task_json(r.task));
        line["by"] = r.by;
        break;
    }
    out << line.dump() << '\n';
  }
}

void write_chrome_trace(std::ostream& out, const Tracer& trace) {
  const bool stretch = trace.clock_kind() == ClockKind::virtual_time;
  json events = json::array();
  // Every event sits on the isolate's one thread, at the record's (stretched) time.
  const auto emit = [&](json event, const TraceRecord& r) {
    event["ts"] =
        static_cast<double>(r.time.count()) + (stretch ? static_cast<double>(r.seq) : 0.0);
    event["pid"] = 1;
    event["tid"] = 1;
    events.push_back(std::move(event));
  };
  const auto instant = [&](std::string name, const char* scope, const TraceRecord& r) {
    emit({{"name", std::move(name)}, {"ph", "i"}, {"s", scope}}, r);
  };
  const auto flow = [&](const char* phase, const TraceRecord& r) {
    json f{{"name", "schedules"}, {"cat", "flow"}, {"ph", phase}, {"id", r.task.id}};
    if (phase[0] == 'f') f["bp"] = "e";  // bind the arrow's head to the slice it starts
    emit(std::move(f), r);
  };
  std::int64_t microtasks = 0;
  std::int64_t queued_events = 0;
  const auto counters = [&](const TraceRecord& r) {
    emit({{"name", "queue lengths"},
          {"ph", "C"},
          {"args", {{"microtasks", microtasks}, {"events", queued_events}}}},
         r);
  };

  events.push_back({{"name", "thread_name"},
                    {"ph", "M"},
                    {"pid", 1},
                    {"tid", 1},
                    {"args", {{"name", "isolate: event loop"}}}});
  int depth = 0;  // flows can only start inside a slice
  std::unordered_set<TaskId> open_flows;
  // A suspended call is not running on the thread, so its wait is an async slice (a track of
  // its own, keyed by the call's id) from the `co_await` to the task that resumes it.
  std::map<TaskId, std::string> parked;
  const auto await_slice = [&](const char* phase, TaskId id, const std::string& name, json args,
                               const TraceRecord& r) {
    emit({{"name", name}, {"cat", "await"}, {"ph", phase}, {"id", id}, {"args", std::move(args)}},
         r);
  };
  for (const TraceRecord& r : trace.records()) {
    switch (r.action) {
      case TraceAction::schedule:
        if (r.queue == QueueKind::microtask) ++microtasks;
        if (r.queue == QueueKind::event) ++queued_events;
        if (depth > 0 && r.queue != QueueKind::event) {
          open_flows.insert(r.task.id);
          flow("s", r);
        }
        counters(r);
        break;
      case TraceAction::event:
        --queued_events;
        counters(r);
        break;
      case TraceAction::start:
        if (r.queue == QueueKind::microtask) --microtasks;
        if (r.queue == QueueKind::event) --queued_events;
        emit({{"name", task_title(r.queue, r.task)},
              {"cat", to_string(r.queue)},
              {"ph", "B"},
              {"args", task_json(r.task)}},
             r);
        if (open_flows.erase(r.task.id) > 0) flow("f", r);
        ++depth;
        if (r.queue != QueueKind::timer) counters(r);
        break;
      case TraceAction::end:
        emit({{"ph", "E"}}, r);
        --depth;
        break;
      case TraceAction::cancel: instant("cancel " + task_title(r.queue, r.task), "t", r); break;
      case TraceAction::advance:
        instant("virtual time -> " + std::to_string(r.to.count() / 1000) + " ms", "p", r);
        break;
      case TraceAction::output: instant("print: " + r.text, "t", r); break;
      case TraceAction::uncaught:
        emit({{"name", "uncaught error"}, {"ph", "i"}, {"s", "p"}, {"args", {{"message", r.text}}}},
             r);
        break;
      case TraceAction::exit: instant("exit " + std::to_string(r.exit_code), "p", r); break;
      case TraceAction::suspend: {
        std::string name = call_title(r.task) + " waits";
        if (r.task.where.line() != 0) name += " at " + short_label(r.task.where);
        await_slice("b", r.task.id, name, task_json(r.task), r);
        instant("suspend " + call_title(r.task), "t", r);
        parked[r.task.id] = std::move(name);
        break;
      }
      case TraceAction::resume: {
        instant("resume " + call_title(r.task), "t", r);
        const auto it = parked.find(r.task.id);
        if (it == parked.end()) break;  // suspended before the tracer was attached
        await_slice("e", r.task.id, it->second, {{"resumed_by", r.by}}, r);
        parked.erase(it);
        break;
      }
    }
  }
  // Calls still parked when the isolate ended never resume: close their slices at the end so
  // that every `b` has its `e` (the loop destroyed those frames).
  if (!parked.empty()) {
    const TraceRecord& last = trace.records().back();
    for (const auto& [id, name] : parked)
      await_slice("e", id, name, {{"resumed_by", nullptr}}, last);
  }
  out << json{{"traceEvents", events}, {"displayTimeUnit", "ms"}}.dump(1) << '\n';
}

namespace {

std::string dot_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// @p code without a trailing `//` comment (one inside a string or character literal stays).
std::string without_comment(std::string code) {
  char quote = 0;
  for (std::size_t i = 0; i + 1 < code.size(); ++i) {
    const char c = code[i];
    if (quote != 0) {
      if (c == '\\') {
        ++i;  // an escaped character, maybe a quote
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '/' && code[i + 1] == '/') {
      code.erase(i);
      break;
    }
  }
  const auto last = code.find_last_not_of(" \t");
  code.erase(last == std::string::npos ? 0 : last + 1);
  return code;
}

// The source line of a task, cut to what fits in a box ("" if the file is not at hand).
std::string dot_code(const TaskInfo& task) {
  const std::string code = without_comment(source_text(task.where));
  // The last line of a call spread over several ("});") says nothing: leave it out.
  if (std::none_of(code.begin(), code.end(), [](char c) { return std::isalnum(c) != 0; })) {
    return {};
  }
  return dot_escape(code.size() > 48 ? code.substr(0, 45) + "..." : code);
}

std::string dot_task(const TaskInfo& task, std::string_view extra) {
  std::string label = "#" + std::to_string(task.id);
  if (!extra.empty()) label += "  " + std::string(extra);
  if (task.where.line() != 0) label += "\\n" + dot_escape(short_label(task.where));
  if (const std::string code = dot_code(task); !code.empty()) label += "\\n" + code;
  return label;
}

// One colour per queue, the same in snapshots and timelines, so a reader can follow a task.
constexpr std::string_view microtask_colour = "#dcf1dd";
constexpr std::string_view event_colour = "#dbe7fa";
constexpr std::string_view timer_colour = "#fbe8c8";
constexpr std::string_view other_colour = "#eeeeee";

std::string_view colour_of(QueueKind queue) {
  switch (queue) {
    case QueueKind::microtask: return microtask_colour;
    case QueueKind::event: return event_colour;
    case QueueKind::timer: return timer_colour;
  }
  return other_colour;
}

// @p chained draws the arrows of a queue (front to back); a set of unordered boxes has none.
void dot_cluster(std::ostream& out, std::string_view id, std::string_view title,
                 const std::vector<std::string>& labels, std::string_view colour,
                 bool chained = true) {
  out << "  subgraph cluster_" << id << " {\n    label=\"" << title << "\";\n";
  if (labels.empty()) {
    out << "    " << id << "_empty [label=\"(empty)\", style=dashed];\n";
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    out << "    " << id << i << " [label=\"" << labels[i] << "\", fillcolor=\"" << colour
        << "\"];\n";
  }
  for (std::size_t i = 1; chained && i < labels.size(); ++i) {
    out << "    " << id << i - 1 << " -> " << id << i << ";\n";
  }
  out << "  }\n";
}

}  // namespace

void write_dot(std::ostream& out, const QueueSnapshot& queues, const DotOptions& options) {
  out << "digraph dartloop {\n"
         "  graph [rankdir=LR, fontname=\"Helvetica\", labelloc=t, label=\""
      << dot_escape(options.title) << "  (t = " << queues.now.count() / 1000 << " ms)\"];\n"
      << "  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\", "
         "fontsize=11];\n"
         "  edge [arrowsize=0.6];\n";
  // With rankdir=LR, Graphviz stacks the clusters bottom-up in the order they are written:
  // written last to first, they read top-down as running task, microtasks, events, timers.
  if (options.frame != nullptr && options.output != nullptr) {
    const std::size_t n = std::min(options.frame->output_lines, options.output->size());
    std::string text;
    for (std::size_t i = 0; i < n; ++i) text += dot_escape((*options.output)[i]) + "\\l";
    out << "  subgraph cluster_printed {\n    label=\"printed so far\";\n"
        << "    printed [label=\"" << (n == 0 ? std::string("(nothing yet)") : text)
        << "\", shape=note, style=filled, fillcolor=white, fontname=\"Courier\"];\n  }\n";
  }
  std::vector<std::string> labels;
  // Only programs with async functions get this box: the others would show an empty one.
  if (!queues.suspended.empty()) {
    for (const SuspendedFrame& f : queues.suspended) {
      labels.push_back(dot_task(f.info, short_function(f.info.where) + " waits"));
    }
    dot_cluster(out, "suspended", "async functions suspended (at their co_await)", labels,
                other_colour, false);
  }
  // A zero-duration timer waits twice, as the VM's do: in the timer list and as its own event.
  std::vector<TaskId> zero_events;
  for (const PendingEvent& e : queues.events) {
    if (e.kind == EventKind::zero_timer) zero_events.push_back(e.info.id);
  }
  labels.clear();
  for (const PendingTimer& t : queues.timers) {
    std::string extra = "due " + std::to_string(t.wakeup_ms) + " ms";
    if (t.periodic) extra += ", every " + std::to_string(t.period_ms) + " ms";
    if (!t.active) extra += ", cancelled";
    if (std::find(zero_events.begin(), zero_events.end(), t.info.id) != zero_events.end()) {
      extra += ", its event is queued";
    }
    labels.push_back(dot_task(t.info, extra));
  }
  dot_cluster(out, "timers", "pending timers", labels, timer_colour);
  labels.clear();
  for (const PendingEvent& e : queues.events) labels.push_back(dot_task(e.info, to_string(e.kind)));
  dot_cluster(out, "events", "event queue (one event per turn)", labels, event_colour);
  labels.clear();
  for (const TaskInfo& t : queues.microtasks) labels.push_back(dot_task(t, ""));
  dot_cluster(out, "micro", "microtask queue (drained completely first)", labels, microtask_colour);
  if (options.frame != nullptr) {
    std::vector<std::string> running{dot_task(options.frame->task, to_string(options.frame->from))};
    dot_cluster(out, "running", "running now", running, colour_of(options.frame->from));
  }
  out << "}\n";
}

namespace {

// One box of a timeline: a step (a task that ran), lines printed outside any task, or a note.
struct TimelineBox {
  enum class Column : std::uint8_t { outside, event, timer, microtask };
  Column column = Column::outside;
  std::string label;  // DOT-escaped, lines ended by "\l"
  std::string fill;   // empty for a note (no box around it)
};

TimelineBox::Column column_of(QueueKind queue) {
  switch (queue) {
    case QueueKind::microtask: return TimelineBox::Column::microtask;
    case QueueKind::event: return TimelineBox::Column::event;
    case QueueKind::timer: return TimelineBox::Column::timer;
  }
  return TimelineBox::Column::outside;
}

std::string line_of(std::string_view text) { return dot_escape(text) + "\\l"; }

}  // namespace

void write_dot_timeline(std::ostream& out, const Tracer& trace, const DotOptions& options) {
  std::vector<TimelineBox> boxes;
  std::map<TaskId, std::size_t> step_of;  // task id -> the step it ran as
  std::map<TaskId, TaskId> scheduled_by;  // task id -> the task running when it was queued
  std::size_t steps = 0;
  int depth = 0;                    // > 0 while a task runs
  bool outside_open = false;        // the last box collects lines printed outside tasks
  EventKind via = EventKind::task;  // the event that released the next timers
  for (const TraceRecord& r : trace.records()) {
    switch (r.action) {
      case TraceAction::schedule: scheduled_by[r.task.id] = r.task.parent; break;
      case TraceAction::event: via = r.event_kind; break;
      case TraceAction::start: {
        if (depth++ > 0) break;
        outside_open = false;
        step_of[r.task.id] = ++steps;
        std::string head = "step " + std::to_string(steps) + ": " +
                           std::string(to_string(r.queue)) + " #" + std::to_string(r.task.id);
        if (r.queue == QueueKind::timer) head += ", in a " + std::string(to_string(via)) + " event";
        std::string label = line_of(head);
        if (const std::string code = dot_code(r.task); !code.empty()) label += code + "\\l";
        std::string origin;
        if (r.task.where.line() != 0) origin = short_label(r.task.where) + ", ";
        TaskId parent = r.task.parent;
        if (parent == 0) {
          const auto it = scheduled_by.find(r.task.id);
          if (it != scheduled_by.end()) parent = it->second;
        }
        const auto from = step_of.find(parent);
        origin += from != step_of.end() ? "queued in step " + std::to_string(from->second)
                                        : std::string("queued outside any task");
        label += line_of(origin);
        boxes.push_back({column_of(r.queue), std::move(label), std::string(colour_of(r.queue))});
        break;
      }
      case TraceAction::end:
        if (depth > 0) --depth;
        break;
      case TraceAction::output:
        if (depth > 0 && !boxes.empty()) {
          boxes.back().label += line_of("prints: " + r.text);
        } else {
          if (!outside_open) {
            boxes.push_back({TimelineBox::Column::outside, "", std::string(other_colour)});
            outside_open = true;
          }
          boxes.back().label += line_of("prints: " + r.text);
        }
        break;
      case TraceAction::advance:
        outside_open = false;
        boxes.push_back(
            {TimelineBox::Column::outside,
             line_of("virtual time jumps to " + std::to_string(r.to.count() / 1000) + " ms"),
             {}});
        break;
      case TraceAction::uncaught: {
        outside_open = false;
        std::string_view text = r.text;  // "Unhandled exception:\n<error>\n#0 ..."
        if (const auto nl = text.find('\n'); nl != std::string_view::npos) {
          text.remove_prefix(nl + 1);
        }
        text = text.substr(0, text.find('\n'));
        boxes.push_back(
            {TimelineBox::Column::outside, line_of("uncaught error: " + std::string(text)), {}});
        break;
      }
      case TraceAction::exit:
        outside_open = false;
        boxes.push_back({TimelineBox::Column::outside,
                         line_of("the loop ends, exit code " + std::to_string(r.exit_code)),
                         {}});
        break;
      case TraceAction::cancel:
      case TraceAction::suspend:
      case TraceAction::resume: break;
    }
  }

  // A grid: one row per box, one lane (column) per origin, left to right in the order a turn
  // of the loop visits them. Each row holds its box in its lane and invisible placeholders in
  // the others, and invisible edges down each lane keep the lanes straight; the visible arrows
  // follow the run from box to box.
  struct Lane {
    TimelineBox::Column column;
    std::string_view id;
    std::string_view title;
  };
  constexpr Lane all_lanes[] = {
      {TimelineBox::Column::outside, "outside", "outside any task"},
      {TimelineBox::Column::event, "event", "from the event queue"},
      {TimelineBox::Column::timer, "timer", "timers (run by their event)"},
      {TimelineBox::Column::microtask, "microtask", "from the microtask queue"},
  };
  std::vector<Lane> lanes;  // only the lanes this run used
  for (const Lane& lane : all_lanes) {
    if (std::any_of(boxes.begin(), boxes.end(),
                    [&](const TimelineBox& b) { return b.column == lane.column; })) {
      lanes.push_back(lane);
    }
  }
  const auto cell = [&](std::size_t row, const Lane& lane) {
    return boxes[row].column == lane.column
               ? "b" + std::to_string(row)
               : "p" + std::to_string(row) + "_" + std::string(lane.id);
  };

  out << "digraph dartloop_timeline {\n"
         "  graph [rankdir=TB, fontname=\"Helvetica\", labelloc=t, nodesep=0.3, ranksep=0.15, "
         "label=\""
      << dot_escape(options.title) << "\"];\n"
      << "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n"
         "  edge [arrowsize=0.6, color=\"#5b6f8f\"];\n";
  const auto row_order = [&](const auto& name_of) {
    for (std::size_t i = 1; i < lanes.size(); ++i) {
      out << "    " << name_of(lanes[i - 1]) << " -> " << name_of(lanes[i]) << " [style=invis];\n";
    }
  };
  out << "  { rank=same;\n";
  for (const Lane& lane : lanes) {
    out << "    lane_" << lane.id << " [label=\"" << lane.title << "\", group=\"" << lane.id
        << "\", shape=plaintext, style=\"\", fontsize=11];\n";
  }
  row_order([](const Lane& lane) { return "lane_" + std::string(lane.id); });
  out << "  }\n";
  for (std::size_t row = 0; row < boxes.size(); ++row) {
    out << "  { rank=same;\n";
    for (const Lane& lane : lanes) {
      const TimelineBox& box = boxes[row];
      if (box.column != lane.column) {
        out << "    " << cell(row, lane) << " [label=\"\", group=\"" << lane.id
            << "\", style=invis, width=0.1, height=0.1];\n";
      } else if (box.fill.empty()) {  // a note: time jumps, errors, the end
        out << "    b" << row << " [label=\"" << box.label << "\", group=\"" << lane.id
            << "\", shape=plaintext, style=\"\"];\n";
      } else {
        out << "    b" << row << " [label=\"" << box.label << "\", group=\"" << lane.id
            << "\", fillcolor=\"" << box.fill << "\"];\n";
      }
    }
    row_order([&](const Lane& lane) { return cell(row, lane); });
    out << "  }\n";
  }
  for (const Lane& lane : lanes) {
    out << "  lane_" << lane.id;
    for (std::size_t row = 0; row < boxes.size(); ++row) out << " -> " << cell(row, lane);
    out << " [style=invis, weight=100];\n";
  }
  for (std::size_t i = 1; i < boxes.size(); ++i) {
    out << "  b" << i - 1 << " -> b" << i << " [constraint=false];\n";
  }
  out << "}\n";
}

}  // namespace dartloop
