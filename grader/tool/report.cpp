#include "report.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace dartloop::grader {

namespace {

std::string points(double p) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", std::round(p * 100) / 100);
  return buffer;
}

std::string seconds(std::chrono::milliseconds ms) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", static_cast<double>(ms.count()) / 1000.0);
  return buffer;
}

std::string indent(const std::string& text, const std::string& by) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out += by + line + "\n";
  return out;
}

bool shown_to_learner(Visibility v) { return v == Visibility::visible; }

// Learner code prints whatever it likes; XML 1.0 allows only some control characters.
std::string xml_escape(const std::string& text) {
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += '?';
        } else {
          out += ch;
        }
    }
  }
  return out;
}

// JSON strings must be valid UTF-8; learner output need not be.
std::string valid_utf8(const std::string& text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    if (c < 0x80) {
      len = 1;
    } else if ((c >> 5) == 0x6) {
      len = 2;
    } else if ((c >> 4) == 0xe) {
      len = 3;
    } else if ((c >> 3) == 0x1e) {
      len = 4;
    }
    bool ok = len > 0 && i + len <= text.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
    }
    if (ok) {
      out.append(text, i, len);
      i += len;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

std::string case_text(const CaseResult& c) {
  std::string out = c.detail + "\n";
  if (!c.output.empty()) out += "output:\n" + indent(c.output, "  ");
  if (!c.replay.empty()) out += "replay: " + c.replay + "\n";
  return out;
}

std::string step_summary(const StepResult& s) {
  switch (s.status) {
    case StepStatus::graded: return "";
    case StepStatus::not_submitted: return "no file of this step was submitted";
    case StepStatus::refused: {
      std::string out = "refused: its sources break the grader's rules (nothing was compiled)\n";
      for (const auto& v : s.violations) {
        out += "  " + v.file.filename().string() + ":" + std::to_string(v.line) + ": [" + v.rule +
               "] " + v.message + "\n";
      }
      return out;
    }
    case StepStatus::compile_error:
      return "does not compile; the compiler said:\n" + indent(s.build_log, "  ");
  }
  return "";
}

}  // namespace

std::string text_report(const SubmissionResult& r, Audience audience) {
  std::ostringstream out;
  out << "dartloop grade: " << r.learner << "  (" << r.source.string() << ")\n";
  if (!r.error.empty()) out << "\nNOT GRADED: " << r.error << "\n";
  for (const auto& s : r.refused) out << "refused: " << s.path << ": " << s.reason << "\n";
  if (audience == Audience::instructor) {
    for (const auto& s : r.ignored) out << "ignored: " << s.path << ": " << s.reason << "\n";
  }
  for (const auto& s : r.steps) {
    out << "\nstep " << s.step.folder << "   " << points(s.points) << " / " << points(s.max_points)
        << "   (compile " << seconds(s.compile_time) << " s, run " << seconds(s.run_time)
        << " s)\n";
    if (const auto summary = step_summary(s); !summary.empty()) {
      out << indent(summary, "  ");
      continue;
    }
    for (const auto& f : s.filled) {
      out << "  note: " << f << " was not submitted; the starter's copy was used\n";
    }
    std::size_t unseen = 0;
    std::size_t unseen_passed = 0;
    for (const auto& c : s.cases) {
      if (audience == Audience::learner && !shown_to_learner(c.visibility)) {
        ++unseen;
        if (c.verdict == Verdict::pass) ++unseen_passed;
        continue;
      }
      out << "  " << (c.verdict == Verdict::pass ? "PASS " : "FAIL ") << c.name;
      if (c.verdict != Verdict::pass) out << "  [" << to_string(c.verdict) << "]";
      out << "\n";
      if (c.verdict != Verdict::pass) out << indent(case_text(c), "      ");
    }
    if (unseen > 0) {
      out << "  " << unseen_passed << " of " << unseen
          << " more test cases pass (their names are shown after the due date)\n";
    }
  }
  out << "\nTOTAL " << points(r.points) << " / " << points(r.max_points) << "   (build "
      << seconds(r.compile_time) << " s, tests " << seconds(r.run_time) << " s)\n";
  for (const auto& w : r.weakened) out << "sandbox warning: " << w << "\n";
  return out.str();
}

