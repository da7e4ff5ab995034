// Public tests of step 5: a few examples of the rules. The hidden tests check many more.
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
/// The first @p n lines of @p text (the reference runtime adds a stack trace after them).
std::string first_lines(const std::string& text, int n) {
  std::size_t end = 0;
  for (int i = 0; i < n && end != std::string::npos; ++i) end = text.find('\n', end + (i > 0));
  return text.substr(0, end);
}
}  // namespace

TEST_CASE("an error skips the then-callbacks and reaches catch_error", "[step05]") {
  const Run run = run_recorded([] {
    Future<int>::value(1)
        .then([](const int& v) -> int {
          print("first link got ", v);
          throw std::runtime_error("broken");
        })
        .then([](const int& v) {
          print("never: ", v);
          return v;
        })
        .catch_error([](std::exception_ptr e) {
          print("caught: ", describe(e));
          return 0;
        });
  });
  CHECK(run.lines == Lines{"first link got 1", "caught: broken"});
  CHECK(run.code == 0);
}

TEST_CASE("when_complete runs on a value and on an error alike", "[step05]") {
  const Run run = run_recorded([] {
    Future<int>::value(1).when_complete([] { print("done (value)"); }).then([](const int& v) {
      print("value passed on: ", v);
    });
    Future<int>::error(std::runtime_error("oops"))
        .when_complete([] { print("done (error)"); })
        .catch_error([](std::exception_ptr e) {
          print("error passed on: ", describe(e));
          return 0;
        });
  });
  CHECK(run.lines ==
        Lines{"done (value)", "value passed on: 1", "done (error)", "error passed on: oops"});
}

TEST_CASE("an error nobody handles ends the program with exit code 255", "[step05]") {
  const Run run = run_recorded([] {
    Future<int>::error(std::runtime_error("nobody listens"));
    Future<void>([] { print("never runs"); });
  });
  CHECK(run.lines.empty());
  REQUIRE(run.errors.size() == 1);
  CHECK(first_lines(run.errors[0], 2) == "Unhandled exception:\nnobody listens");
  CHECK(run.code == 255);
}
