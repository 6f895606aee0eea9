/* wire.c - encoding, signing and moving pipar messages. */
#include "wire.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "pipar's wire format is little-endian; this host is not"
#endif

int64_t pp_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t pp_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t pp_msg_id_next(void)
{
    static _Atomic uint64_t counter;
    static _Atomic uint64_t session;
    uint64_t s = atomic_load(&session);
    if (!s) {
        uint32_t r = 0;
        if (getrandom(&r, sizeof r, 0) != sizeof r)
            r = (uint32_t)pp_now_ns() ^ (uint32_t)getpid();
        uint64_t want = ((uint64_t)(r | 1u)) << 32;
        uint64_t none = 0;
        atomic_compare_exchange_strong(&session, &none, want);
        s = atomic_load(&session);
    }
    return s | (atomic_fetch_add(&counter, 1) & 0xffffffffu);
}

bool pp_monitor_saw(void *monitor, uint16_t event)
{
    bool saw = false;
    for (;;) {
        zmq_msg_t ev;
        zmq_msg_init(&ev);
        if (zmq_msg_recv(&ev, monitor, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&ev);
            return saw;
        }
        uint16_t got = 0;
        if (zmq_msg_size(&ev) >= sizeof got)
            memcpy(&got, zmq_msg_data(&ev), sizeof got);
        bool more = zmq_msg_more(&ev);
        zmq_msg_close(&ev);
        while (more) { /* the endpoint's frame */
            zmq_msg_init(&ev);
            if (zmq_msg_recv(&ev, monitor, 0) < 0) {
                zmq_msg_close(&ev);
                return saw;
            }
            more = zmq_msg_more(&ev);
            zmq_msg_close(&ev);
        }
        saw |= got == event;
    }
}

void pp_socket_unbounded(void *sock)
{
    int zero = 0;
    zmq_setsockopt(sock, ZMQ_SNDHWM, &zero, sizeof zero);
    zmq_setsockopt(sock, ZMQ_RCVHWM, &zero, sizeof zero);
}

/* The header layout, byte offsets (docs/protocol.md). */
enum {
    OFF_TYPE = 0,
    OFF_KIND = 1,
    OFF_STATUS = 2,
    OFF_NVALUES = 3,
    OFF_FLAGS = 4,
    OFF_ID = 8,
    OFF_PARENT = 16,
    OFF_ENGINE = 24,
    OFF_RETRIES = 28,
    OFF_T_SUBMIT = 32,
    OFF_T_START = 40,
    OFF_T_DONE = 48,
    OFF_TIMEOUT = 56,
    OFF_LIMIT = 64,
    OFF_TYPES = 72,
    OFF_NAME = OFF_TYPES + PP_MAX_VALUES,
};
_Static_assert(OFF_NAME + PP_NAME_MAX == PP_HEADER_SIZE, "header layout");

#define PUT(buf, off, field) memcpy((buf) + (off), &(field), sizeof(field))
#define GET(buf, off, field) memcpy(&(field), (buf) + (off), sizeof(field))

void pp_header_encode(const pp_header *h, uint8_t out[PP_HEADER_SIZE])
{
    PUT(out, OFF_TYPE, h->type);
    PUT(out, OFF_KIND, h->kind);
    PUT(out, OFF_STATUS, h->status);
    PUT(out, OFF_NVALUES, h->nvalues);
    PUT(out, OFF_FLAGS, h->flags);
    PUT(out, OFF_ID, h->id);
    PUT(out, OFF_PARENT, h->parent);
    PUT(out, OFF_ENGINE, h->engine);
    PUT(out, OFF_RETRIES, h->retries);
    PUT(out, OFF_T_SUBMIT, h->t_submit);
    PUT(out, OFF_T_START, h->t_start);
    PUT(out, OFF_T_DONE, h->t_done);
    PUT(out, OFF_TIMEOUT, h->timeout_ms);
    PUT(out, OFF_LIMIT, h->limit_ms);
    memcpy(out + OFF_TYPES, h->types, PP_MAX_VALUES);
    memcpy(out + OFF_NAME, h->name, PP_NAME_MAX);
}

