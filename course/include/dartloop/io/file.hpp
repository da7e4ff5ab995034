#pragma once
// Scaffold (given): reading and writing files. As in the reference runtime, I/O sits beside
// the core: a program that uses it includes this header besides dartloop/dartloop.hpp. You
// write it in step 10 (exercises/10-isolate-run-and-io/io.hpp and io.cpp).
#include "io.hpp"  // step 10
