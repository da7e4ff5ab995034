// Layer 5: the many-futures helpers (dart-semantics.md §1.6; future.dart `Future.wait`,
// `Future.any`, `Future.forEach`, `Future.doWhile`; future_impl.dart `_Future.timeout`).
// Every test runs on the virtual clock: a non-zero timer made at t fires at t + 1 + ms.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dartloop/completer.hpp"
#include "dartloop/errors.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/future.hpp"
#include "dartloop/print.hpp"
#include "dartloop/timer.hpp"
#include "support.hpp"

using namespace std::chrono_literals;
using dartloop::ClockKind;
using dartloop::Completer;
using dartloop::EventLoop;
using dartloop::Future;
using dartloop::print;
using dartloop::schedule_microtask;
using dartloop::TimeoutException;
using dartloop::Timer;
using dartloop::WaitOptions;
using dartloop::test::capture;
using dartloop::test::now_ms;
using dartloop::test::queue_print;
using dartloop::test::run_isolate;

using Lines = std::vector<std::string>;

namespace {

/// "1,2,3".
std::string join(const std::vector<int>& values) {
  std::ostringstream out;
  for (std::size_t i = 0; i < values.size(); ++i) out << (i == 0 ? "" : ",") << values[i];
  return out.str();
}

/// A future that completes with @p value after @p d, and says so when it does.
Future<int> value_after(dartloop::Duration d, int value) {
  return Future<int>::delayed(d, [value] {
    print("value ", value, " @", now_ms());
    return value;
  });
}

/// A future that fails with `runtime_error(message)` after @p d, and says so when it does.
Future<int> error_after(dartloop::Duration d, std::string message) {
  return Future<int>::delayed(d, [message]() -> int {
    print("error ", message, " @", now_ms());
    throw std::runtime_error(message);
  });
}

constexpr const char* timeout_50ms = "TimeoutException after 0:00:00.050000: Future not completed";

}  // namespace

// ---------------------------------------------------------------------------------------
// timeout
// ---------------------------------------------------------------------------------------

TEST_CASE(
    "timeout: a future that completes in time completes the result inside its own "
    "completion and cancels the timer",
    "[helpers][timeout]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  std::size_t timers_in_main = 0;
  std::size_t timers_before = 0;
  std::size_t timers_after = 0;
  const int code = loop.run([&] {
    auto c = Completer<int>::sync();
    c.future().timeout(50ms).then([](int v) { print("result ", v, " @", now_ms()); });
    Timer(10ms, [c, &timers_before, &timers_after]() mutable {
      queue_print("queued before complete");
      timers_before = EventLoop::current().pending_timers();
      print("before complete");
      c.complete(7);
      timers_after = EventLoop::current().pending_timers();
      print("after complete");
    });
    timers_in_main = EventLoop::current().pending_timers();
  });
  CHECK(code == 0);
  CHECK(lines ==
        Lines{"before complete", "result 7 @11", "after complete", "queued before complete"});
  CHECK(timers_in_main == 2);                // the 50 ms limit and the 10 ms timer
  CHECK(timers_after + 1 == timers_before);  // completing cancelled the limit's timer
  CHECK(loop.now() == 11ms);                 // and the loop did not wait for it
}

TEST_CASE("timeout: an error that arrives in time passes through and cancels the timer",
          "[helpers][timeout]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  const int code = loop.run([] {
    auto c = Completer<int>::sync();
    c.future().timeout(50ms).then(
        [](int v) { print("result ", v); },
        [](const std::out_of_range& e) { print("error ", e.what(), " @", now_ms()); });
    Timer(20ms, [c]() mutable {
      print("before complete_error");
      c.complete_error(std::out_of_range("in time"));
      print("after complete_error");
    });
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"before complete_error", "error in time @21", "after complete_error"});
  CHECK(loop.now() == 21ms);
}

