// An async* generator that never awaits starves the event queue, exactly like a microtask chain.
//
// The Dart programs it mirrors, run as two isolates one after the other:
//
//   Stream<int> infiniteStream() async* {      // (a): the seed's generator
//     int i = 0;
//     while (true) yield i++;
//   }
//
//   Stream<int> fixedStream() async* {         // (b): the fix
//     int i = 0;
//     while (true) {
//       yield i++;
//       await Future(() {});                   // a zero-delay event: the event queue gets a turn
//     }
//   }
//
//   void main() {                              // (a)
//     var ticks = 0;
//     Timer.periodic(Duration.zero, (_) => print('tick ${++ticks}'));  // the "frame" timer
//     infiniteStream().listen((v) => print('value $v'));
//   }
//
//   void main() {                              // (b)
//     var ticks = 0;
//     final frame = Timer.periodic(Duration.zero, (_) => print('tick ${++ticks}'));
//     fixedStream().take(5).listen((v) => print('value $v'), onDone: () {
//       frame.cancel();                        // nothing is left: the isolate ends
//       print('done');
//     });
//   }
//
// Why (a) starves (dart-semantics.md §1.8): `yield` hands the value to the listener at once and
// then queues ONE microtask that resumes the body, which yields again and queues the next one.
// The body never waits for anything else, so the microtask queue never empties and the loop
// never takes an event: the frame timer, first in the event queue, never fires. Dart would spin
// forever; the starvation watchdog stops the isolate and names the chain's start, the
// microtask that `listen` queued to start `infinite_stream` (it carries the generator's name).
//
// Why (b) does not: after each yield the body awaits a future that only an event completes, so
// it parks; the microtask queue empties and the loop takes the oldest event. The frame timer's
// event and the generator's event then take turns: value 0, tick 1, value 1, tick 2, ...
// `take(5)` cancels the generator after the fifth value and the listener's done handler
// cancels the timer, so nothing is left and the isolate ends normally.
//
// The frame timer has a zero period: it asks for a turn at every pass of the event queue. A
// 16 ms timer would not do on the virtual clock, where time only moves when nothing is ready to
// run: in both parts something always is, so it would never come due in either.
#include <array>
#include <cstddef>
#include <iomanip>
#include <sstream>
#include <string>

#include "../scenario.hpp"
#include "dartloop/async_star.hpp"
#include "dartloop/future.hpp"
#include "dartloop/print.hpp"
#include "dartloop/starvation_watchdog.hpp"
#include "dartloop/stream.hpp"
#include "dartloop/timer.hpp"

namespace dartloop::demo {

namespace {

// What each part printed, for the side-by-side comparison after both replays.
struct Tally {
  int values = 0;
  int ticks = 0;
  int exit_code = 0;
};
std::array<Tally, 2> tallies;  // [0]: part (a), [1]: part (b)
Tally* tally = nullptr;        // the part running now

void on_value(const int& v) {
  ++tally->values;
  print("value ", v);
}

void on_tick(Timer& /*frame*/) { print("tick ", ++tally->ticks); }

// (a) The seed's generator: it yields and never awaits.
Stream<int> infinite_stream() {
  int i = 0;
  while (true) co_yield i++;  // while (true) yield i++;
}  // listen(): the body starts in a microtask that names this line

// (b) The fix: after each yield, wait for one zero-delay event.
Stream<int> fixed_stream() {
  int i = 0;
  while (true) {
    co_yield i++;                  // yield i++;
    co_await Future<void>([] {});  // await Future(() {});
  }
}  // listen(): the body starts in a microtask that names this line

void main_a() {
  Timer::periodic(Duration::zero(), on_tick);  // Timer.periodic(Duration.zero, ...)
  infinite_stream().listen(on_value);          // infiniteStream().listen(...)
}

void main_b() {
  Timer frame = Timer::periodic(Duration::zero(), on_tick);  // Timer.periodic(Duration.zero, ...)
  const auto done = [frame]() mutable {
    frame.cancel();  // frame.cancel();
    print("done");
  };
  fixed_stream().take(5).listen(on_value, {.on_done = done});  // fixedStream().take(5).listen(...)
}

// Starts counting for part @p part (0 or 1).
void begin_part(std::size_t part) {
  tally = &tallies.at(part);
  *tally = Tally{};
}

int end_part(int exit_code) {
  tally->exit_code = exit_code;
  return exit_code;
}

}  // namespace

int run_generator_starvation_a(EventLoop& loop) {
  // The same budget as the `starvation` demo: far more than any real drain needs.
  const StarvationWatchdog watchdog(loop, StarvationBudget{.microtasks_per_drain = 1000});
  begin_part(0);
  const int code = loop.run(main_a);  // main() of (a)
  return end_part(code);
}

int run_generator_starvation_b(EventLoop& loop) {
  // The same watchdog: the fixed generator never trips it.
  const StarvationWatchdog watchdog(loop, StarvationBudget{.microtasks_per_drain = 1000});
  begin_part(1);
  const int code = loop.run(main_b);  // main() of (b)
  return end_part(code);
}

std::string generator_starvation_epilogue() {
  std::ostringstream s;
  const auto row = [&](const char* what, const Tally& t) {
    s << "  " << std::left << std::setw(30) << what << std::right << std::setw(17) << t.values
      << std::setw(13) << t.ticks << std::setw(11) << t.exit_code << '\n';
  };
  s << "  " << std::left << std::setw(30) << "" << std::right << std::setw(17) << "values printed"
    << std::setw(13) << "timer ticks" << std::setw(11) << "exit code" << '\n';
  row("(a) yields, never awaits", tallies[0]);
  row("(b) awaits after each yield", tallies[1]);
  s << "In (a) the frame timer never ran: the watchdog stopped the isolate. In (b) timer ticks\n"
       "and values alternate until take(5) ends the stream.\n";
  return s.str();
}

}  // namespace dartloop::demo
