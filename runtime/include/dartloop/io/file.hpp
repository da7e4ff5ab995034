#pragma once
/// @file
/// @brief Whole-file reads and writes, done off the isolate's thread (Dart's `File`).
///
/// As in the Dart VM, the isolate does not touch the disk: a small shared pool of I/O
/// threads does, and posts the outcome back to the isolate as one event, scheduled at the
/// line of the call (`EventLoop::post` is the one call that other threads may make). While
/// an operation is outstanding it holds an `EventLoop::IoWork`, so the isolate waits for it.
/// On a virtual clock an idle loop with a timer pending jumps to the timer instead of
/// waiting (see `tcp_socket.hpp`). If the isolate ends first, the result is dropped: a
/// worker never posts to a loop that is gone.

#include <source_location>
#include <string>

#include "dartloop/future.hpp"
#include "dartloop/io/io_error.hpp"

namespace dartloop::io {

/// @brief The whole content of the file at @p path; fails with `FileSystemException`.
Future<std::string> read_file(std::string path,
                              std::source_location where = std::source_location::current());

/// @brief Replaces the file at @p path by @p data (creating it); fails with
/// `FileSystemException`.
Future<void> write_file(std::string path, std::string data,
                        std::source_location where = std::source_location::current());

}  // namespace dartloop::io
