// Tracing is the one source of truth for demos, diagrams and the grader's explanations:
// these tests pin what a trace records and what each writer produces.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "dartloop/dartloop.hpp"
#include "dartloop/trace_writers.hpp"
#include "dartloop/tracer.hpp"

using namespace dartloop;
using namespace std::chrono_literals;

namespace {

void seed_puzzle() {
  print("1");
  Timer::run([] { print("2"); });
  schedule_microtask([] { print("3"); });
  Timer(Duration::zero(), [] { print("4"); });
  schedule_microtask([] { print("5"); });
  print("6");
}

// Async functions for the suspend/resume tests: free functions (a coroutine lambda must not
// capture), each remembering the line of its `co_await` so a test can check `where`.
std::uint_least32_t value_await_line = 0;
Future<int> add_one_after_a_microtask(int x) {
  value_await_line = std::source_location::current().line() + 1;
  const int y = co_await x;
  co_return y + 1;
}

std::uint_least32_t pending_await_line = 0;
Future<void> wait_for(Future<int> f) {
  pending_await_line = std::source_location::current().line() + 1;
  (void)co_await f;
}

// Indices into the trace of the records with @p action, in order.
std::vector<std::size_t> where_action(const Tracer& t, TraceAction action) {
  std::vector<std::size_t> out;
  for (const TraceRecord& r : t.records()) {
    if (r.action == action) out.push_back(r.seq);
  }
  return out;
}

std::vector<std::string> starts(const Tracer& t) {
  std::vector<std::string> out;
  for (const TraceRecord& r : t.records()) {
    if (r.action == TraceAction::start) out.emplace_back(to_string(r.queue));
  }
  return out;
}

}  // namespace

TEST_CASE("a trace records every task start in the order the loop ran them", "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  loop.set_output([](std::string_view) {});
  Tracer trace(loop);
  REQUIRE(loop.run(seed_puzzle) == 0);
  CHECK(starts(trace) ==
        std::vector<std::string>{"event", "microtask", "microtask", "timer", "timer"});
  CHECK(trace.output() == std::vector<std::string>{"1", "6", "3", "5", "2", "4"});
  CHECK(trace.records().back().action == TraceAction::exit);
}

TEST_CASE("every scheduled task names the task that scheduled it and its source line",
          "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  Tracer trace(loop);
  TaskId main_id = 0;
  std::uint_least32_t line = 0;
  loop.run([&] {
    main_id = loop.running()->id;
    line = std::source_location::current().line() + 1;
    schedule_microtask([] {});
  });
  const auto it = std::find_if(trace.records().begin(), trace.records().end(), [](auto& r) {
    return r.action == TraceAction::schedule && r.queue == QueueKind::microtask;
  });
  REQUIRE(it != trace.records().end());
  CHECK(it->task.parent == main_id);
  CHECK(it->task.where.line() == line);
  CHECK(short_label(it->task.where).starts_with("test_tracing.cpp:"));
}

TEST_CASE("frames snapshot the queues with the running task already taken out", "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  loop.set_output([](std::string_view) {});
  Tracer trace(loop, Tracer::Options{.frames = true});
  loop.run(seed_puzzle);
  REQUIRE(trace.frames().size() == 5);
  const TraceFrame& second = trace.frames()[1];  // the first microtask ("3")
  CHECK(second.from == QueueKind::microtask);
  CHECK(second.queues.microtasks.size() == 1);  // "5" still waits
  CHECK(second.queues.events.size() == 2);      // the two zero-timer events
  CHECK(second.queues.events[0].kind == EventKind::zero_timer);
  CHECK(second.output_lines == 2);  // "1" and "6"
  const TraceFrame& last = trace.frames().back();
  CHECK(last.from == QueueKind::timer);
  CHECK(last.via == EventKind::zero_timer);
  CHECK(last.queues.events.empty());
}

