// Hidden tests of step 9 (never shipped to learners): isolates and ports with copied messages
// (dart-semantics.md §1.1, §1.9, §1.10). Isolates run on real threads: every ordering that a
// case checks is fixed by messages (or by a thread joined before the loop goes on), never by
// timing.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"

using namespace dartloop;
using namespace dartloop::testing;

namespace {
std::string this_thread_name() {
  std::ostringstream id;
  id << std::this_thread::get_id();
  return id.str();
}
}  // namespace

TEST_CASE("hidden 09: a message to a port arrives as an event, after the microtasks", "[step09]") {
  const Lines lines = run_program([] {
    RawReceivePort port;
    port.set_handler([port](Message&& m) {
      print("message ", m.as<int>());
      port.close();
    });
    Timer::run([] { print("zero timer queued before the send"); });
    port.send_port().send(1);
    Timer::run([] { print("zero timer queued after the send"); });
    schedule_microtask([] { print("microtask"); });
  });
  CHECK(lines == Lines{"microtask", "zero timer queued before the send", "message 1",
                       "zero timer queued after the send"});
}

TEST_CASE("hidden 09: a message is copied when it is sent; later changes stay with the sender",
          "[step09]") {
  std::vector<int> numbers{1, 2, 3};  // outlives the program: only the copy may differ
  const Lines lines = run_program([&numbers] {
    RawReceivePort port;
    port.set_handler([port](Message&& m) {
      print("received ", m.as<std::vector<int>>().size(), " numbers");
      port.close();
    });
    port.send_port().send(numbers);
    numbers.push_back(4);
    numbers[0] = 100;
    print("the sender now has ", numbers.size(), " numbers");
  });
  CHECK(lines == Lines{"the sender now has 4 numbers", "received 3 numbers"});
}

TEST_CASE("hidden 09: each handler gets its own copy of the same message", "[step09]") {
  const Lines lines = run_program([] {
    RawReceivePort a;
    RawReceivePort b;
    a.set_handler([a](Message&& m) {
      auto mine = std::move(m).take<std::string>();
      mine += " (changed by a)";
      print("a: ", mine);
      a.close();
    });
    b.set_handler([b](Message&& m) {
      print("b: ", m.as<std::string>());
      b.close();
    });
    const std::string text = "hello";
    a.send_port().send(text);
    b.send_port().send(text);
  });
  CHECK(lines == Lines{"a: hello (changed by a)", "b: hello"});
}

TEST_CASE("hidden 09: messages from one sender arrive in the order they were sent", "[step09]") {
  const Lines lines = run_program([] {
    RawReceivePort port;
    auto received = std::make_shared<int>(0);
    port.set_handler([port, received](Message&& m) {
      print("got ", m.as<int>());
      if (++*received == 5) port.close();
    });
    // A thread that is not an isolate sends five messages, all before the loop looks again.
    std::thread sender([to = port.send_port()] {
      for (int i = 1; i <= 5; ++i) to.send(i);
    });
    sender.join();
  });
  CHECK(lines == Lines{"got 1", "got 2", "got 3", "got 4", "got 5"});
}

TEST_CASE("hidden 09: spawn runs the entry on another thread, with a copy of the message",
          "[step09]") {
  const Lines lines = run_program([] {
    RawReceivePort port;
    port.set_handler([port, main_thread = this_thread_name()](Message&& m) {
      const auto& reply = m.as<std::vector<std::string>>();
      print("entry got: ", reply[0]);
      print(reply[1] == main_thread ? "entry ran on main's thread" : "entry ran on its own thread");
      port.close();
    });
    Isolate::spawn(
        [](std::pair<SendPort, std::string> message) {
          message.first.send(std::vector<std::string>{message.second, this_thread_name()});
        },
        std::pair<SendPort, std::string>(port.send_port(), "the job"));
  });
  CHECK(lines == Lines{"entry got: the job", "entry ran on its own thread"});
}

TEST_CASE("hidden 09: spawn's future completes before any message the entry sends", "[step09]") {
  const Lines lines = run_program([] {
    RawReceivePort port;
    port.set_handler([port](Message&& m) {
      print("from the isolate: ", m.as<std::string>());
      port.close();
    });
    Isolate::spawn([](SendPort reply) { reply.send("hello"); }, port.send_port())
        .then([](const Isolate&) { print("spawn completed"); });
  });
  CHECK(lines == Lines{"spawn completed", "from the isolate: hello"});
}

