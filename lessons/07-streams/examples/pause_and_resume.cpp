// Lesson 7: a paused subscription keeps its events; resume lets them flow again, and the
// controller hears on_resume only once the buffer has drained.
#include <dartloop/dartloop.hpp>

using namespace dartloop;

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    StreamController<int> c(
        {.on_pause = [] { print("on_pause"); }, .on_resume = [] { print("on_resume"); }});
    auto sub = c.stream().listen([](const int& v) { print("data ", v); });
    c.add(1);
    c.add(2);
    sub.pause();
    Timer::run([sub] {
      print("resume");
      sub.resume();
    });
  });
}
