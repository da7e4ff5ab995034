// The sandbox, tested on sandbox_probe: each test asks the probe to misbehave in one way and
// checks what the sandbox let through. Where this machine's kernel refuses a protection (a
// container without namespaces), the launcher says so in Outcome::weakened and the tests check
// the protections that remain instead of failing.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sandbox.hpp"

namespace {

using dartloop::grader::describe;
using dartloop::grader::Ending;
using dartloop::grader::Limits;
using dartloop::grader::Outcome;
using dartloop::grader::run_sandboxed;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const fs::path kLauncher = DARTLOOP_SANDBOX_EXE;
const std::string kProbe = DARTLOOP_SANDBOX_PROBE;

// Generous deadlines: the tests check what was refused, never how fast.
Limits confined() {
  Limits limits;
  limits.wall = 20s;
  limits.cpu_seconds = 10;
  return limits;
}

Limits unconfined() {
  Limits limits = confined();
  limits.confine = false;
  return limits;
}

// The launcher run as the program, as by hand. A sanitizer-built launcher reserves terabytes
// of address space: no memory limit for it.
Limits for_launcher(Limits limits) {
  limits.memory_bytes = 0;
  return limits;
}

Outcome probe(std::vector<std::string> args, const Limits& limits) {
  args.insert(args.begin(), kProbe);
  const Outcome outcome = run_sandboxed(kLauncher, args, limits);
  INFO("launch error: " << outcome.launch_error);
  for (const auto& text : outcome.weakened) UNSCOPED_INFO("weakened: " << text);
  return outcome;
}

bool weakened_about(const Outcome& outcome, std::string_view words) {
  return std::any_of(outcome.weakened.begin(), outcome.weakened.end(),
                     [&](const std::string& text) { return text.find(words) != text.npos; });
}

bool has_filter(const Outcome& outcome) { return !weakened_about(outcome, "system-call filter"); }

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    result.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return result;
}

// A folder the test owns, readable by everyone (so that a refusal comes from what the test
// checks, not from the folder's mode).
class TempDir {
 public:
  TempDir() {
    // Beside the probe: in /tmp, a confined program would see only its own private folder.
    std::string pattern = (fs::path(kProbe).parent_path() / "test-sandbox.XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
    fs::permissions(path_, fs::perms(0755));
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }
  [[nodiscard]] fs::path write(const std::string& name, const std::string& text) const {
    const fs::path file = path_ / name;
    std::ofstream(file) << text << '\n';
    fs::permissions(file, fs::perms(0644));
    return file;
  }

 private:
  fs::path path_;
};

}  // namespace

TEST_CASE("The program's exit code passes through, confined or not", "[sandbox]") {
  for (const Limits& limits : {confined(), unconfined()}) {
    const Outcome outcome = probe({"exit", "7"}, limits);
    CHECK(outcome.ending == Ending::exited);
    CHECK(outcome.exit_code == 7);
    CHECK(describe(outcome) == "exited with code 7");
    CHECK(probe({"exit", "0"}, limits).exit_code == 0);
  }
}

TEST_CASE("Standard output and error are captured separately", "[sandbox]") {
  const Outcome outcome = probe({"echo", "to stdout", "to stderr"}, confined());
  CHECK(outcome.ending == Ending::exited);
  CHECK(outcome.out == "to stdout\n");
  CHECK(outcome.err == "to stderr\n");
  CHECK_FALSE(outcome.output_truncated);
}

TEST_CASE("A crash is reported with its signal", "[sandbox]") {
  const Outcome segv = probe({"segv"}, confined());
  CHECK(segv.ending == Ending::signaled);
  CHECK(segv.signal == SIGSEGV);
  CHECK(describe(segv) == "killed by signal 11 (SIGSEGV)");

  const Outcome abort = probe({"abort"}, confined());
  CHECK(abort.ending == Ending::signaled);
  CHECK(abort.signal == SIGABRT);
}

TEST_CASE("A program still running at the wall-clock deadline is killed", "[sandbox]") {
  Limits limits = confined();
  limits.wall = 300ms;
  const Outcome outcome = probe({"sleep"}, limits);
  CHECK(outcome.ending == Ending::wall_timeout);
  CHECK(describe(outcome) == "still running after 300 ms (wall-clock limit)");
  CHECK(outcome.wall < 60s);  // killed, not waited out (the probe sleeps 600 s)
}

