#pragma once
/// @file
/// @brief The errors real I/O fails with: which operation, on what, and what the OS said.

#include <stdexcept>
#include <string>
#include <string_view>

namespace dartloop::io {

/// @brief Base of every I/O error (Dart's `IOException`); `what()` reads
/// "<Kind>: <operation> failed: <OS message> (<address>)".
///
/// An I/O error reaches user code the way any other asynchronous error does: as the error
/// of a `Future` or an error event of a `Stream`, never thrown out of the loop.
class IoException : public std::runtime_error {
 public:
  /// @brief An error of kind @p kind ("SocketException", ...) in @p operation on @p address.
  IoException(std::string_view kind, std::string operation, std::string address,
              std::string os_message);
  /// @brief The operation that failed ("connect", "read", "open", ...).
  [[nodiscard]] const std::string& operation() const noexcept { return operation_; }
  /// @brief What it was done on: "host:port", a URL or a file path.
  [[nodiscard]] const std::string& address() const noexcept { return address_; }
  /// @brief The operating system's (or parser's) explanation; may be empty.
  [[nodiscard]] const std::string& os_message() const noexcept { return os_message_; }

 private:
  std::string operation_;
  std::string address_;
  std::string os_message_;
};

/// @brief A socket operation failed (Dart's `SocketException`): refused, reset, unreachable.
class SocketException : public IoException {
 public:
  /// @brief @p operation on @p address failed with @p os_message.
  SocketException(std::string operation, std::string address, std::string os_message);
};

/// @brief An HTTP exchange failed above the socket (Dart's `HttpException`): a bad URL or
/// a malformed message.
class HttpException : public IoException {
 public:
  /// @brief @p operation on @p address failed with @p message.
  HttpException(std::string operation, std::string address, std::string message);
};

/// @brief A file operation failed (Dart's `FileSystemException`).
class FileSystemException : public IoException {
 public:
  /// @brief @p operation on the file @p path failed with @p os_message.
  FileSystemException(std::string operation, std::string path, std::string os_message);
};

}  // namespace dartloop::io
