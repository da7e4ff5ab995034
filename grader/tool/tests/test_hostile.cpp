// Hostile submissions (grader/hostile/NAME.patch: each the model solution of step 1 with one
// attack, kept as a diff like the mutants so that it carries only the attack) and hostile archives
// made here: each is graded for real, and must get its own verdict and no false pass; the grader
// must neither crash nor hang, and the kit's files must be the same afterwards.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "course.hpp"
#include "grade.hpp"
#include "grade_class.hpp"
#include "rubric.hpp"

namespace fs = std::filesystem;
using namespace dartloop::grader;

namespace {

const fs::path kit = DARTLOOP_ROOT;
const std::string step_folder = "01-microtask-queue";
const std::string probe_case = "hidden 01: five microtasks run first in, first out";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The kit's own files (not build/): path -> contents. Compared before and after grading.
std::map<std::string, std::string> kit_snapshot() {
  std::map<std::string, std::string> files;
  for (const char* dir : {"course", "exercises", "solutions", "grader", "runtime", "lessons"}) {
    for (const auto& e : fs::recursive_directory_iterator(kit / dir)) {
      if (e.is_regular_file()) files[e.path().string()] = read_file(e.path());
    }
  }
  return files;
}

// The kit's files that differ between two snapshots (added, removed or changed), one per line.
std::string changed_files(const std::map<std::string, std::string>& before,
                          const std::map<std::string, std::string>& after) {
  std::string changed;
  for (const auto& [path, contents] : before) {
    const auto it = after.find(path);
    if (it == after.end() || it->second != contents) changed += path + "\n";
  }
  for (const auto& [path, contents] : after) {
    if (before.count(path) == 0) changed += path + "\n";
  }
  return changed;
}

// A fresh scratch root per test case.
struct Scratch {
  fs::path root;
  Scratch() {
    std::string pattern = (fs::temp_directory_path() / "dartloop-hostile.XXXXXX").string();
    root = mkdtemp(pattern.data());
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// The model solution of step 1, changed by `patch_file` (a unified diff) when one is given.
fs::path make_submission(const fs::path& root, const fs::path& patch_file) {
  const fs::path sub = root / "submission";
  const fs::path step = sub / "exercises" / step_folder;
  fs::create_directories(step);
  for (const auto& e : fs::directory_iterator(kit / "solutions" / step_folder)) {
    fs::copy_file(e.path(), step / e.path().filename());
  }
  if (!patch_file.empty()) {
    const std::string command = "patch --silent --fuzz=0 --no-backup-if-mismatch -p0 -d '" +
                                step.string() + "' -i '" + patch_file.string() + "'";
    INFO(patch_file.string() << " no longer applies to the model solution: update it (diff -u)");
    REQUIRE(std::system(command.c_str()) == 0);
  }
  return sub;
}

SubmissionResult grade(const fs::path& root, const fs::path& submission,
                       const std::optional<std::string>& only = probe_case) {
  const auto course = load_course(kit);
  GradeOptions o;
  o.kit_root = kit;
  o.submission = submission;
  o.work_dir = root / "work";
  o.sandbox = DARTLOOP_SANDBOX_EXE;
  o.case_runner = DARTLOOP_CASE_RUNNER;
  o.scenario_runner = DARTLOOP_SCENARIO_RUNNER;
  o.reference_scenarios = DARTLOOP_REFERENCE_SCENARIOS;
  o.steps = select_steps(course, "1");
  o.rubric = Rubric::even(course);
  o.only_case = only;
  o.jobs = 2;
  o.case_wall = std::chrono::seconds(6);
  o.case_cpu_seconds = 2;
  o.compile_cpu_seconds = 30;
  o.compile_budget = std::chrono::seconds(200);
  o.replay_prefix = "./kit grade";
  return grade_submission(o);
}

// Whether the sandbox reported a missing protection starting with `what`.
bool weakened_about(const SubmissionResult& r, const std::string& what) {
  return std::any_of(r.weakened.begin(), r.weakened.end(),
                     [&](const std::string& w) { return w.rfind(what, 0) == 0; });
}

const StepResult& step_of(const SubmissionResult& r) {
  REQUIRE(r.error.empty());
  REQUIRE(r.steps.size() == 1);
  return r.steps.front();
}

const CaseResult& probe_of(const SubmissionResult& r) {
  const StepResult& s = step_of(r);
  REQUIRE(s.cases.size() == 1);
  return s.cases.front();
}

// Grades grader/hostile/NAME and checks the kit is unchanged.
SubmissionResult grade_hostile(const std::string& name, const Scratch& scratch) {
  const auto before = kit_snapshot();
  const fs::path patch_file = kit / "grader" / "hostile" / (name + ".patch");
  REQUIRE(fs::is_regular_file(patch_file));
  const SubmissionResult r = grade(scratch.root, make_submission(scratch.root, patch_file));
  CHECK(changed_files(before, kit_snapshot()) == "");
  return r;
}

void expect_verdict(const std::string& name, std::set<Verdict> allowed) {
  Scratch scratch;
  const SubmissionResult r = grade_hostile(name, scratch);
  const CaseResult& c = probe_of(r);
  INFO(name << ": " << to_string(c.verdict) << ": " << c.detail << "\n" << c.output);
  CHECK(step_of(r).status == StepStatus::graded);
  CHECK(allowed.count(c.verdict) == 1);
  CHECK(c.verdict != Verdict::pass);
  CHECK(c.points == 0);
  CHECK_FALSE(c.replay.empty());
}

void expect_refused(const std::string& name, const std::string& rule) {
  Scratch scratch;
  const SubmissionResult r = grade_hostile(name, scratch);
  const StepResult& s = step_of(r);
  REQUIRE(s.status == StepStatus::refused);
  bool found = false;
  for (const auto& v : s.violations) found = found || v.rule == rule;
  INFO(name << ": expected a violation of " << rule);
  CHECK(found);
  CHECK(s.points == 0);
  CHECK(s.cases.front().verdict == Verdict::not_run);
}

// Writes a tar.gz or zip with the given entries (name -> contents; a contents starting with
// "->" makes a symlink to the rest).
void write_archive(const fs::path& file, bool zip,
                   const std::vector<std::pair<std::string, std::string>>& entries) {
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(),
                                                            &archive_write_free);
  if (zip) {
    archive_write_set_format_zip(a.get());
  } else {
    archive_write_set_format_pax_restricted(a.get());
    archive_write_add_filter_gzip(a.get());
  }
  REQUIRE(archive_write_open_filename(a.get(), file.c_str()) == ARCHIVE_OK);
  for (const auto& [name, contents] : entries) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(),
                                                                    &archive_entry_free);
    archive_entry_set_pathname(e.get(), name.c_str());
    if (contents.rfind("->", 0) == 0) {
      archive_entry_set_filetype(e.get(), AE_IFLNK);
      archive_entry_set_symlink(e.get(), contents.substr(2).c_str());
      archive_entry_set_perm(e.get(), 0777);
      archive_entry_set_size(e.get(), 0);
      REQUIRE(archive_write_header(a.get(), e.get()) == ARCHIVE_OK);
      continue;
    }
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(contents.size()));
    REQUIRE(archive_write_header(a.get(), e.get()) == ARCHIVE_OK);
    REQUIRE(archive_write_data(a.get(), contents.data(), contents.size()) ==
            static_cast<la_ssize_t>(contents.size()));
  }
  REQUIRE(archive_write_close(a.get()) == ARCHIVE_OK);
}

