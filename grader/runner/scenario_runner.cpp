// The main of every scenario program: the scenario's own `main` (compiled as
// `dartloop_scenario_main`), the runtime under test, and this file. It runs the scenario and
// tells the grader how it ended on the private channel (channel.hpp), never on stdout, which
// belongs to the scenario's output:
//
//   <secret> end completes <exit code>
//   <secret> end deadlocks <exit code> <what never arrived, tab-separated>
//   <secret> end starves <flood steps>
//   <secret> end crashes <why>            (a C++ exception escaped the scenario)
//
// A crash by signal, a hang or an early exit leaves no sentinel; the grader tells those apart
// from the process's own ending. Run by hand it prints the scenario's output and, on stderr,
// how it ended:  scenario_program [--budget STEPS] [reference-side options]
#include "scenario_runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include "../scenarios/scenario.hpp"
#include "channel.hpp"

int dartloop_scenario_main();  // the scenario's main, renamed by its build

namespace dartloop::scenario_runner {

Hooks& hooks() {
  static Hooks h;
  return h;
}

// What the scenario's calls (scenario.hpp) accumulate; not in the header, since only this
// file and those calls use it.
struct State {
  std::atomic<std::uint64_t> budget{100'000};
  std::atomic<std::uint64_t> steps{0};
  std::mutex mutex;  // isolates may declare and mark from their own threads
  std::vector<std::string> expected;
};

State& state() {
  static State s;
  return s;
}

// The ending, on the channel and (for a person running it by hand) on stderr.
void finish_run(std::string_view ending, const std::string& rest) {
  std::cout.flush();
  std::fflush(nullptr);
  if (hooks().after) hooks().after(ending);
  std::string line = "end ";
  line += ending;
  if (!rest.empty()) line += ' ' + rest;
  std::replace(line.begin(), line.end(), '\n', ' ');  // one channel line, whatever `what` holds
  std::replace(line.begin(), line.end(), '\r', ' ');
  grader_channel::send(line);
  if (!grader_channel::open()) std::cerr << "scenario: " << line << '\n';
}

}  // namespace dartloop::scenario_runner

namespace dartloop::scenario {

using scenario_runner::State;
using scenario_runner::state;

void flood_step() {
  State& s = state();
  const std::uint64_t n = ++s.steps;
  if (n <= s.budget.load()) return;
  // Past the budget: the loop is starving (or the runtime keeps a flood going that the
  // reference would have ended). Stop here, from whichever thread it is.
  static std::once_flag once;
  std::call_once(once, [n] { scenario_runner::finish_run("starves", std::to_string(n - 1)); });
  std::_Exit(0);
}

void expect(std::string_view what) {
  State& s = state();
  const std::lock_guard lock(s.mutex);
  s.expected.emplace_back(what);
}

void arrived(std::string_view what) {
  State& s = state();
  const std::lock_guard lock(s.mutex);
  const auto it = std::find(s.expected.begin(), s.expected.end(), what);
  if (it != s.expected.end()) s.expected.erase(it);
}

}  // namespace dartloop::scenario

int main(int argc, char** argv) {
  using namespace dartloop::scenario_runner;
  std::vector<std::string> rest;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--budget" && i + 1 < argc) {
      try {
        state().budget = std::stoull(argv[++i]);
      } catch (const std::exception&) {
        std::cerr << "scenario: --budget needs a number of steps\n";
        return 2;
      }
    } else {
      rest.push_back(arg);
    }
  }
  if (hooks().before) {
    hooks().before(rest);
  } else if (!rest.empty()) {
    std::cerr << "scenario: unknown option " << rest.front() << " (only --budget STEPS)\n";
    return 2;
  }
  int code = 0;
  try {
    code = dartloop_scenario_main();
  } catch (const std::exception& e) {
    finish_run("crashes", std::string("an exception escaped main: ") + e.what());
    return 70;
  } catch (...) {
    finish_run("crashes", "an exception escaped main");
    return 70;
  }
  std::string missing;
  {
    const std::lock_guard lock(state().mutex);
    for (const auto& what : state().expected) missing += '\t' + what;
  }
  if (missing.empty()) {
    finish_run("completes", std::to_string(code));
  } else {
    finish_run("deadlocks", std::to_string(code) + missing);
  }
  return code;
}
