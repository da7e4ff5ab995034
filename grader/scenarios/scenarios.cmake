# The grading scenarios of scenarios.json, for CMake: the kit's build (reference programs and
# the self-check) and a submission's build read the same manifest.
#
# load_scenarios(<kit root>) sets SCENARIO_IDS and, for each id, SCENARIO_<id>_NAME,
# SCENARIO_<id>_STEP and SCENARIO_<id>_SOURCE (absolute). The id is the name made a C
# identifier, as dartloop-grade makes it (scenario_id in grader/tool/scenario.cpp).
macro(load_scenarios kit_root)
  set(_manifest "${kit_root}/grader/scenarios/scenarios.json")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_manifest}")
  file(READ "${_manifest}" _json)
  string(JSON _count LENGTH "${_json}" scenarios)
  set(SCENARIO_IDS "")
  if(_count GREATER 0)
    math(EXPR _last "${_count} - 1")
    foreach(_i RANGE ${_last})
      string(JSON _name GET "${_json}" scenarios ${_i} name)
      string(JSON _step GET "${_json}" scenarios ${_i} step)
      string(JSON _source GET "${_json}" scenarios ${_i} source)
      string(MAKE_C_IDENTIFIER "${_name}" _id)
      list(APPEND SCENARIO_IDS "${_id}")
      set(SCENARIO_${_id}_NAME "${_name}")
      set(SCENARIO_${_id}_STEP "${_step}")
      set(SCENARIO_${_id}_SOURCE "${kit_root}/${_source}")
    endforeach()
  endif()
endmacro()

# scenario_program(<target> <id> <runtime library>... ) - the scenario's source, its `main`
# renamed for the scenario runner, on the given runtime. The runner itself (and the reference
# side) is linked by the caller.
function(scenario_program target id)
  add_executable(${target} "${SCENARIO_${id}_SOURCE}")
  # The scenario's own main becomes the runner's callee; only this source is compiled here.
  target_compile_definitions(${target} PRIVATE main=dartloop_scenario_main)
  target_include_directories(${target} PRIVATE "${SCENARIOS_DIR}")
  target_link_libraries(${target} PRIVATE ${ARGN})
endfunction()
set(SCENARIOS_DIR "${CMAKE_CURRENT_LIST_DIR}")
