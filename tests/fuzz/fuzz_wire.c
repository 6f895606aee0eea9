/* fuzz_wire.c - a libFuzzer target over everything that decodes bytes that
 * came off the network: the frames of a message (pp_frames_recv,
 * pp_frames_verify, pp_header_decode, pp_frames_take_values), the values
 * the engine, the controller and the driver then read (workload arguments,
 * namespace names, hostnames, error texts, ids, JSON, bigints), and the
 * other pure decoders (connection files, digit counts, the pair kernel).
 *
 * An input is one mode byte, one flags byte, then pieces separated by the
 * four bytes SEP ("~|~|"): the fuzzer makes multi-frame messages by
 * inserting or removing a separator.  The modes:
 *
 *   0 SIGNED  pieces are [route...] header value...; the harness signs the
 *             header and values with the fixed key, as a sender would, and
 *             builds a pp_frames of them, so the decoding behind the
 *             signature is exercised.  The header piece is used raw, or
 *             padded/cut to PP_HEADER_SIZE, or copied over a pp_header and
 *             encoded with pp_header_encode (optionally made plausible).
 *   1 SEND    the header piece is copied over a pp_header, each value piece
 *             is a type byte then the bytes; pp_msg_send sends it over an
 *             inproc socket and pp_frames_recv receives it: the real
 *             encoder and signer on one side, the real receiver on the other.
 *   2 RAW     every piece is one frame, sent as they are (routing ids,
 *             "PP1", signature and all) and received with pp_frames_recv;
 *             verified with the fixed key.
 *   3 PURE    each piece goes to pp_header_decode, pp_bigint_import, the
 *             value checks and printers, pp_parse_digits, the pair kernel
 *             (against the naive loop) and, as a file, pp_conninfo_read.
 *
 * Every message that comes off those modes is also given, as a copy, to
 * the controller's own handlers (hub_handle_engine / hub_handle_client) of
 * a hub opened on inproc:// endpoints in this process with the fixed key,
 * which verifies it as the controller does; engine types go to the
 * engines' side, client types to the clients', flag F_OTHER_SIDE swaps.
 * The hub knows one engine ("engine-rid") and one client ("client-rid"),
 * DEALERs here whose mail is read after each input (the engine answers
 * each task with an empty result, the client's is dropped); a
 * fresh hub every HUB_INPUTS inputs bounds what it accumulates.  (A
 * finding may need the inputs before it: replay the corpus in order.)
 * Tasks meant for an engine run through the engine's own task running
 * (engine_run_task, engine/tasks.c) on a namespace of the fuzzer's.
 *
 * Nothing here knows a byte offset of the header: it uses PP_HEADER_SIZE,
 * pp_header_encode/decode and the pp_msg functions, so it keeps working when
 * the header grows.  LLVMFuzzerInitialize checks that a message the harness
 * signs itself is accepted by pp_frames_verify, and stops with a message if
 * the wire format has moved away from it.
 *
 * With PIPAR_FUZZ_SEEDS=DIR set, the program writes a seed corpus of valid
 * messages (built with the same API) into DIR and exits.
 *
 * Workloads that would legitimately run long (sleep, pi over many terms or
 * digits) are not run for arguments the workload accepts by contract but
 * that cost more than a fuzz iteration should; everything else, invalid
 * arguments included, reaches the workload. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmp.h>
#include <jansson.h>
#include <zmq.h>

#include "bigint.h"
#include "connfile.h"
#include "hub.h"
#include "hub_internal.h"
#include "log.h"
#include "namespace.h"
#include "pairs.h"
#include "pi.h"
#include "pipar/value.h"
#include "repr.h"
#include "sha256.h"
#include "sign.h"
#include "tasks.h"
#include "wire.h"
#include "workload.h"
#if __has_include("replay.h")
#include "replay.h"
#endif

/* The second body frame: a seal (seal MAC, values MAC, stamp) once replay
 * protection is in, a plain signature before; pp_seal and pp_sign write it
 * as pp_msg_send does. */
#ifdef PP_SEAL_SIZE
#define SEAL_SIZE PP_SEAL_SIZE
#define SEAL(signer, spans, n, out) pp_seal(signer, spans, n, out)
#else
#define SEAL_SIZE PP_SIG_SIZE
#define SEAL(signer, spans, n, out) pp_sign(signer, spans, n, out)
#endif

#define SEP "~|~|"
#define SEP_LEN 4
#define MAX_PIECES 40

enum { MODE_SIGNED, MODE_SEND, MODE_RAW, MODE_PURE, MODE_COUNT };

/* The flags byte. */
enum {
    F_ROUTES = 3,       /* SIGNED: routing-id pieces first (0..2) */
    F_STRUCT = 1 << 2,  /* SIGNED: header piece copied over a pp_header */
    F_FIX = 1 << 3,     /* SIGNED, SEND: make that header plausible */
    F_PAD = 1 << 4,     /* SIGNED: raw header padded/cut to the size */
    F_MISALIGN = 1 << 5, /* SIGNED: value bytes at an odd address */
    F_ROUTE1 = 1 << 6,  /* SEND: the first piece is a routing id */
    F_OTHER_SIDE = 1 << 7, /* the hub gets it on the other socket */
};

/* 32 bytes, the string's NUL included. */
static const uint8_t KEY[PP_KEY_SIZE] = "pipar fuzz key, fixed, not real";

/* A digits file for pairs_local, in a directory of our own. */
static const char DIGITS[] =
    "3141592653589793238462643383279502884197169399375105820974944592";
#define DIGITS_NAME "pi-64.txt"

static pp_signer *signer;
static void *zctx, *tx, *rx;
static FILE *devnull;
static int conn_fd = -1;
static char conn_path[64];
static char data_dir[256];
static char digits_sha[PP_SHA256_HEX];

/* A finding that is no crash of its own: a decoder broke a promise. */
#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_wire: check failed at %s:%d: %s\n",        \
                    __FILE__, __LINE__, #cond);                              \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* ---- pieces and frames -------------------------------------------------- */

typedef struct piece {
    const uint8_t *p;
    size_t n;
} piece;

static size_t split(const uint8_t *d, size_t n, piece *out, size_t max)
{
    size_t k = 0;
    const uint8_t *p = d, *end = d + n;
    for (;;) {
        const uint8_t *s = k + 1 < max
                               ? memmem(p, (size_t)(end - p), SEP, SEP_LEN)
                               : NULL;
        if (!s) {
            out[k++] = (piece){ p, (size_t)(end - p) };
            return k;
        }
        out[k++] = (piece){ p, (size_t)(s - p) };
        p = s + SEP_LEN;
    }
}

static void free_block(void *data, void *hint)
{
    (void)data;
    free(hint);
}

/* A frame whose bytes sit in a heap block of exactly their size (at an odd
 * address when misalign is 1), so that ASan sees any read past the end. */
