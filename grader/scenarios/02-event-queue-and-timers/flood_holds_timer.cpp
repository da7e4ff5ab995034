// Scenario (step 2): a microtask that schedules itself again and again. The timer that would
// stop it is due at once, but an event runs only when the microtask queue is empty, which it
// never is: the loop starves (the grader stops it at its step budget).
#include <dartloop/dartloop.hpp>

#include "scenario.hpp"

using namespace dartloop;

namespace {
bool stop = false;

void spin() {
  scenario::flood_step();
  if (!stop) schedule_microtask(spin);
}
}  // namespace

int main() {
  EventLoop loop(ClockKind::virtual_time);
  loop.within([] {
    Timer::run([] {
      print("the timer stops the flood");
      stop = true;
    });
    schedule_microtask(spin);
    print("flood started");
  });
  loop.run_until_idle();
  print("idle");
  return 0;
}
