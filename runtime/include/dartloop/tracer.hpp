#pragma once
/// @file
/// @brief Reference-only: records everything a loop does, the one source for demos and diagrams.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "dartloop/event_loop.hpp"
#include "dartloop/loop_observer.hpp"
#include "dartloop/queue_snapshot.hpp"

namespace dartloop {

/// @brief What happened in one trace record.
enum class TraceAction : std::uint8_t {
  schedule,  ///< A task joined a queue (a timer was armed).
  event,     ///< An event left the event queue and is being handled.
  start,     ///< A task started running.
  end,       ///< The task started last returned.
  cancel,    ///< A timer was cancelled.
  advance,   ///< Virtual time jumped forward.
  output,    ///< The isolate printed a line.
  uncaught,  ///< An uncaught error ended the isolate.
  exit,      ///< The loop stopped.
  suspend,   ///< An async function call parked at a `co_await` (task: the call and that line).
  resume,    ///< A parked async function call continues, inside the task running now.
};

/// @brief Lower-case name of a trace action, as written in JSON Lines.
[[nodiscard]] std::string_view to_string(TraceAction action) noexcept;

/// @brief One thing the loop did, in order.
struct TraceRecord {
  std::uint64_t seq = 0;                       ///< Position in the trace, from 0.
  TraceAction action = TraceAction::schedule;  ///< What happened.
  QueueKind queue = QueueKind::event;          ///< The queue concerned (schedule/start/end).
  EventKind event_kind = EventKind::task;      ///< For `event` records and event schedules.
  TaskInfo task;                               ///< The task concerned.
  Duration time{0};                            ///< Loop time when it happened.
  Duration to{0};                              ///< New time, for `advance`.
  std::string text;                            ///< Printed line or error report.
  TaskId by = 0;                               ///< For `suspend`/`resume`: the task running then.
  int exit_code = 0;                           ///< For `exit`.
};

/// @brief One step of a run as a demo shows it: the task about to run and the queues around it.
struct TraceFrame {
  std::uint64_t seq = 0;              ///< The `start` record this frame belongs to.
  QueueKind from = QueueKind::event;  ///< Where the task came from.
  EventKind via = EventKind::task;    ///< For timers: the event that released them.
  TaskInfo task;                      ///< The task about to run.
  QueueSnapshot queues;               ///< Queues with the task already taken out.
  std::size_t output_lines = 0;       ///< Lines printed before this step.
};

/// @brief Records a loop's trace (and, optionally, a snapshot of its queues at every step).
///
/// Attach it before running; everything the loop does is kept in memory in the
/// order it happened. Writers (`trace_writers.hpp`) turn a trace into JSON
/// Lines, a Chrome trace for Perfetto, or Graphviz diagrams; the demo viewer
/// renders its frames. Nothing re-simulates the loop: every frame is a real
/// snapshot taken by the loop itself.
class Tracer : public LoopObserver {
 public:
  /// @brief What to record besides the records.
  struct Options {
    bool frames = false;  ///< Take a queue snapshot at every task start (demos, diagrams).
  };

  /// @brief Starts recording @p loop.
  explicit Tracer(EventLoop& loop) : Tracer(loop, Options{}) {}
  /// @brief Starts recording @p loop with @p options.
  Tracer(EventLoop& loop, Options options);
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;
  Tracer(Tracer&&) = delete;
  Tracer& operator=(Tracer&&) = delete;
  /// @brief Stops recording.
  ~Tracer() override;

  /// @brief All records so far, in order.
  [[nodiscard]] const std::vector<TraceRecord>& records() const noexcept { return records_; }
  /// @brief One frame per task start (empty unless `Options::frames`).
  [[nodiscard]] const std::vector<TraceFrame>& frames() const noexcept { return frames_; }
  /// @brief Every line printed so far.
  [[nodiscard]] const std::vector<std::string>& output() const noexcept { return output_; }
  /// @brief The clock the traced loop runs on.
  [[nodiscard]] ClockKind clock_kind() const noexcept { return clock_; }
  /// @brief The loop's exit code once it stopped (else 0).
  [[nodiscard]] int exit_code() const noexcept { return exit_code_; }