std::vector<std::pair<std::string, std::string>> solution_entries(const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& e : fs::directory_iterator(kit / "solutions" / step_folder)) {
    entries.emplace_back(prefix + e.path().filename().string(), read_file(e.path()));
  }
  return entries;
}

}  // namespace

// Controls: without them a "not pass" proves nothing.
TEST_CASE("hostile control: the model solution passes, the starter fails", "[hostile]") {
  Scratch scratch;
  const SubmissionResult good = grade(scratch.root, make_submission(scratch.root, {}));
  CHECK(probe_of(good).verdict == Verdict::pass);
  CHECK(good.points > 0);

  Scratch scratch2;
  const fs::path starter = scratch2.root / "starter" / "exercises" / step_folder;
  fs::create_directories(starter);
  fs::copy(kit / "exercises" / step_folder, starter, fs::copy_options::recursive);
  const SubmissionResult bad = grade(scratch2.root, scratch2.root / "starter");
  CHECK(probe_of(bad).verdict != Verdict::pass);
  CHECK(bad.points == 0);
}

TEST_CASE("hostile: printing fake passing results", "[hostile]") {
  expect_verdict("fake-results", {Verdict::fail});
}
TEST_CASE("hostile: exit(0) in the middle of a test", "[hostile]") {
  expect_verdict("exit-mid-test", {Verdict::exited_early});
}
// The scenarios are graded through the same sandbox, on their own channel: a fake "passing"
// print is just more wrong output, an exit(0) before main returns is no completed run.
TEST_CASE("hostile: scenarios see through fake output and an early exit", "[hostile]") {
  for (const auto& [name, allowed] : std::vector<std::pair<std::string, std::set<Verdict>>>{
           {"fake-results", {Verdict::wrong_output}},
           {"exit-mid-test", {Verdict::exited_early}},
           {"microtask-flood", {Verdict::crash, Verdict::timeout}}}) {
    Scratch scratch;
    const auto before = kit_snapshot();
    const SubmissionResult r = grade(
        scratch.root, make_submission(scratch.root, kit / "grader" / "hostile" / (name + ".patch")),
        "scenario: fifo");
    CHECK(changed_files(before, kit_snapshot()) == "");
    const CaseResult& c = probe_of(r);
    INFO(name << ": " << to_string(c.verdict) << ": " << c.detail << "\n" << c.output);
    CHECK(allowed.count(c.verdict) == 1);
    CHECK(c.points == 0);
    CHECK_THAT(c.replay, Catch::Contains("--case 'scenario: fifo'"));
  }
}
TEST_CASE("hostile: std::quick_exit", "[hostile]") {
  expect_verdict("quick-exit", {Verdict::exited_early});
}
TEST_CASE("hostile: _exit", "[hostile]") {
  expect_verdict("underscore-exit", {Verdict::exited_early});
}
TEST_CASE("hostile: abort", "[hostile]") { expect_verdict("abort", {Verdict::crash}); }
TEST_CASE("hostile: segfault", "[hostile]") { expect_verdict("segfault", {Verdict::crash}); }
TEST_CASE("hostile: stack overflow", "[hostile]") {
  expect_verdict("stack-overflow", {Verdict::crash});
}
TEST_CASE("hostile: infinite loop", "[hostile]") {
  expect_verdict("infinite-loop", {Verdict::cpu_timeout});
}
TEST_CASE("hostile: sleeps forever", "[hostile]") {
  expect_verdict("sleep-forever", {Verdict::timeout});
}
TEST_CASE("hostile: deadlocked threads", "[hostile]") {
  expect_verdict("deadlock", {Verdict::timeout});
}
TEST_CASE("hostile: microtask flood", "[hostile]") {
  expect_verdict("microtask-flood", {Verdict::crash, Verdict::cpu_timeout});
}
TEST_CASE("hostile: fork bomb", "[hostile]") {
  expect_verdict("fork-bomb", {Verdict::cpu_timeout});
}
TEST_CASE("hostile: memory bomb", "[hostile]") {
  expect_verdict("memory-bomb", {Verdict::crash, Verdict::fail, Verdict::cpu_timeout});
}
TEST_CASE("hostile: gigabytes of output", "[hostile]") {
  expect_verdict("output-flood", {Verdict::output_flood});
}
TEST_CASE("hostile: a static initializer that exits", "[hostile]") {
  Scratch scratch;
  const SubmissionResult r = grade_hostile("static-init-exit", scratch);
  const CaseResult& c = probe_of(r);
  CHECK(c.verdict == Verdict::exited_early);
  CHECK(c.detail.find("before the test case began") != std::string::npos);
}
TEST_CASE("hostile: writes fake verdicts on the results channel", "[hostile]") {
  expect_verdict("write-channel", {Verdict::tampered});
}