TEST_CASE(
    "timeout: a future that is too late fails the result with TimeoutException at now + 1 + ms",
    "[helpers][timeout]") {
  dartloop::Duration limit_seen{-1};
  const auto [code, lines, errors] = run_isolate([&limit_seen] {
    Completer<int> never;
    never.future().timeout(50ms).then([](int v) { print("result ", v); },
                                      [&limit_seen](const TimeoutException& e) {
                                        limit_seen = e.duration();
                                        print(e.what(), " @", now_ms());
                                      });
  });
  CHECK(code == 0);
  CHECK(lines == Lines{std::string(timeout_50ms) + " @51"});
  CHECK(limit_seen == 50ms);
}

TEST_CASE("timeout: the TimeoutException text is Dart's, with the limit as H:MM:SS.micros",
          "[helpers][timeout]") {
  std::string text;
  run_isolate([&text] {
    Completer<int> never;
    never.future().timeout(50ms).catch_error([&text](const TimeoutException& e) {
      text = e.what();
      return 0;
    });
  });
  CHECK(text == "TimeoutException after 0:00:00.050000: Future not completed");
}

TEST_CASE("timeout: a late error of the original is ignored and is not uncaught",
          "[helpers][timeout]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> c;
    c.future().timeout(50ms).then([](int v) { print("result ", v); },
                                  [](const TimeoutException&) { print("timed out @", now_ms()); });
    Timer(100ms, [c]() mutable {
      print("late error @", now_ms());
      c.complete_error(std::runtime_error("too late"));
    });
  });
  CHECK(code == 0);
  CHECK(errors.empty());
  CHECK(lines == Lines{"timed out @51", "late error @101"});
}

TEST_CASE("timeout: a late value of the original is ignored", "[helpers][timeout]") {
  const auto [code, lines, errors] = run_isolate([] {
    auto c = Completer<int>::sync();
    c.future().then([](int v) { print("original got ", v, " @", now_ms()); });
    c.future().timeout(50ms).then([](int v) { print("result ", v); },
                                  [](const TimeoutException&) { print("timed out @", now_ms()); });
    Timer(60ms, [c]() mutable { c.complete(5); });
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"timed out @51", "original got 5 @61"});
}

TEST_CASE("timeout: with on_timeout the result takes on_timeout's value when time runs out",
          "[helpers][timeout]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> never;
    never.future()
        .timeout(50ms,
                 [] {
                   print("on_timeout @", now_ms());
                   return 42;
                 })
        .then([](int v) { print("result ", v, " @", now_ms()); });
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"on_timeout @51", "result 42 @51"});
}

TEST_CASE("timeout: on_timeout is not called when the original completes in time",
          "[helpers][timeout]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  loop.run([] {
    Future<int> original = Future<int>::delayed(30ms, [] { return 1; });
    original
        .timeout(50ms,
                 [] {
                   print("on_timeout");
                   return 2;
                 })
        .then([](int v) { print("result ", v, " @", now_ms()); });
  });
  CHECK(lines == Lines{"result 1 @31"});
  CHECK(loop.now() == 31ms);
}

TEST_CASE("timeout: when on_timeout returns a future, the result takes that future's value",
          "[helpers][timeout]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> never;
    never.future()
        .timeout(50ms,
                 [] {
                   print("on_timeout @", now_ms());
                   // Made at 51, so due at 51 + 1 + 10.
                   return Future<int>::delayed(10ms, [] { return 43; });
                 })
        .then([](int v) { print("result ", v, " @", now_ms()); });
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"on_timeout @51", "result 43 @62"});
}

TEST_CASE("timeout: an on_timeout that throws fails the result with its error",
          "[helpers][timeout]") {
  const auto [code, lines, errors] = run_isolate([] {
    Completer<int> never;
    never.future()
        .timeout(50ms, []() -> int { throw std::length_error("from on_timeout"); })
        .then([](int v) { print("result ", v); },
              [](const std::length_error& e) { print("error ", e.what(), " @", now_ms()); });
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"error from on_timeout @51"});
}

