#include "isolate_bench.hpp"

#include <chrono>
#include <cstdint>
#include <memory>

#include "dartloop/dartloop.hpp"

namespace dartloop_bench {

namespace {

using dartloop::ClockKind;
using dartloop::EventLoop;
using dartloop::Isolate;
using dartloop::Message;
using dartloop::ReceivePort;
using dartloop::SendPort;
using Clock = std::chrono::steady_clock;

double ns_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

// Runs @p program as a real-clock main isolate; returns its exit code.
template <class F>
int run_main(F program) {
  EventLoop loop(ClockKind::real_time);
  return loop.run(std::move(program));
}

void empty_entry(std::nullptr_t) {}

// Echoes every int back; a negative one ends it.
void echo(SendPort reply) {
  ReceivePort inbox;
  reply.send(inbox.send_port());
  inbox.listen([reply, inbox](const Message& m) {
    const auto v = m.as<std::int64_t>();
    if (v < 0) {
      inbox.close();
      return;
    }
    reply.send(v);
  });
}

// Counts ints; on a negative one reports the count and ends.
void count(SendPort reply) {
  ReceivePort inbox;
  reply.send(inbox.send_port());
  auto seen = std::make_shared<std::int64_t>(0);
  inbox.listen([reply, inbox, seen](const Message& m) {
    if (m.as<std::int64_t>() < 0) {
      reply.send(*seen);
      inbox.close();
      return;
    }
    ++*seen;
  });
}

}  // namespace

double isolate_spawn_exit(std::size_t n) {
  Clock::time_point t0;
  double ns = -1;
  run_main([&] {
    ReceivePort exits;
    auto left = std::make_shared<std::size_t>(n);
    const SendPort reply = exits.send_port();
    t0 = Clock::now();
    (void)Isolate::spawn(empty_entry, nullptr, {.on_exit = reply});
    exits.listen([exits, left, reply, &ns, &t0](const Message&) {
      if (--*left == 0) {
        ns = ns_since(t0);
        exits.close();
        return;
      }
      (void)Isolate::spawn(empty_entry, nullptr, {.on_exit = reply});
    });
  });
  return ns;
}

double isolate_pingpong(std::size_t n) {
  Clock::time_point t0;
  double ns = -1;
  run_main([&] {
    ReceivePort replies;
    (void)Isolate::spawn(echo, replies.send_port());
    auto server = std::make_shared<SendPort>();
    auto next = std::make_shared<std::int64_t>(0);
    const auto total = static_cast<std::int64_t>(n);
    replies.listen([replies, server, next, total, &ns, &t0](const Message& m) {
      if (m.is<SendPort>()) {
        *server = m.as<SendPort>();
        t0 = Clock::now();
        server->send(std::int64_t{0});
        return;
      }
      if (m.as<std::int64_t>() != *next) return;  // lost or reordered: ns stays negative
      if (++*next == total) {
        ns = ns_since(t0);
        server->send(std::int64_t{-1});
        replies.close();
        return;
      }
      server->send(*next);
    });
  });
  return ns;
}

double isolate_oneway(std::size_t n) {
  Clock::time_point t0;
  double ns = -1;
  run_main([&] {
    ReceivePort replies;
    (void)Isolate::spawn(count, replies.send_port());
    const auto total = static_cast<std::int64_t>(n);
    replies.listen([replies, total, &ns, &t0](const Message& m) {
      if (m.is<SendPort>()) {
        const SendPort to = m.as<SendPort>();
        t0 = Clock::now();
        for (std::int64_t i = 0; i < total; ++i) to.send(i);
        to.send(std::int64_t{-1});
        return;
      }
      if (m.as<std::int64_t>() == total) ns = ns_since(t0);
      replies.close();
    });
  });
  return ns;
}

double isolate_run_trivial(std::size_t n) {
  Clock::time_point t0;
  double ns = -1;
  run_main([&] {
    struct Loop {
      static void next(std::size_t left, double* out, Clock::time_point start) {
        Isolate::run([] { return 1 + 1; }).then([left, out, start](const int& v) {
          if (v != 2) return;
          if (left == 1) {
            *out = ns_since(start);
          } else {
            next(left - 1, out, start);
          }
        });
      }
    };
    t0 = Clock::now();
    Loop::next(n, &ns, t0);
  });
  return ns;
}

}  // namespace dartloop_bench