static void frame_from(zmq_msg_t *m, const void *p, size_t n, int misalign)
{
    if (n == 0) {
        zmq_msg_init(m);
        return;
    }
    uint8_t *b = malloc(n + (size_t)misalign);
    if (!b) {
        zmq_msg_init(m);
        return;
    }
    memcpy(b + misalign, p, n);
    if (zmq_msg_init_data(m, b + misalign, n, free_block, b)) {
        free(b);
        zmq_msg_init(m);
    }
}

/* A NUL-terminated heap copy. */
static char *cstr(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* An owned heap copy of exactly n bytes (one byte for none), aligned as
 * malloc aligns, like the values the engine hands to workloads. */
static void value_of(pp_value *v, pp_type type, const void *p, size_t n)
{
    if (pp_value_bytes(v, type, p, n))
        memset(v, 0, sizeof *v);
}

/* Copies the piece over a pp_header (the rest zero); with fix, makes the
 * fields plausible so that decoding gets past its first checks. */
static void header_from(pp_header *h, const piece *pc, bool fix,
                        size_t nvalues, const uint8_t *types)
{
    memset(h, 0, sizeof *h);
    memcpy(h, pc->p, pc->n < sizeof *h ? pc->n : sizeof *h);
    if (!fix)
        return;
    h->type = (uint8_t)(PP_MSG_REGISTER
                        + h->type % (PP_MSG_TYPE_COUNT - PP_MSG_REGISTER));
    h->kind = (uint8_t)(PP_TASK_APPLY
                        + h->kind % (PP_TASK_KIND_COUNT - PP_TASK_APPLY));
    h->nvalues = (uint8_t)nvalues;
    for (size_t i = 0; i < PP_MAX_VALUES; i++)
        h->types[i] = i < nvalues
                          ? (types ? types[i]
                                   : (uint8_t)(1 + h->types[i]
                                                       % (PP_T_COUNT - 1)))
                          : 0;
    h->name[PP_NAME_MAX - 1] = '\0';
    if (h->status > 0)
        h->status = (int8_t)-h->status;
    if (h->status && (nvalues < 1 || h->types[0] != PP_T_STR))
        h->status = 0;
}

/* ---- what the engine does with a task ----------------------------------- */

/* A str value as a C string (as engine/tasks.c reads them). */
static int str_arg(const pp_values *in, size_t i, char *buf, size_t size)
{
    if (i >= in->n || in->v[i].type != PP_T_STR || in->v[i].size == 0
        || in->v[i].size >= size)
        return PP_EINVAL;
    memcpy(buf, in->v[i].data, in->v[i].size);
    buf[in->v[i].size] = '\0';
    return 0;
}

static bool one_i64s(const pp_value *v, size_t n)
{
    return v->type == PP_T_I64 && pp_value_count(v) == n;
}

/* The most a fuzz iteration may ask of a workload: terms of the series,
 * bits of a fixed-point number, decimal digits. */
#define MAX_FUZZ_TERMS 64
#define MAX_FUZZ_BITS (1 << 16)
#define MAX_FUZZ_DIGITS 4096

/* True for arguments a workload accepts by contract but that would take
 * longer than an iteration should (seconds of sleep, many terms or digits
 * of pi): those are not run.  Bad arguments are always run, and so is
 * every form of every workload within these bounds:
 *
 *   hello, noop, echo, fail, workloads   always (cost of the input)
 *   powers x [e]         always: at most 63 products an item
 *   pairs BYTES          always: linear in the input
 *   pairs_local NAME SHA [offset, length]  always: the 64-digit file
 *   sleep S              S <= 1 ms
 *   pi_leaf [a, b, need_p]                b - a <= 64 terms
 *   pi_merge P Q T P Q T [need_p]         always: products of the input
 *   pi_tail, pi_sqrt, pi_divide (every form: ... [bits])  bits <= 2^16
 *   pi_decimal y [bits, ulps] [n, half(, h)],
 *   pi_decimal_tail y [bits, ulps] dm [dexp] [n, half(, h)]
 *                        n <= 4096 digits (the powers of 5 and the text
 *                        go with n; y's bits bound n, dexp <= 0 bounds
 *                        the shifts by the input's own sizes) */
static bool too_costly(const char *name, const pp_value *a, size_t n)
{
    if (strcmp(name, "sleep") == 0) {
        if (n != 1 || pp_value_count(&a[0]) != 1)
            return false;
        double s = a[0].type == PP_T_F64 ? ((const double *)a[0].data)[0]
                   : a[0].type == PP_T_I64 ? (double)pp_value_i64s(&a[0])[0]
                                           : 0;
        return s > 1e-3 && s <= 86400;
    }
    if (strcmp(name, "pi_leaf") == 0) {
        if (n != 1 || !one_i64s(&a[0], 3))
            return false;
        const int64_t *r = pp_value_i64s(&a[0]);
        return r[0] >= 0 && r[1] > r[0] && r[1] - r[0] > MAX_FUZZ_TERMS;
    }
    int64_t bits = 0;
    /* [bits] is the last argument of every form of these. */
    if ((strcmp(name, "pi_tail") == 0 || strcmp(name, "pi_sqrt") == 0
         || strcmp(name, "pi_divide") == 0)
        && n >= 1 && one_i64s(&a[n - 1], 1))
        bits = pp_value_i64s(&a[n - 1])[0];
    if (bits)
        return bits > MAX_FUZZ_BITS
               && (uint64_t)bits <= pp_pi_max_bits();
    if (strcmp(name, "pi_decimal") == 0
        || strcmp(name, "pi_decimal_tail") == 0) {
        if ((n != 3 && n != 5)
            || !(one_i64s(&a[n - 1], 2) || one_i64s(&a[n - 1], 3)))
            return false;
        int64_t digits = pp_value_i64s(&a[n - 1])[0];
        return digits > MAX_FUZZ_DIGITS
               && (uint64_t)digits <= PP_PI_MAX_DIGITS;
    }
    return false;
}

/* The arguments an EXECUTE would give its workload (the namespace's
 * inputs, then the extra values), only to ask the cost filter; false when
 * an input is missing (the engine refuses it without running anything). */
static bool execute_args(const pp_values *in, const pp_namespace *ns,
                         pp_value *args, size_t *nargs)
{
    char inputs[256];
    *nargs = 0;
    if (str_arg(in, 0, inputs, sizeof inputs))
        return false;
    for (char *save = NULL, *v = strtok_r(inputs, ",", &save); v;
         v = strtok_r(NULL, ",", &save)) {
        const pp_value *x = ns_get(ns, v, NULL);
        if (!x || *nargs == PP_MAX_VALUES)
            return false;
        pp_value_borrow(&args[(*nargs)++], x->type, x->data, x->size);
    }
    for (size_t i = 2; i < in->n && *nargs < PP_MAX_VALUES; i++)
        pp_value_borrow(&args[(*nargs)++], in->v[i].type, in->v[i].data,
                        in->v[i].size);
    return true;
}

/* The engine's own task running (engine/tasks.c), on a namespace of the
 * input's own and modules that refuse loading (no compiler runs here),
 * after the cost filter. */
static void engine_task(const pp_header *h, pp_values *in, pp_namespace *ns)
{
    static modules mods;
    static bool mods_ready;
    if (!mods_ready) {
        modules_config cfg = { .refuse = true };
        modules_init(&mods, &cfg);
        mods_ready = true;
    }
    pp_value args[PP_MAX_VALUES];
    size_t nargs = 0;
    if (h->kind == PP_TASK_APPLY && too_costly(h->name, in->v, in->n))
        return;
    if (h->kind == PP_TASK_EXECUTE && execute_args(in, ns, args, &nargs)
        && too_costly(h->name, args, nargs))
        return;
    pp_error err = { 0 };
    pp_values out = { 0 };
    int rc = engine_run_task(ns, &mods, h, in, &out, &err);
    if (rc) {
        CHECK(rc < 0);
        CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL);
    }
    for (size_t i = 0; i < out.n; i++) {
        CHECK(pp_value_check(&out.v[i], NULL) == 0);
        pp_repr_value(devnull, &out.v[i]);
    }
    pp_values_free(&out);
}