TEST_CASE(
    "timeout: on an already complete future the result is complete at once and a later then "
    "costs one microtask",
    "[helpers][timeout]") {
  // `_Future.immediate(this)`: a completed value with nobody listening is copied at once.
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  std::size_t timers_before = 99;
  std::size_t timers_after = 99;
  loop.run([&] {
    Future<int> done = Future<int>::sync([] { return 5; });
    queue_print("m1");
    timers_before = EventLoop::current().pending_timers();
    Future<int> result = done.timeout(50ms);
    timers_after = EventLoop::current().pending_timers();
    queue_print("m2");
    result.then([](int v) { print("result ", v, " @", now_ms()); });
    queue_print("m3");
  });
  CHECK(lines == Lines{"m1", "m2", "result 5 @0", "m3"});
  CHECK(timers_before == 0);
  CHECK(timers_after == 0);  // no timer was started
  CHECK(loop.now() == 0ms);
}

// ---------------------------------------------------------------------------------------
// Future<T>::wait
// ---------------------------------------------------------------------------------------

TEST_CASE("wait: the values come in list order whatever the completion order", "[helpers][wait]") {
  const auto [code, lines, errors] = run_isolate([] {
    Future<int>::wait({value_after(30ms, 1), value_after(10ms, 2), value_after(20ms, 3)})
        .then([](const std::vector<int>& values) {
          print("wait got ", join(values), " @", now_ms());
        });
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"value 2 @11", "value 3 @21", "value 1 @31", "wait got 1,2,3 @31"});
}

TEST_CASE(
    "wait: completes inside the callback of the last future to complete, before microtasks "
    "queued earlier",
    "[helpers][wait]") {
  const auto [code, lines, errors] = run_isolate([] {
    auto a = Completer<int>::sync();
    auto b = Completer<int>::sync();
    Future<int>::wait({a.future(), b.future()}).then([](const std::vector<int>& values) {
      print("wait got ", join(values));
    });
    Timer::run([a]() mutable {
      a.complete(1);
      print("a completed");
    });
    Timer::run([b]() mutable {
      queue_print("queued before the last completion");
      print("completing b");
      b.complete(2);
      print("b completed");
    });
  });
  CHECK(lines == Lines{"a completed", "completing b", "wait got 1,2", "b completed",
                       "queued before the last completion"});
}

TEST_CASE(
    "wait: without eager_error the first error in completion order wins, reported only once "
    "all have completed",
    "[helpers][wait]") {
  const auto [code, lines, errors] = run_isolate([] {
    // List order: "second" before "first"; completion order: "first" at 11, "second" at 21.
    Future<int>::wait(
        {error_after(20ms, "second"), error_after(10ms, "first"), value_after(30ms, 3)})
        .then(
            [](const std::vector<int>& values) { print("wait got ", join(values)); },
            [](const std::runtime_error& e) { print("wait failed: ", e.what(), " @", now_ms()); });
  });
  CHECK(code == 0);
  CHECK(errors.empty());  // the dropped second error is not uncaught
  CHECK(lines ==
        Lines{"error first @11", "error second @21", "value 3 @31", "wait failed: first @31"});
}

TEST_CASE("wait: with eager_error the first error is reported at once and later ones are dropped",
          "[helpers][wait]") {
  const auto [code, lines, errors] = run_isolate([] {
    WaitOptions<int> options;
    options.eager_error = true;
    Future<int>::wait(
        {error_after(20ms, "second"), error_after(10ms, "first"), value_after(30ms, 3)}, options)
        .then(
            [](const std::vector<int>& values) { print("wait got ", join(values)); },
            [](const std::runtime_error& e) { print("wait failed: ", e.what(), " @", now_ms()); });
  });
  CHECK(code == 0);
  CHECK(errors.empty());
  CHECK(lines ==
        Lines{"error first @11", "wait failed: first @11", "error second @21", "value 3 @31"});
}