TEST_CASE("A program using up its CPU seconds is stopped", "[sandbox]") {
  Limits limits = confined();
  limits.cpu_seconds = 1;
  limits.wall = 10s;
  const Outcome outcome = probe({"spin"}, limits);
  CHECK(outcome.ending == Ending::cpu_timeout);
  CHECK(outcome.cpu >= 500ms);  // the kernel samples CPU time: no exact comparison
  CHECK(describe(outcome) == "used its 1 s of CPU time");
}

TEST_CASE("Output past the kill limit ends the program, and the kept part is capped", "[sandbox]") {
  Limits limits = confined();
  limits.output_kill_bytes = std::size_t{1} << 20;
  limits.output_keep_bytes = 4096;
  const Outcome flood = probe({"print-bytes", std::to_string(std::size_t{256} << 20)}, limits);
  CHECK(flood.ending == Ending::output_flood);
  CHECK(flood.output_truncated);
  CHECK(flood.out == std::string(4096, 'x'));
  CHECK(describe(flood) == "wrote more than 1 MiB of output");

  // Under the kill limit but over the kept part: the program finishes, the text is cut.
  const Outcome big = probe({"print-bytes", "10000"}, limits);
  CHECK(big.ending == Ending::exited);
  CHECK(big.exit_code == 0);
  CHECK(big.output_truncated);
  CHECK(big.out.size() == 4096);
}

TEST_CASE("A confined program cannot start processes but can start threads", "[sandbox]") {
  const Outcome fork = probe({"fork"}, confined());
  const Outcome thread = probe({"thread"}, confined());
  CHECK(thread.ending == Ending::exited);
  CHECK(thread.out == "thread ok 42\n");
  if (has_filter(fork)) {
    CHECK(fork.exit_code == 3);
    CHECK(fork.out == "fork failed: Operation not permitted\n");
  }
  // The probe itself can fork: the refusal above is the sandbox's.
  CHECK(probe({"fork"}, unconfined()).out == "fork ok\n");
}

TEST_CASE("A confined fork bomb ends quickly", "[sandbox]") {
  Limits limits = confined();
  limits.wall = 10s;
  const Outcome outcome = probe({"fork-bomb"}, limits);
  if (has_filter(outcome)) {
    CHECK(outcome.ending == Ending::exited);
    CHECK(outcome.exit_code == 3);
  } else {
    CHECK(outcome.ending != Ending::not_started);
  }
}

TEST_CASE("A confined program that leaves its session still cannot fork", "[sandbox]") {
  const Outcome outcome = probe({"setsid-escape"}, confined());
  CHECK(outcome.ending == Ending::exited);
  if (has_filter(outcome)) CHECK(outcome.out.find("fork ok") == std::string::npos);
}

TEST_CASE("A confined program has no network", "[sandbox]") {
  const Outcome inet = probe({"socket-inet"}, confined());
  if (has_filter(inet)) {
    CHECK(inet.exit_code == 3);
    CHECK(inet.out == "socket failed: Permission denied\n");
  } else if (!weakened_about(inet, "network namespace")) {
    CHECK(inet.exit_code == 3);
    CHECK(inet.out == "connect failed: Network is unreachable\n");  // loopback only, and down
  } else {
    WARN("no network isolation on this machine");
  }
  const Outcome local = probe({"socket-unix"}, confined());
  CHECK(local.out == "unix ok\n");
}

