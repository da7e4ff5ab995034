# A lesson example prints exactly its .expected lines, and the lesson's README gives that same
# answer (so a lesson can never disagree with the runtime). Optional, next to NAME.expected:
# NAME.exit holds the exit code the example must end with (otherwise 0), and NAME.stderr the
# text its standard error must begin with (the reference runtime adds a stack trace after it).
#   cmake -DEXE=<program> -DEXPECTED=<file.expected> -DREADME=<lesson README.md> -DNAME=<example>
#         -P check_example.cmake
execute_process(COMMAND "${EXE}" OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE code
                TIMEOUT 60)
file(READ "${EXPECTED}" expected)
string(REGEX REPLACE "\\.expected$" "" base "${EXPECTED}")
set(expected_code 0)
if(EXISTS "${base}.exit")
  file(READ "${base}.exit" expected_code)
  string(STRIP "${expected_code}" expected_code)
endif()
if(NOT code EQUAL expected_code)
  message(FATAL_ERROR "${NAME}: exit code ${code}, expected ${expected_code}\n${out}${err}")
endif()
if(EXISTS "${base}.stderr")
  file(READ "${base}.stderr" expected_err)
  string(FIND "${err}" "${expected_err}" at)
  if(NOT at EQUAL 0)
    message(FATAL_ERROR "${NAME}: standard error reads\n${err}\nbut ${base}.stderr says it "
                        "begins with\n${expected_err}")
  endif()
endif()
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "${NAME}: the program printed\n${out}\nbut ${EXPECTED} says\n${expected}")
endif()
if(README)
  # The answer block in the README: a line `<!-- answer: NAME -->`, then a ```text fence.
  file(READ "${README}" readme)
  string(FIND "${readme}" "<!-- answer: ${NAME} -->" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${README} has no `<!-- answer: ${NAME} -->` block")
  endif()
  string(SUBSTRING "${readme}" ${at} -1 rest)
  string(REGEX MATCH "```text\n([^`]*)```" block "${rest}")
  if(NOT CMAKE_MATCH_1 STREQUAL expected)
    message(FATAL_ERROR "${README}: the answer to ${NAME} reads\n${CMAKE_MATCH_1}\nbut the "
                        "program prints\n${expected}")
  endif()
endif()
