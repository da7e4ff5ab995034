// Lesson 0: the ordering puzzle. Predict the six lines before you run it.
#include <dartloop/dartloop.hpp>

using namespace dartloop;

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    print("1");
    Future<void>([] { print("2"); });             // Future(() => print('2'))
    Future<void>::microtask([] { print("3"); });  // Future.microtask(...)
    Future<void>::delayed(Duration::zero(),
                          [] { print("4"); });  // Future.delayed(Duration.zero, ...)
    schedule_microtask([] { print("5"); });     // scheduleMicrotask(...)
    print("6");
  });
}