TEST_CASE("wait: with eager_error the failure is delivered inside the failing future's completion",
          "[helpers][wait]") {
  const auto [code, lines, errors] = run_isolate([] {
    auto a = Completer<int>::sync();
    Completer<int> never;
    WaitOptions<int> options;
    options.eager_error = true;
    Future<int>::wait({never.future(), a.future()}, options)
        .catch_error([](const std::runtime_error& e) {
          print("wait failed: ", e.what());
          return std::vector<int>{};
        });
    Timer::run([a]() mutable {
      queue_print("queued before");
      print("before");
      a.complete_error(std::runtime_error("eager"));
      print("after");
    });
  });
  CHECK(lines == Lines{"before", "wait failed: eager", "after", "queued before"});
}

TEST_CASE("wait: clean_up receives every successful value when the wait fails", "[helpers][wait]") {
  const auto [code, lines, errors] = run_isolate([] {
    WaitOptions<int> options;
    options.clean_up = [](const int& v) { print("clean up ", v, " @", now_ms()); };
    Future<int>::wait({value_after(10ms, 1), error_after(20ms, "boom"), value_after(30ms, 3)},
                      options)
        .then(
            [](const std::vector<int>& values) { print("wait got ", join(values)); },
            [](const std::runtime_error& e) { print("wait failed: ", e.what(), " @", now_ms()); });
  });
  CHECK(code == 0);
  // At the error, the value already in (1) is cleaned up; a value after it (3) on arrival.
  CHECK(lines == Lines{"value 1 @11", "error boom @21", "clean up 1 @21", "value 3 @31",
                       "clean up 3 @31", "wait failed: boom @31"});
}

TEST_CASE("wait: clean_up is not called when every future succeeds", "[helpers][wait]") {
  const auto [code, lines, errors] = run_isolate([] {
    WaitOptions<int> options;
    options.clean_up = [](const int& v) { print("clean up ", v); };
    Future<int>::wait({value_after(10ms, 1), value_after(20ms, 2)}, options)
        .then([](const std::vector<int>& values) { print("wait got ", join(values)); });
  });
  CHECK(lines == Lines{"value 1 @11", "value 2 @21", "wait got 1,2"});
}

TEST_CASE("wait: an empty list gives a future that is already complete; then costs one microtask",
          "[helpers][wait]") {
  const auto [code, lines, errors] = run_isolate([] {
    queue_print("m1");
    auto result = Future<int>::wait(std::vector<Future<int>>{});
    queue_print("m2");
    result.then(
        [](const std::vector<int>& values) { print("wait got ", values.size(), " values"); });
    queue_print("m3");
    print("main returns");
  });
  CHECK(lines == Lines{"main returns", "m1", "m2", "wait got 0 values", "m3"});
}

TEST_CASE("wait on Future<void>s completes without a value once all have completed",
          "[helpers][wait]") {
  const auto [code, lines, errors] = run_isolate([] {
    Future<void>::wait({Future<void>::delayed(20ms), Future<void>::delayed(10ms)}).then([] {
      print("all done @", now_ms());
    });
  });
  CHECK(lines == Lines{"all done @21"});
}

// ---------------------------------------------------------------------------------------
// Future<T>::any
// ---------------------------------------------------------------------------------------

TEST_CASE("any: the first value wins, delivered inside that future's completion",
          "[helpers][any]") {
  const auto [code, lines, errors] = run_isolate([] {
    auto a = Completer<int>::sync();
    auto b = Completer<int>::sync();
    auto c = Completer<int>::sync();
    Future<int>::any({a.future(), b.future(), c.future()}).then([](int v) {
      print("any got ", v);
    });
    Timer::run([b]() mutable {
      queue_print("queued before");
      print("before");
      b.complete(2);
      print("after");
    });
    Timer::run([a, c]() mutable {
      a.complete(1);
      c.complete_error(std::runtime_error("late error"));
      print("later results given");
    });
  });
  CHECK(code == 0);
  CHECK(errors.empty());  // the later error is ignored, not uncaught
  CHECK(lines == Lines{"before", "any got 2", "after", "queued before", "later results given"});
}