TEST_CASE("A confined program sees only the environment it is given", "[sandbox]") {
  Limits limits = confined();
  limits.env = {"FOO=bar"};
  const Outcome env = probe({"env"}, limits);
  REQUIRE(env.ending == Ending::exited);
  std::set<std::string> names;
  std::string home;
  std::string tmpdir;
  for (const auto& line : lines(env.out)) {
    const auto equals = line.find('=');
    names.insert(line.substr(0, equals));
    if (line.starts_with("HOME=")) home = line.substr(5);
    if (line.starts_with("TMPDIR=")) tmpdir = line.substr(7);
  }
  CHECK(names == std::set<std::string>{"FOO", "HOME", "LANG", "PATH", "TMPDIR"});
  CHECK(lines(env.out).size() == 5);
  CHECK(env.out.find("FOO=bar\n") != std::string::npos);
  CHECK(env.out.find("PATH=/usr/bin:/bin\n") != std::string::npos);
  // /tmp is the private folder itself where a mount namespace is available.
  CHECK((home == "/tmp" || home.starts_with("/tmp/dartloop-sandbox.")));
  CHECK(tmpdir == home);
  if (home != "/tmp") CHECK_FALSE(fs::exists(home));  // removed after the run

  // What it leaves in /tmp goes with its private folder.
  const std::string leak = "/tmp/test-sandbox-leak-" + std::to_string(::getpid());
  CHECK(probe({"write-file", leak, "10"}, limits).out == "wrote 10\n");
  CHECK_FALSE(fs::exists(leak));

  const Outcome cwd = probe({"cwd"}, limits);
  CHECK(cwd.out.starts_with("/tmp/dartloop-sandbox."));
}

TEST_CASE("Only the descriptors the program is given are open", "[sandbox]") {
  // A descriptor the grader forgot to mark close-on-exec must not reach the program.
  const int leaked = ::open("/dev/null", O_RDONLY);
  REQUIRE(leaked >= 0);

  CHECK(probe({"open-fds"}, confined()).out == "0 1 2\n");
  CHECK(probe({"open-fds"}, unconfined()).out == "0 1 2\n");

  Limits limits = confined();
  limits.control_bytes = "x";
  limits.channel_fd = 6;
  CHECK(probe({"open-fds"}, limits).out == "0 1 2 3 6\n");
  limits.confine = false;
  CHECK(probe({"open-fds"}, limits).out == "0 1 2 3 6\n");
  ::close(leaked);
}

TEST_CASE("The confined launcher closes descriptors it is not told to keep", "[sandbox]") {
  // By hand, nothing closes the launcher's descriptors before it runs: here 3 and 6.
  const TempDir tmp;
  Limits outer = for_launcher(unconfined());
  outer.control_bytes = "x";
  outer.channel_fd = 6;
  const std::vector<std::string> start{kLauncher.string(), "--confine", "--tmp",
                                       tmp.path().string()};
  auto with = [&](std::vector<std::string> options) {
    std::vector<std::string> args = start;
    args.insert(args.end(), options.begin(), options.end());
    args.insert(args.end(), {"--", kProbe, "open-fds"});
    return run_sandboxed(kLauncher, args, outer);
  };
  CHECK(with({}).out == "0 1 2\n");
  CHECK(with({"--keep-fd", "6"}).out == "0 1 2 6\n");

  // Nor does the launcher give away a shared folder such as /tmp.
  const Outcome shared = run_sandboxed(
      kLauncher, {kLauncher.string(), "--confine", "--tmp", "/tmp", "--", kProbe, "exit", "0"},
      outer);
  CHECK(shared.exit_code == 125);
  CHECK(shared.err.find("must be a private folder") != std::string::npos);
  struct stat info {};
  REQUIRE(::stat("/tmp", &info) == 0);
  CHECK((info.st_mode & S_ISVTX) != 0);
}

TEST_CASE("Control bytes are readable on descriptor 3", "[sandbox]") {
  Limits limits = confined();
  limits.control_bytes = "run test 4\nseed 17";
  const Outcome outcome = probe({"read-fd3"}, limits);
  CHECK(outcome.ending == Ending::exited);
  CHECK(outcome.out == "run test 4\nseed 17\n");
}

TEST_CASE("What the program writes on the channel descriptor is collected", "[sandbox]") {
  Limits limits = confined();
  limits.channel_fd = 7;
  const Outcome outcome = probe({"channel", "7", "{\"passed\": 3}"}, limits);
  CHECK(outcome.ending == Ending::exited);
  CHECK(outcome.channel == "{\"passed\": 3}");
  CHECK(outcome.out.empty());
}

