// Lesson 5: a future that fails while nobody listens is an uncaught error at that moment, and
// an uncaught error ends the program (exit code 255). A handler one microtask later is too late.
#include <dartloop/dartloop.hpp>
#include <exception>
#include <stdexcept>

using namespace dartloop;

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    auto f = Future<int>::error(std::runtime_error("no handler yet"));
    schedule_microtask([f] {
      print("adding a handler");
      f.catch_error([](std::exception_ptr) {
        print("handled");
        return 0;
      });
    });
    Timer::run([] { print("timer"); });
    print("main done");
  });
}