TEST_CASE("hidden 09: a spawned isolate runs its entry as its first event", "[step09]") {
  const Lines lines = run_program([] {
    RawReceivePort port;
    auto received = std::make_shared<int>(0);
    port.set_handler([port, received](Message&& m) {
      print(m.as<std::string>());
      if (++*received == 3) port.close();
    });
    Isolate::spawn(
        [](SendPort reply) {
          Timer::run([reply] { reply.send("its zero timer"); });
          schedule_microtask([reply] { reply.send("its microtask"); });
          reply.send("its entry");
        },
        port.send_port());
  });
  CHECK(lines == Lines{"its entry", "its microtask", "its zero timer"});
}

TEST_CASE("hidden 09: an open port keeps an isolate alive until it is closed", "[step09]") {
  // Twenty round trips: each side waits, idle, for the other's next message.
  const Lines lines = run_program([] {
    RawReceivePort port;
    auto rounds = std::make_shared<int>(0);
    port.set_handler([port, rounds](Message&& m) {
      if (m.is<SendPort>()) {
        m.as<SendPort>().send(0);  // the isolate's own port: start the rally
        return;
      }
      const int n = m.as<std::pair<int, SendPort>>().first;
      *rounds = n;
      if (n == 20) {
        print("20 round trips");
        m.as<std::pair<int, SendPort>>().second.send(-1);  // tells the isolate to close
        port.close();
        return;
      }
      m.as<std::pair<int, SendPort>>().second.send(n);
    });
    Isolate::spawn(
        [](SendPort main_port) {
          RawReceivePort mine;
          mine.set_handler([mine, main_port](Message&& m) {
            const int n = m.as<int>();
            if (n < 0) {
              mine.close();  // its last port: the isolate ends
              return;
            }
            main_port.send(std::pair<int, SendPort>(n + 1, mine.send_port()));
          });
          main_port.send(mine.send_port());
        },
        port.send_port());
  });
  CHECK(lines == Lines{"20 round trips"});
}

TEST_CASE("hidden 09: a message to a closed port is dropped, and the isolate ends", "[step09]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  loop.set_output([&lines](std::string_view line) { lines.emplace_back(line); });
  const int code = loop.run([] {
    RawReceivePort port;
    port.set_handler([port](Message&& m) {
      print("got ", m.as<int>(), ", closing");
      port.close();
    });
    const SendPort to = port.send_port();
    to.send(1);
    to.send(2);
    Timer::run([to] {
      print("open: ", to.valid() ? "a valid SendPort is still held" : "no port");
      to.send(3);
    });
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"got 1, closing", "open: a valid SendPort is still held"});
}

TEST_CASE("hidden 09: ReceivePort.listen gets each message in an event of its own", "[step09]") {
  const Lines lines = run_program([] {
    ReceivePort port;
    auto seen = std::make_shared<int>(0);
    port.listen([port, seen](const Message& m) {
      print("listen: ", m.as<std::string>());
      schedule_microtask([] { print("its microtask"); });
      if (++*seen == 2) port.close();
    });
    port.send_port().send("a");
    port.send_port().send("b");
  });
  CHECK(lines == Lines{"listen: a", "its microtask", "listen: b", "its microtask"});
}

TEST_CASE("hidden 09: the message of spawn is copied; the isolate changes only its copy",
          "[step09]") {
  std::vector<int> numbers{1, 2, 3};
  const Lines lines = run_program([&numbers] {
    RawReceivePort port;
    port.set_handler([port, &numbers](Message&& m) {
      print("the isolate's copy has ", m.as<int>(), " numbers; main's has ", numbers.size());
      port.close();
    });
    Isolate::spawn(
        [](std::pair<SendPort, std::vector<int>> message) {
          message.second.push_back(99);
          message.first.send(static_cast<int>(message.second.size()));
        },
        std::pair<SendPort, std::vector<int>>(port.send_port(), numbers));
  });
  CHECK(lines == Lines{"the isolate's copy has 4 numbers; main's has 3"});
}

TEST_CASE("hidden 09: when main's isolate ends, the isolates it spawned end too", "[step09]") {
  const Lines lines = run_program([] {
    RawReceivePort port;
    port.set_handler([port](Message&& m) {
      print(m.as<std::string>());
      port.close();  // main's last port: main ends, the other isolate with it
    });
    Isolate::spawn(
        [](std::pair<SendPort, std::string> message) {
          if (this_thread_name() == message.second) {
            // A spawn that runs the entry on main's thread would put this endless port in
            // main's own isolate: report it instead of hanging the test.
            message.first.send(std::string("the entry ran on main's thread"));
            return;
          }
          const RawReceivePort forever([](Message&&) {});  // never closed
          message.first.send(std::string("the isolate listens forever"));
        },
        std::pair<SendPort, std::string>(port.send_port(), this_thread_name()));
  });
  CHECK(lines == Lines{"the isolate listens forever"});
}
