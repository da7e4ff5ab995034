// Hidden tests of step 10 (never shipped to learners): Isolate::run and file I/O as events
// (dart-semantics.md §1.1, §1.9, §1.10). Isolates and I/O threads are real threads: every
// ordering a case checks is fixed by the rules (an outcome can only join the event queue
// behind what is already there), never by timing.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "course_testing.hpp"
#include "dartloop/dartloop.hpp"
#include "dartloop/io/file.hpp"

using namespace dartloop;
using namespace dartloop::testing;
using namespace std::chrono_literals;

namespace {
std::string this_thread_name() {
  std::ostringstream id;
  id << std::this_thread::get_id();
  return id.str();
}

// What kind of error @p e holds, and its text.
std::string kind_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const io::FileSystemException& error) {
    return std::string("FileSystemException|") + error.what();
  } catch (const RemoteError& error) {
    return std::string("RemoteError|") + error.what();
  } catch (const std::invalid_argument& error) {
    return std::string("invalid_argument|") + error.what();
  } catch (const std::out_of_range& error) {
    return std::string("out_of_range|") + error.what();
  } catch (const std::exception& error) {
    return std::string("exception|") + error.what();
  }
}
}  // namespace

// --- Isolate::run ------------------------------------------------------------------------------

TEST_CASE(
    "hidden 10: the result of Isolate::run comes as an event, after microtasks and "
    "the events already queued",
    "[step10]") {
  const Lines lines = run_program([] {
    Timer::run([] {
      print("zero timer 1");
      schedule_microtask([] { print("microtask of timer 1"); });
    });
    Timer::run([] { print("zero timer 2"); });
    Isolate::run([] { return std::string("computed"); }).then([](const std::string& v) {
      print("result: ", v);
    });
    schedule_microtask([] {
      print("microtask 1");
      schedule_microtask([] { print("microtask 2"); });
    });
  });
  CHECK(lines == Lines{"microtask 1", "microtask 2", "zero timer 1", "microtask of timer 1",
                       "zero timer 2", "result: computed"});
}

TEST_CASE(
    "hidden 10: the computation runs on another thread; the result is handled on the "
    "caller's",
    "[step10]") {
  const std::string main_thread = this_thread_name();
  std::string computed_on;
  std::string handled_on;
  run_program([&computed_on, &handled_on] {
    Isolate::run([] {
      return this_thread_name();
    }).then([&computed_on, &handled_on](const std::string& where) {
      computed_on = where;
      handled_on = this_thread_name();
    });
  });
  CHECK_FALSE(computed_on.empty());
  CHECK(computed_on != main_thread);
  CHECK(handled_on == main_thread);
}

TEST_CASE("hidden 10: the caller's loop goes on while the computation runs", "[step10]") {
  // The computation may only finish once main's loop has run three more events: a loop that
  // waited for the computation would never get there (the latch times out after 10 s).
  std::promise<void> three_events_ran;
  std::shared_future<void> gate = three_events_ran.get_future().share();
  const Lines lines = run_program([&three_events_ran, gate] {
    Isolate::run([gate] {
      return gate.wait_for(10s) == std::future_status::ready ? 1 : -1;
    }).then([](const int& v) { print("result ", v); });
    Timer::run([&three_events_ran] {
      print("event 1");
      Timer::run([&three_events_ran] {
        print("event 2");
        Timer::run([&three_events_ran] {
          print("event 3");
          three_events_ran.set_value();
        });
      });
    });
  });
  CHECK(lines == Lines{"event 1", "event 2", "event 3", "result 1"});
}

TEST_CASE("hidden 10: a computation that returns a future is awaited in the new isolate",
          "[step10]") {
  const Lines lines = run_program([] {
    Isolate::run([] {
      return Future<int>::delayed(1h, [] { return 7; }).then([](const int& v) { return v * 6; });
    }).then([](const int& v) { print("result ", v); });
  });
  CHECK(lines == Lines{"result 42"});
}

TEST_CASE("hidden 10: a computation that returns nothing completes a Future<void>", "[step10]") {
  const Lines lines =
      run_program([] { Isolate::run([] { print("working"); }).then([] { print("done"); }); });
  CHECK(lines == Lines{"working", "done"});
}

TEST_CASE(
    "hidden 10: a thrown exception reaches the caller as itself, not as a copy of its "
    "text",
    "[step10]") {
  std::string seen;
  run_program([&seen] {
    Isolate::run([]() -> int {
      throw std::invalid_argument("negative radius");
    }).catch_error([&seen](const std::exception_ptr& e) {
      seen = kind_of(e);
      return 0;
    });
  });
  CHECK(seen == "invalid_argument|negative radius");
}

TEST_CASE("hidden 10: the error of the computation's future fails the caller's future",
          "[step10]") {
  std::string seen;
  run_program([&seen] {
    Isolate::run([] {
      return Future<int>::delayed(5ms, []() -> int { throw std::out_of_range("too late"); });
    }).catch_error([&seen](const std::exception_ptr& e) {
      seen = kind_of(e);
      return 0;
    });
  });
  CHECK(seen == "out_of_range|too late");
}

TEST_CASE(
    "hidden 10: the computation's isolate ends with its result: its timers and "
    "microtasks never run",
    "[step10]") {
  const Lines lines = run_program([] {
    Isolate::run([] {
      Timer(1ms, [] { print("timer of the finished isolate"); });
      Timer::run([] { print("zero timer of the finished isolate"); });
      schedule_microtask([] { print("microtask of the finished isolate"); });
      return 5;
    }).then([](const int& v) { print("result ", v); });
  });
  CHECK(lines == Lines{"result 5"});
}

