// The ordering puzzle every Dart course starts with, written against dartloop.
//
// In Dart the program is: print 1; `Future(() => print 2)`; `Future.microtask(() => print 3)`;
// `Future.delayed(Duration.zero, () => print 4)`; `scheduleMicrotask(() => print 5)`; print 6.
// Each line below is the dartloop spelling of the same call, with Dart's in the trailing
// comment (the demo shows the comment too when the line fits on the projector). The answer
// follows from where each call puts its work (dart-semantics.md §1.3): `Future(f)` and a
// zero `Future.delayed` each start a zero-duration timer, i.e. one event each, in the order
// they were made; `Future.microtask` and `scheduleMicrotask` share the one microtask queue,
// which empties before the loop takes any event. Hence 1 6 3 5 2 4.
#include "../scenario.hpp"
#include "dartloop/future.hpp"
#include "dartloop/print.hpp"

namespace dartloop::demo {

namespace {
void seed_puzzle() {
  print("1");
  Future([] { print("2"); });                                   // Future(() => print('2'))
  Future<void>::microtask([] { print("3"); });                  // Future.microtask(...)
  Future<void>::delayed(Duration::zero(), [] { print("4"); });  // Future.delayed(Duration.zero, ..)
  schedule_microtask([] { print("5"); });                       // scheduleMicrotask(...)
  print("6");
}
}  // namespace

int run_seed_puzzle(EventLoop& loop) { return loop.run(seed_puzzle); }

}  // namespace dartloop::demo