/* ---- the controller's own handlers -------------------------------------- */

/* Inputs a hub lives for: what it holds (engines, queued tasks, replay
 * stamps) grows with the inputs it sees. */
#define HUB_INPUTS 512
#define HUB_ENGINE_RID "engine-rid"
#define HUB_CLIENT_RID "client-rid"

static hub *the_hub;
static void *peer_engine, *peer_client; /* DEALERs the hub knows */
static int hub_inputs, hub_serial;

/* What the hubs did, for the summary at exit: that the handlers are
 * reached, and past verification. */
static struct {
    uint64_t to_engines, to_clients, registered, done, failed, dropped;
} hub_total;

static void hub_count(const hub *h)
{
    hub_total.registered += (uint64_t)h->nengines - 1; /* not the primed one */
    hub_total.done += h->tasks_done;
    hub_total.failed += h->tasks_failed;
    hub_total.dropped += h->drops.bad_signature + h->drops.malformed
                         + h->drops.unknown_sender + h->drops.replayed
                         + h->drops.stale;
}

static void hub_summary(void)
{
    if (the_hub)
        hub_count(the_hub);
    fprintf(stderr,
            "stat::hub_messages: %llu to engines' side, %llu to clients'\n"
            "stat::hub_outcomes: %llu engines registered, %llu tasks done, "
            "%llu failed, %llu messages dropped\n",
            (unsigned long long)hub_total.to_engines,
            (unsigned long long)hub_total.to_clients,
            (unsigned long long)hub_total.registered,
            (unsigned long long)hub_total.done,
            (unsigned long long)hub_total.failed,
            (unsigned long long)hub_total.dropped);
}

static void *hub_peer(const char *rid, const char *endpoint)
{
    void *p = zmq_socket(zctx, ZMQ_DEALER);
    int zero = 0;
    if (!p || zmq_setsockopt(p, ZMQ_LINGER, &zero, sizeof zero)
        || zmq_setsockopt(p, ZMQ_ROUTING_ID, rid, strlen(rid))
        || zmq_connect(p, endpoint)) {
        fprintf(stderr, "fuzz_wire: no peer for the hub\n");
        exit(2);
    }
    pp_socket_unbounded(p);
    return p;
}

/* Reads what the hub sent its peers, so nothing piles up.  The engine
 * answers each task it was given with an empty result, as an engine does,
 * so that results reach the hub's result handling and the client. */
static void hub_peers_drain(void)
{
    pp_frames fr;
    pp_error err = { 0 };
    pp_header h;
    while (pp_frames_recv(peer_engine, &fr, ZMQ_DONTWAIT, &err) == 0) {
        bool task = pp_frames_verify(&fr, signer, &h, &err) == 0
                    && h.type == PP_MSG_TASK;
        pp_frames_close(&fr);
        pp_header r = { .type = PP_MSG_RESULT, .kind = h.kind,
                        .id = pp_msg_id_next(), .parent = h.id,
                        .engine = h.engine };
        if (!task || pp_msg_build(signer, &r, NULL, 0, &fr, &err))
            continue;
        frame_from(&fr.route[0], HUB_ENGINE_RID, strlen(HUB_ENGINE_RID), 0);
        fr.nroute = 1;
        hub_handle_engine(the_hub, &fr);
    }
    zmq_msg_t m;
    zmq_msg_init(&m);
    while (zmq_msg_recv(&m, peer_client, ZMQ_DONTWAIT) >= 0)
        ;
    zmq_msg_close(&m);
}

/* A hub of the fixed key that knows engine 0, HUB_ENGINE_RID. */
static void hub_fresh(void)
{
    if (the_hub) {
        hub_count(the_hub);
        hub_close(&the_hub);
        zmq_close(peer_engine);
        zmq_close(peer_client);
    }
    char ep[3][64];
    const char *side[3] = { "engines", "clients", "events" };
    for (int i = 0; i < 3; i++)
        snprintf(ep[i], sizeof ep[i], "inproc://fuzz-hub-%s-%d", side[i],
                 hub_serial);
    hub_serial++;
    /* Ticks every 10 ms (start timeouts expire), hearts never run out. */
    static const hub_config cfg = {
        .ip = "127.0.0.1", .profile = "fuzz", .scheme = "leastload",
        .hwm = 2, .heartbeat_s = 0.04, .heartbeat_misses = 1000000,
        .clock_window_s = 0, .max_message = 1 << 20, .backlog = 8,
    };
    hub_endpoints eps = { .ctx = zctx, .engines = ep[0], .clients = ep[1],
                          .events = ep[2], .key = KEY };
    pp_error err = { 0 };
    if (hub_open(&cfg, &eps, &the_hub, &err)) {
        fprintf(stderr, "fuzz_wire: hub_open: %s\n", err.msg);
        exit(2);
    }
    peer_engine = hub_peer(HUB_ENGINE_RID, ep[0]);
    peer_client = hub_peer(HUB_CLIENT_RID, ep[1]);
    pp_header h = { .type = PP_MSG_REGISTER, .id = pp_msg_id_next(),
                    .engine = -1 };
    pp_value v;
    pp_frames fr;
    CHECK(pp_value_str(&v, "fuzzhost") == 0);
    CHECK(pp_msg_build(signer, &h, &v, 1, &fr, &err) == 0);
    frame_from(&fr.route[0], HUB_ENGINE_RID, strlen(HUB_ENGINE_RID), 0);
    fr.nroute = 1;
    hub_handle_engine(the_hub, &fr);
    CHECK(the_hub->nengines == 1);
    hub_peers_drain();
    hub_inputs = 0;
}

static bool for_engines_side(pp_msg_type type)
{
    return type != PP_MSG_TASK && type != PP_MSG_IDS
           && type != PP_MSG_STATUS && type != PP_MSG_ABORT
           && type != PP_MSG_PENDING;
}

