// A heavy computation on the main isolate freezes the "UI"; the same work in Isolate::run does not.
//
// The Dart programs it mirrors, run as two isolates one after the other:
//
//   int countPrimes(int below) { ... }           // naive trial division: pure CPU work
//
//   var frames = 0, lastTick = 0;
//   void drawFrame(Timer t) {                    // says so when the timer skipped ticks
//     final skipped = t.tick - lastTick - 1;
//     lastTick = t.tick;
//     print(skipped > 0 ? 'frame ${++frames} ($skipped ticks skipped)' : 'frame ${++frames}');
//   }
//
//   void main() {                                // (a)
//     final frame = Timer.periodic(Duration(milliseconds: 16), drawFrame);
//     Timer(Duration(milliseconds: 50), () {     // the user taps "count primes"
//       print('tap: counting primes below 2000000 on the main isolate');
//       final n = countPrimes(2000000);          // runs to the end before anything else
//       print('$n primes');
//       Timer(Duration(milliseconds: 50), frame.cancel);  // the app closes a little later
//     });
//   }
//
//   void main() {                                // (b)
//     final frame = Timer.periodic(Duration(milliseconds: 16), drawFrame);
//     Timer(Duration(milliseconds: 50), () async {
//       print('tap: counting primes below 2000000 in Isolate.run');
//       final n = await Isolate.run(() => countPrimes(2000000));
//       print('$n primes');
//       Timer(Duration(milliseconds: 50), frame.cancel);
//     });
//   }
//
// Why (a) drops frames (dart-semantics.md §1.1): a task runs to completion. The tap's timer
// callback spends a few hundred milliseconds in countPrimes, and all that time the loop takes
// no event: the frame timer comes due again and again but its callback cannot run. When the
// callback finally returns, the periodic timer fires once and skips the ticks it missed, as
// Dart's does ("frame 4 (35 ticks skipped)"): every 16 ms slot inside the computation is a
// frame never drawn. The numbers are taken from the tap to the result; the app then runs
// 50 ms more so that the replay shows the first frame after the freeze.
//
// Why (b) does not (§1.9): Isolate::run starts a new isolate, an OS thread with its own loop,
// and hands it the computation. The main isolate's tap callback returns at once (the async
// function parks at its co_await), so the main loop keeps taking the frame timer's events while
// the other thread counts. The result comes back as a message: an event like any other.
//
// This demo runs on the REAL clock, unlike the others. On the virtual clock time moves only
// when the loop is idle, so a computation that keeps the loop busy takes no time at all and no
// frame would be missed in (a); and (b) is about another thread working while wall-clock time
// passes on this one. Hence the numbers differ from run to run; what does not change is that
// (a) draws no frame while it counts and (b) draws nearly all of them.
//
// The size: trial division of every number below 2,000,000 (148933 primes) takes about 350 ms
// on the idle 2-core machine this kit is built on, 400-550 ms while it also compiles: some 25
// frames of 16 ms, long enough to see, short enough to wait for. Its time is almost all 64-bit
// divisions, which no optimiser removes, so Debug, Release and the sanitizer builds all take
// about as long and the demo looks the same in each of them.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iomanip>
#include <sstream>
#include <string>

#include "../scenario.hpp"
#include "dartloop/async.hpp"
#include "dartloop/future.hpp"
#include "dartloop/isolate.hpp"
#include "dartloop/print.hpp"
#include "dartloop/timer.hpp"