TEST_CASE("JSON Lines has one valid object per record with action, queue and line", "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  loop.set_output([](std::string_view) {});
  Tracer trace(loop);
  loop.run(seed_puzzle);
  std::ostringstream out;
  write_json_lines(out, trace);
  std::istringstream in(out.str());
  std::size_t count = 0;
  std::size_t outputs = 0;
  for (std::string line; std::getline(in, line); ++count) {
    const auto j = nlohmann::json::parse(line);  // throws on malformed JSON
    CHECK(j.at("seq").get<std::size_t>() == count);
    if (j.at("action") == "start")
      CHECK(j.at("at").get<std::string>().find(".cpp:") != std::string::npos);
    if (j.at("action") == "output") ++outputs;
  }
  CHECK(count == trace.records().size());
  CHECK(outputs == 6);
}

TEST_CASE("the Chrome trace balances every slice and links schedules to starts", "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  loop.set_output([](std::string_view) {});
  Tracer trace(loop);
  loop.run(seed_puzzle);
  std::ostringstream out;
  write_chrome_trace(out, trace);
  const auto j = nlohmann::json::parse(out.str());
  int depth = 0;
  int flows_started = 0;
  int flows_finished = 0;
  double last_ts = -1;
  for (const auto& e : j.at("traceEvents")) {
    const std::string ph = e.at("ph");
    if (ph == "M") continue;
    const double ts = e.at("ts");
    CHECK(ts >= last_ts);  // virtual time is stretched so the order survives
    last_ts = ts;
    if (ph == "B") ++depth;
    if (ph == "E") --depth;
    CHECK(depth >= 0);
    if (ph == "s") ++flows_started;
    if (ph == "f") ++flows_finished;
  }
  CHECK(depth == 0);
  CHECK(flows_started == 4);  // main scheduled two microtasks and two timers
  CHECK(flows_finished == 4);
}

TEST_CASE("a DOT snapshot lists each queue front first and renders as a digraph", "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  loop.within([] {
    schedule_microtask([] {});
    Timer::run([] {});
    Timer(5ms, [] {});
  });
  std::ostringstream out;
  write_dot(out, loop.snapshot(), {.title = "snapshot"});
  const std::string dot = out.str();
  CHECK(dot.starts_with("digraph dartloop {"));
  CHECK(dot.find("cluster_micro") != std::string::npos);
  CHECK(dot.find("micro0 [label=\"#1") != std::string::npos);
  CHECK(dot.find("zero-timer") != std::string::npos);
  CHECK(dot.find("due 6 ms") != std::string::npos);  // 0 + 1 + 5: the VM's +1 ms rule
  CHECK(dot.find("(empty)") == std::string::npos);
}

TEST_CASE("a loop without observers records nothing and an attached tracer can detach",
          "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  {
    Tracer trace(loop);
    loop.within([] { schedule_microtask([] {}); });
    CHECK(trace.records().size() == 1);
  }
  loop.flush_microtasks();  // the tracer is gone: nothing may call into it
  CHECK(loop.pending_microtasks() == 0);
}

TEST_CASE("awaiting a value records suspend, then the microtask that resumes, resume inside it",
          "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  Tracer trace(loop);
  TaskId main_id = 0;
  REQUIRE(loop.run([&] {
    main_id = loop.running()->id;
    (void)add_one_after_a_microtask(1);
  }) == 0);
  const auto suspends = where_action(trace, TraceAction::suspend);
  const auto resumes = where_action(trace, TraceAction::resume);
  REQUIRE(suspends.size() == 1);
  REQUIRE(resumes.size() == 1);
  const TraceRecord& suspend = trace.records()[suspends[0]];
  const TraceRecord& resume = trace.records()[resumes[0]];
  CHECK(suspend.task.id == resume.task.id);
  CHECK(suspend.task.parent == main_id);  // the call was made by the main event
  CHECK(suspend.by == main_id);           // and parked inside it
  CHECK(suspend.task.where.line() == value_await_line);
  CHECK(std::string_view(suspend.task.where.function_name()).find("add_one_after_a_microtask") !=
        std::string_view::npos);
  // Between the two: the co_await queues one microtask, main ends, and that microtask starts;
  // the resume happens inside it.
  std::vector<TraceAction> between;
  for (std::size_t i = suspends[0] + 1; i < resumes[0]; ++i) {
    between.push_back(trace.records()[i].action);
  }
  CHECK(between ==
        std::vector<TraceAction>{TraceAction::schedule, TraceAction::end, TraceAction::start});
  const TraceRecord& queued = trace.records()[suspends[0] + 1];
  const TraceRecord& start = trace.records()[resumes[0] - 1];
  CHECK(queued.queue == QueueKind::microtask);
  CHECK(queued.task.where.line() == value_await_line);
  CHECK(start.queue == QueueKind::microtask);
  CHECK(start.task.id == queued.task.id);
  CHECK(resume.by == start.task.id);
  CHECK(trace.records()[resumes[0] + 1].action == TraceAction::end);
}