TEST_CASE("Files larger than the limit cannot be written", "[sandbox]") {
  Limits limits = confined();
  limits.file_size_bytes = std::size_t{1} << 20;
  const Outcome big = probe({"write-file", "big", std::to_string(4 << 20)}, limits);
  CHECK(big.exit_code == 3);
  CHECK(big.out == "write failed: File too large\n");
  const Outcome small = probe({"write-file", "small", "65536"}, limits);
  CHECK(small.out == "wrote 65536\n");
}

TEST_CASE("Memory past the limit cannot be allocated", "[sandbox]") {
  Limits limits = confined();
  limits.memory_bytes = std::uint64_t{256} << 20;
  const Outcome big = probe({"alloc", "2048"}, limits);
  CHECK(big.exit_code == 3);
  CHECK(big.out == "alloc failed: Cannot allocate memory\n");
  const Outcome small = probe({"alloc", "64"}, limits);
  CHECK(small.out == "allocated 64 MB\n");
  CHECK(small.max_rss_bytes >= std::uint64_t{64} << 20);
}

TEST_CASE("Hidden paths cannot be read by a confined program", "[sandbox]") {
  const TempDir kit;
  const fs::path secret = kit.write("solution.txt", "the answer");
  const fs::path single = kit.write("single.txt", "single file");

  CHECK(probe({"read", secret.string()}, unconfined()).out == "the answer\n");

  Limits limits = confined();
  if (probe({"read", secret.string()}, limits).out != "the answer\n") {
    // A build in /tmp: the confined program sees a private /tmp, so nothing placed beside the
    // probe is visible to it even unhidden, and there is nothing left to show.
    SUCCEED("the test's files are invisible to a confined program anyway (a build in /tmp?)");
    return;
  }
  limits.hidden = {kit.path()};
  const Outcome hidden = probe({"read", secret.string()}, limits);
  if (weakened_about(hidden, "not hidden")) {
    WARN("hidden paths not supported here: " << hidden.weakened.front());
    return;
  }
  CHECK(hidden.exit_code == 3);
  CHECK(hidden.out == "read failed: No such file or directory\n");

  limits.hidden = {single};
  CHECK(probe({"read", single.string()}, limits).out == "\n");  // an empty file now
  CHECK(probe({"read", secret.string()}, limits).out == "the answer\n");

  // The program itself and its folder may be inside a hidden path.
  limits.hidden = {fs::path(kProbe).parent_path(), "/tmp"};
  const Outcome inside = probe({"write-file", "scratch", "10"}, limits);
  CHECK(inside.ending == Ending::exited);
  CHECK(inside.out == "wrote 10\n");
}

TEST_CASE("A confined program started by root runs as nobody", "[sandbox]") {
  if (::geteuid() != 0) {
    SUCCEED("not root: the program keeps the caller's uid inside a user namespace");
    return;
  }
  const TempDir kit;
  const fs::path owned = kit.write("owned.txt", "root's");
  const auto size_before = fs::file_size(owned);
  CHECK(probe({"whoami"}, confined()).out == "65534 65534 65534\n");
  const Outcome write = probe({"write-file", owned.string(), "10"}, confined());
  CHECK(write.exit_code == 3);
  // Denied; or, with the build in /tmp, not even there: the program sees a private /tmp.
  CHECK((write.out == "open failed: Permission denied\n" ||
         (owned.string().rfind("/tmp/", 0) == 0 &&
          write.out == "open failed: No such file or directory\n")));
  CHECK(fs::file_size(owned) == size_before);  // untouched
  // Its private folder is its own.
  CHECK(probe({"write-file", "mine", "10"}, confined()).out == "wrote 10\n");
}

TEST_CASE("A confined program can signal only itself", "[sandbox]") {
  const Outcome all = probe({"kill-all"}, confined());
  const Outcome parent = probe({"kill-parent"}, confined());
  if (has_filter(all)) {
    CHECK(all.out == "kill(-1) failed: Operation not permitted\n");
    CHECK(parent.out == "kill(parent) failed: Operation not permitted\n");
  }
  CHECK(probe({"kill-all"}, unconfined()).out == "kill(-1) allowed\n");
}

TEST_CASE("A confined program cannot use ptrace", "[sandbox]") {
  const Outcome outcome = probe({"ptrace"}, confined());
  if (has_filter(outcome)) CHECK(outcome.out == "ptrace failed: Operation not permitted\n");
}

