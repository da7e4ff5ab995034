#include "grade_class.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "report.hpp"

namespace dartloop::grader {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// What identifies one version of a submission: a changed file is graded again.
std::string fingerprint(const fs::path& submission) {
  std::error_code ec;
  std::ostringstream out;
  if (fs::is_directory(submission, ec)) {
    for (const auto& e : fs::recursive_directory_iterator(
             submission, fs::directory_options::skip_permission_denied, ec)) {
      if (!e.is_regular_file(ec)) continue;
      out << e.path().lexically_relative(submission).string() << ' ' << e.file_size(ec) << ' '
          << e.last_write_time(ec).time_since_epoch().count() << '\n';
    }
  } else {
    out << fs::file_size(submission, ec) << ' '
        << fs::last_write_time(submission, ec).time_since_epoch().count();
  }
  return std::to_string(std::hash<std::string>{}(out.str()));
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", value);
  return buffer;
}

// A row from a report written by an earlier run, if it is for this very submission.
std::optional<ClassRow> reuse(const fs::path& json_file, const std::string& print,
                              const std::vector<Step>& steps) {
  std::ifstream in(json_file);
  if (!in) return std::nullopt;
  try {
    const auto doc = nlohmann::json::parse(in);
    if (doc.value("fingerprint", std::string()) != print) return std::nullopt;
    ClassRow row;
    row.learner = doc.at("learner").get<std::string>();
    row.points = doc.at("points").get<double>();
    row.max_points = doc.at("max_points").get<double>();
    row.status = "reused";
    const auto& doc_steps = doc.at("steps");
    if (doc_steps.size() != steps.size()) return std::nullopt;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (doc_steps[i].at("step").get<std::string>() != steps[i].folder) return std::nullopt;
      row.step_points.push_back(doc_steps[i].at("points").get<double>());
    }
    return row;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // a report cut short by an interruption: grade again
  }
}

}  // namespace

std::vector<fs::path> class_submissions(const fs::path& folder) {
  std::vector<fs::path> found;
  for (const auto& e : fs::directory_iterator(folder)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    const bool archive =
        e.is_regular_file() && (ends_with(name, ".zip") || ends_with(name, ".tar.gz") ||
                                ends_with(name, ".tgz") || ends_with(name, ".tar"));
    if (archive || (e.is_directory() && !e.is_symlink())) found.push_back(e.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<ClassRow> grade_class(const ClassOptions& options) {
  const auto submissions = class_submissions(options.submissions);
  fs::create_directories(options.out);
  std::vector<ClassRow> rows(submissions.size());
  std::atomic<std::size_t> next{0};
  std::mutex progress_mutex;
  std::size_t done = 0;
  const auto worker = [&] {
    for (std::size_t i = next++; i < submissions.size(); i = next++) {
      const fs::path& submission = submissions[i];
      const std::string learner = learner_name(submission);
      const fs::path json_file = options.out / (learner + ".json");
      const std::string print = fingerprint(submission);
      ClassRow row;
      if (auto old = reuse(json_file, print, options.base.steps)) {
        row = *old;
      } else {
        row.learner = learner;
        try {
          GradeOptions o = options.base;
          o.submission = submission;
          o.work_dir = options.out / "work" / learner;
          o.progress = nullptr;
          const SubmissionResult result = grade_submission(o);
          std::ofstream(options.out / (learner + ".txt"))
              << text_report(result, Audience::instructor);
          auto doc = nlohmann::json::parse(json_report(result));
          doc["fingerprint"] = print;
          // Written whole and then renamed: an interrupted run leaves no half report to reuse.
          const fs::path partial = json_file.string() + ".partial";
          std::ofstream(partial) << doc.dump(2) << "\n";
          fs::rename(partial, json_file);
          for (const auto& s : result.steps) row.step_points.push_back(s.points);
          row.points = result.points;
          row.max_points = result.max_points;
          row.status = result.error.empty() ? "graded" : result.error;
          std::error_code ec;
          fs::remove_all(o.work_dir, ec);
        } catch (const std::exception& e) {
          row.step_points.assign(options.base.steps.size(), 0);
          row.status = std::string("the grader failed: ") + e.what();
        }
      }
      rows[i] = row;
      const std::lock_guard lock(progress_mutex);
      ++done;
      if (options.progress) {
        constexpr std::size_t width = 30;
        const std::size_t filled = done * width / submissions.size();
        options.progress("[" + std::string(filled, '#') + std::string(width - filled, '-') + "] " +
                         std::to_string(done) + "/" + std::to_string(submissions.size()) + "  " +
                         row.learner + "  " + number(row.points) + " / " + number(row.max_points) +
                         "  (" + row.status + ")");
      }
    }
  };
  std::vector<std::thread> workers;
  const unsigned parallel =
      std::max(1U, std::min<unsigned>(options.parallel, static_cast<unsigned>(submissions.size())));
  for (unsigned i = 0; i < parallel; ++i) workers.emplace_back(worker);
  for (auto& w : workers) w.join();
  std::error_code ec;
  fs::remove(options.out / "work", ec);  // empty once every learner's folder is gone
  std::ofstream(options.out / "gradebook.csv") << gradebook_csv(options.base.steps, rows);
  return rows;
}

std::string gradebook_csv(const std::vector<Step>& steps, const std::vector<ClassRow>& rows) {
  std::string out = "learner";
  for (const Step& s : steps) out += "," + csv_field(s.folder);
  out += ",total,max,status\n";
  for (const ClassRow& row : rows) {
    out += csv_field(row.learner);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      out += "," + number(i < row.step_points.size() ? row.step_points[i] : 0);
    }
    out += "," + number(row.points) + "," + number(row.max_points) + "," + csv_field(row.status) +
           "\n";
  }
  return out;
}

}  // namespace dartloop::grader
