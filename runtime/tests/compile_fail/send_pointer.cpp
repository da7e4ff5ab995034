// Must not compile: a pointer would let two isolates reach the same memory.
#include "dartloop/dartloop.hpp"

void send_address(const dartloop::SendPort& port, int* value) { port.send(value); }
