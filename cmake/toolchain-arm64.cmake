# Cross-compiling for 64-bit Raspberry Pi OS (arm64) with Debian's
# aarch64-linux-gnu-gcc and the arm64 libraries installed next to the host's
# by multiarch (dpkg --add-architecture arm64; apt-get install
# libzmq3-dev:arm64 ...).  scripts/cross arm64 sets all of that up.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# pkg-config must see only the target's .pc files, never the host's.
set(ENV{PKG_CONFIG_LIBDIR}
  "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Libraries and headers of the target only; programs (pkg-config) of the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)

# Run the target's programs (ctest, try_run) under qemu-user; the arm64
# loader and libraries live under / by multiarch.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /)
