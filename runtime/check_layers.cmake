# Fails when a runtime header includes one from its own layer's future: the headers, lowest
# first. A header may include only headers listed before it, so the folder reads bottom-up.
set(order
  small_function task clock errors detail/ring_queue detail/pool
  microtask_queue event_queue inbox queue_snapshot timer_queue
  loop_observer event_loop timer print
  detail/future_state future completer async
  detail/chunked_fifo detail/pending_events stream_subscription detail/controller_core detail/forwarding_stream
  stream stream_controller stream_iterator async_star
  message send_port detail/isolate_state receive_port isolate dartloop
  tracer trace_writers starvation_watchdog
  io/io_error io/tcp_socket io/tcp_server io/http io/file)

set(failures "")
list(LENGTH order count)
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  list(GET order ${i} name)
  set(path "${DIR}/include/dartloop/${name}.hpp")
  if(NOT EXISTS "${path}")
    string(APPEND failures "\n  ${name}.hpp is listed but missing")
    continue()
  endif()
  file(STRINGS "${path}" includes REGEX "^#include \"dartloop/")
  foreach(line IN LISTS includes)
    string(REGEX REPLACE "^#include \"dartloop/(.*)\\.hpp\".*" "\\1" dep "${line}")
    list(FIND order "${dep}" j)
    if(j EQUAL -1)
      string(APPEND failures "\n  ${name}.hpp includes ${dep}.hpp, which has no layer")
    elseif(NOT j LESS i)
      string(APPEND failures "\n  ${name}.hpp includes ${dep}.hpp, a higher layer")
    endif()
  endforeach()
endforeach()

file(GLOB_RECURSE headers RELATIVE "${DIR}/include/dartloop" "${DIR}/include/dartloop/*.hpp")
foreach(h IN LISTS headers)
  string(REGEX REPLACE "\\.hpp$" "" h "${h}")
  list(FIND order "${h}" j)
  if(j EQUAL -1)
    string(APPEND failures "\n  ${h}.hpp is not placed in a layer (add it to check_layers.cmake)")
  endif()
endforeach()

if(failures)
  message(FATAL_ERROR "layering broken:${failures}")
endif()
message(STATUS "layering ok: ${count} headers, each includes only lower layers")
