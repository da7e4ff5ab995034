// Lesson 3: the seed puzzle, written with the pieces of steps 1 to 3.
#include <dartloop/dartloop.hpp>

using namespace dartloop;

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    print("1");
    Timer::run([] { print("2"); });               // Future(() => print('2'))
    schedule_microtask([] { print("3"); });       // Future.microtask(() => print('3'))
    Timer(Duration::zero(), [] { print("4"); });  // Future.delayed(Duration.zero, ...)
    schedule_microtask([] { print("5"); });       // scheduleMicrotask(() => print('5'))
    print("6");
  });
}