int pp_header_decode(pp_header *h, const void *buf, size_t size,
                     pp_error *err)
{
    const uint8_t *in = buf;
    if (size != PP_HEADER_SIZE)
        return pp_error_set(err, PP_EPROTO, "header of %zu bytes, not %d",
                            size, PP_HEADER_SIZE);
    memset(h, 0, sizeof *h);
    GET(in, OFF_TYPE, h->type);
    GET(in, OFF_KIND, h->kind);
    GET(in, OFF_STATUS, h->status);
    GET(in, OFF_NVALUES, h->nvalues);
    GET(in, OFF_FLAGS, h->flags);
    GET(in, OFF_ID, h->id);
    GET(in, OFF_PARENT, h->parent);
    GET(in, OFF_ENGINE, h->engine);
    GET(in, OFF_RETRIES, h->retries);
    GET(in, OFF_T_SUBMIT, h->t_submit);
    GET(in, OFF_T_START, h->t_start);
    GET(in, OFF_T_DONE, h->t_done);
    GET(in, OFF_TIMEOUT, h->timeout_ms);
    GET(in, OFF_LIMIT, h->limit_ms);
    memcpy(h->types, in + OFF_TYPES, PP_MAX_VALUES);
    memcpy(h->name, in + OFF_NAME, PP_NAME_MAX);

    if (h->type < PP_MSG_REGISTER || h->type >= PP_MSG_TYPE_COUNT)
        return pp_error_set(err, PP_EPROTO, "unknown message type %u",
                            h->type);
    if ((h->type == PP_MSG_TASK || h->type == PP_MSG_RESULT)
        && (h->kind < PP_TASK_APPLY || h->kind >= PP_TASK_KIND_COUNT))
        return pp_error_set(err, PP_EPROTO, "unknown task kind %u", h->kind);
    if (h->nvalues > PP_MAX_VALUES)
        return pp_error_set(err, PP_EPROTO, "%u values, at most %d",
                            h->nvalues, PP_MAX_VALUES);
    for (int i = 0; i < h->nvalues; i++)
        if (h->types[i] == PP_T_NONE || h->types[i] >= PP_T_COUNT)
            return pp_error_set(err, PP_EPROTO, "value %d has unknown type %u",
                                i, h->types[i]);
    if (memchr(h->name, '\0', PP_NAME_MAX) == NULL)
        return pp_error_set(err, PP_EPROTO, "name is not terminated");
    if (h->status > 0)
        return pp_error_set(err, PP_EPROTO, "status %d", h->status);
    if (h->status && h->nvalues < 1)
        return pp_error_set(err, PP_EPROTO, "an error without its text");
    if (h->status && h->types[0] != PP_T_STR)
        return pp_error_set(err, PP_EPROTO, "an error text that is no str");
    return 0;
}

int pp_header_set_name(pp_header *h, const char *s, pp_error *err)
{
    size_t n = strlen(s);
    if (n == 0 || n >= PP_NAME_MAX)
        return pp_error_set(err, PP_EINVAL,
                            "name '%s' must have 1 to %d characters", s,
                            PP_NAME_MAX - 1);
    memset(h->name, 0, sizeof h->name);
    memcpy(h->name, s, n);
    return 0;
}

static int zmq_failure(pp_error *err, const char *what)
{
    int e = zmq_errno();
    if (e == EAGAIN)
        return pp_error_set(err, PP_ETIMEDOUT, "%s: timed out", what);
    if (e == EINTR)
        return pp_error_set(err, PP_EINTR, "%s: interrupted", what);
    return pp_error_set(err, PP_EZMQ, "%s: %s", what, zmq_strerror(e));
}

static bool more_follows(void *sock)
{
    int more = 0;
    size_t len = sizeof more;
    zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &len);
    return more != 0;
}

static bool is_proto(zmq_msg_t *m)
{
    return zmq_msg_size(m) == sizeof PP_PROTO - 1
        && memcmp(zmq_msg_data(m), PP_PROTO, sizeof PP_PROTO - 1) == 0;
}

