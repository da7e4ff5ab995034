// Step 10: files read and written off the isolate's thread, their outcome coming back as an
// event. The I/O threads and the blocking work are given; you write start_file_operation.
#include "io.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "dartloop/todo.hpp"
#include "receive_port.hpp"  // step 9
#include "send_port.hpp"     // step 9

namespace dartloop {

namespace io::detail {

/// What an I/O thread found: the data read, or what failed and why.
struct FileResult {
  std::string data;       ///< The content read (read_file only).
  std::string operation;  ///< The operation that failed ("open", "read", "write").
  std::string error;      ///< The OS's explanation; empty on success.
};

}  // namespace io::detail

// Strings only: an I/O thread's result may travel to the isolate as a message.
template <>
struct detail::sendable<io::detail::FileResult> : std::true_type {};

namespace io {

namespace detail {

// --- Given: the I/O threads and the blocking work they do ---------------------------------

// The process's I/O threads, shared by every isolate (the Dart VM has one such pool too).
// Boost.Asio's thread_pool runs each posted function on one of its threads.
boost::asio::thread_pool& io_threads() {
  static boost::asio::thread_pool pool(2);
  return pool;
}

std::string os_message(int error) { return std::generic_category().message(error); }

// Blocking reads and writes: they run on an I/O thread, never on an isolate's.
FileResult read_whole(const std::string& path) {
  FileResult r;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return {"", "open", os_message(errno)};
  char block[16384];
  std::size_t n = 0;
  while ((n = std::fread(block, 1, sizeof block, f)) > 0) r.data.append(block, n);
  if (std::ferror(f) != 0) r = {"", "read", os_message(errno != 0 ? errno : EIO)};
  std::fclose(f);
  return r;
}

FileResult write_whole(const std::string& path, const std::string& data) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return {"", "open", os_message(errno)};
  FileResult r;
  if (std::fwrite(data.data(), 1, data.size(), f) != data.size()) {
    r = {"", "write", os_message(errno)};
  }
  if (std::fclose(f) != 0 && r.error.empty()) r = {"", "write", os_message(errno)};
  return r;
}

// --- Step 10: from the I/O thread back to the isolate ---------------------------------------

/// Runs @p job on an I/O thread; the future completes in the event that brings its result.
template <class T, class Job>
Future<T> start_file_operation(std::string path, Job job) {
  // TODO(step 10): a Completer<T>, and a RawReceivePort that waits for the job's FileResult:
  // on it, close the port and complete the future (or fail it with a FileSystemException
  // naming r.operation, the path and r.error). Then post to io_threads() a function that runs
  // `job()` and sends its result to the port. The I/O thread must not touch the loop.
  (void)path;
  (void)job;
  todo("step 10: start_file_operation");
  return Future<T>();  // never reached
}

}  // namespace detail

Future<std::string> read_file(std::string path) {
  return detail::start_file_operation<std::string>(path,
                                                   [path] { return detail::read_whole(path); });
}

Future<void> write_file(std::string path, std::string data) {
  return detail::start_file_operation<void>(
      path, [path, data = std::move(data)] { return detail::write_whole(path, data); });
}

}  // namespace io

}  // namespace dartloop
