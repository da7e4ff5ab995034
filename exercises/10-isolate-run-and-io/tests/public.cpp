// Public tests of step 10: a few examples of the rules. The hidden tests check many more.
#include <catch2/catch.hpp>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"
#include "dartloop/io/file.hpp"

using namespace dartloop;
using namespace dartloop::testing;

TEST_CASE("Isolate::run's result is an event: after the microtasks and the queued timer",
          "[step10]") {
  const Lines lines = run_program([] {
    Timer::run([] { print("zero timer"); });  // queued before the computation starts
    Isolate::run([] { return 6 * 7; }).then([](const int& v) { print("result ", v); });
    schedule_microtask([] { print("microtask"); });
    print("main asked");
  });
  CHECK(lines == Lines{"main asked", "microtask", "zero timer", "result 42"});
}

TEST_CASE("an exception thrown by the computation fails the caller's future, type and all",
          "[step10]") {
  const Lines lines = run_program([] {
    Isolate::run([]() -> int {
      throw std::invalid_argument("no such planet");
    }).catch_error([](const std::exception_ptr& e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::invalid_argument& error) {
        print("invalid_argument: ", error.what());
      } catch (...) {
        print("another kind of error");
      }
      return 0;
    });
  });
  CHECK(lines == Lines{"invalid_argument: no such planet"});
}

TEST_CASE("read_file's content arrives as an event, and the isolate waits for it", "[step10]") {
  const ScratchFile file("greeting.txt");
  std::ofstream(file.path) << "hello from the disk";
  const Lines lines = run_program([&file] {
    Timer::run([] { print("zero timer"); });
    io::read_file(file.path).then([](const std::string& text) { print("read: ", text); });
    print("main asked");
  });
  CHECK(lines == Lines{"main asked", "zero timer", "read: hello from the disk"});
}
