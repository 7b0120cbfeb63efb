# simdjson::simdjson for a Debian cross build without libsimdjson-dev:ARCH
# (not Multi-Arch, see ../debian-multiarch.cmake): the native package's one
# header, /usr/include/simdjson.h, which is the same on every architecture,
# with the target's shared library from libsimdjson14:ARCH (Multi-Arch: same).
# Both must be the same simdjson version: Debian's two packages are.
include(CMakeFindDependencyMacro)
find_dependency(Threads)
find_path(simdjson_INCLUDE_DIR simdjson.h PATHS /usr/include NO_DEFAULT_PATH)
find_library(simdjson_LIBRARY NAMES libsimdjson.so.14)
if(NOT simdjson_INCLUDE_DIR OR NOT simdjson_LIBRARY)
  set(simdjson_FOUND FALSE)
  set(simdjson_NOT_FOUND_MESSAGE
      "needs the native libsimdjson-dev (its header) and libsimdjson14 for ${CMAKE_LIBRARY_ARCHITECTURE}")
  return()
endif()
if(NOT TARGET simdjson::simdjson)
  add_library(simdjson::simdjson SHARED IMPORTED)
  set_target_properties(simdjson::simdjson PROPERTIES
    IMPORTED_LOCATION ${simdjson_LIBRARY}
    IMPORTED_SONAME libsimdjson.so.14
    INTERFACE_COMPILE_DEFINITIONS SIMDJSON_THREADS_ENABLED=1
    INTERFACE_INCLUDE_DIRECTORIES ${simdjson_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
