# ctest's install_consumer: installs weir from WEIR_BUILD_DIR into WORK_DIR/prefix, then builds
# and runs consumer.c against it four ways: find_package(weir) with weir::weir and with
# weir::weir_static, and pkg-config, shared and static (Libs.private).
# Inputs (-D): WEIR_BUILD_DIR WORK_DIR CONSUMER_DIR GENERATOR MAKE_PROGRAM C_COMPILER PKG_CONFIG LIBDIR
cmake_minimum_required(VERSION 3.18)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install_consumer: ${what} failed (${rc}):\n${ARGN}\n${out}${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

# Adds -Wl,-rpath for each -L directory in the list named by var, so the program runs as built.
function(add_rpaths var)
  set(flags ${${var}})
  foreach(f IN LISTS ${var})
    if(f MATCHES "^-L(.+)")
      list(APPEND flags "-Wl,-rpath,${CMAKE_MATCH_1}")
    endif()
  endforeach()
  set(${var} ${flags} PARENT_SCOPE)
endfunction()

# Runs a consumer program and checks it printed an array.
function(check_program what exe)
  run("${what}" "${exe}")
  if(NOT run_output MATCHES "array\\(\\[")
    message(FATAL_ERROR "install_consumer: ${what} printed:\n${run_output}")
  endif()
  message(STATUS "${what}: ${run_output}")
endfunction()

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
run("install" "${CMAKE_COMMAND}" --install "${WEIR_BUILD_DIR}" --prefix "${prefix}")

# find_package(weir)
set(gen_args -G "${GENERATOR}")
if(MAKE_PROGRAM)
  list(APPEND gen_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
run("configure with find_package" "${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${WORK_DIR}/cmake"
    ${gen_args} "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DCMAKE_PREFIX_PATH=${prefix}")
run("build with find_package" "${CMAKE_COMMAND}" --build "${WORK_DIR}/cmake")
check_program("find_package, weir::weir" "${WORK_DIR}/cmake/consumer_shared")
check_program("find_package, weir::weir_static" "${WORK_DIR}/cmake/consumer_static")

# pkg-config
if(NOT PKG_CONFIG)
  message(STATUS "pkg-config not found: its half of the test is skipped")
  return()
endif()
set(ENV{PKG_CONFIG_PATH} "${prefix}/${LIBDIR}/pkgconfig")
run("pkg-config --cflags --libs weir" "${PKG_CONFIG}" --cflags --libs weir)
separate_arguments(flags UNIX_COMMAND "${run_output}")
add_rpaths(flags)
run("build with pkg-config" "${C_COMPILER}" "${CONSUMER_DIR}/consumer.c" -o "${WORK_DIR}/pc_shared" ${flags})
check_program("pkg-config, shared" "${WORK_DIR}/pc_shared")

run("pkg-config --static --cflags --libs weir" "${PKG_CONFIG}" --static --cflags --libs weir)
separate_arguments(flags UNIX_COMMAND "${run_output}")
list(TRANSFORM flags REPLACE "^-lweir$" "-l:libweir.a") # the archive, though libweir.so sits beside it
add_rpaths(flags)
run("build with pkg-config --static" "${C_COMPILER}" "${CONSUMER_DIR}/consumer.c" -o "${WORK_DIR}/pc_static"
    ${flags})
check_program("pkg-config, static" "${WORK_DIR}/pc_static")
