// Lesson 10: a file is read and written by an I/O thread; each outcome comes back to the
// isolate as an event, and a pending request keeps the isolate alive.
#include <unistd.h>

#include <algorithm>
#include <dartloop/dartloop.hpp>
#include <dartloop/io/file.hpp>
#include <filesystem>
#include <string>

using namespace dartloop;

int main() {
  // A scratch file of this process's own.
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("dartloop-lesson10-" + std::to_string(::getpid()) + ".txt"))
                               .string();
  EventLoop loop(ClockKind::virtual_time);
  const int code = loop.run([path] {
    Timer::run([] { print("zero timer"); });
    io::write_file(path, "one\ntwo\nthree\n")
        .then([path] {
          print("written");
          return io::read_file(path);
        })
        .then([path](const std::string& text) {
          print("read back ", std::count(text.begin(), text.end(), '\n'), " lines");
          return io::read_file(path + ".missing");
        })
        .catch_error([](const std::exception_ptr& e) {
          try {
            std::rethrow_exception(e);
          } catch (const io::FileSystemException& error) {
            print(error.operation(), " failed: ", error.os_message());
          }
          return std::string();
        });
    print("main returns");
  });
  std::filesystem::remove(path);
  return code;
}
