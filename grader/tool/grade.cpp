#include "grade.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "find_program.hpp"
#include "sandbox.hpp"
#include "scenario.hpp"

namespace dartloop::grader {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::string to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass: return "pass";
    case Verdict::fail: return "fail";
    case Verdict::wrong_output: return "wrong output";
    case Verdict::wrong_ending: return "wrong ending";
    case Verdict::crash: return "crash";
    case Verdict::exited_early: return "exited early";
    case Verdict::timeout: return "timeout";
    case Verdict::cpu_timeout: return "cpu timeout";
    case Verdict::output_flood: return "output flood";
    case Verdict::tampered: return "tampered";
    case Verdict::not_run: return "not run";
    case Verdict::grader_error: return "grader error";
  }
  return "?";
}

std::string to_string(StepStatus status) {
  switch (status) {
    case StepStatus::graded: return "graded";
    case StepStatus::not_submitted: return "not submitted";
    case StepStatus::refused: return "refused";
    case StepStatus::compile_error: return "compile error";
  }
  return "?";
}

namespace {

// The file that marks a folder as the grader's own scratch space, safe to replace.
constexpr const char* work_marker = ".dartloop-grade-work";

// A word for a shell: the replay commands are copied and pasted.
std::string shell_quote(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789_-./=:,+") == std::string::npos) {
    return word;
  }
  std::string out = "'";
  for (const char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Makes `dir` an empty scratch folder, refusing to wipe a folder the grader did not make.
void prepare_work_dir(const fs::path& dir) {
  if (fs::exists(dir)) {
    const bool ours = fs::exists(dir / work_marker);
    const bool empty = fs::is_directory(dir) && fs::is_empty(dir);
    if (!ours && !empty) {
      throw std::runtime_error("the work folder " + dir.string() +
                               " exists and was not made by the grader: give another --work");
    }
    fs::remove_all(dir);
  }
  fs::create_directories(dir);
  std::ofstream(dir / work_marker) << "dartloop-grade scratch folder: deleted by the next run\n";
}

// The compiler's messages, without the long command lines ninja echoes: the errors are
// what the learner needs, and the first ones matter most.
std::string condense_build_log(const std::string& log) {
  std::istringstream in(log);
  std::string line;
  std::string out;
  std::size_t lines = 0;
  while (std::getline(in, line)) {
    if (line.rfind("ninja: ", 0) == 0 || line.rfind("[", 0) == 0) continue;
    if (line.find(" -o ") != std::string::npos && line.find(" -c ") != std::string::npos) {
      continue;  // a compile command
    }
    if (line.find("-Wl,") != std::string::npos) continue;  // a link command
    out += line;
    out += '\n';
    if (++lines == 80 || out.size() > 12'000) {
      out += "... (more messages cut)\n";
      break;
    }
  }
  return out;
}

// CMake and ninja on the submission's build: the compilers they start have limits of their
// own (the compiler launcher), these are the whole command's.
Limits build_limits(std::chrono::milliseconds wall) {
  Limits l;
  l.confine = false;
  l.cpu_seconds = 0;
  l.memory_bytes = 0;
  l.file_size_bytes = std::uint64_t{1} << 30;
  l.open_files = 1024;
  l.wall = wall;
  l.output_keep_bytes = 128 * 1024;
  l.output_kill_bytes = std::size_t{64} << 20;
  return l;
}

// Compiler time per step, from ninja's log of what it built.
std::map<std::string, milliseconds> compile_times(const fs::path& build_dir) {
  std::map<std::string, milliseconds> times;
  std::ifstream in(build_dir / ".ninja_log");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    long long start = 0;
    long long end = 0;
    long long mtime = 0;
    std::string output;
    fields >> start >> end >> mtime >> output;
    for (const char* prefix : {"CMakeFiles/runtime_", "CMakeFiles/graded_", "graded_",
                               "CMakeFiles/scenarios_", "scenarios_"}) {
      const std::string p = prefix;
      if (output.rfind(p, 0) == 0 && output.size() >= p.size() + 2) {
        times[output.substr(p.size(), 2)] += milliseconds(end - start);
        break;
      }
    }
  }
  return times;
}

// What a test process printed, cut to what a report can hold: the start (the learner's own
// prints) and the end (Catch2's account of the failed assertion).
std::string excerpt(const std::string& out, const std::string& err, bool truncated) {
  std::string text = out;
  if (!err.empty()) text += (text.empty() ? "" : "\n") + std::string("[stderr]\n") + err;
  constexpr std::size_t head = 1500;
  constexpr std::size_t tail = 3500;
  if (text.size() > head + tail) {
    text = text.substr(0, head) + "\n... (" + std::to_string(text.size() - head - tail) +
           " bytes cut) ...\n" + text.substr(text.size() - tail);
  }
  if (truncated) text += "\n... (more output was written than the grader keeps)";
  return text;
}

// Reads the verdict of one case from the process outcome and its results channel.
void judge(CaseResult& result, const Outcome& outcome, const std::string& secret,
           const Limits& limits) {
  bool forged = false;
  bool began = false;
  std::optional<bool> ended_pass;
  std::string counts;
  std::istringstream lines(outcome.channel);
  std::string line;
  const std::string prefix = secret + " ";
  while (std::getline(lines, line)) {
    if (line.rfind(prefix, 0) != 0) {
      forged = true;
      continue;
    }
    const std::string what = line.substr(prefix.size());
    if (what.rfind("begin ", 0) == 0) {
      began = true;
    } else if (what.rfind("end pass ", 0) == 0) {
      ended_pass = true;
      counts = what.substr(9);
    } else if (what.rfind("end fail ", 0) == 0) {
      ended_pass = false;
      counts = what.substr(9);
    } else {
      forged = true;
    }
  }
  if (!outcome.channel.empty() && outcome.channel.back() != '\n') forged = true;
  result.time = outcome.wall;
  const auto wall_s = std::chrono::duration_cast<std::chrono::seconds>(limits.wall).count();

  if (outcome.ending == Ending::not_started) {
    result.verdict = Verdict::grader_error;
    result.detail = "the grader could not start the test program: " + outcome.launch_error;
  } else if (forged) {
    result.verdict = Verdict::tampered;
    result.detail =
        "the program wrote on the grader's private results channel; its results are void";
  } else if (outcome.ending == Ending::wall_timeout) {
    result.verdict = Verdict::timeout;
    result.detail = "still running after " + std::to_string(wall_s) +
                    " s: a hang (a deadlock, a loop that never ends, an isolate never stopped?)";
  } else if (outcome.ending == Ending::cpu_timeout) {
    result.verdict = Verdict::cpu_timeout;
    result.detail = "used its " + std::to_string(limits.cpu_seconds) +
                    " s of CPU time: an endless loop (microtasks that keep scheduling "
                    "microtasks?)";
  } else if (outcome.ending == Ending::output_flood) {
    result.verdict = Verdict::output_flood;
    result.detail = "wrote more than " + std::to_string(limits.output_kill_bytes >> 20) +
                    " MiB of output and was stopped";
  } else if (outcome.ending == Ending::signaled) {
    result.verdict = Verdict::crash;
    result.detail =
        "crashed: " + describe(outcome) + (ended_pass ? " (after the test case had ended)" : "");
  } else if (!ended_pass) {
    result.verdict = Verdict::exited_early;
    result.detail = began ? "the program ended (" + describe(outcome) +
                                ") in the middle of the test case: exit() or quick_exit() "
                                "called from the runtime?"
                          : "the program ended (" + describe(outcome) +
                                ") before the test case began: code that runs at start-up?";
  } else if (!*ended_pass) {
    result.verdict = Verdict::fail;
    result.detail = "an assertion failed (passed/failed assertions: " + counts + ")";
    if (counts.rfind("0 0", 0) == 0) result.detail = "no assertion of the test case ran";
  } else if (outcome.exit_code != 0) {
    result.verdict = Verdict::exited_early;
    result.detail = "the test case passed but the program then " + describe(outcome);
  } else {
    result.verdict = Verdict::pass;
  }
  if (result.verdict != Verdict::pass) {
    result.output = excerpt(outcome.out, outcome.err, outcome.output_truncated);
  }
}

}  // namespace

