# A lesson example prints exactly its .expected lines, and the lesson's README gives that same
# answer (so a lesson can never disagree with the runtime).
#   cmake -DEXE=<program> -DEXPECTED=<file.expected> -DREADME=<lesson README.md> -DNAME=<example>
#         -P check_example.cmake
execute_process(COMMAND "${EXE}" OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE code
                TIMEOUT 60)
file(READ "${EXPECTED}" expected)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "${NAME}: exit code ${code}\n${out}${err}")
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
