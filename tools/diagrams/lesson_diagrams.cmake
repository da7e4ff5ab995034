# Lesson diagrams: how a lesson declares them, shared by the build (tools/diagrams/, docs/) and
# the scripts that check and insert them.
#
# A lesson's README.md declares each diagram on a line of its own, as an HTML comment (invisible
# on a forge, harmless in a terminal):
#
#   <!-- diagram: EXAMPLE MOMENT [loop=K] [caption words...] -->
#
# EXAMPLE is a program of the lesson (examples/EXAMPLE.cpp). MOMENT is `step=N`: the queues just
# before the N-th task of the run starts (from 1), or `timeline`: the whole run, one box per
# task. `loop=K` draws the K-th loop the program made (default: the first). The caption is
# optional. The diagram's file is "NN-EXAMPLE-stepN.svg" (or "-timeline", then "-loopK").

# lesson_diagram_parse(<prefix> <marker text after "diagram:">) sets <prefix>_EXAMPLE,
# <prefix>_SPEC (the tool's DARTLOOP_DIAGRAM value), <prefix>_STEM (file name without the lesson
# number and extension), <prefix>_CAPTION, and <prefix>_ERROR (empty when the marker is good).
function(lesson_diagram_parse prefix text)
  string(STRIP "${text}" text)
  string(REGEX REPLACE " +" ";" words "${text}")
  set(example "")
  set(moment "")
  set(loop "")
  set(caption "")
  set(error "")
  if(text MATCHES "[;|\"\\\\]")
    set(error "a diagram marker may not contain ; | \" or \\")
    set(words "")
  endif()
  foreach(word IN LISTS words)
    if(example STREQUAL "" AND error STREQUAL "")
      if(NOT word MATCHES "^[A-Za-z0-9_]+$")
        set(error "'${word}' is not an example name (examples/NAME.cpp)")
      endif()
      set(example "${word}")
    elseif(caption STREQUAL "" AND word MATCHES "^(step=[1-9][0-9]*|timeline)$")
      if(NOT moment STREQUAL "")
        set(error "one moment per diagram: '${moment}' and '${word}'")
      endif()
      set(moment "${word}")
    elseif(caption STREQUAL "" AND word MATCHES "^loop=[1-9][0-9]*$")
      set(loop "${word}")
    elseif(caption STREQUAL "" AND word MATCHES "^(step|loop)=")
      set(error "'${word}' needs a whole number from 1")
    else()
      if(caption STREQUAL "")
        set(caption "${word}")
      else()
        string(APPEND caption " ${word}")
      endif()
    endif()
  endforeach()
  if(error STREQUAL "" AND example STREQUAL "")
    set(error "the marker names no example")
  elseif(error STREQUAL "" AND moment STREQUAL "")
    set(error "the marker names no moment (step=N or timeline)")
  endif()
  string(REPLACE "=" "" stem "${example}-${moment}")
  set(spec "${moment}")
  if(NOT loop STREQUAL "")
    string(REPLACE "=" "" loop_part "${loop}")
    string(APPEND stem "-${loop_part}")
    string(APPEND spec " ${loop}")
  endif()
  set(${prefix}_EXAMPLE "${example}" PARENT_SCOPE)
  set(${prefix}_SPEC "${spec}" PARENT_SCOPE)
  set(${prefix}_STEM "${stem}" PARENT_SCOPE)
  set(${prefix}_CAPTION "${caption}" PARENT_SCOPE)
  set(${prefix}_ERROR "${error}" PARENT_SCOPE)
endfunction()

# lesson_diagram_markers(<out> <readme>): the markers of @p readme, each the text after
# "diagram:", in page order.
function(lesson_diagram_markers out readme)
  file(READ "${readme}" content)
  string(REPLACE ";" "|" content "${content}")  # a ; would split a marker (parse refuses a |)
  string(REGEX MATCHALL "<!-- diagram:[^\n]*-->" found "${content}")
  set(markers "")
  foreach(m IN LISTS found)
    string(REGEX REPLACE "^<!-- diagram:(.*)-->$" "\\1" inner "${m}")
    list(APPEND markers "${inner}")
  endforeach()
  set(${out} "${markers}" PARENT_SCOPE)
endfunction()
