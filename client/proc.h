/* proc.h - what the MPI and Slurm launchers need from the system: a
 * program found on PATH, a command run to its end with its output kept,
 * words split the way a shell would (but without one), and the live
 * members of a session.
 *
 * No shell is ever run: every argument is one argv word.  Output and words
 * are the caller's buffers; nothing here allocates what outlives a call,
 * except the words of pp_split_words (owned by the caller, free each). */
#ifndef PP_PROC_H
#define PP_PROC_H

#include <stdbool.h>
#include <stddef.h>

#include "pipar/error.h"

/* Looks program (no slash) up on PATH; true and its path in out when an
 * executable file is found. */
bool pp_which(const char *program, char *out, size_t size);

/* Runs argv[0] (looked up on PATH) with no input, waits at most timeout_s
 * (then SIGKILL), and keeps the first out_size-1 bytes of its stdout in
 * out and of its stderr in errout (NUL-terminated).  *status: as waitpid
 * gives it, -1 when killed at the timeout.  Fails only when it cannot be
 * started at all. */
int pp_run(char *const argv[], double timeout_s, char *out, size_t out_size,
           char *errout, size_t err_size, int *status, pp_error *err);

/* The first non-empty line of text that is more than a rule of dashes,
 * without its newline, at most size-1 bytes. */
void pp_first_line(const char *text, char *out, size_t size);

/* Splits text into words as sh would without expanding anything: white
 * space separates, '...' keeps everything, "..." keeps everything but \"
 * and \\, a backslash outside quotes keeps the next character.  Appends
 * to words[*n] (at most max in all), each strdup'd.  option names the
 * option for the errors: "OPTION: an unterminated quote", "OPTION: more
 * than MAX words", "OPTION: empty". */
int pp_split_words(const char *option, const char *text, char **words,
                   int max, int *n, pp_error *err);

/* Appends s to out (size bytes in all), quoted for sh: '...' with each '
 * written as '\''. */
void pp_sh_quote(char *out, size_t size, const char *s);

/* Up to max PIDs of the live (not zombie) processes whose session id is
 * sid; returns how many.  A session outlives its leader as long as one
 * member is left, and its id is not handed out again meanwhile. */
int pp_session_members(long sid, long *pids, int max);

/* pid's parent, from /proc/PID/stat; -1 when it is gone. */
long pp_parent_of(long pid);

/* True when pid is alive and one word of its command line is word. */
bool pp_cmdline_has(long pid, const char *word);

/* The basename of pid's executable in out ("" when it cannot be read),
 * the same after the file was replaced (rebuilt, reinstalled) while it
 * runs. */
void pp_exe_name(long pid, char *out, size_t size);

#endif
