// Lesson 4: two then-chains. Dart runs a whole chain inside the task that completes its
// first future; JavaScript gives every link a job of its own.
#include <dartloop/dartloop.hpp>

using namespace dartloop;

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    Future<int>::value(1)
        .then([](const int& v) {
          print("a", v);
          return v + 1;
        })
        .then([](const int& v) { print("a", v); });
    Future<int>::value(1)
        .then([](const int& v) {
          print("b", v);
          return v + 1;
        })
        .then([](const int& v) { print("b", v); });
  });
}
