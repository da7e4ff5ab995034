// The io library: real sockets, HTTP and files whose completions arrive as events. Loopback
// only (127.0.0.1, ports the OS picks). The expected lines never depend on which of two
// independent completions wins: each test asserts only orders that causality fixes (a
// completion is an event of its own, behind what was already queued), so most run on both
// clocks and must print the same.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dartloop/async.hpp"
#include "dartloop/completer.hpp"
#include "dartloop/detail/pool.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/future.hpp"
#include "dartloop/io/file.hpp"
#include "dartloop/io/http.hpp"
#include "dartloop/io/io_error.hpp"
#include "dartloop/io/tcp_server.hpp"
#include "dartloop/io/tcp_socket.hpp"
#include "dartloop/loop_observer.hpp"
#include "dartloop/print.hpp"
#include "dartloop/stream.hpp"
#include "dartloop/timer.hpp"
#include "support.hpp"

using namespace std::chrono_literals;
using dartloop::ClockKind;
using dartloop::Completer;
using dartloop::EventLoop;
using dartloop::Future;
using dartloop::print;
using dartloop::schedule_microtask;
using dartloop::Timer;
using dartloop::io::FileSystemException;
using dartloop::io::http_get;
using dartloop::io::HttpException;
using dartloop::io::HttpRequest;
using dartloop::io::HttpResponse;
using dartloop::io::HttpServer;
using dartloop::io::read_file;
using dartloop::io::SocketException;
using dartloop::io::TcpServer;
using dartloop::io::TcpSocket;
using dartloop::io::write_file;
using dartloop::test::capture;
using dartloop::test::capture_errors;
using dartloop::test::contains;

using Lines = std::vector<std::string>;

namespace {

constexpr const char* loopback = "127.0.0.1";

/// Runs @p program as an isolate's main on @p clock; checks the exit code, returns the lines.
template <class F>
Lines run_on(ClockKind clock, F program, int expected_exit = 0) {
  EventLoop loop(clock);
  Lines out;
  Lines errors;
  capture(loop, out);
  capture_errors(loop, errors);
  const int code = loop.run(std::move(program));
  INFO("errors: " << (errors.empty() ? std::string("none") : errors.front()));
  REQUIRE(code == expected_exit);
  return out;
}

/// Runs @p program on the virtual clock, then on the real clock: both must print @p expected.
template <class F>
void check_on_both_clocks(const F& program, const Lines& expected) {
  SECTION("virtual clock") { CHECK(run_on(ClockKind::virtual_time, program) == expected); }
  SECTION("real clock") { CHECK(run_on(ClockKind::real_time, program) == expected); }
}

/// @p n bytes that are not periodic in any chunk size, so a reordering would show.
std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 1021) % 26);
  return s;
}

