#pragma once
// Scaffold (given): what an unwritten body does. The starter code calls `todo(...)` where you
// have to write code, so a test that reaches it fails with a message naming the step and the
// function, instead of passing by accident or crashing.
#include <stdexcept>
#include <string>

namespace dartloop {

/// Thrown by code you have not written yet.
class NotWrittenYet : public std::logic_error {
 public:
  explicit NotWrittenYet(const std::string& what)
      : std::logic_error("not written yet: " + what + " (look for its TODO)") {}
};

/// Marks a body to write: throws `NotWrittenYet` naming @p what.
[[noreturn]] inline void todo(const std::string& what) { throw NotWrittenYet(what); }

}  // namespace dartloop