/* A copy of fr, every frame in a heap block of its own size. */
static void frames_dup(pp_frames *out, pp_frames *fr)
{
    out->nroute = fr->nroute;
    for (int i = 0; i < fr->nroute; i++)
        frame_from(&out->route[i], zmq_msg_data(&fr->route[i]),
                   zmq_msg_size(&fr->route[i]), 0);
    out->nbody = fr->nbody;
    for (int i = 0; i < fr->nbody; i++)
        frame_from(&out->body[i], zmq_msg_data(&fr->body[i]),
                   zmq_msg_size(&fr->body[i]), 0);
}

/* Gives the hub a copy of the message, on the side its type (as far as
 * the header decodes) belongs to; then one turn of its loop (outboxes,
 * ticks) and its peers' mail read. */
static void hub_gets(pp_frames *fr, uint8_t flags)
{
    if (!the_hub || ++hub_inputs > HUB_INPUTS)
        hub_fresh();
    pp_header h;
    pp_error err = { 0 };
    bool engines = true;
    if (fr->nbody >= 3
        && pp_header_decode(&h, zmq_msg_data(&fr->body[2]),
                            zmq_msg_size(&fr->body[2]), &err) == 0)
        engines = for_engines_side((pp_msg_type)h.type);
    if (flags & F_OTHER_SIDE)
        engines = !engines;
    pp_frames copy;
    frames_dup(&copy, fr);
    if (engines) {
        hub_total.to_engines++;
        hub_handle_engine(the_hub, &copy);
    } else {
        hub_total.to_clients++;
        hub_handle_client(the_hub, &copy);
    }
    CHECK(copy.nroute == 0 && copy.nbody == 0);
    CHECK(hub_step(the_hub, 0) == 0);
    hub_peers_drain();
}

/* ---- what the driver reads in a reply ----------------------------------- */

static void json_text(const pp_value *v)
{
    char *s = pp_value_strdup(v);
    if (!s)
        return;
    json_t *root = json_loads(s, 0, NULL);
    if (root) {
        char *back = json_dumps(root, JSON_COMPACT);
        free(back);
        json_decref(root);
    }
    free(s);
}

static void client_reply(const pp_header *h, const pp_values *vals)
{
    if (h->status) {
        /* The header promised a str text first. */
        CHECK(vals->n >= 1 && vals->v[0].type == PP_T_STR);
        char *text = pp_value_strdup(&vals->v[0]);
        CHECK(text != NULL);
        free(text);
        return;
    }
    if (vals->n == 1 && vals->v[0].type == PP_T_I64) {
        /* pp_client_ids, and pi-pairs' counts */
        size_t n = pp_value_count(&vals->v[0]);
        int64_t *ids = malloc(vals->v[0].size + 1);
        if (ids) {
            if (vals->v[0].size)
                memcpy(ids, vals->v[0].data, vals->v[0].size);
            free(ids);
        }
        if (n == 100) {
            uint64_t total = 0;
            for (size_t k = 0; k < 100; k++)
                total += (uint64_t)pp_value_i64s(&vals->v[0])[k];
            fprintf(devnull, "%" PRIu64, total);
        }
    }
    if (vals->n == 1 && vals->v[0].type == PP_T_STR)
        json_text(&vals->v[0]); /* pp_client_status, events */
}

/* ---- values, whoever reads them ----------------------------------------- */

static void bigint_round_trip(const pp_value *v)
{
    mpz_t z;
    mpz_init(z);
    pp_error err = { 0 };
    if (pp_bigint_import(z, v, &err) == 0) {
        /* Every number has exactly one encoding (bigint.h). */
        pp_value back;
        CHECK(pp_bigint_export(z, &back, &err) == 0);
        CHECK(back.size == v->size);
        CHECK(memcmp(back.data, v->data, v->size) == 0);
        pp_value_free(&back);
    }
    mpz_clear(z);
}

static void pairs_both_ways(const void *p, size_t n)
{
    uint64_t a[100] = { 0 }, b[100] = { 0 };
    pp_error ea = { 0 }, eb = { 0 };
    int ra = pp_pairs_count(p, n, a, &ea);
    int rb = pp_pairs_count_naive(p, n, b, &eb);
    CHECK(ra == rb);
    CHECK(memcmp(a, b, sizeof a) == 0);
    if (ra)
        CHECK(strcmp(ea.msg, eb.msg) == 0);
}

static void read_value(const pp_value *v)
{
    CHECK(pp_value_check(v, NULL) == 0);
    pp_repr_value(devnull, v);
    size_t count = pp_value_count(v);
    if (v->type == PP_T_I64 || v->type == PP_T_F64)
        CHECK(count * 8 == v->size);
    char *s = pp_value_strdup(v);
    CHECK((s != NULL) == (v->type == PP_T_STR));
    if (s)
        CHECK(memcmp(s, v->data, v->size) == 0 && s[v->size] == '\0');
    free(s);
    pp_value copy;
    if (pp_value_copy(&copy, v) == 0) {
        CHECK(copy.size == v->size && copy.type == v->type);
        pp_value_free(&copy);
    }
    if (v->type == PP_T_BIGINT)
        bigint_round_trip(v);
    if (v->type == PP_T_BYTES)
        pairs_both_ways(v->data, v->size);
}

/* ---- the pipeline a received message goes through ----------------------- */

static void seed_namespace(pp_namespace *ns)
{
    int64_t x[3] = { 2, 3, -4 };
    pp_value v;
    if (pp_value_i64(&v, x, 3) == 0 && ns_set(ns, "x", &v, NULL))
        pp_value_free(&v);
    if (pp_value_str(&v, "a string") == 0 && ns_set(ns, "s", &v, NULL))
        pp_value_free(&v);
    if (pp_value_bytes(&v, PP_T_BYTES, DIGITS, 20) == 0
        && ns_set(ns, "d", &v, NULL))
        pp_value_free(&v);
}

static void received(pp_frames *fr, uint8_t flags)
{
    hub_gets(fr, flags);
    pp_header h;
    pp_error err = { 0 };
    int rc = pp_frames_verify(fr, signer, &h, &err);
    if (rc) {
        CHECK(rc < 0);
        CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL);
        pp_frames_close(fr);
        return;
    }
    /* What verify promises. */
    CHECK(h.nvalues <= PP_MAX_VALUES);
    CHECK(fr->nbody == 3 + h.nvalues);
    CHECK(memchr(h.name, '\0', sizeof h.name) != NULL);

    pp_values vals = { 0 };
    rc = pp_frames_take_values(fr, &h, &vals, &err);
    pp_frames_close(fr);
    if (rc == 0) {
        CHECK(vals.n == h.nvalues);
        for (size_t i = 0; i < vals.n; i++) {
            const pp_value *v = &vals.v[i];
            CHECK(v->type == (pp_type)h.types[i]);
            if (v->type != PP_T_STR && v->type != PP_T_BYTES)
                CHECK((uintptr_t)v->data % 8 == 0);
            read_value(v);
        }
        if (h.type == PP_MSG_TASK) {
            pp_namespace ns = { 0 };
            seed_namespace(&ns);
            engine_task(&h, &vals, &ns);
            ns_free(&ns);
        } else if (h.type == PP_MSG_RESULT || h.type == PP_MSG_IDS
                   || h.type == PP_MSG_STATUS || h.type == PP_MSG_EVENT
                   || h.type == PP_MSG_ABORT || h.type == PP_MSG_PENDING) {
            client_reply(&h, &vals);
        }
    }
    pp_values_free(&vals);
}