// Attacks that gain nothing: the work is right, the attack fails, so the case passes.
TEST_CASE("hostile: reads the hidden test source while running", "[hostile]") {
  Scratch scratch;
  const SubmissionResult r = grade_hostile("read-hidden", scratch);
  const CaseResult& c = probe_of(r);
  INFO(c.detail << "\n" << c.output);
  if (weakened_about(r, "not hidden") || weakened_about(r, "no mount namespace")) {
    // A machine without mount namespaces cannot hide the kit: the grader says so in its
    // report, and the attack is then caught as the crash it causes, still no point.
    WARN("this machine cannot hide the kit from test programs");
    CHECK(c.verdict == Verdict::crash);
    return;
  }
  CHECK(c.verdict == Verdict::pass);  // it aborts when it can read the file
}
TEST_CASE("hostile: writes into the kit and /tmp while running", "[hostile]") {
  fs::remove("/tmp/dartloop-hostile-was-here");
  Scratch scratch;
  const SubmissionResult r = grade_hostile("tamper-outside", scratch);
  const CaseResult& c = probe_of(r);
  INFO(c.detail << "\n" << c.output);
  CHECK(c.verdict == Verdict::pass);  // it aborts when a write succeeds
  if (weakened_about(r, "no private /tmp")) {
    WARN("this machine cannot give test programs a private /tmp");
    fs::remove("/tmp/dartloop-hostile-was-here");
    return;
  }
  CHECK_FALSE(fs::exists("/tmp/dartloop-hostile-was-here"));
}