TEST_CASE("An unconfined program keeps the environment and folder and may start processes",
          "[sandbox]") {
  REQUIRE(::setenv("DARTLOOP_SANDBOX_TEST_VAR", "kept", 1) == 0);
  Limits limits = unconfined();
  limits.env = {"FOO=added"};
  const std::vector<std::string> script{
      "/bin/sh", "-c", "echo \"$DARTLOOP_SANDBOX_TEST_VAR $FOO\"; pwd; /bin/true && echo child ok"};
  const Outcome here = run_sandboxed(kLauncher, script, limits);
  CHECK(here.ending == Ending::exited);
  CHECK(here.exit_code == 0);
  CHECK(here.out == "kept added\n" + fs::current_path().string() + "\nchild ok\n");

  const TempDir elsewhere;
  limits.cwd = elsewhere.path();
  const Outcome there = run_sandboxed(kLauncher, script, limits);
  CHECK(there.out == "kept added\n" + elsewhere.path().string() + "\nchild ok\n");
}

TEST_CASE("Processes left behind are killed when the program ends", "[sandbox]") {
  const TempDir dir;
  const fs::path late = dir.path() / "late";
  const Outcome outcome = run_sandboxed(
      kLauncher, {"/bin/sh", "-c", "(sleep 1; echo late > " + late.string() + ") & echo started"},
      unconfined());
  CHECK(outcome.ending == Ending::exited);
  CHECK(outcome.out == "started\n");
  CHECK(outcome.wall < 30s);
  std::this_thread::sleep_for(1500ms);
  CHECK_FALSE(fs::exists(late));  // the shell's background job was killed with it
}

TEST_CASE("The launcher refuses a wrong flag with a clear message and status 125", "[sandbox]") {
  const std::string launcher = kLauncher.string();
  const Outcome by_hand = run_sandboxed(kLauncher, {launcher, "--bogus", "--", "/bin/true"},
                                        for_launcher(unconfined()));
  CHECK(by_hand.ending == Ending::exited);
  CHECK(by_hand.exit_code == 125);
  CHECK(by_hand.err.starts_with("dartloop-sandbox: error: unknown option '--bogus'\n"));
  CHECK(by_hand.err.find("usage: dartloop-sandbox") != std::string::npos);

  const Outcome bad_number = run_sandboxed(
      kLauncher, {launcher, "--memory", "lots", "--", "/bin/true"}, for_launcher(unconfined()));
  CHECK(bad_number.exit_code == 125);
  CHECK(bad_number.err.find("--memory needs a whole number, not 'lots'") != std::string::npos);

  const Outcome no_tmp = run_sandboxed(kLauncher, {launcher, "--confine", "--", "/bin/true"},
                                       for_launcher(unconfined()));
  CHECK(no_tmp.exit_code == 125);
  CHECK(no_tmp.err.find("--confine needs --tmp DIR") != std::string::npos);
}

TEST_CASE("A program that cannot be started is told apart from one that fails", "[sandbox]") {
  for (const Limits& limits : {confined(), unconfined()}) {
    const Outcome missing = run_sandboxed(kLauncher, {"/nonexistent/program"}, limits);
    CHECK(missing.ending == Ending::not_started);
    CHECK(missing.launch_error.find("/nonexistent/program") != std::string::npos);
    CHECK(describe(missing).starts_with("could not start: "));

    const Outcome no_such_name = run_sandboxed(kLauncher, {"no-such-program-here"}, limits);
    CHECK(no_such_name.ending == Ending::not_started);
  }
  // A program exiting 125 on its own is still just an exit code.
  const Outcome own = probe({"exit", "125"}, confined());
  CHECK(own.ending == Ending::exited);
  CHECK(own.exit_code == 125);

  const Outcome no_launcher = run_sandboxed("/nonexistent/launcher", {kProbe}, confined());
  CHECK(no_launcher.ending == Ending::not_started);
  CHECK(no_launcher.launch_error.find("launcher") != std::string::npos);
}