std::string json_report(const SubmissionResult& r) {
  nlohmann::json doc;
  doc["learner"] = valid_utf8(r.learner);
  doc["source"] = valid_utf8(r.source.string());
  doc["points"] = r.points;
  doc["max_points"] = r.max_points;
  doc["compile_seconds"] = static_cast<double>(r.compile_time.count()) / 1000.0;
  doc["run_seconds"] = static_cast<double>(r.run_time.count()) / 1000.0;
  if (!r.error.empty()) doc["error"] = valid_utf8(r.error);
  doc["refused"] = nlohmann::json::array();
  for (const auto& s : r.refused) {
    doc["refused"].push_back({{"path", valid_utf8(s.path)}, {"reason", valid_utf8(s.reason)}});
  }
  doc["ignored"] = nlohmann::json::array();
  for (const auto& s : r.ignored) {
    doc["ignored"].push_back({{"path", valid_utf8(s.path)}, {"reason", valid_utf8(s.reason)}});
  }
  doc["sandbox_warnings"] = r.weakened;
  doc["steps"] = nlohmann::json::array();
  for (const auto& s : r.steps) {
    nlohmann::json step;
    step["step"] = s.step.folder;
    step["status"] = to_string(s.status);
    step["points"] = s.points;
    step["max_points"] = s.max_points;
    step["compile_seconds"] = static_cast<double>(s.compile_time.count()) / 1000.0;
    step["run_seconds"] = static_cast<double>(s.run_time.count()) / 1000.0;
    if (!s.build_log.empty()) step["build_log"] = valid_utf8(s.build_log);
    step["filled_from_starter"] = s.filled;
    step["violations"] = nlohmann::json::array();
    for (const auto& v : s.violations) {
      step["violations"].push_back({{"file", valid_utf8(v.file.filename().string())},
                                    {"line", v.line},
                                    {"rule", v.rule},
                                    {"message", valid_utf8(v.message)}});
    }
    step["cases"] = nlohmann::json::array();
    for (const auto& c : s.cases) {
      nlohmann::json item = {{"name", c.name},
                             {"verdict", to_string(c.verdict)},
                             {"points", c.points},
                             {"max_points", c.max_points},
                             {"visibility", to_string(c.visibility)},
                             {"seconds", static_cast<double>(c.time.count()) / 1000.0}};
      if (!c.detail.empty()) item["detail"] = valid_utf8(c.detail);
      if (!c.output.empty()) item["output"] = valid_utf8(c.output);
      if (!c.replay.empty()) item["replay"] = valid_utf8(c.replay);
      step["cases"].push_back(std::move(item));
    }
    doc["steps"].push_back(std::move(step));
  }
  return doc.dump(2) + "\n";
}

std::string junit_report(const SubmissionResult& r) {
  std::size_t tests = 0;
  std::size_t failures = 0;
  for (const auto& s : r.steps) {
    for (const auto& c : s.cases) {
      ++tests;
      if (c.verdict != Verdict::pass) ++failures;
    }
  }
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"dartloop grade " << xml_escape(valid_utf8(r.learner)) << "\" tests=\""
      << tests << "\" failures=\"" << failures << "\" time=\""
      << seconds(r.compile_time + r.run_time) << "\">\n";
  for (const auto& s : r.steps) {
    std::size_t step_failures = 0;
    for (const auto& c : s.cases) step_failures += c.verdict == Verdict::pass ? 0 : 1;
    out << "  <testsuite name=\"" << s.step.folder << "\" tests=\"" << s.cases.size()
        << "\" failures=\"" << step_failures << "\" errors=\"0\" time=\"" << seconds(s.run_time)
        << "\">\n";
    const std::string summary = step_summary(s);
    for (const auto& c : s.cases) {
      out << "    <testcase classname=\"" << s.step.folder << "\" name=\"" << xml_escape(c.name)
          << "\" time=\"" << seconds(c.time) << "\"";
      if (c.verdict == Verdict::pass) {
        out << "/>\n";
        continue;
      }
      const std::string message = summary.empty() ? c.detail : to_string(s.status);
      out << ">\n      <failure type=\"" << to_string(c.verdict) << "\" message=\""
          << xml_escape(valid_utf8(message)) << "\">"
          << xml_escape(valid_utf8(summary.empty() ? case_text(c) : summary))
          << "</failure>\n    </testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
  return out.str();
}

std::string gradescope_report(const SubmissionResult& r) {
  nlohmann::json doc;
  doc["score"] = std::round(r.points * 100) / 100;
  doc["execution_time"] = (r.compile_time + r.run_time).count() / 1000;
  doc["visibility"] = "visible";
  doc["stdout_visibility"] = "hidden";
  std::string output;
  if (!r.error.empty()) output += "Not graded: " + r.error + "\n";
  for (const auto& s : r.refused) output += "Refused " + s.path + ": " + s.reason + "\n";
  for (const auto& s : r.steps) {
    if (const auto summary = step_summary(s); !summary.empty()) {
      output += "Step " + s.step.folder + ": " + summary + "\n";
    }
  }
  doc["output"] = valid_utf8(output);
  doc["tests"] = nlohmann::json::array();
  for (const auto& s : r.steps) {
    int number = 0;
    for (const auto& c : s.cases) {
      ++number;
      nlohmann::json test = {
          {"name", c.name},
          {"number", std::to_string(s.step.number) + "." + std::to_string(number)},
          {"score", std::round(c.points * 100) / 100},
          {"max_score", std::round(c.max_points * 100) / 100},
          {"status", c.verdict == Verdict::pass ? "passed" : "failed"},
          {"visibility", to_string(c.visibility)},
          {"tags", {s.step.folder}}};
      if (c.verdict != Verdict::pass) {
        // The replay command names the grader's files: an instructor's tool, not the learner's.
        CaseResult shown = c;
        shown.replay.clear();
        test["output"] = valid_utf8("[" + to_string(c.verdict) + "] " + case_text(shown));
      }
      doc["tests"].push_back(std::move(test));
    }
  }
  return doc.dump(2) + "\n";
}

}  // namespace dartloop::grader
