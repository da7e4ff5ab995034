# Copies a lesson page for the Doxygen site with each diagram marker replaced by its image.
# The README in the source tree keeps the marker (an HTML comment), so it reads the same in a
# terminal, on a forge and in a student handout, none of which has the generated images.
#   cmake -DREADME=<lesson>/README.md -DOUT=<copy> -DNN=<lesson number> -DDIAGRAMS=<folder of
#         NN-STEM.svg> -P insert_diagrams.cmake
cmake_minimum_required(VERSION 3.25)  # script mode: today's policies (IN_LIST, ...)
include("${CMAKE_CURRENT_LIST_DIR}/lesson_diagrams.cmake")
file(READ "${README}" content)
lesson_diagram_markers(markers "${README}")
foreach(marker IN LISTS markers)
  lesson_diagram_parse(d "${marker}")
  set(image "${NN}-${d_STEM}.svg")
  if(NOT d_ERROR STREQUAL "" OR NOT EXISTS "${DIAGRAMS}/${image}")
    message(FATAL_ERROR "${README}: the diagram of <!-- diagram:${marker}--> was not "
                        "produced (${d_ERROR}${image}); ctest -R 'lesson\\.${NN}\\.diagram' says why")
  endif()
  # Doxygen's own command: it copies the image from IMAGE_PATH into the site.
  set(replacement "\\image html ${image}")
  if(NOT d_CAPTION STREQUAL "")
    string(APPEND replacement " \"${d_CAPTION}\"")
  endif()
  string(REPLACE "<!-- diagram:${marker}-->" "${replacement}" content "${content}")
endforeach()
file(WRITE "${OUT}.tmp" "${content}")
# Only a changed page is rewritten, so an unchanged lesson does not rerun Doxygen for nothing.
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
