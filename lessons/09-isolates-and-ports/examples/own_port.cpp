// Lesson 9: a message to a port is an event: it waits behind the microtasks and behind the
// events queued before it, even when the port belongs to the isolate that sends.
#include <dartloop/dartloop.hpp>

using namespace dartloop;

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    RawReceivePort port;
    port.set_handler([port](Message&& m) {
      print("message ", m.as<std::string>());
      if (m.as<std::string>() == "b") port.close();  // the last port: the isolate may end
    });
    Timer::run([] { print("timer 1"); });
    port.send_port().send("a");
    Timer::run([] { print("timer 2"); });
    port.send_port().send("b");
    schedule_microtask([] { print("microtask"); });
    print("main returns");
  });
}
