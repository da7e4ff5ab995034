# Runs a demo and checks its exit code and that its combined output matches a pattern.
# Usage: cmake -DDEMO=exe -DARGS="a;b" -DEXPECT_CODE=n -DEXPECT=regex -P check_demo.cmake
execute_process(COMMAND ${DEMO} ${ARGS} RESULT_VARIABLE code OUTPUT_VARIABLE out
                ERROR_VARIABLE err INPUT_FILE /dev/null)
if(NOT code EQUAL EXPECT_CODE)
  message(FATAL_ERROR "expected exit code ${EXPECT_CODE}, got ${code}\n${out}\n${err}")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "output does not match '${EXPECT}':\n${out}\n${err}")
endif()
