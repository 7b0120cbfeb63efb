# Shared part of the Debian cross toolchains (aarch64-linux-gnu.cmake,
# arm-linux-gnueabihf.cmake), which set EDGEML_CROSS_TRIPLET, the QEMU
# program and the CPU first. The target's libraries come from Debian
# multiarch packages (libfoo-dev:arm64) installed on this machine, so the
# "sysroot" is / itself: libraries and CMake packages in
# /usr/lib/<triplet>, headers in /usr/include and /usr/include/<triplet>,
# which Debian's cross compilers already search.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${EDGEML_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${EDGEML_CROSS_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${EDGEML_CROSS_TRIPLET})

# Search only the target's side for libraries, headers and CMake packages;
# with CMAKE_LIBRARY_ARCHITECTURE set, /usr/lib/<triplet>(/cmake) comes
# before anything native. Programs (flatc, pkg-config) are the host's.
set(CMAKE_FIND_ROOT_PATH /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config (cpp-httplib) reads the target's .pc files, never the native ones.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${EDGEML_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig)
unset(ENV{PKG_CONFIG_PATH})

# Two -dev packages cannot sit beside their native ones in Debian 12:
# libsimdjson-dev is not Multi-Arch, and libonnx-dev's libonnxifi clashes in
# /usr/lib. Unless they are there anyway, small configs (simdjson/, onnx/)
# pair the native headers with the target's shared libraries.
if(NOT EXISTS /usr/lib/${EDGEML_CROSS_TRIPLET}/cmake/simdjson/simdjson-config.cmake)
  set(simdjson_DIR ${CMAKE_CURRENT_LIST_DIR}/simdjson CACHE PATH "simdjson for the target")
endif()
if(NOT EXISTS /usr/lib/${EDGEML_CROSS_TRIPLET}/cmake/ONNX/ONNXConfig.cmake)
  set(ONNX_DIR ${CMAKE_CURRENT_LIST_DIR}/onnx CACHE PATH "ONNX for the target")
endif()

# ctest and gtest_discover_tests run the target's programs under QEMU user
# emulation, started directly (no binfmt_misc needed). The target's dynamic
# loader and libraries are the multiarch ones (libc6:arm64, ...) that the
# -dev packages pulled in, so no -L prefix is needed; /usr/<triplet> (the
# cross compiler's own libc) must not be used, as its loader may not match
# the multiarch libc.
find_program(EDGEML_QEMU ${EDGEML_QEMU_PROGRAM})
if(EDGEML_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${EDGEML_QEMU})
endif()
