// Hidden tests of step 5 (never shipped to learners): errors in futures, and uncaught errors
// (dart-semantics.md §1.2 and §1.3).
#include <catch2/catch.hpp>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"

using namespace dartloop;
using namespace dartloop::testing;

namespace {
/// The first two lines of an error report (the reference runtime adds a stack trace).
std::string headline(const Run& run) {
  if (run.errors.empty()) return "(no error report)";
  const std::string& text = run.errors.front();
  const std::size_t first = text.find('\n');
  if (first == std::string::npos) return text;
  return text.substr(0, text.find('\n', first + 1));
}
/// A `catch_error` test: true for a std::invalid_argument.
bool is_invalid_argument(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::invalid_argument&) {
    return true;
  } catch (...) {
    return false;
  }
}
}  // namespace

TEST_CASE("hidden 05: Future.error fails in a microtask queued when it is made", "[step05]") {
  const Run run = run_recorded([] {
    auto failing = Future<int>::error(std::runtime_error("e1"));
    schedule_microtask([] { print("microtask queued after the error future"); });
    failing.catch_error([](std::exception_ptr e) {
      print("caught ", describe(e));
      return 0;
    });
  });
  CHECK(run.lines == Lines{"caught e1", "microtask queued after the error future"});
  CHECK(run.code == 0);
}

TEST_CASE(
    "hidden 05: a throw in a then-callback skips every later then and the handler's value "
    "flows on",
    "[step05]") {
  const Run run = run_recorded([] {
    Future<int>::value(1)
        .then([](const int& v) -> int {
          print("link 1 got ", v);
          throw std::runtime_error("link 1 failed");
        })
        .then([](const int& v) {
          print("link 2 (never) ", v);
          return v;
        })
        .then([](const int& v) {
          print("link 3 (never) ", v);
          return v;
        })
        .catch_error([](std::exception_ptr e) {
          print("caught: ", describe(e));
          return 7;
        })
        .then([](const int& v) { print("after the handler: ", v); });
  });
  CHECK(run.lines == Lines{"link 1 got 1", "caught: link 1 failed", "after the handler: 7"});
  CHECK(run.code == 0);
}

TEST_CASE("hidden 05: a throw in Future(computation) fails that future, in its event", "[step05]") {
  const Run run = run_recorded([] {
    Future<int>([]() -> int {
      throw std::runtime_error("computation failed");
    }).catch_error([](std::exception_ptr e) {
      print("caught: ", describe(e));
      return 0;
    });
    schedule_microtask([] { print("microtask"); });
  });
  CHECK(run.lines == Lines{"microtask", "caught: computation failed"});
  CHECK(run.code == 0);
}

TEST_CASE("hidden 05: catch_error with a test handles only the errors it says yes to", "[step05]") {
  const Run run = run_recorded([] {
    Future<int>::error(std::runtime_error("a runtime error"))
        .catch_error(
            [](std::exception_ptr) {
              print("wrong handler");
              return 1;
            },
            is_invalid_argument)
        .catch_error([](std::exception_ptr e) {
          print("second handler: ", describe(e));
          return 2;
        })
        .then([](const int& v) { print("value ", v); });
    Future<int>::error(std::invalid_argument("bad argument"))
        .catch_error(
            [](std::exception_ptr e) {
              print("first handler: ", describe(e));
              return 3;
            },
            is_invalid_argument)
        .then([](const int& v) { print("value ", v); });
  });
  CHECK(run.lines == Lines{"second handler: a runtime error", "value 2",
                           "first handler: bad argument", "value 3"});
}

TEST_CASE("hidden 05: catch_error lets a value pass through without calling the handler",
          "[step05]") {
  const Run run = run_recorded([] {
    Future<int>::value(5)
        .catch_error([](std::exception_ptr) {
          print("handler (never)");
          return 0;
        })
        .then([](const int& v) { print("value passed through: ", v); });
  });
  CHECK(run.lines == Lines{"value passed through: 5"});
}

TEST_CASE("hidden 05: a handler that throws replaces the error with its own", "[step05]") {
  const Run run = run_recorded([] {
    Future<int>::error(std::runtime_error("first"))
        .catch_error([](std::exception_ptr e) -> int {
          print("handling ", describe(e));
          throw std::runtime_error("second");
        })
        .catch_error([](std::exception_ptr e) {
          print("then caught ", describe(e));
          return 0;
        });
  });
  CHECK(run.lines == Lines{"handling first", "then caught second"});
}

TEST_CASE(
    "hidden 05: complete_error of an async completer fails in a microtask; a sync one at "
    "once",
    "[step05]") {
  const Run run = run_recorded([] {
    Completer<int> later;
    later.future().catch_error([](std::exception_ptr e) {
      print("async completer: ", describe(e));
      return 0;
    });
    auto now = Completer<int>::sync();
    now.future().catch_error([](std::exception_ptr e) {
      print("sync completer: ", describe(e));
      return 0;
    });
    schedule_microtask([] { print("queued before complete_error"); });
    later.complete_error(std::runtime_error("late"));
    now.complete_error(std::runtime_error("now"));
    print("after both complete_error calls, completed: ", later.is_completed() ? "yes" : "no");
  });
  CHECK(run.lines == Lines{"sync completer: now", "after both complete_error calls, completed: yes",
                           "queued before complete_error", "async completer: late"});
}

