#include "rubric.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace dartloop::grader {

namespace {

Visibility parse_visibility(const std::string& text, const std::string& where) {
  if (text == "visible") return Visibility::visible;
  if (text == "after_due_date") return Visibility::after_due_date;
  if (text == "after_published") return Visibility::after_published;
  if (text == "hidden") return Visibility::hidden;
  throw std::runtime_error(where + ": visibility '" + text +
                           "' is not one of visible, after_due_date, after_published, hidden");
}

// Splits a step's points: cases with their own points keep them, the others share the rest.
void share_points(std::map<std::string, CaseRule>& rules, const std::map<std::string, bool>& fixed,
                  double total, const std::string& where) {
  double taken = 0;
  std::size_t open = 0;
  for (const auto& [name, rule] : rules) {
    if (fixed.at(name)) {
      taken += rule.points;
    } else {
      ++open;
    }
  }
  if (taken > total + 1e-9) {
    throw std::runtime_error(where + ": its tests have " + std::to_string(taken) +
                             " points, more than the step's " + std::to_string(total));
  }
  for (auto& [name, rule] : rules) {
    if (!fixed.at(name)) rule.points = open == 0 ? 0 : (total - taken) / static_cast<double>(open);
  }
}

}  // namespace

std::string to_string(Visibility visibility) {
  switch (visibility) {
    case Visibility::visible: return "visible";
    case Visibility::after_due_date: return "after_due_date";
    case Visibility::after_published: return "after_published";
    case Visibility::hidden: return "hidden";
  }
  return "hidden";
}

Rubric Rubric::even(const std::vector<Step>& course, double points_per_step) {
  Rubric r;
  for (const Step& step : course) {
    r.step_points_[step.folder] = points_per_step;
    auto& rules = r.rules_[step.folder];
    for (const auto& name : step.cases) {
      rules[name] = CaseRule{points_per_step / static_cast<double>(step.cases.size()),
                             Visibility::after_due_date};
    }
  }
  return r;
}

Rubric Rubric::load(const std::filesystem::path& file, const std::vector<Step>& course) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read the rubric " + file.string());
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error(file.string() + ": not valid JSON: " + e.what());
  }
  const std::string where = file.string();
  try {
    const double per_step = doc.value("points_per_step", 10.0);
    const Visibility default_visibility =
        parse_visibility(doc.value("visibility", std::string("after_due_date")), where);
    Rubric r;
    std::map<std::string, std::map<std::string, bool>> fixed;
    for (const Step& step : course) {
      r.step_points_[step.folder] = per_step;
      for (const auto& name : step.cases) {
        r.rules_[step.folder][name] = CaseRule{0, default_visibility};
        fixed[step.folder][name] = false;
      }
    }
    for (const auto& [key, value] : doc.items()) {
      if (key != "points_per_step" && key != "visibility" && key != "steps" && key != "$comment") {
        throw std::runtime_error(where + ": unknown key '" + key +
                                 "' (expected points_per_step, visibility, steps)");
      }
    }
    if (doc.contains("steps")) {
      for (const auto& [folder, spec] : doc.at("steps").items()) {
        const std::string at = where + ": steps." + folder;
        if (r.rules_.count(folder) == 0) {
          throw std::runtime_error(at + ": no such step in the course");
        }
        auto& rules = r.rules_[folder];
        Visibility step_visibility = default_visibility;
        if (spec.contains("visibility")) {
          step_visibility = parse_visibility(spec.at("visibility").get<std::string>(), at);
          for (auto& [name, rule] : rules) rule.visibility = step_visibility;
        }
        if (spec.contains("points")) r.step_points_[folder] = spec.at("points").get<double>();
        if (r.step_points_[folder] < 0) throw std::runtime_error(at + ": negative points");
        if (spec.contains("tests")) {
          for (const auto& [name, test] : spec.at("tests").items()) {
            if (rules.count(name) == 0) {
              throw std::runtime_error(at + ".tests: no hidden test case is called \"" + name +
                                       "\"");
            }
            if (test.contains("points")) {
              rules[name].points = test.at("points").get<double>();
              if (rules[name].points < 0) {
                throw std::runtime_error(at + ".tests.\"" + name + "\": negative points");
              }
              fixed[folder][name] = true;
            }
            if (test.contains("visibility")) {
              rules[name].visibility =
                  parse_visibility(test.at("visibility").get<std::string>(), at);
            }
          }
        }
      }
    }
    for (auto& [folder, rules] : r.rules_) {
      share_points(rules, fixed[folder], r.step_points_[folder], where + ": steps." + folder);
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(where + ": " + e.what());
  }
}

const CaseRule& Rubric::rule(const std::string& step, const std::string& test_case) const {
  return rules_.at(step).at(test_case);
}

double Rubric::step_points(const std::string& step) const { return step_points_.at(step); }

}  // namespace dartloop::grader
