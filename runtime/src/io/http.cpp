#include "dartloop/io/http.hpp"

#include <algorithm>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <charconv>
#include <exception>
#include <optional>
#include <utility>

#include "dartloop/completer.hpp"
#include "dartloop/errors.hpp"
#include "io_state.hpp"

namespace dartloop::io {

namespace detail {

namespace http = boost::beast::http;

namespace {

struct Url {
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";
};

// "http://host[:port][/target]"; nothing for anything else.
std::optional<Url> parse_url(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) return std::nullopt;
  const std::string rest = url.substr(scheme.size());
  const std::size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  Url u;
  if (slash != std::string::npos) u.target = rest.substr(slash);
  const std::size_t colon = authority.rfind(':');
  u.host = authority.substr(0, colon);
  if (colon != std::string::npos) {
    const std::string digits = authority.substr(colon + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || end != digits.data() + digits.size() || value > 65535) {
      return std::nullopt;
    }
    u.port = static_cast<std::uint16_t>(value);
  }
  if (u.host.empty()) return std::nullopt;
  return u;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A malformed message is an HTTP error; anything from the connection is a socket error.
std::exception_ptr error_of(const char* operation, const std::string& address,
                            const boost::system::error_code& ec) {
  if (ec.category() == boost::beast::http::make_error_code(http::error::need_more).category()) {
    return std::make_exception_ptr(HttpException(operation, address, ec.message()));
  }
  return std::make_exception_ptr(SocketException(operation, address, ec.message()));
}

// --- Client -----------------------------------------------------------------------------

class HttpGetOp final : public IoState, public std::enable_shared_from_this<HttpGetOp> {
 public:
  HttpGetOp(EventLoop& loop, std::string url, Url parts, std::source_location where)
      : IoState(loop),
        url_(std::move(url)),
        parts_(std::move(parts)),
        where_(where),
        socket_(std::in_place, loop.io_context()),
        done_(std::in_place),
        work_(loop) {}

  Future<HttpResponse> start() {
    Future<HttpResponse> result = done_->future();
    connect_to(resolver_, *socket_, parts_.host, parts_.port,
               [self = shared_from_this()](const boost::system::error_code& ec) {
                 if (ec) {
                   self->fail("connect", ec);
                 } else {
                   self->send();
                 }
               });
    return result;
  }

 private:
  void send() {
    request_.method(http::verb::get);
    request_.target(parts_.target);
    request_.version(11);
    request_.set(http::field::host, address_text(parts_.host, parts_.port));
    request_.set(http::field::user_agent, "dartloop");
    request_.keep_alive(false);
    http::async_write(
        *socket_, request_,
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
          if (ec) {
            self->fail("send request", ec);
          } else {
            self->receive();
          }
        });
  }

  void receive() {
    http::async_read(*socket_, buffer_, response_,
                     [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                       if (ec) {
                         self->fail("read response", ec);
                         return;
                       }
                       HttpResponse r;
                       r.status = static_cast<int>(self->response_.result_int());
                       r.body = std::move(self->response_.body());
                       for (const auto& field : self->response_) {
                         r.headers[lower(field.name_string())] = std::string(field.value());
                       }
                       self->finish([self, r = std::move(r)]() mutable {
                         self->done_->complete(std::move(r), self->where_);
                       });
                     });
  }

  void fail(const char* operation, const boost::system::error_code& ec) {
    finish([self = shared_from_this(), e = error_of(operation, url_, ec)] {
      self->done_->complete_error(e, self->where_);
    });
  }

  // On the loop thread inside the io_context: the outcome becomes one event.
  template <class F>
  void finish(F&& complete) {
    post_event(where_, std::forward<F>(complete));
    boost::system::error_code ignored;
    socket_->close(ignored);
    work_.reset();
  }

  void drop() noexcept override {
    discard(socket_);
    resolver_.reset();
    done_.reset();
    work_.reset();
  }

  std::string url_;
  Url parts_;
  std::source_location where_;
  std::optional<tcp::resolver> resolver_;
  std::optional<tcp::socket> socket_;
  boost::beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response<http::string_body> response_;
  std::optional<Completer<HttpResponse>> done_;
  EventLoop::IoWork work_;
};

}  // namespace

// --- Server -----------------------------------------------------------------------------

/// One accepted connection: read a request, call the handler in an event, write its answer.
class HttpConnection final : public IoState, public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(EventLoop& loop, tcp::socket socket, std::shared_ptr<const HttpHandler> handler,
                 std::source_location where)
      : IoState(loop),
        socket_(std::move(socket)),
        handler_(std::move(handler)),
        where_(where),
        work_(loop) {}

  void start() {
    http::async_read(*socket_, buffer_, request_,
                     [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                       if (ec) {
                         self->finish();  // the client went away or sent garbage: hang up
                         return;
                       }
                       self->post_event(self->where_, [self] { self->handle(); });
                     });
  }

