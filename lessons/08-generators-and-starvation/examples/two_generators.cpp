// Lesson 8: a generator's body starts in a microtask, and every co_yield waits one more
// microtask before the body goes on, so two generators take turns.
#include <dartloop/dartloop.hpp>
#include <string>

using namespace dartloop;

Stream<int> count(std::string name, int n) {
  print(name, " starts");
  for (int i = 1; i <= n; ++i) co_yield i;
  print(name, " ends");
}

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    auto a = count("a", 2);
    auto b = count("b", 2);
    print("both called");
    a.listen([](const int& v) { print("a got ", v); });
    b.listen([](const int& v) { print("b got ", v); });
    print("both listened");
  });
}
