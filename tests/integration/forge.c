/* forge.c - sends forged, truncated, malformed, replayed and stale
 * messages to a running controller and checks that they change nothing: no
 * reply, no new engine, every one counted in the status, and the cluster
 * still answers.
 *
 * usage: forge CLIENT_JSON ENGINE_JSON EXPECTED_IDS_COUNT */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connfile.h"
#include "pipar/client.h"
#include "wire.h"

static int failures;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "FAIL: " __VA_ARGS__);                           \
            fputc('\n', stderr);                                             \
            failures++;                                                      \
        }                                                                    \
    } while (0)

static void *connect_to(void *ctx, const pp_conninfo *ci, int port)
{
    char ep[300];
    pp_conninfo_endpoint(ci, port, ep, sizeof ep);
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(s, ep);
    return s;
}

static void send_raw(void *s, const char *const *frames, const size_t *sizes,
                     int n)
{
    for (int i = 0; i < n; i++)
        zmq_send(s, frames[i], sizes[i], i + 1 < n ? ZMQ_SNDMORE : 0);
}

/* Nothing may come back to a forged request. */
static void expect_silence(void *s, const char *what)
{
    zmq_pollitem_t item = { s, 0, ZMQ_POLLIN, 0 };
    CHECK(zmq_poll(&item, 1, 300) == 0, "%s got a reply", what);
}

/* Builds a seal by hand, from the format in docs/protocol.md, with a
 * stamp of our choosing: how a replay or a clock-shifted message looks. */
static void seal_by_hand(pp_signer *signer, const pp_span *frames, size_t n,
                         uint64_t session, uint64_t counter, int64_t t_sent,
                         uint8_t seal[PP_SEAL_SIZE])
{
    pp_sign(signer, frames, n, seal + 32);
    memcpy(seal + 64, &session, 8);
    memcpy(seal + 72, &counter, 8);
    memcpy(seal + 80, &t_sent, 8);
    pp_span hop = { seal + 32, 56 };
    pp_sign(signer, &hop, 1, seal);
}

/* Sends an IDS request sealed by hand; true if the controller answered. */
static bool ids_by_hand(void *s, pp_signer *signer, uint64_t session,
                        uint64_t counter, int64_t t_sent)
{
    pp_header h = { .type = PP_MSG_IDS, .id = pp_msg_id_next(),
                    .engine = -1 };
    uint8_t head[PP_HEADER_SIZE], seal[PP_SEAL_SIZE];
    pp_header_encode(&h, head);
    pp_span span = { head, sizeof head };
    seal_by_hand(signer, &span, 1, session, counter, t_sent, seal);
    const char *frames[] = { PP_PROTO, (char *)seal, (char *)head };
    size_t sizes[] = { 3, sizeof seal, sizeof head };
    send_raw(s, frames, sizes, 3);
    zmq_pollitem_t item = { s, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll(&item, 1, 1000) != 1)
        return false;
    pp_frames fr;
    pp_error err;
    if (pp_frames_recv(s, &fr, 0, &err) == 0)
        pp_frames_close(&fr);
    return true;
}

