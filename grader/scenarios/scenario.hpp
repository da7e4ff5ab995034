// What a grading scenario may say about itself besides printing. A scenario is an ordinary
// program (a lesson example is one as it stands); the grader runs it on the learner's runtime
// and on the reference runtime and compares what it prints and how it ends. These calls are
// for the endings that printing cannot show: a flood that never lets an event run (the run
// stops at a step budget instead of a long timeout), and work that never completes.
// They depend on no runtime, so a scenario compiles against the learner's and the reference.
#pragma once

#include <string_view>

namespace dartloop::scenario {

/// One step of a flood (call it in every microtask of a chain that may never end): past the
/// grader's step budget the run stops there and its ending is "starves".
void flood_step();

/// Declares something the scenario waits for; a run that ends before `arrived(what)` is
/// called "deadlocks" (nothing was left to run, yet this never happened).
void expect(std::string_view what);

/// Marks @p what, declared with `expect`, as done.
void arrived(std::string_view what);

/// The scenario a program of several was asked to run (`--scenario ID`; "" if none).
std::string_view selected();

}  // namespace dartloop::scenario
