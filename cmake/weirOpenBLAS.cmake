# Finds OpenBLAS through its CBLAS interface (cblas.h + libopenblas) and defines the imported
# target weir::openblas. Used by weir's own build and, installed beside weirConfig.cmake, by
# find_package(weir) (weir::weir_static needs it at link time).
#
# Looks in pkg-config's `openblas` first, then in the usual places, including Debian/Ubuntu's
# per-variant directories (/usr/include/<arch>/openblas-pthread, /usr/lib/<arch>/openblas-pthread).
# To point it elsewhere: -DWEIR_OPENBLAS_LIBRARY=/path/libopenblas.so
#                        -DWEIR_CBLAS_INCLUDE_DIR=/dir/holding/cblas.h
# Sets WEIR_OPENBLAS_FOUND; leaves failing to the caller.

if(TARGET weir::openblas)
  set(WEIR_OPENBLAS_FOUND TRUE)
  return()
endif()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(WEIR_PC_OPENBLAS QUIET openblas)
endif()

set(_weir_blas_suffixes openblas openblas-pthread openblas-openmp openblas-serial)
if(CMAKE_LIBRARY_ARCHITECTURE)
  foreach(_weir_variant IN ITEMS openblas-pthread openblas-openmp openblas-serial openblas)
    list(APPEND _weir_blas_suffixes "${CMAKE_LIBRARY_ARCHITECTURE}/${_weir_variant}")
  endforeach()
endif()

find_library(WEIR_OPENBLAS_LIBRARY
  NAMES openblas openblasp openblaso
  HINTS ${WEIR_PC_OPENBLAS_LIBRARY_DIRS}
  PATH_SUFFIXES ${_weir_blas_suffixes}
  DOC "The OpenBLAS library weir links")
find_path(WEIR_CBLAS_INCLUDE_DIR cblas.h
  HINTS ${WEIR_PC_OPENBLAS_INCLUDE_DIRS}
  PATH_SUFFIXES ${_weir_blas_suffixes}
  DOC "The directory holding OpenBLAS's cblas.h")
mark_as_advanced(WEIR_OPENBLAS_LIBRARY WEIR_CBLAS_INCLUDE_DIR)
unset(_weir_blas_suffixes)
unset(_weir_variant)

if(WEIR_OPENBLAS_LIBRARY AND WEIR_CBLAS_INCLUDE_DIR)
  set(WEIR_OPENBLAS_FOUND TRUE)
  add_library(weir::openblas INTERFACE IMPORTED)
  set_target_properties(weir::openblas PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${WEIR_CBLAS_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${WEIR_OPENBLAS_LIBRARY}")
else()
  set(WEIR_OPENBLAS_FOUND FALSE)
endif()
