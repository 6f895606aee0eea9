/* connfile.h - the connection files engine.json and client.json.
 *
 * They hold where the controller listens and the key that signs messages,
 * as JSON:
 *   {"transport": "tcp", "ip": "127.0.0.1", "location": "127.0.0.1",
 *    "engine_port": 40001, "client_port": 40002, "events_port": 40003,
 *    "key": "<64 hex digits>", "signature_scheme": "hmac-sha256",
 *    "controller_pid": 1234, "clock_window": 300,
 *    "max_message_size": 1073741824}
 * and, with controller --curve, "curve_serverkey", "curve_publickey" and
 * "curve_secretkey" (Z85); with controller --http, "http_port" and
 * "http_token".
 * "ip" is the address the controller bound; "location" the address others
 * connect to (they differ when ip is "*"). */
#ifndef PP_CONNFILE_H
#define PP_CONNFILE_H

#include <stdint.h>
#include <sys/types.h>

#include "pipar/error.h"
#include "sign.h"

typedef struct pp_conninfo {
    char ip[256];
    char location[256];
    int engine_port;
    int client_port;
    int events_port; /* 0 when the file names none */
    uint8_t key[PP_KEY_SIZE];
    long controller_pid;
    double clock_window_s; /* replay.h; PP_CLOCK_WINDOW_S when absent, 0:
                              no clock check */
    int64_t max_message;   /* the controller's largest frame, in bytes;
                              PP_MAX_MESSAGE when absent */
    /* CurveZMQ (controller --curve), Z85 text; empty strings when off.
     * The server's public key, and the one key pair every engine and
     * client of this controller uses (the controller lets no other in). */
    char curve_server[41];
    char curve_public[41];
    char curve_secret[41];
    /* controller --http: the status page's port and the token it asks of
     * peers beyond loopback (32 hex digits); 0 and "" when off. */
    int http_port;
    char http_token[33];
} pp_conninfo;

/* Sets CurveZMQ's client options on sock when ci has curve keys.  0, or
 * PP_EZMQ when this libzmq cannot (built without CURVE). */
int pp_conninfo_secure(const pp_conninfo *ci, void *sock, pp_error *err);

/* 1 GiB: far above the largest frame pipar's own work makes (a chunk of
 * digits, a merged series term), far below what a Pi can hold. */
#define PP_MAX_MESSAGE ((int64_t)1 << 30)

/* Reads and checks every field; the error names the file and the field. */
int pp_conninfo_read(const char *path, pp_conninfo *ci, pp_error *err);

/* Writes atomically with mode 0600 (the key is a secret). */
int pp_conninfo_write(const char *path, const pp_conninfo *ci,
                      pp_error *err);

/* "tcp://location:port" */
int pp_conninfo_endpoint(const pp_conninfo *ci, int port, char *out,
                         size_t size);

#endif
