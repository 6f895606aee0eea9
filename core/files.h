/* files.h - paths of profiles and files written whole or not at all. */
#ifndef PP_FILES_H
#define PP_FILES_H

#include <stddef.h>
#include <sys/types.h>

#include "pipar/error.h"

#define PP_PATH_MAX 4096

/* Writes data to a temporary file beside path with the given mode, syncs
 * it, and renames it over path: a reader sees the old file or the whole new
 * one, never half of one. */
int pp_file_write_atomic(const char *path, const void *data, size_t size,
                         mode_t mode, pp_error *err);

/* Reads a whole (small) file; caller frees *out, which is NUL-terminated. */
int pp_file_read(const char *path, char **out, size_t *size, size_t limit,
                 pp_error *err);

/* mkdir -p with the given mode for the directories it creates. */
int pp_mkdirs(const char *path, mode_t mode, pp_error *err);

/* Profile names are letters, digits, '_', '-' and '.', not starting with
 * '.', at most 64 characters. */
int pp_profile_check(const char *name, pp_error *err);

/* $PIPAR_DIR/profile_NAME, $PIPAR_DIR defaulting to ~/.pipar. */
int pp_profile_dir(const char *profile, char *out, size_t size,
                   pp_error *err);

/* <profile dir>/<sub>/<file>, e.g. ("default", "security",
 * "engine.json"). */
int pp_profile_path(const char *profile, const char *sub, const char *file,
                    char *out, size_t size, pp_error *err);

/* True when the process is a zombie (exited, not yet reaped): kill(pid, 0)
 * still succeeds on it, but it is gone. */
int pp_pid_is_zombie(long pid);

/* True when pid is alive and not a zombie. */
int pp_pid_alive(long pid);

#endif