int pp_frames_recv(void *sock, pp_frames *fr, int flags, pp_error *err)
{
    fr->nroute = 0;
    fr->nbody = 0;
    bool seen_proto = false;
    bool overflow = false;
    char other_version = 0; /* a "PPn" frame of another version */
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        /* Only the first part can be absent; the rest of a multipart
         * message arrives with it. */
        int f = (fr->nroute + fr->nbody == 0 && !overflow) ? flags : 0;
        if (zmq_msg_recv(&m, sock, f) < 0) {
            zmq_msg_close(&m);
            int rc = zmq_failure(err, "receive");
            pp_frames_close(fr);
            return rc;
        }
        bool more = more_follows(sock);
        if (overflow) {
            zmq_msg_close(&m);
        } else if (!seen_proto && is_proto(&m)) {
            seen_proto = true;
            fr->body[fr->nbody++] = m;
        } else if (!seen_proto && fr->nroute < PP_MAX_ROUTE) {
            const char *d = zmq_msg_data(&m);
            if (zmq_msg_size(&m) == 3 && d[0] == 'P' && d[1] == 'P'
                && d[2] >= '0' && d[2] <= '9')
                other_version = d[2];
            fr->route[fr->nroute++] = m;
        } else if (seen_proto && fr->nbody < 3 + PP_MAX_VALUES) {
            fr->body[fr->nbody++] = m;
        } else {
            zmq_msg_close(&m);
            overflow = true;
        }
        if (!more)
            break;
    }
    if (overflow || !seen_proto) {
        pp_frames_close(fr);
        /* A cluster half upgraded: say so, not just "malformed". */
        if (!overflow && other_version)
            return pp_error_set(err, PP_EPROTO,
                                "message without the " PP_PROTO
                                " frame: its sender speaks protocol PP%c "
                                "(another version of pipar)",
                                other_version);
        return pp_error_set(err, PP_EPROTO,
                            overflow ? "message with too many frames"
                                     : "message without the " PP_PROTO
                                       " frame");
    }
    return 0;
}

/* The stamp: seal[64..88). */
static void stamp_write(uint8_t seal[PP_SEAL_SIZE], const pp_stamp *st)
{
    memcpy(seal + 2 * PP_SIG_SIZE, &st->session, 8);
    memcpy(seal + 2 * PP_SIG_SIZE + 8, &st->counter, 8);
    memcpy(seal + 2 * PP_SIG_SIZE + 16, &st->t_sent, 8);
}

static void stamp_read(const uint8_t seal[PP_SEAL_SIZE], pp_stamp *st)
{
    memcpy(&st->session, seal + 2 * PP_SIG_SIZE, 8);
    memcpy(&st->counter, seal + 2 * PP_SIG_SIZE + 8, 8);
    memcpy(&st->t_sent, seal + 2 * PP_SIG_SIZE + 16, 8);
}

/* Each MAC starts with a label frame of its own, so that no input of one
 * is an input of the other: values are whatever a sender was asked to
 * send, and a values MAC over frames laid out as a header and a seal's
 * tail must not serve as the seal MAC of a message nobody sent. */
static const pp_span SEAL_LABEL = { "PP3 seal", 8 };
static const pp_span VALUES_LABEL = { "PP3 values", 10 };

/* The seal MAC covers the header and seal[32..88): the values MAC and the
 * stamp.  So it binds header, values and stamp together while costing one
 * small HMAC, whatever the size of the values. */
static int seal_mac(pp_signer *signer, const void *head, size_t head_size,
                    const uint8_t seal[PP_SEAL_SIZE], uint8_t mac[PP_SIG_SIZE])
{
    pp_span spans[3] = {
        SEAL_LABEL,
        { head, head_size },
        { seal + PP_SIG_SIZE, PP_SEAL_SIZE - PP_SIG_SIZE },
    };
    return pp_sign(signer, spans, 3, mac);
}

/* The values MAC: the label, then each value frame. */
static int values_mac(pp_signer *signer, const pp_span *values, size_t n,
                      uint8_t mac[PP_SIG_SIZE])
{
    pp_span spans[1 + PP_MAX_VALUES] = { VALUES_LABEL };
    if (n > PP_MAX_VALUES)
        return PP_EPROTO;
    for (size_t i = 0; i < n; i++)
        spans[1 + i] = values[i];
    return pp_sign(signer, spans, 1 + n, mac);
}

/* A fresh stamp of signer's own, then the seal MAC over it. */
static int seal_stamp(pp_signer *signer, const void *head, size_t head_size,
                      uint8_t seal[PP_SEAL_SIZE])
{
    pp_stamp st;
    pp_signer_stamp(signer, &st);
    stamp_write(seal, &st);
    return seal_mac(signer, head, head_size, seal, seal);
}

int pp_seal(pp_signer *signer, const pp_span *frames, size_t count,
            uint8_t seal[PP_SEAL_SIZE])
{
    if (count < 1
        || values_mac(signer, frames + 1, count - 1, seal + PP_SIG_SIZE))
        return PP_EPROTO;
    return seal_stamp(signer, frames[0].data, frames[0].size, seal);
}

