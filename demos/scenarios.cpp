#include <array>

#include "scenario.hpp"

namespace dartloop::demo {

std::span<const Scenario> scenarios() {
  static constexpr std::array generator_starvation_parts{
      Part{"a", "the generator yields and never awaits",
           "Each yield queues one microtask to resume the generator: the microtask queue never\n"
           "empties, so the frame timer's event waits at the front of the event queue forever.",
           run_generator_starvation_a},
      Part{"b", "the same generator awaits a zero-delay event after each yield",
           "After each yield the generator parks on an event: the microtask queue empties and\n"
           "the event queue alternates between the frame timer and the generator.",
           run_generator_starvation_b},
  };
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
      Scenario{"generator-starvation",
               "an async* generator that never awaits starves a timer; one await fixes it",
               "Two isolates, one after the other, each with a frame timer that wants every turn\n"
               "of the event queue: (a) the seed's endless generator, (b) the same one with an\n"
               "await after each yield. Watch whether the timer's event ever leaves its queue.",
               nullptr, generator_starvation_parts, generator_starvation_epilogue},
  };
  return list;
}

}  // namespace dartloop::demo
