# Cross build for 32-bit Arm Linux, hard float (Debian armhf; the Raspberry
# Pi 3 in 32-bit mode): cmake --toolchain this file, or scripts/cross armhf.
# No CPU flags are added: Debian's arm-linux-gnueabihf-gcc already targets its
# armhf baseline, ARMv7-A with VFPv3-D16 and Thumb-2, and its libraries are
# built for it. NEON is not part of that baseline, so it is not forced here;
# code that wants NEON must check for it at run time.
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(EDGEML_CROSS_TRIPLET arm-linux-gnueabihf)
set(EDGEML_QEMU_PROGRAM qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
