# Draws lesson 0's seed puzzle just before step 2 and checks the DOT file against the run.
# Step 1 was main (the first event); step 2 is the microtask printing 3, taken out of its
# queue. Left behind: the microtask printing 5, and the two zero-duration timers (2 before 4)
# as events and as pending timers; printed so far: 1 and 6.
cmake_minimum_required(VERSION 3.25)  # script mode: today's policies (IN_LIST, ...)
include("${CMAKE_CURRENT_LIST_DIR}/../make_diagram.cmake")
file(READ "${OUT}" dot)
string(REPLACE ";" "," dot "${dot}")  # a CMake list would split the labels' code at each ;

# The body of one cluster, or a failure naming it.
function(cluster out id)
  string(FIND "${dot}" "subgraph cluster_${id} {" begin)
  if(begin EQUAL -1)
    message(FATAL_ERROR "no cluster_${id} in ${OUT}:\n${dot}")
  endif()
  string(SUBSTRING "${dot}" ${begin} -1 rest)
  string(FIND "${rest}" "\n  }\n" end)  # labels hold braces too: the cluster's own line ends it
  string(SUBSTRING "${rest}" 0 ${end} body)
  set(${out} "${body}" PARENT_SCOPE)
endfunction()

# Fails unless the nodes of cluster @p id show exactly the @p codes (source lines), in order.
function(expect_lines id)
  cluster(body ${id})
  string(REGEX MATCHALL "${id}[0-9]+ \\[label=\"[^\n]*" nodes "${body}")
  list(LENGTH nodes n)
  list(LENGTH ARGN want)
  if(NOT n EQUAL want)
    message(FATAL_ERROR "cluster_${id} has ${n} node(s), the trace ${want}:\n${body}")
  endif()
  set(i 0)
  foreach(code IN LISTS ARGN)
    list(GET nodes ${i} node)
    string(FIND "${node}" "${code}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "cluster_${id} node ${i} is not `${code}`:\n${node}")
    endif()
    math(EXPR i "${i} + 1")
  endforeach()
endfunction()

expect_lines(running "#3  microtask")
expect_lines(running "print(\\\"3\\\")")
expect_lines(micro "schedule_microtask([] { print(\\\"5\\\")")  # (no ; in a CMake list)
expect_lines(events "print(\\\"2\\\")" "Future<void>::delayed(Duration::zero()")
expect_lines(timers "print(\\\"2\\\")" "Future<void>::delayed(Duration::zero()")
cluster(printed printed)
if(NOT printed MATCHES "label=\"1\\\\l6\\\\l\"")
  message(FATAL_ERROR "printed so far should be 1 and 6:\n${printed}")
endif()
message(STATUS "seed puzzle step 2: the diagram shows the queues of the run")
