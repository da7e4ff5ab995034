// Lesson 4: Future.value(v) is not complete yet: its completion is a microtask queued when it
// is made, so a `then` added later still runs at that earlier place in the queue.
#include <dartloop/dartloop.hpp>

using namespace dartloop;

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    auto early = Future<int>::value(1);
    schedule_microtask([] { print("microtask"); });
    early.then([](const int& v) { print("value ", v); });
    Future<int>([] { return 2; }).then([](const int& v) { print("event ", v); });
  });
}
