#pragma once
// Step 10 (given whole: read it, it is short): reading and writing whole files the way
// Dart's dart:io does it. The isolate never touches the disk: a pool of I/O threads does,
// and the outcome comes back to the isolate as a message to a port, so as an EVENT. Programs
// include it as <dartloop/io/file.hpp>, the reference runtime's name for it.
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "future.hpp"  // step 4

namespace dartloop::io {

/// Base of every I/O error (Dart's IOException); `what()` reads
/// "<Kind>: <operation> failed: <OS message> (<address>)".
class IoException : public std::runtime_error {
 public:
  /// An error of kind @p kind in @p operation on @p address, as the OS explained it.
  IoException(std::string_view kind, std::string operation, std::string address,
              std::string os_message)
      : std::runtime_error(text(kind, operation, address, os_message)),
        operation_(std::move(operation)),
        address_(std::move(address)),
        os_message_(std::move(os_message)) {}
  /// The operation that failed ("open", "read", "write").
  [[nodiscard]] const std::string& operation() const noexcept { return operation_; }
  /// What it was done on (here: the file's path).
  [[nodiscard]] const std::string& address() const noexcept { return address_; }
  /// The operating system's explanation.
  [[nodiscard]] const std::string& os_message() const noexcept { return os_message_; }

 private:
  static std::string text(std::string_view kind, const std::string& operation,
                          const std::string& address, const std::string& os_message) {
    std::string t(kind);
    t += ": " + operation + " failed";
    if (!os_message.empty()) t += ": " + os_message;
    if (!address.empty()) t += " (" + address + ")";
    return t;
  }

  std::string operation_;
  std::string address_;
  std::string os_message_;
};

/// A file operation failed (Dart's FileSystemException).
class FileSystemException : public IoException {
 public:
  /// @p operation on the file @p path failed with @p os_message.
  FileSystemException(std::string operation, std::string path, std::string os_message)
      : IoException("FileSystemException", std::move(operation), std::move(path),
                    std::move(os_message)) {}
};

/// Step 10 (io.cpp): the whole content of the file at @p path; fails with
/// FileSystemException.
Future<std::string> read_file(std::string path);

/// Step 10 (io.cpp): replaces the file at @p path by @p data (creating it); fails with
/// FileSystemException.
Future<void> write_file(std::string path, std::string data);

}  // namespace dartloop::io
