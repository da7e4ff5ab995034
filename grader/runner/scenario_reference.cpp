// The reference side of a scenario program: the scenario runner plus the reference runtime's
// tracer. Besides running the scenario it writes, with `--explain FILE`, where each printed
// line came from in the reference run: the task that printed it (its queue, the line that
// scheduled it) and what waited in the queues at that moment. The grader reads this to
// explain a learner's first divergence in the queues' terms. Every fact comes from the
// tracer's records and snapshots of the real run; nothing here re-simulates the loop.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dartloop/tracer.hpp"
#include "scenario_runner.hpp"

namespace {

using dartloop::EventLoop;
using dartloop::QueueSnapshot;
using dartloop::TaskInfo;
using dartloop::TraceAction;
using dartloop::TraceFrame;
using dartloop::Tracer;
using nlohmann::json;

json task_json(const TaskInfo& info) {
  return {{"where", dartloop::short_label(info.where)},
          {"line", info.where.line()},
          {"code", dartloop::source_text(info.where)},
          {"function", dartloop::short_function(info.where)}};
}

json waiting_json(const QueueSnapshot& q) {
  json microtasks = json::array();
  for (const auto& m : q.microtasks) microtasks.push_back(task_json(m));
  json events = json::array();
  for (const auto& e : q.events) {
    json j = task_json(e.info);
    j["kind"] = std::string(dartloop::to_string(e.kind));
    events.push_back(std::move(j));
  }
  json timers = json::array();
  for (const auto& t : q.timers) {
    // A zero timer already stands in the event queue as its own event: list it once.
    const bool queued = std::any_of(q.events.begin(), q.events.end(),
                                    [&](const auto& e) { return e.info.id == t.info.id; });
    if (!t.active || queued) continue;
    json j = task_json(t.info);
    j["due_ms"] = t.wakeup_ms;
    timers.push_back(std::move(j));
  }
  return {{"microtasks", std::move(microtasks)},
          {"events", std::move(events)},
          {"timers", std::move(timers)}};
}

// One JSON line per printed line of one loop, in the order printed.
void explain(std::ostream& out, const Tracer& trace, std::size_t loop_number, bool live) {
  std::map<std::uint64_t, const TraceFrame*> frame_of;  // start record -> its frame
  for (const auto& f : trace.frames()) frame_of[f.seq] = &f;
  std::vector<std::uint64_t> running;  // start records of the tasks running, innermost last
  const TraceFrame* last_frame = nullptr;
  for (const auto& r : trace.records()) {
    if (r.action == TraceAction::start) {
      running.push_back(r.seq);
      if (auto it = frame_of.find(r.seq); it != frame_of.end()) last_frame = it->second;
    } else if (r.action == TraceAction::end) {
      if (!running.empty()) running.pop_back();
    } else if (r.action == TraceAction::output) {
      json line = {
          {"loop", loop_number},
          {"text", r.text},
          {"time_ms", std::chrono::duration_cast<std::chrono::milliseconds>(r.time).count()}};
      const auto it = running.empty() ? frame_of.end() : frame_of.find(running.back());
      if (it != frame_of.end()) {
        const TraceFrame& f = *it->second;
        json task = task_json(f.task);
        task["queue"] = std::string(dartloop::to_string(f.from));
        task["via"] = std::string(dartloop::to_string(f.via));
        line["task"] = std::move(task);
        line["waiting"] = waiting_json(f.queues);
      }
      out << line.dump() << '\n';
    }
  }
  if (live && last_frame != nullptr) {
    // A run stopped by a flood: what waited when the last task began, the events and timers
    // the flood kept waiting.
    out << json{{"loop", loop_number}, {"last_waiting", waiting_json(last_frame->queues)}}.dump()
        << '\n';
  }
}

// Traces every loop of the scenario (isolates included) and writes each one's explanation
// when it is destroyed, or, for a run stopped by a flood, at that moment.
class Explainer : public dartloop::LoopWatcher {
 public:
  explicit Explainer(const std::string& file) : out_(file, std::ios::trunc) {
    if (!out_) {
      std::cerr << "scenario: cannot write " << file << '\n';
      std::exit(2);
    }
  }

  void on_loop_created(EventLoop& loop) override {
    const std::lock_guard lock(mutex_);
    live_.push_back(
        {&loop, ++created_, std::make_unique<Tracer>(loop, Tracer::Options{.frames = true})});
  }

  void on_loop_destroyed(EventLoop& loop) noexcept override {
    const std::lock_guard lock(mutex_);
    const auto it =
        std::find_if(live_.begin(), live_.end(), [&](const Live& l) { return l.loop == &loop; });
    if (it == live_.end()) return;
    try {
      explain(out_, *it->tracer, it->number, false);
    } catch (...) {
      // An explanation is a help for the grader's report, never a reason to fail a run.
    }
    live_.erase(it);
  }

  // The run ended with loops still alive (a flood stopped it): explain them as they are.
  void flush_live() {
    const std::lock_guard lock(mutex_);
    for (const auto& l : live_) explain(out_, *l.tracer, l.number, true);
    out_.flush();
  }

 private:
  struct Live {
    const EventLoop* loop;
    std::size_t number;
    std::unique_ptr<Tracer> tracer;
  };
  std::mutex mutex_;
  std::ofstream out_;
  std::size_t created_ = 0;
  std::vector<Live> live_;
};

// Made in `before`, kept for the whole process: a flood ends it with _Exit, so nothing here
// may rely on destructors.
Explainer* explainer = nullptr;

const bool installed = [] {
  auto& h = dartloop::scenario_runner::hooks();
  h.before = [](const std::vector<std::string>& args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "--explain" && i + 1 < args.size()) {
        static Explainer e(args[++i]);
        explainer = &e;
        EventLoop::set_watcher(&e);
      } else {
        std::cerr << "scenario: unknown option " << args[i]
                  << " (--scenario ID, --budget STEPS, --explain FILE)\n";
        std::exit(2);
      }
    }
  };
  h.after = [](std::string_view ending) {
    if (explainer == nullptr) return;
    explainer->flush_live();  // only a flood leaves loops alive here
    if (ending != "starves") EventLoop::set_watcher(nullptr);
  };
  return true;
}();

}  // namespace
