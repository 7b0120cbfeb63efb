# Cross build for 64-bit Arm Linux (Debian arm64): cmake --toolchain this file,
# or scripts/cross arm64. ARMv8-A baseline (NEON is part of it).
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(EDGEML_CROSS_TRIPLET aarch64-linux-gnu)
set(EDGEML_QEMU_PROGRAM qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
