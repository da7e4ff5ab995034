// Scenario (step 3): the program waits for a reply that nothing will ever send. With no
// microtask, event or timer left, nothing can arrive any more, so the loop ends (as the `dart`
// command exits) and the reply never comes: the scenario deadlocks. A loop that waits for
// ever instead is too slow; one that invents work is wrong.
#include <dartloop/dartloop.hpp>

#include "scenario.hpp"

using namespace dartloop;

int main() {
  EventLoop loop(ClockKind::virtual_time);
  scenario::expect("the reply");
  const int code = loop.run([] {
    Timer(std::chrono::milliseconds(3), [] { print("the timeout passed; no reply yet"); });
    print("waiting for a reply");
  });
  print("run returned ", code, " at ", loop.now().count() / 1000, " ms");
  return 0;
}
