// The main of every graded test program: a hidden test source, a learner's runtime and this
// file. It runs one test case per process and tells the grader how it went on a channel the
// learner's code cannot forge (channel.hpp): "<secret> begin NAME" when the case starts, and
// the sentinel "<secret> end pass|fail <passed> <failed>" only after Catch2 has finished the
// case. A program that exits early, crashes or hangs never writes the sentinel.
//
// Run by hand (no descriptor 3) it is an ordinary Catch2 program with two extra flags:
//   graded_NN --list         the names of the test cases, one per line
//   graded_NN --case NAME    only the case called exactly NAME
// which is how a failure is replayed locally.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "channel.hpp"

namespace {

using dartloop::grader_channel::send;

// Whether a test case began: `--case` with a name that matches nothing is an error.
bool& case_started() {
  static bool started = false;
  return started;
}

// Reports the case's start and its verdict on the channel. A case whose assertions never ran
// (a learner's header that empties REQUIRE, say) is a failure, not a pass.
class ChannelListener : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;

  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    TestEventListenerBase::testCaseStarting(info);
    case_started() = true;
    send("begin " + info.name);
  }

  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    const auto& a = stats.totals.assertions;
    const bool passed = a.failed == 0 && a.failedButOk == 0 && a.passed > 0;
    if (a.passed == 0 && a.failed == 0) {
      std::cout << "grader: no assertion of this test case ran\n";
    }
    send(std::string(passed ? "end pass " : "end fail ") + std::to_string(a.passed) + ' ' +
         std::to_string(a.failed));
    TestEventListenerBase::testCaseEnded(stats);
  }
};

}  // namespace

CATCH_REGISTER_LISTENER(ChannelListener)

namespace {

// A Catch2 test spec that matches exactly `name`: its special characters escaped.
std::string exact_spec(std::string_view name) {
  std::string spec;
  for (const char ch : name) {
    if (std::strchr("\\[],*~\"", ch) != nullptr) spec += '\\';
    spec += ch;
  }
  return spec;
}

int list_cases() {
  Catch::Session session;
  std::vector<Catch::TestCase> cases =
      Catch::getAllTestCasesSorted(session.config());  // registration order kept by Catch
  for (const auto& test : cases) std::cout << test.name << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  if (args.size() == 2 && args[1] == "--list") return list_cases();

  Catch::Session session;
  if (args.size() == 3 && args[1] == "--case") {
    session.configData().testsOrTags = {exact_spec(args[2])};
    session.configData().runOrder = Catch::RunTests::InDeclarationOrder;
    const int failed = session.run();
    if (!case_started()) {
      std::cerr << "graded test program: no test case is called \"" << args[2] << "\"\n";
      return 3;
    }
    return failed == 0 ? 0 : 1;
  }
  if (dartloop::grader_channel::open()) {
    std::cerr << "graded test program: the grader must pass --case NAME\n";
    return 2;
  }
  return session.run(argc, argv);
}