/// Open file descriptors of this process (sockets included).
std::ptrdiff_t open_descriptors() {
  return std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                       std::filesystem::directory_iterator());
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("dartloop_io_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

/// Echoes every connection: whatever arrives goes back; end of input closes the sending side.
void serve_echo(const TcpServer& server) {
  server.connections().listen([](const TcpSocket& connection) {
    connection.stream().listen(
        [connection](const std::string& chunk) { (void)connection.write(chunk); },
        {.on_done = [connection] { (void)connection.close(); }});
  });
}

// --- Programs (coroutines are free functions: see test_async.cpp) ---------------------------

Future<void> echo_round_trip() {
  const TcpServer server = co_await TcpServer::bind(loopback);
  serve_echo(server);
  const TcpSocket client = co_await TcpSocket::connect(loopback, server.port());
  print("connected to the server's port: ", client.remote_port() == server.port());
  co_await client.write("hello, ");
  co_await client.write("isolate");
  co_await client.close();
  print("echoed: ", co_await client.read_all());
  co_await server.close();
  print("server closed");
}

Future<void> megabyte() {
  const std::string sent = pattern(std::size_t{1} << 20);
  const TcpServer server = co_await TcpServer::bind(loopback);
  server.connections().listen([&sent](const TcpSocket& connection) {
    (void)connection.write(sent).then([connection] { return connection.close(); });
  });
  const TcpSocket client = co_await TcpSocket::connect(loopback, server.port());
  const std::string received = co_await client.read_all();
  print("received ", received.size(), " bytes, identical: ", received == sent);
  co_await server.close();
}

Future<std::string> ask(std::uint16_t port, int i) {
  const TcpSocket socket = co_await TcpSocket::connect(loopback, port);
  co_await socket.write("client " + std::to_string(i));
  co_await socket.close();
  co_return co_await socket.read_all();
}

Future<void> fifty_clients() {
  const TcpServer server = co_await TcpServer::bind(loopback);
  server.connections().listen([](const TcpSocket& connection) {
    (void)connection.read_all().then([connection](const std::string& question) {
      (void)connection.write("hello " + question);
      return connection.close();
    });
  });
  std::vector<Future<std::string>> answers;
  for (int i = 0; i < 50; ++i) answers.push_back(ask(server.port(), i));
  const std::vector<std::string> got = co_await Future<std::string>::wait(answers);
  bool each_its_own = true;
  for (std::size_t i = 0; i < got.size(); ++i) {
    each_its_own = each_its_own && got[i] == "hello client " + std::to_string(i);
  }
  print(got.size(), " answers, each to its own question: ", each_its_own);
  co_await server.close();
}

Future<void> connect_to_closed_port() {
  const TcpServer server = co_await TcpServer::bind(loopback);
  const std::uint16_t port = server.port();
  co_await server.close();
  try {
    (void)co_await TcpSocket::connect(loopback, port);
    print("connected to a closed port?");
  } catch (const SocketException& e) {
    print("SocketException in ", e.operation(), " of ", loopback,
          ":port: ", e.address() == std::string(loopback) + ":" + std::to_string(port));
    print("what() names the cause: ",
          contains(e.what(), "SocketException: connect failed: ") && contains(e.what(), "refused"));
  }
}

Future<HttpResponse> route(const HttpRequest& request) {
  if (request.target == "/hello") {
    return Future<HttpResponse>::value(
        HttpResponse{200, "hello, " + request.method, {{"Content-Type", "text/plain"}}});
  }
  if (request.target == "/slow") {
    return Future<HttpResponse>::delayed(100ms, [] {
      return HttpResponse{200, "slow answer", {}};
    });
  }
  if (request.target == "/throws") throw std::runtime_error("handler failed");
  return Future<HttpResponse>::value(HttpResponse{404, "no page " + request.target, {}});
}

Future<void> http_pages() {
  const HttpServer server = co_await HttpServer::bind(loopback, 0, route);
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  HttpResponse ok = co_await http_get(base + "/hello");
  print(ok.status, " ", ok.body, " (", ok.headers["content-type"], ", ",
        ok.headers["content-length"], " bytes)");
  const HttpResponse missing = co_await http_get(base + "/missing");
  print(missing.status, " ", missing.body);
  const HttpResponse failed = co_await http_get(base + "/throws");
  print(failed.status, " ", failed.body);
  co_await server.close();
  print("server closed");
}

Future<void> slow_page() {
  const HttpServer server = co_await HttpServer::bind(loopback, 0, route);
  const auto asked = EventLoop::current().now();
  const HttpResponse r =
      co_await http_get("http://127.0.0.1:" + std::to_string(server.port()) + "/slow");
  print(r.status, " ", r.body,
        ", not before the delay: ", EventLoop::current().now() - asked >= 100ms);
  co_await server.close();
}

Future<void> unsupported_url() {
  try {
    (void)co_await http_get("ftp://127.0.0.1/file");
  } catch (const HttpException& e) {
    print("HttpException for ", e.address());
  }
}

Future<void> file_round_trip() {
  const std::string path = temp_path("round_trip.txt");
  const std::string text = "line one\nline two\n" + pattern(100000);
  co_await write_file(path, text);
  Future<std::string> reading = read_file(path);
  schedule_microtask([] { print("microtask queued after starting the read"); });
  const std::string back = co_await reading;
  print("read back ", back.size(), " bytes, identical: ", back == text);
  std::filesystem::remove(path);
}

Future<void> missing_file() {
  const std::string path = temp_path("no_such_dir") + "/missing.txt";
  try {
    (void)co_await read_file(path);
  } catch (const FileSystemException& e) {
    print("FileSystemException in ", e.operation(), ": ", e.os_message(),
          ", path given: ", e.address() == path);
  }
}

/// The largest third field ("max") of a /proc/sys/net/ipv4 buffer setting, in bytes.
std::size_t kernel_max(const char* setting) {
  std::ifstream in(std::string("/proc/sys/net/ipv4/") + setting);
  std::size_t low = 0;
  std::size_t initial = 0;
  std::size_t max = 0;
  in >> low >> initial >> max;
  return max;
}

/// More than the kernel can buffer between a writer and a reader that has stopped reading
/// (at most tcp_rmem's plus tcp_wmem's maximum; 32 + 4 MiB on Debian), and at least 64 MiB.
std::size_t beyond_kernel_buffers() {
  const std::size_t bound = 2 * (kernel_max("tcp_rmem") + kernel_max("tcp_wmem"));
  return std::max(std::size_t{64} << 20, bound);
}

// While the reader is paused the sender's write cannot finish (the bytes do not fit in the
// kernel's buffers); resuming lets it finish.
Future<void> back_pressure() {
  const std::string sent = pattern(beyond_kernel_buffers());
  const TcpServer server = co_await TcpServer::bind(loopback);
  auto write_done = std::make_shared<Future<void>>();
  auto writing = std::make_shared<bool>(true);
  server.connections().listen([&sent, write_done, writing](const TcpSocket& connection) {
    *write_done = connection.write(sent).then([connection, writing] {
      *writing = false;
      return connection.close();
    });
  });
  const TcpSocket client = co_await TcpSocket::connect(loopback, server.port());
  auto received = std::make_shared<std::string>();
  Completer<void> all_read;
  auto subscription = std::make_shared<dartloop::StreamSubscription<std::string>>();
  *subscription = client.stream().listen(
      [received, subscription, writing](const std::string& chunk) {
        const bool first = received->empty();
        *received += chunk;
        if (!first) return;
        subscription->pause();
        print("paused after the first chunk");
        (void)Future<void>::delayed(50ms).then([subscription, writing] {
          print("sender still writing while paused: ", *writing);
          subscription->resume();
        });
      },
      {.on_done = [all_read] { all_read.complete(); }});
  co_await all_read.future();
  co_await *write_done;
  print("received everything, identical: ", *received == sent);
  (void)subscription->cancel();
  *subscription = {};
  co_await server.close();
}

Future<void> leave_everything_open() {
  const TcpServer server = co_await TcpServer::bind(loopback);
  server.connections().listen([](const TcpSocket& connection) { (void)connection.read_all(); });
  const TcpSocket client = co_await TcpSocket::connect(loopback, server.port());
  (void)client.read_all();                        // the server never writes
  (void)client.write(std::string(8 << 20, 'x'));  // the server reads, perhaps not all of it
  const HttpServer http = co_await HttpServer::bind(loopback, 0, [](const HttpRequest&) {
    EventLoop::current().stop(0);               // the isolate ends after this event
    return Completer<HttpResponse>().future();  // and this request is never answered
  });
  (void)http_get("http://127.0.0.1:" + std::to_string(http.port()) + "/");
  (void)TcpSocket::connect(loopback, server.port());
}

/// Records the source line of every event the loop handles.
class EventLines : public dartloop::LoopObserver {
 public:
  void on_event(dartloop::EventKind kind, const dartloop::TaskInfo& event,
                dartloop::Duration now) override {
    (void)kind, (void)now;
    lines.push_back(event.where.line());
  }
  std::vector<std::uint_least32_t> lines;  ///< In the order the events ran.
};

std::uint_least32_t connect_line = 0;

}  // namespace