// Refused before compiling.
TEST_CASE("hostile: redefines Catch2's assertion macros", "[hostile]") {
  expect_refused("redefine-catch", "catch-macro");
}
TEST_CASE("hostile: defines its own main", "[hostile]") {
  expect_refused("own-main", "defines-main");
}
TEST_CASE("hostile: includes /dev/random", "[hostile]") {
  expect_refused("include-dev-random", "include-path");
}
TEST_CASE("hostile: includes the reference runtime", "[hostile]") {
  expect_refused("include-reference", "include-path");
}
TEST_CASE("hostile: pulls a file in with asm .incbin", "[hostile]") {
  expect_refused("asm-incbin", "asm");
}
TEST_CASE("hostile: a constructor that runs before the grader's start-up code", "[hostile]") {
  expect_refused("constructor-attribute", "early-code");
}

// Compile-time attacks and mistakes.
TEST_CASE("hostile: a file that does not compile", "[hostile]") {
  Scratch scratch;
  const SubmissionResult r = grade_hostile("no-compile", scratch);
  const StepResult& s = step_of(r);
  CHECK(s.status == StepStatus::compile_error);
  CHECK(s.build_log.find("microtask_queue.cpp") != std::string::npos);
  CHECK(s.build_log.find("error") != std::string::npos);
  CHECK(s.points == 0);
}
TEST_CASE("hostile: a template instantiation bomb", "[hostile]") {
  Scratch scratch;
  const SubmissionResult r = grade_hostile("template-bomb", scratch);
  const StepResult& s = step_of(r);
  INFO(s.build_log);
  CHECK(s.status == StepStatus::compile_error);
  CHECK(s.points == 0);
}

// Hostile archives and folders.
TEST_CASE("hostile: a zip with ../ and absolute paths", "[hostile]") {
  Scratch scratch;
  auto entries = solution_entries("exercises/" + step_folder + "/");
  entries.emplace_back("../../dartloop-hostile-escaped.hpp", "// escaped\n");
  entries.emplace_back("exercises/" + step_folder + "/../../../escaped2.hpp", "// escaped\n");
  entries.emplace_back("/tmp/dartloop-hostile-absolute.hpp", "// absolute\n");
  const fs::path zip = scratch.root / "sub" / "learner.zip";
  fs::create_directories(zip.parent_path());
  write_archive(zip, true, entries);
  const auto before = kit_snapshot();
  const SubmissionResult r = grade(scratch.root, zip);
  CHECK(changed_files(before, kit_snapshot()) == "");
  CHECK(r.refused.size() == 3);
  CHECK(probe_of(r).verdict == Verdict::pass);  // the good files were graded
  CHECK_FALSE(fs::exists(scratch.root / "dartloop-hostile-escaped.hpp"));
  CHECK_FALSE(fs::exists("/tmp/dartloop-hostile-absolute.hpp"));
  CHECK_FALSE(fs::exists(scratch.root / "escaped2.hpp"));
}
TEST_CASE("hostile: a tar.gz whose file is a symlink to the solution", "[hostile]") {
  Scratch scratch;
  auto entries = solution_entries("exercises/" + step_folder + "/");
  for (auto& [name, contents] : entries) {
    if (name.find(".cpp") != std::string::npos) {
      contents = "->" + (kit / "solutions" / step_folder / "microtask_queue.cpp").string();
    }
  }
  const fs::path tgz = scratch.root / "sub" / "learner.tar.gz";
  fs::create_directories(tgz.parent_path());
  write_archive(tgz, false, entries);
  const SubmissionResult r = grade(scratch.root, tgz);
  CHECK(r.refused.size() == 1);
  const StepResult& s = step_of(r);
  CHECK(s.filled == std::vector<std::string>{"microtask_queue.cpp"});  // the starter's copy
  CHECK(probe_of(r).verdict != Verdict::pass);
}
TEST_CASE("hostile: a folder whose file is a symlink to the solution", "[hostile]") {
  Scratch scratch;
  const fs::path sub = make_submission(scratch.root, {});
  const fs::path cpp = sub / "exercises" / step_folder / "microtask_queue.cpp";
  fs::remove(cpp);
  fs::create_symlink(kit / "solutions" / step_folder / "microtask_queue.cpp", cpp);
  const SubmissionResult r = grade(scratch.root, sub);
  CHECK(r.refused.size() == 1);
  CHECK(probe_of(r).verdict != Verdict::pass);
}
TEST_CASE("hostile: a huge file", "[hostile]") {
  Scratch scratch;
  const fs::path sub = make_submission(scratch.root, {});
  std::ofstream(sub / "exercises" / step_folder / "microtask_queue.cpp", std::ios::app)
      << "// " << std::string(std::size_t{3} << 20, 'x') << "\n";
  const SubmissionResult r = grade(scratch.root, sub);
  REQUIRE(r.refused.size() == 1);
  CHECK(r.refused.front().path.find("microtask_queue.cpp") != std::string::npos);
  CHECK(probe_of(r).verdict != Verdict::pass);
}
TEST_CASE("hostile: an archive that is not one", "[hostile]") {
  Scratch scratch;
  const fs::path fake = scratch.root / "learner.zip";
  std::ofstream(fake) << "this is not a zip file\n";
  const SubmissionResult r = grade(scratch.root, fake);
  CHECK_FALSE(r.error.empty());
  CHECK(r.points == 0);
  REQUIRE(r.steps.size() == 1);
  CHECK(r.steps.front().cases.front().verdict == Verdict::not_run);
}

