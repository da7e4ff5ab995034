#pragma once
// A demo scenario: a small Dart-style program plus how the demo should run it.

#include <span>
#include <string>
#include <string_view>

#include "dartloop/event_loop.hpp"

namespace dartloop::demo {

/// One isolate of a scenario that compares several programs: each runs on its own loop and is
/// replayed under its own heading, one after the other.
struct Part {
  std::string_view label;   ///< Short tag ("a"): in the heading and in the export file names.
  std::string_view title;   ///< The heading above its replay.
  std::string_view lesson;  ///< What to watch for in this part.
  /// Runs the program on @p loop (a fresh loop on `clock`, already being traced); returns its
  /// exit code.
  int (*run)(EventLoop& loop);
  /// The virtual clock replays identically; a part that measures real threads or sockets
  /// needs the real one.
  ClockKind clock = ClockKind::virtual_time;
};

/// One runnable demo program.
struct Scenario {
  std::string_view name;     ///< What `./kit demo NAME` calls it.
  std::string_view summary;  ///< One line for `--list`.
  std::string_view lesson;   ///< What to watch for, shown before the first step.
  /// Runs the program on @p loop (a loop on `clock`, already being traced); returns its exit
  /// code. Null when the scenario is made of `parts`.
  int (*run)(EventLoop& loop) = nullptr;
  /// Or several isolates, replayed one after the other; the demo then exits with the first
  /// non-zero exit code among them (0 if they all end normally).
  std::span<const Part> parts = {};
  /// Optional text shown after the last replay (e.g. the parts' results side by side).
  std::string (*epilogue)() = nullptr;
  /// The clock of `run`'s loop (each part names its own): real for programs whose point is
  /// that other threads or the network work while wall-clock time passes.
  ClockKind clock = ClockKind::virtual_time;
};

/// Every scenario, in catalogue order.
std::span<const Scenario> scenarios();

// Each scenario lives in its own file under scenarios/.
int run_seed_puzzle(EventLoop& loop);
int run_starvation(EventLoop& loop);
int run_await(EventLoop& loop);
int run_generator_starvation_a(EventLoop& loop);
int run_generator_starvation_b(EventLoop& loop);
std::string generator_starvation_epilogue();
int run_isolate_run_a(EventLoop& loop);
int run_isolate_run_b(EventLoop& loop);
std::string isolate_run_epilogue();
int run_network(EventLoop& loop);

}  // namespace dartloop::demo
