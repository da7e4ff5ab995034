#pragma once
// Private to dartloop_io: the loop-side base of every I/O object, and small Asio helpers.
//
// Lifetime rules (docs/architecture.md, "Real I/O"):
//  - An I/O object's state is created on its isolate's thread and links itself into the
//    isolate (IsolateOwned). Asio handlers hold it by shared_ptr; they run only on the loop
//    thread (the loop alone runs its io_context), so they never race with user code.
//  - When the isolate ends, ~EventLoop calls on_isolate_end() while the io_context still
//    exists: the state closes its Asio objects (pending handlers are then destroyed, never
//    run, with the io_context) and drops its completers, controllers and IoWork. Whatever is
//    destroyed later touches neither the loop nor its io_context.
//  - Work done on other threads (files) never holds the state: it holds a Channel, which
//    the state closes under a mutex when the isolate ends, so nothing posts to a dead loop.

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <optional>
#include <source_location>
#include <string>
#include <utility>

#include "dartloop/completer.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/future.hpp"
#include "dartloop/io/io_error.hpp"
#include "dartloop/task.hpp"

namespace dartloop::io::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// The loop-side state of one I/O object or operation.
class IoState : public IsolateOwned {
 public:
  explicit IoState(EventLoop& loop) noexcept : loop_(&loop) { loop.adopt_owned(*this); }
  IoState(const IoState&) = delete;
  IoState& operator=(const IoState&) = delete;
  IoState(IoState&&) = delete;
  IoState& operator=(IoState&&) = delete;
  ~IoState() override {
    if (owned_by_loop()) loop_->release_owned(*this);
  }

  /// True once the isolate ended: the loop and its io_context must not be touched.
  [[nodiscard]] bool ended() const noexcept { return ended_; }
  [[nodiscard]] EventLoop& loop() const noexcept { return *loop_; }

  void on_isolate_end() noexcept final {
    ended_ = true;
    drop();
  }

 protected:
  // Close the Asio objects; drop completers, controllers and IoWork. May free `this`.
  virtual void drop() noexcept = 0;

  // Queues @p fn as one event of the loop, scheduled at @p where (the user's call).
  template <class F>
  void post_event(std::source_location where, F&& fn) const {
    if (!ended_) loop_->post(Task(std::forward<F>(fn)), where);
  }

 private:
  EventLoop* loop_;
  bool ended_ = false;
};

/// "host:port" for messages.
inline std::string address_text(const std::string& host, std::uint16_t port) {
  return host + ':' + std::to_string(port);
}

/// The peer of a connected socket as "address:port" (empty if it is already gone).
inline std::string peer_text(const tcp::socket& socket) {
  boost::system::error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return {};
  return address_text(peer.address().to_string(), peer.port());
}

/// Closes and forgets a socket that may be open (errors do not matter: it is being dropped).
inline void discard(std::optional<tcp::socket>& socket) noexcept {
  if (!socket) return;
  boost::system::error_code ignored;
  socket->close(ignored);
  socket.reset();
}

/// The future of a bind: binding is immediate, but its result still arrives as an event, as
/// in Dart. @p make builds the server (its constructor is private to the caller); a non-empty
/// @p error fails the future with a SocketException instead.
template <class Server, class Make>
Future<Server> complete_bind(EventLoop& loop, std::string error, const std::string& address,
                             std::uint16_t port, Make make, std::source_location where) {
  Completer<Server> done;
  loop.post(
      [done, error = std::move(error), address = address_text(address, port),
       make = std::move(make), where]() mutable {
        if (error.empty()) {
          done.complete(make(), where);
        } else {
          done.complete_error(SocketException("bind", address, error), where);
        }
      },
      where);
  return done.future();
}

/// A numeric address, or nothing for a host name that needs resolving.
inline std::optional<asio::ip::address> numeric_address(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::address a = asio::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  return a;
}

}  // namespace dartloop::io::detail

namespace dartloop::io::detail {

/// Connects @p socket to @p host:@p port (resolving a name first); calls @p done(ec) on the
/// loop thread. The caller keeps @p socket and @p resolver alive: @p done holds their owner.
template <class Handler>
void connect_to(std::optional<tcp::resolver>& resolver, tcp::socket& socket,
                const std::string& host, std::uint16_t port, Handler done) {
  if (const auto address = numeric_address(host)) {
    socket.async_connect(tcp::endpoint(*address, port), std::move(done));
    return;
  }
  resolver.emplace(socket.get_executor());
  resolver->async_resolve(
      host, std::to_string(port),
      [&socket, done = std::move(done)](const boost::system::error_code& ec,
                                        const tcp::resolver::results_type& results) mutable {
        if (ec) {
          done(ec);
          return;
        }
        asio::async_connect(socket, results,
                            [done = std::move(done)](const boost::system::error_code& e,
                                                     const tcp::endpoint&) mutable { done(e); });
      });
}

}  // namespace dartloop::io::detail

namespace dartloop::io::detail {

/// Opens, binds and listens (synchronous system calls); sets @p port to the port bound.
/// Returns why it failed, or an empty string.
inline std::string open_acceptor(tcp::acceptor& acceptor, const std::string& address,
                                 std::uint16_t& port) {
  const auto ip = numeric_address(address == "localhost" ? "127.0.0.1" : address);
  if (!ip) return "not a numeric address";
  boost::system::error_code ec;
  const tcp::endpoint endpoint(*ip, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) port = acceptor.local_endpoint(ec).port();
  if (ec) return ec.message();
  return {};
}

}  // namespace dartloop::io::detail