static void send_ids_request(void *s, pp_signer *signer)
{
    pp_header h = { .type = PP_MSG_IDS, .id = pp_msg_id_next(),
                    .engine = -1 };
    pp_error err;
    pp_msg_send(s, signer, NULL, 0, &h, NULL, 0, &err);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: forge CLIENT_JSON ENGINE_JSON N\n");
        return 2;
    }
    pp_conninfo ci;
    pp_error err;
    if (pp_conninfo_read(argv[1], &ci, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    size_t want_engines = (size_t)atoi(argv[3]);
    uint8_t wrong_key[PP_KEY_SIZE];
    memcpy(wrong_key, ci.key, sizeof wrong_key);
    wrong_key[7] ^= 0x10;
    pp_signer *good = pp_signer_new(ci.key, sizeof ci.key, &err);
    pp_signer *bad = pp_signer_new(wrong_key, sizeof wrong_key, &err);
    void *ctx = zmq_ctx_new();
    void *cs = connect_to(ctx, &ci, ci.client_port);
    void *es = connect_to(ctx, &ci, ci.engine_port);

    /* 1. bad signature: a request signed with another key */
    send_ids_request(cs, bad);
    expect_silence(cs, "a request signed with the wrong key");

    /* 2. bad signature: an engine registering with the wrong key */
    {
        pp_header h = { .type = PP_MSG_REGISTER, .id = pp_msg_id_next(),
                        .engine = -1 };
        pp_value host;
        pp_value_str(&host, "intruder");
        pp_msg_send(es, bad, NULL, 0, &h, &host, 1, &err);
        expect_silence(es, "a forged registration");
    }

    /* 3. bad signature: a valid task whose payload changed after signing */
    {
        pp_header h = { .type = PP_MSG_TASK, .kind = PP_TASK_APPLY,
                        .id = pp_msg_id_next(), .engine = 0 };
        pp_header_set_name(&h, "echo", &err);
        h.nvalues = 1;
        h.types[0] = PP_T_STR;
        uint8_t head[PP_HEADER_SIZE];
        pp_header_encode(&h, head);
        char payload[] = "pay 100";
        pp_span spans[2] = { { head, sizeof head },
                             { payload, sizeof payload - 1 } };
        uint8_t sig[PP_SEAL_SIZE];
        pp_seal(good, spans, 2, sig);
        payload[4] = '9'; /* tamper after signing */
        const char *frames[] = { PP_PROTO, (char *)sig, (char *)head,
                                 payload };
        size_t sizes[] = { 3, sizeof sig, sizeof head, sizeof payload - 1 };
        send_raw(cs, frames, sizes, 4);
        expect_silence(cs, "a tampered task");
    }

    /* 4. malformed: truncated to the protocol frame */
    {
        const char *frames[] = { PP_PROTO };
        size_t sizes[] = { 3 };
        send_raw(cs, frames, sizes, 1);
        expect_silence(cs, "a truncated message");
    }

    /* 5. malformed: a short header, correctly signed */
    {
        char head[10] = { PP_MSG_IDS };
        pp_span span = { head, sizeof head };
        uint8_t sig[PP_SEAL_SIZE];
        pp_seal(good, &span, 1, sig);
        const char *frames[] = { PP_PROTO, (char *)sig, head };
        size_t sizes[] = { 3, sizeof sig, sizeof head };
        send_raw(cs, frames, sizes, 3);
        expect_silence(cs, "a short header");
    }

    /* 6. malformed: no protocol frame at all */
    {
        const char *frames[] = { "hello", "world" };
        size_t sizes[] = { 5, 5 };
        send_raw(cs, frames, sizes, 2);
        expect_silence(cs, "garbage");
    }

    /* 7. malformed: far too many frames */
    {
        const char *frames[40];
        size_t sizes[40];
        for (int i = 0; i < 40; i++) {
            frames[i] = PP_PROTO;
            sizes[i] = 3;
        }
        send_raw(cs, frames, sizes, 40);
        expect_silence(cs, "a message of 40 frames");
    }

    /* 8. replayed: the same well-signed request twice; only the first is
     * answered.  9, 10: new senders stamped an hour behind and an hour
     * ahead of the controller's clock.  A sender the controller knows is
     * held to its counter alone: its clock may step (replay.h). */
    {
        uint64_t session = 0x5eed5eed5eed5eedull;
        int64_t now = pp_now_ns(), hour = 3600 * (int64_t)1000000000;
        CHECK(ids_by_hand(cs, good, session, 1, now),
              "a fresh hand-sealed request got no answer");
        CHECK(!ids_by_hand(cs, good, session, 1, now),
              "a replayed request got an answer");
        CHECK(!ids_by_hand(cs, good, session + 1, 1, now - hour),
              "a request an hour old got an answer");
        CHECK(!ids_by_hand(cs, good, session + 2, 1, now + hour),
              "a request from an hour ahead got an answer");
        CHECK(ids_by_hand(cs, good, session, 2, pp_now_ns() + hour),
              "a known sender whose clock stepped got no answer");
        CHECK(!ids_by_hand(cs, good, session, 2, pp_now_ns()),
              "a replayed request after a step got an answer");
    }

    /* The controller still answers a well-signed request on the same
     * connection. */
    send_ids_request(cs, good);
    zmq_pollitem_t item = { cs, 0, ZMQ_POLLIN, 0 };
    CHECK(zmq_poll(&item, 1, 5000) == 1, "no answer to a good request");

    pp_signer_destroy(&good);
    pp_signer_destroy(&bad);
    zmq_close(cs);
    zmq_close(es);
    zmq_ctx_term(ctx);

    pp_client *c = pp_client_connect(argv[1], 5, &err);
    CHECK(c != NULL, "connect: %s", err.msg);
    if (!c)
        return 1;
    int64_t *ids = NULL;
    size_t n = 0;
    CHECK(pp_client_ids(c, &ids, &n, &err) == 0, "ids: %s", err.msg);
    CHECK(n == want_engines, "%zu engines, not %zu: a forged one joined?", n,
          want_engines);
    free(ids);
    char *json = NULL;
    CHECK(pp_client_status(c, &json, &err) == 0, "status: %s", err.msg);
    json_t *root = json_loads(json ? json : "{}", 0, NULL);
    json_t *dropped = json_object_get(root, "dropped");
    long long bad_sig =
        json_integer_value(json_object_get(dropped, "bad_signature"));
    long long malformed =
        json_integer_value(json_object_get(dropped, "malformed"));
    long long replayed =
        json_integer_value(json_object_get(dropped, "replayed"));
    long long stale = json_integer_value(json_object_get(dropped, "stale"));
    CHECK(bad_sig == 3, "bad_signature count %lld, not 3", bad_sig);
    CHECK(malformed == 4, "malformed count %lld, not 4", malformed);
    CHECK(replayed == 2, "replayed count %lld, not 2", replayed);
    CHECK(stale == 2, "stale count %lld, not 2", stale);
    json_decref(root);
    free(json);
    pp_client_destroy(&c);
    if (failures == 0)
        printf("forged, malformed, replayed and stale messages: all dropped "
               "and counted (%lld bad signatures, %lld malformed, %lld "
               "replayed, %lld stale)\n",
               bad_sig, malformed, replayed, stale);
    return failures ? 1 : 0;
}
