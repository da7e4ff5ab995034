// Scenario (step 8): the same generator shape, but each value waits for a timer first. The
// awaits hand the loop back between values, so the other timer runs in between and cancels
// the stream.
#include <dartloop/dartloop.hpp>

#include "scenario.hpp"

using namespace dartloop;

namespace {
Stream<int> ticks() {
  for (int i = 1;; ++i) {
    scenario::flood_step();
    co_await Future<void>::delayed(std::chrono::milliseconds(10), [] {});
    co_yield i;
  }
}
}  // namespace

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    auto sub = ticks().listen([](const int& v) {
      print("tick ", v, " at ", EventLoop::current().now().count() / 1000, " ms");
    });
    Timer(std::chrono::milliseconds(35), [sub] {
      print("cancel at ", EventLoop::current().now().count() / 1000, " ms");
      (void)sub.cancel();
    });
  });
}