std::string learner_name(const fs::path& submission) {
  std::string name = submission.filename().string();
  if (name.empty()) name = submission.parent_path().filename().string();
  for (const char* ext : {".tar.gz", ".tgz", ".zip", ".tar"}) {
    const std::string e = ext;
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) {
      return name.substr(0, name.size() - e.size());
    }
  }
  return name;
}

SubmissionResult grade_submission(const GradeOptions& o) {
  SubmissionResult r;
  r.learner = learner_name(o.submission);
  r.source = o.submission;
  const auto say = [&](const std::string& line) {
    if (o.progress) o.progress(line);
  };
  for (const Step& step : o.steps) {
    StepResult s;
    s.step = step;
    s.status = StepStatus::not_submitted;
    s.max_points = o.rubric.step_points(step.folder);
    for (const auto& name : step.cases) {
      if (o.only_case && *o.only_case != name) continue;
      CaseResult c;
      c.name = name;
      c.max_points = o.rubric.rule(step.folder, name).points;
      c.visibility = o.rubric.rule(step.folder, name).visibility;
      s.cases.push_back(std::move(c));
    }
    if (o.only_case) {
      s.max_points = 0;
      for (const auto& c : s.cases) s.max_points += c.max_points;
    }
    r.max_points += s.max_points;
    r.steps.push_back(std::move(s));
  }
  const auto finish = [&r] {
    r.points = 0;
    for (auto& s : r.steps) {
      s.points = 0;
      for (const auto& c : s.cases) s.points += c.points;
      r.points += s.points;
    }
  };

  const fs::path src = o.work_dir / "src";
  const fs::path build = o.work_dir / "build";
  try {
    prepare_work_dir(o.work_dir);
    say("unpacking " + o.submission.string());
    std::vector<std::string> folders;
    for (const Step& step : o.steps) folders.push_back(step.folder);
    Unpacked unpacked = unpack_submission(o.submission, src, folders);
    r.refused = std::move(unpacked.refused);
    r.ignored = std::move(unpacked.ignored);
    for (StepResult& s : r.steps) {
      const fs::path dir = src / s.step.folder;
      bool any = false;
      for (const auto& taken : unpacked.taken) {
        if (taken.begin() != taken.end() && *taken.begin() == s.step.folder) any = true;
      }
      if (!any) continue;
      s.status = StepStatus::graded;
      s.violations = check_step_folder(dir);
      if (!s.violations.empty()) {
        s.status = StepStatus::refused;
        continue;
      }
      // Files the learner did not hand in (unchanged ones, say) come from the starter.
      const fs::path starter = o.kit_root / "exercises" / s.step.folder;
      for (const auto& entry : fs::directory_iterator(starter)) {
        if (!entry.is_regular_file()) continue;
        const auto ext = entry.path().extension();
        if (ext != ".hpp" && ext != ".cpp" && ext != ".h") continue;
        const fs::path target = dir / entry.path().filename();
        if (!fs::exists(target)) {
          fs::copy_file(entry.path(), target);
          s.filled.push_back(entry.path().filename().string());
        }
      }
    }
  } catch (const UnpackError& e) {
    r.error = e.what();
  } catch (const std::exception& e) {
    r.error = std::string("the grader could not prepare the submission: ") + e.what();
  }
  if (!r.error.empty()) {
    for (auto& s : r.steps) {
      for (auto& c : s.cases) {
        c.verdict = Verdict::not_run;
        c.detail = r.error;
      }
    }
    finish();
    return r;
  }

  // Build every step that may be graded, in one ninja run so that both cores stay busy.
  std::vector<StepResult*> to_build;
  for (auto& s : r.steps) {
    if (s.status == StepStatus::graded) to_build.push_back(&s);
  }
  std::vector<std::string> weakened;
  if (!to_build.empty()) {
    std::string graded_list;
    for (const auto* s : to_build) graded_list += (graded_list.empty() ? "" : ";") + s->step.folder;
    // Each compiler process runs under limits of its own: a template bomb or an #include of
    // an endless file stops at them, not at the whole build's deadline.
    std::string launcher = o.sandbox.string() + ";--cpu;" + std::to_string(o.compile_cpu_seconds) +
                           ";--memory;" + std::to_string(o.compile_memory_bytes) + ";--file-size;" +
                           std::to_string(std::uint64_t{512} << 20) + ";--";
    // Not std::system("command -v ccache"): grade-class calls this from several threads,
    // and std::system changes process-wide signal dispositions while it waits.
    if (find_program("ccache")) launcher += ";ccache";
    const std::vector<std::string> configure = {
        "cmake",
        "-S",
        (o.kit_root / "grader" / "submission").string(),
        "-B",
        build.string(),
        "-G",
        "Ninja",
        "--log-level=WARNING",
        "-DKIT_ROOT=" + o.kit_root.string(),
        "-DSUBMISSION_DIR=" + src.string(),
        "-DGRADED_STEPS=" + graded_list,
        "-DCASE_RUNNER_LIB=" + o.case_runner.string(),
        "-DSCENARIO_RUNNER_LIB=" + o.scenario_runner.string(),
        "-DCATCH_PCH=" + o.catch_pch.string(),
        "-DCMAKE_CXX_COMPILER_LAUNCHER=" + launcher};
    const Limits cl = build_limits(std::chrono::seconds(120));
    say("building " + std::to_string(to_build.size()) + " step(s)");
    const auto build_start = std::chrono::steady_clock::now();
    Outcome configured = run_sandboxed(o.sandbox, configure, cl);
    std::string configure_log;
    bool build_timed_out = false;
    if (configured.ending != Ending::exited || configured.exit_code != 0) {
      configure_log = "the build could not be configured (" + describe(configured) + "):\n" +
                      configured.out + configured.err;
    } else {
      Limits bl = cl;
      bl.wall = o.compile_budget;
      const Outcome built = run_sandboxed(o.sandbox,
                                          {"cmake", "--build", build.string(), "--", "-k", "0",
                                           "-j", std::to_string(std::max(1U, o.jobs))},
                                          bl);
      build_timed_out = built.ending == Ending::wall_timeout;
    }
    r.compile_time =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - build_start);
    const auto times = compile_times(build);
    for (StepResult* s : to_build) {
      const std::string nn = s->step.folder.substr(0, 2);
      if (auto it = times.find(nn); it != times.end()) s->compile_time = it->second;
      if (!configure_log.empty()) {
        s->status = StepStatus::compile_error;
        s->build_log = condense_build_log(configure_log);
        continue;
      }
      if (fs::exists(build / ("graded_" + nn))) continue;
      s->status = StepStatus::compile_error;
      if (build_timed_out) {
        s->build_log = "the build ran out of time (" + std::to_string(o.compile_budget.count()) +
                       " s for all steps) before this step was built\n";
        continue;
      }
      // Again for this step alone: its messages, apart from the other steps'.
      Limits one = cl;
      one.wall = std::chrono::seconds(180);
      const Outcome again = run_sandboxed(
          o.sandbox, {"cmake", "--build", build.string(), "--target", "graded_" + nn}, one);
      s->build_log = condense_build_log(again.out + again.err);
      if (again.ending != Ending::exited) s->build_log += "(" + describe(again) + ")\n";
    }
  }

  // The reference's run of every scenario of the steps to run: its output, its ending and
  // where each line came from, for the comparison and its explanations.
  std::map<std::string, ReferenceRun> references;
  for (const auto& s : r.steps) {
    if (s.status != StepStatus::graded) continue;
    for (const Scenario& scenario : s.step.scenarios) {
      if (o.only_case && *o.only_case != case_name(scenario)) continue;
      const fs::path program = o.reference_scenarios / s.step.folder;
      ReferenceRun ref;
      if (!fs::exists(program)) {
        ref.run.ending = ScenarioEnding::not_started;
        ref.run.detail = program.string() + " is missing (build the kit)";
      } else {
        ref = run_reference(o.sandbox, program, scenario, o.work_dir / "reference");
      }
      references.emplace(scenario.id, std::move(ref));
    }
  }

  // Every case and scenario in its own process, `jobs` at a time.
  struct Job {
    StepResult* step;
    CaseResult* result;
    const Scenario* scenario;  // null for a hidden test case
  };
  std::vector<Job> jobs;
  for (auto& s : r.steps) {
    for (auto& c : s.cases) {
      if (s.status == StepStatus::graded) {
        const auto& sc = s.step.scenarios;
        const auto it = std::find_if(sc.begin(), sc.end(),
                                     [&](const Scenario& x) { return case_name(x) == c.name; });
        jobs.push_back({&s, &c, it == sc.end() ? nullptr : &*it});
      } else {
        c.verdict = Verdict::not_run;
        c.detail = "step " + to_string(s.status);
      }
    }
  }
  if (!jobs.empty())
    say("running " + std::to_string(jobs.size()) + " test case(s) and scenario(s)");
  std::atomic<std::size_t> next{0};
  std::mutex weakened_mutex;
  const auto run_start = std::chrono::steady_clock::now();
  const auto worker = [&] {
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      Job& job = jobs[i];
      const std::string nn = job.step->step.folder.substr(0, 2);
      Limits limits;
      limits.confine = true;
      limits.wall = o.case_wall;
      limits.cpu_seconds = o.case_cpu_seconds;
      limits.memory_bytes = std::uint64_t{2} << 30;
      limits.open_files = 256;
      limits.hidden = {o.kit_root, o.work_dir};
      std::vector<std::string> weak;
      milliseconds wall{0};
      if (job.scenario != nullptr) {
        const fs::path program = build / ("scenarios_" + nn);
        if (!fs::exists(program)) {
          job.result->verdict = Verdict::not_run;
          job.result->detail = "the step's scenarios (one program) did not compile on your runtime";
          const Outcome again = run_sandboxed(
              o.sandbox,
              {"cmake", "--build", build.string(), "--target", program.filename().string()},
              build_limits(std::chrono::seconds(120)));
          job.result->output = condense_build_log(again.out + again.err);
        } else {
          const ScenarioRun run = run_scenario(o.sandbox, program, *job.scenario, limits);
          judge_scenario(*job.result, references.at(job.scenario->id), run, *job.scenario);
          weak = run.weakened;
          wall = run.wall;
        }
      } else {
        const std::string secret = random_secret();
        std::random_device device;
        const int fd = 100 + static_cast<int>(device() % 800);
        limits.control_bytes = secret + " " + std::to_string(fd);
        limits.channel_fd = fd;
        const Outcome outcome = run_sandboxed(
            o.sandbox, {(build / ("graded_" + nn)).string(), "--case", job.result->name}, limits);
        judge(*job.result, outcome, secret, limits);
        weak = outcome.weakened;
        wall = outcome.wall;
      }
      if (job.result->verdict == Verdict::pass) {
        job.result->points = job.result->max_points;
      } else {
        job.result->replay = o.replay_prefix + " " + shell_quote(o.submission.string()) +
                             " --steps " + std::to_string(job.step->step.number) + " --case " +
                             shell_quote(job.result->name);
      }
      const std::lock_guard lock(weakened_mutex);
      job.step->run_time += wall;
      for (const auto& w : weak) {
        if (std::find(weakened.begin(), weakened.end(), w) == weakened.end()) weakened.push_back(w);
      }
    }
  };
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < std::max(1U, o.jobs); ++i) workers.emplace_back(worker);
  for (auto& w : workers) w.join();
  r.run_time =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - run_start);
  r.weakened = std::move(weakened);
  finish();
  return r;
}

}  // namespace dartloop::grader