TEST_CASE("a call awaiting a pending future resumes inside the task that completes it",
          "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  Tracer trace(loop);
  REQUIRE(loop.run([] { (void)wait_for(Future<int>::delayed(5ms, [] { return 1; })); }) == 0);
  const auto suspends = where_action(trace, TraceAction::suspend);
  const auto resumes = where_action(trace, TraceAction::resume);
  REQUIRE(suspends.size() == 1);
  REQUIRE(resumes.size() == 1);
  CHECK(trace.records()[suspends[0]].task.where.line() == pending_await_line);
  // No microtask runs for the await: the next task to start is the timer, and it resumes.
  const auto timer = std::find_if(
      trace.records().begin() + static_cast<std::ptrdiff_t>(suspends[0]), trace.records().end(),
      [](const TraceRecord& r) { return r.action == TraceAction::start; });
  REQUIRE(timer != trace.records().end());
  CHECK(timer->queue == QueueKind::timer);
  CHECK(timer->seq < resumes[0]);
  CHECK(trace.records()[resumes[0]].by == timer->task.id);
  CHECK(trace.records()[resumes[0]].time == 6ms);  // the VM's wake-up: now + 1 ms + 5 ms
}

TEST_CASE("a frame lists the calls suspended at that moment, oldest call first", "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  Tracer trace(loop, Tracer::Options{.frames = true});
  const Completer<int> never;
  loop.run([&] {
    (void)add_one_after_a_microtask(1);
    (void)wait_for(never.future());
  });
  REQUIRE(trace.frames().size() == 2);  // main, then the microtask that resumes the first call
  CHECK(trace.frames()[0].queues.suspended.empty());
  const auto& parked = trace.frames()[1].queues.suspended;
  REQUIRE(parked.size() == 2);  // oldest call first
  CHECK(parked[0].info.where.line() == value_await_line);
  CHECK(parked[1].info.where.line() == pending_await_line);
  CHECK(parked[0].info.id < parked[1].info.id);
  CHECK(where_action(trace, TraceAction::suspend).size() == 2);
  CHECK(where_action(trace, TraceAction::resume).size() == 1);  // the second never resumes
}

TEST_CASE("JSON Lines writes suspend and resume with the call, its co_await and the waker",
          "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  Tracer trace(loop);
  loop.run([] { (void)add_one_after_a_microtask(1); });
  std::ostringstream out;
  write_json_lines(out, trace);
  std::istringstream in(out.str());
  std::vector<nlohmann::json> awaits;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j.at("action") == "suspend" || j.at("action") == "resume") awaits.push_back(std::move(j));
  }
  REQUIRE(awaits.size() == 2);
  CHECK(awaits[0].at("action") == "suspend");
  CHECK(awaits[1].at("action") == "resume");
  CHECK(awaits[0].at("id") == awaits[1].at("id"));
  const std::string at = "test_tracing.cpp:" + std::to_string(value_await_line);
  CHECK(awaits[0].at("at") == at);
  CHECK(awaits[1].at("at") == at);
  CHECK(awaits[0].at("function").get<std::string>().find("add_one_after_a_microtask") !=
        std::string::npos);
  CHECK(awaits[0].at("by") != awaits[1].at("by"));  // parked by main, woken by a microtask
  CHECK(awaits[1].at("by").get<TaskId>() != 0);
}

