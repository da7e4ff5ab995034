#pragma once
// Step 9: Dart's SendPort, the address of a port. Read exercises/09-isolates-and-ports/README.md
// first; `./kit hint 09` helps when stuck.
//
// A SendPort names a port of some isolate: that isolate's inbox plus the port's number. Any
// isolate may hold one (it is itself sendable) and send to it; the message is copied at the
// moment of sending and arrives as an EVENT of the receiving isolate, behind what is
// already queued there.
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "dartloop/event_loop.hpp"
#include "dartloop/todo.hpp"
#include "message.hpp"

namespace dartloop {

namespace detail {
/// A fresh port number, unique in the program.
std::uint64_t new_port_id() noexcept;
/// Runs on the receiving isolate: hands @p message to the port @p id if it is still open.
void deliver_message(std::uint64_t id, Message&& message);
}  // namespace detail

/// Where messages to one port go; copyable, comparable, and itself sendable.
class SendPort {
 public:
  /// An empty port (sending to it throws).
  SendPort() noexcept = default;
  /// The port @p id of the isolate behind @p mailbox (made by a receive port).
  SendPort(std::shared_ptr<Inbox> mailbox, std::uint64_t id) noexcept
      : mailbox_(std::move(mailbox)), id_(id) {}

  /// Sends a copy of @p message; it arrives as an event of the port's isolate.
  template <class T>
  void send(T&& message) const {
    // TODO(step 9): make the message (detail::to_message, in message.hpp) and hand `deliver`
    // an event that gives it to the port: detail::deliver_message(id_, ...). When must the
    // copy be made, for the receiver never to see what the sender does to its value later?
    (void)message;
    todo("step 9: SendPort::send");
  }

  /// True for a port made by a receive port (not default-constructed).
  [[nodiscard]] bool valid() const noexcept { return id_ != 0; }
  /// The port's number (unique in the program; Dart's `nativePort`).
  [[nodiscard]] std::uint64_t native_port() const noexcept { return id_; }
  /// Two handles to the same port are equal.
  friend bool operator==(const SendPort& a, const SendPort& b) noexcept { return a.id_ == b.id_; }

 private:
  /// Step 9: queues @p event on the port's isolate: one more event of its queue.
  void deliver(std::function<void()> event) const;

  std::shared_ptr<Inbox> mailbox_;
  std::uint64_t id_ = 0;
};

}  // namespace dartloop
