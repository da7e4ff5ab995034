// The seed's button-and-request story with a real socket: the response is just another event.
//
// The Dart program it mirrors (the server is a local HttpServer in an isolate of its own):
//
//   void serve(SendPort toMain) async {                         // the server isolate
//     final server = await HttpServer.bind('127.0.0.1', 0);
//     final stop = ReceivePort();
//     stop.listen((_) { server.close(); stop.close(); });       // then this isolate ends
//     toMain.send((stop.sendPort, server.port));
//     await for (final request in server) {
//       await Future.delayed(Duration(milliseconds: 200));      // a slow server
//       request.response..write('hello from the server isolate')..close();
//     }
//   }
//
//   void click(SendPort stopServer, int port) {                 // the button's handler
//     print('click: GET http://127.0.0.1:$port/slow');
//     var ticks = 0;
//     final ticker = Timer.periodic(Duration(milliseconds: 50), (_) => print('tick ${++ticks}'));
//     http.get(Uri.parse('http://127.0.0.1:$port/slow')).then((response) {
//       print('response ${response.statusCode}: ${response.body}');
//       ticker.cancel();
//       stopServer.send(null);
//     });
//     print('request sent: the loop is free until the response arrives');
//   }
//
//   void main() async {
//     final fromServer = ReceivePort();
//     final messages = StreamIterator(fromServer);
//     await Isolate.spawn(serve, fromServer.sendPort, onExit: fromServer.sendPort);
//     await messages.moveNext();                                // (stop port, port number)
//     final (stop, port) = messages.current as (SendPort, int);
//     print('server isolate listening on port $port');
//     click(stop, port);
//     await messages.moveNext();                                // the server isolate's exit
//     print('server isolate ended');
//     fromServer.close();                                       // nothing is left: main ends
//   }
//
// What to watch: `http_get` starts the request and returns a pending future at once; "request
// sent" is printed in the same task, before any tick. The socket work happens outside the
// isolate's code; when the response has been read, ONE event joins the event queue, scheduled
// at the `http_get` line. That event completes the future, and the completion queues one
// microtask for the future's listeners: the `then` callback runs right after the event, before
// any other event. Until then the loop takes the ticker's events (and main sits parked
// at its second `co_await`): nothing waits for the network, so the program stays responsive.
//
// Why the server has an isolate of its own: it is the "other machine" of the story. Only the
// main isolate is traced, so the replay shows what the app sees (its ticks, its one response
// event) and none of the server's accept, read and delay events, which would otherwise be
// interleaved with them in the same queue. It also shows the port handshake: the server sends
// its port number (and a port to stop it) back as a message, and its exit is a message too.
//
// Real clock: real sockets need real time (a virtual loop would jump straight over the
// server's 200 ms while the bytes are still in flight), so the number of ticks varies a little
// from run to run; the order (request sent, ticks, response, end) does not.
#include <chrono>
#include <string>
#include <utility>

#include "../scenario.hpp"
#include "dartloop/async.hpp"
#include "dartloop/future.hpp"
#include "dartloop/io/http.hpp"
#include "dartloop/isolate.hpp"
#include "dartloop/print.hpp"
#include "dartloop/receive_port.hpp"
#include "dartloop/stream_iterator.hpp"
#include "dartloop/timer.hpp"

namespace dartloop::demo {

namespace {
using namespace std::chrono_literals;
using io::http_get;
using io::HttpRequest;
using io::HttpResponse;
using io::HttpServer;

// What the server sends back once it listens: a port that stops it, and its TCP port.
using ServerReady = std::pair<SendPort, int>;

// --- The server isolate (not traced: the replay shows only the main isolate) ---------------

Future<HttpResponse> answer_slowly(const HttpRequest& /*request*/) {
  return Future<HttpResponse>::delayed(200ms, [] {  // a slow server: 200 ms per answer
    return HttpResponse{200, "hello from the server isolate", {}};
  });
}

void serve(const SendPort& to_main) {
  (void)HttpServer::bind("127.0.0.1", 0, answer_slowly).then([to_main](const HttpServer& server) {
    const ReceivePort stop;
    stop.listen([server, stop](const Message& /*any*/) {
      (void)server.close();  // the answer already given still goes out
      stop.close();          // nothing keeps this isolate alive any more
    });
    to_main.send(ServerReady{stop.send_port(), server.port()});
  });
}

// --- The main isolate -------------------------------------------------------------------

int ticks = 0;

void tick(Timer& /*ticker*/) { print("tick ", ++ticks); }

// The button's handler: starts the request and returns at once.
void click(const SendPort& stop_server, int port) {
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/slow";
  print("click: GET ", url);
  Timer ticker = Timer::periodic(50ms, tick);  // Timer.periodic(Duration(milliseconds: 50), ...)
  (void)http_get(url).then([ticker, stop_server](const HttpResponse& response) mutable {
    print("response ", response.status, ": ", response.body);
    ticker.cancel();
    stop_server.send(nullptr);  // stopServer.send(null)
  });
  print("request sent: the loop is free until the response arrives");
}

Future<void> async_main() {
  const ReceivePort from_server;  // final fromServer = ReceivePort();
  StreamIterator<Message> messages(from_server);
  // Spawned outside the co_await: GCC 12 miscompiles an aggregate temporary (the options)
  // built inside a co_await expression, and its string member is freed at a wrong address.
  const Future<Isolate> spawned = Isolate::spawn(
      serve, from_server.send_port(), {.on_exit = from_server.send_port(), .debug_name = "server"});
  co_await spawned;  // await Isolate.spawn(serve, ..., onExit: fromServer.sendPort)

  co_await messages.move_next();  // await messages.moveNext(): the server's port number
  const auto [stop, port] = messages.current().as<ServerReady>();
  print("server isolate listening on port ", port);
  click(stop, port);
  co_await messages.move_next();  // await messages.moveNext(): the server isolate's exit
  print("server isolate ended");
  from_server.close();
}

}  // namespace

int run_network(EventLoop& loop) {
  ticks = 0;
  return loop.run(async_main);
}

}  // namespace dartloop::demo
