/* pairs_task.c - the pi-pairs workloads an engine runs: count the pairs of
 * a chunk that travelled with the task (`pairs`), or of a range of the
 * engine's own copy of the digits file (`pairs_local`, for Pis that each
 * keep the digits on their SD card). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pairs.h"
#include "files.h"
#include "sha256.h"
#include "workload.h"

static int push_counts(const uint64_t counts[100], pp_values *out,
                       pp_error *err)
{
    pp_value v;
    if (pp_value_i64(&v, (const int64_t *)counts, 100)
        || pp_values_push(out, &v)) {
        pp_value_free(&v);
        return pp_error_set(err, PP_ENOMEM, "pairs: out of memory");
    }
    return 0;
}

int pp_pairs_run(const pp_value *args, size_t nargs, pp_values *out,
                 pp_error *err)
{
    if (nargs != 1 || args[0].type != PP_T_BYTES)
        return pp_error_set(err, PP_EINVAL,
                            "pairs: needs one bytes value of digits");
    uint64_t counts[100] = { 0 };
    int rc = pp_pairs_count(args[0].data, args[0].size, counts, err);
    return rc ? rc : push_counts(counts, out, err);
}

/* The engine's copy of a digits file, checked once and kept mapped: the
 * tasks of one run all read the same file. */
static struct {
    char path[4096];
    char sha[PP_SHA256_HEX];
    struct stat st;
    const char *map;
    size_t size;
} local;

/* Maps path (stat st, whose hash is have) as the engine's copy. */
static int map_local(const char *path, const struct stat *st,
                     const char have[PP_SHA256_HEX], pp_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pp_error_set(err, PP_EIO, "pairs_local: cannot read %s: %s",
                            path, strerror(errno));
    if ((uintmax_t)st->st_size > SIZE_MAX) { /* 32-bit targets (armhf) */
        close(fd);
        return pp_error_set(err, PP_EINVAL,
                            "pairs_local: %s is too big to map here", path);
    }
    size_t size = st->st_size > 0 ? (size_t)st->st_size : 1;
    void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return pp_error_set(err, PP_EIO, "pairs_local: cannot map %s: %s",
                            path, strerror(errno));
    snprintf(local.path, sizeof local.path, "%s", path);
    memcpy(local.sha, have, PP_SHA256_HEX);
    local.st = *st;
    local.map = map;
    local.size = (size_t)st->st_size;
    return 0;
}

static void unmap_local(void)
{
    if (local.map)
        munmap((void *)local.map, local.size);
    memset(&local, 0, sizeof local);
}

static int open_local(const char *path, const char *sha, pp_error *err)
{
    struct stat st;
    if (stat(path, &st))
        return pp_error_set(err, PP_ENOENT,
                            "pairs_local: no %s on this engine (copy the "
                            "digits there, or use --data ship)",
                            path);
    /* The same file, however it was named (engine.conf's data_file may
     * spell it otherwise), still as it was hashed. */
    if (local.map && strcmp(local.sha, sha) == 0
        && st.st_dev == local.st.st_dev && st.st_ino == local.st.st_ino
        && st.st_mtime == local.st.st_mtime
        && st.st_size == local.st.st_size)
        return 0;
    unmap_local();
    char have[PP_SHA256_HEX];
    int rc = pp_sha256_file(path, (size_t)-1, have, err);
    if (rc)
        return rc;
    if (strcmp(have, sha) != 0)
        return pp_error_set(err, PP_EINVAL,
                            "pairs_local: %s on this engine does not match "
                            "the driver's digits (sha256 %.12s..., not "
                            "%.12s...)",
                            path, have, sha);
    return map_local(path, &st, have, err);
}

int pp_pairs_local_open(const char *dir, const char *path, pp_error *err)
{
    struct stat st, in_dir;
    if (stat(path, &st))
        return pp_error_set(err, PP_ENOENT, "cannot read %s: %s", path,
                            strerror(errno));
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char there[4096 + 256];
    snprintf(there, sizeof there, "%s/%s", dir, base);
    if (stat(there, &in_dir) || in_dir.st_dev != st.st_dev
        || in_dir.st_ino != st.st_ino)
        return pp_error_set(err, PP_EINVAL,
                            "%s is not in this engine's data directory %s "
                            "(data_dir, --data-dir or PIPAR_DATA_DIR), "
                            "where pairs_local tasks look",
                            path, dir);
    char hash_path[4096 + 16], *text = NULL;
    snprintf(hash_path, sizeof hash_path, "%s.sha256", path);
    pp_error e2;
    if (pp_file_read(hash_path, &text, NULL, 4096, &e2))
        return pp_error_set(err, PP_ENOENT, "no readable %s beside it",
                            hash_path);
    char want[PP_SHA256_HEX];
    size_t n = strspn(text, "0123456789abcdef");
    snprintf(want, sizeof want, "%.64s", text);
    free(text);
    if (n != 64)
        return pp_error_set(err, PP_EINVAL,
                            "%s does not start with a sha256 (64 hex "
                            "digits)",
                            hash_path);
    char have[PP_SHA256_HEX];
    int rc = pp_sha256_file(path, (size_t)-1, have, err);
    if (rc)
        return rc;
    if (strcmp(have, want) != 0)
        return pp_error_set(err, PP_EINVAL,
                            "%s does not match its .sha256 (sha256 "
                            "%.12s..., not %.12s...)",
                            path, have, want);
    unmap_local();
    return map_local(path, &st, have, err);
}

int pp_pairs_local_run(const pp_value *args, size_t nargs, pp_values *out,
                       pp_error *err)
{
    if (nargs != 3 || args[0].type != PP_T_STR || args[1].type != PP_T_STR
        || args[1].size != 64 || args[2].type != PP_T_I64
        || pp_value_count(&args[2]) != 2)
        return pp_error_set(err, PP_EINVAL,
                            "pairs_local: needs a file name, its sha256 "
                            "and [offset, length]");
    char name[256], sha[PP_SHA256_HEX], path[4096];
    if (args[0].size == 0 || args[0].size >= sizeof name
        || memchr(args[0].data, '/', args[0].size))
        return pp_error_set(err, PP_EINVAL,
                            "pairs_local: a plain file name, please");
    memcpy(name, args[0].data, args[0].size);
    name[args[0].size] = '\0';
    memcpy(sha, args[1].data, 64);
    sha[64] = '\0';
    /* Engines find digits in their own data directory, like the driver. */
    const char *dir = getenv("PIPAR_DATA_DIR");
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "data", name);
    int rc = open_local(path, sha, err);
    if (rc)
        return rc;
    const int64_t *range = pp_value_i64s(&args[2]);
    if (range[0] < 0 || range[1] < 0 || (uint64_t)range[0] > local.size
        || (uint64_t)range[1] > local.size - (uint64_t)range[0])
        return pp_error_set(err, PP_EINVAL,
                            "pairs_local: [%" PRId64 ", +%" PRId64
                            ") is outside %s (%zu digits)",
                            range[0], range[1], path, local.size);
    uint64_t counts[100] = { 0 };
    rc = pp_pairs_count(local.map + range[0], (size_t)range[1], counts, err);
    return rc ? rc : push_counts(counts, out, err);
}
