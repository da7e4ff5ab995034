// What the grader knows about the course: its steps and the hidden test cases of each, read
// from the kit's own files (course/steps.cmake, grader/hidden/NN-topic.cpp), so that adding a
// step or a hidden case needs no change here.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "scenario.hpp"

namespace dartloop::grader {

/// One step of the course and its hidden test cases.
struct Step {
  std::string folder;               ///< "01-microtask-queue"
  int number = 0;                   ///< 1
  std::vector<std::string> cases;   ///< hidden test case names, in file order, then scenarios
  std::vector<Scenario> scenarios;  ///< the step's scenarios (their cases: "scenario: NAME")
};

/// The course as the kit at `kit_root` defines it, with the scenarios of each step. Throws
/// std::runtime_error naming the file when one cannot be read or parsed.
std::vector<Step> load_course(const std::filesystem::path& kit_root);

/// The names of the TEST_CASEs in a Catch2 source, in order (adjacent string literals joined,
/// simple escapes decoded).
std::vector<std::string> test_case_names(const std::string& source);

/// Parses a step selection such as "1-10", "3", "1,4-6" against `course`; throws
/// std::invalid_argument with a readable message on a malformed or unknown step.
std::vector<Step> select_steps(const std::vector<Step>& course, const std::string& selection);

}  // namespace dartloop::grader
