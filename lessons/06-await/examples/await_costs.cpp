// Lesson 6: what an await costs. A complete future: one microtask, queued at the await. A
// pending one: nothing extra, the body resumes inside the completion.
#include <dartloop/dartloop.hpp>

using namespace dartloop;

namespace {
Future<void> awaits_complete(Future<int> done) {
  const int v = co_await done;
  print("after await of a complete future ", v);
}

Future<void> awaits_pending(Future<int> pending) {
  const int v = co_await pending;
  print("after await of Future.value ", v);
}
}  // namespace

int main() {
  EventLoop loop(ClockKind::virtual_time);
  return loop.run([] {
    auto done = Completer<int>::sync();
    done.complete(1);
    auto value = Future<int>::value(2);
    schedule_microtask([] { print("microtask"); });
    awaits_complete(done.future());
    awaits_pending(value);
    print("main done");
  });
}