TEST_CASE(
    "hidden 10: an isolate that ends without a result fails the future with a "
    "RemoteError",
    "[step10]") {
  std::string seen;
  run_program([&seen] {
    // Nothing ever completes this future: the new isolate runs out of things to do.
    Isolate::run([] {
      return Completer<int>().future();
    }).catch_error([&seen](const std::exception_ptr& e) {
      seen = kind_of(e);
      return 0;
    });
  });
  CHECK(seen == "RemoteError|Computation ended without result");
}

TEST_CASE(
    "hidden 10: an uncaught error that ends the computation's isolate fails the future "
    "with a RemoteError carrying its text",
    "[step10]") {
  std::string seen;
  const Lines lines = run_program([&seen] {
    Isolate::run([] {
      schedule_microtask([] { throw std::runtime_error("async boom"); });
      return Future<int>::delayed(5ms, [] { return 1; });  // never completes: the error ends it
    }).catch_error([&seen](const std::exception_ptr& e) {
      seen = kind_of(e);
      return 0;
    });
  });
  CHECK(seen == "RemoteError|async boom");
  CHECK(lines.empty());
}

TEST_CASE("hidden 10: two computations run side by side; each result comes to its own future",
          "[step10]") {
  Lines results;
  run_program([&results] {
    for (int i = 1; i <= 2; ++i) {
      Isolate::run([i] { return i * 100; }).then([&results](const int& v) {
        results.push_back(std::to_string(v));
      });
    }
  });
  std::sort(results.begin(), results.end());
  CHECK(results == Lines{"100", "200"});
}

// --- Files -------------------------------------------------------------------------------------

TEST_CASE("hidden 10: a file's content arrives as an event, behind the events queued before",
          "[step10]") {
  const ScratchFile file("events.txt");
  std::ofstream(file.path) << "line one\nline two\n";
  const Lines lines = run_program([&file] {
    Timer::run([] { print("zero timer"); });
    io::read_file(file.path).then(
        [](const std::string& text) { print("read ", text.size(), " bytes"); });
    schedule_microtask([] { print("microtask"); });
    print("asked");
  });
  CHECK(lines == Lines{"asked", "microtask", "zero timer", "read 18 bytes"});
}

TEST_CASE("hidden 10: a pending read keeps the isolate alive; the loop ends after it", "[step10]") {
  const ScratchFile file("alive.txt");
  std::ofstream(file.path) << "still here";
  const Lines lines = run_program(
      [&file] { io::read_file(file.path).then([](const std::string& text) { print(text); }); });
  CHECK(lines == Lines{"still here"});
}

TEST_CASE("hidden 10: the read completes on the isolate's thread, not on an I/O thread",
          "[step10]") {
  const ScratchFile file("thread.txt");
  std::ofstream(file.path) << "x";
  const std::string main_thread = this_thread_name();
  std::string handled_on;
  run_program([&file, &handled_on] {
    io::read_file(file.path).then(
        [&handled_on](const std::string&) { handled_on = this_thread_name(); });
  });
  CHECK(handled_on == main_thread);
}

TEST_CASE("hidden 10: a file written, then read back", "[step10]") {
  const ScratchFile file("round-trip.txt");
  const Lines lines = run_program([&file] {
    Timer::run([] { print("zero timer"); });
    io::write_file(file.path, "round\ntrip")
        .then([&file] {
          print("written");
          return io::read_file(file.path);
        })
        .then([](const std::string& text) { print("read back ", text.size(), " bytes"); });
  });
  CHECK(lines == Lines{"zero timer", "written", "read back 10 bytes"});
  std::ifstream in(file.path);
  std::ostringstream on_disk;
  on_disk << in.rdbuf();
  CHECK(on_disk.str() == "round\ntrip");
}

TEST_CASE("hidden 10: reading a missing file fails with a FileSystemException", "[step10]") {
  const ScratchFile file("missing.txt");  // never created
  std::string seen;
  std::string operation;
  std::string address;
  run_program([&] {
    io::read_file(file.path).catch_error([&](const std::exception_ptr& e) {
      seen = kind_of(e);
      try {
        std::rethrow_exception(e);
      } catch (const io::FileSystemException& error) {
        operation = error.operation();
        address = error.address();
      } catch (...) {
      }
      return std::string();
    });
  });
  CHECK(seen ==
        "FileSystemException|FileSystemException: open failed: No such file or "
        "directory (" +
            file.path + ")");
  CHECK(operation == "open");
  CHECK(address == file.path);
}

TEST_CASE("hidden 10: several reads at once each complete their own future", "[step10]") {
  const ScratchFile a("a.txt");
  const ScratchFile b("b.txt");
  const ScratchFile c("c.txt");
  std::ofstream(a.path) << "alpha";
  std::ofstream(b.path) << "beta";
  std::ofstream(c.path) << "gamma";
  Lines read;
  run_program([&] {
    for (const ScratchFile* f : {&a, &b, &c}) {
      io::read_file(f->path).then([&read](const std::string& text) { read.push_back(text); });
    }
  });
  std::sort(read.begin(), read.end());
  CHECK(read == Lines{"alpha", "beta", "gamma"});
}

TEST_CASE("hidden 10: a computation may do I/O: its isolate waits for it, then ends", "[step10]") {
  const ScratchFile file("from-an-isolate.txt");
  std::ofstream(file.path) << "forty-two";
  const Lines lines = run_program([path = file.path] {
    Isolate::run([path] {
      return io::read_file(path).then([](const std::string& text) { return text.size(); });
    }).then([](const std::size_t& n) { print("the isolate read ", n, " bytes"); });
  });
  CHECK(lines == Lines{"the isolate read 9 bytes"});
}
