#pragma once
/// @file
/// @brief Dart's `Socket`: a TCP connection whose completions arrive as events.
///
/// Nothing here blocks the isolate. An operation starts on the isolate's Asio context
/// (`EventLoop::io_context()`) and holds an `EventLoop::IoWork` while it is outstanding, so
/// the isolate stays alive and the loop polls for completions between events. A completion
/// runs no user code: it posts ONE event, scheduled at the line that started the operation,
/// and that event completes the future or adds the data to the stream. So a network
/// response is just an event, in arrival order with timers and messages.
///
/// Clocks: I/O works on both. On a real clock an idle loop sleeps until the first of the
/// next timer and the next completion. On a virtual clock an idle loop with a timer pending
/// does not wait for outstanding I/O: it jumps to the timer at once (a `timeout` on a
/// request always wins there); with no timer pending it sleeps until a completion arrives.
/// Which of a timer and a completion comes first is therefore a race on a virtual clock;
/// what always holds is the causal order (a completion runs in an event of its own, after
/// the microtasks of the code that started the operation).
///
/// Lifetime: the handles share the connection; dropping the last one closes it. When the
/// isolate ends, outstanding operations are cancelled and their futures never complete.

#include <cstdint>
#include <memory>
#include <source_location>
#include <string>

#include "dartloop/future.hpp"
#include "dartloop/io/io_error.hpp"
#include "dartloop/stream.hpp"

namespace dartloop::io {

namespace detail {
class SocketState;
}  // namespace detail

/// @brief A connected TCP socket (Dart's `Socket`); copies share the connection, which
/// belongs to the isolate that made it.
///
/// Reading is a single-subscription `Stream<std::string>` of chunks as they arrive; a
/// listened stream keeps the isolate alive until it is done (end of input, an error,
/// `destroy`) or cancelled, and a paused subscription stops reading (back-pressure: the
/// peer's writes then wait in the kernel buffers). Writes are queued and go out in order.
class TcpSocket {
 public:
  /// @brief An empty handle; every operation on it throws `StateError`.
  TcpSocket() noexcept = default;

  /// @brief Connects to @p host (a name or an address) at @p port.
  ///
  /// Fails with `SocketException` (e.g. "Connection refused").
  static Future<TcpSocket> connect(std::string host, std::uint16_t port,
                                   std::source_location where = std::source_location::current());

  /// @brief Queues @p data; completes once it is handed to the OS, fails with `SocketException`.
  Future<void> write(std::string data,
                     std::source_location where = std::source_location::current()) const;

  /// @brief The incoming bytes in chunks as they arrive; done at end of input.
  ///
  /// Every call returns the same single-subscription stream; a read error is an error event
  /// (`SocketException`) followed by done. Each chunk is delivered by an event scheduled at
  /// the line of the first call.
  [[nodiscard]] Stream<std::string> stream(
      std::source_location where = std::source_location::current()) const;

  /// @brief Listens to `stream()` and completes with everything read until end of input.
  Future<std::string> read_all(std::source_location where = std::source_location::current()) const;

  /// @brief Closes the sending side once the queued writes are out (the peer reads end of
  /// input); reading goes on. Completes when the sending side is shut.
  Future<void> close(std::source_location where = std::source_location::current()) const;

  /// @brief Closes both directions now: queued writes fail, the stream is done.
  void destroy() const;

  /// @brief The peer's port.
  [[nodiscard]] std::uint16_t remote_port() const;
  /// @brief The peer's address ("127.0.0.1").
  [[nodiscard]] std::string remote_address() const;
  /// @brief This end's port.
  [[nodiscard]] std::uint16_t local_port() const;

  /// @brief True for a handle that refers to a socket.
  [[nodiscard]] bool valid() const noexcept { return state_ != nullptr; }

  /// @brief Wraps a connection made by the runtime (used by `TcpServer`).
  explicit TcpSocket(std::shared_ptr<detail::SocketState> state) noexcept
      : state_(std::move(state)) {}

 private:
  detail::SocketState& state() const;

  std::shared_ptr<detail::SocketState> state_;
};

}  // namespace dartloop::io
