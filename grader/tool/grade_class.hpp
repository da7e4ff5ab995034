// Grading a whole class: every submission of a folder, a few at a time, each into its own
// reports, then one CSV gradebook. Resumable: a submission whose report is already written for
// the same file (size and modification time) is not graded again.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "grade.hpp"

namespace dartloop::grader {

/// What a class grading needs on top of one submission's options.
struct ClassOptions {
  GradeOptions base;                  ///< kit, tools, steps, rubric, limits (not the paths)
  std::filesystem::path submissions;  ///< folder holding folders and archives, one per learner
  std::filesystem::path out;          ///< reports and gradebook.csv go here
  unsigned parallel = 2;              ///< submissions graded at once
  std::function<void(const std::string&)> progress;  ///< one line per finished learner
};

/// One learner's row of the gradebook.
struct ClassRow {
  std::string learner;              ///< from the file or folder name
  std::vector<double> step_points;  ///< one per graded step
  double points = 0;                ///< total
  double max_points = 0;            ///< available
  std::string status;               ///< "graded", "reused", or the error
};

/// The submissions of a class folder: folders, .zip, .tar.gz, .tgz and .tar files, sorted.
std::vector<std::filesystem::path> class_submissions(const std::filesystem::path& folder);

/// Grades every submission of `options.submissions`, writes NAME.txt, NAME.json and
/// gradebook.csv into `options.out`, and returns the rows in name order.
std::vector<ClassRow> grade_class(const ClassOptions& options);

/// The gradebook: one row per learner, one column per step, the total.
std::string gradebook_csv(const std::vector<Step>& steps, const std::vector<ClassRow>& rows);

}  // namespace dartloop::grader