TEST_CASE("hidden 05: a whole then/catch_error/when_complete chain runs inside one task",
          "[step05]") {
  const Run run = run_recorded([] {
    auto c = Completer<int>::sync();
    c.future()
        .then([](const int& v) -> int {
          print("then ", v);
          throw std::runtime_error("x");
        })
        .catch_error([](std::exception_ptr) {
          print("catch_error");
          return 1;
        })
        .when_complete([] { print("when_complete"); })
        .then([](const int& v) { print("last then ", v); });
    Timer::run([c] {
      c.complete(0);
      schedule_microtask([] { print("microtask queued after complete"); });
    });
  });
  CHECK(run.lines == Lines{"then 0", "catch_error", "when_complete", "last then 1",
                           "microtask queued after complete"});
}

TEST_CASE("hidden 05: when_complete passes the error on; a throwing action replaces the value",
          "[step05]") {
  const Run run = run_recorded([] {
    Future<int>::error(std::runtime_error("original"))
        .when_complete([] { print("clean-up 1"); })
        .catch_error([](std::exception_ptr e) {
          print("still failed: ", describe(e));
          return 0;
        });
    Future<int>::value(3)
        .when_complete([] {
          print("clean-up 2");
          throw std::runtime_error("clean-up failed");
        })
        .then([](const int& v) { print("value (never) ", v); })
        .catch_error([](std::exception_ptr e) { print("now failed: ", describe(e)); });
  });
  CHECK(run.lines ==
        Lines{"clean-up 1", "still failed: original", "clean-up 2", "now failed: clean-up failed"});
}

TEST_CASE("hidden 05: a callback's returned future that fails fails the chain", "[step05]") {
  const Run run = run_recorded([] {
    auto inner = Completer<int>::sync();
    Future<int>::value(1)
        .then([inner](const int&) { return inner.future(); })
        .then([](const int& v) { print("never ", v); })
        .catch_error([](std::exception_ptr e) { print("chain failed: ", describe(e)); });
    Timer::run([inner] {
      inner.complete_error(std::runtime_error("inner failed"));
      print("after failing the inner future");
    });
  });
  CHECK(run.lines == Lines{"chain failed: inner failed", "after failing the inner future"});
}

TEST_CASE("hidden 05: catch_error on a future that already failed runs in a microtask",
          "[step05]") {
  const Run run = run_recorded([] {
    auto failed = Future<void>::error(std::runtime_error("old news"));
    failed.catch_error([](std::exception_ptr) { print("first handler"); });
    Timer::run([failed] {
      schedule_microtask([] { print("microtask first"); });
      failed.catch_error([](std::exception_ptr e) { print("late handler: ", describe(e)); });
      print("catch_error returned");
    });
  });
  CHECK(run.lines == Lines{"first handler", "catch_error returned", "microtask first",
                           "late handler: old news"});
  CHECK(run.code == 0);
}

TEST_CASE("hidden 05: an error with no listener ends the isolate: exit 255, nothing else runs",
          "[step05]") {
  const Run run = run_recorded([] {
    Future<int>::error(std::runtime_error("nobody listens"));
    schedule_microtask([] { print("microtask (never)"); });
    Future<void>([] { print("event (never)"); });
    print("main returns");
  });
  CHECK(run.lines == Lines{"main returns"});
  CHECK(headline(run) == "Unhandled exception:\nnobody listens");
  CHECK(run.code == 255);
}

TEST_CASE("hidden 05: a handler added one microtask after the failure is too late", "[step05]") {
  const Run run = run_recorded([] {
    auto f = Future<int>::error(std::runtime_error("too late"));
    schedule_microtask([f] {
      f.catch_error([](std::exception_ptr) {
        print("handler (never)");
        return 0;
      });
      print("handler added");
    });
  });
  CHECK(run.lines.empty());
  CHECK(headline(run) == "Unhandled exception:\ntoo late");
  CHECK(run.code == 255);
}

TEST_CASE("hidden 05: an uncaught error surfaces before the microtasks already queued",
          "[step05]") {
  const Run run = run_recorded([] {
    schedule_microtask([] { print("queued before the error (never)"); });
    auto c = Completer<int>::sync();
    c.complete_error(std::runtime_error("unhandled at once"));
    print("the task goes on after the report");
  });
  CHECK(run.lines == Lines{"the task goes on after the report"});
  CHECK(headline(run) == "Unhandled exception:\nunhandled at once");
  CHECK(run.code == 255);
}

TEST_CASE("hidden 05: of two uncaught errors in one task, the first one is reported", "[step05]") {
  const Run run = run_recorded([] {
    Completer<int>::sync().complete_error(std::runtime_error("first"));
    Completer<int>::sync().complete_error(std::runtime_error("second"));
  });
  CHECK(run.errors.size() == 1);
  CHECK(headline(run) == "Unhandled exception:\nfirst");
  CHECK(run.code == 255);
}

TEST_CASE("hidden 05: a microtask that throws ends the isolate: the rest never runs", "[step05]") {
  const Run run = run_recorded([] {
    schedule_microtask([] { print("m1"); });
    schedule_microtask([] { throw std::runtime_error("m2 threw"); });
    schedule_microtask([] { print("m3 (never)"); });
    Timer::run([] { print("timer (never)"); });
  });
  CHECK(run.lines == Lines{"m1"});
  CHECK(headline(run) == "Unhandled exception:\nm2 threw");
  CHECK(run.code == 255);
}