// --- Sockets -----------------------------------------------------------------------------

TEST_CASE("an echo server sends back what a client wrote, and the isolate then ends", "[io]") {
  check_on_both_clocks(
      [] { return echo_round_trip(); },
      {"connected to the server's port: 1", "echoed: hello, isolate", "server closed"});
}

TEST_CASE("a megabyte arrives complete and in order", "[io]") {
  check_on_both_clocks([] { return megabyte(); }, {"received 1048576 bytes, identical: 1"});
}

TEST_CASE("fifty concurrent clients each get the answer to their own question", "[io]") {
  check_on_both_clocks([] { return fifty_clients(); }, {"50 answers, each to its own question: 1"});
}

TEST_CASE("connecting to a port that was just closed fails with a SocketException", "[io]") {
  check_on_both_clocks(
      [] { return connect_to_closed_port(); },
      {"SocketException in connect of 127.0.0.1:port: 1", "what() names the cause: 1"});
}

TEST_CASE("a completion is an event of its own, queued at the line that started the operation",
          "[io]") {
  auto program = [] {
    TcpServer::bind(loopback).then([](const TcpServer& server) {
      Future<TcpSocket> connecting = TcpSocket::connect(loopback, server.port());
      connect_line = __LINE__ - 1;
      Timer::run([] { print("zero timer queued before the completion"); });
      (void)connecting.then([server](const TcpSocket& socket) {
        print("connected, in a later event");
        socket.destroy();
        return server.close();
      });
      schedule_microtask([] { print("microtask of the event that started it"); });
      print("connect started");
    });
  };
  const Lines expected{"connect started", "microtask of the event that started it",
                       "zero timer queued before the completion", "connected, in a later event"};
  for (const ClockKind clock : {ClockKind::virtual_time, ClockKind::real_time}) {
    EventLoop loop(clock);
    Lines out;
    capture(loop, out);
    EventLines events;
    loop.add_observer(events);
    REQUIRE(loop.run(program) == 0);
    loop.remove_observer(events);
    CHECK(out == expected);
    // The connect's completion is one event, scheduled at the line of the call.
    CHECK(std::count(events.lines.begin(), events.lines.end(), connect_line) == 1);
  }
}

