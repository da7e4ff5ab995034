#pragma once
// Step 9: Dart's Isolate.spawn. `spawn` (given) copies the message and wraps the entry;
// `start` (yours, in ports.cpp) does the rest.
//
// An isolate is a thread with its own event loop, its own queues and its own timers. It
// shares nothing with the others: what it needs arrives as a copied message, and what it
// has to say it sends to a port.
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#include "future.hpp"  // step 4
#include "message.hpp"
#include "receive_port.hpp"
#include "send_port.hpp"

namespace dartloop {

/// A handle to an isolate.
class Isolate {
 public:
  /// An empty handle.
  Isolate() noexcept = default;

  /// Starts a new isolate that runs `entry(message)` as its first event. The message is
  /// copied now; the future completes once the new isolate runs (its "ready" message).
  template <class F, class M>
  static Future<Isolate> spawn(F entry, M&& message) {
    static_assert(std::is_empty_v<F> || std::is_function_v<std::remove_pointer_t<F>>,
                  "Isolate::spawn: the entry must capture nothing; it runs on another "
                  "thread, so pass what it needs in the message");
    using Arg = std::conditional_t<std::is_convertible_v<M, const char*>, std::string,
                                   std::remove_cvref_t<M>>;
    Message copy = detail::to_message(std::forward<M>(message));  // copied now, like a send
    return start([entry, copy = std::move(copy)]() mutable {
      (void)entry(std::move(copy).template take<Arg>());
    });
  }

  /// Step 10 (exercises/10-isolate-run-and-io/isolate_run.hpp): runs @p computation on a new
  /// isolate and completes with what it returns (or fails with what it throws).
  template <class F>
  static auto run(F computation);

 private:
  /// Step 9 (ports.cpp): starts a new isolate whose first event is @p entry.
  static Future<Isolate> start(std::function<void()> entry);
};

}  // namespace dartloop

#include "isolate_run.hpp"  // step 10: Isolate::run
