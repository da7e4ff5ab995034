#pragma once
// Scaffold (given): everything of the course runtime, as the reference's dartloop.hpp is
// everything of the reference runtime. Tests and lesson examples include only this header,
// so the same file compiles against your runtime, the model solutions and the reference.
#include "dartloop/clock.hpp"
#include "dartloop/event_loop.hpp"
#include "dartloop/print.hpp"
#include "future.hpp"  // step 4
#include "timer.hpp"   // step 2
