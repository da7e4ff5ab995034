// Grading one submission: unpack, check the sources, build every graded step against its
// hidden tests, run each case in its own sandboxed process, read the verdicts off a channel
// the learner's code cannot forge, and score them with the rubric.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "course.hpp"
#include "policy.hpp"
#include "rubric.hpp"
#include "unpack.hpp"

namespace dartloop::grader {

/// How one test case ended, from the learner's side.
enum class Verdict {
  pass,          ///< every assertion held and the program ended cleanly
  fail,          ///< an assertion failed (or none ran)
  wrong_output,  ///< a scenario printed other lines than the reference runtime
  wrong_ending,  ///< a scenario ended otherwise (starved, deadlocked...) than on the reference
  crash,         ///< killed by a signal (segfault, abort, ...)
  exited_early,  ///< the program ended before the test case did (exit, quick_exit, ...)
  timeout,       ///< still running at the wall-clock limit
  cpu_timeout,   ///< used up its CPU time
  output_flood,  ///< wrote more output than allowed
  tampered,      ///< wrote on the grader's results channel
  not_run,       ///< the step did not build, so the case never ran
  grader_error,  ///< the grader itself could not run the case
};

/// Short name of a verdict ("pass", "crash", ...).
std::string to_string(Verdict verdict);

/// The result of one hidden test case.
struct CaseResult {
  std::string name;                                    ///< the TEST_CASE name
  Verdict verdict = Verdict::not_run;                  ///< how it ended
  std::string detail;                                  ///< one line on why (empty for a pass)
  std::string output;                                  ///< what it printed (capped), for a failure
  double points = 0;                                   ///< points earned
  double max_points = 0;                               ///< points it is worth
  Visibility visibility = Visibility::after_due_date;  ///< who sees it
  std::chrono::milliseconds time{0};                   ///< wall time of its process
  std::string replay;                                  ///< a command that replays it locally
};

/// The state of one step after building.
enum class StepStatus {
  graded,         ///< built and run
  not_submitted,  ///< no file of the step in the submission
  refused,        ///< the source policy refused a file (see violations)
  compile_error,  ///< did not compile or link (see build_log)
};

/// Short name of a step status.
std::string to_string(StepStatus status);

/// The result of one step.
struct StepResult {
  Step step;                                  ///< the step and its cases
  StepStatus status = StepStatus::graded;     ///< built and run, or why not
  std::vector<Violation> violations;          ///< source policy violations
  std::string build_log;                      ///< the compiler's messages (errors first)
  std::vector<std::string> filled;            ///< files not submitted, taken from the starter
  std::chrono::milliseconds compile_time{0};  ///< compiler time spent on this step
  std::chrono::milliseconds run_time{0};      ///< test process time spent on this step
  std::vector<CaseResult> cases;              ///< one per hidden case
  double points = 0;                          ///< earned
  double max_points = 0;                      ///< available
};

/// The result of a whole submission.
struct SubmissionResult {
  std::string learner;                        ///< from the submission's name
  std::filesystem::path source;               ///< the submission as given
  std::vector<Skipped> refused;               ///< entries refused by the unpacker
  std::vector<Skipped> ignored;               ///< entries that are not exercise files
  std::vector<StepResult> steps;              ///< one per graded step
  std::vector<std::string> weakened;          ///< sandbox protections missing on this machine
  std::string error;                          ///< when the submission could not be graded at all
  double points = 0;                          ///< earned
  double max_points = 0;                      ///< available
  std::chrono::milliseconds compile_time{0};  ///< wall time of the build
  std::chrono::milliseconds run_time{0};      ///< wall time of the test runs
};

/// Everything a grading run needs to know.
struct GradeOptions {
  std::filesystem::path kit_root;            ///< the kit (course/, grader/hidden/, solutions/)
  std::filesystem::path submission;          ///< folder, .zip or .tar.gz
  std::filesystem::path work_dir;            ///< scratch folder of this submission (replaced)
  std::filesystem::path sandbox;             ///< the dartloop-sandbox launcher
  std::filesystem::path case_runner;         ///< libdartloop_case_runner.a
  std::vector<Step> steps;                   ///< the steps to grade
  Rubric rubric;                             ///< points and visibility
  std::optional<std::string> only_case;      ///< grade just this case (replaying a failure)
  unsigned jobs = 2;                         ///< parallel compiles and test processes
  std::chrono::seconds compile_budget{300};  ///< wall time for the whole build
  unsigned compile_cpu_seconds = 120;        ///< CPU time of one compiler process
  std::uint64_t compile_memory_bytes = std::uint64_t{4} << 30;  ///< its address space
  std::filesystem::path scenario_runner;                        ///< libdartloop_scenario_runner.a
  std::filesystem::path reference_scenarios;  ///< the reference's scenario programs, by step
  std::filesystem::path catch_pch;     ///< catch.hpp precompiled by the kit (optional: speed only)
  std::chrono::seconds case_wall{20};  ///< wall time of one test case
  unsigned case_cpu_seconds = 10;      ///< CPU time of one test case
  std::string replay_prefix;           ///< how to call the grader again ("./kit grade")
  std::function<void(const std::string&)> progress;  ///< one line per stage, may be empty
};

/// The learner's name from a submission's path: "alice.zip" -> "alice", "bob/" -> "bob".
std::string learner_name(const std::filesystem::path& submission);

/// Grades one submission. Never throws for anything the submission does; a submission that
/// cannot be read at all gives a result with `error` set and every step at 0.
SubmissionResult grade_submission(const GradeOptions& options);

}  // namespace dartloop::grader