namespace dartloop::demo {

namespace {
using namespace std::chrono_literals;

constexpr std::int64_t primes_below = 2'000'000;  // 350-550 ms: see the file comment
constexpr Duration frame_period = 16ms;           // 60 frames per second

// Deliberately naive: the point is to keep one core busy.
bool is_prime(std::int64_t n) {
  if (n < 2) return false;
  for (std::int64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

int count_primes(std::int64_t below) {
  int count = 0;
  for (std::int64_t n = 2; n < below; ++n) {
    if (is_prime(n)) ++count;
  }
  return count;
}

// What each part measured, for the side-by-side comparison after both replays.
struct Tally {
  std::int64_t work_ms = 0;   // from the tap to the result
  std::int64_t expected = 0;  // frames a 60 fps timer owes in that time
  std::int64_t drawn = 0;     // frame callbacks that ran in that time
  std::int64_t dropped = 0;
  int primes = 0;
  int exit_code = 0;
};
std::array<Tally, 2> tallies;  // [0]: part (a), [1]: part (b)
Tally* tally = nullptr;        // the part running now

// The "UI" of the part running now: its frame timer and what it drew.
struct Ui {
  Timer frame;
  std::int64_t frames = 0;
  std::int64_t last_tick = 0;
  Duration tap_at{0};
  std::int64_t frames_at_tap = 0;
};
Ui ui;

void draw_frame(Timer& frame) {
  const std::int64_t skipped = frame.tick() - ui.last_tick - 1;
  ui.last_tick = frame.tick();
  if (skipped > 0) {
    print("frame ", ++ui.frames, " (", skipped, skipped == 1 ? " tick" : " ticks", " skipped)");
  } else {
    print("frame ", ++ui.frames);
  }
}

void start_measuring() {
  ui.tap_at = EventLoop::current().now();
  ui.frames_at_tap = ui.frames;
}

// The result is in: how many frames should have been drawn since the tap, and how many were.
void show_result(int primes) {
  const Duration took = EventLoop::current().now() - ui.tap_at;
  Tally& t = *tally;
  t.primes = primes;
  t.work_ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  t.expected = took / frame_period;
  t.drawn = ui.frames - ui.frames_at_tap;
  t.dropped = std::max<std::int64_t>(0, t.expected - t.drawn);
  print(primes, " primes after ", t.work_ms, " ms: ", t.expected, " frames due, ", t.drawn,
        " drawn, ", t.dropped, " dropped");
  Timer(50ms, [] { ui.frame.cancel(); });  // then nothing is left: the isolate ends
}

// (a) The tap computes on the main isolate.
void tap_a() {
  print("tap: counting primes below ", primes_below, " on the main isolate");
  start_measuring();
  const int n = count_primes(primes_below);  // final n = countPrimes(2000000);
  show_result(n);
}

// (b) The tap hands the computation to a new isolate and parks until its result arrives.
Future<void> tap_b() {
  print("tap: counting primes below ", primes_below, " in Isolate::run");
  start_measuring();
  const int n = co_await Isolate::run([] { return count_primes(primes_below); });  // Isolate.run
  show_result(n);
}

void main_a() {
  ui.frame = Timer::periodic(frame_period, draw_frame);  // Timer.periodic(16 ms, drawFrame)
  Timer(50ms, tap_a);                                    // the user taps at 50 ms
}

void main_b() {
  ui.frame = Timer::periodic(frame_period, draw_frame);  // Timer.periodic(16 ms, drawFrame)
  Timer(50ms, [] { (void)tap_b(); });                    // the user taps at 50 ms
}

int run_part(EventLoop& loop, std::size_t part, void (*program)()) {
  tally = &tallies.at(part);
  *tally = Tally{};
  ui = Ui{};
  tally->exit_code = loop.run(program);
  ui = Ui{};  // the timer handle must not outlive its loop
  return tally->exit_code;
}

}  // namespace

int run_isolate_run_a(EventLoop& loop) { return run_part(loop, 0, main_a); }

int run_isolate_run_b(EventLoop& loop) { return run_part(loop, 1, main_b); }

std::string isolate_run_epilogue() {
  std::ostringstream s;
  const auto row = [&](const char* what, const Tally& t) {
    s << "  " << std::left << std::setw(28) << what << std::right << std::setw(8) << t.work_ms
      << std::setw(12) << t.expected << std::setw(8) << t.drawn << std::setw(10) << t.dropped
      << std::setw(9) << t.primes << std::setw(7) << t.exit_code << '\n';
  };
  s << "  " << std::left << std::setw(28) << "" << std::right << std::setw(8) << "work ms"
    << std::setw(12) << "frames due" << std::setw(8) << "drawn" << std::setw(10) << "dropped"
    << std::setw(9) << "primes" << std::setw(7) << "exit" << '\n';
  row("(a) on the main isolate", tallies[0]);
  row("(b) in Isolate::run", tallies[1]);
  s << "In (a) no frame was drawn while the main isolate counted: every frame due in that time\n"
       "was dropped. In (b) another thread counted and the frame timer kept its pace; a frame\n"
       "or two may still be dropped when this thread waits for a core (real clock, shared CPU).\n";
  return s.str();
}

}  // namespace dartloop::demo