TEST_CASE("closing a server ends its connections stream with done, then completes", "[io]") {
  check_on_both_clocks(
      [] {
        TcpServer::bind(loopback).then([](const TcpServer& server) {
          server.connections().listen({}, {.on_done = [] { print("connections: done"); }});
          (void)server.close().then([] { print("close completed"); });
          print("close called");
        });
      },
      {"close called", "connections: done", "close completed"});
}

TEST_CASE("an open server keeps the isolate alive until it is closed", "[io]") {
  // The only client is another thread: without the server's hold the isolate would end at
  // once, before anything is accepted.
  std::thread client;
  const Lines out = run_on(ClockKind::real_time, [&client] {
    TcpServer::bind(loopback).then([&client](const TcpServer& server) {
      server.connections().listen([server](const TcpSocket& connection) {
        print("accepted a connection");
        connection.destroy();
        (void)server.close().then([] { print("server closed"); });
      });
      client = std::thread([port = server.port()] {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        (void)::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
        ::close(fd);
      });
      print("waiting");
    });
  });
  client.join();
  CHECK(out == Lines{"waiting", "accepted a connection", "server closed"});
}

TEST_CASE("a paused socket stream stops reading, so the sender waits until it resumes", "[io]") {
  check_on_both_clocks([] { return back_pressure(); },
                       {"paused after the first chunk", "sender still writing while paused: 1",
                        "received everything, identical: 1"});
}

TEST_CASE("an isolate that ends with I/O outstanding closes and frees everything", "[io]") {
  const std::size_t blocks_before = dartloop::detail::pool_blocks_in_use();
  const std::ptrdiff_t descriptors_before = open_descriptors();
  for (const ClockKind clock : {ClockKind::virtual_time, ClockKind::real_time}) {
    EventLoop loop(clock);
    CHECK(loop.run([] { return leave_everything_open(); }) == 0);
  }
  CHECK(dartloop::detail::pool_blocks_in_use() == blocks_before);
  CHECK(open_descriptors() == descriptors_before);
}

// --- HTTP --------------------------------------------------------------------------------

TEST_CASE("http_get receives the status, headers and body an HttpServer sent", "[io]") {
  check_on_both_clocks([] { return http_pages(); },
                       {"200 hello, GET (text/plain, 10 bytes)", "404 no page /missing",
                        "500 Internal Server Error", "server closed"});
}

TEST_CASE("an HttpServer handler may answer after Future::delayed", "[io]") {
  check_on_both_clocks([] { return slow_page(); }, {"200 slow answer, not before the delay: 1"});
}

TEST_CASE("http_get of a URL that is not http:// fails with an HttpException", "[io]") {
  check_on_both_clocks([] { return unsupported_url(); },
                       {"HttpException for ftp://127.0.0.1/file"});
}

// --- Files -------------------------------------------------------------------------------

TEST_CASE("a file written with write_file reads back the same, in an event of its own", "[io]") {
  check_on_both_clocks(
      [] { return file_round_trip(); },
      {"microtask queued after starting the read", "read back 100018 bytes, identical: 1"});
}

TEST_CASE("read_file of a missing file fails with a FileSystemException", "[io]") {
  check_on_both_clocks([] { return missing_file(); },
                       {"FileSystemException in open: No such file or directory, path given: 1"});
}

TEST_CASE("an isolate that ends while a file is being read never hears of it again", "[io]") {
  const std::string path = temp_path("big.bin");
  { std::ofstream(path, std::ios::binary) << pattern(std::size_t{4} << 20); }
  const std::size_t blocks_before = dartloop::detail::pool_blocks_in_use();
  for (int i = 0; i < 20; ++i) {
    EventLoop loop(ClockKind::virtual_time);
    Lines out;
    capture(loop, out);
    REQUIRE(loop.run([&path] {
      (void)read_file(path).then([](const std::string&) { print("read completed"); });
      EventLoop::current().stop(0);
    }) == 0);
    CHECK(out.empty());
  }
  CHECK(dartloop::detail::pool_blocks_in_use() == blocks_before);
  std::filesystem::remove(path);
}
