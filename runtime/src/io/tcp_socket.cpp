#include "dartloop/io/tcp_socket.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <utility>

#include "dartloop/completer.hpp"
#include "dartloop/errors.hpp"
#include "dartloop/stream_controller.hpp"
#include "io_state.hpp"
#include "socket_state.hpp"

namespace dartloop::io {

namespace detail {

namespace {
// Big enough that a 1 MB transfer takes a few dozen events, small enough to stay cheap.
constexpr std::size_t read_chunk_bytes = std::size_t{64} * 1024;
}  // namespace

SocketState::SocketState(EventLoop& loop, tcp::socket socket)
    : IoState(loop), socket_(std::move(socket)), buffer_(read_chunk_bytes) {
  boost::system::error_code ec;
  const tcp::endpoint remote = socket_->remote_endpoint(ec);
  if (!ec) {
    remote_address_ = remote.address().to_string();
    remote_port_ = remote.port();
    peer_ = address_text(remote_address_, remote_port_);
  }
  const tcp::endpoint local = socket_->local_endpoint(ec);
  if (!ec) local_port_ = local.port();
}

// --- Reading ----------------------------------------------------------------------------

Stream<std::string> SocketState::stream(std::source_location where) {
  if (!controller_) {
    read_where_ = where;
    const std::weak_ptr<SocketState> weak = weak_from_this();
    controller_.emplace(StreamControllerOptions{.on_listen =
                                                    [weak] {
                                                      if (auto self = weak.lock())
                                                        self->on_listen();
                                                    },
                                                .on_resume =
                                                    [weak] {
                                                      if (auto self = weak.lock())
                                                        self->start_read();
                                                    },
                                                .on_cancel =
                                                    [weak] {
                                                      if (auto self = weak.lock())
                                                        self->on_cancel();
                                                    },
                                                .sync = true},
                        where);
  }
  return controller_->stream();
}

void SocketState::on_listen() {
  if (read_done_ || destroyed_) {
    // Nothing more will be read: the listener gets done in an event, like a read would.
    read_done_ = true;
    post_event(read_where_, [self = shared_from_this()] {
      if (self->controller_) (void)self->controller_->close(self->read_where_);
    });
    return;
  }
  listening_ = EventLoop::IoWork(loop());
  start_read();
}

void SocketState::on_cancel() {
  listening_.reset();
  // Unblocks an outstanding read (it sees end of input); no further read is started.
  if (reading_ && socket_) {
    boost::system::error_code ec;
    socket_->shutdown(tcp::socket::shutdown_receive, ec);
  }
}

void SocketState::start_read() {
  if (reading_ || read_done_ || destroyed_ || ended() || !controller_ ||
      !controller_->has_listener() || controller_->is_paused()) {
    return;  // a paused listener reads nothing: the peer's data waits in the kernel
  }
  reading_ = true;
  read_work_ = EventLoop::IoWork(loop());
  socket_->async_read_some(
      asio::buffer(buffer_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        // On the loop thread, inside the io_context: no user code here, only the event.
        self->reading_ = false;
        std::string chunk(self->buffer_.data(), n);
        self->post_event(self->read_where_, [self, ec, chunk = std::move(chunk)]() mutable {
          self->deliver(ec, std::move(chunk));
        });
        self->read_work_.reset();
      });
}

void SocketState::deliver(const boost::system::error_code& ec, std::string chunk) {
  if (!controller_ || controller_->is_closed()) return;
  if (ec) {
    end_reading(ec);
    return;
  }
  controller_->add(std::move(chunk), read_where_);  // the listener runs now, in this event
  start_read();
}

void SocketState::end_reading(const boost::system::error_code& ec) {
  read_done_ = true;
  listening_.reset();
  if (ec && ec != asio::error::eof && ec != asio::error::operation_aborted && !destroyed_) {
    controller_->add_error(SocketException("read", peer_, ec.message()), read_where_);
  }
  (void)controller_->close(read_where_);
  close_when_finished();
}

// --- Writing ----------------------------------------------------------------------------

Future<void> SocketState::write(std::string data, std::source_location where) {
  if (destroyed_ || send_closed_) {
    return Future<void>::error(
        SocketException(
            "write", peer_,
            destroyed_ ? "the socket was destroyed"
                       : (send_error_.empty() ? "the socket was closed for writing" : send_error_)),
        where);
  }
  Completer<void> done;
  writes_.push_back(PendingWrite{std::move(data), done, where});
  start_write();
  return done.future();
}

void SocketState::start_write() {
  if (writing_ || writes_.empty() || destroyed_ || ended()) return;
  writing_ = true;
  write_work_ = EventLoop::IoWork(loop());
  // The deque never moves its elements, so the front's bytes stay put until it is popped.
  asio::async_write(*socket_, asio::buffer(writes_.front().data),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->post_event(self->writes_.front().where,
                                       [self, ec] { self->finish_write(ec); });
                      self->write_work_.reset();
                    });
}

void SocketState::finish_write(const boost::system::error_code& ec) {
  writing_ = false;
  PendingWrite done = std::move(writes_.front());
  writes_.pop_front();
  if (!ec && !destroyed_) {
    done.done.complete(done.where);
    start_write();
    shutdown_send_when_flushed();
    return;
  }
  // A failed write fails the ones queued behind it, and later writes are refused.
  const std::string why = destroyed_ ? "the socket was destroyed" : ec.message();
  send_closed_ = true;
  send_error_ = why;
  done.done.complete_error(SocketException("write", peer_, why), done.where);
  while (!writes_.empty()) {
    PendingWrite next = std::move(writes_.front());
    writes_.pop_front();
    next.done.complete_error(SocketException("write", peer_, why), next.where);
  }
  shutdown_send_when_flushed();
}

Future<void> SocketState::close(std::source_location where) {
  if (!close_done_) {
    send_closed_ = true;
    close_done_.emplace();
    close_where_ = where;
    shutdown_send_when_flushed();
  }
  return close_done_->future();
}

void SocketState::shutdown_send_when_flushed() {
  if (!close_done_ || close_done_->is_completed() || writing_ || !writes_.empty()) return;
  if (!destroyed_ && socket_) {
    boost::system::error_code ec;
    socket_->shutdown(tcp::socket::shutdown_send, ec);  // the peer reads end of input
  }
  close_done_->complete(close_where_);
  close_when_finished();
}

// Both directions are over: give the descriptor back now, not when the last handle goes.
void SocketState::close_when_finished() {
  if (!read_done_ || !send_closed_ || writing_ || !writes_.empty() || destroyed_) return;
  boost::system::error_code ec;
  socket_->close(ec);
}

void SocketState::destroy() {
  if (destroyed_) return;
  destroyed_ = true;
  boost::system::error_code ec;
  socket_->close(ec);  // an outstanding read or write completes with operation_aborted
  if (controller_ && !reading_ && !read_done_ && controller_->has_listener()) {
    end_reading({});  // a paused listener: no read is outstanding to bring the done
  }
  shutdown_send_when_flushed();
}

void SocketState::drop() noexcept {
  destroyed_ = true;
  if (socket_) {
    boost::system::error_code ec;
    socket_->close(ec);
    socket_.reset();  // before the io_context goes; its aborted handlers are never run
  }
  controller_.reset();
  writes_.clear();
  close_done_.reset();
  listening_.reset();
  read_work_.reset();
  write_work_.reset();
}

// --- Connecting -------------------------------------------------------------------------

namespace {

class ConnectOp final : public IoState, public std::enable_shared_from_this<ConnectOp> {
 public:
  ConnectOp(EventLoop& loop, std::string host, std::uint16_t port, std::source_location where)
      : IoState(loop),
        host_(std::move(host)),
        port_(port),
        where_(where),
        socket_(std::in_place, loop.io_context()),
        done_(std::in_place),
        work_(loop) {}

