#include "scenario.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

#include "grade.hpp"

namespace dartloop::grader {

namespace fs = std::filesystem;
using nlohmann::json;

std::string case_name(const Scenario& scenario) { return "scenario: " + scenario.name; }

std::string scenario_id(const std::string& name) {
  std::string id;
  for (const char c : name) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    id += word ? c : '_';
  }
  if (!id.empty() && id[0] >= '0' && id[0] <= '9') id.insert(id.begin(), '_');
  return id;
}

std::vector<Scenario> load_scenarios(const fs::path& kit_root,
                                     const std::vector<std::string>& steps) {
  const fs::path file = kit_root / "grader" / "scenarios" / "scenarios.json";
  if (!fs::exists(file)) return {};
  std::ifstream in(file);
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::exception& e) {
    throw std::runtime_error(file.string() + ": not valid JSON: " + e.what());
  }
  std::vector<Scenario> out;
  std::set<std::string> ids;
  const auto bad = [&](std::size_t i, const std::string& what) {
    return std::runtime_error(file.string() + ": scenario " + std::to_string(i + 1) + ": " + what);
  };
  if (!doc.is_object() || !doc.contains("scenarios") || !doc.at("scenarios").is_array()) {
    throw std::runtime_error(file.string() + ": expected {\"scenarios\": [...]}");
  }
  const json& list = doc.at("scenarios");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& e = list[i];
    Scenario s;
    try {
      s.name = e.at("name").get<std::string>();
      s.step = e.at("step").get<std::string>();
      s.source = kit_root / e.at("source").get<std::string>();
      if (e.contains("budget")) s.budget = e.at("budget").get<std::uint64_t>();
      if (e.contains("alternatives")) {
        s.alternatives = e.at("alternatives").get<std::vector<std::vector<std::string>>>();
      }
      for (const auto& [key, value] : e.items()) {
        (void)value;
        if (key != "name" && key != "step" && key != "source" && key != "budget" &&
            key != "alternatives") {
          throw bad(i, "unknown key \"" + key + "\"");
        }
      }
    } catch (const json::exception& x) {
      throw bad(i, x.what());
    }
    s.id = scenario_id(s.name);
    if (s.name.empty()) throw bad(i, "an empty name");
    if (std::find(steps.begin(), steps.end(), s.step) == steps.end()) {
      throw bad(i, "\"" + s.name + "\" names the step \"" + s.step + "\", not one of the course");
    }
    if (!fs::is_regular_file(s.source)) {
      throw bad(i, "\"" + s.name + "\": the source " + s.source.string() + " is missing");
    }
    if (!ids.insert(s.id).second) {
      throw bad(i, "\"" + s.name + "\" is the same program name as another scenario's");
    }
    if (s.budget == 0) throw bad(i, "\"" + s.name + "\": a budget of 0 flood steps");
    out.push_back(std::move(s));
  }
  return out;
}

