// Two async functions taking turns: where each one parks at `await`, and which task wakes it.
//
// The Dart program it mirrors:
//
//   Future<int> cached() async => 7;       // never awaits: its future is complete on return
//
//   Future<void> alice(Completer<int> handoff) async {
//     print('alice 1');
//     await 1;                              // a plain value
//     print('alice 2');
//     await 2;
//     print('alice 3');
//     final n = await Future.delayed(const Duration(milliseconds: 5), () => 42);
//     print('alice 4: got $n');
//     handoff.complete(n + 1);              // wakes bob, one microtask later
//     print('alice 5: done');
//   }
//
//   Future<void> bob(Completer<int> handoff) async {
//     print('bob 1');
//     final c = await cached();             // a future that is already complete
//     print('bob 2: got $c');
//     final v = await Future.value(3);      // pending until the microtask Future.value queued
//     print('bob 3: got $v');
//     final m = await handoff.future;       // pending until alice completes it
//     print('bob 4: got $m');
//   }
//
//   void main() async {
//     print('main 1');
//     Future(() => print('an event'));
//     final handoff = Completer<int>();
//     final a = alice(handoff);
//     final b = bob(handoff);
//     print('main 2');
//     await a;
//     print('main 3: alice finished');
//     await b;
//     print('main 4: bob finished');
//   }
//
// What to watch, step by step (dart-semantics.md §1.4):
// - Every `await` parks the call, even `await 1`: the call appears under "async functions
//   suspended" at that line and its caller goes on (main prints "main 2" before "alice 2").
// - Awaiting a value or a complete future (`await 1`, `await cached()`) queues ONE microtask at
//   the `co_await` line; alice and bob then take turns through the microtask queue.
// - Awaiting a pending future queues nothing: the call resumes inside whatever task completes
//   that future. `Future.value(3)` is pending until its own microtask, so bob resumes in it; the
//   5 ms timer resumes alice; alice's return resumes main in that same timer task.
// - None of these resumptions lets the event in: "an event" waits until the microtask queue is
//   empty, exactly like any other event.
//
// Worked out from those rules, the output is: main 1, alice 1, bob 1, main 2, alice 2,
// bob 2: got 7, alice 3, bob 3: got 3, an event, alice 4: got 42, alice 5: done,
// main 3: alice finished, bob 4: got 43, main 4: bob finished (8 steps).
#include "../scenario.hpp"
#include "dartloop/async.hpp"
#include "dartloop/completer.hpp"
#include "dartloop/future.hpp"
#include "dartloop/print.hpp"

namespace dartloop::demo {

namespace {
using namespace std::chrono_literals;

Future<int> cached() { co_return 7; }  // complete as soon as it returns

Future<void> alice(Completer<int> handoff) {
  print("alice 1");
  co_await 1;  // a value: one microtask
  print("alice 2");
  co_await 2;  // a value again
  print("alice 3");
  const int n = co_await Future<int>::delayed(5ms, [] { return 42; });
  print("alice 4: got ", n);
  handoff.complete(n + 1);  // bob resumes in its microtask
  print("alice 5: done");
}

Future<void> bob(Completer<int> handoff) {
  print("bob 1");
  const int c = co_await cached();  // complete: one microtask
  print("bob 2: got ", c);
  const int v = co_await Future<int>::value(3);  // still pending
  print("bob 3: got ", v);
  const int m = co_await handoff.future();  // pending until alice
  print("bob 4: got ", m);
}

// Dart's `void main() async`: the loop's first event calls it.
Future<void> async_main() {
  print("main 1");
  Future([] { print("an event"); });  // an event: after all microtasks
  const Completer<int> handoff;
  Future<void> a = alice(handoff);
  Future<void> b = bob(handoff);
  print("main 2");
  co_await a;  // pending: resumes when alice returns
  print("main 3: alice finished");
  co_await b;  // pending: resumes when bob returns
  print("main 4: bob finished");
}
}  // namespace

int run_await(EventLoop& loop) { return loop.run(async_main); }

}  // namespace dartloop::demo
