// Grading scenarios: small programs (the lesson examples and more, listed in
// grader/scenarios/scenarios.json) run on the learner's runtime and on the reference runtime.
// Their printed lines and their ending (completes, deadlocks, starves, crashes, too slow) are
// compared; a difference is explained in the queues' terms from the reference run's trace.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sandbox.hpp"

namespace dartloop::grader {

struct CaseResult;

/// One scenario of the manifest.
struct Scenario {
  std::string name;               ///< "seed puzzle"
  std::string id;                 ///< its program's name: "seed_puzzle"
  std::string step;               ///< the step it grades: "04-futures"
  std::filesystem::path source;   ///< the program, absolute
  std::uint64_t budget = 10'000;  ///< flood steps before a run counts as starving
  /// Other complete outputs Dart allows besides the reference's.
  std::vector<std::vector<std::string>> alternatives;
};

/// The name of a scenario as a case of its step ("scenario: seed puzzle").
std::string case_name(const Scenario& scenario);

/// The program name of a scenario name, as CMake's MAKE_C_IDENTIFIER makes it.
std::string scenario_id(const std::string& name);

/// The scenarios of the kit at `kit_root` (none when it has no manifest). Throws
/// std::runtime_error naming the file and the entry when the manifest is malformed, names a
/// step the course does not have (`steps`), a missing source or the same name twice.
std::vector<Scenario> load_scenarios(const std::filesystem::path& kit_root,
                                     const std::vector<std::string>& steps);

/// How a scenario run ended.
enum class ScenarioEnding {
  completes,     ///< main returned
  deadlocks,     ///< main returned with something the scenario expected never done
  starves,       ///< a flood passed the step budget
  crashes,       ///< a signal, or a C++ exception out of main
  exited_early,  ///< the process ended without saying how (exit() inside the run?)
  too_slow,      ///< the wall-clock or CPU limit ended it
  output_flood,  ///< it wrote more than the grader keeps
  tampered,      ///< it wrote on the grader's channel
  not_started,   ///< the grader could not start it
};

/// "completes", "deadlocks", ...
std::string to_string(ScenarioEnding ending);

/// One run of a scenario program.
struct ScenarioRun {
  ScenarioEnding ending = ScenarioEnding::not_started;  ///< how it ended
  int exit_code = 0;                       ///< main's return value (completes, deadlocks)
  std::vector<std::string> never_arrived;  ///< what a deadlocked run still waited for
  std::string detail;                      ///< the crash, timeout or launch problem, in words
  std::vector<std::string> lines;          ///< what it printed, line by line
  bool truncated = false;                  ///< it printed more than the grader kept
  std::string err;                         ///< its standard error (capped)
  std::chrono::milliseconds wall{0};       ///< wall time
  std::vector<std::string> weakened;       ///< sandbox protections missing on this machine
};

/// Where one line of the reference's output came from, from its trace.
struct LineOrigin {
  std::string text;      ///< the line
  std::size_t loop = 1;  ///< the isolate's loop, in creation order
  bool in_task = false;  ///< printed by a task of the loop (else outside any task)
  std::string queue;     ///< "microtask", "event" or "timer"
  std::string via;       ///< for an event: "task", "zero-timer" or "timeout"
  std::string where;     ///< the call that scheduled the task ("puzzle.cpp:12")
  std::string code;      ///< that line's source text
  std::vector<std::string> waiting_microtasks;  ///< queued then, head first ("puzzle.cpp:14")
  std::vector<std::string> waiting_events;      ///< "task at puzzle.cpp:10"
  std::vector<std::string> waiting_timers;      ///< "puzzle.cpp:13, due at 1 ms"
};

/// The reference's run of a scenario with the origin of every line.
struct ReferenceRun {
  ScenarioRun run;                        ///< output and ending
  std::vector<LineOrigin> origins;        ///< every traced line, loop by loop
  std::vector<std::string> last_waiting;  ///< a starved run: what the flood kept waiting
};

/// Runs `program` (built on a learner's runtime) under `limits` (confined: the grader adds
/// the channel) with the scenario's budget.
ScenarioRun run_scenario(const std::filesystem::path& sandbox, const std::filesystem::path& program,
                         const Scenario& scenario, Limits limits);

/// Runs the reference program of a scenario (the kit's own code), its explanation written in
/// `scratch`.
ReferenceRun run_reference(const std::filesystem::path& sandbox,
                           const std::filesystem::path& program, const Scenario& scenario,
                           const std::filesystem::path& scratch);

/// Sets the verdict, detail and output of `result` from the learner's run against the
/// reference's: pass when the endings agree and the output is the reference's or a declared
/// alternative; otherwise why not, with a diff and the first divergence explained.
void judge_scenario(CaseResult& result, const ReferenceRun& reference, const ScenarioRun& run,
                    const Scenario& scenario);

}  // namespace dartloop::grader
