// Step 9, model answer: ports, messages as events, the keep-alive rule and Isolate::spawn
// (dart-semantics.md §1.1, §1.9, §1.10).
#include <atomic>
#include <stdexcept>

#include "dartloop/event_loop.hpp"
#include "isolate.hpp"

namespace dartloop {

// --- Ports ---------------------------------------------------------------------------------

namespace detail {

std::uint64_t new_port_id() noexcept {
  static std::atomic<std::uint64_t> last{0};  // ports of every isolate share one numbering
  return last.fetch_add(1) + 1;
}

void deliver_message(std::uint64_t id, Message&& message) {
  auto& ports = EventLoop::current().ports();
  const auto it = ports.find(id);
  if (it == ports.end()) return;  // closed meanwhile: Dart drops the message
  // Called from a copy: the handler may close its own port, which drops the stored one.
  const auto handler = it->second->handler;
  if (handler) handler(std::move(message));
}

}  // namespace detail

RawReceivePort::RawReceivePort()
    : state_(std::make_shared<PortState>()), loop_(&EventLoop::current()) {
  state_->id = detail::new_port_id();
  loop_->ports().emplace(state_->id, state_);  // the loop holds it: open, and alive
}

void RawReceivePort::close() const {
  loop_->ports().erase(state_->id);
  // The handler often holds a handle to this very port: dropping it breaks that cycle.
  state_->handler = nullptr;
}

void SendPort::deliver(std::function<void()> event) const {
  if (!mailbox_) throw std::logic_error("send on an empty SendPort");
  EventLoop* here = EventLoop::current_or_null();
  if (here != nullptr && here->mailbox() == mailbox_) {
    // A port of our own isolate: straight into the event queue, in line with the zero
    // timers and messages this task queues after it.
    here->post(std::move(event));
    return;
  }
  mailbox_->push(std::move(event));  // another isolate: its inbox (dropped if it ended)
}

// --- The loop's side -----------------------------------------------------------------------

void EventLoop::receive_messages() {
  // Oldest first: messages from one sender arrive in the order they were sent.
  for (auto& event : inbox_->take_all()) post(std::move(event));
}

bool EventLoop::wait_for_messages() {
  // An open port can still bring a message, so the isolate lives on (§1.10); with no port
  // open nothing can arrive any more. A future nobody completes keeps nothing alive.
  if (ports_.empty()) return false;
  inbox_->wait();
  return true;
}

// --- Isolates ------------------------------------------------------------------------------

Future<Isolate> Isolate::start(std::function<void()> entry) {
  EventLoop& parent = EventLoop::current();
  // The future completes when the new isolate says "ready", as Dart's spawn does.
  auto spawned = Completer<Isolate>::sync();
  RawReceivePort ready;
  ready.set_handler([spawned, ready](Message&&) {
    ready.close();
    spawned.complete(Isolate());
  });
  parent.start_isolate_thread([clock = parent.clock_kind(), out = parent.shared_output(),
                               reply = ready.send_port(), entry = std::move(entry)]() mutable {
    // The new thread: a loop of its own, whose first event is the entry.
    EventLoop loop(clock);
    loop.set_output(std::move(out));
    reply.send(nullptr);
    loop.run(std::move(entry));
  });
  return spawned.future();
}

}  // namespace dartloop