// A class: one good submission, one broken archive, one that does not compile. The broken
// ones do not stop the batch; a second run reuses what did not change.
TEST_CASE("grade-class: a class with broken submissions, graded twice", "[hostile]") {
  Scratch scratch;
  const fs::path class_dir = scratch.root / "class";
  fs::create_directories(class_dir);
  fs::rename(make_submission(scratch.root, {}), class_dir / "alice");
  std::ofstream(class_dir / "bob.zip") << "not a zip\n";
  Scratch scratch2;
  fs::rename(make_submission(scratch2.root, kit / "grader" / "hostile" / "no-compile.patch"),
             class_dir / "carol");

  const auto course = load_course(kit);
  ClassOptions c;
  c.base.kit_root = kit;
  c.base.sandbox = DARTLOOP_SANDBOX_EXE;
  c.base.case_runner = DARTLOOP_CASE_RUNNER;
  c.base.scenario_runner = DARTLOOP_SCENARIO_RUNNER;
  c.base.reference_scenarios = DARTLOOP_REFERENCE_SCENARIOS;
  c.base.steps = select_steps(course, "1");
  c.base.rubric = Rubric::even(course);
  c.base.only_case = probe_case;
  c.base.jobs = 1;
  c.base.case_wall = std::chrono::seconds(6);
  c.submissions = class_dir;
  c.out = scratch.root / "out";
  c.parallel = 2;
  const auto rows = grade_class(c);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].learner == "alice");
  CHECK(rows[0].points > 0);
  CHECK(rows[0].status == "graded");
  CHECK(rows[1].learner == "bob");
  CHECK(rows[1].points == 0);
  CHECK(rows[1].status.find("not a folder, a .zip") != std::string::npos);
  CHECK(rows[2].learner == "carol");
  CHECK(rows[2].points == 0);
  const std::string csv = read_file(c.out / "gradebook.csv");
  CHECK(csv.rfind("learner,01-microtask-queue,total,max,status\n", 0) == 0);
  // One case of the step's (hidden tests and scenarios), each worth 10 / their number.
  char share[16];
  std::snprintf(share, sizeof share, "%.2f",
                10.0 / static_cast<double>(c.base.steps.front().cases.size()));
  const std::string row = std::string("\nalice,") + share + "," + share + "," + share + ",graded\n";
  INFO(csv);
  CHECK(csv.find(row) != std::string::npos);
  CHECK(fs::exists(c.out / "carol.txt"));
  CHECK(read_file(c.out / "carol.txt").find("does not compile") != std::string::npos);
  CHECK_FALSE(fs::exists(c.out / "work"));

  // Again, with alice's file changed: only she is graded again.
  std::ofstream(class_dir / "alice" / "exercises" / step_folder / "microtask_queue.cpp",
                std::ios::app)
      << "// changed\n";
  const auto again = grade_class(c);
  REQUIRE(again.size() == 3);
  CHECK(again[0].status == "graded");
  CHECK(again[1].status == "reused");
  CHECK(again[2].status == "reused");
  CHECK(again[2].points == 0);
}
