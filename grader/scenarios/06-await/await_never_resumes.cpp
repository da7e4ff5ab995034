// Scenario (step 6): an await on a future that nobody completes parks the function for good.
// The loop does not wait for it: with nothing left to run, the program ends and the rest of
// the function never runs.
#include <dartloop/dartloop.hpp>

#include "scenario.hpp"

using namespace dartloop;

namespace {
Future<void> waits(Future<int> gate) {
  print("waits: before the await");
  const int v = co_await gate;
  print("waits: got ", v);
  scenario::arrived("the end of waits()");
}
}  // namespace

int main() {
  EventLoop loop(ClockKind::virtual_time);
  scenario::expect("the end of waits()");
  const int code = loop.run([] {
    Completer<int> gate;
    waits(gate.future());
    Timer::run([] { print("a timer runs; the await still waits"); });
    print("main done");
  });
  print("exit ", code);
  return 0;
}