/* ---- the modes ---------------------------------------------------------- */

static void sign_and_build(pp_frames *fr, const piece *routes, size_t nroute,
                           const void *head, size_t head_size,
                           const piece *vals, size_t nv, int misalign)
{
    pp_span spans[1 + PP_MAX_VALUES];
    spans[0] = (pp_span){ head, head_size };
    for (size_t i = 0; i < nv; i++)
        spans[1 + i] = (pp_span){ vals[i].p, vals[i].n };
    uint8_t sig[SEAL_SIZE];
    CHECK(SEAL(signer, spans, 1 + nv, sig) == 0);
    fr->nroute = (int)nroute;
    for (size_t i = 0; i < nroute; i++)
        frame_from(&fr->route[i], routes[i].p, routes[i].n, 0);
    frame_from(&fr->body[0], PP_PROTO, sizeof PP_PROTO - 1, 0);
    frame_from(&fr->body[1], sig, sizeof sig, 0);
    frame_from(&fr->body[2], head, head_size, 0);
    for (size_t i = 0; i < nv; i++)
        frame_from(&fr->body[3 + i], vals[i].p, vals[i].n, misalign);
    fr->nbody = 3 + (int)nv;
}

static void mode_signed(const piece *pc, size_t np, uint8_t flags)
{
    size_t nroute = flags & F_ROUTES;
    if (nroute > PP_MAX_ROUTE)
        nroute = PP_MAX_ROUTE;
    if (nroute > np - 1)
        nroute = np - 1;
    const piece *hp = &pc[nroute];
    const piece *vals = hp + 1;
    size_t nv = np - nroute - 1;
    if (nv > PP_MAX_VALUES)
        nv = PP_MAX_VALUES;

    uint8_t head[PP_HEADER_SIZE];
    const void *hd = hp->p;
    size_t hn = hp->n;
    if (flags & F_STRUCT) {
        pp_header h;
        header_from(&h, hp, flags & F_FIX, nv, NULL);
        pp_header_encode(&h, head);
        hd = head;
        hn = sizeof head;
    } else if (flags & F_PAD) {
        memset(head, 0, sizeof head);
        memcpy(head, hp->p, hp->n < sizeof head ? hp->n : sizeof head);
        hd = head;
        hn = sizeof head;
    }
    pp_frames fr;
    sign_and_build(&fr, pc, nroute, hd, hn, vals, nv,
                   (flags & F_MISALIGN) ? 1 : 0);
    received(&fr, flags);
}

static void mode_send(const piece *pc, size_t np, uint8_t flags)
{
    const piece *route = NULL;
    if ((flags & F_ROUTE1) && np > 1) {
        route = pc++;
        np--;
    }
    size_t nv = np - 1;
    if (nv > PP_MAX_VALUES)
        nv = PP_MAX_VALUES;
    pp_value vals[PP_MAX_VALUES];
    uint8_t types[PP_MAX_VALUES];
    for (size_t i = 0; i < nv; i++) {
        const piece *v = &pc[1 + i];
        /* Type 0 (none) and PP_T_COUNT are out of range on purpose. */
        pp_type t = v->n ? (pp_type)(v->p[0] % (PP_T_COUNT + 1)) : PP_T_STR;
        types[i] = (uint8_t)t;
        value_of(&vals[i], t, v->n ? v->p + 1 : NULL, v->n ? v->n - 1 : 0);
    }
    pp_header h;
    header_from(&h, &pc[0], flags & F_FIX, nv, types);
    pp_error err = { 0 };
    int rc = pp_msg_send(tx, signer, route ? route->p : NULL,
                         route ? route->n : 0, &h, vals, nv, &err);
    if (rc)
        return;
    pp_frames fr;
    if (pp_frames_recv(rx, &fr, 0, &err) == 0)
        received(&fr, flags);
}

static void mode_raw(const piece *pc, size_t np, uint8_t flags)
{
    for (size_t i = 0; i < np; i++)
        if (zmq_send(tx, pc[i].p, pc[i].n, i + 1 < np ? ZMQ_SNDMORE : 0) < 0)
            abort(); /* inproc with no high-water mark: cannot fail */
    pp_frames fr;
    pp_error err = { 0 };
    if (pp_frames_recv(rx, &fr, 0, &err) == 0) {
        CHECK(fr.nroute <= PP_MAX_ROUTE && fr.nbody >= 1
              && fr.nbody <= 3 + PP_MAX_VALUES);
        received(&fr, flags);
    } else {
        CHECK(err.code == PP_EPROTO);
    }
}

static void conninfo_from(const piece *pc)
{
    if (conn_fd < 0 || ftruncate(conn_fd, 0)
        || pwrite(conn_fd, pc->p, pc->n, 0) != (ssize_t)pc->n)
        return;
    pp_conninfo ci;
    pp_error err = { 0 };
    if (pp_conninfo_read(conn_path, &ci, &err) == 0) {
        CHECK(memchr(ci.ip, '\0', sizeof ci.ip) && ci.ip[0]);
        CHECK(memchr(ci.location, '\0', sizeof ci.location));
        CHECK(ci.engine_port >= 1 && ci.engine_port <= 65535);
        CHECK(ci.client_port >= 1 && ci.client_port <= 65535);
        CHECK(ci.events_port >= 0 && ci.events_port <= 65535);
        char ep[300];
        pp_conninfo_endpoint(&ci, ci.engine_port, ep, sizeof ep);
    } else {
        CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL);
    }
}

#ifdef PP_REPLAY_H
/* The piece as a run of stamps, checked against a guard of their own at a
 * fixed clock: a stamp just accepted is never accepted again. */
static void replay_stamps(const piece *pc)
{
    pp_replay *r = pp_replay_new(pc->n % 2 ? 300.0 : 0.0);
    if (!r)
        return;
    /* The wall clock for the window, the monotonic one for ageing. */
    const int64_t now = 1700000000000000000LL, mono = 1000000000000LL;
    for (size_t at = 0; at + sizeof(pp_stamp) <= pc->n; at += sizeof(pp_stamp)) {
        pp_stamp st;
        memcpy(&st, pc->p + at, sizeof st);
        if (pp_replay_check(r, &st, now, mono) == PP_REPLAY_FRESH)
            CHECK(pp_replay_check(r, &st, now, mono) != PP_REPLAY_FRESH);
    }
    pp_replay_destroy(&r);
}
#endif

