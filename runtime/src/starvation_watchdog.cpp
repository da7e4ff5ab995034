#include "dartloop/starvation_watchdog.hpp"

#include <chrono>
#include <string>

#include "dartloop/tracer.hpp"

namespace dartloop {

namespace {

std::string where_of(const TaskInfo& task) {
  if (task.where.line() == 0) return "an unknown line";
  std::string text = short_label(task.where);
  const std::string_view fn = task.where.function_name();
  if (!fn.empty()) text += " (in " + std::string(fn) + ")";
  return text;
}

std::string micros_text(std::uint64_t us) {
  return std::to_string(us / 1000) + "." + std::to_string(us % 1000 / 100) + " ms";
}

}  // namespace

StarvationWatchdog::StarvationWatchdog(EventLoop& loop, StarvationBudget budget,
                                       Stopwatch stopwatch)
    : loop_(loop), budget_(budget), stopwatch_(std::move(stopwatch)) {
  if (!stopwatch_) {
    const auto origin = std::chrono::steady_clock::now();
    stopwatch_ = [origin] {
      return std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - origin);
    };
  }
  loop_.add_observer(*this);
}

StarvationWatchdog::~StarvationWatchdog() { loop_.remove_observer(*this); }

void StarvationWatchdog::on_schedule(QueueKind queue, const TaskInfo& task, Duration) {
  if (queue != QueueKind::microtask) return;
  // A microtask scheduled by a microtask continues its chain; any other starts a new one.
  chain_origin_[task.id] = running_microtask_ ? running_origin_ : task;
}

void StarvationWatchdog::on_start(QueueKind queue, const TaskInfo& task, Duration) {
  if (queue != QueueKind::microtask) {
    in_drain_ = false;
    running_microtask_ = false;
    running_event_ = task;
    if (budget_.event_time.count() > 0) event_started_ = stopwatch_();
    return;
  }
  if (const auto it = chain_origin_.find(task.id); it != chain_origin_.end()) {
    running_origin_ = it->second;
    chain_origin_.erase(it);
  } else {
    running_origin_ = task;
  }
  running_microtask_ = true;
  if (!in_drain_) {
    in_drain_ = true;
    drained_ = 0;
    if (budget_.drain_time.count() > 0) drain_started_ = stopwatch_();
  }
  ++drained_;
  if (budget_.microtasks_per_drain > 0 && drained_ > budget_.microtasks_per_drain) {
    breach(StarvationKind::microtask_flood, drained_, budget_.microtasks_per_drain,
           running_origin_);
    return;
  }
  if (budget_.drain_time.count() > 0) {
    const Duration spent = stopwatch_() - drain_started_;
    if (spent > budget_.drain_time) {
      breach(StarvationKind::slow_drain, static_cast<std::uint64_t>(spent.count()),
             static_cast<std::uint64_t>(budget_.drain_time.count()), running_origin_);
    }
  }
}

void StarvationWatchdog::on_end(QueueKind queue, const TaskInfo& task, Duration) {
  if (queue == QueueKind::microtask) {
    running_microtask_ = false;
    return;
  }
  if (budget_.event_time.count() > 0 && task.id == running_event_.id) {
    const Duration spent = stopwatch_() - event_started_;
    if (spent > budget_.event_time) {
      breach(StarvationKind::blocked_event, static_cast<std::uint64_t>(spent.count()),
             static_cast<std::uint64_t>(budget_.event_time.count()), task);
    }
  }
}

void StarvationWatchdog::breach(StarvationKind kind, std::uint64_t observed, std::uint64_t limit,
                                const TaskInfo& culprit) {
  if (report_) return;
  StarvationReport r;
  r.kind = kind;
  r.observed = observed;
  r.limit = limit;
  r.culprit = culprit;
  r.events_waiting = loop_.pending_events();
  r.timers_waiting = loop_.pending_timers();

  // Every report has the same five lines; only the wording of three of them differs by kind.
  struct Wording {
    const char* title;
    std::string budget;
    const char* culprit;
    const char* why;
  };
  const Wording w = [&]() -> Wording {
    switch (kind) {
      case StarvationKind::microtask_flood:
        return {"microtask starvation",
                std::to_string(limit) + " microtasks in one drain; microtask " +
                    std::to_string(observed) + " was about to start",
                "the microtask chain started at",
                "each microtask schedules another before the queue empties, and the loop\n"
                "           only takes an event once the microtask queue is empty"};
      case StarvationKind::slow_drain:
        return {"slow microtask drain",
                micros_text(limit) + " in one drain; this one has taken " + micros_text(observed),
                "the microtask chain started at",
                "no event can run until the microtask queue is empty"};
      case StarvationKind::blocked_event: break;
    }
    return {"an event blocked the loop",
            micros_text(limit) + " in one event; this one took " + micros_text(observed),
            "the task scheduled at",
            "an isolate runs one task at a time, so nothing else ran meanwhile"};
  }();
  std::string& m = r.message;
  m = std::string("dartloop watchdog: ") + w.title + "\n  budget:  " + w.budget +
      "\n  culprit: " + w.culprit + " " + where_of(culprit) +
      "\n  waiting: " + std::to_string(r.events_waiting) + " event(s) and " +
      std::to_string(r.timers_waiting) + " timer(s) waiting" + "\n  why:     " + w.why;
  m += "\n  the isolate was stopped with exit code " + std::to_string(exit_starvation);
  loop_.write_error(m);
  report_ = std::move(r);
  loop_.stop(exit_starvation);
}

}  // namespace dartloop
