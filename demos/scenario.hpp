#pragma once
// A demo scenario: a small Dart-style program plus how the demo should run it.

#include <span>
#include <string_view>

#include "dartloop/event_loop.hpp"

namespace dartloop::demo {

/// One runnable demo program.
struct Scenario {
  std::string_view name;     ///< What `./kit demo NAME` calls it.
  std::string_view summary;  ///< One line for `--list`.
  std::string_view lesson;   ///< What to watch for, shown before the first step.
  /// Runs the program on @p loop (a virtual-clock loop already being traced); returns its exit
  /// code.
  int (*run)(EventLoop& loop);
};

/// Every scenario, in catalogue order.
std::span<const Scenario> scenarios();

// Each scenario lives in its own file under scenarios/.
int run_seed_puzzle(EventLoop& loop);
int run_starvation(EventLoop& loop);
int run_await(EventLoop& loop);

}  // namespace dartloop::demo
