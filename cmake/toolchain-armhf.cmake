# Cross-compiling for 32-bit Raspberry Pi OS (armhf: ARMv7, hard float) with
# Debian's arm-linux-gnueabihf-gcc against a separate armhf sysroot.
#
# Debian's armhf package index can lag the amd64 one (libssl3, liblzma5,
# linux-libc-dev at older versions), and multiarch co-installation needs
# equal versions, so the armhf libraries are not installed into / but
# unpacked into their own folder: scripts/cross armhf makes it with
# mmdebstrap under build-cross-armhf/sysroot (PIPAR_ARMHF_SYSROOT names
# another one).
#
# Note on the target: Raspberry Pi OS 32-bit is built for ARMv6 (Pi 1 and
# Zero); Debian's armhf is ARMv7, which every Pi 2 and later runs.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)

if(DEFINED ENV{PIPAR_ARMHF_SYSROOT})
  set(PIPAR_ARMHF_SYSROOT "$ENV{PIPAR_ARMHF_SYSROOT}")
else()
  get_filename_component(PIPAR_ARMHF_SYSROOT
    "${CMAKE_CURRENT_LIST_DIR}/../build-cross-armhf/sysroot" ABSOLUTE)
endif()
if(NOT EXISTS "${PIPAR_ARMHF_SYSROOT}/usr/include/stdio.h")
  message(FATAL_ERROR "no armhf sysroot at ${PIPAR_ARMHF_SYSROOT} "
    "(scripts/cross armhf makes one)")
endif()
set(CMAKE_SYSROOT "${PIPAR_ARMHF_SYSROOT}")

# pkg-config: the sysroot's .pc files only, their paths moved into it.
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${CMAKE_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
  "${CMAKE_SYSROOT}/usr/lib/arm-linux-gnueabihf/pkgconfig:${CMAKE_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

set(CMAKE_FIND_ROOT_PATH "${CMAKE_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm -L "${CMAKE_SYSROOT}")
