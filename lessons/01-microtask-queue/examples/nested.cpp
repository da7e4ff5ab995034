// Lesson 1: a microtask scheduled by a microtask joins the back of the queue, and the same
// flush runs it.
#include <dartloop/dartloop.hpp>

using namespace dartloop;

int main() {
  EventLoop loop(ClockKind::virtual_time);
  loop.within([] {
    schedule_microtask([] {
      print("a");
      schedule_microtask([] { print("c"); });
    });
    schedule_microtask([] { print("b"); });
  });
  loop.flush_microtasks();
  print("queue empty: ", loop.pending_microtasks() == 0 ? "yes" : "no");
  return 0;
}
