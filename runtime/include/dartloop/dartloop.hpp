#pragma once
/// @file
/// @brief The whole core API of dartloop, in layer order.

// clang-format off: layer order, lowest first, is the point of this list
#include "dartloop/async.hpp"                // IWYU pragma: export
#include "dartloop/async_star.hpp"           // IWYU pragma: export
#include "dartloop/clock.hpp"                // IWYU pragma: export
#include "dartloop/completer.hpp"            // IWYU pragma: export
#include "dartloop/errors.hpp"               // IWYU pragma: export
#include "dartloop/event_loop.hpp"           // IWYU pragma: export
#include "dartloop/event_queue.hpp"          // IWYU pragma: export
#include "dartloop/future.hpp"               // IWYU pragma: export
#include "dartloop/inbox.hpp"                // IWYU pragma: export
#include "dartloop/isolate.hpp"              // IWYU pragma: export
#include "dartloop/message.hpp"              // IWYU pragma: export
#include "dartloop/microtask_queue.hpp"      // IWYU pragma: export
#include "dartloop/print.hpp"                // IWYU pragma: export
#include "dartloop/receive_port.hpp"         // IWYU pragma: export
#include "dartloop/send_port.hpp"            // IWYU pragma: export
#include "dartloop/small_function.hpp"       // IWYU pragma: export
#include "dartloop/stream.hpp"               // IWYU pragma: export
#include "dartloop/stream_controller.hpp"    // IWYU pragma: export
#include "dartloop/stream_iterator.hpp"      // IWYU pragma: export
#include "dartloop/stream_subscription.hpp"  // IWYU pragma: export
#include "dartloop/task.hpp"                 // IWYU pragma: export
#include "dartloop/timer.hpp"                // IWYU pragma: export
#include "dartloop/timer_queue.hpp"          // IWYU pragma: export
// clang-format on
