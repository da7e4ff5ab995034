#pragma once
// Step 9, model answer: Dart's RawReceivePort and ReceivePort (dart-semantics.md §1.9, §1.10).
//
// A receive port belongs to the isolate that opened it: its loop keeps it in `ports()`,
// under a number that its SendPorts carry. Each message is handed to the port's handler in
// an event of its own. While a port is open its isolate stays alive, even when nobody holds
// a handle to it any more: only `close` closes it.
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "dartloop/event_loop.hpp"
#include "message.hpp"
#include "send_port.hpp"

namespace dartloop {

/// A port whose messages go to one handler, each in its own event. Copies share the port.
class RawReceivePort {
 public:
  /// Opens a port of the running isolate that calls @p handler with each message.
  template <class F>
  explicit RawReceivePort(F handler) : RawReceivePort() {
    set_handler(std::move(handler));
  }
  /// Opens a port of the running isolate with no handler yet (messages are dropped).
  RawReceivePort();

  /// Replaces the handler.
  template <class F>
  void set_handler(F handler) const {
    state_->handler = std::function<void(Message &&)>(std::move(handler));
  }
  /// The address to give to senders.
  [[nodiscard]] SendPort send_port() const { return {loop_->mailbox(), state_->id}; }
  /// Closes the port: later messages are dropped; it no longer keeps its isolate alive.
  void close() const;
  /// True until `close`.
  [[nodiscard]] bool is_open() const { return loop_->ports().contains(state_->id); }

 private:
  std::shared_ptr<PortState> state_;
  EventLoop* loop_ = nullptr;
};

/// A port whose messages go to a listener (Dart's ReceivePort, which Dart builds as a
/// stream over a raw port; here only `listen`, the part this course needs).
class ReceivePort {
 public:
  /// Opens a port of the running isolate.
  ReceivePort() = default;
  /// @p on_data gets each message, inside the message's own event.
  template <class F>
  void listen(F on_data) const {
    port_.set_handler([on_data = std::move(on_data)](Message&& m) mutable { on_data(m); });
  }
  /// The address to give to senders.
  [[nodiscard]] SendPort send_port() const { return port_.send_port(); }
  /// Closes the port; later messages are dropped.
  void close() const { port_.close(); }
  /// True until `close`.
  [[nodiscard]] bool is_open() const { return port_.is_open(); }

 private:
  RawReceivePort port_;
};

}  // namespace dartloop
