#include "dartloop/tracer.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "dartloop/errors.hpp"

namespace dartloop {

std::string_view to_string(TraceAction action) noexcept {
  switch (action) {
    case TraceAction::schedule: return "schedule";
    case TraceAction::event: return "event";
    case TraceAction::start: return "start";
    case TraceAction::end: return "end";
    case TraceAction::cancel: return "cancel";
    case TraceAction::advance: return "advance";
    case TraceAction::output: return "output";
    case TraceAction::uncaught: return "uncaught";
    case TraceAction::exit: return "exit";
    case TraceAction::suspend: return "suspend";
    case TraceAction::resume: return "resume";
  }
  return "?";
}

Tracer::Tracer(EventLoop& loop, Options options)
    : loop_(loop), options_(options), clock_(loop.clock_kind()) {
  loop_.add_observer(*this);
}

Tracer::~Tracer() { loop_.remove_observer(*this); }

TraceRecord& Tracer::add(TraceAction action, Duration now) {
  TraceRecord& r = records_.emplace_back();
  r.seq = records_.size() - 1;
  r.action = action;
  r.time = now;
  return r;
}

void Tracer::on_schedule(QueueKind queue, const TaskInfo& task, Duration now) {
  TraceRecord& r = add(TraceAction::schedule, now);
  r.queue = queue;
  r.task = task;
}

void Tracer::on_event(EventKind kind, const TaskInfo& event, Duration now) {
  TraceRecord& r = add(TraceAction::event, now);
  r.queue = QueueKind::event;
  r.event_kind = kind;
  r.task = event;
  current_event_ = kind;
}

void Tracer::on_start(QueueKind queue, const TaskInfo& task, Duration now) {
  TraceRecord& r = add(TraceAction::start, now);
  r.queue = queue;
  r.task = task;
  if (queue == QueueKind::microtask) current_event_ = EventKind::task;
  if (options_.frames) {
    frames_.push_back(TraceFrame{r.seq, queue,
                                 queue == QueueKind::timer ? current_event_ : EventKind::task, task,
                                 loop_.snapshot(), output_.size()});
  }
}

void Tracer::on_end(QueueKind queue, const TaskInfo& task, Duration now) {
  TraceRecord& r = add(TraceAction::end, now);
  r.queue = queue;
  r.task = task;
}

void Tracer::on_cancel(const TaskInfo& timer, Duration now) {
  TraceRecord& r = add(TraceAction::cancel, now);
  r.queue = QueueKind::timer;
  r.task = timer;
}

void Tracer::on_advance(Duration from, Duration to) {
  TraceRecord& r = add(TraceAction::advance, from);
  r.to = to;
}

void Tracer::on_output(std::string_view line, Duration now) {
  TraceRecord& r = add(TraceAction::output, now);
  r.text = line;
  if (loop_.running() != nullptr) r.task = *loop_.running();
  output_.emplace_back(line);
}

void Tracer::on_uncaught(std::string_view message, const TaskInfo& task, Duration now) {
  TraceRecord& r = add(TraceAction::uncaught, now);
  r.text = message;
  r.task = task;
}

// Both keep the running task as well: a lecturer's question is "which task wakes this call?",
// and the frame's own info only says which call and where it waits.
void Tracer::on_suspend(const TaskInfo& frame, Duration now) {
  TraceRecord& r = add(TraceAction::suspend, now);
  r.task = frame;
  if (loop_.running() != nullptr) r.by = loop_.running()->id;
}

void Tracer::on_resume(const TaskInfo& frame, Duration now) {
  TraceRecord& r = add(TraceAction::resume, now);
  r.task = frame;
  if (loop_.running() != nullptr) r.by = loop_.running()->id;
}

void Tracer::on_exit(int exit_code, Duration now) {
  TraceRecord& r = add(TraceAction::exit, now);
  r.exit_code = exit_code;
  exit_code_ = exit_code;
}

TraceEveryLoop::TraceEveryLoop(Tracer::Options options, Finished finished)
    : options_(options), finished_(std::move(finished)) {
  if (EventLoop::watcher() != nullptr) {
    throw StateError("TraceEveryLoop: another loop watcher is installed already");
  }
  EventLoop::set_watcher(this);
}

TraceEveryLoop::~TraceEveryLoop() {
  if (EventLoop::watcher() == this) EventLoop::set_watcher(nullptr);
}

std::size_t TraceEveryLoop::loops_created() const {
  const std::lock_guard lock(mutex_);
  return created_;
}

void TraceEveryLoop::on_loop_created(EventLoop& loop) {
  auto tracer = std::make_unique<Tracer>(loop, options_);  // attaches on the loop's thread
  const std::lock_guard lock(mutex_);
  live_.push_back(Traced{&loop, ++created_, std::move(tracer)});
}

void TraceEveryLoop::on_loop_destroyed(EventLoop& loop) noexcept {
  Traced traced{nullptr, 0, nullptr};
  {
    const std::lock_guard lock(mutex_);
    const auto it =
        std::find_if(live_.begin(), live_.end(), [&](const Traced& t) { return t.loop == &loop; });
    if (it == live_.end()) return;  // made before this watcher was installed
    traced = std::move(*it);
    live_.erase(it);
  }
  // Outside the lock: `finished` may take its time (write files) while other isolates go on.
  try {
    if (finished_) finished_(loop, *traced.tracer, traced.number);
  } catch (...) {
    // A tool's failure must not take the program down from inside a destructor; the
    // callback reports its own errors.
  }
  traced.tracer.reset();  // detaches while the loop is still whole
}

std::string short_label(const std::source_location& where) {
  std::string_view file = where.file_name();
  if (const auto slash = file.find_last_of('/'); slash != std::string_view::npos) {
    file.remove_prefix(slash + 1);
  }
  if (file.empty()) return "?";
  return std::string(file) + ':' + std::to_string(where.line());
}

std::string short_function(const std::source_location& where) {
  // GCC spells out the return type, the namespaces and the parameters (inside a coroutine
  // even its frame type); a projector line or a diagram box has room for the name alone.
  const std::string_view full = where.function_name();
  int depth = 0;  // inside <...>, a '(' belongs to a template argument
  std::size_t open = std::string_view::npos;
  for (std::size_t i = 0; i < full.size() && open == std::string_view::npos; ++i) {
    if (full[i] == '<') ++depth;
    if (full[i] == '>' && depth > 0) --depth;
    if (full[i] == '(' && depth == 0) open = i;
  }
  if (open == std::string_view::npos) return std::string(full);
  std::string_view head = full.substr(0, open);
  if (const auto cut = head.find_last_of(": "); cut != std::string_view::npos) {
    head.remove_prefix(cut + 1);
  }
  std::string name = std::string(head) + "()";
  if (full.find("<lambda", open) != std::string_view::npos) name = "lambda in " + name;
  return name;
}

std::string source_text(const std::source_location& where) {
  // Demos show the same few lines many times: read each file once.
  static std::mutex mutex;
  static std::map<std::string, std::vector<std::string>, std::less<>> files;
  const std::lock_guard lock(mutex);
  auto it = files.find(std::string_view(where.file_name()));
  if (it == files.end()) {
    std::vector<std::string> lines;
    std::ifstream in(where.file_name());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    it = files.emplace(where.file_name(), std::move(lines)).first;
  }
  const std::vector<std::string>& lines = it->second;
  if (where.line() == 0 || where.line() > lines.size()) return {};
  const std::string& line = lines[where.line() - 1];
  const auto first = line.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  const auto last = line.find_last_not_of(" \t\r");
  return line.substr(first, last - first + 1);
}

}  // namespace dartloop
