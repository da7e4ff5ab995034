// The ordering puzzle every Dart course starts with, written against dartloop.
//
// In Dart the program is: print 1; `Future(() => print 2)`; `Future.microtask(() => print 3)`;
// `Future.delayed(Duration.zero, () => print 4)`; `scheduleMicrotask(() => print 5)`; print 6.
// Until futures join the runtime, each line uses the primitive Dart itself builds that
// future on (dart-semantics.md §1.3): `Future(f)` *is* `Timer.run`, `Future.microtask` *is*
// `scheduleMicrotask`, and `Future.delayed` *is* a `Timer`.
#include "../scenario.hpp"
#include "dartloop/print.hpp"
#include "dartloop/timer.hpp"

namespace dartloop::demo {

namespace {
void seed_puzzle() {
  print("1");
  Timer::run([] { print("2"); });               // Future(() => print('2'))
  schedule_microtask([] { print("3"); });       // Future.microtask(() => print('3'))
  Timer(Duration::zero(), [] { print("4"); });  // Future.delayed(Duration.zero, ...)
  schedule_microtask([] { print("5"); });       // scheduleMicrotask(() => print('5'))
  print("6");
}
}  // namespace

int run_seed_puzzle(EventLoop& loop) { return loop.run(seed_puzzle); }

}  // namespace dartloop::demo