TEST_CASE("the Chrome trace draws each wait as an async slice, closed even if never resumed",
          "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  Tracer trace(loop);
  const Completer<int> never;
  loop.run([&] {
    (void)add_one_after_a_microtask(1);
    (void)wait_for(never.future());
  });
  std::ostringstream out;
  write_chrome_trace(out, trace);
  const auto j = nlohmann::json::parse(out.str());
  std::map<std::uint64_t, int> open;  // call id -> waits begun minus ended
  int begun = 0;
  int ended_unresumed = 0;
  double last_ts = -1;
  for (const auto& e : j.at("traceEvents")) {
    const std::string ph = e.at("ph");
    if (ph == "M") continue;
    CHECK(e.at("ts").get<double>() >= last_ts);
    last_ts = e.at("ts");
    if (ph != "b" && ph != "e") continue;
    CHECK(e.at("cat") == "await");
    const auto id = e.at("id").get<std::uint64_t>();
    if (ph == "b") {
      ++begun;
      CHECK(++open[id] == 1);  // a call waits at one co_await at a time
    } else {
      CHECK(--open[id] == 0);
      if (e.at("args").at("resumed_by").is_null()) ++ended_unresumed;
    }
  }
  CHECK(begun == 2);
  CHECK(ended_unresumed == 1);
  for (const auto& [id, n] : open) CHECK(n == 0);
}

TEST_CASE("a DOT snapshot shows suspended calls only when there are some", "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  const Completer<int> never;
  std::ostringstream before;
  write_dot(before, loop.snapshot(), {.title = "before"});
  CHECK(before.str().find("cluster_suspended") == std::string::npos);
  loop.within([&] { (void)wait_for(never.future()); });
  std::ostringstream after;
  write_dot(after, loop.snapshot(), {.title = "after"});
  CHECK(after.str().find("cluster_suspended") != std::string::npos);
  CHECK(after.str().find("test_tracing.cpp:" + std::to_string(pending_await_line)) !=
        std::string::npos);
}

TEST_CASE("short_function names a call by its bare name, even inside a coroutine", "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  Tracer trace(loop);
  loop.run([] {
    (void)add_one_after_a_microtask(1);
    (void)wait_for(Future<int>::sync([] { return 2; }));
  });
  const auto suspends = where_action(trace, TraceAction::suspend);
  REQUIRE(suspends.size() == 2);
  // GCC spells some awaits of a coroutine with its frame type as the parameter
  // ("void f(f(int)::_Z...Frame*)") and others plainly; both must come out the same.
  CHECK(short_function(trace.records()[suspends[0]].task.where) == "add_one_after_a_microtask()");
  CHECK(short_function(trace.records()[suspends[1]].task.where) == "wait_for()");
}

// --- Tracing a program that makes its own loops (lesson diagrams, demos of any program) ------

namespace {

// Counts the loops it hears of, and what each one still held when it went.
class CountingWatcher : public LoopWatcher {
 public:
  CountingWatcher() { EventLoop::set_watcher(this); }
  CountingWatcher(const CountingWatcher&) = delete;
  CountingWatcher& operator=(const CountingWatcher&) = delete;
  CountingWatcher(CountingWatcher&&) = delete;
  CountingWatcher& operator=(CountingWatcher&&) = delete;
  ~CountingWatcher() override { EventLoop::set_watcher(nullptr); }

  void on_loop_created(EventLoop& loop) override {
    ++created;
    queued_when_created += loop.pending_microtasks();
  }
  void on_loop_destroyed(EventLoop& loop) noexcept override {
    ++destroyed;
    microtasks_left = loop.pending_microtasks();
  }

