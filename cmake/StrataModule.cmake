# Warnings and sanitizers apply to our own targets only, never to dependencies.
function(strata_apply_flags target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wshadow -Wsign-compare -Wnon-virtual-dtor -Werror=unused-result)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${target} PRIVATE -Wthread-safety)
  endif()
  if(STRATA_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${STRATA_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${STRATA_SANITIZE})
  endif()
endfunction()

# strata_module(<name> SOURCES ... DEPS ...) defines the static library
# strata_<name>, whose public headers are included by path from the repository
# root ("storage/database.h").
function(strata_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_SOURCES)
    # A module whose issue has not landed yet: its target exists so that
    # dependents can name it, and it holds no code.
    add_library(strata_${name} INTERFACE)
    target_include_directories(strata_${name} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(strata_${name} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(strata_${name} STATIC ${ARG_SOURCES})
  target_include_directories(strata_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(strata_${name} PUBLIC ${ARG_DEPS})
  strata_apply_flags(strata_${name})
endfunction()

function(strata_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  strata_apply_flags(${name})
endfunction()

# strata_unit_test(<module> SOURCES ...) builds tests/unit/<module> into one
# gtest binary and registers each test case with ctest.
function(strata_unit_test module)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  set(target strata_${module}_test)
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE strata_${module} strata_testing ${ARG_DEPS}
    GTest::gtest GTest::gmock GTest::gtest_main)
  strata_apply_flags(${target})
  set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  include(GoogleTest)
  gtest_discover_tests(${target} DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS "unit;${module};${ARG_LABELS}")
endfunction()
