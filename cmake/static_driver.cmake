# static_driver.cmake - the driver linked against the archives (.a) of its
# libraries rather than their shared objects.
#
# Why: `driver hello` is a whole process each time, and most of its start
# was the dynamic loader.  Through libzmq the driver loaded 24 shared
# libraries (libstdc++, sodium, pgm, norm, and GSSAPI with the five
# Kerberos libraries behind it), each opened, mapped and relocated: about
# 6,300 symbol lookups and 26,000 relocations, and some 330 pages touched
# for the first time, before main.  Linked against the archives it loads
# libc and libm alone, and its relocations are packed (DT_RELR) where the
# linker can.  The driver grows from about 0.35 MB to about 4 MB (3.2 MB
# stripped; OpenSSL's share is its SHA-256 alone, as core/sha256.c and
# core/sign.c call no EVP function); the controller, the engine,
# libpipar.so and the tests keep the shared libraries.
#
# Debian ships every archive needed: libzmq.a (libzmq3-dev), which needs
# libsodium.a, libpgm.a, libnorm.a + libprotokit.a and libbsd.a + libmd.a
# (all pulled in by libzmq3-dev), libstdc++.a (libstdc++-12-dev),
# libjansson.a, libcrypto.a (libssl-dev), libgmp.a and libmpfr.a.  Where
# one is missing the driver is linked as the other programs are, and
# CMake says which was missing.
#
# GSSAPI: libzmq.a refers to eleven functions and two constants of
# libgssapi_krb5 (its GSSAPI security mechanism), which would bring in
# Kerberos.  pipar never asks for that mechanism (no ZMQ_GSSAPI_* socket
# option anywhere, and a peer's handshake must name the socket's own
# mechanism, NULL or CURVE), so the driver links driver/no_gssapi.c
# instead: the same names, each answering GSS_S_FAILURE.
#
# PGM: zmq_ctx_new initialises OpenPGM, which looks its protocol number up
# in the system's protocols database (nsswitch.conf, a search for
# libnss_db.so.2, /etc/protocols): 0.3 ms of each command here for a
# transport pipar never uses.  The linker's --wrap sends that lookup to
# driver/pgm_proto.c, which answers "not found", and PGM keeps its
# built-in number (113, as /etc/protocols says).
#
# PIPAR_STATIC_LINK_HEAD: a generator expression, true while linking a
# target whose PIPAR_STATIC_LINK property is set; pipar_core and
# pipar_numeric use it to pick the archives or the shared libraries for
# whichever program links them.

option(PIPAR_STATIC_DRIVER
  "Link the driver against the archives (.a) of ZeroMQ, OpenSSL, Jansson, GMP and MPFR: a faster start"
  ON)

set(PIPAR_STATIC_LINK_HEAD "$<BOOL:$<TARGET_PROPERTY:PIPAR_STATIC_LINK>>")

# pipar_static_archive(VAR NAME): the full path of libNAME.a, or
# VAR-NOTFOUND.  The compiler's own folders too (libstdc++.a is there).
function(pipar_static_archive var name)
  unset(${var}) # else find_library keeps the caller's value
  find_library(${var} NAMES lib${name}.a NO_CACHE)
  if(NOT ${var})
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=lib${name}.a
      OUTPUT_VARIABLE path OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE rc)
    if(rc EQUAL 0 AND IS_ABSOLUTE "${path}" AND EXISTS "${path}")
      set(${var} "${path}")
    endif()
  endif()
  set(${var} "${${var}}" PARENT_SCOPE)
endfunction()

set(PIPAR_STATIC_DRIVER_OK OFF)
if(PIPAR_STATIC_DRIVER AND NOT PIPAR_SANITIZE)
  # In link order: each archive before those it needs.
  set(core_names zmq sodium pgm norm protokit bsd md stdc++ jansson crypto)
  set(numeric_names mpfr gmp)
  set(missing "")
  set(PIPAR_CORE_STATIC_LIBS "")
  set(PIPAR_NUMERIC_STATIC_LIBS "")
  foreach(name IN LISTS core_names numeric_names)
    pipar_static_archive(archive ${name})
    if(NOT archive)
      list(APPEND missing lib${name}.a)
    elseif(name IN_LIST numeric_names)
      list(APPEND PIPAR_NUMERIC_STATIC_LIBS "${archive}")
    else()
      list(APPEND PIPAR_CORE_STATIC_LIBS "${archive}")
    endif()
  endforeach()
  if(missing)
    message(STATUS "driver: linked against shared libraries (no ${missing})")
  else()
    set(PIPAR_STATIC_DRIVER_OK ON)
    # What the archives need of libc's libraries (OpenSSL: dlopen).
    list(APPEND PIPAR_CORE_STATIC_LIBS ${CMAKE_DL_LIBS})
  endif()
endif()
set(PIPAR_CORE_SHARED_LIBS PkgConfig::ZMQ PkgConfig::JANSSON PkgConfig::CRYPTO)
set(PIPAR_NUMERIC_SHARED_LIBS ${MPFR_LIB} ${GMP_LIB})
if(NOT PIPAR_STATIC_DRIVER_OK)
  set(PIPAR_CORE_STATIC_LIBS ${PIPAR_CORE_SHARED_LIBS})
  set(PIPAR_NUMERIC_STATIC_LIBS ${PIPAR_NUMERIC_SHARED_LIBS})
endif()
# Escaped for use inside $<IF:...>: each list stays one argument there.
foreach(var PIPAR_CORE_STATIC_LIBS PIPAR_NUMERIC_STATIC_LIBS
            PIPAR_CORE_SHARED_LIBS PIPAR_NUMERIC_SHARED_LIBS)
  string(REPLACE ";" "$<SEMICOLON>" ${var} "${${var}}")
endforeach()

include(CheckLinkerFlag)
# --fatal-warnings: a linker that ignores the flag (arm64 binutils 2.40)
# only warns.
check_linker_flag(C "LINKER:--fatal-warnings,-z,pack-relative-relocs"
  PIPAR_HAVE_RELR)

# pipar_static_driver(TARGET): TARGET links the archives (when all were
# found), without GSSAPI, with libgcc's unwinder linked in (libstdc++.a's
# exceptions), PGM's protocol lookup wrapped, and relative relocations
# packed where the linker can.
function(pipar_static_driver target)
  if(NOT PIPAR_STATIC_DRIVER_OK)
    return()
  endif()
  set_target_properties(${target} PROPERTIES PIPAR_STATIC_LINK ON)
  target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/driver/no_gssapi.c
    ${PROJECT_SOURCE_DIR}/driver/pgm_proto.c)
  target_link_options(${target} PRIVATE -static-libgcc
    "LINKER:--wrap=pgm_getprotobyname")
  if(PIPAR_HAVE_RELR)
    target_link_options(${target} PRIVATE "LINKER:-z,pack-relative-relocs")
  endif()
endfunction()