static int check_stamp(pp_signer *signer, const uint8_t *seal,
                       pp_error *err)
{
    pp_stamp st;
    stamp_read(seal, &st);
    switch (pp_signer_admit(signer, &st)) {
    case PP_REPLAY_FRESH:
        return 0;
    case PP_REPLAY_SEEN:
        return pp_error_set(err, PP_EPROTO,
                            "replayed message (session %016llx, number %llu)",
                            (unsigned long long)st.session,
                            (unsigned long long)st.counter);
    case PP_REPLAY_STALE:
        return pp_error_set(err, PP_EPROTO,
                            "message sent %.1f s away from this host's clock"
                            " (window %g s: are the clocks set, e.g. by NTP?)",
                            (double)(pp_now_ns() - st.t_sent) / 1e9,
                            pp_signer_clock_window(signer));
    case PP_REPLAY_FLOOR:
        break;
    }
    return pp_error_set(err, PP_EPROTO,
                        "replayed message? it is no newer than a sender "
                        "this host had to forget (more than %d senders "
                        "within the clock window)",
                        PP_REPLAY_SESSIONS);
}

static zmq_msg_t *body(const pp_frames *fr, int i)
{
    return (zmq_msg_t *)&fr->body[i];
}

int pp_frames_verify_seal(const pp_frames *fr, pp_signer *signer,
                          pp_header *h, pp_error *err)
{
    if (fr->nbody < 3)
        return pp_error_set(err, PP_EPROTO, "truncated message (%d frames)",
                            fr->nbody);
    if (zmq_msg_size(body(fr, 1)) != PP_SEAL_SIZE)
        return pp_error_set(err, PP_EPROTO, "bad signature (a seal of %zu "
                            "bytes, not %d)", zmq_msg_size(body(fr, 1)),
                            PP_SEAL_SIZE);
    const uint8_t *seal = zmq_msg_data(body(fr, 1));
    const void *head = zmq_msg_data(body(fr, 2));
    size_t head_size = zmq_msg_size(body(fr, 2));
    /* One small HMAC before anything is believed: the header, the values
     * MAC and the stamp are what it covers. */
    uint8_t want[PP_SIG_SIZE];
    if (seal_mac(signer, head, head_size, seal, want)
        || CRYPTO_memcmp(want, seal, PP_SIG_SIZE))
        return pp_error_set(err, PP_EPROTO, "bad signature");
    int rc = check_stamp(signer, seal, err);
    if (rc)
        return rc;
    rc = pp_header_decode(h, head, head_size, err);
    if (rc)
        return rc;
    if (h->nvalues != fr->nbody - 3)
        return pp_error_set(err, PP_EPROTO,
                            "header lists %u values, message has %d",
                            h->nvalues, fr->nbody - 3);
    return 0;
}

int pp_frames_verify_values(const pp_frames *fr, pp_signer *signer,
                            pp_error *err)
{
    if (fr->nbody < 3 || zmq_msg_size(body(fr, 1)) != PP_SEAL_SIZE)
        return pp_error_set(err, PP_EPROTO, "bad signature (no seal)");
    pp_span spans[PP_MAX_VALUES] = { { NULL, 0 } };
    int n = 0;
    for (int i = 3; i < fr->nbody && n < PP_MAX_VALUES; i++, n++) {
        spans[n].data = zmq_msg_data(body(fr, i));
        spans[n].size = zmq_msg_size(body(fr, i));
    }
    const uint8_t *seal = zmq_msg_data(body(fr, 1));
    uint8_t want[PP_SIG_SIZE];
    if (values_mac(signer, spans, (size_t)n, want)
        || CRYPTO_memcmp(want, seal + PP_SIG_SIZE, PP_SIG_SIZE))
        return pp_error_set(err, PP_EPROTO,
                            "bad signature (the values do not match their "
                            "seal: changed on the way?)");
    return 0;
}

int pp_frames_verify(const pp_frames *fr, pp_signer *signer, pp_header *h,
                     pp_error *err)
{
    int rc = pp_frames_verify_seal(fr, signer, h, err);
    return rc ? rc : pp_frames_verify_values(fr, signer, err);
}

