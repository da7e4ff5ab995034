// Scenario (step 6): an async function that awaits an already complete future in a loop. Each
// await resumes in a microtask, so the loop is one endless chain of microtasks and the timer
// that would end it never fires: the loop starves, as Dart's `while (!stop) await null;` does.
#include <dartloop/dartloop.hpp>

#include "scenario.hpp"

using namespace dartloop;

namespace {
bool stop = false;

Future<void> busy() {
  int turns = 0;
  while (!stop) {
    scenario::flood_step();
    co_await Future<void>::value();
    ++turns;
  }
  print("busy saw the stop after ", turns, " turns");
}
}  // namespace

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    Timer::run([] {
      print("timer: stop");
      stop = true;
    });
    busy();
    print("main done");
  });
}
