// Must not compile: the struct opted in, but one of its fields shares memory.
#include <string>

#include "dartloop/dartloop.hpp"

struct Job {
  std::string name;
  int* result = nullptr;
};
template <>
struct dartloop::sendable<Job> : std::true_type {};

void send_job(const dartloop::SendPort& port) { port.send(Job{"sum", nullptr}); }
