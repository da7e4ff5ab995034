// The main of every graded test program: a hidden test source, a learner's runtime and this
// file. It runs one test case per process and tells the grader how it went on a channel the
// learner's code cannot forge:
//
// - the grader writes "<secret> <fd>" on descriptor 3; `take_control` reads and closes it in
//   a constructor of priority 101, before any static initializer of the learner's files runs
//   (the source policy refuses constructor attributes and init_priority in a submission);
// - every line on the channel descriptor <fd> starts with the secret; the last one, the
//   sentinel "<secret> end pass|fail <passed> <failed>", is written only after Catch2 has
//   finished the case. A program that exits early, crashes or hangs never writes it.
//
// Run by hand (no descriptor 3) it is an ordinary Catch2 program with two extra flags:
//   graded_NN --list         the names of the test cases, one per line
//   graded_NN --case NAME    only the case called exactly NAME
// which is how a failure is replayed locally.
#define CATCH_CONFIG_RUNNER
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

// The channel: secret and descriptor, or none when run by hand.
struct Channel {
  std::string secret;
  int fd = -1;
};

Channel& channel() {
  static Channel c;
  return c;
}

// Whether a test case began: `--case` with a name that matches nothing is an error.
bool& case_started() {
  static bool started = false;
  return started;
}

// Reads "<secret> <fd>" from descriptor 3 when the grader gave it, then closes it so that the
// learner's code never sees the secret on a descriptor.
__attribute__((constructor(101))) void take_control() {
  if (fcntl(3, F_GETFD) == -1) return;
  std::string text;
  char buffer[256];
  for (;;) {
    const ssize_t n = read(3, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<std::size_t>(n));
      if (text.size() > 1024) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  close(3);
  const auto space = text.find(' ');
  if (space == std::string::npos || space == 0) return;
  channel().secret = text.substr(0, space);
  channel().fd = std::atoi(text.c_str() + space + 1);
}

// One whole line or nothing: a partial write would look like tampering to the grader.
void send(std::string_view what) {
  const Channel& c = channel();
  if (c.fd < 0) return;
  std::string line = c.secret;
  line += ' ';
  line += what;
  line += '\n';
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = write(c.fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
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
  if (channel().fd >= 0) {
    std::cerr << "graded test program: the grader must pass --case NAME\n";
    return 2;
  }
  return session.run(argc, argv);
}