TEST_CASE("any: the first error wins, and later values and errors are ignored", "[helpers][any]") {
  const auto [code, lines, errors] = run_isolate([] {
    Future<int>::any({value_after(20ms, 1), error_after(10ms, "first"), error_after(30ms, "third")})
        .then([](int v) { print("any got ", v); },
              [](const std::runtime_error& e) { print("any failed: ", e.what(), " @", now_ms()); });
  });
  CHECK(code == 0);
  CHECK(errors.empty());
  CHECK(lines ==
        Lines{"error first @11", "any failed: first @11", "value 1 @21", "error third @31"});
}

TEST_CASE("any: an empty list never completes and does not keep the loop alive", "[helpers][any]") {
  EventLoop loop(ClockKind::virtual_time);
  Lines lines;
  capture(loop, lines);
  const int code = loop.run([] {
    Future<int>::any(std::vector<Future<int>>{})
        .then([](int v) { print("any got ", v); }, [](std::exception_ptr) { print("any failed"); });
    Timer(5ms, [] { print("timer @", now_ms()); });
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"timer @6"});
  CHECK(loop.now() == 6ms);
}

// ---------------------------------------------------------------------------------------
// Future<void>::for_each
// ---------------------------------------------------------------------------------------

TEST_CASE(
    "for_each: plain results iterate synchronously, and the result is complete on return: "
    "a later then costs one microtask",
    "[helpers][for_each]") {
  const auto [code, lines, errors] = run_isolate([] {
    queue_print("m1");
    auto done = Future<void>::for_each(std::vector<std::string>{"a", "b", "c"},
                                       [](const std::string& s) { print("element ", s); });
    print("for_each returned");
    queue_print("m2");
    done.then([] { print("for_each done"); });
    queue_print("m3");
  });
  CHECK(lines == Lines{"element a", "element b", "element c", "for_each returned", "m1", "m2",
                       "for_each done", "m3"});
}

TEST_CASE(
    "for_each: a returned future is waited for, and the next element starts inside its "
    "completion",
    "[helpers][for_each]") {
  const auto [code, lines, errors] = run_isolate([] {
    Future<void>::for_each(std::vector<int>{1, 2, 3}, [](int e) {
      print("start ", e, " @", now_ms());
      return Future<void>::delayed(10ms, [e] {
        print("end ", e, " @", now_ms());
        queue_print("microtask of " + std::to_string(e));
      });
    }).then([] { print("done @", now_ms()); });
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"start 1 @0", "end 1 @11", "start 2 @11", "microtask of 1", "end 2 @22",
                       "start 3 @22", "microtask of 2", "end 3 @33", "done @33", "microtask of 3"});
}

TEST_CASE("for_each: a failing returned future stops the iteration and fails the result",
          "[helpers][for_each]") {
  const auto [code, lines, errors] = run_isolate([] {
    Future<void>::for_each(std::vector<int>{1, 2, 3},
                           [](int e) {
                             print("start ", e);
                             return Future<void>::delayed(10ms, [e] {
                               if (e == 2) throw std::runtime_error("element 2 failed");
                               print("end ", e);
                             });
                           })
        .then([] { print("done"); },
              [](const std::runtime_error& e) { print("failed: ", e.what(), " @", now_ms()); });
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"start 1", "end 1", "start 2", "failed: element 2 failed @22"});
}

TEST_CASE(
    "for_each: an action that throws stops the iteration and fails the result one microtask "
    "later",
    "[helpers][for_each]") {
  const auto [code, lines, errors] = run_isolate([] {
    queue_print("m1");
    auto done = Future<void>::for_each(std::vector<int>{1, 2, 3}, [](int e) {
      print("element ", e);
      if (e == 2) throw std::out_of_range("no 2");
    });
    print("for_each returned");
    queue_print("m2");
    done.catch_error([](const std::out_of_range& e) { print("failed: ", e.what()); });
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"element 1", "element 2", "for_each returned", "m1", "failed: no 2", "m2"});
}