  void on_schedule(QueueKind queue, const TaskInfo& task, Duration now) override;
  void on_start(QueueKind queue, const TaskInfo& task, Duration now) override;
  void on_end(QueueKind queue, const TaskInfo& task, Duration now) override;
  void on_event(EventKind kind, const TaskInfo& event, Duration now) override;
  void on_cancel(const TaskInfo& timer, Duration now) override;
  void on_advance(Duration from, Duration to) override;
  void on_output(std::string_view line, Duration now) override;
  void on_uncaught(std::string_view message, const TaskInfo& task, Duration now) override;
  void on_suspend(const TaskInfo& frame, Duration now) override;
  void on_resume(const TaskInfo& frame, Duration now) override;
  void on_exit(int exit_code, Duration now) override;

 private:
  TraceRecord& add(TraceAction action, Duration now);

  EventLoop& loop_;
  Options options_;
  ClockKind clock_;
  std::vector<TraceRecord> records_;
  std::vector<TraceFrame> frames_;
  std::vector<std::string> output_;
  EventKind current_event_ = EventKind::task;
  int exit_code_ = 0;
};

/// @brief Reference-only: traces every loop of the process, including ones a program makes
/// itself, and hands each finished trace over when its loop goes away.
///
/// It is the `LoopWatcher` of the process while it lives: each loop created meanwhile gets a
/// `Tracer` of its own (with `options`), whichever thread makes it, so a spawned isolate's
/// loop is traced on its own thread too. Just before a loop is destroyed, `finished` is
/// called on that loop's thread with the complete trace and the loop's number in creation
/// order (from 1), then the tracer detaches. Lesson diagrams link a program with one of
/// these to trace it without changing a line of it.
class TraceEveryLoop : public LoopWatcher {
 public:
  /// @brief Receives a finished trace: the loop, its trace, its number (1 = made first).
  using Finished =
      std::function<void(const EventLoop& loop, const Tracer& trace, std::size_t number)>;

  /// @brief Installs itself as the process's loop watcher; throws `StateError` if one is set.
  TraceEveryLoop(Tracer::Options options, Finished finished);
  TraceEveryLoop(const TraceEveryLoop&) = delete;
  TraceEveryLoop& operator=(const TraceEveryLoop&) = delete;
  TraceEveryLoop(TraceEveryLoop&&) = delete;
  TraceEveryLoop& operator=(TraceEveryLoop&&) = delete;
  /// @brief Uninstalls itself (destroy it only after the loops it traces are gone).
  ~TraceEveryLoop() override;

  /// @brief How many loops were created while it was installed.
  [[nodiscard]] std::size_t loops_created() const;

  void on_loop_created(EventLoop& loop) override;
  void on_loop_destroyed(EventLoop& loop) noexcept override;

 private:
  struct Traced {
    const EventLoop* loop;
    std::size_t number;
    std::unique_ptr<Tracer> tracer;
  };

  Tracer::Options options_;
  Finished finished_;
  mutable std::mutex mutex_;  // loops of several isolates come and go on their own threads
  std::size_t created_ = 0;
  std::vector<Traced> live_;
};

/// @brief `file:line` with the file's directories left out ("puzzle.cpp:12").
[[nodiscard]] std::string short_label(const std::source_location& where);

/// @brief The bare name of the function @p where is in, with "()" ("inner()"; "" if unknown).
[[nodiscard]] std::string short_function(const std::source_location& where);

/// @brief The source text of the line @p where points at, trimmed ("" if the file is gone).
[[nodiscard]] std::string source_text(const std::source_location& where);

}  // namespace dartloop
