#pragma once
/// @file
/// @brief A minimal HTTP/1.1 client (`http_get`) and server (`HttpServer`) on Boost.Beast.
///
/// Enough HTTP for the network demo, not a web framework: one request per connection
/// (`Connection: close`), bodies as strings, `http://` only. Every completion is an event,
/// as for sockets (see `tcp_socket.hpp`, which also says what a virtual clock does while
/// I/O is outstanding): the response of `http_get` completes its future in an event of its
/// own, and the server calls its handler in the event that delivers the request.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <source_location>
#include <string>

#include "dartloop/future.hpp"
#include "dartloop/io/io_error.hpp"

namespace dartloop::io {

/// @brief Header fields by name (the client gives names in lower case, as Dart's `HttpHeaders`).
using HttpHeaders = std::map<std::string, std::string>;

/// @brief A request as the server's handler sees it.
struct HttpRequest {
  std::string method;   ///< "GET", "POST", ...
  std::string target;   ///< The path and query, e.g. "/slow?ms=100".
  HttpHeaders headers;  ///< The request's header fields.
  std::string body;     ///< The request body (often empty).
};

/// @brief A response: what the server's handler returns, and what `http_get` completes with.
struct HttpResponse {
  int status = 200;     ///< The status code.
  std::string body;     ///< The body.
  HttpHeaders headers;  ///< Header fields (the server adds Content-Length and Connection).
};

/// @brief GETs @p url ("http://host[:port][/path]") and completes with the response.
///
/// Any status is a response (a 404 is not an error). Fails with `HttpException` for an
/// unsupported URL or a malformed response, `SocketException` when the connection fails.
Future<HttpResponse> http_get(std::string url,
                              std::source_location where = std::source_location::current());

/// @brief What a server does with a request: may answer later (e.g. after `Future::delayed`).
///
/// A handler that throws or whose future fails answers 500.
using HttpHandler = std::function<Future<HttpResponse>(const HttpRequest&)>;

namespace detail {
class HttpServerState;
}  // namespace detail

/// @brief A listening HTTP server (a small Dart `HttpServer`); copies share it.
///
/// Keeps its isolate alive until closed. Each request is read, handed to the handler in an
/// event scheduled at the `bind` call, and answered once the handler's future completes.
class HttpServer {
 public:
  /// @brief An empty handle; every operation on it throws `StateError`.
  HttpServer() noexcept = default;

  /// @brief Serves @p handler on @p address at @p port (0: a free port the OS picks).
  static Future<HttpServer> bind(const std::string& address, std::uint16_t port,
                                 HttpHandler handler,
                                 std::source_location where = std::source_location::current());

  /// @brief The port it listens on.
  [[nodiscard]] std::uint16_t port() const;

  /// @brief Stops accepting; requests already accepted are still answered. Completes in an
  /// event queued now.
  Future<void> close(std::source_location where = std::source_location::current()) const;

 private:
  explicit HttpServer(std::shared_ptr<detail::HttpServerState> state) noexcept
      : state_(std::move(state)) {}
  detail::HttpServerState& state() const;

  std::shared_ptr<detail::HttpServerState> state_;
};

}  // namespace dartloop::io