TEST_CASE("Runs from several threads at once do not mix", "[sandbox]") {
  constexpr int kThreads = 4;
  constexpr int kRuns = 3;
  std::vector<std::vector<Outcome>> results(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t, &results] {
        for (int run = 0; run < kRuns; ++run) {
          Limits limits = (t + run) % 2 == 0 ? confined() : unconfined();
          limits.channel_fd = 4 + t;
          const std::string tag = std::to_string(t) + "/" + std::to_string(run);
          results[static_cast<std::size_t>(t)].push_back(run_sandboxed(
              kLauncher, {kProbe, "channel", std::to_string(4 + t), "channel " + tag}, limits));
          results[static_cast<std::size_t>(t)].push_back(
              run_sandboxed(kLauncher, {kProbe, "echo", "out " + tag, "err " + tag}, limits));
        }
      });
    }
  }
  for (int t = 0; t < kThreads; ++t) {
    const auto& outcomes = results[static_cast<std::size_t>(t)];
    REQUIRE(outcomes.size() == 2 * kRuns);
    for (int run = 0; run < kRuns; ++run) {
      const std::string tag = std::to_string(t) + "/" + std::to_string(run);
      const Outcome& channel = outcomes[static_cast<std::size_t>(2 * run)];
      const Outcome& echo = outcomes[static_cast<std::size_t>(2 * run + 1)];
      CHECK(channel.ending == Ending::exited);
      CHECK(channel.channel == "channel " + tag);
      CHECK(echo.out == "out " + tag + "\n");
      CHECK(echo.err == "err " + tag + "\n");
    }
  }
}

TEST_CASE("A confined launcher cannot confine further, and says what it could not do",
          "[sandbox]") {
  // Inside the sandbox no namespace can be made: the inner launcher meets what a container
  // without namespaces would give it.
  if (kProbe.rfind("/tmp/", 0) == 0 || kProbe.rfind("/var/tmp/", 0) == 0) {
    SUCCEED("the build is in /tmp, which a confined program sees as its own: no probe there");
    return;
  }
  const TempDir kit;
  const fs::path secret = kit.write("solution.txt", "the answer");
  const Outcome nested = run_sandboxed(kLauncher,
                                       {kLauncher.string(), "--confine", "--tmp", ".", "--hide",
                                        kit.path().string(), "--", kProbe, "read", secret.string()},
                                       for_launcher(confined()));
  if (!has_filter(nested)) return;  // then the inner launcher can unshare after all
  CHECK(nested.ending == Ending::exited);
  CHECK(nested.err.find("dartloop-sandbox: weakened: no mount namespace") != std::string::npos);
  CHECK(nested.err.find("dartloop-sandbox: weakened: not hidden: " + kit.path().string()) !=
        std::string::npos);
  CHECK(nested.err.find("dartloop-sandbox: weakened: no network namespace") != std::string::npos);
}

TEST_CASE("Protections this machine lacks are named", "[sandbox]") {
  const Outcome outcome = probe({"exit", "0"}, confined());
  for (const auto& text : outcome.weakened) {
    WARN("weakened: " << text);
    CHECK((text.starts_with("no ") || text.starts_with("not hidden: ") ||
           text.starts_with("limit not applied: ")));
  }
  CHECK(outcome.ending == Ending::exited);
}

TEST_CASE("describe names each ending", "[sandbox]") {
  Outcome outcome;
  outcome.ending = Ending::wall_timeout;
  outcome.wall_limit = 10s;
  CHECK(describe(outcome) == "still running after 10 s (wall-clock limit)");
  outcome.wall_limit = 1500ms;
  CHECK(describe(outcome) == "still running after 1.5 s (wall-clock limit)");
  outcome.ending = Ending::cpu_timeout;
  outcome.cpu_limit_seconds = 10;
  CHECK(describe(outcome) == "used its 10 s of CPU time");
  outcome.ending = Ending::output_flood;
  outcome.output_limit_bytes = std::size_t{8} << 20;
  CHECK(describe(outcome) == "wrote more than 8 MiB of output");
  outcome.ending = Ending::signaled;
  outcome.signal = SIGKILL;
  CHECK(describe(outcome) == "killed by signal 9 (SIGKILL)");
  outcome.ending = Ending::not_started;
  outcome.launch_error = "cannot run 'x': No such file or directory";
  CHECK(describe(outcome) == "could not start: cannot run 'x': No such file or directory");
}
