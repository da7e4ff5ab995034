#pragma once
// Given: what the course's tests share. Public tests, hidden tests and the grader include it;
// it uses only the public API, so it compiles against your runtime, the model solutions and
// the reference runtime alike.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dartloop/dartloop.hpp"

namespace dartloop::testing {

/// The lines a program printed, in order.
using Lines = std::vector<std::string>;

/// A loop on the virtual clock that keeps the lines printed on it (for steps 1 and 2, which
/// drive a loop by hand: `within`, `flush_microtasks`, `run_until_idle`, `elapse`).
struct Fixture {
  EventLoop loop{ClockKind::virtual_time};  ///< The loop under test.
  Lines lines;                              ///< What was printed on it so far.
  Fixture() {
    loop.set_output([this](std::string_view line) { lines.emplace_back(line); });
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
};

/// Runs @p program as the first event of a fresh loop on the virtual clock and returns what
/// it printed, once the loop has ended — and, with it, every isolate it started (their
/// threads are joined when main's loop is destroyed).
template <class F>
Lines run_program(F program) {
  Lines lines;
  {
    EventLoop loop(ClockKind::virtual_time);
    loop.set_output([&lines](std::string_view line) { lines.emplace_back(line); });
    loop.run(program);
  }
  return lines;
}

/// As `run_program`, with the reports of uncaught errors kept among the lines, in order.
template <class F>
Lines run_program_with_errors(F program) {
  Lines lines;
  {
    EventLoop loop(ClockKind::virtual_time);
    loop.set_output([&lines](std::string_view line) { lines.emplace_back(line); });
    loop.set_error_output([&lines](std::string_view text) { lines.emplace_back(text); });
    loop.run(program);
  }
  return lines;
}

/// What a whole program did.
struct Run {
  Lines lines;               ///< What it printed.
  Lines errors;              ///< Its error reports (unless kept among the lines).
  int code = -1;             ///< What `EventLoop::run` returned: its exit code.
  std::int64_t end_ms = -1;  ///< The loop's time when it ended, in milliseconds.
};

/// Where `run_recorded` puts a program's error reports.
enum class Reports {
  apart,       ///< in `Run::errors`
  among_lines  ///< in `Run::lines`, in order with the printed lines
};

/// As `run_program`, and also the error reports (put as @p reports says), the exit code and
/// the time at the end.
template <class F>
Run run_recorded(Reports reports, F program) {
  Run run;
  {
    EventLoop loop(ClockKind::virtual_time);
    loop.set_output([&run](std::string_view line) { run.lines.emplace_back(line); });
    Lines& report_to = reports == Reports::apart ? run.errors : run.lines;
    loop.set_error_output([&report_to](std::string_view text) { report_to.emplace_back(text); });
    run.code = loop.run(program);
    run.end_ms = loop.now().count() / 1000;
  }
  return run;
}

/// `run_recorded` with the error reports apart from the printed lines.
template <class F>
Run run_recorded(F program) {
  return run_recorded(Reports::apart, std::move(program));
}

/// A file of this test process's own (the process id is in its name, so parallel test runs
/// never meet), removed when the test ends.
struct ScratchFile {
  std::string path;  ///< Where it is (it need not exist).
  /// A path in the temporary directory, ending in @p name.
  explicit ScratchFile(const std::string& name)
      : path((std::filesystem::temp_directory_path() /
              ("dartloop-test-" + std::to_string(::getpid()) + "-" + name))
                 .string()) {}
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  ~ScratchFile() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
};

}  // namespace dartloop::testing
