// The Catch2 main of every course test program.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
