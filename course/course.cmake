# How a course runtime is put together: the scaffold plus one folder per step. Used by the
# learners' build (course/CMakeLists.txt) and by the kit's self-check (grader/CMakeLists.txt).
#
# course_runtime(<target> DIRS <step folder>... [OVERRIDE <folder>])
#   A static library from course/src and every .cpp of the step folders, with the step folders
#   and course/include on the include path. OVERRIDE (a mutant) replaces the files of the same
#   name in the step folders: its .cpp files are compiled instead, its headers found first.
set(COURSE_DIR "${CMAKE_CURRENT_LIST_DIR}")

function(course_runtime target)
  cmake_parse_arguments(ARG "" "OVERRIDE" "DIRS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS "${COURSE_DIR}/src/*.cpp")
  set(overridden "")
  set(include_dirs "")
  if(ARG_OVERRIDE)
    file(GLOB override_files CONFIGURE_DEPENDS "${ARG_OVERRIDE}/*")
    foreach(f IN LISTS override_files)
      get_filename_component(name "${f}" NAME)
      list(APPEND overridden "${name}")
      if(name MATCHES "\\.cpp$")
        list(APPEND sources "${f}")
      endif()
    endforeach()
    list(APPEND include_dirs "${ARG_OVERRIDE}")
  endif()
  foreach(dir IN LISTS ARG_DIRS)
    if(NOT IS_DIRECTORY "${dir}")
      message(FATAL_ERROR "course: the step folder ${dir} is missing")
    endif()
    file(GLOB step_sources CONFIGURE_DEPENDS "${dir}/*.cpp")
    foreach(f IN LISTS step_sources)
      get_filename_component(name "${f}" NAME)
      if(NOT name IN_LIST overridden)
        list(APPEND sources "${f}")
      endif()
    endforeach()
    list(APPEND include_dirs "${dir}")
  endforeach()
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PUBLIC ${include_dirs} "${COURSE_DIR}/include")
  target_compile_features(${target} PUBLIC cxx_std_20)
  # Step 10's I/O threads are a Boost.Asio thread pool (header-only); isolates are threads.
  target_link_libraries(${target} PUBLIC Boost::headers Threads::Threads)
endfunction()

# course_step_number(<out var> <step folder name>): "01-microtask-queue" -> 1.
function(course_step_number out step)
  string(REGEX MATCH "^[0-9]+" number "${step}")
  math(EXPR number "${number} + 0")
  set(${out} ${number} PARENT_SCOPE)
endfunction()
