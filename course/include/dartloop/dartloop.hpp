#pragma once
// Scaffold (given): everything of the course runtime, as the reference's dartloop.hpp is
// everything of the reference runtime. Tests and lesson examples include only this header,
// so the same file compiles against your runtime, the model solutions and the reference.
#include "async_star.hpp"  // step 8
#include "dartloop/clock.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/print.hpp"
#include "future.hpp"         // step 4
#include "future_await.hpp"   // step 6
#include "future_errors.hpp"  // step 5
#include "isolate.hpp"        // step 9
#include "stream.hpp"         // step 7
#include "timer.hpp"          // step 2
