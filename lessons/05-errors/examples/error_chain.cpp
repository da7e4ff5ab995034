// Lesson 5: an error travels down a chain like a value does, inside the same task, skipping
// every value callback until a catch_error takes it.
#include <dartloop/dartloop.hpp>
#include <exception>
#include <stdexcept>

using namespace dartloop;

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    Future<int>::value(1)
        .then([](const int& v) -> int {
          print("then ", v);
          throw std::runtime_error("boom");
        })
        .then([](const int& v) {
          print("skipped ", v);
          return v;
        })
        .catch_error([](std::exception_ptr e) {
          print("caught ", describe(e));
          return -1;
        })
        .when_complete([] { print("clean up"); })
        .then([](const int& v) { print("result ", v); });
    schedule_microtask([] { print("microtask"); });
  });
}
