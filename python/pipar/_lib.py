"""The C client library, libpipar.so, through cffi in ABI mode.

The declarations below are the one place where Python sees the C API: a
copy of what pipar/{error,value,client,view}.h declare, without the
macros.  Everything that talks to the controller (the wire protocol,
signatures, heartbeats, retries) is the C library's; this package only
converts values and wraps the calls.

Where the library is looked for, in order:

1. ``$PIPAR_LIB``: a path to libpipar.so (or the folder holding it);
2. the libdir of an installed pipar, as ``pkg-config --variable=libdir
   pipar`` says (set ``PKG_CONFIG_PATH=PREFIX/lib/pkgconfig`` for a prefix
   pkg-config does not search);
3. the standard loader path (``libpipar.so.0``, then ``libpipar.so``:
   ``LD_LIBRARY_PATH``, ``/etc/ld.so.conf``, /usr/lib, /usr/local/lib).

When none loads, :class:`LibraryNotFound` names every place tried.
"""
import os
import shutil
import subprocess

from cffi import FFI

CDEF = """
typedef int sig_atomic_t;

/* error.h */
enum {
    PP_OK = 0, PP_EINVAL = -1, PP_ENOMEM = -2, PP_EIO = -3,
    PP_ETIMEDOUT = -4, PP_EPROTO = -5, PP_ENOENT = -6, PP_EREMOTE = -7,
    PP_EZMQ = -8, PP_EINTR = -9, PP_EOVERFLOW = -10, PP_EABORTED = -11,
};
typedef struct pp_error { int code; char msg[512]; } pp_error;
const char *pp_strerror(int code);

/* value.h */
typedef enum pp_type {
    PP_T_NONE = 0, PP_T_I64 = 1, PP_T_F64 = 2, PP_T_BYTES = 3,
    PP_T_STR = 4, PP_T_BIGINT = 5, PP_T_COUNT
} pp_type;
typedef void pp_release_fn(void *data, void *hint);
typedef struct pp_value {
    pp_type type; size_t size; void *data; pp_release_fn *release;
    void *hint;
} pp_value;
typedef struct pp_values { pp_value *v; size_t n; size_t cap; } pp_values;
int pp_value_i64(pp_value *out, const int64_t *items, size_t count);
int pp_value_f64(pp_value *out, const double *items, size_t count);
int pp_value_bytes(pp_value *out, pp_type type, const void *data,
                   size_t size);
void pp_value_borrow(pp_value *out, pp_type type, const void *data,
                     size_t size);
void pp_value_free(pp_value *v);
void pp_values_free(pp_values *list);

/* client.h */
typedef struct pp_client pp_client;
typedef struct pp_async pp_async;
pp_client *pp_client_connect(const char *client_json, double timeout_s,
                             pp_error *err);
pp_client *pp_client_connect_profile(const char *profile, double timeout_s,
                                     pp_error *err);
int pp_client_profile_file(const char *profile, char *out, size_t size,
                           pp_error *err);
void pp_client_destroy(pp_client **client_p);
void pp_client_set_patience(pp_client *c, double patience_s);
int pp_client_ids(pp_client *c, int64_t **ids, size_t *n, pp_error *err);
int pp_client_status(pp_client *c, char **json, pp_error *err);
typedef enum pp_after_args {
    PP_AFTER_NONE = 0, PP_AFTER_COPY, PP_AFTER_MOVE, PP_AFTER_SHARE,
} pp_after_args;
typedef struct pp_task_opts {
    int retries; double timeout_s; const uint64_t *after; size_t nafter;
    pp_after_args after_args; double time_limit_s;
    const uint32_t *after_take;
    const uint64_t *follow; size_t nfollow;
} pp_task_opts;
typedef struct pp_task_meta {
    int32_t engine; int64_t submitted; int64_t started; int64_t completed;
    int status;
} pp_task_meta;
size_t pp_async_len(const pp_async *a);
size_t pp_async_progress(pp_async *a);
bool pp_async_ready(pp_async *a);
int pp_async_wait(pp_async *a, double timeout_s, pp_error *err);
bool pp_async_task_done(const pp_async *a, size_t i);
int pp_async_wait_one(pp_async *a, size_t i, double timeout_s,
                      pp_error *err);
int pp_async_next(pp_async *a, size_t *i, double timeout_s, pp_error *err);
int pp_async_result(pp_async *a, size_t i, const pp_values **vals,
                    pp_error *err);
const pp_task_meta *pp_async_meta(const pp_async *a, size_t i);
uint64_t pp_async_task_id(const pp_async *a, size_t i);
int pp_async_first_error(pp_async *a, pp_error *err);
typedef struct pp_async_timing {
    double wall; double serial; size_t done; size_t failed;
} pp_async_timing;
void pp_async_timing_get(const pp_async *a, pp_async_timing *t);
int pp_async_gather(pp_async *a, pp_value *out, pp_error *err);
typedef struct pp_abort_counts {
    size_t aborted; size_t running; size_t unknown;
} pp_abort_counts;
int pp_async_abort(pp_async *a, pp_abort_counts *counts, pp_error *err);
int pp_client_abort_all(pp_client *c, pp_abort_counts *counts,
                        pp_error *err);
int pp_client_shutdown(pp_client *c, const int64_t *ids, size_t n,
                       bool controller, size_t *told, pp_error *err);
void pp_async_destroy(pp_async **a_p);

/* view.h */
typedef struct pp_view pp_view;
pp_view *pp_client_direct(pp_client *c, const int64_t *targets, size_t n,
                          pp_error *err);
pp_view *pp_client_balanced(pp_client *c, pp_error *err);
void pp_view_destroy(pp_view **view_p);
int pp_view_set_flags(pp_view *v, const pp_task_opts *opts, pp_error *err);
const int64_t *pp_view_targets(const pp_view *v, size_t *n);
void pp_view_set_timeout(pp_view *v, double timeout_s);
pp_async *pp_view_apply_async(pp_view *v, const char *workload,
                              const pp_value *args, size_t nargs,
                              pp_error *err);
int pp_view_submit(pp_view *v, pp_async **a, const char *workload,
                   pp_value *vals, size_t n, pp_error *err);
int pp_view_scatter(pp_view *v, const char *name, const pp_value *seq,
                    pp_error *err);
int pp_view_execute(pp_view *v, const char *workload, const char *inputs,
                    const char *output, const pp_value *extra,
                    size_t nextra, pp_error *err);
int pp_view_push(pp_view *v, const char *name, const pp_value *value,
                 pp_error *err);
int pp_view_pull(pp_view *v, const char *name, pp_values *out,
                 pp_error *err);
int pp_view_gather(pp_view *v, const char *name, pp_value *out,
                   pp_error *err);

/* module.h */
typedef enum pp_module_state {
    PP_MODULE_COMPILED, PP_MODULE_CACHED, PP_MODULE_UNCHANGED,
    PP_MODULE_FAILED, PP_MODULE_NO_ANSWER,
} pp_module_state;
typedef struct pp_module_engine {
    int64_t engine; pp_module_state state; double compile_s; char *messages;
} pp_module_engine;
typedef struct pp_module_report {
    size_t n; pp_module_engine *engines; char *workloads; bool replaced;
    bool unchanged;
} pp_module_report;
int pp_view_load_module(pp_view *v, const char *name, const char *file,
                        const char *src, size_t len,
                        pp_module_report **report, pp_error *err);
void pp_module_report_free(pp_module_report **report);
pp_async *pp_view_map_async(pp_view *v, const char *workload,
                            const pp_value *seq, size_t chunksize,
                            const pp_value *extra, size_t nextra,
                            pp_error *err);

/* libc, for what the library hands out to be freed */
void free(void *p);
"""

