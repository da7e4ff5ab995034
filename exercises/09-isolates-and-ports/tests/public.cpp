// Public tests of step 9: a few examples of the rules. The hidden tests check many more.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"

using namespace dartloop;
using namespace dartloop::testing;

TEST_CASE("a message to a port is an event: it comes after the microtasks", "[step09]") {
  const Lines lines = run_program([] {
    RawReceivePort port;
    port.set_handler([port](Message&& m) {
      print("message: ", m.as<std::string>());
      port.close();  // the last open port: now the isolate may end
    });
    port.send_port().send("hi");
    schedule_microtask([] { print("microtask"); });
  });
  CHECK(lines == Lines{"microtask", "message: hi"});
}

TEST_CASE("a message is a copy: changing the original after send changes nothing", "[step09]") {
  std::vector<int> numbers{1, 2, 3};
  const Lines lines = run_program([&numbers] {
    RawReceivePort port;
    port.set_handler([port](Message&& m) {
      print("received ", m.as<std::vector<int>>().size(), " numbers");
      port.close();
    });
    port.send_port().send(numbers);
    numbers.clear();
  });
  CHECK(lines == Lines{"received 3 numbers"});
}

TEST_CASE("a spawned isolate answers on the port it was given", "[step09]") {
  const Lines lines = run_program([] {
    RawReceivePort port;
    port.set_handler([port](Message&& m) {
      print("the isolate says: ", m.as<int>());
      port.close();
    });
    Isolate::spawn([](SendPort reply) { reply.send(6 * 7); }, port.send_port());
  });
  CHECK(lines == Lines{"the isolate says: 42"});
}
