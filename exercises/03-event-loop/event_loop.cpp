// Step 3: the loop itself.
// Read exercises/03-event-loop/README.md first; `./kit hint 03` helps when stuck.
#include "dartloop/event_loop.hpp"

#include "dartloop/todo.hpp"

namespace dartloop {

int EventLoop::run(std::function<void()> entry) {
  // TODO(step 3): `entry` is the first event. Then, until stop() is called: run a turn
  // (run_one_turn, from step 2); when a turn finds no event, either a timer is still waiting
  // (move the virtual clock to its deadline, or on a real clock sleep until then) or nothing
  // can arrive any more and the loop ends. Return the exit code.
  // An exception that escapes a turn is an uncaught error: catch it around run_one_turn and
  // pass it to handle_uncaught(std::current_exception()) (step 5 writes it; until then it
  // throws the exception again, out of `run`).
  // Two calls for step 9 (isolates), which fills them in; until then they change nothing:
  // call receive_messages() before every turn, and when no timer is left, go on looping if
  // wait_for_messages() returns true instead of ending.
  (void)entry;
  todo("step 3: EventLoop::run");
}

void EventLoop::stop(int exit_code) noexcept {
  // TODO(step 3): remember the code; the loop ends after the task that is running now, and
  // nothing that waits (microtasks, events, timers) ever runs: drop it.
  (void)exit_code;
}

}  // namespace dartloop