TEST_CASE("for_each: an empty range gives a result that is complete on return",
          "[helpers][for_each]") {
  const auto [code, lines, errors] = run_isolate([] {
    queue_print("m1");
    auto done = Future<void>::for_each(std::vector<int>{}, [](int e) { print("element ", e); });
    queue_print("m2");
    done.then([] { print("for_each done"); });
  });
  CHECK(lines == Lines{"m1", "m2", "for_each done"});
}

// ---------------------------------------------------------------------------------------
// Future<void>::do_while
// ---------------------------------------------------------------------------------------

TEST_CASE(
    "do_while: plain bools iterate synchronously, and the result is complete on return: a "
    "later then costs one microtask",
    "[helpers][do_while]") {
  int n = 0;
  const auto [code, lines, errors] = run_isolate([&n] {
    queue_print("m1");
    auto done = Future<void>::do_while([&n] {
      ++n;
      print("iteration ", n);
      return n < 3;
    });
    print("do_while returned");
    queue_print("m2");
    done.then([] { print("do_while done"); });
    queue_print("m3");
  });
  CHECK(n == 3);
  CHECK(lines == Lines{"iteration 1", "iteration 2", "iteration 3", "do_while returned", "m1", "m2",
                       "do_while done", "m3"});
}

TEST_CASE("do_while: a returned future is waited for, and the next call runs inside its completion",
          "[helpers][do_while]") {
  int n = 0;
  const auto [code, lines, errors] = run_isolate([&n] {
    Future<void>::do_while([&n] {
      const int k = ++n;
      print("iteration ", k, " @", now_ms());
      return Future<bool>::delayed(10ms, [k] {
        print("answer ", k, " @", now_ms());
        queue_print("microtask after " + std::to_string(k));
        return k < 3;
      });
    }).then([] { print("done @", now_ms()); });
  });
  CHECK(code == 0);
  CHECK(lines == Lines{"iteration 1 @0", "answer 1 @11", "iteration 2 @11", "microtask after 1",
                       "answer 2 @22", "iteration 3 @22", "microtask after 2", "answer 3 @33",
                       "done @33", "microtask after 3"});
}

TEST_CASE("do_while: an action that throws fails the result one microtask later",
          "[helpers][do_while]") {
  int n = 0;
  const auto [code, lines, errors] = run_isolate([&n] {
    queue_print("m1");
    auto done = Future<void>::do_while([&n]() -> bool {
      ++n;
      print("call ", n);
      if (n == 2) throw std::runtime_error("boom");
      return true;
    });
    print("do_while returned");
    queue_print("m2");
    done.catch_error([](const std::runtime_error& e) { print("failed: ", e.what()); });
  });
  CHECK(code == 0);
  CHECK(n == 2);
  CHECK(lines == Lines{"call 1", "call 2", "do_while returned", "m1", "failed: boom", "m2"});
}

TEST_CASE("do_while: a returned future that fails stops the loop and fails the result at once",
          "[helpers][do_while]") {
  int n = 0;
  const auto [code, lines, errors] = run_isolate([&n] {
    Future<void>::do_while([&n] {
      const int k = ++n;
      print("call ", k, " @", now_ms());
      return Future<bool>::delayed(10ms, [k]() -> bool {
        if (k == 2) throw std::runtime_error("answer 2 failed");
        return true;
      });
    }).catch_error([](const std::runtime_error& e) {
      print("failed: ", e.what(), " @", now_ms());
    });
  });
  CHECK(code == 0);
  CHECK(n == 2);
  CHECK(lines == Lines{"call 1 @0", "call 2 @11", "failed: answer 2 failed @22"});
}
