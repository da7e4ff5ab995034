// dartloop-grade: grades learners' submissions against the hidden tests. `./kit grade` builds
// and calls it; `dartloop-grade help` lists what it does.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "course.hpp"
#include "grade.hpp"
#include "grade_class.hpp"
#include "report.hpp"
#include "rubric.hpp"
#include "scenario.hpp"

namespace fs = std::filesystem;
using namespace dartloop::grader;

namespace {

constexpr const char* usage_text = R"(Usage: dartloop-grade grade SUBMISSION [options]
       dartloop-grade grade-class FOLDER [--out DIR] [--parallel N] [options]
       dartloop-grade steps [LIST]     the course's steps (those of LIST) and their cases
       dartloop-grade scenario NAME PROGRAM [--expect pass|fail]
                                       compares the scenario NAME in PROGRAM (its step's
                                       scenarios built on some runtime) with the reference

SUBMISSION is a folder, a .zip or a .tar.gz of a learner's exercise files. grade-class grades
every folder and archive of FOLDER (one per learner), writes NAME.txt and NAME.json for each
and gradebook.csv (one row per learner, one column per step) into DIR (default
build/grade-class/FOLDER-NAME); run again after an interruption, it grades only what is new
or changed.

Options:
  --steps LIST        steps to grade: 1-10, 3, 1,4-6 (default: all)
  --format FORMAT     text (default), json, junit or gradescope
  --out FILE          write the report to FILE instead of standard output
  --learner-view      text report as the learner sees it (cases not yet visible are counted)
  --rubric FILE       points and visibility (default: grader/rubric.json of the kit)
  --work DIR          scratch folder for this submission (default: build/grade/NAME)
  --case NAME         grade only the case NAME (a hidden test, or "scenario: NAME")
  --jobs N            parallel compiles and test processes (default: the number of cores)
  --kit DIR           the kit's root folder (default: the one this program was built from)
  --replay-prefix S   how replay lines call the grader (default: ./kit grade)
  --parallel N        (grade-class) submissions graded at once (default 2)

Exit status: 0 when the submission was graded (whatever its score), 1 when it could not be
graded at all, 2 for a wrong command line.
)";

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "dartloop-grade: error: " << message << "\n(dartloop-grade help shows the usage)\n";
  std::exit(2);
}

fs::path own_folder() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) usage_error("cannot find this program's own folder: " + ec.message());
  return exe.parent_path();
}

struct Cli {
  std::string submission;
  std::string steps;
  std::string format = "text";
  std::string out;
  std::string rubric;
  std::string work;
  std::optional<std::string> only_case;
  unsigned jobs = 0;
  std::string kit = DARTLOOP_KIT_ROOT;
  std::string replay_prefix = "./kit grade";
  bool learner_view = false;
  unsigned parallel = 2;
  bool format_given = false;
};

// A number from 1 to 999 for `flag`.
unsigned small_number(const std::string& flag, const std::string& v) {
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 3 ||
      std::stoi(v) == 0) {
    usage_error(flag + " needs a number from 1 to 999, not '" + v + "'");
  }
  return static_cast<unsigned>(std::stoi(v));
}

Cli parse(const std::vector<std::string>& args) {
  Cli cli;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) usage_error(a + " needs a value");
      return args[++i];
    };
    if (a == "--steps") {
      cli.steps = value();
    } else if (a == "--format") {
      cli.format = value();
      cli.format_given = true;
      if (cli.format != "text" && cli.format != "json" && cli.format != "junit" &&
          cli.format != "gradescope") {
        usage_error("--format must be text, json, junit or gradescope, not '" + cli.format + "'");
      }
    } else if (a == "--out") {
      cli.out = value();
    } else if (a == "--rubric") {
      cli.rubric = value();
    } else if (a == "--work") {
      cli.work = value();
    } else if (a == "--case") {
      cli.only_case = value();
    } else if (a == "--jobs") {
      cli.jobs = small_number(a, value());
    } else if (a == "--parallel") {
      cli.parallel = small_number(a, value());
    } else if (a == "--kit") {
      cli.kit = value();
    } else if (a == "--replay-prefix") {
      cli.replay_prefix = value();
    } else if (a == "--learner-view") {
      cli.learner_view = true;
    } else if (a.rfind("-", 0) == 0) {
      usage_error("unknown option '" + a + "'");
    } else if (cli.submission.empty()) {
      cli.submission = a;
    } else {
      usage_error("one submission at a time ('" + cli.submission + "' and '" + a + "')");
    }
  }
  if (cli.submission.empty()) usage_error("which submission (or class folder)?");
  return cli;
}

