#pragma once
// Private to dartloop_io: the state behind a `TcpSocket` handle.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include "dartloop/completer.hpp"
#include "dartloop/stream_controller.hpp"
#include "io_state.hpp"

namespace dartloop::io::detail {

/// One TCP connection: a reading side that feeds a synchronous controller (so each chunk
/// reaches the listener inside the event that carries it), and a queue of writes.
class SocketState final : public IoState, public std::enable_shared_from_this<SocketState> {
 public:
  SocketState(EventLoop& loop, tcp::socket socket);
  static std::shared_ptr<SocketState> make(EventLoop& loop, tcp::socket socket) {
    return std::make_shared<SocketState>(loop, std::move(socket));
  }

  Future<void> write(std::string data, std::source_location where);
  Stream<std::string> stream(std::source_location where);
  Future<void> close(std::source_location where);
  void destroy();

  [[nodiscard]] std::uint16_t remote_port() const noexcept { return remote_port_; }
  [[nodiscard]] const std::string& remote_address() const noexcept { return remote_address_; }
  [[nodiscard]] std::uint16_t local_port() const noexcept { return local_port_; }

 private:
  struct PendingWrite {
    std::string data;
    Completer<void> done;
    std::source_location where;
  };

  void drop() noexcept override;
  void on_listen();
  void on_cancel();
  void start_read();
  void deliver(const boost::system::error_code& ec, std::string chunk);
  void end_reading(const boost::system::error_code& ec);
  void start_write();
  void finish_write(const boost::system::error_code& ec);
  void shutdown_send_when_flushed();
  void close_when_finished();

  std::optional<tcp::socket> socket_;
  std::string remote_address_;
  std::string peer_;  // "address:port", for messages
  std::uint16_t remote_port_ = 0;
  std::uint16_t local_port_ = 0;
  bool destroyed_ = false;

  // Reading.
  std::optional<StreamController<std::string>> controller_;
  std::source_location read_where_;
  std::vector<char> buffer_;
  EventLoop::IoWork listening_;  // a listened stream keeps the isolate alive until done
  EventLoop::IoWork read_work_;  // the outstanding read
  bool reading_ = false;
  bool read_done_ = false;

  // Writing.
  std::deque<PendingWrite> writes_;  // the front one is being written
  EventLoop::IoWork write_work_;
  bool writing_ = false;
  bool send_closed_ = false;  // `close` was called, or a write failed
  std::string send_error_;    // why writes are refused now
  std::optional<Completer<void>> close_done_;
  std::source_location close_where_;
};

}  // namespace dartloop::io::detail