std::string to_string(ScenarioEnding ending) {
  switch (ending) {
    case ScenarioEnding::completes: return "completes";
    case ScenarioEnding::deadlocks: return "deadlocks";
    case ScenarioEnding::starves: return "starves";
    case ScenarioEnding::crashes: return "crashes";
    case ScenarioEnding::exited_early: return "exits early";
    case ScenarioEnding::too_slow: return "too slow";
    case ScenarioEnding::output_flood: return "floods its output";
    case ScenarioEnding::tampered: return "tampers with the channel";
    case ScenarioEnding::not_started: return "does not start";
  }
  return "?";
}

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    if (end == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// The ending from the process and the sentinel on its channel.
ScenarioRun interpret(const Outcome& outcome, const std::string& secret) {
  ScenarioRun run;
  run.lines = split_lines(outcome.out);
  run.truncated = outcome.output_truncated;
  run.err = outcome.err;
  run.wall = outcome.wall;
  run.weakened = outcome.weakened;
  bool forged = !outcome.channel.empty() && outcome.channel.back() != '\n';
  std::string sentinel;
  for (const auto& line : split_lines(outcome.channel)) {
    const std::string prefix = secret + " end ";
    if (line.rfind(prefix, 0) == 0 && sentinel.empty()) {
      sentinel = line.substr(prefix.size());
    } else {
      forged = true;
    }
  }
  const auto word = sentinel.substr(0, sentinel.find(' '));
  const std::string rest =
      sentinel.find(' ') == std::string::npos ? "" : sentinel.substr(sentinel.find(' ') + 1);
  if (outcome.ending == Ending::not_started) {
    run.ending = ScenarioEnding::not_started;
    run.detail = "the grader could not start the scenario: " + outcome.launch_error;
  } else if (forged) {
    run.ending = ScenarioEnding::tampered;
    run.detail = "the program wrote on the grader's private results channel";
  } else if (outcome.ending == Ending::wall_timeout || outcome.ending == Ending::cpu_timeout) {
    run.ending = ScenarioEnding::too_slow;
    run.detail = describe(outcome);
  } else if (outcome.ending == Ending::output_flood) {
    run.ending = ScenarioEnding::output_flood;
    run.detail = describe(outcome);
  } else if (outcome.ending == Ending::signaled) {
    run.ending = ScenarioEnding::crashes;
    run.detail = describe(outcome);
  } else if (word == "starves") {
    run.ending = ScenarioEnding::starves;
    run.detail = "stopped after " + rest + " flood steps";
  } else if (word == "crashes") {
    run.ending = ScenarioEnding::crashes;
    run.detail = rest;
  } else if (word == "completes" || word == "deadlocks") {
    std::istringstream fields(rest);
    fields >> run.exit_code;
    if (word == "completes") {
      run.ending = ScenarioEnding::completes;
    } else {
      run.ending = ScenarioEnding::deadlocks;
      std::string what;
      std::getline(fields, what);
      std::istringstream items(what);
      std::string item;
      while (std::getline(items, item, '\t')) {
        if (!item.empty()) run.never_arrived.push_back(item);
      }
    }
    if (outcome.exit_code != run.exit_code) {
      // main returned, then something (a static destructor, an isolate thread) exited or
      // failed differently.
      run.ending = ScenarioEnding::exited_early;
      run.detail = "main returned " + std::to_string(run.exit_code) + ", then the program " +
                   describe(outcome);
    }
  } else {
    run.ending = ScenarioEnding::exited_early;
    run.detail = "the program " + describe(outcome) +
                 " before the scenario's main returned (exit() or quick_exit() in the runtime?)";
  }
  return run;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

std::vector<std::string> waiting_list(const json& waiting, const char* queue) {
  std::vector<std::string> out;
  if (!waiting.contains(queue)) return out;
  for (const json& t : waiting.at(queue)) {
    std::string s = t.value("where", "?");
    if (t.contains("kind")) s = t.at("kind").get<std::string>() + " at " + s;
    if (t.contains("due_ms"))
      s += ", due at " + std::to_string(t.at("due_ms").get<long long>()) + " ms";
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

ScenarioRun run_scenario(const fs::path& sandbox, const fs::path& program, const Scenario& scenario,
                         Limits limits) {
  const std::string secret = random_secret();
  std::random_device device;
  const int fd = 100 + static_cast<int>(device() % 800);
  limits.control_bytes = secret + " " + std::to_string(fd);
  limits.channel_fd = fd;
  limits.output_keep_bytes = std::max<std::size_t>(limits.output_keep_bytes, 256 * 1024);
  const Outcome outcome = run_sandboxed(
      sandbox,
      {program.string(), "--scenario", scenario.id, "--budget", std::to_string(scenario.budget)},
      limits);
  return interpret(outcome, secret);
}

ReferenceRun run_reference(const fs::path& sandbox, const fs::path& program,
                           const Scenario& scenario, const fs::path& scratch) {
  ReferenceRun ref;
  fs::create_directories(scratch);
  const fs::path explain = scratch / (scenario.id + ".explain.jsonl");
  const std::string secret = random_secret();
  Limits limits;
  limits.confine = false;   // the kit's own program, which reads its sources for the trace
  limits.memory_bytes = 0;  // built with the kit's sanitizers, perhaps
  limits.cpu_seconds = 20;
  limits.wall = std::chrono::seconds(30);
  limits.file_size_bytes = std::uint64_t{64} << 20;
  limits.open_files = 256;
  limits.output_keep_bytes = 256 * 1024;
  limits.cwd = scratch;
  limits.control_bytes = secret + " 5";
  limits.channel_fd = 5;
  const Outcome outcome =
      run_sandboxed(sandbox,
                    {program.string(), "--scenario", scenario.id, "--budget",
                     std::to_string(scenario.budget), "--explain", explain.string()},
                    limits);
  ref.run = interpret(outcome, secret);
  std::ifstream in(explain);
  std::string line;
  while (std::getline(in, line)) {
    json j;
    try {
      j = json::parse(line);
    } catch (const json::exception&) {
      continue;  // a starved run may cut its last line: the rest still explains
    }
    if (j.contains("last_waiting")) {
      const json& w = j.at("last_waiting");
      for (const char* q : {"events", "timers"}) {
        for (auto& s : waiting_list(w, q)) ref.last_waiting.push_back(std::move(s));
      }
      continue;
    }
    LineOrigin o;
    o.text = j.value("text", "");
    o.loop = j.value("loop", std::size_t{1});
    if (j.contains("task")) {
      const json& t = j.at("task");
      o.in_task = true;
      o.queue = t.value("queue", "");
      o.via = t.value("via", "");
      o.where = t.value("where", "");
      o.code = t.value("code", "");
      const json& w = j.at("waiting");
      o.waiting_microtasks = waiting_list(w, "microtasks");
      o.waiting_events = waiting_list(w, "events");
      o.waiting_timers = waiting_list(w, "timers");
    }
    ref.origins.push_back(std::move(o));
  }
  return ref;
}

namespace {

// The origin of the `occurrence`-th line equal to `text` in the reference's trace.
const LineOrigin* origin_of(const ReferenceRun& ref, const std::string& text,
                            std::size_t occurrence) {
  std::size_t seen = 0;
  for (const auto& o : ref.origins) {
    if (o.text != text) continue;
    if (seen++ == occurrence) return &o;
  }
  return nullptr;
}

std::size_t occurrence_before(const std::vector<std::string>& lines, std::size_t index) {
  return static_cast<std::size_t>(
      std::count(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(index), lines[index]));
}

std::string what_task(const LineOrigin& o) {
  if (!o.in_task) return "outside any task (in main, around the loop)";
  std::string kind = "an event";
  if (o.queue == "microtask") kind = "a microtask";
  if (o.queue == "timer")
    kind = o.via == "zero-timer" ? "a zero-duration timer (its own event)" : "a timer";
  std::string s = kind + " scheduled at " + o.where;
  if (!o.code.empty()) s += ": " + o.code;
  return s;
}

std::string queues_then(const LineOrigin& o) {
  std::string s;
  const auto part = [&](const char* name, const std::vector<std::string>& items) {
    if (items.empty()) return;
    s += (s.empty() ? "" : "; ") + std::to_string(items.size()) + " " + name + " (" +
         join(items, ", ") + ")";
  };
  part(o.waiting_microtasks.size() == 1 ? "microtask" : "microtasks", o.waiting_microtasks);
  part(o.waiting_events.size() == 1 ? "event" : "events", o.waiting_events);
  part(o.waiting_timers.size() == 1 ? "timer" : "timers", o.waiting_timers);
  return s.empty() ? "nothing else waited" : "waiting: " + s;
}

// A small line diff (longest common subsequence), "  " kept, "- " reference only, "+ " yours.
std::string diff(const std::vector<std::string>& want, const std::vector<std::string>& got) {
  constexpr std::size_t cap = 400;  // a scenario prints a few dozen lines; more is a flood
  const std::size_t n = std::min(want.size(), cap);
  const std::size_t m = std::min(got.size(), cap);
  std::vector<std::vector<unsigned>> lcs(n + 1, std::vector<unsigned>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      lcs[i][j] =
          want[i] == got[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::string out;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && want[i] == got[j]) {
      out += "    " + want[i++] + "\n";
      ++j;
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out += "  + " + got[j++] + "\n";
    } else {
      out += "  - " + want[i++] + "\n";
    }
  }
  if (want.size() > cap || got.size() > cap)
    out += "  ... (only the first " + std::to_string(cap) + " lines compared)\n";
  return out;
}

// The first divergence between the reference's lines and the learner's, in the queues' terms.
std::string explain_divergence(const ReferenceRun& ref, const std::vector<std::string>& want,
                               const std::vector<std::string>& got) {
  std::size_t k = 0;
  while (k < want.size() && k < got.size() && want[k] == got[k]) ++k;
  std::ostringstream out;
  const std::string at = "line " + std::to_string(k + 1);
  if (k == want.size()) {
    out << "Your output goes on at " << at << " with `" << got[k]
        << "` where the reference's ends.";
    return out.str();
  }
  const LineOrigin* expected = origin_of(ref, want[k], occurrence_before(want, k));
  if (k == got.size()) {
    out << "Your output stops after " << k << " line(s); the reference goes on with `" << want[k]
        << "`";
    if (expected != nullptr) out << ", printed by " << what_task(*expected);
    out << ".";
    return out.str();
  }
  out << "First difference at " << at << ": the reference prints `" << want[k]
      << "`, yours prints `" << got[k] << "`.\n";
  if (expected != nullptr) {
    out << "In the reference, `" << want[k] << "` is printed by " << what_task(*expected)
        << ";\n  when it ran, " << queues_then(*expected) << ".\n";
  }
  const auto later = std::find(want.begin() + static_cast<std::ptrdiff_t>(k), want.end(), got[k]);
  const LineOrigin* instead = nullptr;
  if (later == want.end()) {
    out << "The reference never prints `" << got[k] << "` at this point.";
  } else {
    const auto index = static_cast<std::size_t>(later - want.begin());
    instead = origin_of(ref, got[k], occurrence_before(want, index));
    out << "The reference prints `" << got[k] << "` later, at line " << index + 1;
    if (instead != nullptr) out << ", from " << what_task(*instead);
    out << ".";
  }
  if (expected == nullptr || instead == nullptr || !expected->in_task || !instead->in_task) {
    return out.str();
  }
  out << "\n";
  const bool want_micro = expected->queue == "microtask";
  const bool got_micro = instead->queue == "microtask";
  if (want_micro && !got_micro) {
    out << "So your runtime ran an event (`" << got[k] << "`) while microtasks were still queued "
        << "(the reference had " << expected->waiting_microtasks.size() + 1
        << " waiting at that point, `" << want[k]
        << "`'s included): every microtask runs before the next event.";
  } else if (!want_micro && got_micro) {
    out << "So your runtime ran the microtask that prints `" << got[k]
        << "` before the event that prints `" << want[k]
        << "`: in the reference that microtask is queued only later, or it runs after this event.";
  } else if (want_micro && got_micro) {
    out << "Both are microtasks: they run first in, first out, and in the reference `" << want[k]
        << "`'s was queued first.";
  } else {
    out << "Both are events: events run one at a time in the order they were queued; timers "
           "fire by deadline, ties in the order they were created.";
  }
  return out.str();
}

std::string ending_words(const ScenarioRun& run) {
  switch (run.ending) {
    case ScenarioEnding::completes:
      return "completes (main returned " + std::to_string(run.exit_code) + ")";
    case ScenarioEnding::deadlocks:
      return "deadlocks: nothing was left to run, yet " + join(run.never_arrived, ", ") +
             " never happened";
    case ScenarioEnding::starves: return "starves: " + run.detail + " while events waited";
    default: break;
  }
  return to_string(run.ending) + (run.detail.empty() ? "" : " (" + run.detail + ")");
}

}  // namespace

void judge_scenario(CaseResult& result, const ReferenceRun& reference, const ScenarioRun& run,
                    const Scenario& scenario) {
  result.time = run.wall;
  const ScenarioRun& ref = reference.run;
  const auto output = [&](const std::string& text) {
    std::string o = text;
    if (!run.err.empty()) o += "\n[stderr]\n" + run.err.substr(0, 3000);
    return o;
  };
  // The reference never crashes, hangs or exits early on a scenario of the kit: if it does,
  // the kit is broken (a scenario, or the reference), and nobody's points depend on it.
  if (ref.ending == ScenarioEnding::not_started || ref.ending == ScenarioEnding::too_slow ||
      ref.ending == ScenarioEnding::crashes || ref.ending == ScenarioEnding::exited_early ||
      ref.ending == ScenarioEnding::tampered || ref.ending == ScenarioEnding::output_flood) {
    result.verdict = Verdict::grader_error;
    result.detail = "the reference run of this scenario " + ending_words(ref) +
                    ": the kit is broken, not the submission";
    return;
  }
  switch (run.ending) {
    case ScenarioEnding::not_started:
      result.verdict = Verdict::grader_error;
      result.detail = run.detail;
      return;
    case ScenarioEnding::tampered:
      result.verdict = Verdict::tampered;
      result.detail = run.detail + "; its results are void";
      return;
    case ScenarioEnding::output_flood:
      result.verdict = Verdict::output_flood;
      result.detail = "the scenario " + run.detail;
      return;
    case ScenarioEnding::too_slow:
      result.verdict = Verdict::timeout;
      result.detail = "too slow: " + run.detail + "; on the reference the scenario " +
                      ending_words(ref) + " in " + std::to_string(ref.wall.count()) + " ms";
      result.output = output(join(run.lines, "\n"));
      return;
    case ScenarioEnding::exited_early:
      result.verdict = Verdict::exited_early;
      result.detail = run.detail;
      result.output = output(join(run.lines, "\n"));
      return;
    default: break;
  }
  if (run.ending == ScenarioEnding::crashes && ref.ending != ScenarioEnding::crashes) {
    result.verdict = Verdict::crash;
    result.detail = "the scenario crashed on your runtime: " + run.detail +
                    "; on the reference it " + ending_words(ref);
    result.output = output("your output:\n" + join(run.lines, "\n"));
    return;
  }
  std::vector<std::vector<std::string>> allowed{ref.lines};
  for (const auto& alt : scenario.alternatives) allowed.push_back(alt);
  const bool same_lines =
      !run.truncated && std::find(allowed.begin(), allowed.end(), run.lines) != allowed.end();
  const bool same_ending =
      run.ending == ref.ending &&
      (run.ending != ScenarioEnding::completes || run.exit_code == ref.exit_code) &&
      (run.ending != ScenarioEnding::deadlocks || run.never_arrived == ref.never_arrived);
  if (same_lines && same_ending) {
    result.verdict = Verdict::pass;
    return;
  }
  std::string text;
  if (!same_ending) {
    result.verdict = Verdict::wrong_ending;
    result.detail =
        "on the reference the scenario " + ending_words(ref) + "; on yours it " + ending_words(run);
    if (ref.ending == ScenarioEnding::starves && !reference.last_waiting.empty()) {
      text += "The reference's flood kept waiting: " + join(reference.last_waiting, "; ") +
              ". Dart drains the microtask queue completely before it runs one event, so a "
              "flood that never empties it starves them.\n";
    } else if (run.ending == ScenarioEnding::starves) {
      text += "Your runtime went on past " + std::to_string(scenario.budget) +
              " flood steps where the reference's flood ended.\n";
    } else if (ref.ending == ScenarioEnding::deadlocks) {
      text += "In the reference nothing was left to run while " + join(ref.never_arrived, ", ") +
              " still waited, so the loop ended there.\n";
    }
  } else {
    result.verdict = Verdict::wrong_output;
  }
  if (!same_lines) {
    if (result.verdict == Verdict::wrong_output) {
      result.detail = "the output differs from the reference runtime's";
      if (!scenario.alternatives.empty())
        result.detail += " (and from the other orders Dart allows)";
    }
    text += explain_divergence(reference, ref.lines, run.lines) +
            "\n\nreference (-) and yours (+):\n" + diff(ref.lines, run.lines);
    if (run.truncated) text += "  ... (your output was longer than the grader keeps)\n";
  }
  result.output = output(text);
}

}  // namespace dartloop::grader
