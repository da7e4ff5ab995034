#include "dartloop/trace_writers.hpp"

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

std::string dot_task(const TaskInfo& task, std::string_view extra) {
  std::string label = "#" + std::to_string(task.id);
  if (!extra.empty()) label += "  " + std::string(extra);
  if (task.where.line() != 0) label += "\\n" + dot_escape(short_label(task.where));
  const std::string code = source_text(task.where);
  if (!code.empty())
    label += "\\n" + dot_escape(code.size() > 48 ? code.substr(0, 45) + "..." : code);
  return label;
}

// @p chained draws the arrows of a queue (front to back); a set of unordered boxes has none.
void dot_cluster(std::ostream& out, std::string_view id, std::string_view title,
                 const std::vector<std::string>& labels, bool chained = true) {
  out << "  subgraph cluster_" << id << " {\n    label=\"" << title << "\";\n";
  if (labels.empty()) {
    out << "    " << id << "_empty [label=\"(empty)\", style=dashed];\n";
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    out << "    " << id << i << " [label=\"" << labels[i] << "\"];\n";
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
      << "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=11];\n"
         "  edge [arrowsize=0.6];\n";
  if (options.frame != nullptr) {
    std::vector<std::string> running{dot_task(options.frame->task, to_string(options.frame->from))};
    dot_cluster(out, "running", "running now", running);
  }
  std::vector<std::string> labels;
  for (const TaskInfo& t : queues.microtasks) labels.push_back(dot_task(t, ""));
  dot_cluster(out, "micro", "microtask queue (drained completely first)", labels);
  labels.clear();
  for (const PendingEvent& e : queues.events) labels.push_back(dot_task(e.info, to_string(e.kind)));
  dot_cluster(out, "events", "event queue (one event per turn)", labels);
  labels.clear();
  for (const PendingTimer& t : queues.timers) {
    std::string extra = "due " + std::to_string(t.wakeup_ms) + " ms";
    if (t.periodic) extra += ", every " + std::to_string(t.period_ms) + " ms";
    if (!t.active) extra += ", cancelled";
    labels.push_back(dot_task(t.info, extra));
  }
  dot_cluster(out, "timers", "pending timers", labels);
  // Only programs with async functions get this box: the others would show an empty one.
  if (!queues.suspended.empty()) {
    labels.clear();
    for (const SuspendedFrame& f : queues.suspended) {
      labels.push_back(dot_task(f.info, short_function(f.info.where) + " waits"));
    }
    dot_cluster(out, "suspended", "async functions suspended (at their co_await)", labels, false);
  }
  out << "}\n";
}

}  // namespace dartloop
