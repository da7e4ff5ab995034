#include "dartloop/io/tcp_server.hpp"

#include <utility>

#include "dartloop/completer.hpp"
#include "dartloop/errors.hpp"
#include "dartloop/stream_controller.hpp"
#include "io_state.hpp"
#include "socket_state.hpp"

namespace dartloop::io {

namespace detail {

/// A listening socket. It accepts one connection at a time while its stream is listened
/// and not paused; each accepted connection is one event that adds it to the stream.
class ServerState final : public IoState, public std::enable_shared_from_this<ServerState> {
 public:
  explicit ServerState(EventLoop& loop)
      : IoState(loop), acceptor_(std::in_place, loop.io_context()) {}

  // Binds and listens; why it failed, or an empty string.
  std::string open(const std::string& address, std::uint16_t port) {
    port_ = port;
    std::string error = open_acceptor(*acceptor_, address, port_);
    if (error.empty()) open_ = EventLoop::IoWork(loop());  // an open server keeps it alive
    return error;
  }

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

  Stream<TcpSocket> connections(std::source_location where) {
    if (!controller_) {
      where_ = where;
      const std::weak_ptr<ServerState> weak = weak_from_this();
      controller_.emplace(StreamControllerOptions{.on_listen =
                                                      [weak] {
                                                        if (auto s = weak.lock()) s->start_accept();
                                                      },
                                                  .on_resume =
                                                      [weak] {
                                                        if (auto s = weak.lock()) s->start_accept();
                                                      },
                                                  .on_cancel =
                                                      [weak] {
                                                        if (auto s = weak.lock()) s->stop();
                                                      },
                                                  .sync = true},
                          where);
      if (closed_) end_stream(where);
    }
    return controller_->stream();
  }

  Future<void> close(std::source_location where) {
    Completer<void> done;
    const bool was_open = !closed_;
    stop();
    // `connections()` is done and `close` completes in one event, as a completion would be.
    post_event(where, [self = shared_from_this(), done, was_open, where] {
      if (was_open && self->controller_) self->end_stream(where);
      done.complete(where);
    });
    return done.future();
  }

 private:
  void start_accept() {
    if (accepting_ || closed_ || ended() || !controller_ || !controller_->has_listener() ||
        controller_->is_paused()) {
      return;  // paused: new connections wait in the kernel's backlog
    }
    accepting_ = true;
    acceptor_->async_accept(
        [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
          self->accepting_ = false;
          if (self->closed_) return;  // aborted by `close`: its event reports done
          // The connection's state joins the isolate now; the event hands it to the listener.
          std::shared_ptr<SocketState> connection;
          if (!ec) connection = SocketState::make(self->loop(), std::move(socket));
          self->post_event(self->where_, [self, ec, connection = std::move(connection)] {
            self->deliver(ec, connection);
          });
        });
  }

  void deliver(const boost::system::error_code& ec,
               const std::shared_ptr<SocketState>& connection) {
    if (closed_ || !controller_) return;  // the server closed after this arrived: drop it
    if (ec) {
      controller_->add_error(SocketException("accept", address_text("", port_), ec.message()),
                             where_);
    } else {
      controller_->add(TcpSocket(connection), where_);
    }
    start_accept();
  }

  void stop() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    acceptor_->close(ec);  // an outstanding accept completes with operation_aborted
    open_.reset();
  }

  void end_stream(std::source_location where) {
    if (!controller_->is_closed()) (void)controller_->close(where);
  }

  void drop() noexcept override {
    closed_ = true;
    if (acceptor_) {
      boost::system::error_code ec;
      acceptor_->close(ec);
      acceptor_.reset();
    }
    controller_.reset();
    open_.reset();
  }

  std::optional<tcp::acceptor> acceptor_;
  std::optional<StreamController<TcpSocket>> controller_;
  std::source_location where_;
  EventLoop::IoWork open_;
  std::uint16_t port_ = 0;
  bool accepting_ = false;
  bool closed_ = false;
};

}  // namespace detail

Future<TcpServer> TcpServer::bind(const std::string& address, std::uint16_t port,
                                  std::source_location where) {
  EventLoop& loop = EventLoop::current();
  auto state = std::make_shared<detail::ServerState>(loop);
  std::string error = state->open(address, port);
  return detail::complete_bind<TcpServer>(
      loop, std::move(error), address, port,
      [state = std::move(state)]() mutable { return TcpServer(std::move(state)); }, where);
}

detail::ServerState& TcpServer::state() const {
  if (state_ == nullptr) throw StateError("empty TcpServer");
  return *state_;
}

std::uint16_t TcpServer::port() const { return state().port(); }

Stream<TcpSocket> TcpServer::connections(std::source_location where) const {
  return state().connections(where);
}

Future<void> TcpServer::close(std::source_location where) const { return state().close(where); }

}  // namespace dartloop::io
