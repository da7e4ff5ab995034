// Points and visibility: how many points each step and each hidden test case is worth, and
// who sees a case's name and output. Read from a JSON file (grader/rubric.json by default), so
// an instructor changes weights without touching code.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "course.hpp"

namespace dartloop::grader {

/// Who sees a test's result; the names are Gradescope's.
enum class Visibility {
  visible,          ///< the learner sees it at once
  after_due_date,   ///< the learner sees it once the due date has passed
  after_published,  ///< the learner sees it once grades are published
  hidden,           ///< the learner never sees it (only the points count)
};

/// Gradescope's spelling of a visibility ("after_due_date").
std::string to_string(Visibility visibility);

/// Points and visibility of one test case.
struct CaseRule {
  double points = 0;                                   ///< what passing it earns
  Visibility visibility = Visibility::after_due_date;  ///< who sees it
};

/// The rubric of a whole course.
class Rubric {
 public:
  /// No steps at all (a rubric to assign to).
  Rubric() = default;

  /// The default: every step `points_per_step`, split evenly among its cases.
  static Rubric even(const std::vector<Step>& course, double points_per_step = 10);

  /// Reads `file` and checks it against `course`; throws std::runtime_error with the file, the
  /// place and what is wrong (an unknown step or test name is an error, not ignored: a typo
  /// would silently move points).
  static Rubric load(const std::filesystem::path& file, const std::vector<Step>& course);

  /// The rule of one case of one step.
  const CaseRule& rule(const std::string& step, const std::string& test_case) const;

  /// The points of a whole step.
  double step_points(const std::string& step) const;

 private:
  std::map<std::string, double> step_points_;
  std::map<std::string, std::map<std::string, CaseRule>> rules_;
};

}  // namespace dartloop::grader
