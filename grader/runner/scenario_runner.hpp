// The scenario runner's hooks for the reference side (scenario_reference.cpp): the runner
// itself knows no runtime, so the reference's tracing plugs in here.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dartloop::scenario_runner {

/// What the reference side adds around a scenario's own main.
struct Hooks {
  /// Before the scenario's main, with the program's arguments after the runner's own.
  std::function<void(const std::vector<std::string>& args)> before;
  /// After the run ended: "completes", "deadlocks", "starves" or "crashes".
  std::function<void(std::string_view ending)> after;
};

/// The hooks, empty unless the reference side set them (from a static initializer).
Hooks& hooks();

}  // namespace dartloop::scenario_runner
