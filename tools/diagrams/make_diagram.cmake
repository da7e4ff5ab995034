# Runs a diagram build of a lesson example (tools/diagrams/diagram_hook.cpp linked in) and
# checks that it wrote its Graphviz file; optionally renders it with dot. Used by the build
# (docs/CMakeLists.txt) and by ctest, so a diagram that cannot be drawn fails both.
#   cmake -DEXE=<program> -DSPEC=<step=N|timeline [loop=K]> -DOUT=<file.dot> [-DTITLE=<title>]
#         [-DNAME=<what to call it in errors>] [-DDOT=<dot> -DSVG=<file.svg>] -P make_diagram.cmake
# With -DERROR=<message> it only reports that message and fails (a marker that is wrong).
cmake_minimum_required(VERSION 3.25)  # script mode: today's policies (IN_LIST, ...)
if(DEFINED ERROR)
  message(FATAL_ERROR "${ERROR}")
endif()
foreach(var EXE SPEC OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "make_diagram.cmake: -D${var}=... is missing")
  endif()
endforeach()
if(NOT DEFINED NAME)
  set(NAME "${EXE}")
endif()
if(NOT DEFINED TITLE)
  set(TITLE "")
endif()

get_filename_component(out_dir "${OUT}" DIRECTORY)
file(MAKE_DIRECTORY "${out_dir}")
file(REMOVE "${OUT}")
# The example's own exit code is not ours to judge (a lesson may end in an uncaught error on
# purpose): only the tool's report and the file decide.
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env "DARTLOOP_DIAGRAM=${SPEC}" "DARTLOOP_DIAGRAM_OUT=${OUT}"
          "DARTLOOP_DIAGRAM_TITLE=${TITLE}" "${EXE}"
  OUTPUT_VARIABLE program_out ERROR_VARIABLE program_err RESULT_VARIABLE code)
string(REPLACE ";" "," program_err "${program_err}")  # one error, one list element
string(REGEX MATCHALL "dartloop-diagram: error: [^\n]*" errors "${program_err}")
if(errors)
  list(JOIN errors "\n  " errors)
  message(FATAL_ERROR "diagram '${SPEC}' of ${NAME} cannot be drawn:\n  ${errors}")
endif()
if(NOT EXISTS "${OUT}")
  message(FATAL_ERROR "diagram '${SPEC}' of ${NAME} was not written (the program exited "
                      "with ${code} before its loop was destroyed?)\n${program_err}")
endif()

if(DEFINED SVG)
  file(REMOVE "${SVG}")
  execute_process(COMMAND "${DOT}" -Tsvg "${OUT}" -o "${SVG}"
                  RESULT_VARIABLE dot_code ERROR_VARIABLE dot_err)
  if(NOT dot_code EQUAL 0 OR NOT EXISTS "${SVG}")
    message(FATAL_ERROR "dot could not render ${OUT} (diagram '${SPEC}' of ${NAME}):\n${dot_err}")
  endif()
endif()