static void mode_pure(const piece *pc, size_t np)
{
    for (size_t i = 0; i < np; i++) {
        const piece *p = &pc[i];
        pp_header h, again;
        pp_error err = { 0 };
        if (pp_header_decode(&h, p->p, p->n, &err) == 0) {
            /* Decoding what encoding made of it gives it back. */
            uint8_t buf[PP_HEADER_SIZE];
            pp_header_encode(&h, buf);
            CHECK(pp_header_decode(&again, buf, sizeof buf, &err) == 0);
            CHECK(memcmp(&h, &again, sizeof h) == 0);
        }
        for (int t = PP_T_NONE; t <= PP_T_COUNT; t++) {
            pp_value v;
            value_of(&v, (pp_type)t, p->p, p->n);
            if (v.data && pp_value_check(&v, NULL) == 0 && t != PP_T_NONE
                && t != PP_T_COUNT)
                read_value(&v);
            else if (t == PP_T_BIGINT)
                bigint_round_trip(&v);
            pp_value_free(&v);
        }
        char *s = cstr(p->p, p->n);
        if (s) {
            uint64_t digits = 0;
            if (pp_parse_digits("--digits", s, &digits, &err) == 0)
                CHECK(digits >= 1 && digits <= PP_PI_MAX_DIGITS);
            free(s);
        }
        conninfo_from(p);
    }
#ifdef PP_REPLAY_H
    replay_stamps(&pc[0]);
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t mode = data[0] % MODE_COUNT, flags = data[1];
    piece pc[MAX_PIECES];
    size_t np = split(data + 2, size - 2, pc, MAX_PIECES);
    switch (mode) {
    case MODE_SIGNED:
        mode_signed(pc, np, flags);
        break;
    case MODE_SEND:
        mode_send(pc, np, flags);
        break;
    case MODE_RAW:
        mode_raw(pc, np, flags);
        break;
    default:
        mode_pure(pc, np);
    }
    return 0;
}

/* ---- set-up, self-check and seeds --------------------------------------- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        CHECK(b->p != NULL);
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void put_piece(buf *b, const void *p, size_t n)
{
    put(b, SEP, SEP_LEN);
    put(b, p, n);
}

static const char *seed_dir;
static int seed_count;

static void seed_write(const buf *b)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/seed-%03d", seed_dir, seed_count++);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->p, 1, b->n, f) != b->n || fclose(f)) {
        fprintf(stderr, "fuzz_wire: cannot write %s\n", path);
        exit(1);
    }
}

/* One message, as an input of each of the three message modes.  h's
 * nvalues and types are filled from vals, as pp_msg_send does. */
static void seed_message(pp_header h, const pp_value *vals, size_t n)
{
    h.nvalues = (uint8_t)n;
    memset(h.types, 0, sizeof h.types);
    for (size_t i = 0; i < n; i++)
        h.types[i] = (uint8_t)vals[i].type;
    uint8_t head[PP_HEADER_SIZE];
    pp_header_encode(&h, head);

    buf b = { 0 };
    /* SIGNED: raw header, no routes */
    put(&b, (uint8_t[]){ MODE_SIGNED, 0 }, 2);
    put(&b, head, sizeof head);
    for (size_t i = 0; i < n; i++)
        put_piece(&b, vals[i].data, vals[i].size);
    seed_write(&b);
    /* SIGNED: one route, header as a struct made plausible */
    b.n = 0;
    /* The routing id of the hub's peer for that type, so that the hub
     * answers someone. */
    const char *rid = for_engines_side((pp_msg_type)h.type) ? HUB_ENGINE_RID
                                                            : HUB_CLIENT_RID;
    put(&b, (uint8_t[]){ MODE_SIGNED, 1 | F_STRUCT | F_FIX }, 2);
    put(&b, rid, strlen(rid));
    put_piece(&b, &h, sizeof h);
    for (size_t i = 0; i < n; i++)
        put_piece(&b, vals[i].data, vals[i].size);
    seed_write(&b);
    /* SEND */
    b.n = 0;
    put(&b, (uint8_t[]){ MODE_SEND, F_FIX }, 2);
    put(&b, &h, sizeof h);
    for (size_t i = 0; i < n; i++) {
        put(&b, SEP, SEP_LEN);
        put(&b, (uint8_t[]){ (uint8_t)vals[i].type }, 1);
        put(&b, vals[i].data, vals[i].size);
    }
    seed_write(&b);
    /* RAW: what a ROUTER hands over, signature and all */
    pp_span spans[1 + PP_MAX_VALUES];
    spans[0] = (pp_span){ head, sizeof head };
    for (size_t i = 0; i < n; i++)
        spans[1 + i] = (pp_span){ vals[i].data, vals[i].size };
    uint8_t sig[SEAL_SIZE];
    CHECK(SEAL(signer, spans, 1 + n, sig) == 0);
    b.n = 0;
    put(&b, (uint8_t[]){ MODE_RAW, 0 }, 2);
    put(&b, rid, strlen(rid));
    put_piece(&b, PP_PROTO, sizeof PP_PROTO - 1);
    put_piece(&b, sig, sizeof sig);
    put_piece(&b, head, sizeof head);
    for (size_t i = 0; i < n; i++)
        put_piece(&b, vals[i].data, vals[i].size);
    seed_write(&b);
    free(b.p);
}

static pp_header task(pp_task_kind kind, const char *name)
{
    pp_header h = { .type = PP_MSG_TASK, .kind = (uint8_t)kind,
                    .id = 0x1234567800000001ULL, .engine = -1,
                    .t_submit = 1700000000000000000LL };
    if (name)
        CHECK(pp_header_set_name(&h, name, NULL) == 0);
    return h;
}

static void free_all(pp_value *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pp_value_free(&v[i]);
}

#define SEED(h, ...)                                                         \
    do {                                                                     \
        pp_value v_[] = { __VA_ARGS__ };                                     \
        seed_message((h), v_, sizeof v_ / sizeof v_[0]);                     \
        free_all(v_, sizeof v_ / sizeof v_[0]);                              \
    } while (0)
#define SEED0(h) seed_message((h), NULL, 0)

static pp_value I64(size_t n, const int64_t *x)
{
    pp_value v;
    CHECK(pp_value_i64(&v, x, n) == 0);
    return v;
}
#define I64S(...)                                                            \
    I64(sizeof((int64_t[]){ __VA_ARGS__ }) / 8, (int64_t[]){ __VA_ARGS__ })

static pp_value STR(const char *s)
{
    pp_value v;
    CHECK(pp_value_str(&v, s) == 0);
    return v;
}

static pp_value BYTES(const void *p, size_t n)
{
    pp_value v;
    CHECK(pp_value_bytes(&v, PP_T_BYTES, p, n) == 0);
    return v;
}

static pp_value F64(double d)
{
    pp_value v;
    CHECK(pp_value_f64(&v, &d, 1) == 0);
    return v;
}

