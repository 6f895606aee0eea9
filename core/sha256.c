/* sha256.c - SHA-256 with OpenSSL (SHA instructions where the CPU has
 * them: a 150 MB digits file hashes in about 0.1 s).
 *
 * Through SHA256_Init/Update/Final, the same block function as EVP at the
 * same speed, rather than EVP: EVP brings OpenSSL's providers with it, and
 * in the driver, linked against libcrypto.a (cmake/static_driver.cmake),
 * that was 4 MB of code and 100 pages of pointer tables relocated at every
 * start.  Deprecated in OpenSSL 3 but supported, as in sign.c. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void to_hex(const unsigned char *md, char hex[PP_SHA256_HEX])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
}

int pp_sha256_buf(const void *data, size_t size, char hex[PP_SHA256_HEX],
                  pp_error *err)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256_CTX ctx;
    if (!SHA256_Init(&ctx) || !SHA256_Update(&ctx, data, size)
        || !SHA256_Final(md, &ctx))
        return pp_error_set(err, PP_EIO, "SHA-256 failed");
    to_hex(md, hex);
    return 0;
}

int pp_sha256_file(const char *path, size_t size, char hex[PP_SHA256_HEX],
                   pp_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pp_error_set(err, errno == ENOENT ? PP_ENOENT : PP_EIO,
                            "cannot read %s: %s", path, strerror(errno));
    SHA256_CTX ctx;
    if (!SHA256_Init(&ctx)) {
        close(fd);
        return pp_error_set(err, PP_EIO, "SHA-256 failed");
    }
    enum { CHUNK = 1 << 20 };
    char *buf = malloc(CHUNK);
    size_t left = size;
    int rc = buf ? 0 : pp_error_set(err, PP_ENOMEM, "out of memory");
    while (left > 0) {
        if (rc)
            break;
        ssize_t n = read(fd, buf, left < CHUNK ? left : CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = pp_error_set(err, PP_EIO, "cannot read %s: %s", path,
                              strerror(errno));
            break;
        }
        if (n == 0) {
            if (size != (size_t)-1)
                rc = pp_error_set(err, PP_EIO,
                                  "%s is shorter than %zu bytes", path,
                                  size);
            break;
        }
        SHA256_Update(&ctx, buf, (size_t)n);
        if (size != (size_t)-1)
            left -= (size_t)n;
    }
    close(fd);
    free(buf);
    unsigned char md[SHA256_DIGEST_LENGTH];
    if (!SHA256_Final(md, &ctx) && !rc)
        rc = pp_error_set(err, PP_EIO, "SHA-256 failed");
    if (!rc)
        to_hex(md, hex);
    return rc;
}