// The options every grading shares, from the command line; exits on a wrong one.
GradeOptions base_options(const Cli& cli) {
  GradeOptions o;
  o.kit_root = fs::absolute(cli.kit).lexically_normal();
  if (!fs::exists(o.kit_root / "grader" / "hidden")) {
    usage_error("--kit " + cli.kit + " is not a dartloop kit (no grader/hidden/)");
  }
  o.submission = fs::absolute(cli.submission).lexically_normal();
  if (!fs::exists(o.submission))
    usage_error("the submission " + cli.submission + " does not exist");
  std::vector<Step> course;
  try {
    course = load_course(o.kit_root);
    o.steps = cli.steps.empty() ? course : select_steps(course, cli.steps);
    const fs::path rubric =
        cli.rubric.empty() ? o.kit_root / "grader" / "rubric.json" : fs::path(cli.rubric);
    o.rubric = (cli.rubric.empty() && !fs::exists(rubric)) ? Rubric::even(course)
                                                           : Rubric::load(rubric, course);
  } catch (const std::invalid_argument& e) {
    usage_error(e.what());
  } catch (const std::exception& e) {
    std::cerr << "dartloop-grade: error: " << e.what() << "\n";
    std::exit(1);
  }
  if (cli.only_case) {
    bool found = false;
    for (const Step& s : o.steps) {
      for (const auto& c : s.cases) found = found || c == *cli.only_case;
    }
    if (!found)
      usage_error("no hidden test case or scenario of the graded steps is called \"" +
                  *cli.only_case + "\"");
  }
  const fs::path tools = own_folder();
  o.sandbox = tools / "dartloop-sandbox";
  o.case_runner = tools / "libdartloop_case_runner.a";
  o.scenario_runner = tools / "libdartloop_scenario_runner.a";
  o.reference_scenarios = tools / "scenarios";
  o.catch_pch = tools / "catch_pch" / "catch_pch.hpp";
  for (const auto& p : {o.sandbox, o.case_runner, o.scenario_runner, o.reference_scenarios}) {
    if (!fs::exists(p)) {
      std::cerr << "dartloop-grade: error: " << p.string() << " is missing (build the kit)\n";
      std::exit(1);
    }
  }
  o.jobs = cli.jobs != 0 ? cli.jobs : std::max(1U, std::thread::hardware_concurrency());
  o.only_case = cli.only_case;
  o.replay_prefix = cli.replay_prefix;
  return o;
}

int grade_command(const std::vector<std::string>& args) {
  const Cli cli = parse(args);
  GradeOptions o = base_options(cli);
  std::string name = o.submission.filename().string();
  if (name.empty()) name = "submission";
  o.work_dir = cli.work.empty() ? o.kit_root / "build" / "grade" / name
                                : fs::absolute(cli.work).lexically_normal();
  o.progress = [](const std::string& line) { std::cerr << "grade: " << line << "\n"; };

  const SubmissionResult result = grade_submission(o);
  std::string report;
  if (cli.format == "json") {
    report = json_report(result);
  } else if (cli.format == "junit") {
    report = junit_report(result);
  } else if (cli.format == "gradescope") {
    report = gradescope_report(result);
  } else {
    report = text_report(result, cli.learner_view ? Audience::learner : Audience::instructor);
  }
  if (cli.out.empty()) {
    std::cout << report;
  } else {
    std::ofstream file(cli.out);
    file << report;
    if (!file) {
      std::cerr << "dartloop-grade: error: cannot write " << cli.out << "\n";
      return 1;
    }
  }
  return result.error.empty() ? 0 : 1;
}

