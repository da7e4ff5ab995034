// Scenario (step 3): main's event starts a microtask flood and arms a timer to end it. Every
// turn drains the microtask queue to empty before the next event, and the flood never lets it
// empty: the timer never fires and `run` never returns. Dart's loop starves here too.
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
  const int code = loop.run([] {
    Timer(std::chrono::milliseconds(1), [] {
      print("timer");
      stop = true;
    });
    schedule_microtask(spin);
    print("main done");
  });
  print("exit ", code);
  return 0;
}
