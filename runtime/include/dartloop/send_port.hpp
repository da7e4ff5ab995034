#pragma once
/// @file
/// @brief Dart's `SendPort`: the address of a port, which any isolate may send messages to.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <source_location>
#include <type_traits>
#include <utility>

#include "dartloop/event_loop.hpp"
#include "dartloop/inbox.hpp"
#include "dartloop/message.hpp"

namespace dartloop {

namespace detail {

/// @brief Names a port; unique in the process, never reused.
using PortId = std::uint64_t;

/// @brief A fresh port id.
PortId new_port_id() noexcept;

/// @brief Runs on the receiving isolate: hands @p message to the port @p id if it is open.
void deliver_message(PortId id, Message&& message);

/// @brief Queues @p message for port @p id behind everything already sent to that isolate.
void post_message(const std::shared_ptr<Inbox>& mailbox, PortId id, Message&& message,
                  std::source_location where);

}  // namespace detail

/// @brief Where messages to one port go; copyable, comparable, and itself sendable.
///
/// `send` copies the message (an rvalue is moved: nobody else holds it) into the receiving
/// isolate's event queue, behind its timers and earlier messages (dart-semantics.md §1.9):
/// messages from one sender arrive in the order sent. A message to a closed port or to an
/// isolate that has ended is dropped without an error, as in Dart.
class SendPort {
 public:
  /// @brief An empty port; sending to it throws `StateError`.
  SendPort() noexcept = default;

  /// @brief Sends a copy of @p message (compile error if its type is not sendable).
  template <class T>
  void send(T&& message, std::source_location where = std::source_location::current()) const {
    if constexpr (std::is_same_v<std::remove_cvref_t<T>, Message>) {
      post(Message(std::forward<T>(message)), where);
    } else if constexpr (std::is_same_v<std::remove_cvref_t<T>, std::nullptr_t>) {
      post(Message(), where);
    } else {
      post(Message::of(std::forward<T>(message)), where);
    }
  }

  /// @brief True for a port made by a `ReceivePort` (not default-constructed).
  [[nodiscard]] bool valid() const noexcept { return id_ != 0; }
  /// @brief The port's number (unique in the process; Dart's `nativePort`).
  [[nodiscard]] std::uint64_t native_port() const noexcept { return id_; }
  /// @brief Two handles to the same port are equal.
  friend bool operator==(const SendPort& a, const SendPort& b) noexcept { return a.id_ == b.id_; }

  /// @brief The port @p id of the isolate behind @p mailbox (used by ports and isolates).
  SendPort(std::shared_ptr<Inbox> mailbox, detail::PortId id) noexcept
      : mailbox_(std::move(mailbox)), id_(id) {}

 private:
  void post(Message&& message, std::source_location where) const {
    if (!mailbox_) throw StateError("send on an empty SendPort");
    detail::post_message(mailbox_, id_, std::move(message), where);
  }

  std::shared_ptr<Inbox> mailbox_;
  detail::PortId id_ = 0;
};

}  // namespace dartloop

/// @brief Hashes a `SendPort` by its port, so ports can key unordered containers.
template <>
struct std::hash<dartloop::SendPort> {
  /// @brief The port number's hash.
  std::size_t operator()(const dartloop::SendPort& p) const noexcept {
    return std::hash<std::uint64_t>{}(p.native_port());
  }
};
