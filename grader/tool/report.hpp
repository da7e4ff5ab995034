// Reports of a graded submission: text for the learner or the instructor, JSON for tools,
// JUnit XML for CI dashboards and Gradescope's results.json.
#pragma once

#include <string>

#include "grade.hpp"

namespace dartloop::grader {

/// Who reads a text report.
enum class Audience {
  instructor,  ///< every case, with names and output
  learner,     ///< hidden and not-yet-visible cases counted, not named
};

/// A plain-text report (what `./kit grade` prints).
std::string text_report(const SubmissionResult& result, Audience audience);

/// Everything in the result, as JSON.
std::string json_report(const SubmissionResult& result);

/// JUnit XML: one testsuite per step, one testcase per hidden case.
std::string junit_report(const SubmissionResult& result);

/// Gradescope's results.json (score, tests with max_score, status and visibility).
std::string gradescope_report(const SubmissionResult& result);

}  // namespace dartloop::grader
