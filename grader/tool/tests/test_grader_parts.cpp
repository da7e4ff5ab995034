// The grader's parts that need no build: reading the course, choosing steps, the rubric, and
// the four report formats.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "course.hpp"
#include "grade.hpp"
#include "report.hpp"
#include "rubric.hpp"

namespace fs = std::filesystem;
using namespace dartloop::grader;

namespace {

const fs::path kit = DARTLOOP_ROOT;

// A rubric file with `text`, read against the kit's course.
Rubric rubric_from(const std::string& text) {
  // A name of its own: ctest runs the cases of this file in parallel processes.
  static int made = 0;
  const fs::path file =
      fs::temp_directory_path() / ("dartloop-test-rubric-" + std::to_string(::getpid()) + "-" +
                                   std::to_string(++made) + ".json");
  std::ofstream(file) << text;
  const Rubric r = Rubric::load(file, load_course(kit));
  fs::remove(file);
  return r;
}

std::string rubric_error(const std::string& text) {
  try {
    rubric_from(text);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

// A graded submission with one step, one passing and one failing case.
SubmissionResult sample() {
  SubmissionResult r;
  r.learner = "zoë";
  r.source = "/submissions/zoë.zip";
  StepResult s;
  s.step = Step{"01-microtask-queue", 1, {"a & b", "c <d>"}, {}};
  CaseResult pass;
  pass.name = "a & b";
  pass.verdict = Verdict::pass;
  pass.points = pass.max_points = 5;
  pass.visibility = Visibility::visible;
  CaseResult fail;
  fail.name = "c <d>";
  fail.verdict = Verdict::crash;
  fail.detail = "crashed: killed by signal 11 (SIGSEGV)";
  fail.output = std::string("bad \x01 bytes \xff\xfe") + "\n";
  fail.max_points = 5;
  fail.visibility = Visibility::hidden;
  fail.replay = "./kit grade x --steps 1 --case 'c <d>'";
  s.cases = {pass, fail};
  s.points = 5;
  s.max_points = 10;
  r.steps = {s};
  r.points = 5;
  r.max_points = 10;
  return r;
}

}  // namespace

TEST_CASE("The course's hidden cases are read from the sources", "[grader]") {
  const auto course = load_course(kit);
  REQUIRE(course.size() == 10);
  CHECK(course.front().folder == "01-microtask-queue");
  CHECK(course.front().number == 1);
  CHECK(course.back().number == 10);
  for (const auto& step : course) {
    INFO(step.folder);
    CHECK(step.cases.size() >= 5);
    // The hidden tests first, then one case per scenario of the step.
    const std::size_t hidden = step.cases.size() - step.scenarios.size();
    for (std::size_t i = 0; i < step.cases.size(); ++i) {
      CHECK(step.cases[i].rfind(i < hidden ? "hidden " : "scenario: ", 0) == 0);
    }
    CHECK(step.scenarios.size() >= 2);
  }
}

TEST_CASE("Test case names: literals joined, escapes decoded, other macros skipped", "[grader]") {
  const auto names = test_case_names(
      "TEST_CASE(\"one\", \"[t]\") {}\n"
      "TEST_CASE(\n    \"two \\\"quoted\\\" \"\n    \"and joined\", \"[t]\") {}\n"
      "TEST_CASE_METHOD(Fixture, \"not this\") {}\n"
      "  // TEST_CASE(\"nor this\")\n");
  CHECK(names == std::vector<std::string>{"one", "two \"quoted\" and joined"});
}

TEST_CASE("Step selections", "[grader]") {
  const auto course = load_course(kit);
  CHECK(select_steps(course, "1-10").size() == 10);
  const auto some = select_steps(course, "1,4-6");
  REQUIRE(some.size() == 4);
  CHECK(some[1].number == 4);
  CHECK(some[3].number == 6);
  CHECK_THROWS_WITH(select_steps(course, "11"), Catch::Contains("there is no step 11"));
  CHECK_THROWS_WITH(select_steps(course, "3-1"), Catch::Contains("backwards"));
  CHECK_THROWS_WITH(select_steps(course, "one"), Catch::Contains("not a step list"));
}

TEST_CASE("The kit's rubric: every step 10 points, shared by its cases", "[grader]") {
  const auto course = load_course(kit);
  const Rubric r = Rubric::load(kit / "grader" / "rubric.json", course);
  for (const auto& step : course) {
    CHECK(r.step_points(step.folder) == Approx(10));
    double sum = 0;
    for (const auto& name : step.cases) sum += r.rule(step.folder, name).points;
    CHECK(sum == Approx(10));
  }
}

TEST_CASE("A rubric: points of a case are kept, the rest shared, visibility set", "[grader]") {
  const auto course = load_course(kit);
  const auto& step = course.front();
  const std::string first = step.cases.front();
  const Rubric r = rubric_from(R"({"points_per_step": 5, "visibility": "hidden",
    "steps": {"01-microtask-queue": {"points": 20, "visibility": "visible",
      "tests": {")" + first + R"(": {"points": 11, "visibility": "after_published"}}}}})");
  CHECK(r.step_points("01-microtask-queue") == Approx(20));
  CHECK(r.rule("01-microtask-queue", first).points == Approx(11));
  CHECK(r.rule("01-microtask-queue", first).visibility == Visibility::after_published);
  const auto& second = step.cases.at(1);
  CHECK(r.rule("01-microtask-queue", second).points ==
        Approx(9.0 / static_cast<double>(step.cases.size() - 1)));
  CHECK(r.rule("01-microtask-queue", second).visibility == Visibility::visible);
  CHECK(r.step_points("02-event-queue-and-timers") == Approx(5));
  CHECK(r.rule("02-event-queue-and-timers", course[1].cases.front()).visibility ==
        Visibility::hidden);
}

TEST_CASE("A wrong rubric is an error that says where", "[grader]") {
  CHECK_THAT(rubric_error("{"), Catch::Contains("not valid JSON"));
  CHECK_THAT(rubric_error(R"({"steps": {"99-nothing": {}}})"),
             Catch::Contains("steps.99-nothing: no such step"));
  CHECK_THAT(rubric_error(R"({"steps": {"01-microtask-queue": {"tests": {"typo": {}}}}})"),
             Catch::Contains("no hidden test case is called \"typo\""));
  CHECK_THAT(rubric_error(R"({"visibility": "sometimes"})"), Catch::Contains("'sometimes'"));
  CHECK_THAT(rubric_error(R"({"point_per_step": 3})"), Catch::Contains("unknown key"));
  CHECK_THAT(rubric_error(R"({"steps": {"01-microtask-queue": {"points": -1}}})"),
             Catch::Contains("negative"));
}

TEST_CASE("Reports: text for both audiences, JSON, JUnit and Gradescope", "[grader]") {
  const SubmissionResult r = sample();

  const std::string instructor = text_report(r, Audience::instructor);
  CHECK(instructor.find("PASS a & b") != std::string::npos);
  CHECK(instructor.find("FAIL c <d>  [crash]") != std::string::npos);
  CHECK(instructor.find("replay: ./kit grade x") != std::string::npos);
  CHECK(instructor.find("TOTAL 5 / 10") != std::string::npos);
  const std::string learner = text_report(r, Audience::learner);
  CHECK(learner.find("c <d>") == std::string::npos);  // hidden: counted, not named
  CHECK(learner.find("0 of 1 more test cases pass") != std::string::npos);

  const auto json = nlohmann::json::parse(json_report(r));  // valid despite the bytes
  CHECK(json.at("points") == 5);
  CHECK(json.at("steps").at(0).at("cases").at(1).at("verdict") == "crash");

  const std::string junit = junit_report(r);
  CHECK(junit.find("<testsuite name=\"01-microtask-queue\" tests=\"2\" failures=\"1\"") !=
        std::string::npos);
  CHECK(junit.find("name=\"c &lt;d&gt;\"") != std::string::npos);
  CHECK(junit.find("a &amp; b") != std::string::npos);
  CHECK(junit.find('\x01') == std::string::npos);

  const auto gs = nlohmann::json::parse(gradescope_report(r));
  CHECK(gs.at("score") == 5);
  REQUIRE(gs.at("tests").size() == 2);
  CHECK(gs.at("tests").at(0).at("status") == "passed");
  CHECK(gs.at("tests").at(0).at("max_score") == 5);
  CHECK(gs.at("tests").at(1).at("visibility") == "hidden");
  CHECK(gs.at("tests").at(1).at("number") == "1.2");
  // The replay line names the grader's own files: not for the learner.
  CHECK(gs.at("tests").at(1).at("output").get<std::string>().find("replay") == std::string::npos);
}

#ifdef DARTLOOP_HIDDEN_BIN_DIR
// The grader reads case names from the sources (it must not run learner-built code to learn
// them); Catch2's own list of the kit's builds says whether it reads them right.
TEST_CASE("The case names read from the sources are Catch2's own", "[grader]") {
  for (const auto& step : load_course(kit)) {
    const std::string nn = step.folder.substr(0, 2);
    const fs::path exe = fs::path(DARTLOOP_HIDDEN_BIN_DIR) / ("hidden_" + nn + "_solution");
    REQUIRE(fs::exists(exe));
    const std::string command = "'" + exe.string() + "' --list-test-names-only";
    std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(command.c_str(), "r"), &pclose);
    REQUIRE(pipe != nullptr);
    std::vector<std::string> listed;
    char line[1024];
    while (std::fgets(line, sizeof line, pipe.get()) != nullptr) {
      std::string name(line);
      while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) name.pop_back();
      if (!name.empty()) listed.push_back(name);
    }
    INFO(step.folder);
    const std::vector<std::string> hidden(
        step.cases.begin(), step.cases.end() - static_cast<std::ptrdiff_t>(step.scenarios.size()));
    CHECK(listed == hidden);
  }
}
#endif
