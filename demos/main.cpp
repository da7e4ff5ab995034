// dartloop-demo: runs a scenario on a virtual-clock loop, records it, and replays it step by step.
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
         "  --dot DIR            also write one Graphviz file per step (render: dot -Tsvg)\n";
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
                  << std::string(16 - std::min<std::size_t>(15, s.name.size()), ' ') << s.summary
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

  dartloop::EventLoop loop(dartloop::ClockKind::virtual_time);
  dartloop::Tracer trace(loop, dartloop::Tracer::Options{.frames = true});
  std::vector<std::string> errors;
  loop.set_output([](std::string_view) {});  // the replay shows the output step by step
  loop.set_error_output([&](std::string_view line) { errors.emplace_back(line); });
  const int code = scenario->run(loop);

  std::cout << "dartloop demo: " << scenario->name << " - " << scenario->summary << '\n'
            << scenario->lesson << "\n\n";
  dartloop::demo::show_run(std::cout, std::cin, trace, errors, view);

  bool ok = true;
  if (!trace_path.empty()) {
    ok &= write_file(trace_path, [&](std::ostream& o) { dartloop::write_json_lines(o, trace); });
  }
  if (!chrome_path.empty()) {
    ok &= write_file(chrome_path, [&](std::ostream& o) { dartloop::write_chrome_trace(o, trace); });
  }
  if (!dot_dir.empty()) {
    // One file per step goes into the folder: make it if it is not there yet.
    std::error_code ec;
    std::filesystem::create_directories(dot_dir, ec);
    if (ec) {
      std::cerr << "dartloop-demo: cannot create folder " << dot_dir << ": " << ec.message()
                << '\n';
      return 1;
    }
    for (std::size_t i = 0; i < trace.frames().size() && ok; ++i) {
      const auto& frame = trace.frames()[i];
      const std::string path = dot_dir + "/step-" + std::to_string(i + 1) + ".dot";
      ok &= write_file(path, [&](std::ostream& o) {
        dartloop::write_dot(
            o, frame.queues,
            {.title = std::string(scenario->name) + ", step " + std::to_string(i + 1),
             .frame = &frame});
      });
    }
  }
  if (!ok) return 1;
  return code;
}