static pp_value BIG(const mpz_t z)
{
    pp_value v;
    CHECK(pp_bigint_export(z, &v, NULL) == 0);
    return v;
}

static void write_seeds(void)
{
    pp_header h;
    /* engine <-> controller */
    h = (pp_header){ .type = PP_MSG_REGISTER, .id = 1, .engine = -1 };
    SEED(h, STR("raspberrypi"), I64S(4242));
    h = (pp_header){ .type = PP_MSG_REGISTERED, .id = 2, .parent = 1,
                     .engine = 0, .retries = 5, .timeout_ms = 1000 };
    SEED0(h);
    h = (pp_header){ .type = PP_MSG_HEARTBEAT, .id = 3, .engine = 0 };
    SEED(h, BYTES("\x01rid-of-16-bytes", 16));
    h = (pp_header){ .type = PP_MSG_UNREGISTER, .id = 4, .engine = 0 };
    SEED0(h);
    h = (pp_header){ .type = PP_MSG_STOP, .id = 5, .engine = 0 };
    SEED0(h);

    /* tasks; one direct to the hub's engine 0, and its result */
    h = task(PP_TASK_APPLY, "echo");
    h.engine = 0;
    SEED(h, I64S(1, 2));
    h = (pp_header){ .type = PP_MSG_RESULT, .kind = PP_TASK_APPLY,
                     .id = 6, .parent = 0x1234567800000001ULL, .engine = 0 };
    SEED(h, I64S(1, 2));
    SEED0(task(PP_TASK_APPLY, "hello"));
    SEED0(task(PP_TASK_APPLY, "noop"));
    SEED0(task(PP_TASK_APPLY, "workloads"));
    SEED(task(PP_TASK_APPLY, "powers"), I64S(0, 1, 2, 3, 4, 5, 6, 7),
         I64S(10));
    SEED(task(PP_TASK_APPLY, "echo"), I64S(-1, 2), F64(0.5),
         BYTES("\0\1\2", 3), STR("it's"), STR(""));
    SEED(task(PP_TASK_APPLY, "pairs"), BYTES(DIGITS, 40));
    SEED(task(PP_TASK_APPLY, "pairs_local"), STR(DIGITS_NAME),
         STR(digits_sha), I64S(0, 64));
    SEED(task(PP_TASK_APPLY, "sleep"), F64(0.0));
    SEED(task(PP_TASK_APPLY, "fail"), STR("boom"));
    SEED(task(PP_TASK_EXECUTE, "powers"), STR("x"), STR("y"), I64S(3));
    SEED(task(PP_TASK_EXECUTE, "echo"), STR("x,s"), STR("z"));
    SEED(task(PP_TASK_PUSH, NULL), STR("z"), F64(1.5));
    SEED(task(PP_TASK_PULL, NULL), STR("x"));

    /* pi, with real numbers */
    mpz_t P1, Q1, T1, P2, Q2, T2, S;
    mpz_inits(P1, Q1, T1, P2, Q2, T2, S, NULL);
    pp_pi_split(P1, Q1, T1, 0, 2);
    pp_pi_split(P2, Q2, T2, 2, 4);
    SEED(task(PP_TASK_APPLY, "pi_leaf"), I64S(0, 4, 1));
    SEED(task(PP_TASK_APPLY, "pi_merge"), BIG(P1), BIG(Q1), BIG(T1),
         BIG(P2), BIG(Q2), BIG(T2), I64S(1));
    pp_pi_merge(P1, Q1, T1, P2, Q2, T2, true);
    uint64_t bits = pp_pi_work_bits(40, 0);
    pp_pi_sqrt_part(S, bits);
    SEED(task(PP_TASK_APPLY, "pi_sqrt"), I64S((int64_t)bits));
    SEED(task(PP_TASK_APPLY, "pi_divide"), BIG(P1), BIG(Q1), BIG(T1),
         BIG(S), I64S((int64_t)bits));
    pp_pi_fixed y;
    pp_pi_fixed_init(&y);
    pp_pi_divide(&y, Q1, T1, S, bits);
    for (int64_t half = -1; half <= 1; half++)
        SEED(task(PP_TASK_APPLY, "pi_decimal"), BIG(y.v),
             I64S((int64_t)y.bits, (int64_t)y.ulps), I64S(40, half));
    SEED(task(PP_TASK_APPLY, "pi_decimal"), BIG(y.v),
         I64S((int64_t)y.bits, (int64_t)y.ulps), I64S(40, 1, 7));
    /* The split finish: pi_tail's share of the right range, then the
     * conversion that applies it, each half. */
    {
        mpz_t A, B, C, D, E, F, dm;
        mpz_inits(A, B, C, D, E, F, dm, NULL);
        pp_pi_split(A, B, C, 0, 2);
        pp_pi_split(D, E, F, 2, 4);
        SEED(task(PP_TASK_APPLY, "pi_tail"), BIG(A), BIG(B), BIG(C),
             BIG(D), BIG(E), BIG(F), I64S((int64_t)bits));
        int64_t dexp;
        pp_pi_tail_ratio(dm, &dexp, A, C, E, F, bits);
        /* and in two steps: the left range's a (P, T of two halves
         * given as one and 1), then d from a and the right's Q, T */
        mpz_t one, am;
        mpz_init_set_ui(one, 1);
        mpz_init(am);
        SEED(task(PP_TASK_APPLY, "pi_tail"), BIG(A), BIG(C), BIG(one),
             BIG(one), BIG(one), I64S((int64_t)bits));
        int64_t aexp;
        pp_pi_tail_left(am, &aexp, A, C, bits);
        SEED(task(PP_TASK_APPLY, "pi_tail"), BIG(am), I64S(aexp), BIG(E),
             BIG(F), I64S((int64_t)bits));
        mpz_clears(one, am, NULL);
        for (int64_t half = -1; half <= 1; half++)
            SEED(task(PP_TASK_APPLY, "pi_decimal_tail"), BIG(y.v),
                 I64S((int64_t)y.bits, (int64_t)y.ulps), BIG(dm),
                 I64S(dexp), I64S(40, half));
        mpz_clears(A, B, C, D, E, F, dm, NULL);
    }
    mpz_neg(S, S);
    h = (pp_header){ .type = PP_MSG_RESULT, .kind = PP_TASK_APPLY,
                     .parent = 7, .engine = 1 };
    SEED(h, BIG(S), BIG(Q2));
    pp_pi_fixed_clear(&y);
    mpz_clears(P1, Q1, T1, P2, Q2, T2, S, NULL);

    /* replies */
    h = (pp_header){ .type = PP_MSG_RESULT, .kind = PP_TASK_APPLY,
                     .status = PP_EREMOTE, .parent = 7, .engine = 1 };
    SEED(h, STR("engine 1: powers: 10**20 does not fit in int64"));
    int64_t counts[100];
    for (int i = 0; i < 100; i++)
        counts[i] = 1000 + i;
    h = (pp_header){ .type = PP_MSG_RESULT, .kind = PP_TASK_APPLY,
                     .parent = 8, .engine = 0 };
    SEED(h, I64(100, counts));
    h = (pp_header){ .type = PP_MSG_IDS, .parent = 9 };
    SEED(h, I64S(0, 1, 2, 3));
    h = (pp_header){ .type = PP_MSG_STATUS, .parent = 10 };
    SEED(h, STR("{\"engines\": [{\"id\": 0, \"host\": \"pi\"}], "
                "\"tasks\": {\"done\": 3}, \"dropped\": 0}"));
    /* aborts: of named tasks (one the hub's, one unknown), of all, and
     * the answer */
    h = (pp_header){ .type = PP_MSG_ABORT, .id = 12, .engine = -1 };
    SEED(h, I64S(0x1234567800000001LL, 5));
    SEED0(h);
    h = (pp_header){ .type = PP_MSG_ABORT, .parent = 12, .engine = -1 };
    SEED(h, I64S(1, 0, 1));
    h = (pp_header){ .type = PP_MSG_EVENT, .id = 11 };
    SEED(h, STR("{\"event\": \"engine_registered\", \"engine\": 0, "
                "\"detail\": \"pi\"}"));

    /* PURE: a header, a bigint, a connection file, digit counts */
    buf b = { 0 };
    uint8_t head[PP_HEADER_SIZE];
    pp_header t = task(PP_TASK_APPLY, "powers");
    pp_header_encode(&t, head);
    put(&b, (uint8_t[]){ MODE_PURE, 0 }, 2);
    put(&b, head, sizeof head);
    put_piece(&b, "\x01\0\0\0\0\0\0\0\x05\0\0\0\0\0\0\0", 16);
    static const char conn[] =
        "{\"transport\": \"tcp\", \"ip\": \"127.0.0.1\", \"location\": "
        "\"127.0.0.1\", \"engine_port\": 40001, \"client_port\": 40002, "
        "\"events_port\": 40003, \"key\": "
        "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
        "\", \"signature_scheme\": \"hmac-sha256\", \"controller_pid\": 1}";
    put_piece(&b, conn, sizeof conn - 1);
    put_piece(&b, "150e6", 5);
    put_piece(&b, "1.5e8", 5);
    put_piece(&b, DIGITS, sizeof DIGITS - 1);
    seed_write(&b);
    free(b.p);
}

