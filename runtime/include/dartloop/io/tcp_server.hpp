#pragma once
/// @file
/// @brief Dart's `ServerSocket`: a listening TCP socket whose connections are a stream.
///
/// Accepted connections are events like any other I/O completion (see `tcp_socket.hpp` for
/// how completions become events and what a virtual clock does meanwhile). An open server
/// keeps its isolate alive until it is closed, as a bound `ServerSocket` does in Dart.

#include <cstdint>
#include <memory>
#include <source_location>
#include <string>

#include "dartloop/future.hpp"
#include "dartloop/io/io_error.hpp"
#include "dartloop/io/tcp_socket.hpp"
#include "dartloop/stream.hpp"

namespace dartloop::io {

namespace detail {
class ServerState;
}  // namespace detail

/// @brief A listening TCP socket (Dart's `ServerSocket`); copies share it.
class TcpServer {
 public:
  /// @brief An empty handle; every operation on it throws `StateError`.
  TcpServer() noexcept = default;

  /// @brief Listens on @p address at @p port (0: a free port the OS picks).
  ///
  /// Completes in an event of its own; fails with `SocketException` (e.g. the port is in
  /// use or the address is not local).
  static Future<TcpServer> bind(const std::string& address, std::uint16_t port = 0,
                                std::source_location where = std::source_location::current());

  /// @brief The port it listens on (the one the OS picked for port 0).
  [[nodiscard]] std::uint16_t port() const;

  /// @brief The accepted connections; done once the server is closed.
  ///
  /// Single subscription: a paused subscription stops accepting (new connections wait in
  /// the kernel's backlog) and cancelling it closes the server. Every call returns the same
  /// stream; each connection is delivered by an event scheduled at the line of the first call.
  [[nodiscard]] Stream<TcpSocket> connections(
      std::source_location where = std::source_location::current()) const;

  /// @brief Stops listening; connections already accepted stay open.
  ///
  /// `connections()` is done, and the result completes, in one event queued now.
  Future<void> close(std::source_location where = std::source_location::current()) const;

 private:
  explicit TcpServer(std::shared_ptr<detail::ServerState> state) noexcept
      : state_(std::move(state)) {}
  detail::ServerState& state() const;

  std::shared_ptr<detail::ServerState> state_;
};

}  // namespace dartloop::io
