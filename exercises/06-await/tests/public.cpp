// Public tests of step 6: a few examples of the rules. The hidden tests check many more.
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

// Coroutines are free functions: a coroutine lambda must not capture.

Future<int> add_later(Future<int> a, int b) {
  print("add_later starts");
  const int v = co_await a;
  print("add_later resumes");
  co_return v + b;
}

Future<void> show(Future<int> f) {
  const int v = co_await f;
  print("shown: ", v);
}

Future<void> fails() {
  co_await Future<void>::value();
  throw std::runtime_error("failed after an await");
}
}  // namespace

TEST_CASE("an async function runs until its first co_await, then its caller goes on", "[step06]") {
  const Lines lines = run_program_with_errors([] {
    add_later(Future<int>::value(1), 2).then([](const int& v) { print("result ", v); });
    print("the caller goes on");
  });
  CHECK(lines == Lines{"add_later starts", "the caller goes on", "add_later resumes", "result 3"});
}

TEST_CASE("co_await of a pending future resumes before microtasks queued earlier", "[step06]") {
  const Lines lines = run_program_with_errors([] {
    Completer<int> c;
    show(c.future());
    c.complete(5);                                   // its completion microtask is queued now...
    schedule_microtask([] { print("microtask"); });  // ...before this one
  });
  CHECK(lines == Lines{"shown: 5", "microtask"});
}

TEST_CASE("a throw in an async function fails its future", "[step06]") {
  const Lines lines = run_program_with_errors(
      [] { fails().catch_error([](std::exception_ptr e) { print("caught: ", describe(e)); }); });
  CHECK(lines == Lines{"caught: failed after an await"});
}
