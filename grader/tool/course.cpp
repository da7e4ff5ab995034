#include "course.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace dartloop::grader {

namespace {

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Reads one string literal at `pos` (on its opening quote); returns its decoded text and moves
// `pos` past it.
std::string read_literal(const std::string& s, std::size_t& pos) {
  std::string out;
  ++pos;
  while (pos < s.size() && s[pos] != '"') {
    char c = s[pos++];
    if (c == '\\' && pos < s.size()) {
      const char e = s[pos++];
      switch (e) {
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        default: c = e; break;  // \" \\ \'
      }
    }
    out += c;
  }
  ++pos;
  return out;
}

}  // namespace

std::vector<std::string> test_case_names(const std::string& source) {
  std::vector<std::string> names;
  const std::string macro = "TEST_CASE(";
  std::size_t pos = 0;
  while ((pos = source.find(macro, pos)) != std::string::npos) {
    // Only the macro at the start of a line: not TEST_CASE_METHOD or a mention in a comment.
    const bool at_line_start = pos == 0 || source[pos - 1] == '\n';
    pos += macro.size();
    if (!at_line_start) continue;
    std::string name;
    bool any = false;
    for (;;) {
      while (pos < source.size() && std::isspace(static_cast<unsigned char>(source[pos])) != 0) {
        ++pos;
      }
      if (pos >= source.size() || source[pos] != '"') break;
      name += read_literal(source, pos);
      any = true;
    }
    if (any) names.push_back(name);
  }
  return names;
}

std::vector<Step> load_course(const std::filesystem::path& kit_root) {
  const auto steps_file = kit_root / "course" / "steps.cmake";
  const std::string text = read_text(steps_file);
  // Only the list in `set(COURSE_STEPS ...)`: the file declares other lists of steps too.
  const auto start = text.find("set(COURSE_STEPS\n");
  if (start == std::string::npos) {
    throw std::runtime_error(steps_file.string() + ": no `set(COURSE_STEPS` list");
  }
  const auto end = text.find(')', start);
  const std::string list = text.substr(start, end - start);
  std::vector<Step> course;
  static const std::regex folder_re(R"((\d\d)-[a-z0-9-]+)");
  for (auto it = std::sregex_iterator(list.begin(), list.end(), folder_re);
       it != std::sregex_iterator(); ++it) {
    Step step;
    step.folder = it->str();
    step.number = std::stoi((*it)[1].str());
    const auto hidden = kit_root / "grader" / "hidden" / (step.folder + ".cpp");
    step.cases = test_case_names(read_text(hidden));
    if (step.cases.empty()) throw std::runtime_error(hidden.string() + ": no TEST_CASE found");
    course.push_back(std::move(step));
  }
  if (course.empty()) throw std::runtime_error(steps_file.string() + ": no steps listed");
  std::vector<std::string> folders;
  for (const Step& s : course) folders.push_back(s.folder);
  for (Scenario& scenario : load_scenarios(kit_root, folders)) {
    for (Step& s : course) {
      if (s.folder != scenario.step) continue;
      s.cases.push_back(case_name(scenario));
      s.scenarios.push_back(std::move(scenario));
      break;
    }
  }
  return course;
}

std::vector<Step> select_steps(const std::vector<Step>& course, const std::string& selection) {
  std::vector<int> wanted;
  std::stringstream parts(selection);
  std::string part;
  static const std::regex range_re(R"(\s*(\d+)\s*(?:-\s*(\d+))?\s*)");
  while (std::getline(parts, part, ',')) {
    std::smatch m;
    if (!std::regex_match(part, m, range_re)) {
      throw std::invalid_argument("--steps: '" + selection +
                                  "' is not a step list (examples: 1-10, 3, 1,4-6)");
    }
    const int from = std::stoi(m[1].str());
    const int to = m[2].matched ? std::stoi(m[2].str()) : from;
    if (to < from) throw std::invalid_argument("--steps: the range '" + part + "' is backwards");
    for (int n = from; n <= to; ++n) {
      const bool known =
          std::any_of(course.begin(), course.end(), [n](const Step& s) { return s.number == n; });
      if (!known) {
        throw std::invalid_argument("--steps: there is no step " + std::to_string(n) +
                                    " (the course has steps " +
                                    std::to_string(course.front().number) + "-" +
                                    std::to_string(course.back().number) + ")");
      }
      wanted.push_back(n);
    }
  }
  std::vector<Step> out;
  for (const Step& s : course) {
    if (std::find(wanted.begin(), wanted.end(), s.number) != wanted.end()) out.push_back(s);
  }
  if (out.empty()) throw std::invalid_argument("--steps: no step selected");
  return out;
}

}  // namespace dartloop::grader