int pp_seal_renew(zmq_msg_t *body, int nbody, pp_signer *signer,
                  pp_error *err)
{
    if (nbody < 3 || zmq_msg_size(&body[1]) != PP_SEAL_SIZE)
        return pp_error_set(err, PP_EPROTO, "no seal to renew");
    /* A new frame, not the old one rewritten: the old seal's bytes may be
     * shared with a copy of the message that ZeroMQ is still sending. */
    zmq_msg_t fresh;
    if (zmq_msg_init_size(&fresh, PP_SEAL_SIZE))
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    uint8_t *seal = zmq_msg_data(&fresh);
    memcpy(seal, zmq_msg_data(&body[1]), PP_SEAL_SIZE);
    if (seal_stamp(signer, zmq_msg_data(&body[2]), zmq_msg_size(&body[2]),
                   seal)) {
        zmq_msg_close(&fresh);
        return pp_error_set(err, PP_EPROTO, "could not sign a message");
    }
    zmq_msg_move(&body[1], &fresh); /* releases the old seal */
    zmq_msg_close(&fresh);
    return 0;
}

int pp_frames_send(void *sock, pp_frames *fr, const void *route,
                   size_t route_size, pp_error *err)
{
    int rc = 0;
    for (int i = 0; i < fr->nroute; i++)
        zmq_msg_close(&fr->route[i]);
    fr->nroute = 0;
    if (route && zmq_send(sock, route, route_size, ZMQ_SNDMORE) < 0)
        rc = zmq_failure(err, "send");
    for (int i = 0; i < fr->nbody; i++) {
        int more = i + 1 < fr->nbody ? ZMQ_SNDMORE : 0;
        if (rc == 0 && zmq_msg_send(&fr->body[i], sock, more) < 0)
            rc = zmq_failure(err, "send");
        if (rc)
            zmq_msg_close(&fr->body[i]);
    }
    fr->nbody = 0;
    return rc;
}

void pp_frames_close(pp_frames *fr)
{
    for (int i = 0; i < fr->nroute; i++)
        zmq_msg_close(&fr->route[i]);
    for (int i = 0; i < fr->nbody; i++)
        zmq_msg_close(&fr->body[i]);
    fr->nroute = 0;
    fr->nbody = 0;
}

static void release_zmq_msg(void *data, void *hint)
{
    (void)data;
    zmq_msg_close(hint);
    free(hint);
}

int pp_frames_take_values(pp_frames *fr, const pp_header *h, pp_values *vals,
                          pp_error *err)
{
    for (int i = 0; i < h->nvalues; i++) {
        zmq_msg_t *held = malloc(sizeof *held);
        if (!held)
            return pp_error_set(err, PP_ENOMEM, "out of memory");
        zmq_msg_init(held);
        zmq_msg_move(held, &fr->body[3 + i]);
        pp_value v = {
            .type = (pp_type)h->types[i],
            .size = zmq_msg_size(held),
            .data = zmq_msg_data(held),
            .release = release_zmq_msg,
            .hint = held,
        };
        int rc = pp_value_check(&v, err);
        /* ZeroMQ may hand over small frames at any offset in its receive
         * buffer; arrays are read as int64_t and double, so they must be
         * aligned: copy the (small) ones that are not. */
        if (rc == 0 && v.type != PP_T_STR && v.type != PP_T_BYTES
            && ((uintptr_t)v.data % 8) != 0) {
            pp_value aligned;
            rc = pp_value_copy(&aligned, &v);
            pp_value_free(&v);
            v = aligned;
        }
        if (rc == 0)
            rc = pp_values_push(vals, &v);
        if (rc) {
            pp_value_free(&v);
            return rc;
        }
    }
    return 0;
}

/* ZeroMQ calls this when it has sent an owned value's bytes. */
static void release_sent(void *data, void *hint)
{
    pp_value *v = hint;
    (void)data;
    v->release(v->data, v->hint);
    free(v);
}

static int frame_from_value(zmq_msg_t *m, pp_value *v)
{
    if (v->release && v->size > 0) {
        pp_value *kept = malloc(sizeof *kept);
        if (!kept)
            return PP_ENOMEM;
        *kept = *v;
        if (zmq_msg_init_data(m, v->data, v->size, release_sent, kept)) {
            free(kept);
            return PP_ENOMEM;
        }
        memset(v, 0, sizeof *v);
        return 0;
    }
    if (zmq_msg_init_size(m, v->size))
        return PP_ENOMEM;
    if (v->size)
        memcpy(zmq_msg_data(m), v->data, v->size);
    pp_value_free(v);
    return 0;
}

