#pragma once
/// @file
/// @brief Dart's `ReceivePort` (a stream of messages) and `RawReceivePort` (a handler).

#include <concepts>
#include <source_location>
#include <utility>

#include "dartloop/detail/future_state.hpp"
#include "dartloop/detail/isolate_state.hpp"
#include "dartloop/message.hpp"
#include "dartloop/send_port.hpp"
#include "dartloop/stream.hpp"
#include "dartloop/stream_controller.hpp"

namespace dartloop {

/// @brief A port whose messages go to one handler, each in its own event (Dart's
/// `RawReceivePort`).
///
/// While open it keeps its isolate alive (dart-semantics.md §1.10), even when no handle to
/// it is left: like Dart, only `close` (or the isolate's end) closes it. Copies share the
/// port.
class RawReceivePort {
 public:
  /// @brief Opens a port of the running isolate that calls @p handler with each message.
  template <std::invocable<Message&&> F>
  explicit RawReceivePort(F handler)
      : node_(detail::make_node<detail::PortNode>(detail::PortNode::Handler(std::move(handler)))) {}
  /// @brief Opens a port with no handler yet (messages are dropped until one is set).
  RawReceivePort() : node_(detail::make_node<detail::PortNode>(detail::PortNode::Handler())) {}

  /// @brief Replaces the handler.
  template <std::invocable<Message&&> F>
  void set_handler(F handler) const {
    node_->set_handler(detail::PortNode::Handler(std::move(handler)));
  }
  /// @brief The address to give to senders.
  [[nodiscard]] SendPort send_port() const { return node_->send_port(); }
  /// @brief Closes the port: later messages are dropped; it no longer keeps the isolate alive.
  void close() const noexcept { node_->close(); }
  /// @brief True until `close`.
  [[nodiscard]] bool is_open() const noexcept { return node_->is_open(); }
  /// @brief Whether the open port keeps its isolate alive (Dart's `keepIsolateAlive`).
  void keep_isolate_alive(bool keep) const { node_->keep_isolate_alive(keep); }

 private:
  detail::Ref<detail::PortNode> node_;
};

/// @brief A port whose messages form a single-subscription stream (Dart's `ReceivePort`).
///
/// Built as Dart builds it: a synchronous `StreamController` fed by a raw port, so a
/// message reaches the listener inside the message's own event (dart-semantics.md §1.7).
/// Cancelling the subscription closes the port; `close` ends the stream with done. An open
/// port keeps its isolate alive, whether or not anyone listens.
class ReceivePort : public Stream<Message> {
 public:
  /// @brief Opens a port of the running isolate.
  explicit ReceivePort(std::source_location where = std::source_location::current())
      : ReceivePort(make_parts(where)) {}

  /// @brief The address to give to senders.
  [[nodiscard]] SendPort send_port() const { return node_->send_port(); }
  /// @brief Closes the port and ends the stream (done); later messages are dropped.
  void close() const {
    if (!node_->is_open()) return;
    node_->close();
    controller_.close();
  }
  /// @brief True until `close` (or until the listener cancels).
  [[nodiscard]] bool is_open() const noexcept { return node_->is_open(); }

 private:
  struct Parts {
    StreamController<Message> controller;
    detail::Ref<detail::PortNode> node;
  };
  static Parts make_parts(std::source_location where) {
    auto node = detail::make_node<detail::PortNode>(detail::PortNode::Handler());
    StreamController<Message> controller({.on_cancel = [node] { node->close(); }, .sync = true},
                                         where);
    node->set_handler(
        detail::PortNode::Handler([controller](Message&& m) { controller.add(std::move(m)); }));
    return Parts{std::move(controller), std::move(node)};
  }
  explicit ReceivePort(Parts parts)
      : Stream<Message>(parts.controller.stream()),
        controller_(std::move(parts.controller)),
        node_(std::move(parts.node)) {}

  StreamController<Message> controller_;
  detail::Ref<detail::PortNode> node_;
};

}  // namespace dartloop