  int created = 0;
  int destroyed = 0;
  std::size_t queued_when_created = 0;
  std::size_t microtasks_left = 0;
};

void spawned_prints(SendPort done) {
  print("in the isolate");
  done.send(0);
}

// The node labels of one cluster of a DOT file, in order ("" if there is no such cluster).
// Nodes are named @p prefix and a number (by default the cluster's id: "micro0", "micro1").
std::vector<std::string> cluster_labels(const std::string& dot, const std::string& id,
                                        const std::string& prefix = "") {
  std::vector<std::string> labels;
  const auto begin = dot.find("subgraph cluster_" + id + " {");
  if (begin == std::string::npos) return labels;
  const auto end = dot.find("\n  }\n", begin);
  const std::string body = dot.substr(begin, end - begin);
  const std::string node = "\n    " + (prefix.empty() ? id : prefix);
  for (auto at = body.find(node); at != std::string::npos; at = body.find(node, at + 1)) {
    const char after = body[at + node.size()];
    if (after < '0' || after > '9') continue;  // "micro_empty": a placeholder, not a task
    const auto open = body.find("[label=\"", at);
    const auto close = body.find("\", ", open);
    if (open == std::string::npos || close == std::string::npos) break;
    labels.push_back(body.substr(open + 8, close - open - 8));
  }
  return labels;
}

}  // namespace

TEST_CASE("a loop watcher hears of every loop made and destroyed, the queues still whole",
          "[tracing]") {
  CountingWatcher watcher;
  {
    EventLoop loop(ClockKind::virtual_time);
    CHECK(watcher.created == 1);
    CHECK(watcher.destroyed == 0);
    loop.within([] { schedule_microtask([] {}); });  // never run: still queued at the end
  }
  CHECK(watcher.created == 1);
  CHECK(watcher.destroyed == 1);
  CHECK(watcher.queued_when_created == 0);
  CHECK(watcher.microtasks_left == 1);
}

TEST_CASE("TraceEveryLoop traces a loop the program makes itself and hands its trace over",
          "[tracing]") {
  std::vector<std::string> output;
  std::vector<std::string> queues;
  std::size_t number = 0;
  {
    TraceEveryLoop tracing(Tracer::Options{.frames = true},
                           [&](const EventLoop&, const Tracer& trace, std::size_t n) {
                             output = trace.output();
                             queues = starts(trace);
                             number = n;
                             CHECK(trace.frames().size() == 5);
                           });
    CHECK(EventLoop::watcher() == &tracing);
    CHECK_THROWS_AS(TraceEveryLoop({}, {}), StateError);  // one watcher per process
    {
      // The "program": it knows nothing of the tracing.
      EventLoop loop(ClockKind::virtual_time);
      loop.set_output([](std::string_view) {});
      REQUIRE(loop.run(seed_puzzle) == 0);
      CHECK(output.empty());  // handed over only when the loop goes
    }
    CHECK(tracing.loops_created() == 1);
  }
  CHECK(EventLoop::watcher() == nullptr);
  CHECK(number == 1);
  CHECK(output == std::vector<std::string>{"1", "6", "3", "5", "2", "4"});
  CHECK(queues == std::vector<std::string>{"event", "microtask", "microtask", "timer", "timer"});
}

TEST_CASE("TraceEveryLoop traces a spawned isolate's loop too, on the isolate's thread",
          "[tracing]") {
  std::mutex mutex;
  std::map<std::size_t, std::vector<std::string>> outputs;
  {
    TraceEveryLoop tracing({}, [&](const EventLoop&, const Tracer& trace, std::size_t n) {
      const std::lock_guard lock(mutex);
      outputs[n] = trace.output();
    });
    EventLoop loop(ClockKind::virtual_time);
    loop.set_output([](std::string_view) {});
    loop.run([] {
      ReceivePort done;
      (void)Isolate::spawn(spawned_prints, done.send_port());
      done.listen([done](const Message&) {
        print("the isolate is done");
        done.close();
      });
    });
  }
  const std::lock_guard lock(mutex);
  REQUIRE(outputs.size() == 2);  // the main loop (1) and the isolate's (2)
  CHECK(outputs[1] == std::vector<std::string>{"the isolate is done"});
  CHECK(outputs[2] == std::vector<std::string>{"in the isolate"});
}

