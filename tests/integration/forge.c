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
#include <time.h>

#include "connfile.h"
#include "pipar/client.h"
#include "replay.h"
#include "wire.h"

#include "check.h"

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
    pp_span values[1 + PP_MAX_VALUES] = { { "PP3 values", 10 } };
    for (size_t i = 1; i < n && i <= PP_MAX_VALUES; i++)
        values[i] = frames[i];
    pp_sign(signer, values, n, seal + 32); /* the values MAC */
    memcpy(seal + 64, &session, 8);
    memcpy(seal + 72, &counter, 8);
    memcpy(seal + 80, &t_sent, 8);
    pp_span sealed[3] = { { "PP3 seal", 8 }, frames[0], { seal + 32, 56 } };
    pp_sign(signer, sealed, 3, seal); /* the seal MAC */
}

/* A direct task for engine 0 (echo, one str value), sealed with signer:
 * the caller changes it after. */
static void tampered_task(pp_signer *signer, uint8_t head[PP_HEADER_SIZE],
                          uint8_t sig[PP_SEAL_SIZE], const char *payload,
                          size_t size)
{
    pp_header h = { .type = PP_MSG_TASK, .kind = PP_TASK_APPLY,
                    .id = pp_msg_id_next(), .engine = 0 };
    pp_error err;
    pp_header_set_name(&h, "echo", &err);
    h.nvalues = 1;
    h.types[0] = PP_T_STR;
    pp_header_encode(&h, head);
    pp_span spans[2] = { { head, PP_HEADER_SIZE }, { payload, size } };
    pp_seal(signer, spans, 2, sig);
}

/* Waits for an error RESULT on s; its status (1 if none came, 2 if it was
 * no error) and text. */
static int await_error(void *s, pp_signer *signer, char *text, size_t cap)
{
    zmq_pollitem_t item = { s, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll(&item, 1, 5000) != 1)
        return 1;
    pp_frames fr;
    pp_header h;
    pp_error err;
    if (pp_frames_recv(s, &fr, 0, &err))
        return 1;
    int status = 2;
    if (pp_frames_verify(&fr, signer, &h, &err) == 0
        && h.type == PP_MSG_RESULT && h.status && fr.nbody == 4) {
        status = h.status;
        snprintf(text, cap, "%.*s", (int)zmq_msg_size(&fr.body[3]),
                 (const char *)zmq_msg_data(&fr.body[3]));
    }
    pp_frames_close(&fr);
    return status;
}

/* The sum of what the engines counted as "other" drops, as their
 * heartbeats last told the controller. */
static long long engines_other(pp_client *c)
{
    char *json = NULL;
    pp_error err;
    if (pp_client_status(c, &json, &err))
        return -1;
    json_t *root = json_loads(json, 0, NULL);
    json_t *engines = json_object_get(root, "engines");
    long long sum = 0;
    for (size_t i = 0; i < json_array_size(engines); i++)
        sum += json_integer_value(json_object_get(
            json_object_get(json_array_get(engines, i), "dropped"),
            "other"));
    json_decref(root);
    free(json);
    return sum;
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

    /* 3. bad signature: a valid task whose header changed after signing
     * (another engine): the controller acts on the header, and drops it */
    {
        uint8_t head[PP_HEADER_SIZE], sig[PP_SEAL_SIZE];
        char payload[] = "pay 100";
        tampered_task(good, head, sig, payload, sizeof payload - 1);
        head[24] ^= 1; /* engine 0 -> engine 1 */
        const char *frames[] = { PP_PROTO, (char *)sig, (char *)head,
                                 payload };
        size_t sizes[] = { 3, sizeof sig, sizeof head, sizeof payload - 1 };
        send_raw(cs, frames, sizes, 4);
        expect_silence(cs, "a task whose header was changed");
    }

    /* 3b. a valid task whose values changed after signing: the controller
     * forwards values unread; the engine, which reads them, refuses the
     * task and says so (the seal vouches for the header, so the answer
     * finds the task), and counts it */
    {
        uint8_t head[PP_HEADER_SIZE], sig[PP_SEAL_SIZE];
        char payload[] = "pay 100";
        tampered_task(good, head, sig, payload, sizeof payload - 1);
        payload[4] = '9'; /* tamper after signing */
        const char *frames[] = { PP_PROTO, (char *)sig, (char *)head,
                                 payload };
        size_t sizes[] = { 3, sizeof sig, sizeof head, sizeof payload - 1 };
        send_raw(cs, frames, sizes, 4);
        char text[200] = "";
        int status = await_error(cs, good, text, sizeof text);
        CHECK(status == PP_EPROTO, "a task with changed values: status %d",
              status);
        CHECK(strcmp(text, "the task's values do not match its signature "
                           "(changed on the way?); not run")
                  == 0,
              "a task with changed values: '%s'", text);
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

    /* 11. More senders within the clock window than the controller
     * remembers (a classroom's driver commands, each a session): each is
     * answered, the ones heard from least recently are forgotten to make
     * room, and a forgotten sender's request sent again is refused and
     * counted as replayed (no newer than the floor, replay.h). */
    {
        uint64_t base = 0xc1a55000000000ull;
        int64_t first_sent = pp_now_ns();
        int answered = 0;
        for (uint64_t i = 1; i <= PP_REPLAY_SESSIONS + 100; i++)
            answered += ids_by_hand(cs, good, base + i, 1,
                                    i == 1 ? first_sent : pp_now_ns());
        CHECK(answered == PP_REPLAY_SESSIONS + 100,
              "%d of %d new senders answered", answered,
              PP_REPLAY_SESSIONS + 100);
        CHECK(!ids_by_hand(cs, good, base + 1, 1, first_sent),
              "a forgotten sender's request replayed got an answer");
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
    CHECK(replayed == 3, "replayed count %lld, not 3", replayed);
    CHECK(stale == 2, "stale count %lld, not 2", stale);
    json_decref(root);
    free(json);
    /* The engine's count comes with its next heartbeat. */
    long long other = engines_other(c);
    for (int i = 0; i < 50 && other != 1; i++) {
        struct timespec pause = { 0, 100 * 1000000 };
        nanosleep(&pause, NULL);
        other = engines_other(c);
    }
    CHECK(other == 1, "the engines counted %lld refused, not 1", other);
    pp_client_destroy(&c);
    if (failures == 0)
        printf("forged, malformed, replayed and stale messages: all dropped "
               "and counted (%lld bad signatures, %lld malformed, %lld "
               "replayed, %lld stale; %lld task with changed values "
               "refused by its engine)\n",
               bad_sig, malformed, replayed, stale, other);
    return failures ? 1 : 0;
}
