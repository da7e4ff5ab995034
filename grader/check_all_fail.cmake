# Passes when the test program EXE fails EVERY one of its test cases (and ran at least one):
# a hidden test that passes on the starter code tests nothing the learner wrote.
#   cmake -DEXE=<hidden test program> -P check_all_fail.cmake
execute_process(COMMAND "${EXE}" -r xml OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE code TIMEOUT 120)
string(REGEX MATCHALL "<OverallResultsCases successes=\"[0-9]+\" failures=\"[0-9]+\"" totals "${out}")
list(LENGTH totals n)
if(n EQUAL 0)
  message(FATAL_ERROR "${EXE} printed no Catch2 totals (crashed? exit ${code}):\n${out}\n${err}")
endif()
list(GET totals -1 last)
string(REGEX REPLACE ".*successes=\"([0-9]+)\" failures=\"([0-9]+)\"" "\\1;\\2" counts "${last}")
list(GET counts 0 passed)
list(GET counts 1 failed)
if(failed EQUAL 0 OR NOT passed EQUAL 0)
  string(REGEX MATCHALL "<TestCase name=\"[^\"]*\"[^>]*>[^<]*(<[^/][^>]*>[^<]*)*<OverallResult success=\"true\"" passing "${out}")
  message(FATAL_ERROR "${passed} hidden case(s) pass on the starter code (they test nothing the "
                      "learner writes); ${failed} fail.\n${passing}")
endif()
message(STATUS "all ${failed} cases fail on the starter code")
