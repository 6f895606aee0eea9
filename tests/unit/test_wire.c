/* test_wire.c - the header record, and whole messages sent and received over
 * a pair of inproc:// sockets inside this process. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "unit.h"
#include "wire.h"

/* ---- the header ---------------------------------------------------------- */

static pp_header full_header(void)
{
    pp_header h;
    memset(&h, 0, sizeof h);
    h.type = PP_MSG_TASK;
    h.kind = PP_TASK_EXECUTE;
    h.status = 0;
    h.nvalues = PP_MAX_VALUES;
    h.flags = 0xdeadbeefu;
    h.id = 0x0123456789abcdefULL;
    h.parent = 0xfedcba9876543210ULL;
    h.engine = -1;
    h.retries = 0x7fffffff;
    h.t_submit = INT64_MIN;
    h.t_start = INT64_MAX;
    h.t_done = 1700000000123456789LL;
    h.timeout_ms = -42;
    h.limit_ms = 2592000000LL;
    for (int i = 0; i < PP_MAX_VALUES; i++)
        h.types[i] = (uint8_t)(1 + i % (PP_T_COUNT - 1));
    memcpy(h.name, "powers", 6);
    return h;
}

static void assert_headers_equal(const pp_header *a, const pp_header *b)
{
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->nvalues, b->nvalues);
    assert_int_equal(a->flags, b->flags);
    assert_true(a->id == b->id);
    assert_true(a->parent == b->parent);
    assert_i64_equal(a->engine, b->engine);
    assert_i64_equal(a->retries, b->retries);
    assert_i64_equal(a->t_submit, b->t_submit);
    assert_i64_equal(a->t_start, b->t_start);
    assert_i64_equal(a->t_done, b->t_done);
    assert_i64_equal(a->timeout_ms, b->timeout_ms);
    assert_i64_equal(a->limit_ms, b->limit_ms);
    assert_memory_equal(a->types, b->types, PP_MAX_VALUES);
    assert_memory_equal(a->name, b->name, PP_NAME_MAX);
}

static void header_round_trip_keeps_every_field(void **state)
{
    (void)state;
    pp_header h = full_header(), back;
    uint8_t buf[PP_HEADER_SIZE];
    pp_error err = { 0 };
    pp_header_encode(&h, buf);
    assert_int_equal(pp_header_decode(&back, buf, sizeof buf, &err), 0);
    assert_headers_equal(&back, &h);

    /* And an error result, with a negative status and its str text. */
    h.type = PP_MSG_RESULT;
    h.kind = PP_TASK_PULL;
    h.status = PP_EREMOTE;
    h.nvalues = 1;
    memset(h.types, 0, sizeof h.types);
    h.types[0] = PP_T_STR;
    h.engine = 3;
    pp_header_encode(&h, buf);
    assert_int_equal(pp_header_decode(&back, buf, sizeof buf, &err), 0);
    assert_headers_equal(&back, &h);
    assert_int_equal(back.status, PP_EREMOTE);
}

static void header_round_trip_works_for_every_message_type(void **state)
{
    (void)state;
    for (int type = PP_MSG_REGISTER; type < PP_MSG_TYPE_COUNT; type++) {
        pp_header h = full_header(), back;
        h.type = (uint8_t)type;
        uint8_t buf[PP_HEADER_SIZE];
        pp_header_encode(&h, buf);
        assert_int_equal(pp_header_decode(&back, buf, sizeof buf, NULL), 0);
        assert_headers_equal(&back, &h);
    }
}

/* The numbers on the wire never move: a new type is added at the end
 * (docs/protocol.md lists them). */
static void message_types_keep_their_numbers(void **state)
{
    (void)state;
    static const int want[] = { PP_MSG_REGISTER, 1, PP_MSG_REGISTERED, 2,
                                PP_MSG_UNREGISTER, 3, PP_MSG_HEARTBEAT, 4,
                                PP_MSG_TASK, 5, PP_MSG_RESULT, 6,
                                PP_MSG_IDS, 7, PP_MSG_STATUS, 8,
                                PP_MSG_STOP, 9, PP_MSG_EVENT, 10,
                                PP_MSG_DIED, 11, PP_MSG_SYNC, 12,
                                PP_MSG_ABORT, 13, PP_MSG_PENDING, 14,
                                PP_MSG_TYPE_COUNT, 15 };
    for (size_t i = 0; i < sizeof want / sizeof *want; i += 2)
        assert_int_equal(want[i], want[i + 1]);
    assert_int_equal(PP_EABORTED, -11);
    assert_string_equal(pp_strerror(PP_EABORTED), "aborted");
}

/* An error reply to an ABORT is an ABORT with the status and the text,
 * as for IDS and STATUS (only a TASK's becomes a RESULT). */
static void an_error_reply_to_an_abort_stays_an_abort(void **state)
{
    (void)state;
    static const uint8_t key[PP_KEY_SIZE] = "a key for one test, 32 bytes...";
    pp_signer *signer = pp_signer_new(key, sizeof key, NULL);
    assert_non_null(signer);
    pp_header req = { .type = PP_MSG_ABORT, .id = 77, .engine = -1 };
    pp_frames fr;
    pp_error err = { 0 };
    assert_int_equal(pp_msg_build_error(signer, &req, -1, PP_EINVAL, "no",
                                        &fr, &err),
                     0);
    pp_header h;
    assert_int_equal(pp_frames_verify(&fr, signer, &h, &err), 0);
    assert_int_equal(h.type, PP_MSG_ABORT);
    assert_int_equal(h.status, PP_EINVAL);
    assert_true(h.parent == 77);
    pp_frames_close(&fr);
    pp_signer_destroy(&signer);
}