int steps_command(const std::vector<std::string>& args) {
  if (args.size() > 1) usage_error("steps takes at most one list (1-10, 3, 1,4-6)");
  try {
    const auto course = load_course(DARTLOOP_KIT_ROOT);
    for (const Step& s : args.empty() ? course : select_steps(course, args[0])) {
      std::cout << s.folder << "  (" << s.cases.size() - s.scenarios.size() << " hidden cases, "
                << s.scenarios.size() << " scenarios)\n";
    }
  } catch (const std::invalid_argument& e) {
    usage_error(e.what());
  } catch (const std::exception& e) {
    std::cerr << "dartloop-grade: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

// One scenario on one program, judged as grading would, without a submission: the kit's
// self-check runs it on the model solutions (must pass) and on the starters (must not).
int scenario_command(const std::vector<std::string>& args) {
  if (args.size() != 2 &&
      !(args.size() == 4 && args[2] == "--expect" && (args[3] == "pass" || args[3] == "fail"))) {
    usage_error("scenario NAME PROGRAM [--expect pass|fail]");
  }
  const auto course = load_course(DARTLOOP_KIT_ROOT);
  const Scenario* scenario = nullptr;
  std::string step;
  for (const Step& s : course) {
    for (const Scenario& sc : s.scenarios) {
      if (sc.name == args[0] || sc.id == args[0]) {
        scenario = &sc;
        step = s.folder;
      }
    }
  }
  if (scenario == nullptr) usage_error("no scenario is called \"" + args[0] + "\"");
  const fs::path tools = own_folder();
  const fs::path program = fs::absolute(args[1]);
  if (!fs::exists(program)) usage_error(args[1] + " does not exist");
  const fs::path scratch =
      fs::temp_directory_path() / ("dartloop-scenario-" + std::to_string(::getpid()));
  const ReferenceRun ref =
      run_reference(tools / "dartloop-sandbox", tools / "scenarios" / step, *scenario, scratch);
  fs::remove_all(scratch);
  Limits limits;
  limits.confine = false;  // the kit's own programs, maybe built with sanitizers
  limits.memory_bytes = 0;
  limits.wall = std::chrono::seconds(60);
  limits.cpu_seconds = 30;
  limits.open_files = 256;
  if (ref.run.ending == ScenarioEnding::deadlocks) {
    // What never ran holds memory for good: a coroutine parked on a future nobody completes
    // is never destroyed by a runtime that does not track its frames (the course's does not;
    // Dart's collector would). A leak report there is the scenario's point, not a failure.
    limits.env.push_back("ASAN_OPTIONS=detect_leaks=0");
  }
  const ScenarioRun run = run_scenario(tools / "dartloop-sandbox", program, *scenario, limits);
  CaseResult result;
  result.name = case_name(*scenario);
  judge_scenario(result, ref, run, *scenario);
  std::cout << result.name << ": " << to_string(result.verdict) << "\n";
  std::cout << "  reference: " << to_string(ref.run.ending) << ", " << ref.run.lines.size()
            << " lines\n  program:   " << to_string(run.ending) << ", " << run.lines.size()
            << " lines\n";
  if (!result.detail.empty()) std::cout << "  " << result.detail << "\n";
  if (!result.output.empty()) std::cout << result.output << "\n";
  if (result.verdict == Verdict::grader_error) return 3;
  const bool passed = result.verdict == Verdict::pass;
  const bool want_pass = args.size() == 2 || args[3] == "pass";
  return passed == want_pass ? 0 : 1;
}

int grade_class_command(const std::vector<std::string>& args) {
  const Cli cli = parse(args);
  if (cli.format_given || cli.learner_view || cli.only_case || !cli.work.empty()) {
    usage_error(
        "grade-class writes text and JSON reports and a CSV gradebook; --format, "
        "--learner-view, --case and --work belong to grade");
  }
  ClassOptions c;
  c.base = base_options(cli);
  c.submissions = fs::absolute(cli.submission).lexically_normal();
  if (!fs::is_directory(c.submissions)) {
    usage_error(cli.submission + " is not a folder of submissions");
  }
  c.out = cli.out.empty() ? c.base.kit_root / "build" / "grade-class" / c.submissions.filename()
                          : fs::absolute(cli.out).lexically_normal();
  c.parallel = cli.parallel;
  // Each submission builds with its share of the cores.
  c.base.jobs = std::max(1U, c.base.jobs / std::max(1U, c.parallel));
  c.base.replay_prefix = cli.replay_prefix;
  c.progress = [](const std::string& line) { std::cerr << line << "\n"; };
  const auto submissions = class_submissions(c.submissions);
  if (submissions.empty()) {
    std::cerr << "dartloop-grade: error: no submission (folder, .zip, .tar.gz) in "
              << c.submissions.string() << "\n";
    return 1;
  }
  std::cerr << "grading " << submissions.size() << " submissions, " << c.parallel
            << " at a time, into " << c.out.string() << "\n";
  const auto rows = grade_class(c);
  std::size_t failed = 0;
  for (const auto& row : rows) {
    if (row.status != "graded" && row.status != "reused") ++failed;
  }
  std::cout << "gradebook: " << (c.out / "gradebook.csv").string() << "  (" << rows.size()
            << " learners";
  if (failed > 0) std::cout << ", " << failed << " not graded: see their reports";
  std::cout << ")\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage_text;
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "grade") return grade_command(args);
    if (command == "grade-class") return grade_class_command(args);
    if (command == "steps") return steps_command(args);
    if (command == "scenario") return scenario_command(args);
  } catch (const std::exception& e) {
    std::cerr << "dartloop-grade: error: " << e.what() << "\n";
    return 1;
  }
  usage_error("unknown command '" + command + "'");
}
