#pragma once
// Scaffold (given): the starvation watchdog, a tool beside the runtime rather than part of
// Dart's model. As in the reference runtime, a program that uses it includes this header
// besides dartloop/dartloop.hpp. You write it in step 8 (exercises/08-*/watchdog.hpp).
#include "watchdog.hpp"  // step 8
