// Scenario (step 2): a chain of 50 microtasks and three timers. The chain ends, so the timers
// run, but only after all 50: a drain is never cut short to let an event in.
#include <dartloop/dartloop.hpp>

#include "scenario.hpp"

using namespace dartloop;

namespace {
int left = 50;

void next_link() {
  scenario::flood_step();
  if (--left > 0) {
    schedule_microtask(next_link);
  } else {
    print("chain done");
  }
}
}  // namespace

int main() {
  EventLoop loop(ClockKind::virtual_time);
  loop.within([] {
    Timer::run([] { print("zero timer, chain left: ", left); });
    Timer(std::chrono::milliseconds(2), [] { print("2 ms timer, chain left: ", left); });
    schedule_microtask(next_link);
  });
  loop.elapse(std::chrono::milliseconds(5));
  print("done");
  return 0;
}
