// Scenario (step 4): a `then` on a future that nobody completes never runs; the loop ends when
// nothing is left, with the callback still waiting. The completed one runs in its microtask.
#include <dartloop/dartloop.hpp>

#include "scenario.hpp"

using namespace dartloop;

int main() {
  EventLoop loop(ClockKind::virtual_time);
  scenario::expect("the callback of the pending future");
  scenario::expect("the callback of the completed future");
  const int code = loop.run([] {
    Completer<int> never;
    never.future().then([](const int& v) {
      print("never ", v);
      scenario::arrived("the callback of the pending future");
    });
    Completer<int> done;
    done.future().then([](const int& v) {
      print("done ", v);
      scenario::arrived("the callback of the completed future");
    });
    done.complete(7);
    print("main ends");
  });
  print("exit ", code);
  return 0;
}