int pp_msg_build(pp_signer *signer, pp_header *h, pp_value *vals, size_t n,
                 pp_frames *out, pp_error *err)
{
    if (n > PP_MAX_VALUES) {
        for (size_t i = 0; i < n; i++)
            pp_value_free(&vals[i]);
        return pp_error_set(err, PP_EINVAL, "%zu values, at most %d", n,
                            PP_MAX_VALUES);
    }
    pp_frames fr = { .nroute = 0, .nbody = 0 };
    h->nvalues = (uint8_t)n;
    memset(h->types, 0, sizeof h->types);
    /* "&& i < PP_MAX_VALUES" repeats the check above for gcc 12 at -O3:
     * it splits this function after that check (pp_msg_build.part.0),
     * loses the bound on n and warns of a write at offset 16 of types
     * (-Wstringop-overflow, an error with -Werror; seen cross-building
     * for aarch64). */
    for (size_t i = 0; i < n && i < PP_MAX_VALUES; i++)
        h->types[i] = (uint8_t)vals[i].type;

    uint8_t head[PP_HEADER_SIZE];
    pp_header_encode(h, head);
    /* All set: with no values, gcc -O3 takes spans + 1 for unset. */
    pp_span spans[1 + PP_MAX_VALUES] = { { NULL, 0 } };
    spans[0] = (pp_span){ head, sizeof head };
    for (size_t i = 0; i < n; i++)
        spans[1 + i] = (pp_span){ vals[i].data, vals[i].size };
    uint8_t sig[PP_SEAL_SIZE];
    if (pp_seal(signer, spans, 1 + n, sig)) {
        for (size_t i = 0; i < n; i++)
            pp_value_free(&vals[i]);
        return pp_error_set(err, PP_EPROTO, "could not sign a message");
    }

    int rc = 0;
    zmq_msg_init_size(&fr.body[0], sizeof PP_PROTO - 1);
    memcpy(zmq_msg_data(&fr.body[0]), PP_PROTO, sizeof PP_PROTO - 1);
    zmq_msg_init_size(&fr.body[1], sizeof sig);
    memcpy(zmq_msg_data(&fr.body[1]), sig, sizeof sig);
    zmq_msg_init_size(&fr.body[2], sizeof head);
    memcpy(zmq_msg_data(&fr.body[2]), head, sizeof head);
    fr.nbody = 3;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && frame_from_value(&fr.body[fr.nbody], &vals[i]) == 0)
            fr.nbody++;
        else {
            pp_value_free(&vals[i]);
            rc = PP_ENOMEM;
        }
    }
    if (rc) {
        pp_frames_close(&fr);
        return pp_error_set(err, rc, "out of memory");
    }
    *out = fr;
    return 0;
}

int pp_msg_send(void *sock, pp_signer *signer, const void *route,
                size_t route_size, pp_header *h, pp_value *vals, size_t n,
                pp_error *err)
{
    pp_frames fr;
    int rc = pp_msg_build(signer, h, vals, n, &fr, err);
    return rc ? rc : pp_frames_send(sock, &fr, route, route_size, err);
}

int pp_msg_build_error(pp_signer *signer, const pp_header *req,
                       int32_t engine, int code, const char *text,
                       pp_frames *out, pp_error *err)
{
    pp_header h = {
        .type = req->type == PP_MSG_TASK ? PP_MSG_RESULT : req->type,
        .kind = req->kind,
        .status = (int8_t)(code < 0 ? code : PP_EINVAL),
        .id = pp_msg_id_next(),
        .parent = req->id,
        .engine = engine,
        .t_submit = req->t_submit,
    };
    memcpy(h.name, req->name, sizeof h.name);
    pp_value v;
    if (pp_value_str(&v, text))
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    return pp_msg_build(signer, &h, &v, 1, out, err);
}

int pp_msg_send_error(void *sock, pp_signer *signer, const void *route,
                      size_t route_size, const pp_header *req, int32_t engine,
                      int code, const char *text, pp_error *err)
{
    pp_frames fr;
    int rc = pp_msg_build_error(signer, req, engine, code, text, &fr, err);
    return rc ? rc : pp_frames_send(sock, &fr, route, route_size, err);
}
