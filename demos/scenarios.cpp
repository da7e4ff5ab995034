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
  static constexpr std::array isolate_run_parts{
      Part{"a", "the heavy computation runs on the main isolate",
           "The tap's callback counts primes for a few hundred milliseconds. A task runs to\n"
           "completion, so the frame timer's events wait: watch the clock jump between two\n"
           "steps and the frame count stand still.",
           run_isolate_run_a, ClockKind::real_time},
      Part{"b", "the same computation in Isolate::run",
           "The tap hands the work to a new isolate (another thread) and parks at its\n"
           "co_await; the frame timer keeps its 16 ms pace until the result arrives as a\n"
           "message, i.e. one more event.",
           run_isolate_run_b, ClockKind::real_time},
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
      Scenario{"isolate-run",
               "a heavy computation freezes a 60 fps frame timer; Isolate::run keeps it going",
               "Two isolates, one after the other, each with a 60 fps frame timer (16 ms) and a\n"
               "tap at 50 ms that counts primes: (a) on the main isolate, (b) in Isolate::run.\n"
               "Real clock: the point is another thread working while real time passes, which a\n"
               "virtual clock cannot show (it moves only when the loop is idle); so the numbers\n"
               "vary from run to run.",
               nullptr, isolate_run_parts, isolate_run_epilogue},
      Scenario{
          .name = "network",
          .summary =
              "a button's HTTP request to a slow server: ticks go on, the response is an event",
          .lesson =
              "A server isolate answers after 200 ms. The click starts http_get and returns;\n"
              "the ticker keeps ticking and the response arrives as one event, scheduled at the\n"
              "http_get line. Real clock and real sockets: the tick count varies, the order not.",
          .run = run_network,
          .clock = ClockKind::real_time},
  };
  return list;
}

}  // namespace dartloop::demo
