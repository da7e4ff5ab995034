// Must not compile: an isolate's entry may not capture (it would share the captured memory).
#include "dartloop/dartloop.hpp"

void start(int& counter) {
  (void)dartloop::Isolate::spawn([&counter](std::nullptr_t) { ++counter; }, nullptr);
}
