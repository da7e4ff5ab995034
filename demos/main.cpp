// dartloop-demo: runs a scenario on a loop (virtual clock unless the scenario needs real time),
// records it, and replays it step by step.
//
// The recording is the runtime's own trace (Tracer frames are snapshots taken by the loop),
// so what the demo shows is what the loop did, not a re-enactment.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "dartloop/trace_writers.hpp"
#include "dartloop/tracer.hpp"
#include "scenario.hpp"
#include "viewer.hpp"

namespace {

using dartloop::demo::Scenario;

constexpr int usage_error = 2;

void usage(std::ostream& out) {
  out << "usage: dartloop-demo [NAME] [--step] [--trace FILE.jsonl] [--chrome-trace FILE.json]\n"
         "                     [--dot DIR] [--list]\n"
         "  NAME                 a scenario (default: seed-puzzle); --list shows them\n"
         "  --step               wait for Enter between steps\n"
         "  --trace FILE         also write the trace as JSON Lines\n"
         "  --chrome-trace FILE  also write a Chrome trace (open in https://ui.perfetto.dev)\n"
         "  --dot DIR            also write one Graphviz file per step (render: dot -Tsvg)\n"
         "  A scenario of several isolates writes one file of each per isolate (F-a.jsonl,\n"
         "  F-b.jsonl; DIR/a-step-1.dot, DIR/b-step-1.dot).\n";
}

const Scenario* find(std::string_view name) {
  for (const Scenario& s : dartloop::demo::scenarios()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

bool write_file(const std::string& path, auto&& writer) {
  std::ofstream out(path);
  if (!out) {
    std::cerr << "dartloop-demo: cannot write " << path << '\n';
    return false;
  }
  writer(out);
  return static_cast<bool>(out);
}

// "== title =====": a heading as wide as the viewer's step rules.
std::string heading(const std::string& title) {
  std::string line = "== " + title + " ";
  if (line.size() < 78) line.append(78 - line.size(), '=');
  return line;
}

// Where a scenario's recordings go (empty: not written).
struct Exports {
  std::string trace_path;
  std::string chrome_path;
  std::string dot_dir;
};

// A part's own file: "trace.jsonl" becomes "trace-a.jsonl" (unchanged for a one-part scenario).
std::string labelled(const std::string& path, std::string_view label) {
  if (label.empty()) return path;
  std::filesystem::path p(path);
  p.replace_filename(p.stem().string() + "-" + std::string(label) + p.extension().string());
  return p.string();
}

// One isolate: its exit code, and whether its recordings were written.
struct Outcome {
  int code = 0;
  bool exported = true;
};

// Runs @p run on a fresh loop on @p clock, records it, replays it, and writes the exports.
Outcome run_isolate(const Scenario& scenario, std::string_view label,
                    int (*run)(dartloop::EventLoop&), dartloop::ClockKind clock,
                    const dartloop::demo::ViewOptions& view, const Exports& exports) {
  if (clock == dartloop::ClockKind::real_time) {
    std::cout << "(real clock: the times, and how many timer ticks fit in them, differ from run "
                 "to run)\n\n";
  }
  dartloop::EventLoop loop(clock);
  dartloop::Tracer trace(loop, dartloop::Tracer::Options{.frames = true});
  std::vector<std::string> errors;
  loop.set_output([](std::string_view) {});  // the replay shows the output step by step
  loop.set_error_output([&](std::string_view line) { errors.emplace_back(line); });
  Outcome outcome{.code = run(loop)};
  dartloop::demo::show_run(std::cout, std::cin, trace, errors, view);

  bool& ok = outcome.exported;
  if (!exports.trace_path.empty()) {
    ok &= write_file(labelled(exports.trace_path, label),
                     [&](std::ostream& o) { dartloop::write_json_lines(o, trace); });
  }
  if (!exports.chrome_path.empty()) {
    ok &= write_file(labelled(exports.chrome_path, label),
                     [&](std::ostream& o) { dartloop::write_chrome_trace(o, trace); });
  }
  if (!exports.dot_dir.empty()) {
    // One file per step goes into the folder: make it if it is not there yet.
    std::error_code ec;
    std::filesystem::create_directories(exports.dot_dir, ec);
    if (ec) {
      std::cerr << "dartloop-demo: cannot create folder " << exports.dot_dir << ": " << ec.message()
                << '\n';
      ok = false;
      return outcome;
    }
    // A part's steps are "a-step-1.dot", ...; a one-part scenario's "step-1.dot", ...
    const std::string prefix = label.empty() ? "" : std::string(label) + "-";
    const std::string title =
        std::string(scenario.name) + (label.empty() ? "" : " (" + std::string(label) + ")");
    for (std::size_t i = 0; i < trace.frames().size() && ok; ++i) {
      const auto& frame = trace.frames()[i];
      const std::string n = std::to_string(i + 1);
      std::string path = exports.dot_dir;
      path.append("/").append(prefix).append("step-").append(n).append(".dot");
      std::string step_title = title;
      step_title.append(", step ").append(n);
      ok &= write_file(path, [&](std::ostream& o) {
        dartloop::write_dot(o, frame.queues, {.title = step_title, .frame = &frame});
      });
    }
  }
  return outcome;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name = "seed-puzzle";
  std::string trace_path;
  std::string chrome_path;
  std::string dot_dir;
  dartloop::demo::ViewOptions view;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    const auto value = [&](std::string& into) {
      if (i + 1 >= args.size()) {
        std::cerr << "dartloop-demo: " << a << " needs a value\n";
        usage(std::cerr);
        std::exit(usage_error);
      }
      into = args[++i];
    };
    if (a == "--step") {
      view.step = true;
    } else if (a == "--trace") {
      value(trace_path);
    } else if (a == "--chrome-trace") {
      value(chrome_path);
    } else if (a == "--dot") {
      value(dot_dir);
    } else if (a == "--list") {
      for (const Scenario& s : dartloop::demo::scenarios()) {
        std::cout << "  " << s.name
                  << std::string(22 - std::min<std::size_t>(21, s.name.size()), ' ') << s.summary
                  << '\n';
      }
      return 0;
    } else if (a == "--help" || a == "-h") {
      usage(std::cout);
      return 0;
    } else if (a.starts_with("-")) {
      std::cerr << "dartloop-demo: unknown option " << a << '\n';
      usage(std::cerr);
      return usage_error;
    } else {
      name = a;
    }
  }
  const Scenario* scenario = find(name);
  if (scenario == nullptr) {
    std::cerr << "dartloop-demo: no scenario named '" << name << "'; try --list\n";
    return usage_error;
  }

  const Exports exports{.trace_path = trace_path, .chrome_path = chrome_path, .dot_dir = dot_dir};
  std::cout << "dartloop demo: " << scenario->name << " - " << scenario->summary << '\n'
            << scenario->lesson << "\n\n";
  if (scenario->parts.empty()) {
    const Outcome outcome =
        run_isolate(*scenario, "", scenario->run, scenario->clock, view, exports);
    return outcome.exported ? outcome.code : 1;
  }
  // Several isolates, one after the other, each under its own heading.
  int code = 0;
  for (const dartloop::demo::Part& part : scenario->parts) {
    std::cout << '\n'
              << heading("part (" + std::string(part.label) + "): " + std::string(part.title))
              << '\n'
              << part.lesson << "\n\n";
    const Outcome outcome = run_isolate(*scenario, part.label, part.run, part.clock, view, exports);
    if (!outcome.exported) return 1;
    if (code == 0) code = outcome.code;
  }
  if (scenario->epilogue != nullptr) {
    std::cout << '\n' << heading("side by side") << '\n' << scenario->epilogue();
  }
  return code;
}