TEST_CASE("a DOT step diagram shows exactly the queues of the trace's frame", "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  loop.set_output([](std::string_view) {});
  Tracer trace(loop, Tracer::Options{.frames = true});
  loop.run(seed_puzzle);
  const auto ids = [](const std::vector<std::string>& labels) {
    std::vector<std::string> out;
    for (const std::string& l : labels) out.push_back(l.substr(0, l.find_first_of(" \\")));
    return out;
  };
  const auto hash = [](TaskId id) { return "#" + std::to_string(id); };
  for (const TraceFrame& frame : trace.frames()) {
    std::ostringstream out;
    write_dot(out, frame.queues, {.title = "step", .frame = &frame, .output = &trace.output()});
    const std::string dot = out.str();
    CHECK(ids(cluster_labels(dot, "running")) == std::vector<std::string>{hash(frame.task.id)});
    std::vector<std::string> want;
    for (const TaskInfo& t : frame.queues.microtasks) want.push_back(hash(t.id));
    CHECK(ids(cluster_labels(dot, "micro")) == want);
    want.clear();
    for (const PendingEvent& e : frame.queues.events) want.push_back(hash(e.info.id));
    CHECK(ids(cluster_labels(dot, "events")) == want);
    want.clear();
    for (const PendingTimer& t : frame.queues.timers) want.push_back(hash(t.info.id));
    CHECK(ids(cluster_labels(dot, "timers")) == want);
    std::string printed;
    for (std::size_t i = 0; i < frame.output_lines; ++i) printed += trace.output()[i] + "\\l";
    CHECK(dot.find("printed [label=\"" + (printed.empty() ? "(nothing yet)" : printed) + "\"") !=
          std::string::npos);
  }
}

// The boxes of a DOT timeline in run order: {lane, label} of b0, b1, ...
std::vector<std::pair<std::string, std::string>> timeline_boxes(const std::string& dot) {
  std::vector<std::pair<std::string, std::string>> boxes;
  for (std::size_t i = 0;; ++i) {
    const std::string node = "\n    b" + std::to_string(i) + " [label=\"";
    const auto at = dot.find(node);
    if (at == std::string::npos) break;
    const auto label_end = dot.find("\", group=\"", at);
    const auto lane_end = dot.find('"', label_end + 10);
    boxes.emplace_back(dot.substr(label_end + 10, lane_end - label_end - 10),
                       dot.substr(at + node.size(), label_end - at - node.size()));
  }
  return boxes;
}

TEST_CASE("a DOT timeline has one box per task in the order they ran, with what each printed",
          "[tracing]") {
  EventLoop loop(ClockKind::virtual_time);
  loop.set_output([](std::string_view) {});
  Tracer trace(loop);
  loop.within([] { print("before"); });
  loop.run(seed_puzzle);
  std::ostringstream out;
  write_dot_timeline(out, trace, {.title = "the seed puzzle"});
  const std::string dot = out.str();
  CHECK(dot.starts_with("digraph dartloop_timeline {"));
  const auto boxes = timeline_boxes(dot);
  // Lines printed outside any task, the five steps of the trace, the loop's end.
  REQUIRE(boxes.size() == 7);
  CHECK(boxes[0] == std::pair<std::string, std::string>{"outside", "prints: before\\l"});
  std::size_t step = 0;
  for (const TraceRecord& r : trace.records()) {
    if (r.action != TraceAction::start) continue;
    ++step;
    const auto& [lane, label] = boxes[step];
    CHECK(lane == to_string(r.queue));  // the lane of the queue the task came from
    CHECK(label.starts_with("step " + std::to_string(step) + ": " +
                            std::string(to_string(r.queue)) + " #" + std::to_string(r.task.id)));
  }
  CHECK(boxes[1].second.find("prints: 1\\lprints: 6\\l") != std::string::npos);
  CHECK(boxes[1].second.find("queued outside any task") != std::string::npos);
  CHECK(boxes[4].second.find(", in a zero-timer event") != std::string::npos);
  CHECK(boxes[4].second.find("queued in step 1") != std::string::npos);  // main scheduled it
  CHECK(boxes[4].second.find("prints: 2\\l") != std::string::npos);
  CHECK(boxes[6] ==
        std::pair<std::string, std::string>{"outside", "the loop ends, exit code 0\\l"});
  // The arrows follow the run: b0 -> b1 -> ... -> b6.
  for (int i = 1; i <= 6; ++i) {
    CHECK(dot.find("\n  b" + std::to_string(i - 1) + " -> b" + std::to_string(i) + " [") !=
          std::string::npos);
  }
}