/* The unsigned little-endian number in size bytes at p. */
static uint64_t le(const uint8_t *p, int size)
{
    uint64_t v = 0;
    for (int i = size - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Offsets and sizes as docs/protocol.md lays the header out. */
static void header_is_little_endian_at_fixed_offsets(void **state)
{
    (void)state;
    pp_header h = full_header();
    uint8_t buf[PP_HEADER_SIZE];
    pp_header_encode(&h, buf);
    assert_int_equal(buf[0], PP_MSG_TASK);
    assert_int_equal(buf[1], PP_TASK_EXECUTE);
    assert_int_equal(buf[2], 0);
    assert_int_equal(buf[3], PP_MAX_VALUES);
    static const uint8_t flags[] = { 0xef, 0xbe, 0xad, 0xde };
    assert_memory_equal(buf + 4, flags, 4);
    static const uint8_t id[] = { 0xef, 0xcd, 0xab, 0x89,
                                  0x67, 0x45, 0x23, 0x01 };
    assert_memory_equal(buf + 8, id, 8);
    assert_true(le(buf + 16, 8) == h.parent);
    assert_true(le(buf + 24, 4) == 0xffffffffu); /* engine -1 */
    assert_true(le(buf + 28, 4) == 0x7fffffffu); /* retries */
    assert_true(le(buf + 32, 8) == (uint64_t)INT64_MIN); /* t_submit */
    assert_true(le(buf + 40, 8) == (uint64_t)INT64_MAX); /* t_start */
    assert_true(le(buf + 48, 8) == 1700000000123456789ULL); /* t_done */
    assert_true(le(buf + 56, 8) == (uint64_t)-42); /* timeout_ms */
    assert_true(le(buf + 64, 8) == 2592000000ULL); /* limit_ms */
    assert_memory_equal(buf + 72, h.types, PP_MAX_VALUES);
    assert_memory_equal(buf + 88, "powers\0", 7);
    assert_int_equal(88 + PP_NAME_MAX, PP_HEADER_SIZE);
}

/* Encodes h, then lets change() spoil the bytes, and expects the decoder
 * to refuse them with PP_EPROTO and a message containing want. */
static void assert_decode_refuses(const pp_header *h, const char *want)
{
    uint8_t buf[PP_HEADER_SIZE];
    pp_header_encode(h, buf);
    pp_header back;
    pp_error err = { 0 };
    assert_int_equal(pp_header_decode(&back, buf, sizeof buf, &err),
                     PP_EPROTO);
    assert_int_equal(err.code, PP_EPROTO);
    assert_contains(err.msg, want);
}

static void decode_refuses_a_header_of_the_wrong_size(void **state)
{
    (void)state;
    pp_header h = full_header(), back;
    uint8_t buf[PP_HEADER_SIZE + 1];
    pp_header_encode(&h, buf);
    buf[PP_HEADER_SIZE] = 0;
    pp_error err = { 0 };
    assert_int_equal(pp_header_decode(&back, buf, PP_HEADER_SIZE - 1, &err),
                     PP_EPROTO);
    assert_contains(err.msg, "119 bytes");
    assert_int_equal(pp_header_decode(&back, buf, PP_HEADER_SIZE + 1, &err),
                     PP_EPROTO);
    assert_contains(err.msg, "121 bytes");
    assert_int_equal(pp_header_decode(&back, buf, 0, &err), PP_EPROTO);
    assert_contains(err.msg, "0 bytes");
}

static void decode_refuses_an_unknown_message_type(void **state)
{
    (void)state;
    pp_header h = full_header();
    h.type = 0;
    assert_decode_refuses(&h, "unknown message type 0");
    h.type = PP_MSG_TYPE_COUNT;
    char want[64];
    snprintf(want, sizeof want, "unknown message type %d",
             (int)PP_MSG_TYPE_COUNT);
    assert_decode_refuses(&h, want);
    h.type = 255;
    assert_decode_refuses(&h, "unknown message type 255");
}

static void decode_refuses_a_task_or_result_of_unknown_kind(void **state)
{
    (void)state;
    pp_header h = full_header();
    h.type = PP_MSG_TASK;
    h.kind = 0;
    assert_decode_refuses(&h, "unknown task kind 0");
    h.kind = PP_TASK_KIND_COUNT;
    char want[64];
    snprintf(want, sizeof want, "unknown task kind %d",
             (int)PP_TASK_KIND_COUNT);
    assert_decode_refuses(&h, want);
    h.type = PP_MSG_RESULT;
    h.kind = 200;
    assert_decode_refuses(&h, "unknown task kind 200");
}

static void decode_ignores_the_kind_of_messages_that_are_not_tasks(
    void **state)
{
    (void)state;
    pp_header h = full_header(), back;
    h.type = PP_MSG_HEARTBEAT;
    h.kind = 0;
    uint8_t buf[PP_HEADER_SIZE];
    pp_header_encode(&h, buf);
    assert_int_equal(pp_header_decode(&back, buf, sizeof buf, NULL), 0);
}

static void decode_refuses_more_than_sixteen_values(void **state)
{
    (void)state;
    pp_header h = full_header();
    h.nvalues = PP_MAX_VALUES + 1;
    assert_decode_refuses(&h, "17 values, at most 16");
    h.nvalues = 255;
    assert_decode_refuses(&h, "255 values");
}

static void decode_refuses_a_value_of_type_none_or_unknown(void **state)
{
    (void)state;
    pp_header h = full_header();
    h.types[0] = PP_T_NONE;
    assert_decode_refuses(&h, "value 0 has unknown type 0");
    h = full_header();
    h.types[15] = PP_T_COUNT;
    char want[64];
    snprintf(want, sizeof want, "value 15 has unknown type %d",
             (int)PP_T_COUNT);
    assert_decode_refuses(&h, want);
    h = full_header();
    h.nvalues = 3;
    h.types[2] = 0xff;
    assert_decode_refuses(&h, "value 2 has unknown type 255");
}

static void decode_ignores_the_types_of_slots_past_nvalues(void **state)
{
    (void)state;
    pp_header h = full_header(), back;
    h.nvalues = 2;
    memset(h.types, 0, sizeof h.types);
    h.types[0] = PP_T_I64;
    h.types[1] = PP_T_STR;
    uint8_t buf[PP_HEADER_SIZE];
    pp_header_encode(&h, buf);
    assert_int_equal(pp_header_decode(&back, buf, sizeof buf, NULL), 0);
    assert_int_equal(back.nvalues, 2);
}

static void decode_refuses_a_name_without_its_terminating_nul(void **state)
{
    (void)state;
    pp_header h = full_header();
    memset(h.name, 'a', PP_NAME_MAX);
    assert_decode_refuses(&h, "name is not terminated");
}

static void decode_refuses_a_positive_status(void **state)
{
    (void)state;
    pp_header h = full_header();
    h.type = PP_MSG_RESULT;
    h.nvalues = 1;
    h.types[0] = PP_T_STR;
    h.status = 1;
    assert_decode_refuses(&h, "status 1");
    h.status = 127;
    assert_decode_refuses(&h, "status 127");
}

static void decode_refuses_an_error_status_without_a_str_value(void **state)
{
    (void)state;
    pp_header h = full_header();
    h.type = PP_MSG_RESULT;
    h.status = PP_EREMOTE;
    h.nvalues = 0;
    assert_decode_refuses(&h, "an error without its text");
    h.nvalues = 1;
    h.types[0] = PP_T_I64;
    assert_decode_refuses(&h, "an error text that is no str");
    h.types[0] = PP_T_BYTES;
    assert_decode_refuses(&h, "no str");
}

static void set_name_pads_the_name_with_nuls(void **state)
{
    (void)state;
    pp_header h = full_header();
    pp_error err = { 0 };
    memset(h.name, 'x', PP_NAME_MAX);
    assert_int_equal(pp_header_set_name(&h, "hello", &err), 0);
    char want[PP_NAME_MAX] = "hello";
    assert_memory_equal(h.name, want, PP_NAME_MAX);

    char longest[PP_NAME_MAX];
    memset(longest, 'n', PP_NAME_MAX - 1);
    longest[PP_NAME_MAX - 1] = '\0';
    assert_int_equal(pp_header_set_name(&h, longest, &err), 0);
    assert_memory_equal(h.name, longest, PP_NAME_MAX);
}

static void set_name_refuses_an_empty_name(void **state)
{
    (void)state;
    pp_header h = full_header();
    pp_error err = { 0 };
    assert_int_equal(pp_header_set_name(&h, "", &err), PP_EINVAL);
    assert_int_equal(err.code, PP_EINVAL);
    assert_contains(err.msg, "1 to 31 characters");
    assert_string_equal(h.name, "powers"); /* left as it was */
}

static void set_name_refuses_a_name_of_thirty_two_characters(void **state)
{
    (void)state;
    pp_header h = full_header();
    pp_error err = { 0 };
    char name[PP_NAME_MAX + 1];
    memset(name, 'n', PP_NAME_MAX);
    name[PP_NAME_MAX] = '\0';
    assert_int_equal(pp_header_set_name(&h, name, &err), PP_EINVAL);
    assert_contains(err.msg, name);
    assert_contains(err.msg, "1 to 31 characters");
    assert_string_equal(h.name, "powers");
}

/* ---- whole messages over inproc sockets ---------------------------------- */

static const uint8_t test_key[PP_KEY_SIZE] = "0123456789abcdef0123456789abcde";
static const uint8_t other_key[PP_KEY_SIZE] = "fedcba9876543210fedcba987654321";

typedef struct pair {
    void *ctx;
    void *a, *b; /* a sends to b and b to a */
    pp_signer *signer;
    pp_signer *other; /* signs with another key */
    pp_signer *other_hop; /* the same key as signer: a forwarding hop */
} pair;

static int open_pair(void **state)
{
    static int serial;
    pair *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://test_wire_%d", serial++);
    int timeout = 5000, linger = 0;
    p->ctx = zmq_ctx_new();
    p->a = zmq_socket(p->ctx, ZMQ_PAIR);
    p->b = zmq_socket(p->ctx, ZMQ_PAIR);
    if (!p->a || !p->b)
        return -1;
    zmq_setsockopt(p->a, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(p->b, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(p->a, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(p->b, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(p->b, endpoint) || zmq_connect(p->a, endpoint))
        return -1;
    p->signer = pp_signer_new(test_key, sizeof test_key, NULL);
    p->other = pp_signer_new(other_key, sizeof other_key, NULL);
    p->other_hop = pp_signer_new(test_key, sizeof test_key, NULL);
    if (!p->signer || !p->other || !p->other_hop)
        return -1;
    *state = p;
    return 0;
}

static int close_pair(void **state)
{
    pair *p = *state;
    if (!p)
        return 0;
    zmq_close(p->a);
    zmq_close(p->b);
    zmq_ctx_term(p->ctx);
    pp_signer_destroy(&p->signer);
    pp_signer_destroy(&p->other);
    pp_signer_destroy(&p->other_hop);
    free(p);
    return 0;
}

/* A received message as plain copies of its frames. */
#define RAW_MAX 32
typedef struct raw {
    int n;
    size_t size[RAW_MAX];
    uint8_t *data[RAW_MAX];
} raw;

static void raw_recv(void *sock, raw *r)
{
    r->n = 0;
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        assert_true(zmq_msg_recv(&m, sock, 0) >= 0);
        assert_true(r->n < RAW_MAX);
        r->size[r->n] = zmq_msg_size(&m);
        r->data[r->n] = malloc(r->size[r->n] + 1);
        assert_non_null(r->data[r->n]);
        memcpy(r->data[r->n], zmq_msg_data(&m), r->size[r->n]);
        r->n++;
        int more = zmq_msg_more(&m);
        zmq_msg_close(&m);
        if (!more)
            break;
    }
}

static void raw_send(void *sock, const raw *r)
{
    for (int i = 0; i < r->n; i++)
        assert_true(zmq_send(sock, r->data[i], r->size[i],
                             i + 1 < r->n ? ZMQ_SNDMORE : 0)
                    >= 0);
}

static void raw_drop_last(raw *r)
{
    r->n--;
    free(r->data[r->n]);
}

static void raw_free(raw *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->data[i]);
    r->n = 0;
}

/* Sends the protocol frame, a seal made by signer over header and values,
 * the header as given (nvalues is not fixed up), and the values. */
static void send_signed(void *sock, pp_signer *signer, const pp_header *h,
                        const pp_span *values, size_t n)
{
    uint8_t head[PP_HEADER_SIZE], sig[PP_SEAL_SIZE];
    pp_header_encode(h, head);
    pp_span spans[1 + RAW_MAX];
    spans[0] = (pp_span){ head, sizeof head };
    for (size_t i = 0; i < n; i++)
        spans[1 + i] = values[i];
    assert_int_equal(pp_seal(signer, spans, 1 + n, sig), 0);
    assert_true(zmq_send(sock, PP_PROTO, 3, ZMQ_SNDMORE) == 3);
    assert_true(zmq_send(sock, sig, sizeof sig, ZMQ_SNDMORE) == PP_SEAL_SIZE);
    assert_true(zmq_send(sock, head, sizeof head, n ? ZMQ_SNDMORE : 0)
                == PP_HEADER_SIZE);
    for (size_t i = 0; i < n; i++)
        assert_true(zmq_send(sock, values[i].data, values[i].size,
                             i + 1 < n ? ZMQ_SNDMORE : 0)
                    >= 0);
}

static pp_header task_header(void)
{
    pp_header h;
    memset(&h, 0, sizeof h);
    h.type = PP_MSG_TASK;
    h.kind = PP_TASK_APPLY;
    h.flags = 5;
    h.id = 0x1111222233334444ULL;
    h.parent = 77;
    h.engine = 2;
    h.retries = 1;
    h.t_submit = 1000;
    h.t_start = 2000;
    h.t_done = 3000;
    h.timeout_ms = 60000;
    assert_int_equal(pp_header_set_name(&h, "powers", NULL), 0);
    return h;
}

/* Sends one i64 and one str value from a with the pair's signer. */
static void send_simple(pair *p, pp_signer *signer)
{
    pp_header h = task_header();
    pp_value vals[2];
    int64_t items[] = { 1, 2, 3 };
    assert_int_equal(pp_value_i64(&vals[0], items, 3), 0);
    assert_int_equal(pp_value_str(&vals[1], "payload"), 0);
    assert_int_equal(pp_msg_send(p->a, signer, NULL, 0, &h, vals, 2, NULL),
                     0);
}

/* Receives on sock and expects verification to fail with want. */
static void assert_verify_refuses(pair *p, void *sock, const char *want)
{
    pp_frames fr;
    pp_header h;
    pp_error err = { 0 };
    assert_int_equal(pp_frames_recv(sock, &fr, 0, &err), 0);
    assert_int_equal(pp_frames_verify(&fr, p->signer, &h, &err), PP_EPROTO);
    assert_int_equal(err.code, PP_EPROTO);
    assert_contains(err.msg, want);
    pp_frames_close(&fr);
}

static void message_round_trip_keeps_header_and_values_byte_exact(
    void **state)
{
    pair *p = *state;
    int64_t i64s[] = { 0, 1, -1, 1024, INT64_MIN, INT64_MAX };
    double f64s[] = { 0.1, -0.0, INFINITY, 5e-324 };
    uint8_t blob[3000];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i ^ (i >> 8));
    blob[0] = 0; /* bytes may hold NULs */
    uint8_t bigint[16] = { 1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xee, 0xdd, 0xcc,
                           0xbb, 0xaa, 0x99, 0x88 };

    pp_value vals[6];
    assert_int_equal(pp_value_i64(&vals[0], i64s, 6), 0);
    assert_int_equal(pp_value_f64(&vals[1], f64s, 4), 0);
    assert_int_equal(pp_value_str(&vals[2], "Hello World"), 0);
    pp_value_borrow(&vals[3], PP_T_BYTES, blob, sizeof blob);
    assert_int_equal(pp_value_bytes(&vals[4], PP_T_BYTES, NULL, 0), 0);
    pp_value_borrow(&vals[5], PP_T_BIGINT, bigint, sizeof bigint);

    pp_header sent = task_header();
    pp_error err = { 0 };
    assert_int_equal(pp_msg_send(p->a, p->signer, NULL, 0, &sent, vals, 6,
                                 &err),
                     0);
    /* The sender's header now lists the values... */
    assert_int_equal(sent.nvalues, 6);
    static const uint8_t types[PP_MAX_VALUES] = {
        PP_T_I64, PP_T_F64, PP_T_STR, PP_T_BYTES, PP_T_BYTES, PP_T_BIGINT,
    };
    assert_memory_equal(sent.types, types, PP_MAX_VALUES);
    /* ...and the values were consumed. */
    for (int i = 0; i < 6; i++) {
        assert_int_equal(vals[i].type, PP_T_NONE);
        assert_null(vals[i].release);
    }
    /* Borrowed bytes were copied when sent: scribbling over them now must
     * not change what arrives. */
    uint8_t blob_sent[sizeof blob];
    memcpy(blob_sent, blob, sizeof blob);
    memset(blob, 0x5a, sizeof blob);

    pp_frames fr;
    pp_header got;
    assert_int_equal(pp_frames_recv(p->b, &fr, 0, &err), 0);
    assert_int_equal(fr.nroute, 0);
    assert_int_equal(fr.nbody, 3 + 6);
    assert_int_equal(pp_frames_verify(&fr, p->signer, &got, &err), 0);
    assert_headers_equal(&got, &sent);
    assert_string_equal(got.name, "powers");

    pp_values list = { 0 };
    assert_int_equal(pp_frames_take_values(&fr, &got, &list, &err), 0);
    pp_frames_close(&fr);
    assert_int_equal(list.n, 6);
    assert_int_equal(list.v[0].type, PP_T_I64);
    assert_int_equal(list.v[0].size, sizeof i64s);
    assert_memory_equal(list.v[0].data, i64s, sizeof i64s);
    assert_int_equal(pp_value_count(&list.v[0]), 6);
    assert_i64_equal(pp_value_i64s(&list.v[0])[4], INT64_MIN);
    assert_int_equal(list.v[1].type, PP_T_F64);
    assert_int_equal(list.v[1].size, sizeof f64s);
    assert_memory_equal(list.v[1].data, f64s, sizeof f64s);
    assert_int_equal(list.v[2].type, PP_T_STR);
    assert_int_equal(list.v[2].size, 11);
    assert_memory_equal(list.v[2].data, "Hello World", 11);
    assert_int_equal(list.v[3].type, PP_T_BYTES);
    assert_int_equal(list.v[3].size, sizeof blob);
    assert_memory_equal(list.v[3].data, blob_sent, sizeof blob);
    assert_int_equal(list.v[4].type, PP_T_BYTES);
    assert_int_equal(list.v[4].size, 0);
    assert_int_equal(list.v[5].type, PP_T_BIGINT);
    assert_int_equal(list.v[5].size, sizeof bigint);
    assert_memory_equal(list.v[5].data, bigint, sizeof bigint);
    pp_values_free(&list);
}

static void message_without_values_round_trips(void **state)
{
    pair *p = *state;
    pp_header sent;
    memset(&sent, 0, sizeof sent);
    sent.type = PP_MSG_HEARTBEAT;
    sent.id = pp_msg_id_next();
    sent.engine = 4;
    pp_error err = { 0 };
    assert_int_equal(
        pp_msg_send(p->a, p->signer, NULL, 0, &sent, NULL, 0, &err), 0);
    pp_frames fr;
    pp_header got;
    assert_int_equal(pp_frames_recv(p->b, &fr, 0, &err), 0);
    assert_int_equal(fr.nbody, 3);
    assert_int_equal(pp_frames_verify(&fr, p->signer, &got, &err), 0);
    assert_headers_equal(&got, &sent);
    pp_values list = { 0 };
    assert_int_equal(pp_frames_take_values(&fr, &got, &list, &err), 0);
    assert_int_equal(list.n, 0);
    pp_frames_close(&fr);
    pp_values_free(&list);
}

static void sixteen_values_fit_in_one_message(void **state)
{
    pair *p = *state;
    pp_value vals[PP_MAX_VALUES];
    for (int64_t i = 0; i < PP_MAX_VALUES; i++)
        assert_int_equal(pp_value_i64(&vals[i], &i, 1), 0);
    pp_header h = task_header();
    pp_error err = { 0 };
    assert_int_equal(pp_msg_send(p->a, p->signer, NULL, 0, &h, vals,
                                 PP_MAX_VALUES, &err),
                     0);
    pp_frames fr;
    pp_header got;
    assert_int_equal(pp_frames_recv(p->b, &fr, 0, &err), 0);
    assert_int_equal(pp_frames_verify(&fr, p->signer, &got, &err), 0);
    assert_int_equal(got.nvalues, PP_MAX_VALUES);
    pp_values list = { 0 };
    assert_int_equal(pp_frames_take_values(&fr, &got, &list, &err), 0);
    pp_frames_close(&fr);
    assert_int_equal(list.n, PP_MAX_VALUES);
    for (int64_t i = 0; i < PP_MAX_VALUES; i++)
        assert_i64_equal(pp_value_i64s(&list.v[i])[0], i);
    pp_values_free(&list);
}

static void send_refuses_seventeen_values_and_frees_them(void **state)
{
    pair *p = *state;
    pp_value vals[PP_MAX_VALUES + 1];
    for (int i = 0; i <= PP_MAX_VALUES; i++)
        assert_int_equal(pp_value_str(&vals[i], "owned"), 0);
    pp_header h = task_header();
    pp_error err = { 0 };
    assert_int_equal(pp_msg_send(p->a, p->signer, NULL, 0, &h, vals,
                                 PP_MAX_VALUES + 1, &err),
                     PP_EINVAL);
    assert_contains(err.msg, "17 values, at most 16");
    for (int i = 0; i <= PP_MAX_VALUES; i++)
        assert_int_equal(vals[i].type, PP_T_NONE);
    /* Nothing was sent. */
    pp_frames fr;
    assert_int_equal(pp_frames_recv(p->b, &fr, ZMQ_DONTWAIT, &err),
                     PP_ETIMEDOUT);
}

static void verify_rejects_a_message_signed_with_another_key(void **state)
{
    pair *p = *state;
    send_simple(p, p->other);
    assert_verify_refuses(p, p->b, "bad signature");
}

static void verify_rejects_a_message_missing_its_last_value(void **state)
{
    pair *p = *state;
    send_simple(p, p->signer);
    raw r;
    raw_recv(p->b, &r);
    assert_int_equal(r.n, 5);
    raw_drop_last(&r);
    raw_send(p->b, &r);
    raw_free(&r);
    /* The seal covers the header, which counts the values. */
    assert_verify_refuses(p, p->a, "header lists 2 values, message has 1");
}

static void verify_rejects_a_message_cut_before_its_header(void **state)
{
    pair *p = *state;
    send_simple(p, p->signer);
    raw r;
    raw_recv(p->b, &r);
    while (r.n > 2)
        raw_drop_last(&r);
    raw_send(p->b, &r);
    raw_free(&r);
    assert_verify_refuses(p, p->a, "truncated message (2 frames)");
}

static void verify_rejects_a_message_with_one_payload_byte_changed(
    void **state)
{
    pair *p = *state;
    /* Every byte of the str value, one at a time. */
    for (size_t at = 0; at < 7; at++) {
        send_simple(p, p->signer);
        raw r;
        raw_recv(p->b, &r);
        assert_int_equal(r.size[4], 7);
        r.data[4][at] ^= 0x01;
        raw_send(p->b, &r);
        raw_free(&r);
        assert_verify_refuses(p, p->a, "bad signature");
    }
}

/* What the controller does with a task: checks the seal alone, renews it
 * and forwards the values unread.  Values changed on the way pass that
 * hop, and the next one, which reads them, refuses them; the seal still
 * vouches for the header, so that hop can say which task it refuses. */
static void a_seal_check_passes_changed_values_on_and_the_reader_refuses(
    void **state)
{
    pair *p = *state;
    send_simple(p, p->signer);
    raw r;
    raw_recv(p->b, &r);
    r.data[4][3] ^= 0x20; /* "payload" -> "paYload" */
    raw_send(p->b, &r);
    raw_free(&r);

    pp_frames fr;
    pp_header h;
    pp_error err = { 0 };
    assert_int_equal(pp_frames_recv(p->a, &fr, 0, &err), 0);
    assert_int_equal(pp_frames_verify_seal(&fr, p->signer, &h, &err), 0);
    assert_true(h.id == 0x1111222233334444ULL);
    assert_int_equal(pp_seal_renew(fr.body, fr.nbody, p->other_hop, &err),
                     0);
    assert_int_equal(pp_frames_send(p->a, &fr, NULL, 0, &err), 0);

    assert_int_equal(pp_frames_recv(p->b, &fr, 0, &err), 0);
    pp_header again;
    assert_int_equal(pp_frames_verify_seal(&fr, p->signer, &again, &err), 0);
    assert_headers_equal(&again, &h);
    assert_int_equal(pp_frames_verify_values(&fr, p->signer, &err),
                     PP_EPROTO);
    assert_string_equal(err.msg, "bad signature (the values do not match "
                                 "their seal: changed on the way?)");
    pp_frames_close(&fr);
}

/* The values MAC of values laid out as a header and a seal's tail is no
 * seal MAC: a sender asked to send such values (a task's arguments are
 * anybody's) must not have made a message nobody sent. */
static void a_values_mac_never_passes_for_a_seal_mac(void **state)
{
    pair *p = *state;
    /* Step 1: a genuine message without values: its values MAC. */
    pp_header ids = { .type = PP_MSG_IDS, .id = pp_msg_id_next(),
                      .engine = -1 };
    pp_error err = { 0 };
    assert_int_equal(pp_msg_send(p->a, p->signer, NULL, 0, &ids, NULL, 0,
                                 &err),
                     0);
    raw r;
    raw_recv(p->b, &r);
    uint8_t tail[PP_SEAL_SIZE - PP_SIG_SIZE];
    memcpy(tail, r.data[1] + PP_SIG_SIZE, PP_SIG_SIZE);
    raw_free(&r);
    /* Step 2: a header of the forger's choice and a fresh stamp. */
    pp_header forged = { .type = PP_MSG_IDS, .id = 0xf0f0f0f0ULL,
                         .engine = -1 };
    uint8_t head[PP_HEADER_SIZE];
    pp_header_encode(&forged, head);
    uint64_t session = 0x1234567890abcdefULL, counter = 1;
    int64_t t_sent = pp_now_ns();
    memcpy(tail + PP_SIG_SIZE, &session, 8);
    memcpy(tail + PP_SIG_SIZE + 8, &counter, 8);
    memcpy(tail + PP_SIG_SIZE + 16, &t_sent, 8);
    /* Step 3: a genuine sender sends them as two values. */
    pp_header task = task_header();
    pp_value vals[2];
    pp_value_borrow(&vals[0], PP_T_BYTES, head, sizeof head);
    pp_value_borrow(&vals[1], PP_T_BYTES, tail, sizeof tail);
    assert_int_equal(pp_msg_send(p->a, p->signer, NULL, 0, &task, vals, 2,
                                 &err),
                     0);
    raw_recv(p->b, &r);
    uint8_t seal[PP_SEAL_SIZE];
    memcpy(seal, r.data[1] + PP_SIG_SIZE, PP_SIG_SIZE);
    memcpy(seal + PP_SIG_SIZE, tail, sizeof tail);
    raw_free(&r);
    /* Step 4: its values MAC as the seal MAC of the forged message. */
    assert_true(zmq_send(p->b, PP_PROTO, 3, ZMQ_SNDMORE) == 3);
    assert_true(zmq_send(p->b, seal, sizeof seal, ZMQ_SNDMORE)
                == PP_SEAL_SIZE);
    assert_true(zmq_send(p->b, head, sizeof head, 0) == PP_HEADER_SIZE);
    assert_verify_refuses(p, p->a, "bad signature");
}

/* The values MAC is in the seal, under the seal MAC: whoever changes the
 * values and their MAC to match still needs the key for the seal. */
static void a_seal_check_refuses_a_changed_values_mac(void **state)
{
    pair *p = *state;
    send_simple(p, p->signer);
    raw r;
    raw_recv(p->b, &r);
    assert_int_equal(r.size[1], PP_SEAL_SIZE);
    r.data[1][PP_SIG_SIZE + 5] ^= 0x01;
    raw_send(p->b, &r);
    raw_free(&r);
    pp_frames fr;
    pp_header h;
    pp_error err = { 0 };
    assert_int_equal(pp_frames_recv(p->a, &fr, 0, &err), 0);
    assert_int_equal(pp_frames_verify_seal(&fr, p->signer, &h, &err),
                     PP_EPROTO);
    assert_string_equal(err.msg, "bad signature");
    pp_frames_close(&fr);
}

static void verify_rejects_a_message_with_one_header_byte_changed(
    void **state)
{
    pair *p = *state;
    send_simple(p, p->signer);
    raw r;
    raw_recv(p->b, &r);
    assert_int_equal(r.size[2], PP_HEADER_SIZE);
    r.data[2][24] ^= 0x01; /* the engine */
    raw_send(p->b, &r);
    raw_free(&r);
    /* The seal check alone, a forwarder's, catches it. */
    pp_frames fr;
    pp_header h;
    pp_error err = { 0 };
    assert_int_equal(pp_frames_recv(p->a, &fr, 0, &err), 0);
    assert_int_equal(pp_frames_verify_seal(&fr, p->signer, &h, &err),
                     PP_EPROTO);
    assert_string_equal(err.msg, "bad signature");
    pp_frames_close(&fr);
}

static void verify_rejects_a_signed_header_that_miscounts_its_values(
    void **state)
{
    pair *p = *state;
    pp_header h = task_header();
    h.nvalues = 2;
    h.types[0] = PP_T_STR;
    h.types[1] = PP_T_STR;
    pp_span one = { "only", 4 };
    send_signed(p->a, p->signer, &h, &one, 1);
    assert_verify_refuses(p, p->b, "header lists 2 values, message has 1");
}

static void verify_rejects_a_signed_but_malformed_header(void **state)
{
    pair *p = *state;
    pp_header h = task_header();
    h.kind = 0;
    send_signed(p->a, p->signer, &h, NULL, 0);
    assert_verify_refuses(p, p->b, "unknown task kind 0");
}

static void recv_refuses_a_message_without_the_protocol_frame(void **state)
{
    pair *p = *state;
    /* The version before this one is another protocol. */
    assert_true(zmq_send(p->a, "PP2", 3, ZMQ_SNDMORE) == 3);
    assert_true(zmq_send(p->a, "sig", 3, 0) == 3);
    pp_frames fr;
    pp_error err = { 0 };
    assert_int_equal(pp_frames_recv(p->b, &fr, 0, &err), PP_EPROTO);
    assert_string_equal(err.msg, "message without the " PP_PROTO
                                 " frame: its sender speaks protocol PP2 "
                                 "(another version of pipar)");
    assert_int_equal(fr.nbody, 0);
    assert_int_equal(fr.nroute, 0);
    /* No protocol frame at all. */
    assert_true(zmq_send(p->a, "abc", 3, ZMQ_SNDMORE) == 3);
    assert_true(zmq_send(p->a, "sig", 3, 0) == 3);
    assert_int_equal(pp_frames_recv(p->b, &fr, 0, &err), PP_EPROTO);
    assert_string_equal(err.msg, "message without the " PP_PROTO " frame");
}

static void recv_drains_and_refuses_a_message_with_too_many_frames(
    void **state)
{
    pair *p = *state;
    /* Protocol, seal, header and seventeen values: one frame too many. */
    assert_true(zmq_send(p->a, PP_PROTO, 3, ZMQ_SNDMORE) == 3);
    assert_true(zmq_send(p->a, "sig", 3, ZMQ_SNDMORE) == 3);
    assert_true(zmq_send(p->a, "head", 4, ZMQ_SNDMORE) == 4);
    for (int i = 0; i <= PP_MAX_VALUES; i++)
        assert_true(zmq_send(p->a, "v", 1, i < PP_MAX_VALUES ? ZMQ_SNDMORE
                                                             : 0)
                    == 1);
    send_simple(p, p->signer);

    pp_frames fr;
    pp_header h;
    pp_error err = { 0 };
    assert_int_equal(pp_frames_recv(p->b, &fr, 0, &err), PP_EPROTO);
    assert_contains(err.msg, "too many frames");
    /* The rest of the bad message was drained: the next one is whole. */
    assert_int_equal(pp_frames_recv(p->b, &fr, 0, &err), 0);
    assert_int_equal(fr.nbody, 5);
    assert_int_equal(pp_frames_verify(&fr, p->signer, &h, &err), 0);
    assert_int_equal(h.nvalues, 2);
    pp_frames_close(&fr);
}

static void recv_keeps_routing_frames_apart_from_the_body(void **state)
{
    pair *p = *state;
    send_simple(p, p->signer);
    raw r;
    raw_recv(p->b, &r);
    /* Two routing ids in front, as two ROUTER hops would add. */
    assert_true(zmq_send(p->b, "route-1", 7, ZMQ_SNDMORE) == 7);
    assert_true(zmq_send(p->b, "r2", 2, ZMQ_SNDMORE) == 2);
    raw_send(p->b, &r);
    raw_free(&r);

    pp_frames fr;
    pp_header h;
    pp_error err = { 0 };
    assert_int_equal(pp_frames_recv(p->a, &fr, 0, &err), 0);
    assert_int_equal(fr.nroute, 2);
    assert_int_equal(zmq_msg_size(&fr.route[0]), 7);
    assert_memory_equal(zmq_msg_data(&fr.route[0]), "route-1", 7);
    assert_int_equal(zmq_msg_size(&fr.route[1]), 2);
    assert_memory_equal(zmq_msg_data(&fr.route[1]), "r2", 2);
    assert_int_equal(fr.nbody, 5);
    assert_int_equal(pp_frames_verify(&fr, p->signer, &h, &err), 0);
    pp_frames_close(&fr);
}

static void recv_without_waiting_times_out_on_an_empty_socket(void **state)
{
    pair *p = *state;
    pp_frames fr;
    pp_error err = { 0 };
    assert_int_equal(pp_frames_recv(p->b, &fr, ZMQ_DONTWAIT, &err),
                     PP_ETIMEDOUT);
    assert_int_equal(err.code, PP_ETIMEDOUT);
    assert_contains(err.msg, "timed out");
}

static void forwarded_frames_keep_their_signature_and_gain_a_route(
    void **state)
{
    pair *p = *state;
    send_simple(p, p->signer);
    pp_frames fr;
    pp_header h;
    pp_error err = { 0 };
    assert_int_equal(pp_frames_recv(p->b, &fr, 0, &err), 0);
    assert_int_equal(pp_frames_verify(&fr, p->signer, &h, &err), 0);
    /* The forwarder renews the seal, not the values MAC. */
    assert_int_equal(pp_seal_renew(fr.body, fr.nbody, p->other_hop, &err), 0);
    assert_int_equal(pp_frames_send(p->b, &fr, "eng-7", 5, &err), 0);
    assert_int_equal(fr.nbody, 0);
    assert_int_equal(fr.nroute, 0);

    assert_int_equal(pp_frames_recv(p->a, &fr, 0, &err), 0);
    assert_int_equal(fr.nroute, 1);
    assert_memory_equal(zmq_msg_data(&fr.route[0]), "eng-7", 5);
    pp_header again;
    assert_int_equal(pp_frames_verify(&fr, p->signer, &again, &err), 0);
    assert_headers_equal(&again, &h);
    pp_values list = { 0 };
    assert_int_equal(pp_frames_take_values(&fr, &again, &list, &err), 0);
    pp_frames_close(&fr);
    assert_int_equal(list.n, 2);
    static const int64_t want[] = { 1, 2, 3 };
    assert_memory_equal(list.v[0].data, want, sizeof want);
    assert_memory_equal(list.v[1].data, "payload", 7);
    pp_values_free(&list);
}

static void verify_refuses_the_same_message_a_second_time(void **state)
{
    pair *p = *state;
    send_simple(p, p->signer);
    raw r;
    raw_recv(p->b, &r);
    raw_send(p->b, &r);
    raw_send(p->b, &r);
    raw_free(&r);
    pp_frames fr;
    pp_header h;
    pp_error err = { 0 };
    assert_int_equal(pp_frames_recv(p->a, &fr, 0, &err), 0);
    assert_int_equal(pp_frames_verify(&fr, p->signer, &h, &err), 0);
    pp_frames_close(&fr);
    assert_verify_refuses(p, p->a, "replayed message");
    pp_replay_counts n = pp_signer_refused(p->signer);
    assert_int_equal(n.seen, 1);
    assert_int_equal(n.stale, 0);
}

static void forwarding_without_a_new_seal_is_a_replay(void **state)
{
    pair *p = *state;
    send_simple(p, p->signer);
    pp_frames fr;
    pp_header h;
    pp_error err = { 0 };
    assert_int_equal(pp_frames_recv(p->b, &fr, 0, &err), 0);
    assert_int_equal(pp_frames_verify(&fr, p->signer, &h, &err), 0);
    assert_int_equal(pp_frames_send(p->b, &fr, NULL, 0, &err), 0);
    assert_verify_refuses(p, p->a, "replayed message");
}

static void a_new_seal_needs_the_key(void **state)
{
    pair *p = *state;
    send_simple(p, p->signer);
    pp_frames fr;
    pp_header h;
    pp_error err = { 0 };
    assert_int_equal(pp_frames_recv(p->b, &fr, 0, &err), 0);
    assert_int_equal(pp_frames_verify(&fr, p->signer, &h, &err), 0);
    /* Re-sealed with another key, the seal MAC does not verify. */
    assert_int_equal(pp_seal_renew(fr.body, fr.nbody, p->other, &err), 0);
    assert_int_equal(pp_frames_send(p->b, &fr, NULL, 0, &err), 0);
    assert_verify_refuses(p, p->a, "bad signature");
}

static void verify_refuses_a_message_older_than_the_clock_window(
    void **state)
{
    pair *p = *state;
    pp_signer_set_clock_window(p->signer, 0.05);
    send_simple(p, p->other_hop);
    struct timespec pause = { 0, 200 * 1000000 };
    nanosleep(&pause, NULL);
    assert_verify_refuses(p, p->b, "away from this host's clock");
    assert_int_equal(pp_signer_refused(p->signer).stale, 1);
    /* With the check off, a late message is taken (once). */
    pp_signer_set_clock_window(p->signer, 0);
    send_simple(p, p->other_hop);
    nanosleep(&pause, NULL);
    pp_frames fr;
    pp_header h;
    pp_error err = { 0 };
    assert_int_equal(pp_frames_recv(p->b, &fr, 0, &err), 0);
    assert_int_equal(pp_frames_verify(&fr, p->signer, &h, &err), 0);
    pp_frames_close(&fr);
}

static void take_values_refuses_an_i64_value_of_twelve_bytes(void **state)
{
    pair *p = *state;
    pp_header h = task_header();
    h.nvalues = 2;
    h.types[0] = PP_T_STR;
    h.types[1] = PP_T_I64;
    pp_span values[] = { { "fine", 4 }, { "twelve bytes", 12 } };
    send_signed(p->a, p->signer, &h, values, 2);

    pp_frames fr;
    pp_header got;
    pp_error err = { 0 };
    assert_int_equal(pp_frames_recv(p->b, &fr, 0, &err), 0);
    /* The signature is good: only the value check can catch this. */
    assert_int_equal(pp_frames_verify(&fr, p->signer, &got, &err), 0);
    pp_values list = { 0 };
    assert_int_equal(pp_frames_take_values(&fr, &got, &list, &err),
                     PP_EPROTO);
    assert_contains(err.msg, "12 bytes");
    pp_frames_close(&fr);
    pp_values_free(&list);
}

static void error_reply_carries_status_parent_and_text(void **state)
{
    pair *p = *state;
    pp_header req = task_header();
    pp_error err = { 0 };
    assert_int_equal(pp_msg_send_error(p->a, p->signer, NULL, 0, &req, 3,
                                       PP_ENOENT, "no workload 'nope'", &err),
                     0);
    pp_frames fr;
    pp_header h;
    assert_int_equal(pp_frames_recv(p->b, &fr, 0, &err), 0);
    assert_int_equal(pp_frames_verify(&fr, p->signer, &h, &err), 0);
    assert_int_equal(h.type, PP_MSG_RESULT);
    assert_int_equal(h.kind, PP_TASK_APPLY);
    assert_int_equal(h.status, PP_ENOENT);
    assert_true(h.parent == req.id);
    assert_true(h.id != req.id);
    assert_i64_equal(h.engine, 3);
    assert_i64_equal(h.t_submit, req.t_submit);
    assert_string_equal(h.name, "powers");
    assert_int_equal(h.nvalues, 1);
    assert_int_equal(h.types[0], PP_T_STR);
    pp_values list = { 0 };
    assert_int_equal(pp_frames_take_values(&fr, &h, &list, &err), 0);
    pp_frames_close(&fr);
    char *text = pp_value_strdup(&list.v[0]);
    assert_string_equal(text, "no workload 'nope'");
    free(text);
    pp_values_free(&list);
}

static void ids_share_a_random_prefix_and_count_up(void **state)
{
    (void)state;
    uint64_t a = pp_msg_id_next(), b = pp_msg_id_next();
    assert_true((a >> 32) != 0);
    assert_true((a >> 32) == (b >> 32));
    assert_true((uint32_t)b == (uint32_t)(a + 1));
}

static void now_is_nanoseconds_since_the_epoch(void **state)
{
    (void)state;
    int64_t before = (int64_t)time(NULL);
    int64_t now = pp_now_ns();
    int64_t after = (int64_t)time(NULL);
    assert_true(now / 1000000000 >= before - 1);
    assert_true(now / 1000000000 <= after + 1);
}

#define PAIR_TEST(f) cmocka_unit_test_setup_teardown(f, open_pair, close_pair)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_round_trip_keeps_every_field),
        cmocka_unit_test(header_round_trip_works_for_every_message_type),
        cmocka_unit_test(message_types_keep_their_numbers),
        cmocka_unit_test(an_error_reply_to_an_abort_stays_an_abort),
    cmocka_unit_test(message_types_keep_their_numbers),
    cmocka_unit_test(an_error_reply_to_an_abort_stays_an_abort),
        cmocka_unit_test(header_is_little_endian_at_fixed_offsets),
        cmocka_unit_test(decode_refuses_a_header_of_the_wrong_size),
        cmocka_unit_test(decode_refuses_an_unknown_message_type),
        cmocka_unit_test(decode_refuses_a_task_or_result_of_unknown_kind),
        cmocka_unit_test(
            decode_ignores_the_kind_of_messages_that_are_not_tasks),
        cmocka_unit_test(decode_refuses_more_than_sixteen_values),
        cmocka_unit_test(decode_refuses_a_value_of_type_none_or_unknown),
        cmocka_unit_test(decode_ignores_the_types_of_slots_past_nvalues),
        cmocka_unit_test(decode_refuses_a_name_without_its_terminating_nul),
        cmocka_unit_test(decode_refuses_a_positive_status),
        cmocka_unit_test(decode_refuses_an_error_status_without_a_str_value),
        cmocka_unit_test(set_name_pads_the_name_with_nuls),
        cmocka_unit_test(set_name_refuses_an_empty_name),
        cmocka_unit_test(set_name_refuses_a_name_of_thirty_two_characters),
        PAIR_TEST(message_round_trip_keeps_header_and_values_byte_exact),
        PAIR_TEST(message_without_values_round_trips),
        PAIR_TEST(sixteen_values_fit_in_one_message),
        PAIR_TEST(send_refuses_seventeen_values_and_frees_them),
        PAIR_TEST(verify_rejects_a_message_signed_with_another_key),
        PAIR_TEST(verify_rejects_a_message_missing_its_last_value),
        PAIR_TEST(verify_rejects_a_message_cut_before_its_header),
        PAIR_TEST(verify_rejects_a_message_with_one_payload_byte_changed),
        PAIR_TEST(
            a_seal_check_passes_changed_values_on_and_the_reader_refuses),
        PAIR_TEST(a_seal_check_refuses_a_changed_values_mac),
        PAIR_TEST(a_values_mac_never_passes_for_a_seal_mac),
        PAIR_TEST(verify_rejects_a_message_with_one_header_byte_changed),
        PAIR_TEST(verify_rejects_a_signed_header_that_miscounts_its_values),
        PAIR_TEST(verify_rejects_a_signed_but_malformed_header),
        PAIR_TEST(recv_refuses_a_message_without_the_protocol_frame),
        PAIR_TEST(recv_drains_and_refuses_a_message_with_too_many_frames),
        PAIR_TEST(recv_keeps_routing_frames_apart_from_the_body),
        PAIR_TEST(recv_without_waiting_times_out_on_an_empty_socket),
        PAIR_TEST(forwarded_frames_keep_their_signature_and_gain_a_route),
        PAIR_TEST(verify_refuses_the_same_message_a_second_time),
        PAIR_TEST(forwarding_without_a_new_seal_is_a_replay),
        PAIR_TEST(a_new_seal_needs_the_key),
        PAIR_TEST(verify_refuses_a_message_older_than_the_clock_window),
        PAIR_TEST(take_values_refuses_an_i64_value_of_twelve_bytes),
        PAIR_TEST(error_reply_carries_status_parent_and_text),
        cmocka_unit_test(ids_share_a_random_prefix_and_count_up),
        cmocka_unit_test(now_is_nanoseconds_since_the_epoch),
    };
    return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