ffi = FFI()
ffi.cdef(CDEF)


class LibraryNotFound(ImportError):
    """libpipar.so could not be loaded from any of the places tried."""


def _pkg_config_libdir():
    """The libdir of an installed pipar per pkg-config, or why not."""
    exe = shutil.which("pkg-config")
    if not exe:
        return None, "pkg-config: not installed"
    try:
        out = subprocess.run([exe, "--variable=libdir", "pipar"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as e:
        return None, "pkg-config: %s" % e
    libdir = out.stdout.strip()
    if out.returncode != 0 or not libdir:
        return None, "pkg-config --variable=libdir pipar: no pipar.pc found " \
                     "(PKG_CONFIG_PATH=%s)" % os.environ.get("PKG_CONFIG_PATH", "")
    return libdir, None


def candidates():
    """The (where, how) pairs load() tries, in order."""
    env = os.environ.get("PIPAR_LIB")
    if env:
        path = os.path.join(env, "libpipar.so") if os.path.isdir(env) else env
        yield path, "$PIPAR_LIB"
        return  # an explicit choice is not second-guessed
    libdir, why = _pkg_config_libdir()
    if libdir:
        yield os.path.join(libdir, "libpipar.so.0"), "pkg-config libdir"
        yield os.path.join(libdir, "libpipar.so"), "pkg-config libdir"
    else:
        yield None, why
    yield "libpipar.so.0", "the loader's path"
    yield "libpipar.so", "the loader's path"


def load():
    tried = []
    for path, how in candidates():
        if path is None:
            tried.append(how)
            continue
        try:
            lib = ffi.dlopen(path)
        except OSError as e:
            tried.append("%s (%s): %s" % (path, how, str(e).splitlines()[0]))
            continue
        return lib, path
    raise LibraryNotFound(
        "pipar: cannot load libpipar.so; tried:\n  " + "\n  ".join(tried)
        + "\nset PIPAR_LIB=/path/to/libpipar.so, or PKG_CONFIG_PATH="
        "PREFIX/lib/pkgconfig for a pipar installed with cmake --install "
        "--prefix PREFIX")


_loaded = None


def get():
    """The loaded library (loaded on first use), as (lib, path)."""
    global _loaded
    if _loaded is None:
        _loaded = load()
    return _loaded
