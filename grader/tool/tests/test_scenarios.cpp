// Grading scenarios: the manifest, judging a run against the reference's, and the explanation
// of a first divergence. The runs here are made up; the kit's self-check (ctest label
// `scenario`) runs every real scenario on the model solutions and on the starters.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "grade.hpp"
#include "scenario.hpp"

namespace fs = std::filesystem;
using namespace dartloop::grader;

namespace {

const fs::path kit = DARTLOOP_ROOT;

const std::vector<std::string> steps = {"01-microtask-queue",
                                        "02-event-queue-and-timers",
                                        "03-event-loop",
                                        "04-futures",
                                        "05-errors",
                                        "06-await",
                                        "07-streams",
                                        "08-generators-and-starvation",
                                        "09-isolates-and-ports",
                                        "10-isolate-run-and-io"};

// A scratch kit holding only a scenario manifest and one source.
struct ScratchKit {
  fs::path root =
      fs::temp_directory_path() /
      ("dartloop-test-scenarios-" + std::to_string(::getpid()) + "-" + std::to_string(++made));
  static inline int made = 0;
  explicit ScratchKit(const std::string& manifest) {
    fs::create_directories(root / "grader" / "scenarios");
    std::ofstream(root / "grader" / "scenarios" / "scenarios.json") << manifest;
    std::ofstream(root / "a.cpp") << "int main() { return 0; }\n";
  }
  ~ScratchKit() { fs::remove_all(root); }
  ScratchKit(const ScratchKit&) = delete;
  ScratchKit& operator=(const ScratchKit&) = delete;
};

std::string manifest_error(const std::string& manifest) {
  ScratchKit k(manifest);
  try {
    load_scenarios(k.root, {"01-microtask-queue"});
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

// The seed puzzle's reference run, with the origins its trace gives.
ReferenceRun seed_reference() {
  ReferenceRun ref;
  ref.run.ending = ScenarioEnding::completes;
  ref.run.lines = {"1", "6", "3", "5", "2", "4"};
  const auto line = [](std::string text, std::string queue, std::string where,
                       std::vector<std::string> micro, std::vector<std::string> events) {
    LineOrigin o;
    o.text = std::move(text);
    o.in_task = true;
    o.queue = std::move(queue);
    o.via = "task";
    o.where = std::move(where);
    o.waiting_microtasks = std::move(micro);
    o.waiting_events = std::move(events);
    return o;
  };
  ref.origins = {line("1", "event", "seed_puzzle.cpp:8", {}, {}),
                 line("6", "event", "seed_puzzle.cpp:8", {}, {}),
                 line("3", "microtask", "seed_puzzle.cpp:11", {"seed_puzzle.cpp:14"},
                      {"zero-timer at seed_puzzle.cpp:10", "zero-timer at seed_puzzle.cpp:12"}),
                 line("5", "microtask", "seed_puzzle.cpp:14", {},
                      {"zero-timer at seed_puzzle.cpp:10", "zero-timer at seed_puzzle.cpp:12"}),
                 line("2", "event", "seed_puzzle.cpp:10", {}, {"zero-timer at seed_puzzle.cpp:12"}),
                 line("4", "event", "seed_puzzle.cpp:12", {}, {})};
  return ref;
}

ScenarioRun completed(std::vector<std::string> lines, int code = 0) {
  ScenarioRun run;
  run.ending = ScenarioEnding::completes;
  run.exit_code = code;
  run.lines = std::move(lines);
  return run;
}

Scenario seed() {
  Scenario s;
  s.name = "seed puzzle";
  s.id = "seed_puzzle";
  s.step = "04-futures";
  return s;
}

}  // namespace

TEST_CASE("Scenario ids are CMake's C identifiers", "[grader]") {
  CHECK(scenario_id("seed puzzle") == "seed_puzzle");
  CHECK(scenario_id("a flood: holds the timer!") == "a_flood__holds_the_timer_");
  CHECK(scenario_id("2 chains") == "_2_chains");
}

TEST_CASE("The kit's scenarios: every step has some, each source exists", "[grader]") {
  const auto all = load_scenarios(kit, steps);
  CHECK(all.size() >= 30);
  for (const auto& step : steps) {
    INFO(step);
    CHECK(std::count_if(all.begin(), all.end(),
                        [&](const Scenario& s) { return s.step == step; }) >= 2);
  }
  // The flood scenarios carry a budget of their own.
  const auto flood = std::find_if(
      all.begin(), all.end(), [](const Scenario& s) { return s.name == "a flood starves run"; });
  REQUIRE(flood != all.end());
  CHECK(flood->budget == 5000);
}

TEST_CASE("A malformed scenario manifest is refused with the entry and the reason", "[grader]") {
  CHECK_THAT(manifest_error("{"), Catch::Contains("not valid JSON"));
  CHECK_THAT(manifest_error("[]"), Catch::Contains("expected {\"scenarios\""));
  CHECK_THAT(manifest_error(R"({"scenarios":[{"name":"x","step":"99-nope","source":"a.cpp"}]})"),
             Catch::Contains("scenario 1") && Catch::Contains("99-nope"));
  CHECK_THAT(manifest_error(
                 R"({"scenarios":[{"name":"x","step":"01-microtask-queue","source":"b.cpp"}]})"),
             Catch::Contains("is missing"));
  CHECK_THAT(
      manifest_error(
          R"({"scenarios":[{"name":"x","step":"01-microtask-queue","source":"a.cpp","budgett":5}]})"),
      Catch::Contains("unknown key \"budgett\""));
  CHECK_THAT(
      manifest_error(R"({"scenarios":[{"name":"x y","step":"01-microtask-queue","source":"a.cpp"},)"
                     R"({"name":"x-y","step":"01-microtask-queue","source":"a.cpp"}]})"),
      Catch::Contains("scenario 2") && Catch::Contains("same program name"));
  CHECK_THAT(
      manifest_error(
          R"({"scenarios":[{"name":"x","step":"01-microtask-queue","source":"a.cpp","budget":0}]})"),
      Catch::Contains("budget of 0"));
  CHECK_THAT(manifest_error(R"({"scenarios":[{"name":"x","step":"01-microtask-queue"}]})"),
             Catch::Contains("source"));
  CHECK(
      manifest_error(R"({"scenarios":[{"name":"x","step":"01-microtask-queue","source":"a.cpp"}]})")
          .empty());
}

TEST_CASE("The reference's output passes; so does a declared alternative order", "[grader]") {
  CaseResult c;
  judge_scenario(c, seed_reference(), completed({"1", "6", "3", "5", "2", "4"}), seed());
  CHECK(c.verdict == Verdict::pass);

  Scenario with_alt = seed();
  with_alt.alternatives = {{"1", "6", "3", "5", "4", "2"}};
  CaseResult alt;
  judge_scenario(alt, seed_reference(), completed({"1", "6", "3", "5", "4", "2"}), with_alt);
  CHECK(alt.verdict == Verdict::pass);
  CaseResult other;
  judge_scenario(other, seed_reference(), completed({"1", "6", "3", "5", "4", "2"}), seed());
  CHECK(other.verdict == Verdict::wrong_output);
}

TEST_CASE("An event run before the microtasks is explained in the queues' terms", "[grader]") {
  CaseResult c;
  judge_scenario(c, seed_reference(), completed({"1", "6", "2", "3", "5", "4"}), seed());
  INFO(c.output);
  CHECK(c.verdict == Verdict::wrong_output);
  CHECK_THAT(c.output, Catch::Contains("First difference at line 3: the reference prints `3`, "
                                       "yours prints `2`"));
  CHECK_THAT(c.output, Catch::Contains("a microtask scheduled at seed_puzzle.cpp:11"));
  CHECK_THAT(c.output, Catch::Contains("1 microtask (seed_puzzle.cpp:14)"));
  CHECK_THAT(c.output, Catch::Contains("an event (`2`) while microtasks were still queued"));
  CHECK_THAT(c.output, Catch::Contains("the reference had 2 waiting"));
  // The diff: the reference's lines marked -, the learner's +.
  CHECK_THAT(c.output, Catch::Contains("  + 2\n"));
  CHECK_THAT(c.output, Catch::Contains("  - 2\n"));
}

TEST_CASE("Microtasks out of order, missing and extra lines are each explained", "[grader]") {
  CaseResult swapped;
  judge_scenario(swapped, seed_reference(), completed({"1", "6", "5", "3", "2", "4"}), seed());
  CHECK_THAT(swapped.output, Catch::Contains("Both are microtasks: they run first in, first out"));

  CaseResult short_run;
  judge_scenario(short_run, seed_reference(), completed({"1", "6"}), seed());
  CHECK_THAT(short_run.output, Catch::Contains("Your output stops after 2 line(s)") &&
                                   Catch::Contains("goes on with `3`"));

  CaseResult long_run;
  judge_scenario(long_run, seed_reference(), completed({"1", "6", "3", "5", "2", "4", "7"}),
                 seed());
  CHECK_THAT(long_run.output, Catch::Contains("goes on at line 7 with `7`"));

  CaseResult unknown;
  judge_scenario(unknown, seed_reference(), completed({"1", "6", "x"}), seed());
  CHECK_THAT(unknown.output, Catch::Contains("never prints `x`"));
}

TEST_CASE("Endings: starving, deadlocking and exit codes are compared", "[grader]") {
  ReferenceRun starving;
  starving.run.ending = ScenarioEnding::starves;
  starving.run.detail = "stopped after 5000 flood steps";
  starving.run.lines = {"main done"};
  starving.last_waiting = {"zero-timer at flood.cpp:22"};
  Scenario flood;
  flood.name = "flood";
  flood.budget = 5000;

  CaseResult loop_lets_timer_in;
  judge_scenario(loop_lets_timer_in, starving, completed({"main done", "timer"}), flood);
  CHECK(loop_lets_timer_in.verdict == Verdict::wrong_ending);
  CHECK_THAT(loop_lets_timer_in.detail, Catch::Contains("on the reference the scenario starves") &&
                                            Catch::Contains("on yours it completes"));
  CHECK_THAT(loop_lets_timer_in.output, Catch::Contains("zero-timer at flood.cpp:22"));

  ScenarioRun starved = completed({"main done"});
  starved.ending = ScenarioEnding::starves;
  CaseResult same;
  judge_scenario(same, starving, starved, flood);
  CHECK(same.verdict == Verdict::pass);

  // A run that starves where the reference completes.
  CaseResult over;
  judge_scenario(over, seed_reference(), starved, seed());
  CHECK(over.verdict == Verdict::wrong_ending);
  CHECK_THAT(over.output, Catch::Contains("went on past"));

  ReferenceRun stuck;
  stuck.run.ending = ScenarioEnding::deadlocks;
  stuck.run.never_arrived = {"the reply"};
  stuck.run.lines = {"waiting"};
  CaseResult invented;
  judge_scenario(invented, stuck, completed({"waiting"}), seed());
  CHECK(invented.verdict == Verdict::wrong_ending);
  CHECK_THAT(invented.output, Catch::Contains("nothing was left to run while the reply"));

  CaseResult code;
  judge_scenario(code, seed_reference(), completed({"1", "6", "3", "5", "2", "4"}, 255), seed());
  CHECK(code.verdict == Verdict::wrong_ending);
  CHECK_THAT(code.detail, Catch::Contains("main returned 255"));
}

TEST_CASE(
    "Crashes, hangs and tampering keep their own verdicts; a broken reference is the "
    "kit's fault",
    "[grader]") {
  ScenarioRun crashed = completed({"1"});
  crashed.ending = ScenarioEnding::crashes;
  crashed.detail = "killed by signal 11 (SIGSEGV)";
  CaseResult c;
  judge_scenario(c, seed_reference(), crashed, seed());
  CHECK(c.verdict == Verdict::crash);
  CHECK_THAT(c.detail, Catch::Contains("SIGSEGV"));

  ScenarioRun slow = completed({"1"});
  slow.ending = ScenarioEnding::too_slow;
  CaseResult t;
  judge_scenario(t, seed_reference(), slow, seed());
  CHECK(t.verdict == Verdict::timeout);
  CHECK_THAT(t.detail, Catch::Contains("too slow"));

  ScenarioRun forged = completed({"1", "6", "3", "5", "2", "4"});
  forged.ending = ScenarioEnding::tampered;
  CaseResult f;
  judge_scenario(f, seed_reference(), forged, seed());
  CHECK(f.verdict == Verdict::tampered);

  ReferenceRun broken = seed_reference();
  broken.run.ending = ScenarioEnding::not_started;
  CaseResult g;
  judge_scenario(g, broken, completed({"1", "6", "3", "5", "2", "4"}), seed());
  CHECK(g.verdict == Verdict::grader_error);
}

#ifdef DARTLOOP_REFERENCE_SCENARIOS
TEST_CASE("A real reference run: its lines, its ending and where each line came from", "[grader]") {
  const auto all = load_scenarios(kit, steps);
  const auto find = [&](const std::string& name) {
    return *std::find_if(all.begin(), all.end(), [&](const Scenario& s) { return s.name == name; });
  };
  const fs::path scratch =
      fs::temp_directory_path() / ("dartloop-test-ref-" + std::to_string(::getpid()));
  const fs::path dir = DARTLOOP_REFERENCE_SCENARIOS;
  const ReferenceRun puzzle =
      run_reference(DARTLOOP_SANDBOX_EXE, dir / "04-futures", find("seed puzzle"), scratch);
  CHECK(puzzle.run.ending == ScenarioEnding::completes);
  CHECK(puzzle.run.lines == std::vector<std::string>{"1", "6", "3", "5", "2", "4"});
  REQUIRE(puzzle.origins.size() == 6);
  CHECK(puzzle.origins[2].queue == "microtask");
  CHECK(puzzle.origins[2].where == "seed_puzzle.cpp:11");
  CHECK(puzzle.origins[2].waiting_microtasks == std::vector<std::string>{"seed_puzzle.cpp:14"});
  CHECK(puzzle.origins[4].queue == "timer");  // Future(() => ...) is a zero timer
  CHECK(puzzle.origins[4].via == "zero-timer");

  const ReferenceRun flood = run_reference(DARTLOOP_SANDBOX_EXE, dir / "03-event-loop",
                                           find("a flood starves run"), scratch);
  CHECK(flood.run.ending == ScenarioEnding::starves);
  CHECK_FALSE(flood.last_waiting.empty());

  const ReferenceRun stuck =
      run_reference(DARTLOOP_SANDBOX_EXE, dir / "03-event-loop", find("nothing arrives"), scratch);
  CHECK(stuck.run.ending == ScenarioEnding::deadlocks);
  CHECK(stuck.run.never_arrived == std::vector<std::string>{"the reply"});

  // The reference judged against itself passes.
  CaseResult self;
  judge_scenario(self, puzzle, puzzle.run, find("seed puzzle"));
  CHECK(self.verdict == Verdict::pass);
  fs::remove_all(scratch);
}
#endif
