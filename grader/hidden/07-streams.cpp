// Hidden tests of step 7 (never shipped to learners): single-subscription stream controllers,
// listen, pause, resume, cancel and done (dart-semantics.md §1.7).
#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"

using namespace dartloop;
using namespace dartloop::testing;
using namespace std::chrono_literals;

namespace {
void print_data(const int& v) { print("data ", v); }
void print_done() { print("done"); }
void print_error(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    print("error: ", x.what());
  }
}
void queue_print(std::string text) {
  schedule_microtask([text = std::move(text)] { print(text); });
}
std::string yes_no(bool b) { return b ? "yes" : "no"; }
}  // namespace

TEST_CASE("hidden 07: an async controller delivers one event per microtask, between the others",
          "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c;
    c.stream().listen(print_data, {.on_done = print_done});
    c.add(1);
    c.add(2);
    queue_print("m1");
    (void)c.close();
    queue_print("m2");
    print("main returns");
  });
  CHECK(lines == Lines{"main returns", "data 1", "m1", "m2", "data 2", "done"});
}

TEST_CASE("hidden 07: the next delivery is queued only after the listener's callback returned",
          "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c;
    c.stream().listen([](const int& v) {
      print("data ", v);
      queue_print("queued while handling " + std::to_string(v));
    });
    c.add(1);
    c.add(2);
    c.add(3);
  });
  CHECK(lines == Lines{"data 1", "queued while handling 1", "data 2", "queued while handling 2",
                       "data 3", "queued while handling 3"});
}

TEST_CASE("hidden 07: done is one more event, after every buffered value", "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c;
    c.stream().listen(print_data, {.on_done = print_done});
    c.add(1);
    c.add(2);
    (void)c.close();
    queue_print("queued after close");
  });
  CHECK(lines == Lines{"data 1", "queued after close", "data 2", "done"});
}

TEST_CASE("hidden 07: listen queues the delivery of earlier events, then runs on_listen inside",
          "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c({.on_listen = [] {
      print("on_listen");
      queue_print("queued by on_listen");
    }});
    c.add(1);
    c.add(2);
    queue_print("queued before listen");
    c.stream().listen(print_data);
    print("listen returned");
  });
  CHECK(lines == Lines{"on_listen", "listen returned", "queued before listen", "data 1",
                       "queued by on_listen", "data 2"});
}

TEST_CASE("hidden 07: events added while paused wait, then flow one per microtask after resume",
          "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c;
    auto sub = c.stream().listen(print_data, {.on_done = print_done});
    sub.pause();
    c.add(1);
    c.add(2);
    (void)c.close();
    queue_print("microtask while paused");
    Timer::run([sub] {
      print("resume");
      sub.resume();
      queue_print("queued after resume");
    });
  });
  CHECK(lines == Lines{"microtask while paused", "resume", "data 1", "queued after resume",
                       "data 2", "done"});
}

TEST_CASE("hidden 07: pausing inside on_data holds the rest back and defers on_pause", "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c(
        {.on_pause = [] { print("on_pause"); }, .on_resume = [] { print("on_resume"); }});
    auto sub = std::make_shared<StreamSubscription<int>>();
    *sub = c.stream().listen(
        [sub](const int& v) {
          print("data ", v);
          if (v == 1) {
            sub->pause();
            print("paused inside on_data");
          }
        },
        {.on_done = print_done});
    c.add(1);
    c.add(2);
    c.add(3);
    (void)c.close();
    Timer(5ms, [sub] {
      print("resume");
      sub->resume();
    });
  });
  CHECK(lines ==
        Lines{"data 1", "paused inside on_data", "on_pause", "resume", "data 2", "data 3", "done"});
}

TEST_CASE("hidden 07: on_resume waits until the buffered events have drained", "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c(
        {.on_pause = [] { print("on_pause"); }, .on_resume = [] { print("on_resume"); }});
    auto sub = c.stream().listen(print_data);
    sub.pause();
    c.add(1);
    c.add(2);
    print("resume");
    sub.resume();
    print("paused for the controller: ", yes_no(c.is_paused()));
    queue_print("queued after resume");
  });
  CHECK(lines == Lines{"on_pause", "resume", "paused for the controller: yes", "data 1",
                       "queued after resume", "data 2", "on_resume"});
}

TEST_CASE("hidden 07: pause and resume before the delivery ran keep the event's place",
          "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c;
    auto sub = c.stream().listen(print_data);
    c.add(1);
    queue_print("m1");
    sub.pause();
    sub.resume();
    queue_print("m2");
  });
  CHECK(lines == Lines{"data 1", "m1", "m2"});
}

