// Public tests of step 4: a few examples of the rules. The hidden tests check many more.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"

using namespace dartloop;
using namespace dartloop::testing;

TEST_CASE("Future(f) runs f as an event, after the microtasks", "[step04]") {
  const Lines lines = run_program([] {
    Future<int>([] { return 42; }).then([](const int& v) { print("event gave ", v); });
    schedule_microtask([] { print("microtask"); });
  });
  CHECK(lines == Lines{"microtask", "event gave 42"});
}

TEST_CASE("a then-chain runs in one go: two chains print a1 a2 b1 b2", "[step04]") {
  const Lines lines = run_program([] {
    Future<int>::value(1)
        .then([](const int& v) {
          print("a", v);
          return v + 1;
        })
        .then([](const int& v) { print("a", v); });
    Future<int>::value(1)
        .then([](const int& v) {
          print("b", v);
          return v + 1;
        })
        .then([](const int& v) { print("b", v); });
  });
  CHECK(lines == Lines{"a1", "a2", "b1", "b2"});
}

TEST_CASE("a Completer completes in a microtask; Completer::sync completes at once", "[step04]") {
  const Lines lines = run_program([] {
    Completer<int> later;
    later.future().then([](const int& v) { print("async completer: ", v); });
    auto now = Completer<int>::sync();
    now.future().then([](const int& v) { print("sync completer: ", v); });
    later.complete(1);
    now.complete(2);
    print("after both complete() calls");
  });
  CHECK(lines == Lines{"sync completer: 2", "after both complete() calls", "async completer: 1"});
}
