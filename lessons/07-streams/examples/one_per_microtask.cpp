// Lesson 7: an asynchronous controller delivers ONE event per microtask, and queues the next
// delivery at the back of the queue, so other microtasks slip in between two events.
#include <dartloop/dartloop.hpp>

using namespace dartloop;

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    StreamController<int> c;
    c.stream().listen([](const int& v) { print("data ", v); }, {.on_done = [] { print("done"); }});
    c.add(1);
    c.add(2);
    schedule_microtask([] { print("microtask"); });
    (void)c.close();
  });
}
