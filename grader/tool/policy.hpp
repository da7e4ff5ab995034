// What a learner's source may not do, checked on the text before anything is compiled: the
// compiler reads every #include, so an include is how a submission would read the hidden
// tests, the solutions or /dev/random; and a few preprocessor and attribute tricks would let
// code run before the test harness or silence its assertions.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace dartloop::grader {

/// One rule a source file breaks.
struct Violation {
  std::filesystem::path file;  ///< the learner's file
  int line = 0;                ///< 1-based line of the offending text
  std::string rule;            ///< short id: "include-path", "catch-macro", "asm", ...
  std::string message;         ///< one line for the learner
};

/// The rules broken by `text`, the contents of `file` (a learner's .hpp/.cpp). Comments and
/// string literals are not code; line splices and digraphs are.
std::vector<Violation> check_source(const std::filesystem::path& file, const std::string& text);

/// check_source over every file of a step folder.
std::vector<Violation> check_step_folder(const std::filesystem::path& folder);

}  // namespace dartloop::grader
