#include <array>

#include "scenario.hpp"

namespace dartloop::demo {

std::span<const Scenario> scenarios() {
  static constexpr std::array list{
      Scenario{"seed-puzzle", "print 1, an event, a microtask, a zero timer, a microtask, print 6",
               "Predict the output before you step: which queue does each line use?",
               run_seed_puzzle},
      Scenario{"starvation", "an endless microtask chain starves the event queue (watchdog on)",
               "Watch the event queue: its one event never gets a turn.", run_starvation},
      Scenario{"await",
               "two async functions take turns: who parks where, and which task wakes them",
               "Each await parks its call: a value resumes it one microtask later, a pending\n"
               "future resumes it inside the task that completes that future.",
               run_await},
  };
  return list;
}

}  // namespace dartloop::demo