/* The harness signs as pp_msg_send does; if the wire format moved (what is
 * signed, the header's size), say so instead of fuzzing nothing. */
static void self_check(void)
{
    pp_header h = task(PP_TASK_APPLY, "powers");
    h.nvalues = 1;
    h.types[0] = PP_T_I64;
    uint8_t head[PP_HEADER_SIZE];
    pp_header_encode(&h, head);
    int64_t x = 3;
    piece v = { (const uint8_t *)&x, sizeof x };
    pp_frames fr;
    sign_and_build(&fr, NULL, 0, head, sizeof head, &v, 1, 0);
    pp_header back;
    pp_error err = { 0 };
    if (pp_frames_verify(&fr, signer, &back, &err)) {
        fprintf(stderr,
                "fuzz_wire: a message the harness signed is refused (%s); "
                "the wire format changed: update tests/fuzz/fuzz_wire.c\n",
                err.msg);
        exit(2);
    }
    pp_frames_close(&fr);

    pp_value val;
    CHECK(pp_value_i64(&val, &x, 1) == 0);
    if (pp_msg_send(tx, signer, NULL, 0, &h, &val, 1, &err)
        || pp_frames_recv(rx, &fr, 0, &err)
        || pp_frames_verify(&fr, signer, &back, &err)) {
        fprintf(stderr, "fuzz_wire: pp_msg_send -> pp_frames_recv -> "
                        "pp_frames_verify fails (%s)\n",
                err.msg);
        exit(2);
    }
    pp_frames_close(&fr);
}

static void cleanup(void)
{
    if (data_dir[0]) {
        char path[512];
        snprintf(path, sizeof path, "%s/" DIGITS_NAME, data_dir);
        unlink(path);
        rmdir(data_dir);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    pp_error err = { 0 };
    /* The hub's log: its first drop of each kind is a warning, and a
     * fuzzer drops a lot. */
    pp_log_init("fuzz_wire", PP_LOG_ERROR);
    signer = pp_signer_new(KEY, sizeof KEY, &err);
    devnull = fopen("/dev/null", "w");
    zctx = zmq_ctx_new();
    tx = zctx ? zmq_socket(zctx, ZMQ_PAIR) : NULL;
    rx = zctx ? zmq_socket(zctx, ZMQ_PAIR) : NULL;
    if (!signer || !devnull || !tx || !rx
        || zmq_bind(rx, "inproc://fuzz-wire")
        || zmq_connect(tx, "inproc://fuzz-wire")) {
        fprintf(stderr, "fuzz_wire: set-up failed\n");
        exit(2);
    }
#ifdef PP_SEAL_SIZE
    /* No clock check: the seeds' seals (RAW mode) keep their stamps' time. */
    pp_signer_set_clock_window(signer, 0);
#endif
    pp_socket_unbounded(tx);
    pp_socket_unbounded(rx);
    int ms = 5000, zero = 0;
    zmq_setsockopt(rx, ZMQ_RCVTIMEO, &ms, sizeof ms);
    zmq_setsockopt(tx, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(rx, ZMQ_LINGER, &zero, sizeof zero);

    /* A connection file that is a memfd, rewritten for each input. */
    conn_fd = memfd_create("fuzz-conn", MFD_CLOEXEC);
    snprintf(conn_path, sizeof conn_path, "/proc/self/fd/%d", conn_fd);

    /* pairs_local's digits, in a directory of our own. */
    const char *tmp = getenv("TMPDIR");
    snprintf(data_dir, sizeof data_dir, "%s/pipar-fuzz-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(data_dir)) {
        fprintf(stderr, "fuzz_wire: mkdtemp %s: %s\n", data_dir,
                strerror(errno));
        exit(2);
    }
    atexit(cleanup);
    char path[512];
    snprintf(path, sizeof path, "%s/" DIGITS_NAME, data_dir);
    FILE *f = fopen(path, "w");
    if (!f || fputs(DIGITS, f) < 0 || fclose(f)
        || pp_sha256_file(path, (size_t)-1, digits_sha, &err)) {
        fprintf(stderr, "fuzz_wire: cannot write %s\n", path);
        exit(2);
    }
    setenv("PIPAR_DATA_DIR", data_dir, 1);

    self_check();
    seed_dir = getenv("PIPAR_FUZZ_SEEDS");
    if (seed_dir && *seed_dir) {
        write_seeds();
        fprintf(stderr, "fuzz_wire: wrote %d seeds to %s\n", seed_count,
                seed_dir);
        exit(0);
    }
    atexit(hub_summary);
    return 0;
}