TEST_CASE("hidden 07: nested pauses need as many resumes", "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c;
    auto sub = c.stream().listen(print_data);
    sub.pause();
    sub.pause();
    c.add(1);
    sub.resume();
    print("after one resume, paused: ", yes_no(sub.is_paused()));
    Timer::run([sub] {
      print("second resume");
      sub.resume();
      print("after two resumes, paused: ", yes_no(sub.is_paused()));
    });
  });
  CHECK(lines == Lines{"after one resume, paused: yes", "second resume",
                       "after two resumes, paused: no", "data 1"});
}

TEST_CASE("hidden 07: cancel drops the buffered events and calls on_cancel at once", "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c({.on_cancel = [] { print("on_cancel"); }});
    auto sub = c.stream().listen(print_data, {.on_done = print_done});
    c.add(1);
    c.add(2);
    queue_print("queued before cancel");
    print("cancel");
    (void)sub.cancel().then([] { print("cancel future"); });
    c.add(3);
    print("after cancel, listener: ", yes_no(c.has_listener()));
  });
  CHECK(lines == Lines{"cancel", "on_cancel", "after cancel, listener: no", "queued before cancel",
                       "cancel future"});
}

TEST_CASE("hidden 07: cancel inside on_data stops the events behind it", "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c;
    auto sub = std::make_shared<StreamSubscription<int>>();
    *sub = c.stream().listen(
        [sub](const int& v) {
          print("data ", v);
          (void)sub->cancel();
        },
        {.on_done = print_done});
    c.add(1);
    c.add(2);
    (void)c.close();
    Timer::run([] { print("next event"); });
  });
  CHECK(lines == Lines{"data 1", "next event"});
}

TEST_CASE("hidden 07: done ends the subscription: on_cancel, on_done, then close's future",
          "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c({.on_cancel = [] { print("on_cancel"); }});
    c.stream().listen(print_data, {.on_done = print_done});
    (void)c.close().then([] { print("close future"); });
    queue_print("queued after close");
  });
  CHECK(lines == Lines{"on_cancel", "done", "queued after close", "close future"});
}

TEST_CASE("hidden 07: errors travel in order with the values, to on_error", "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c;
    c.stream().listen(print_data, {.on_error = print_error, .on_done = print_done});
    c.add(1);
    c.add_error(std::runtime_error("boom"));
    c.add(2);
    (void)c.close();
  });
  CHECK(lines == Lines{"data 1", "error: boom", "data 2", "done"});
}

TEST_CASE("hidden 07: a sync controller delivers inside add and close", "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c({.sync = true});
    c.stream().listen(print_data, {.on_done = print_done});
    print("before add");
    c.add(1);
    print("after add");
    (void)c.close();
    print("after close");
  });
  CHECK(lines == Lines{"before add", "data 1", "after add", "done", "after close"});
}

TEST_CASE("hidden 07: a sync controller buffers what is added during a callback", "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c({.sync = true});
    c.stream().listen([c](const int& v) {
      print("data ", v);
      if (v == 1) {
        c.add(2);
        print("add inside the callback returned");
      }
      if (v == 3) (void)c.close();
    });
    c.add(1);
    c.add(3);
    queue_print("m");
    print("main returns");
  });
  CHECK(lines == Lines{"data 1", "add inside the callback returned", "main returns", "data 2", "m",
                       "data 3"});
}

TEST_CASE("hidden 07: a stream has one listener; the controller reports its state", "[step07]") {
  const Lines lines = run_program([] {
    StreamController<int> c;
    const auto report = [c](const char* when) {
      print(when, ": listener ", yes_no(c.has_listener()), ", paused ", yes_no(c.is_paused()),
            ", closed ", yes_no(c.is_closed()));
    };
    report("before listen");
    auto sub = c.stream().listen(print_data);
    report("listening");
    bool threw = false;
    try {
      c.stream().listen(print_data);
    } catch (const std::logic_error&) {
      threw = true;
    }
    print("second listen threw: ", yes_no(threw));
    sub.pause();
    report("paused");
    (void)sub.cancel();
    (void)c.close();
    report("cancelled and closed");
  });
  CHECK(lines == Lines{"before listen: listener no, paused yes, closed no",
                       "listening: listener yes, paused no, closed no", "second listen threw: yes",
                       "paused: listener yes, paused yes, closed no",
                       "cancelled and closed: listener no, paused no, closed yes"});
}
