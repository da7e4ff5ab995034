#include "dartloop/io/io_error.hpp"

#include <utility>

namespace dartloop::io {

namespace {
std::string message_of(std::string_view kind, const std::string& operation,
                       const std::string& address, const std::string& os_message) {
  std::string m(kind);
  m += ": ";
  m += operation;
  m += " failed";
  if (!os_message.empty()) {
    m += ": ";
    m += os_message;
  }
  if (!address.empty()) {
    m += " (";
    m += address;
    m += ')';
  }
  return m;
}
}  // namespace

IoException::IoException(std::string_view kind, std::string operation, std::string address,
                         std::string os_message)
    : std::runtime_error(message_of(kind, operation, address, os_message)),
      operation_(std::move(operation)),
      address_(std::move(address)),
      os_message_(std::move(os_message)) {}

SocketException::SocketException(std::string operation, std::string address, std::string os_message)
    : IoException("SocketException", std::move(operation), std::move(address),
                  std::move(os_message)) {}

HttpException::HttpException(std::string operation, std::string address, std::string message)
    : IoException("HttpException", std::move(operation), std::move(address), std::move(message)) {}

FileSystemException::FileSystemException(std::string operation, std::string path,
                                         std::string os_message)
    : IoException("FileSystemException", std::move(operation), std::move(path),
                  std::move(os_message)) {}

}  // namespace dartloop::io
