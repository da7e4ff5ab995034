// Lesson 6: an await of a pending future resumes inside whatever completes it, so a whole
// stack of waiting async functions finishes within one microtask.
#include <dartloop/dartloop.hpp>

using namespace dartloop;

namespace {
Future<int> inner() {
  co_await Future<void>::value();
  print("inner done");
  co_return 1;
}

Future<void> outer() {
  const int v = co_await inner();
  print("outer got ", v);
}
}  // namespace

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    outer();
    schedule_microtask([] { print("m"); });
  });
}
