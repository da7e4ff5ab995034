// Placeholder replaced below.
#include <catch2/catch.hpp>

#include "dartloop/dartloop.hpp"
#include "support.hpp"

using namespace dartloop;

TEST_CASE("test_generators: the stream headers compile and a listener sees a value", "[streams]") {
  auto run = dartloop::test::run_isolate([] {
    Stream<int>::value(7).listen([](const int& v) { print(std::to_string(v)); });
  });
  CHECK(run.output == std::vector<std::string>{"7"});
}
