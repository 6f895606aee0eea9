/* digits.c - the checked, mapped cache of digits of pi. */
#include "digits.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct pp_digits {
    _Atomic long refs; /* the owner's hold plus one per live slice */
    void *map;
    size_t map_size;
    uint64_t n;
    uint64_t file_size;
    char path[PP_PATH_MAX];
    char file_sha[PP_SHA256_HEX];
};

static void unref(pp_digits *d)
{
    if (atomic_fetch_sub(&d->refs, 1) == 1) {
        if (d->map)
            munmap(d->map, d->map_size);
        free(d);
    }
}

/* Reads the hex hash at the start of a .sha256 file ("<hex>  name"). */
static int read_hash(const char *path, char hex[PP_SHA256_HEX])
{
    char *text = NULL;
    pp_error ignored;
    if (pp_file_read(path, &text, NULL, 4096, &ignored))
        return -1;
    size_t n = strspn(text, "0123456789abcdef");
    int rc = n == 64 ? 0 : -1;
    if (!rc) {
        memcpy(hex, text, 64);
        hex[64] = '\0';
    }
    free(text);
    return rc;
}

static int map_file(pp_digits *d, const char *path, uint64_t n,
                    pp_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pp_error_set(err, PP_EIO, "cannot read %s: %s", path,
                            strerror(errno));
    if (n > SIZE_MAX) { /* 32-bit targets (armhf) */
        close(fd);
        return pp_error_set(err, PP_EINVAL, "%s is too big to map here",
                            path);
    }
    d->map_size = n ? (size_t)n : 1;
    d->map = mmap(NULL, d->map_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (d->map == MAP_FAILED) {
        d->map = NULL;
        return pp_error_set(err, PP_EIO, "cannot map %s: %s", path,
                            strerror(errno));
    }
    return 0;
}

int pp_digits_open(const char *dir, uint64_t n, pp_digits **out,
                   pp_error *err)
{
    *out = NULL;
    DIR *dp = opendir(dir);
    if (!dp)
        return pp_error_set(err, PP_ENOENT, "no digits cached in %s", dir);
    /* The candidates: pi-<M>.txt with M >= n, smallest first. */
    uint64_t best[64];
    size_t nbest = 0;
    struct dirent *de;
    while ((de = readdir(dp)) && nbest < 64) {
        uint64_t m;
        char tail[8];
        if (sscanf(de->d_name, "pi-%" SCNu64 ".tx%1[t]", &m, tail) == 2
            && strlen(de->d_name) == (size_t)snprintf(NULL, 0,
                                                      "pi-%" PRIu64 ".txt", m)
            && m >= n)
            best[nbest++] = m;
    }
    closedir(dp);
    for (size_t i = 0; i < nbest; i++)
        for (size_t j = i + 1; j < nbest; j++)
            if (best[j] < best[i]) {
                uint64_t t = best[i];
                best[i] = best[j];
                best[j] = t;
            }
    for (size_t i = 0; i < nbest; i++) {
        char path[PP_PATH_MAX], hash_path[PP_PATH_MAX + 8];
        char want[PP_SHA256_HEX], have[PP_SHA256_HEX];
        snprintf(path, sizeof path, "%s/pi-%" PRIu64 ".txt", dir, best[i]);
        snprintf(hash_path, sizeof hash_path, "%s.sha256", path);
        struct stat st;
        if (stat(path, &st) || (uint64_t)st.st_size != best[i]) {
            fprintf(stderr,
                    "driver: %s does not hold %" PRIu64 " digits; not "
                    "using it\n",
                    path, best[i]);
            continue;
        }
        if (read_hash(hash_path, want)) {
            fprintf(stderr,
                    "driver: %s has no readable .sha256 beside it; not "
                    "using it\n",
                    path);
            continue;
        }
        pp_error e2;
        if (pp_sha256_file(path, (size_t)-1, have, &e2)
            || strcmp(want, have) != 0) {
            fprintf(stderr,
                    "driver: %s does not match its .sha256; not using it "
                    "(it will be computed again)\n",
                    path);
            continue;
        }
        pp_digits *d = calloc(1, sizeof *d);
        if (!d)
            return pp_error_set(err, PP_ENOMEM, "out of memory");
        atomic_store(&d->refs, 1);
        d->n = n;
        d->file_size = best[i];
        snprintf(d->path, sizeof d->path, "%s", path);
        memcpy(d->file_sha, have, sizeof have);
        int rc = map_file(d, path, n, err);
        if (rc) {
            unref(d);
            return rc;
        }
        *out = d;
        return 0;
    }
    return pp_error_set(err, PP_ENOENT,
                        "no checked file of at least %" PRIu64
                        " digits in %s",
                        n, dir);
}

int pp_digits_store(const char *dir, const char *digits, uint64_t n,
                    pp_error *err)
{
    int rc = pp_mkdirs(dir, 0755, err);
    if (rc)
        return rc;
    char path[PP_PATH_MAX], hash_path[PP_PATH_MAX + 8], hex[PP_SHA256_HEX];
    char line[PP_SHA256_HEX + PP_PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/pi-%" PRIu64 ".txt", dir, n);
    snprintf(hash_path, sizeof hash_path, "%s.sha256", path);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if ((rc = pp_sha256_buf(digits, (size_t)n, hex, err)))
        return rc;
    /* The digits first, then their hash: a crash between the two leaves a
     * file without a hash, which is never used. */
    if ((rc = pp_file_write_atomic(path, digits, (size_t)n, 0644, err)))
        return rc;
    int len = snprintf(line, sizeof line, "%s  %s\n", hex, base);
    return pp_file_write_atomic(hash_path, line, (size_t)len, 0644, err);
}

const char *pp_digits_data(const pp_digits *d)
{
    return d->map;
}

uint64_t pp_digits_count(const pp_digits *d)
{
    return d->n;
}

const char *pp_digits_path(const pp_digits *d)
{
    return d->path;
}

const char *pp_digits_file_sha256(const pp_digits *d)
{
    return d->file_sha;
}

uint64_t pp_digits_file_size(const pp_digits *d)
{
    return d->file_size;
}

static void release_slice(void *data, void *hint)
{
    (void)data;
    unref(hint);
}

int pp_digits_slice(pp_digits *d, uint64_t offset, uint64_t len,
                    pp_value *out, pp_error *err)
{
    if (offset > d->n || len > d->n - offset)
        return pp_error_set(err, PP_EINVAL,
                            "digits [%" PRIu64 ", %" PRIu64
                            ") are outside the %" PRIu64 " digits",
                            offset, offset + len, d->n);
    atomic_fetch_add(&d->refs, 1);
    out->type = PP_T_BYTES;
    out->data = (char *)d->map + offset;
    out->size = (size_t)len;
    out->release = release_slice;
    out->hint = d;
    return 0;
}

void pp_digits_close(pp_digits **d_p)
{
    if (*d_p)
        unref(*d_p);
    *d_p = NULL;
}