  Future<TcpSocket> start() {
    Future<TcpSocket> result = done_->future();
    connect_to(resolver_, *socket_, host_, port_,
               [self = shared_from_this()](const boost::system::error_code& ec) {
                 self->post_event(self->where_, [self, ec] { self->finish(ec); });
                 self->work_.reset();
               });
    return result;
  }

 private:
  void finish(const boost::system::error_code& ec) {
    if (ec) {
      done_->complete_error(SocketException("connect", address_text(host_, port_), ec.message()),
                            where_);
    } else {
      done_->complete(TcpSocket(SocketState::make(loop(), std::move(*socket_))), where_);
    }
  }

  void drop() noexcept override {
    discard(socket_);
    resolver_.reset();
    done_.reset();
    work_.reset();
  }

  std::string host_;
  std::uint16_t port_;
  std::source_location where_;
  std::optional<tcp::resolver> resolver_;
  std::optional<tcp::socket> socket_;
  std::optional<Completer<TcpSocket>> done_;
  EventLoop::IoWork work_;
};

}  // namespace

}  // namespace detail

// --- The handle -------------------------------------------------------------------------

Future<TcpSocket> TcpSocket::connect(std::string host, std::uint16_t port,
                                     std::source_location where) {
  EventLoop& loop = EventLoop::current();
  auto op = std::make_shared<detail::ConnectOp>(loop, std::move(host), port, where);
  return op->start();
}

detail::SocketState& TcpSocket::state() const {
  if (state_ == nullptr) throw StateError("empty TcpSocket");
  return *state_;
}

Future<void> TcpSocket::write(std::string data, std::source_location where) const {
  return state().write(std::move(data), where);
}

Stream<std::string> TcpSocket::stream(std::source_location where) const {
  return state().stream(where);
}

Future<std::string> TcpSocket::read_all(std::source_location where) const {
  Completer<std::string> done;
  auto text = std::make_shared<std::string>();
  (void)stream(where).listen([text](const std::string& chunk) { *text += chunk; },
                             {.on_error = [done](const AsyncError& e) { done.complete_error(e); },
                              .on_done = [done, text] { done.complete(std::move(*text)); },
                              .cancel_on_error = true},
                             where);
  return done.future();
}

Future<void> TcpSocket::close(std::source_location where) const { return state().close(where); }

void TcpSocket::destroy() const { state().destroy(); }

std::uint16_t TcpSocket::remote_port() const { return state().remote_port(); }

std::string TcpSocket::remote_address() const { return state().remote_address(); }

std::uint16_t TcpSocket::local_port() const { return state().local_port(); }

}  // namespace dartloop::io