 private:
  // The request event: user code (the handler) runs here.
  void handle() {
    HttpRequest r;
    r.method = std::string(request_.method_string());
    r.target = std::string(request_.target());
    for (const auto& field : request_) {
      r.headers[std::string(field.name_string())] = std::string(field.value());
    }
    r.body = std::move(request_.body());
    Future<HttpResponse> answer;
    try {
      answer = (*handler_)(r);
      if (!answer.valid()) throw StateError("the HTTP handler returned an empty future");
    } catch (...) {
      answer = Future<HttpResponse>::error(std::current_exception(), where_);
    }
    (void)answer.then(
        [self = shared_from_this()](const HttpResponse& response) { self->respond(response); },
        [self = shared_from_this()](const std::exception_ptr&) {
          self->respond(HttpResponse{500, "Internal Server Error", {}});
        },
        where_);
  }

  void respond(const HttpResponse& r) {
    if (ended() || !socket_) return;
    response_.result(static_cast<unsigned>(r.status));
    response_.version(11);
    for (const auto& [name, value] : r.headers) response_.set(name, value);
    response_.body() = r.body;
    response_.keep_alive(false);
    response_.prepare_payload();
    http::async_write(*socket_, response_,
                      [self = shared_from_this()](const boost::system::error_code&, std::size_t) {
                        self->finish();
                      });
  }

  void finish() {
    boost::system::error_code ignored;
    socket_->shutdown(tcp::socket::shutdown_both, ignored);
    socket_->close(ignored);
    work_.reset();
  }

  void drop() noexcept override {
    discard(socket_);
    handler_.reset();
    work_.reset();
  }

  std::optional<tcp::socket> socket_;
  std::shared_ptr<const HttpHandler> handler_;
  std::source_location where_;
  boost::beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  EventLoop::IoWork work_;  // from accept to the last byte of the answer
};

/// The listening side: accepts connections for as long as it is open.
class HttpServerState final : public IoState, public std::enable_shared_from_this<HttpServerState> {
 public:
  HttpServerState(EventLoop& loop, HttpHandler handler, std::source_location where)
      : IoState(loop),
        acceptor_(std::in_place, loop.io_context()),
        handler_(std::make_shared<const HttpHandler>(std::move(handler))),
        where_(where) {}

  std::string open(const std::string& address, std::uint16_t port) {
    port_ = port;
    std::string error = open_acceptor(*acceptor_, address, port_);
    if (error.empty()) open_ = EventLoop::IoWork(loop());
    return error;
  }

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

  void start_accept() {
    if (closed_ || ended()) return;
    acceptor_->async_accept(
        [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
          if (self->closed_) return;
          if (!ec) {
            std::make_shared<HttpConnection>(self->loop(), std::move(socket), self->handler_,
                                             self->where_)
                ->start();
          }
          self->start_accept();
        });
  }

  Future<void> close(std::source_location where) {
    if (!closed_) {
      closed_ = true;
      boost::system::error_code ec;
      acceptor_->close(ec);
      open_.reset();
    }
    Completer<void> done;
    post_event(where, [done, where] { done.complete(where); });
    return done.future();
  }

 private:
  void drop() noexcept override {
    closed_ = true;
    if (acceptor_) {
      boost::system::error_code ec;
      acceptor_->close(ec);
      acceptor_.reset();
    }
    handler_.reset();
    open_.reset();
  }

  std::optional<tcp::acceptor> acceptor_;
  std::shared_ptr<const HttpHandler> handler_;
  std::source_location where_;
  EventLoop::IoWork open_;
  std::uint16_t port_ = 0;
  bool closed_ = false;
};

}  // namespace detail

Future<HttpResponse> http_get(std::string url, std::source_location where) {
  EventLoop& loop = EventLoop::current();
  auto parts = detail::parse_url(url);
  if (!parts) {
    return Future<HttpResponse>::error(
        HttpException("GET", url, "only http://host[:port][/path] URLs are supported"), where);
  }
  auto op = std::make_shared<detail::HttpGetOp>(loop, std::move(url), std::move(*parts), where);
  return op->start();
}

Future<HttpServer> HttpServer::bind(const std::string& address, std::uint16_t port,
                                    HttpHandler handler, std::source_location where) {
  EventLoop& loop = EventLoop::current();
  if (!handler) throw ArgumentError("HttpServer::bind needs a handler");
  auto state = std::make_shared<detail::HttpServerState>(loop, std::move(handler), where);
  std::string error = state->open(address, port);
  if (error.empty()) state->start_accept();
  return detail::complete_bind<HttpServer>(
      loop, std::move(error), address, port,
      [state = std::move(state)]() mutable { return HttpServer(std::move(state)); }, where);
}

detail::HttpServerState& HttpServer::state() const {
  if (state_ == nullptr) throw StateError("empty HttpServer");
  return *state_;
}

std::uint16_t HttpServer::port() const { return state().port(); }

Future<void> HttpServer::close(std::source_location where) const { return state().close(where); }

}  // namespace dartloop::io
