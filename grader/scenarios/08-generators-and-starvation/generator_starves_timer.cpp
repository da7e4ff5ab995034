// Scenario (step 8): an async* generator that never awaits anything but its own yields is one
// chain of microtasks for as long as it produces; this one produces for ever, so the timer
// that would cancel it never fires.
#include <dartloop/dartloop.hpp>

#include "scenario.hpp"

using namespace dartloop;

namespace {
Stream<int> forever() {
  for (int i = 1;; ++i) {
    scenario::flood_step();
    co_yield i;
  }
}
}  // namespace

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    auto sub = forever().listen([](const int& v) {
      if (v <= 3) print("got ", v);
    });
    Timer::run([sub] {
      print("timer: cancel");
      (void)sub.cancel();
    });
  });
}
