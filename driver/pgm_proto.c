/* pgm_proto.c - PGM's protocol number without the system's protocols
 * database, for the driver linked against libzmq.a
 * (cmake/static_driver.cmake, which routes libpgm's calls of
 * pgm_getprotobyname here with the linker's --wrap).
 *
 * zmq_ctx_new initialises OpenPGM (pgm_init), which looks up "pgm" in the
 * protocols database: on Debian's default nsswitch.conf ("protocols: db
 * files") that reads nsswitch.conf, searches some forty folders for
 * libnss_db.so.2, which is seldom installed, then parses /etc/protocols:
 * about 0.3 ms of every driver command, here, for a transport pipar never
 * uses (connection files name tcp alone).  Answering "not found" makes
 * pgm_init keep its built-in number, 113, the IANA one that
 * /etc/protocols gives too. */
#include <stddef.h>

struct pgm_protoent_t;

struct pgm_protoent_t *__wrap_pgm_getprotobyname(const char *name);

struct pgm_protoent_t *__wrap_pgm_getprotobyname(const char *name)
{
    (void)name;
    return NULL;
}
