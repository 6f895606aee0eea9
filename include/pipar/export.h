/* export.h - which functions libpipar.so exports.
 *
 * The shared library is built with -fvisibility=hidden: only declarations
 * marked PP_EXPORT (the public API in include/pipar/) are visible to a
 * program or to Python's cffi/ctypes; the library's internals are not. */
#ifndef PP_EXPORT_H
#define PP_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define PP_EXPORT __attribute__((visibility("default")))
#define PP_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PP_EXPORT
#define PP_PRINTF(fmt, args)
#endif

#endif
