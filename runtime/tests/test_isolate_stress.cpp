// Isolates under load, with bounded counts: many spawns, a long ping-pong, kills in the middle
// of floods. Each case checks that nothing is lost, reordered or leaked (the suite also runs
// under AddressSanitizer/LeakSanitizer and ThreadSanitizer).
#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "dartloop/dartloop.hpp"
#include "support.hpp"

using namespace dartloop;
using dartloop::test::run_isolate;

namespace {

// Answers every int with the same int; closes on -1.
void echo_ints(SendPort reply) {
  ReceivePort inbox;
  reply.send(inbox.send_port());
  inbox.listen([reply, inbox](const Message& m) {
    const auto n = m.as<std::int64_t>();
    if (n < 0) {
      inbox.close();
      return;
    }
    reply.send(n);
  });
}

// Counts what it receives; never ends by itself.
void sink(SendPort reply) {
  ReceivePort inbox;
  reply.send(inbox.send_port());
  inbox.listen([](const Message&) {});
}

// Floods its parent until killed.
void flood(SendPort reply) {
  reply.send(std::string("started"));
  struct Again {
    static void send(const SendPort& to, std::int64_t n) {
      for (int i = 0; i < 100; ++i) to.send(n++);
      Future<void>([to, n] { send(to, n); });  // an event per batch: control messages get in
    }
  };
  Again::send(reply, 0);
}

}  // namespace

TEST_CASE("1000 isolates spawned in waves each answer once and exit", "[isolates][stress]") {
  static constexpr int total = 1000;
  static constexpr int wave = 100;
  auto run = run_isolate([] {
    struct Tally {
      std::set<int> answers;
      int exits = 0;
      int started = 0;
    };
    auto tally = std::make_shared<Tally>();
    ReceivePort port;
    const auto launch = [tally, reply = port.send_port()] {
      for (int i = 0; i < wave; ++i, ++tally->started) {
        Isolate::spawn([](std::pair<SendPort, int> job) { job.first.send(job.second); },
                       std::pair<SendPort, int>{reply, tally->started}, {.on_exit = reply});
      }
    };
    launch();
    port.listen([port, tally, launch](const Message& m) {
      if (m.is<int>()) {
        tally->answers.insert(m.as<int>());
        return;
      }
      if (++tally->exits % wave == 0 && tally->started < total) launch();
      if (tally->exits == total) {
        print("answers " + std::to_string(tally->answers.size()) + ", exits " +
              std::to_string(tally->exits) + ", first " + std::to_string(*tally->answers.begin()) +
              ", last " + std::to_string(*tally->answers.rbegin()));
        port.close();
      }
    });
  });
  CHECK(run.output == std::vector<std::string>{"answers 1000, exits 1000, first 0, last 999"});
  CHECK(run.exit_code == exit_success);
}

TEST_CASE("1,000,000 ping-pong messages arrive, none lost or reordered", "[isolates][stress]") {
  static constexpr std::int64_t round_trips = 500'000;  // two messages each
  static constexpr std::int64_t in_flight = 64;
  auto run = run_isolate([] {
    struct State {
      SendPort server;
      std::int64_t sent = 0;
      std::int64_t expected = 0;
      std::int64_t out_of_order = 0;
    };
    auto state = std::make_shared<State>();
    ReceivePort replies;
    (void)Isolate::spawn(echo_ints, replies.send_port());
    replies.listen([replies, state](const Message& m) {
      if (m.is<SendPort>()) {
        state->server = m.as<SendPort>();
        for (; state->sent < in_flight; ++state->sent) state->server.send(state->sent);
        return;
      }
      if (m.as<std::int64_t>() != state->expected) ++state->out_of_order;
      if (++state->expected == round_trips) {
        print("echoed " + std::to_string(state->expected) + ", out of order " +
              std::to_string(state->out_of_order));
        state->server.send(std::int64_t{-1});
        replies.close();
        return;
      }
      if (state->sent < round_trips) state->server.send(state->sent++);
    });
  });
  CHECK(run.output == std::vector<std::string>{"echoed 500000, out of order 0"});
}

TEST_CASE("killing an isolate in the middle of a flood of messages to it loses nothing else",
          "[isolates][stress]") {
  auto run = run_isolate([] {
    ReceivePort port;
    auto child = std::make_shared<Isolate>();
    Isolate::spawn(sink, port.send_port(), {.on_exit = port.send_port()})
        .then([child](const Isolate& i) { *child = i; });
    port.listen([port, child](const Message& m) {
      if (m.is<SendPort>()) {
        const SendPort to = m.as<SendPort>();
        for (std::int64_t i = 0; i < 100'000; ++i) {
          to.send(i);
          if (i == 50'000) child->kill(ControlPriority::immediate);
        }
        print("flood sent");
        return;
      }
      print("child ended");
      port.close();
    });
  });
  CHECK(run.output == std::vector<std::string>{"flood sent", "child ended"});
  CHECK(run.exit_code == exit_success);
}

TEST_CASE("killing an isolate that floods its parent stops the flood; the rest is dropped",
          "[isolates][stress]") {
  auto run = run_isolate([] {
    ReceivePort data;
    ReceivePort exits;
    auto child = std::make_shared<Isolate>();
    auto received = std::make_shared<std::int64_t>(0);
    Isolate::spawn(flood, data.send_port(), {.on_exit = exits.send_port()})
        .then([child](const Isolate& i) { *child = i; });
    // Killed as soon as it starts: how many messages it sends before the kill acts depends on
    // the threads, but the flood must stop (a flood with no end would exhaust the memory).
    data.listen([child, received](const Message& m) {
      if (m.is<std::string>()) {
        child->kill();
        return;
      }
      ++*received;
    });
    exits.listen([data, exits](const Message&) {
      print("flooding isolate killed");
      data.close();  // what is still on its way to this port is dropped
      exits.close();
    });
  });
  CHECK(run.output == std::vector<std::string>{"flooding isolate killed"});
  CHECK(run.exit_code == exit_success);
}
