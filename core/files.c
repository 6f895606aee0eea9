/* files.c - atomic file writes, whole-file reads and profile paths. */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

int pp_file_write_atomic(const char *path, const void *data, size_t size,
                         mode_t mode, pp_error *err)
{
    char tmp[PP_PATH_MAX];
    /* The pid and a counter make the name unique to this writer, also
     * between threads of one process. */
    static _Atomic unsigned long serial;
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%lu", path, (long)getpid(),
                 atomic_fetch_add(&serial, 1))
        >= (int)sizeof tmp)
        return pp_error_set(err, PP_EINVAL, "path too long: %s", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return pp_error_set(err, PP_EIO, "cannot write %s: %s", tmp,
                            strerror(errno));
    const char *p = data;
    size_t left = size;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return pp_error_set(err, PP_EIO, "cannot write %s: %s", tmp,
                                strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    /* open() honours the umask; the mode asked for is what we want. */
    int failed = fchmod(fd, mode) || fsync(fd);
    int e = errno;
    if (close(fd) && !failed) {
        failed = 1;
        e = errno;
    }
    if (failed) {
        unlink(tmp);
        return pp_error_set(err, PP_EIO, "cannot write %s: %s", tmp,
                            strerror(e));
    }
    if (rename(tmp, path)) {
        int e = errno;
        unlink(tmp);
        return pp_error_set(err, PP_EIO, "cannot rename %s to %s: %s", tmp,
                            path, strerror(e));
    }
    return 0;
}

int pp_file_read(const char *path, char **out, size_t *size, size_t limit,
                 pp_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pp_error_set(err, errno == ENOENT ? PP_ENOENT : PP_EIO,
                            "cannot read %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n > limit) {
            free(buf);
            fclose(f);
            return pp_error_set(err, PP_EINVAL,
                                "%s is larger than %zu bytes", path, limit);
        }
        if (r == 0)
            break;
        if (n == cap) {
            cap *= 2;
            char *grown = realloc(buf, cap + 1);
            if (!grown)
                free(buf);
            buf = grown;
        }
    }
    int failed = ferror(f);
    fclose(f);
    if (!buf)
        return pp_error_set(err, PP_ENOMEM, "out of memory reading %s",
                            path);
    if (failed) {
        free(buf);
        return pp_error_set(err, PP_EIO, "cannot read %s", path);
    }
    buf[n] = '\0';
    *out = buf;
    if (size)
        *size = n;
    return 0;
}

int pp_mkdirs(const char *path, mode_t mode, pp_error *err)
{
    char buf[PP_PATH_MAX];
    if (!*path)
        return pp_error_set(err, PP_EINVAL, "an empty directory name");
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return pp_error_set(err, PP_EINVAL, "path too long: %s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            struct stat st;
            if (mkdir(buf, mode) && errno != EEXIST)
                return pp_error_set(err, PP_EIO, "cannot create %s: %s", buf,
                                    strerror(errno));
            if (stat(buf, &st) || !S_ISDIR(st.st_mode))
                return pp_error_set(err, PP_EIO,
                                    "cannot create %s: a file is in the way",
                                    buf);
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return 0;
}

int pp_profile_check(const char *name, pp_error *err)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64 || name[0] == '.')
        return pp_error_set(err, PP_EINVAL,
                            "profile '%s': a name needs 1 to 64 characters "
                            "and must not start with '.'",
                            name);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return pp_error_set(err, PP_EINVAL,
                                "profile '%s': only letters, digits, '_', "
                                "'-' and '.' are allowed",
                                name);
    }
    return 0;
}

int pp_profile_dir(const char *profile, char *out, size_t size,
                   pp_error *err)
{
    int rc = pp_profile_check(profile, err);
    if (rc)
        return rc;
    const char *base = getenv("PIPAR_DIR");
    int n;
    if (base && *base)
        n = snprintf(out, size, "%s/profile_%s", base, profile);
    else {
        const char *home = getenv("HOME");
        if (!home || !*home)
            return pp_error_set(err, PP_EINVAL,
                                "neither PIPAR_DIR nor HOME is set");
        n = snprintf(out, size, "%s/.pipar/profile_%s", home, profile);
    }
    if (n < 0 || (size_t)n >= size)
        return pp_error_set(err, PP_EINVAL, "profile path too long");
    return 0;
}

int pp_profile_path(const char *profile, const char *sub, const char *file,
                    char *out, size_t size, pp_error *err)
{
    char dir[PP_PATH_MAX];
    int rc = pp_profile_dir(profile, dir, sizeof dir, err);
    if (rc)
        return rc;
    int n = snprintf(out, size, "%s/%s/%s", dir, sub, file);
    if (n < 0 || (size_t)n >= size)
        return pp_error_set(err, PP_EINVAL, "profile path too long");
    return 0;
}

int pp_pid_is_zombie(long pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The state follows the command name, which is in parentheses and may
     * itself hold spaces or parentheses: look after the last ')'. */
    const char *close = strrchr(buf, ')');
    return close && close[1] == ' ' && close[2] == 'Z';
}

int pp_pid_alive(long pid)
{
    if (pid <= 0)
        return 0;
    if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
        return 0;
    return !pp_pid_is_zombie(pid);
}
