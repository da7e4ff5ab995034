// Step 9: ports, messages as events, the keep-alive rule and Isolate::spawn.
// Read exercises/09-isolates-and-ports/README.md first; `./kit hint 09` helps when stuck.
#include <atomic>
#include <stdexcept>

#include "dartloop/event_loop.hpp"
#include "dartloop/todo.hpp"
#include "isolate.hpp"

namespace dartloop {

// --- Ports ---------------------------------------------------------------------------------

namespace detail {

std::uint64_t new_port_id() noexcept {
  static std::atomic<std::uint64_t> last{0};  // given: ports of every isolate share one numbering
  return last.fetch_add(1) + 1;
}

void deliver_message(std::uint64_t id, Message&& message) {
  // TODO(step 9): this runs as an event of the receiving isolate. Find the port `id` among
  // the current loop's ports(); a port closed meanwhile drops the message. Careful: the
  // handler may close its own port (which drops the stored handler) while it runs.
  (void)id;
  (void)message;
  todo("step 9: deliver_message");
}

}  // namespace detail

RawReceivePort::RawReceivePort() {
  // TODO(step 9): a fresh PortState with a fresh number (detail::new_port_id), kept by the
  // current loop's ports(): that is what "open" means, and what keeps the isolate alive.
  todo("step 9: RawReceivePort (open a port)");
}

void RawReceivePort::close() const {
  // TODO(step 9): the loop lets go of the port. Its handler often holds a handle to this
  // very port (a cycle of shared_ptrs): drop the handler too.
  todo("step 9: RawReceivePort::close");
}

void SendPort::deliver(std::function<void()> event) const {
  // TODO(step 9): a port of the isolate running this code (the current loop's mailbox() is
  // mailbox_) takes the event straight into its event queue (post). Any other isolate gets
  // it in its inbox (Inbox::push, given), which it empties before its next turn.
  (void)event;
  todo("step 9: SendPort::deliver");
}

// --- The loop's side -----------------------------------------------------------------------

void EventLoop::receive_messages() {
  // TODO(step 9): move every event that waits in the inbox (inbox_->take_all()) into the
  // event queue, keeping their order. (Empty until then: step 3's loop works without it.)
}

bool EventLoop::wait_for_messages() {
  // TODO(step 9): step 3's loop found nothing to do: no microtask, no event, no timer. When
  // can a message still arrive? Then sleep until one does (inbox_->wait()) and return true;
  // otherwise return false and the isolate ends. (`return false` keeps step 3's rule.)
  return false;
}

// --- Isolates ------------------------------------------------------------------------------

Future<Isolate> Isolate::start(std::function<void()> entry) {
  // TODO(step 9): open a "ready" port whose handler closes it and completes the returned
  // future (a Completer<Isolate>::sync()). Then start_isolate_thread (given) with a body
  // that, on the new thread, makes a loop on the same kind of clock with this loop's
  // shared_output(), sends null to the ready port, and runs `entry` as its first event.
  (void)entry;
  todo("step 9: Isolate::start");
}

}  // namespace dartloop
