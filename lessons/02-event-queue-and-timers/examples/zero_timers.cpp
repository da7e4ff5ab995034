// Lesson 2: a zero-duration timer is an event; microtasks still go first.
#include <dartloop/dartloop.hpp>

using namespace dartloop;

int main() {
  EventLoop loop(ClockKind::virtual_time);
  loop.within([&loop] {
    Timer::run([] { print("timer A"); });
    loop.post([] { print("event B"); });
    schedule_microtask([] { print("microtask"); });
    Timer::run([] { print("timer C"); });
  });
  loop.run_until_idle();
  return 0;
}
