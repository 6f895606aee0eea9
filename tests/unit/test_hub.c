/* test_hub.c - the controller's logic (pipar_hub), driven one hub_step at
 * a time over inproc:// sockets in this one thread: a DEALER for each fake
 * engine and client, messages built with pp_msg_send and the hub's key.
 * Every wait is a bounded loop of hub_step that polls for the expected
 * reply; nothing sleeps to synchronise.
 *
 * One test reaches into hub_internal.h: to know when the hub's ROUTER has
 * seen an engine's socket close, which ZeroMQ reports on no socket. */
#include "unit.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <zmq.h>

#include "hub.h"
#include "hub_internal.h"
#include "sign.h"
#include "wire.h"

/* Each wait gives up after this many steps of at most STEP_MS each. */
#define STEPS 2000
#define STEP_MS 5

typedef struct peer {
    void *sock;
    pp_signer *signer; /* the hub's key; its own stamps */
    char rid[32];      /* the DEALER's routing id */
    int32_t id;        /* an engine's id, once registered */
    const char *beats_for; /* a heart apart: the main socket's routing id
                              its beats name; NULL: its own */
} peer;

typedef struct fixture {
    void *ctx;
    hub *h;
    peer *beating; /* an engine every wait keeps alive, if any */
    int64_t next_beat_ns;
    hub_config cfg;
    char engines[64], clients[64], events[64];
} fixture;

static hub_config config(void)
{
    return (hub_config){ .ip = "127.0.0.1", .profile = "unused",
                         .scheme = "leastload", .hwm = 0,
                         .heartbeat_s = 60, .heartbeat_misses = 5,
                         .clock_window_s = PP_CLOCK_WINDOW_S,
                         .max_message = 1 << 20, .backlog = 0 };
}

static void hub_up(fixture *fx, const hub_config *cfg)
{
    static int serial;
    serial++;
    snprintf(fx->engines, sizeof fx->engines, "inproc://hub-engines-%d",
             serial);
    snprintf(fx->clients, sizeof fx->clients, "inproc://hub-clients-%d",
             serial);
    snprintf(fx->events, sizeof fx->events, "inproc://hub-events-%d",
             serial);
    fx->cfg = *cfg;
    fx->beating = NULL;
    fx->next_beat_ns = 0;
    fx->ctx = zmq_ctx_new();
    assert_non_null(fx->ctx);
    hub_endpoints ep = { .ctx = fx->ctx, .engines = fx->engines,
                         .clients = fx->clients, .events = fx->events };
    pp_error err = { 0 };
    if (hub_open(&fx->cfg, &ep, &fx->h, &err))
        fail_msg("hub_open: %s", err.msg);
}

static void hub_down(fixture *fx)
{
    hub_close(&fx->h);
    assert_null(fx->h);
    zmq_ctx_term(fx->ctx);
}

/* A DEALER with routing id rid, connected to the engines' or clients'
 * endpoint; rcvhwm 0 keeps ZeroMQ's default. */
static void peer_open(fixture *fx, peer *p, const char *rid, bool engine,
                      int rcvhwm)
{
    memset(p, 0, sizeof *p);
    p->id = -1;
    snprintf(p->rid, sizeof p->rid, "%s", rid);
    p->sock = zmq_socket(fx->ctx, ZMQ_DEALER);
    assert_non_null(p->sock);
    int zero = 0;
    zmq_setsockopt(p->sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(p->sock, ZMQ_ROUTING_ID, rid, strlen(rid));
    if (rcvhwm)
        zmq_setsockopt(p->sock, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm);
    assert_int_equal(
        zmq_connect(p->sock, engine ? fx->engines : fx->clients), 0);
    p->signer = pp_signer_new(hub_key(fx->h), PP_KEY_SIZE, NULL);
    assert_non_null(p->signer);
}

static void peer_close(peer *p)
{
    if (p->sock)
        zmq_close(p->sock);
    p->sock = NULL;
    pp_signer_destroy(&p->signer);
}

static void peer_send(peer *p, pp_header *hd, pp_value *vals, size_t n)
{
    pp_error err = { 0 };
    if (pp_msg_send(p->sock, p->signer, NULL, 0, hd, vals, n, &err))
        fail_msg("pp_msg_send from %s: %s", p->rid, err.msg);
}

/* One message the hub sent p, verified, if one is there. */
static bool peer_poll(peer *p, pp_header *hd, pp_values *vals)
{
    pp_frames fr;
    pp_error err = { 0 };
    if (pp_frames_recv(p->sock, &fr, ZMQ_DONTWAIT, &err))
        return false;
    if (pp_frames_verify(&fr, p->signer, hd, &err))
        fail_msg("%s refuses a message from the hub: %s", p->rid, err.msg);
    memset(vals, 0, sizeof *vals);
    assert_int_equal(pp_frames_take_values(&fr, hd, vals, &err), 0);
    pp_frames_close(&fr);
    return true;
}

static void engine_beat(peer *e);

/* One turn of the hub, the beating engine's beat first when it is due:
 * four a period, as the engine's heart beats. */
static void step(fixture *fx)
{
    int64_t now = pp_mono_ns();
    if (fx->beating && now >= fx->next_beat_ns) {
        engine_beat(fx->beating);
        fx->next_beat_ns = now + (int64_t)(fx->cfg.heartbeat_s * 1e9 / 4);
    }
    assert_int_equal(hub_step(fx->h, STEP_MS), 0);
}

/* Whether a wait that began at t0 and took i steps goes on: STEPS steps,
 * and 10 s at least.  Steps can be quick (a step returns at the first
 * message), and what the hub does by the clock (an engine dead after its
 * heartbeats) needs the time. */
static bool stepping(int i, int64_t t0)
{
    return i < STEPS || pp_mono_ns() - t0 < 10 * (int64_t)1000000000;
}

/* Steps the hub until p gets a message of that type (and parent, unless
 * 0); others on the way are dropped. */
static void await(fixture *fx, peer *p, pp_msg_type type, uint64_t parent,
                  pp_header *hd, pp_values *vals)
{
    int64_t t0 = pp_mono_ns();
    int i;
    for (i = 0; stepping(i, t0); i++) {
        step(fx);
        while (peer_poll(p, hd, vals)) {
            if (hd->type == type && (!parent || hd->parent == parent))
                return;
            pp_values_free(vals);
        }
    }
    fail_msg("%s got no message of type %d (parent %016llx) in %d steps "
             "(%.1f s)",
             p->rid, type, (unsigned long long)parent, i,
             (double)(pp_mono_ns() - t0) / 1e9);
}

static char *text_of(const pp_values *vals)
{
    assert_true(vals->n >= 1 && vals->v[0].type == PP_T_STR);
    char *s = pp_value_strdup(&vals->v[0]);
    assert_non_null(s);
    return s;
}

static int64_t i64_of(const pp_values *vals)
{
    assert_true(vals->n >= 1 && vals->v[0].type == PP_T_I64
                && vals->v[0].size == sizeof(int64_t));
    return pp_value_i64s(&vals->v[0])[0];
}

/* ---- what engines and clients say ---------------------------------------- */

static uint64_t engine_register(peer *e, int64_t attempt)
{
    pp_header hd = { .type = PP_MSG_REGISTER, .id = pp_msg_id_next(),
                     .engine = -1 };
    int64_t pid_attempt[2] = { 4242, attempt };
    pp_value v[2];
    assert_int_equal(pp_value_str(&v[0], "testhost"), 0);
    assert_int_equal(pp_value_i64(&v[1], pid_attempt, 2), 0);
    peer_send(e, &hd, v, 2);
    return hd.id;
}

/* Registers e and returns the id the hub gave it. */
static int32_t engine_up(fixture *fx, peer *e, int64_t attempt)
{
    uint64_t req = engine_register(e, attempt);
    pp_header hd;
    pp_values vals;
    await(fx, e, PP_MSG_REGISTERED, req, &hd, &vals);
    pp_values_free(&vals);
    e->id = hd.engine;
    return hd.engine;
}

/* A beat as the engine's heart sends it: the main socket's routing id. */
static void engine_beat(peer *e)
{
    pp_header hd = { .type = PP_MSG_HEARTBEAT, .id = pp_msg_id_next(),
                     .engine = e->id };
    pp_value v;
    const char *rid = e->beats_for ? e->beats_for : e->rid;
    assert_int_equal(pp_value_bytes(&v, PP_T_BYTES, rid, strlen(rid)), 0);
    peer_send(e, &hd, &v, 1);
}

static void engine_answer(peer *e, const pp_header *task, int64_t value)
{
    pp_header hd = { .type = PP_MSG_RESULT, .kind = task->kind,
                     .id = pp_msg_id_next(), .parent = task->id,
                     .engine = e->id, .t_submit = task->t_submit };
    memcpy(hd.name, task->name, sizeof hd.name);
    pp_value v;
    assert_int_equal(pp_value_i64(&v, &value, 1), 0);
    peer_send(e, &hd, &v, 1);
}

/* An echo task with one i64; engine -1 for the balanced scheduler. */
static uint64_t client_submit(peer *c, int32_t engine, int64_t value,
                              int retries)
{
    pp_header hd = { .type = PP_MSG_TASK, .kind = PP_TASK_APPLY,
                     .id = pp_msg_id_next(), .engine = engine,
                     .retries = retries, .t_submit = pp_now_ns() };
    assert_int_equal(pp_header_set_name(&hd, "echo", NULL), 0);
    pp_value v;
    assert_int_equal(pp_value_i64(&v, &value, 1), 0);
    peer_send(c, &hd, &v, 1);
    return hd.id;
}

static uint64_t client_ask(peer *c, pp_msg_type type)
{
    pp_header hd = { .type = (uint8_t)type, .id = pp_msg_id_next(),
                     .engine = -1 };
    peer_send(c, &hd, NULL, 0);
    return hd.id;
}

/* The ids the hub lists, as "[0, 1]". */
static void client_ids(fixture *fx, peer *c, char *out, size_t size)
{
    uint64_t req = client_ask(c, PP_MSG_IDS);
    pp_header hd;
    pp_values vals;
    await(fx, c, PP_MSG_IDS, req, &hd, &vals);
    assert_int_equal(hd.status, 0);
    assert_true(vals.n == 1 && vals.v[0].type == PP_T_I64);
    size_t at = (size_t)snprintf(out, size, "[");
    for (size_t i = 0; i < pp_value_count(&vals.v[0]); i++)
        at += (size_t)snprintf(out + at, size - at, "%s%lld", i ? ", " : "",
                               (long long)pp_value_i64s(&vals.v[0])[i]);
    snprintf(out + at, size - at, "]");
    pp_values_free(&vals);
}

static json_t *client_status(fixture *fx, peer *c)
{
    uint64_t req = client_ask(c, PP_MSG_STATUS);
    pp_header hd;
    pp_values vals;
    await(fx, c, PP_MSG_STATUS, req, &hd, &vals);
    char *text = text_of(&vals);
    pp_values_free(&vals);
    json_t *root = json_loads(text, 0, NULL);
    if (!root)
        fail_msg("the status is no JSON: %s", text);
    free(text);
    return root;
}

static json_int_t status_number(fixture *fx, peer *c, const char *key)
{
    json_t *root = client_status(fx, c);
    json_t *v = json_object_get(root, key);
    assert_true(json_is_integer(v));
    json_int_t n = json_integer_value(v);
    json_decref(root);
    return n;
}

/* ---- the tests ------------------------------------------------------------ */

static void registration_gives_ids_in_order_and_keeps_them_on_register_again(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    hub_up(&fx, &cfg);
    peer e0, e1, c;
    peer_open(&fx, &e0, "engine-a", true, 0);
    peer_open(&fx, &e1, "engine-b", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e0, 1), 0);
    assert_int_equal(engine_up(&fx, &e1, 1), 1);
    char ids[64];
    client_ids(&fx, &c, ids, sizeof ids);
    assert_string_equal(ids, "[0, 1]");

    /* A task engine 0 holds when it registers again: both stay. */
    uint64_t task = client_submit(&c, 0, 7, 0);
    pp_header hd;
    pp_values vals;
    await(&fx, &e0, PP_MSG_TASK, 0, &hd, &vals);
    assert_true(hd.id == task);
    pp_header task_hd = hd;
    pp_values_free(&vals);
    assert_int_equal(engine_up(&fx, &e0, 2), 0);
    client_ids(&fx, &c, ids, sizeof ids);
    assert_string_equal(ids, "[0, 1]");
    json_t *st = client_status(&fx, &c);
    json_t *first = json_array_get(json_object_get(st, "engines"), 0);
    assert_i64_equal(json_integer_value(json_object_get(first, "id")), 0);
    assert_i64_equal(
        json_integer_value(json_object_get(first, "outstanding")), 1);
    json_decref(st);
    engine_answer(&e0, &task_hd, 70);
    await(&fx, &c, PP_MSG_RESULT, task, &hd, &vals);
    assert_int_equal(hd.status, 0);
    assert_int_equal(hd.engine, 0);
    assert_i64_equal(i64_of(&vals), 70);
    pp_values_free(&vals);

    peer_close(&e0);
    peer_close(&e1);
    peer_close(&c);
    hub_down(&fx);
}

static void unregister_hands_a_balanced_task_to_another_engine(void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    hub_up(&fx, &cfg);
    peer leaving, staying, c;
    peer_open(&fx, &leaving, "engine-leaving", true, 0);
    peer_open(&fx, &staying, "engine-staying", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &leaving, 1), 0);
    /* The only engine: the balanced task goes to it. */
    uint64_t task = client_submit(&c, -1, 5, 0);
    pp_header hd;
    pp_values vals;
    await(&fx, &leaving, PP_MSG_TASK, 0, &hd, &vals);
    assert_true(hd.id == task);
    pp_values_free(&vals);
    assert_int_equal(engine_up(&fx, &staying, 1), 1);

    int64_t attempts = 1;
    pp_header bye = { .type = PP_MSG_UNREGISTER, .id = pp_msg_id_next(),
                      .engine = leaving.id };
    pp_value v;
    assert_int_equal(pp_value_i64(&v, &attempts, 1), 0);
    peer_send(&leaving, &bye, &v, 1);
    await(&fx, &leaving, PP_MSG_UNREGISTER, bye.id, &hd, &vals);
    assert_int_equal(hd.engine, 0);
    pp_values_free(&vals);
    char ids[64];
    client_ids(&fx, &c, ids, sizeof ids);
    assert_string_equal(ids, "[1]");

    /* Never started on the engine that left cleanly: handed to the other
     * one, no retry needed. */
    await(&fx, &staying, PP_MSG_TASK, 0, &hd, &vals);
    assert_true(hd.id == task);
    pp_values_free(&vals);
    engine_answer(&staying, &hd, 50);
    await(&fx, &c, PP_MSG_RESULT, task, &hd, &vals);
    assert_int_equal(hd.status, 0);
    assert_int_equal(hd.engine, 1);
    assert_i64_equal(i64_of(&vals), 50);
    pp_values_free(&vals);

    peer_close(&leaving);
    peer_close(&staying);
    peer_close(&c);
    hub_down(&fx);
}

static void an_engine_that_stops_beating_is_dead_and_its_tasks_fail_or_move(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    /* Ticks of 50 ms, so stalls from 200 ms.  With beats of 20 ms, a test
     * starved of CPU (ctest -j beside busy tests) was late by more than 4
     * ticks at most steps, each forgiven as a stall of the controller, and
     * the quiet engine never died. */
    cfg.heartbeat_s = 0.2;
    cfg.heartbeat_misses = 2;
    hub_up(&fx, &cfg);
    peer quiet, beating, c;
    peer_open(&fx, &quiet, "engine-quiet", true, 0);
    peer_open(&fx, &beating, "engine-beating", true, 0);
    peer_open(&fx, &c, "client", false, 0);

    /* The quiet engine beats while it takes a balanced task (with a retry:
     * it is the only engine) and a direct one, then stops. */
    assert_int_equal(engine_up(&fx, &quiet, 1), 0);
    fx.beating = &quiet;
    fx.next_beat_ns = 0;
    pp_header hd;
    pp_values vals;
    uint64_t balanced = client_submit(&c, -1, 3, 1);
    await(&fx, &quiet, PP_MSG_TASK, 0, &hd, &vals);
    assert_true(hd.id == balanced);
    pp_values_free(&vals);
    uint64_t direct = client_submit(&c, 0, 4, 0);
    await(&fx, &quiet, PP_MSG_TASK, 0, &hd, &vals);
    assert_true(hd.id == direct);
    pp_values_free(&vals);
    fx.beating = NULL;
    assert_int_equal(engine_up(&fx, &beating, 1), 1);
    fx.beating = &beating;
    fx.next_beat_ns = 0;

    /* Within a bounded number of steps: the direct task fails naming the
     * quiet engine, the balanced one runs on the beating engine. */
    bool failed = false, done = false;
    int64_t dead_at = 0, t0 = pp_mono_ns();
    for (int i = 0; stepping(i, t0) && !(failed && done); i++) {
        step(&fx);
        while (peer_poll(&beating, &hd, &vals)) {
            if (hd.type == PP_MSG_TASK) {
                assert_true(hd.id == balanced);
                engine_answer(&beating, &hd, 30);
            }
            pp_values_free(&vals);
        }
        while (peer_poll(&c, &hd, &vals)) {
            assert_int_equal(hd.type, PP_MSG_RESULT);
            if (hd.parent == direct) {
                assert_false(failed);
                failed = true;
                dead_at = pp_mono_ns();
                assert_int_equal(hd.status, PP_EREMOTE);
                assert_int_equal(hd.engine, 0);
                char *text = text_of(&vals);
                assert_contains(text, "died (no heartbeat");
                free(text);
            } else {
                assert_true(hd.parent == balanced);
                assert_false(done);
                done = true;
                assert_int_equal(hd.status, 0);
                assert_int_equal(hd.engine, 1);
                assert_i64_equal(i64_of(&vals), 30);
            }
            pp_values_free(&vals);
        }
    }
    assert_true(failed && done);
    char ids[64];
    client_ids(&fx, &c, ids, sizeof ids);
    assert_string_equal(ids, "[1]");
    assert_i64_equal(status_number(&fx, &c, "tasks_retried"), 1);

    /* The engine that beats outlives three times the limit (0.4 s). */
    while (pp_mono_ns() - dead_at < 1200000000)
        step(&fx);
    client_ids(&fx, &c, ids, sizeof ids);
    assert_string_equal(ids, "[1]");

    peer_close(&quiet);
    peer_close(&beating);
    peer_close(&c);
    hub_down(&fx);
}

static bool seen_once(const uint64_t *ids, bool *seen, size_t n, uint64_t id,
                      size_t *at)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id) {
            if (seen[i])
                fail_msg("a reply to %016llx came twice",
                         (unsigned long long)id);
            seen[i] = true;
            *at = i;
            return true;
        }
    return false;
}

static void a_client_that_does_not_read_gets_every_result_once_it_reads(
    void **state)
{
    (void)state;
    enum { BACKLOG = 4, ASKS = 8 };
    fixture fx;
    hub_config cfg = config();
    cfg.backlog = BACKLOG;
    hub_up(&fx, &cfg);
    peer e, c, watcher;
    peer_open(&fx, &e, "engine", true, 0);
    /* Over inproc the pipe holds the hub's SNDHWM (the backlog) plus the
     * reader's RCVHWM: 5 messages. */
    peer_open(&fx, &c, "client-slow", false, 1);
    peer_open(&fx, &watcher, "client-watcher", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);

    /* Replies the client does not read fill its pipe... */
    uint64_t asks[ASKS];
    for (int i = 0; i < ASKS; i++)
        asks[i] = client_ask(&c, PP_MSG_IDS);
    /* ...so the results of its tasks wait in the controller. */
    uint64_t tasks[BACKLOG];
    for (int i = 0; i < BACKLOG; i++)
        tasks[i] = client_submit(&c, 0, 100 + i, 0);
    pp_header hd;
    pp_values vals;
    for (int i = 0; i < BACKLOG; i++) {
        await(&fx, &e, PP_MSG_TASK, 0, &hd, &vals);
        engine_answer(&e, &hd, i64_of(&vals) * 10);
        pp_values_free(&vals);
    }
    json_int_t waiting = 0;
    for (int i = 0; i < STEPS && waiting < BACKLOG; i++)
        waiting = status_number(&fx, &watcher, "results_waiting");
    assert_i64_equal(waiting, BACKLOG);

    /* Its backlog is full of results: a further task is refused. */
    uint64_t refused = client_submit(&c, 0, 999, 0);
    json_int_t over = 0;
    for (int i = 0; i < STEPS && !over; i++) {
        json_t *st = client_status(&fx, &watcher);
        over = json_integer_value(json_object_get(
            json_object_get(st, "dropped"), "over_backlog"));
        json_decref(st);
    }
    assert_i64_equal(over, 1);

    /* Once it reads: every reply, once, in the order they were made. */
    bool asked[ASKS] = { false }, done[BACKLOG] = { false };
    int nasked = 0, ndone = 0, nrefused = 0;
    for (int i = 0; i < STEPS && nasked + ndone + nrefused < ASKS + BACKLOG + 1;
         i++) {
        step(&fx);
        while (peer_poll(&c, &hd, &vals)) {
            size_t at;
            if (seen_once(asks, asked, ASKS, hd.parent, &at)) {
                assert_int_equal(hd.type, PP_MSG_IDS);
                assert_int_equal(ndone + nrefused, 0);
                nasked++;
            } else if (seen_once(tasks, done, BACKLOG, hd.parent, &at)) {
                assert_int_equal(hd.type, PP_MSG_RESULT);
                assert_int_equal(hd.status, 0);
                assert_int_equal(nasked, ASKS);
                assert_i64_equal(i64_of(&vals), (100 + (int64_t)at) * 10);
                ndone++;
            } else {
                assert_true(hd.parent == refused);
                assert_int_equal(nrefused++, 0);
                assert_int_equal(hd.status, PP_EINVAL);
                char *text = text_of(&vals);
                assert_contains(text, "--backlog");
                free(text);
            }
            pp_values_free(&vals);
        }
    }
    assert_int_equal(nasked, ASKS);
    assert_int_equal(ndone, BACKLOG);
    assert_int_equal(nrefused, 1);
    assert_i64_equal(status_number(&fx, &watcher, "results_waiting"), 0);

    peer_close(&e);
    peer_close(&c);
    peer_close(&watcher);
    hub_down(&fx);
}

static void a_message_signed_with_another_key_is_counted_not_answered(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    hub_up(&fx, &cfg);
    peer c, stranger;
    peer_open(&fx, &c, "client", false, 0);
    peer_open(&fx, &stranger, "stranger", false, 0);
    static const uint8_t other_key[PP_KEY_SIZE] = "not the cluster's key";
    pp_signer_destroy(&stranger.signer);
    stranger.signer = pp_signer_new(other_key, sizeof other_key, NULL);
    client_ask(&stranger, PP_MSG_IDS);
    json_int_t bad = 0;
    for (int i = 0; i < STEPS && !bad; i++) {
        json_t *st = client_status(&fx, &c);
        bad = json_integer_value(json_object_get(
            json_object_get(st, "dropped"), "bad_signature"));
        json_decref(st);
    }
    assert_i64_equal(bad, 1);
    pp_header hd;
    pp_values vals;
    assert_false(peer_poll(&stranger, &hd, &vals));

    peer_close(&c);
    peer_close(&stranger);
    hub_down(&fx);
}

/* Sends a message from p whose first value has one byte changed after
 * signing: the seal holds, the values MAC does not. */
static void peer_send_changed(peer *p, pp_header *hd, pp_value *vals,
                              size_t n)
{
    pp_frames fr;
    pp_error err = { 0 };
    if (pp_msg_build(p->signer, hd, vals, n, &fr, &err))
        fail_msg("pp_msg_build: %s", err.msg);
    assert_true(fr.nbody >= 4 && zmq_msg_size(&fr.body[3]) > 0);
    ((uint8_t *)zmq_msg_data(&fr.body[3]))[0] ^= 0x01;
    assert_int_equal(pp_frames_send(p->sock, &fr, NULL, 0, &err), 0);
}

/* Steps the hub until p gets a message whose seal holds and whose values
 * do not: its header. */
static void await_changed(fixture *fx, peer *p, pp_header *hd)
{
    for (int i = 0; i < STEPS; i++) {
        step(fx);
        pp_frames fr;
        pp_error err = { 0 };
        if (pp_frames_recv(p->sock, &fr, ZMQ_DONTWAIT, &err))
            continue;
        assert_int_equal(pp_frames_verify_seal(&fr, p->signer, hd, &err), 0);
        assert_int_equal(pp_frames_verify_values(&fr, p->signer, &err),
                         PP_EPROTO);
        assert_contains(err.msg, "the values do not match their seal");
        pp_frames_close(&fr);
        return;
    }
    fail_msg("%s got nothing in %d steps", p->rid, STEPS);
}

static json_int_t bad_signatures(fixture *fx, peer *c)
{
    json_t *st = client_status(fx, c);
    json_int_t n = json_integer_value(
        json_object_get(json_object_get(st, "dropped"), "bad_signature"));
    json_decref(st);
    return n;
}

/* docs/protocol.md, "Who checks what": the hub checks the seal of every
 * message and hashes the values only of those it reads.  A task's and a
 * successful result's values go on unread (the engine and the client
 * check them); a heartbeat's and a failed result's are checked, and a
 * changed one is dropped and counted. */
static void the_hub_forwards_task_and_result_values_unread_and_checks_the_rest(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    hub_up(&fx, &cfg);
    peer e, c;
    peer_open(&fx, &e, "engine", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);

    pp_header task = { .type = PP_MSG_TASK, .kind = PP_TASK_APPLY,
                       .id = pp_msg_id_next(), .engine = 0,
                       .t_submit = pp_now_ns() };
    assert_int_equal(pp_header_set_name(&task, "echo", NULL), 0);
    pp_value v;
    assert_int_equal(pp_value_str(&v, "pay 100"), 0);
    peer_send_changed(&c, &task, &v, 1);
    pp_header hd;
    await_changed(&fx, &e, &hd);
    assert_true(hd.type == PP_MSG_TASK && hd.id == task.id);

    pp_header result = { .type = PP_MSG_RESULT, .kind = PP_TASK_APPLY,
                         .id = pp_msg_id_next(), .parent = task.id,
                         .engine = 0 };
    memcpy(result.name, task.name, sizeof result.name);
    assert_int_equal(pp_value_str(&v, "paid"), 0);
    peer_send_changed(&e, &result, &v, 1);
    await_changed(&fx, &c, &hd);
    assert_true(hd.type == PP_MSG_RESULT && hd.parent == task.id);
    assert_i64_equal(bad_signatures(&fx, &c), 0);

    /* A heartbeat with another routing id in it. */
    pp_header beat = { .type = PP_MSG_HEARTBEAT, .id = pp_msg_id_next(),
                       .engine = 0 };
    assert_int_equal(pp_value_bytes(&v, PP_T_BYTES, e.rid, strlen(e.rid)),
                     0);
    peer_send_changed(&e, &beat, &v, 1);
    json_int_t bad = 0;
    for (int i = 0; i < STEPS && bad != 1; i++)
        bad = bad_signatures(&fx, &c);
    assert_i64_equal(bad, 1);

    /* A failed result, whose text the hub may quote. */
    uint64_t second = client_submit(&c, 0, 5, 0);
    pp_values vals;
    await(&fx, &e, PP_MSG_TASK, 0, &hd, &vals);
    assert_true(hd.id == second);
    pp_values_free(&vals);
    pp_header failed = { .type = PP_MSG_RESULT, .kind = PP_TASK_APPLY,
                         .status = PP_EREMOTE, .id = pp_msg_id_next(),
                         .parent = second, .engine = 0 };
    memcpy(failed.name, hd.name, sizeof failed.name);
    assert_int_equal(pp_value_str(&v, "boom"), 0);
    peer_send_changed(&e, &failed, &v, 1);
    for (int i = 0; i < STEPS && bad != 2; i++)
        bad = bad_signatures(&fx, &c);
    assert_i64_equal(bad, 2);
    assert_false(peer_poll(&c, &hd, &vals));

    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* Steps the hub until its status shows n balanced tasks queued. */
static void await_queued(fixture *fx, peer *c, json_int_t n)
{
    json_int_t queued = -1;
    for (int i = 0; i < STEPS && queued != n; i++)
        queued = status_number(fx, c, "tasks_queued");
    assert_i64_equal(queued, n);
}

/* Fair sharing (issue 13): client A queues 20,000 tasks, then client B
 * 10; the hub serves the clients in turn, so B's tasks all run before
 * A's 2,000th after B's submission (in fact one of A's between each of
 * B's), and each client's own tasks keep their order. */
static void two_clients_are_served_in_turn(void **state)
{
    (void)state;
    enum { NA = 20000, NB = 10 };
    fixture fx;
    hub_config cfg = config();
    cfg.hwm = 1;
    hub_up(&fx, &cfg);
    peer e, a, b;
    peer_open(&fx, &e, "engine-a", true, 0);
    peer_open(&fx, &a, "client-a", false, 0);
    peer_open(&fx, &b, "client-b", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    uint64_t *ids_a = malloc(NA * sizeof *ids_a);
    assert_non_null(ids_a);
    for (int i = 0; i < NA; i++) {
        ids_a[i] = client_submit(&a, -1, i, 0);
        /* Under ZeroMQ's high-water mark: let the hub read them. */
        if (i % 500 == 499)
            for (int k = 0; k < 4; k++)
                assert_int_equal(hub_step(fx.h, 0), 0);
    }
    pp_header hd;
    pp_values vals;
    await(&fx, &e, PP_MSG_TASK, 0, &hd, &vals);
    assert_true(hd.id == ids_a[0]);
    pp_values_free(&vals);
    await_queued(&fx, &a, NA - 1);
    uint64_t ids_b[NB];
    for (int i = 0; i < NB; i++)
        ids_b[i] = client_submit(&b, -1, i, 0);
    await_queued(&fx, &b, NA - 1 + NB);

    int a_next = 1, b_done = 0, a_after = 0;
    while (b_done < NB) {
        engine_answer(&e, &hd, 0);
        await(&fx, &e, PP_MSG_TASK, 0, &hd, &vals);
        pp_values_free(&vals);
        if (b_done < NB && hd.id == ids_b[b_done]) {
            b_done++;
        } else {
            assert_true(hd.id == ids_a[a_next]); /* A's in order */
            a_next++;
            a_after++;
        }
        assert_true(a_after < 2000);
    }
    printf("# fair: B's %d tasks ran with %d of A's after B submitted\n",
           NB, a_after);
    assert_true(a_after <= NB);
    free(ids_a);
    peer_close(&e);
    peer_close(&a);
    peer_close(&b);
    hub_down(&fx);
}


/* A task's time limit travels to the engine untouched (its supervisor
 * enforces it); one out of range is refused, naming the range. */
static void a_time_limit_reaches_the_engine_and_a_bad_one_is_refused(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    hub_up(&fx, &cfg);
    peer e, c;
    peer_open(&fx, &e, "engine-limit", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);

    static const int64_t limits[] = { 1500, 2592000001LL, -1 };
    for (int i = 0; i < 3; i++) {
        for (int balanced = 0; balanced < 2; balanced++) {
            pp_header hd = { .type = PP_MSG_TASK, .kind = PP_TASK_APPLY,
                             .id = pp_msg_id_next(),
                             .engine = balanced ? -1 : 0,
                             .limit_ms = limits[i],
                             .t_submit = pp_now_ns() };
            assert_int_equal(pp_header_set_name(&hd, "echo", NULL), 0);
            int64_t value = 7;
            pp_value v;
            assert_int_equal(pp_value_i64(&v, &value, 1), 0);
            peer_send(&c, &hd, &v, 1);
            pp_header got;
            pp_values vals;
            if (i == 0) {
                await(&fx, &e, PP_MSG_TASK, 0, &got, &vals);
                assert_true(got.id == hd.id);
                assert_i64_equal(got.limit_ms, 1500);
                pp_values_free(&vals);
                engine_answer(&e, &got, 49);
                await(&fx, &c, PP_MSG_RESULT, hd.id, &got, &vals);
                assert_int_equal(got.status, 0);
                assert_i64_equal(i64_of(&vals), 49);
            } else {
                await(&fx, &c, PP_MSG_RESULT, hd.id, &got, &vals);
                assert_int_equal(got.status, PP_EINVAL);
                char *text = text_of(&vals);
                char want[96];
                snprintf(want, sizeof want,
                         "a task's time limit must be 0 to 2592000000 ms, "
                         "not %lld", (long long)limits[i]);
                assert_string_equal(text, want);
                free(text);
            }
            pp_values_free(&vals);
        }
    }
    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* follow (PP_TASK_FOLLOW): a balanced task goes to the engine named
 * alone, even while another is free; one naming no registered engine,
 * and a flag no one knows, are refused in one line. */
static pp_header follow_task(peer *c, int32_t engine, uint32_t flags)
{
    pp_header hd = { .type = PP_MSG_TASK, .kind = PP_TASK_APPLY,
                     .id = pp_msg_id_next(), .engine = engine,
                     .flags = flags, .t_submit = pp_now_ns() };
    assert_int_equal(pp_header_set_name(&hd, "echo", NULL), 0);
    int64_t value = 7;
    pp_value v;
    assert_int_equal(pp_value_i64(&v, &value, 1), 0);
    peer_send(c, &hd, &v, 1);
    return hd;
}

static void a_follow_task_goes_to_its_engine_alone(void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.hwm = 1;
    hub_up(&fx, &cfg);
    peer e0, e1, c;
    peer_open(&fx, &e0, "engine-f0", true, 0);
    peer_open(&fx, &e1, "engine-f1", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    int32_t id0 = engine_up(&fx, &e0, 1), id1 = engine_up(&fx, &e1, 1);
    pp_header got;
    pp_values vals;
    /* Two tasks for engine 1: the first takes it (hwm 1), the second
     * waits for it while engine 0 is free. */
    pp_header t1 = follow_task(&c, id1, PP_TASK_FOLLOW);
    await(&fx, &e1, PP_MSG_TASK, 0, &got, &vals);
    assert_true(got.id == t1.id);
    pp_values_free(&vals);
    pp_header t2 = follow_task(&c, id1, PP_TASK_FOLLOW);
    for (int i = 0; i < 20; i++) {
        step(&fx);
        pp_header stray;
        pp_values sv;
        assert_false(peer_poll(&e0, &stray, &sv));
    }
    engine_answer(&e1, &got, 1);
    await(&fx, &c, PP_MSG_RESULT, t1.id, &got, &vals);
    pp_values_free(&vals);
    await(&fx, &e1, PP_MSG_TASK, 0, &got, &vals);
    assert_true(got.id == t2.id);
    pp_values_free(&vals);
    engine_answer(&e1, &got, 2);
    await(&fx, &c, PP_MSG_RESULT, t2.id, &got, &vals);
    assert_int_equal(got.status, 0);
    pp_values_free(&vals);
    (void)id0;

    static const struct {
        int32_t engine;
        uint32_t flags;
        int status;
        const char *want;
    } refused[] = {
        { 7, PP_TASK_FOLLOW, PP_ENOENT,
          "the task follows tasks that ran on engine 7, which is gone" },
        { -1, PP_TASK_FOLLOW, PP_ENOENT,
          "the task follows tasks that ran on engine -1, which is gone" },
        { -1, 2, PP_EINVAL, "a task's flags 0x2 name no known flag" },
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        pp_header t = follow_task(&c, refused[i].engine, refused[i].flags);
        await(&fx, &c, PP_MSG_RESULT, t.id, &got, &vals);
        assert_int_equal(got.status, refused[i].status);
        char *text = text_of(&vals);
        assert_string_equal(text, refused[i].want);
        free(text);
        pp_values_free(&vals);
    }
    peer_close(&e0);
    peer_close(&e1);
    peer_close(&c);
    hub_down(&fx);
}

/* Followers of a busy engine 1, more than the dispatcher scans (64), in
 * front of one plain task: engine 0 is free and gets it. */
static void followers_of_a_busy_engine_do_not_hold_up_other_tasks(void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.hwm = 1;
    hub_up(&fx, &cfg);
    peer e0, e1, c;
    peer_open(&fx, &e0, "engine-r0", true, 0);
    peer_open(&fx, &e1, "engine-r1", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    int32_t id0 = engine_up(&fx, &e0, 1), id1 = engine_up(&fx, &e1, 1);
    (void)id0;
    pp_header got;
    pp_values vals;
    pp_header t1 = follow_task(&c, id1, PP_TASK_FOLLOW);
    await(&fx, &e1, PP_MSG_TASK, 0, &got, &vals);
    assert_true(got.id == t1.id);
    pp_values_free(&vals);
    for (int i = 0; i < 100; i++)
        follow_task(&c, id1, PP_TASK_FOLLOW);
    uint64_t plain = client_submit(&c, -1, 5, 0);
    bool seen = false;
    for (int i = 0; i < 200 && !seen; i++) {
        step(&fx);
        while (peer_poll(&e0, &got, &vals)) {
            seen = seen || got.id == plain;
            pp_values_free(&vals);
        }
    }
    peer_close(&e0);
    peer_close(&e1);
    peer_close(&c);
    hub_down(&fx);
    if (!seen)
        fail_msg("the plain task never reached the free engine 0 (stuck "
                 "behind 100 followers of engine 1)");
}

/* A follower parked behind a full outbox when its engine (the only one)
 * leaves fails, naming it, once the client reads. */
static void a_parked_follower_of_a_gone_engine_fails_when_unparked(void **state)
{
    (void)state;
    enum { ASKS = 8 };
    fixture fx;
    hub_config cfg = config();
    cfg.backlog = 4;
    hub_up(&fx, &cfg);
    peer e, c, watcher;
    peer_open(&fx, &e, "engine-p0", true, 0);
    peer_open(&fx, &c, "client-slow", false, 1);
    peer_open(&fx, &watcher, "client-watcher", false, 0);
    int32_t id = engine_up(&fx, &e, 1);
    for (int i = 0; i < ASKS; i++)
        client_ask(&c, PP_MSG_IDS);
    pp_header ft = follow_task(&c, id, PP_TASK_FOLLOW);
    json_int_t parked = 0;
    for (int i = 0; i < STEPS && parked != 1; i++) {
        json_t *st = client_status(&fx, &watcher);
        json_t *cl = json_object_get(st, "clients");
        parked = 0;
        for (size_t k = 0; k < json_array_size(cl); k++)
            parked += json_integer_value(
                json_object_get(json_array_get(cl, k), "parked"));
        json_decref(st);
    }
    assert_i64_equal(parked, 1);
    int64_t attempts = 1;
    pp_header bye = { .type = PP_MSG_UNREGISTER, .id = pp_msg_id_next(),
                      .engine = id };
    pp_value v;
    assert_int_equal(pp_value_i64(&v, &attempts, 1), 0);
    peer_send(&e, &bye, &v, 1);
    pp_header hd;
    pp_values vals;
    await(&fx, &e, PP_MSG_UNREGISTER, bye.id, &hd, &vals);
    pp_values_free(&vals);
    bool answered = false;
    for (int i = 0; i < STEPS && !answered; i++) {
        step(&fx);
        while (peer_poll(&c, &hd, &vals)) {
            if (hd.type == PP_MSG_RESULT && hd.parent == ft.id) {
                answered = true;
                assert_int_equal(hd.status, PP_EREMOTE);
                char *text = text_of(&vals);
                char want[120];
                snprintf(want, sizeof want,
                         "the task follows tasks that ran on engine %d, "
                         "which is gone", id);
                assert_string_equal(text, want);
                free(text);
            }
            pp_values_free(&vals);
        }
    }
    json_int_t queued = status_number(&fx, &watcher, "tasks_queued");
    peer_close(&e);
    peer_close(&c);
    peer_close(&watcher);
    hub_down(&fx);
    if (!answered)
        fail_msg("the parked follower of gone engine %d never failed "
                 "(status 'queued': %lld)", id, (long long)queued);
}

/* Followers of engine 1 queued in two clients' queues, among plain
 * tasks, when engine 1 leaves: all followers fail, the plain ones stay. */
static void the_followers_of_a_gone_engine_fail_in_every_queue(void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.hwm = 1;
    hub_up(&fx, &cfg);
    peer e0, e1, a, b;
    peer_open(&fx, &e0, "engine-q0", true, 0);
    peer_open(&fx, &e1, "engine-q1", true, 0);
    peer_open(&fx, &a, "client-a", false, 0);
    peer_open(&fx, &b, "client-b", false, 0);
    int32_t id0 = engine_up(&fx, &e0, 1);
    (void)id0;
    pp_header got;
    pp_values vals;
    client_submit(&b, -1, 1, 0);
    await(&fx, &e0, PP_MSG_TASK, 0, &got, &vals);
    pp_values_free(&vals);
    int32_t id1 = engine_up(&fx, &e1, 1);
    pp_header t1 = follow_task(&a, id1, PP_TASK_FOLLOW);
    await(&fx, &e1, PP_MSG_TASK, 0, &got, &vals);
    assert_true(got.id == t1.id);
    pp_values_free(&vals);
    uint64_t fa[3], fb[2], plain[2];
    fa[0] = follow_task(&a, id1, PP_TASK_FOLLOW).id;
    plain[0] = client_submit(&a, -1, 2, 0);
    fa[1] = follow_task(&a, id1, PP_TASK_FOLLOW).id;
    fb[0] = follow_task(&b, id1, PP_TASK_FOLLOW).id;
    fb[1] = follow_task(&b, id1, PP_TASK_FOLLOW).id;
    fa[2] = follow_task(&a, id1, PP_TASK_FOLLOW).id;
    plain[1] = client_submit(&a, -1, 3, 0);
    for (int i = 0; i < 20; i++)
        step(&fx);
    assert_i64_equal(status_number(&fx, &b, "tasks_queued"), 7);
    int64_t attempts = 1;
    pp_header bye = { .type = PP_MSG_UNREGISTER, .id = pp_msg_id_next(),
                      .engine = id1 };
    pp_value v;
    assert_int_equal(pp_value_i64(&v, &attempts, 1), 0);
    peer_send(&e1, &bye, &v, 1);
    await(&fx, &e1, PP_MSG_UNREGISTER, bye.id, &got, &vals);
    pp_values_free(&vals);
    int failed = 0;
    for (int i = 0; i < 3; i++) {
        await(&fx, &a, PP_MSG_RESULT, fa[i], &got, &vals);
        assert_true(got.status != 0);
        pp_values_free(&vals);
        failed++;
    }
    for (int i = 0; i < 2; i++) {
        await(&fx, &b, PP_MSG_RESULT, fb[i], &got, &vals);
        assert_true(got.status != 0);
        pp_values_free(&vals);
        failed++;
    }
    /* t1 was running there: handed back, then failed as a follower. */
    (void)plain;
    json_int_t q = status_number(&fx, &b, "tasks_queued");
    assert_int_equal(failed, 5);
    assert_i64_equal(q, 2);
    peer_close(&e0);
    peer_close(&e1);
    peer_close(&a);
    peer_close(&b);
    hub_down(&fx);
}

/* ---- SYNC: what a dropped connection lost (docs/protocol.md) ------------ */

/* The engine's request for a barrier, after its connection dropped. */
static uint64_t engine_sync_ask(peer *e)
{
    pp_header hd = { .type = PP_MSG_SYNC, .id = pp_msg_id_next(),
                     .engine = e->id };
    peer_send(e, &hd, NULL, 0);
    return hd.id;
}

/* Steps the hub until it answers request req with a barrier: its header. */
static pp_header await_barrier(fixture *fx, peer *e, uint64_t req)
{
    pp_header hd;
    pp_values vals;
    await(fx, e, PP_MSG_SYNC, req, &hd, &vals);
    assert_int_equal(vals.n, 0);
    pp_values_free(&vals);
    assert_int_equal(hd.engine, e->id);
    return hd;
}

static void engine_sync_answer(peer *e, const pp_header *barrier)
{
    pp_header hd = { .type = PP_MSG_SYNC, .id = pp_msg_id_next(),
                     .parent = barrier->id, .engine = e->id };
    peer_send(e, &hd, NULL, 0);
}

/* A beat and its answer (its status returned): everything e sent before
 * it has been handled, and nothing but beats' answers came back first. */
static int engine_probe(fixture *fx, peer *e)
{
    pp_header hd = { .type = PP_MSG_HEARTBEAT, .id = pp_msg_id_next(),
                     .engine = e->id };
    pp_value v;
    assert_int_equal(
        pp_value_bytes(&v, PP_T_BYTES, e->rid, strlen(e->rid)), 0);
    peer_send(e, &hd, &v, 1);
    pp_header rep;
    pp_values vals;
    for (int i = 0; i < STEPS; i++) {
        step(fx);
        while (peer_poll(e, &rep, &vals)) {
            pp_values_free(&vals);
            if (rep.type == PP_MSG_HEARTBEAT && rep.parent == hd.id)
                return rep.status;
            if (rep.type == PP_MSG_HEARTBEAT) /* the fixture's beats */
                continue;
            fail_msg("%s got a message of type %d before its beat's answer",
                     e->rid, rep.type);
        }
    }
    fail_msg("%s: no answer to its beat in %d steps", e->rid, STEPS);
    return -1;
}

/* The next task e gets: its header, checked to be task id. */
static pp_header await_task(fixture *fx, peer *e, uint64_t id)
{
    pp_header hd;
    pp_values vals;
    await(fx, e, PP_MSG_TASK, 0, &hd, &vals);
    pp_values_free(&vals);
    if (hd.id != id)
        fail_msg("%s got task %016llx, not %016llx", e->rid,
                 (unsigned long long)hd.id, (unsigned long long)id);
    return hd;
}

static void await_result(fixture *fx, peer *c, uint64_t task, int status,
                         int32_t engine, int64_t value, const char *text)
{
    pp_header hd;
    pp_values vals;
    await(fx, c, PP_MSG_RESULT, task, &hd, &vals);
    assert_int_equal(hd.status, status);
    assert_int_equal(hd.engine, engine);
    if (text) {
        char *got = text_of(&vals);
        assert_string_equal(got, text);
        free(got);
    } else {
        assert_i64_equal(i64_of(&vals), value);
    }
    pp_values_free(&vals);
}

#define LOST_TEXT                                                          \
    "its connection dropped with the task or its result on the way; it "  \
    "may or may not have run"

/* At the engine's answer to the barrier, a task sent before the barrier
 * without a result was lost: a balanced one is sent again (no retry used),
 * a direct one fails in one line.  One with a result before the answer,
 * and one sent after the barrier, are not lost. */
static void a_barrier_finds_what_a_dropped_connection_lost(void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    hub_up(&fx, &cfg);
    peer e, c;
    peer_open(&fx, &e, "engine-sync", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);

    uint64_t balanced = client_submit(&c, -1, 1, 0);
    pp_header t_balanced = await_task(&fx, &e, balanced);
    uint64_t lost = client_submit(&c, 0, 2, 0);
    await_task(&fx, &e, lost);
    uint64_t answered = client_submit(&c, 0, 3, 0);
    pp_header t_answered = await_task(&fx, &e, answered);

    pp_header barrier = await_barrier(&fx, &e, engine_sync_ask(&e));
    uint64_t after = client_submit(&c, 0, 4, 0);
    pp_header t_after = await_task(&fx, &e, after);
    engine_answer(&e, &t_answered, 30);
    engine_sync_answer(&e, &barrier);

    await_result(&fx, &c, answered, 0, 0, 30, NULL);
    await_result(&fx, &c, lost, PP_EREMOTE, 0, 0, LOST_TEXT);
    /* The balanced one comes again, to the only engine. */
    t_balanced = await_task(&fx, &e, balanced);
    engine_answer(&e, &t_balanced, 10);
    await_result(&fx, &c, balanced, 0, 0, 10, NULL);
    engine_answer(&e, &t_after, 40);
    await_result(&fx, &c, after, 0, 0, 40, NULL);

    json_t *st = client_status(&fx, &c);
    assert_i64_equal(json_integer_value(json_object_get(st, "tasks_lost")),
                     2);
    assert_i64_equal(json_integer_value(json_object_get(st, "tasks_done")),
                     3);
    assert_i64_equal(
        json_integer_value(json_object_get(st, "tasks_failed")), 1);
    assert_i64_equal(
        json_integer_value(json_object_get(st, "tasks_retried")), 0);
    assert_i64_equal(
        json_integer_value(json_object_get(st, "tasks_outstanding")), 0);
    json_t *first = json_array_get(json_object_get(st, "engines"), 0);
    assert_i64_equal(
        json_integer_value(json_object_get(first, "outstanding")), 0);
    json_decref(st);

    /* A drop with nothing in flight: the answer finds nothing. */
    barrier = await_barrier(&fx, &e, engine_sync_ask(&e));
    engine_sync_answer(&e, &barrier);
    engine_probe(&fx, &e);
    assert_i64_equal(status_number(&fx, &c, "tasks_lost"), 2);

    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* Two drops before the engine meets the first barrier: it answers only
 * the barrier of its last request, whose answer covers what the first
 * would have; an answer to the older one changes nothing. */
static void only_the_barrier_of_the_last_request_counts(void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    hub_up(&fx, &cfg);
    peer e, c;
    peer_open(&fx, &e, "engine-sync", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);

    uint64_t first = client_submit(&c, 0, 1, 0);
    await_task(&fx, &e, first);
    pp_header b1 = await_barrier(&fx, &e, engine_sync_ask(&e));
    uint64_t second = client_submit(&c, 0, 2, 0);
    await_task(&fx, &e, second);
    pp_header b2 = await_barrier(&fx, &e, engine_sync_ask(&e));
    assert_true(b1.id != b2.id);

    engine_sync_answer(&e, &b1);
    engine_probe(&fx, &e);
    json_t *st = client_status(&fx, &c);
    assert_i64_equal(json_integer_value(json_object_get(st, "tasks_lost")),
                     0);
    assert_i64_equal(
        json_integer_value(json_object_get(st, "tasks_outstanding")), 2);
    json_decref(st);

    /* The last barrier's answer finds both. */
    engine_sync_answer(&e, &b2);
    await_result(&fx, &c, first, PP_EREMOTE, 0, 0, LOST_TEXT);
    await_result(&fx, &c, second, PP_EREMOTE, 0, 0, LOST_TEXT);
    assert_i64_equal(status_number(&fx, &c, "tasks_lost"), 2);
    /* Answered once: a second answer finds nothing more. */
    uint64_t third = client_submit(&c, 0, 3, 0);
    pp_header t3 = await_task(&fx, &e, third);
    engine_sync_answer(&e, &b2);
    engine_probe(&fx, &e);
    engine_answer(&e, &t3, 30);
    await_result(&fx, &c, third, 0, 0, 30, NULL);
    assert_i64_equal(status_number(&fx, &c, "tasks_lost"), 2);

    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* A balanced task handed to an engine after that engine's barrier went
 * out travels behind the barrier: the answer must not count it lost,
 * though it was first sent (to another engine) before. */
static void a_task_sent_again_after_a_barrier_is_not_lost_at_its_answer(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    hub_up(&fx, &cfg);
    peer leaving, e, c;
    peer_open(&fx, &leaving, "engine-leaving", true, 0);
    peer_open(&fx, &e, "engine-sync", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &leaving, 1), 0);
    uint64_t task = client_submit(&c, -1, 5, 0);
    await_task(&fx, &leaving, task);
    assert_int_equal(engine_up(&fx, &e, 1), 1);
    pp_header barrier = await_barrier(&fx, &e, engine_sync_ask(&e));

    /* The first engine leaves: the task goes to the other one, behind its
     * barrier. */
    int64_t attempts = 1;
    pp_header bye = { .type = PP_MSG_UNREGISTER, .id = pp_msg_id_next(),
                      .engine = leaving.id };
    pp_value v;
    assert_int_equal(pp_value_i64(&v, &attempts, 1), 0);
    peer_send(&leaving, &bye, &v, 1);
    pp_header t = await_task(&fx, &e, task);
    engine_sync_answer(&e, &barrier);
    engine_probe(&fx, &e);
    assert_i64_equal(status_number(&fx, &c, "tasks_lost"), 0);
    engine_answer(&e, &t, 50);
    await_result(&fx, &c, task, 0, 1, 50, NULL);
    pp_values vals;
    pp_header hd;
    assert_false(peer_poll(&e, &hd, &vals)); /* not sent a third time */

    peer_close(&leaving);
    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* An engine declared dead, whose barrier was pending, registers again
 * under a new id: the old barrier's answer is not taken for the new
 * entry's, and a request while the hub does not know the engine (or from
 * a stranger) is neither answered nor counted as a refused message. */
static void a_barrier_answer_from_before_a_new_registration_is_ignored(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.heartbeat_s = 0.2; /* as in the test of an engine that stops */
    cfg.heartbeat_misses = 2;
    hub_up(&fx, &cfg);
    peer e, c, stranger;
    peer_open(&fx, &e, "engine-sync", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    peer_open(&fx, &stranger, "engine-stranger", true, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    fx.beating = &e;
    fx.next_beat_ns = 0;
    uint64_t direct = client_submit(&c, 0, 1, 0);
    await_task(&fx, &e, direct);
    pp_header barrier = await_barrier(&fx, &e, engine_sync_ask(&e));

    /* Its heart stops: dead, the direct task fails saying so. */
    fx.beating = NULL;
    pp_header hd;
    pp_values vals;
    await(&fx, &c, PP_MSG_RESULT, direct, &hd, &vals);
    assert_int_equal(hd.status, PP_EREMOTE);
    char *text = text_of(&vals);
    assert_contains(text, "died (no heartbeat");
    free(text);
    pp_values_free(&vals);

    /* While dead: its request, and a stranger's, get no barrier. */
    engine_sync_ask(&e);
    engine_sync_ask(&stranger);
    assert_int_equal(engine_probe(&fx, &stranger), PP_ENOENT);
    assert_int_equal(engine_probe(&fx, &e), PP_ENOENT);

    assert_int_equal(engine_up(&fx, &e, 2), 1);
    fx.beating = &e;
    fx.next_beat_ns = 0;
    uint64_t next = client_submit(&c, 1, 2, 0);
    pp_header t = await_task(&fx, &e, next);
    engine_sync_answer(&e, &barrier); /* the dead entry's barrier */
    engine_probe(&fx, &e);
    json_t *st = client_status(&fx, &c);
    assert_i64_equal(json_integer_value(json_object_get(st, "tasks_lost")),
                     0);
    assert_i64_equal(
        json_integer_value(json_object_get(st, "tasks_outstanding")), 1);
    json_t *dropped = json_object_get(st, "dropped");
    assert_i64_equal(
        json_integer_value(json_object_get(dropped, "unknown_sender")), 0);
    assert_i64_equal(
        json_integer_value(json_object_get(dropped, "malformed")), 0);
    json_decref(st);
    engine_answer(&e, &t, 20);
    await_result(&fx, &c, next, 0, 1, 20, NULL);

    fx.beating = NULL;
    peer_close(&e);
    peer_close(&c);
    peer_close(&stranger);
    hub_down(&fx);
}

/* Steps the hub until its ROUTER has seen the engine's socket close: then
 * a send to it fails (ZMQ_ROUTER_MANDATORY).  A probe that still goes
 * through reaches a socket that is closed, which reads nothing. */
static void await_gone(fixture *fx, const char *rid)
{
    /* By time, not steps: with a fast heartbeat the hub's steps are short,
     * and a loaded machine's I/O thread may take longer to see the close. */
    int64_t end = pp_mono_ns() + 20 * (int64_t)1000000000;
    while (pp_mono_ns() < end) {
        if (zmq_send(fx->h->engines_sock, rid, strlen(rid),
                     ZMQ_SNDMORE | ZMQ_DONTWAIT)
            < 0) {
            assert_int_equal(zmq_errno(), EHOSTUNREACH);
            return;
        }
        zmq_send(fx->h->engines_sock, "", 0, ZMQ_DONTWAIT);
        step(fx);
    }
    fail_msg("the hub still reaches %s after 20 s", rid);
}

/* ---- an engine not connected for a moment (reach.c) -------------------- */

/* The engine's entry in the status: state, and the direct tasks held. */
static void expect_engine(fixture *fx, peer *c, const char *state,
                          json_int_t held, json_int_t queued)
{
    json_t *st = client_status(fx, c);
    json_t *first = json_array_get(json_object_get(st, "engines"), 0);
    assert_non_null(first);
    assert_string_equal(json_string_value(json_object_get(first, "state")),
                        state);
    json_t *h = json_object_get(first, "held");
    if (held < 0) {
        assert_null(h);
        assert_null(json_object_get(first, "unreachable_s"));
    } else {
        assert_i64_equal(json_integer_value(h), held);
        assert_true(json_is_real(json_object_get(first, "unreachable_s")));
    }
    assert_i64_equal(
        json_integer_value(json_object_get(st, "tasks_queued")), queued);
    json_decref(st);
}

/* Its connection closed (after a balanced task went to it) and the next
 * not there yet: a balanced task whose send fails goes back to the queue,
 * a direct one waits; the engine keeps its id.  Its new connection asks
 * for a barrier: the barrier goes first, then what waited, in order, and
 * the barrier's answer finds the task the old connection lost. */
static void a_task_for_an_engine_between_connections_waits_for_its_sync(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config(); /* 60 s beats: no tick in this test */
    hub_up(&fx, &cfg);
    peer e, c;
    peer_open(&fx, &e, "engine-blip", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    uint64_t b0 = client_submit(&c, -1, 1, 0);
    await_task(&fx, &e, b0);
    peer_close(&e);
    await_gone(&fx, "engine-blip");

    uint64_t b1 = client_submit(&c, -1, 2, 0);
    uint64_t d1 = client_submit(&c, 0, 3, 0);
    expect_engine(&fx, &c, "unreachable", 1, 1);
    char ids[64];
    client_ids(&fx, &c, ids, sizeof ids);
    assert_string_equal(ids, "[0]");
    uint64_t d2 = client_submit(&c, 0, 4, 0);
    expect_engine(&fx, &c, "unreachable", 2, 1);

    peer_open(&fx, &e, "engine-blip", true, 0);
    e.id = 0;
    pp_header barrier = await_barrier(&fx, &e, engine_sync_ask(&e));
    pp_header t_d1 = await_task(&fx, &e, d1);
    pp_header t_d2 = await_task(&fx, &e, d2);
    pp_header t_b1 = await_task(&fx, &e, b1);
    engine_answer(&e, &t_d1, 30);
    engine_answer(&e, &t_d2, 40);
    engine_answer(&e, &t_b1, 20);
    engine_sync_answer(&e, &barrier);
    await_result(&fx, &c, d1, 0, 0, 30, NULL);
    await_result(&fx, &c, d2, 0, 0, 40, NULL);
    await_result(&fx, &c, b1, 0, 0, 20, NULL);
    /* Lost with the old connection: sent again, to the same engine. */
    pp_header t_b0 = await_task(&fx, &e, b0);
    engine_answer(&e, &t_b0, 10);
    await_result(&fx, &c, b0, 0, 0, 10, NULL);

    expect_engine(&fx, &c, "idle", -1, 0);
    json_t *st = client_status(&fx, &c);
    assert_i64_equal(json_integer_value(json_object_get(st, "tasks_lost")),
                     1);
    assert_i64_equal(json_integer_value(json_object_get(st, "tasks_done")),
                     4);
    assert_i64_equal(
        json_integer_value(json_object_get(st, "tasks_failed")), 0);
    assert_i64_equal(
        json_integer_value(json_object_get(st, "tasks_retried")), 0);
    json_decref(st);
    client_ids(&fx, &c, ids, sizeof ids);
    assert_string_equal(ids, "[0]");

    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* An engine busy with a long task asks for its barrier only when the task
 * is done; its new connection is there before that.  The tick tries the
 * engine again: what waited goes as soon as a send goes through. */
static void a_task_held_for_an_engine_goes_once_it_is_connected_again(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.heartbeat_s = 0.2; /* a tick every 50 ms; patience 60 s */
    cfg.heartbeat_misses = 300;
    hub_up(&fx, &cfg);
    peer e, c;
    peer_open(&fx, &e, "engine-blip", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    peer_close(&e);
    await_gone(&fx, "engine-blip");
    uint64_t d1 = client_submit(&c, 0, 5, 0);
    expect_engine(&fx, &c, "unreachable", 1, 0);

    peer_open(&fx, &e, "engine-blip", true, 0);
    e.id = 0;
    pp_header t = await_task(&fx, &e, d1);
    expect_engine(&fx, &c, "busy", -1, 0);
    engine_answer(&e, &t, 50);
    await_result(&fx, &c, d1, 0, 0, 50, NULL);
    /* Reached with nothing held: the balanced scheduler uses it again. */
    peer_close(&e);
    await_gone(&fx, "engine-blip");
    uint64_t b1 = client_submit(&c, -1, 6, 0);
    expect_engine(&fx, &c, "unreachable", 0, 1);
    peer_open(&fx, &e, "engine-blip", true, 0);
    e.id = 0;
    t = await_task(&fx, &e, b1);
    engine_answer(&e, &t, 60);
    await_result(&fx, &c, b1, 0, 0, 60, NULL);
    char ids[64];
    client_ids(&fx, &c, ids, sizeof ids);
    assert_string_equal(ids, "[0]");

    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* How the engine that is not connected ends. */
typedef enum {
    HEART_BEATS,   /* its connection never comes back (the patience) */
    HEART_STOPS,   /* killed: its heart runs out */
    REPORTED_DEAD  /* killed, and its supervisor says so (DIED) */
} ending;

/* The supervisor's report that the worker with routing id rid, engine id,
 * was killed between tasks. */
static void supervisor_died(peer *sup, const char *rid, int32_t id,
                            const char *how)
{
    pp_header hd = { .type = PP_MSG_DIED, .id = pp_msg_id_next(),
                     .engine = id };
    int64_t nums[4] = { id, 9, 0, -1 };
    pp_value v[3];
    assert_int_equal(pp_value_bytes(&v[0], PP_T_BYTES, rid, strlen(rid)), 0);
    assert_int_equal(pp_value_i64(&v[1], nums, 4), 0);
    assert_int_equal(pp_value_str(&v[2], how), 0);
    peer_send(sup, &hd, v, 3);
}

/* An engine that does not connect again within the heartbeat patience
 * (100 ms here) is gone, as one whose heart stopped, or whose supervisor
 * reports it dead (at once): the task it was running is retried (handed
 * back, with no retry used, when reported: it was between tasks), the
 * balanced one that never left runs elsewhere without a retry, the direct
 * ones held fail in one line; a later engine gets a new id. */
static void not_connected_until_it_is_gone(ending end, const char *how)
{
    fixture fx;
    hub_config cfg = config();
    cfg.heartbeat_s = 0.02;
    cfg.heartbeat_misses = 5;
    hub_up(&fx, &cfg);
    peer e, heart, other, c;
    peer_open(&fx, &e, "engine-cut", true, 0);
    peer_open(&fx, &heart, "engine-cut-heart", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    heart.beats_for = "engine-cut";
    fx.beating = &heart;
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    heart.id = 0;
    uint64_t b0 = client_submit(&c, -1, 1, 1);
    await_task(&fx, &e, b0);
    peer_close(&e);
    await_gone(&fx, "engine-cut");
    uint64_t b1 = client_submit(&c, -1, 2, 0);
    uint64_t d1 = client_submit(&c, 0, 3, 0);
    uint64_t d2 = client_submit(&c, 0, 4, 0);
    int64_t cut_ns = pp_mono_ns();
    if (end == HEART_STOPS)
        fx.beating = NULL;
    /* Within the patience it is still there (the hub forgives its own
     * stalls: a slow machine cannot make this fail). */
    while (pp_mono_ns() - cut_ns < 30000000)
        step(&fx);
    char ids[64];
    client_ids(&fx, &c, ids, sizeof ids);
    assert_string_equal(ids, "[0]");
    if (end == REPORTED_DEAD) {
        supervisor_died(&heart, "engine-cut", 0, how);
        fx.beating = NULL;
    } else {
        /* Steps are not time: past the patience first. */
        while (pp_mono_ns() - cut_ns < 300000000)
            step(&fx);
    }

    pp_header hd;
    pp_values vals;
    uint64_t held[] = { d1, d2 };
    for (int i = 0; i < 2; i++) {
        /* In the order they came; the client names the engine. */
        await(&fx, &c, PP_MSG_RESULT, 0, &hd, &vals);
        assert_true(hd.parent == held[i]);
        assert_int_equal(hd.status, PP_EREMOTE);
        assert_int_equal(hd.engine, 0);
        char *text = text_of(&vals);
        assert_contains(text, how);
        assert_contains(text, " (the task waited for its connection and "
                              "never ran)");
        if (end == REPORTED_DEAD) /* in the supervisor's words */
            assert_string_equal(text, "was killed by SIGKILL between "
                                      "tasks (the task waited for its "
                                      "connection and never ran)");
        free(text);
        pp_values_free(&vals);
    }
    client_ids(&fx, &c, ids, sizeof ids);
    assert_string_equal(ids, "[]");

    peer_open(&fx, &other, "engine-other", true, 0);
    fx.beating = &other;
    assert_int_equal(engine_up(&fx, &other, 1), 1);
    pp_header t0 = await_task(&fx, &other, b0);
    pp_header t1 = await_task(&fx, &other, b1);
    engine_answer(&other, &t0, 10);
    engine_answer(&other, &t1, 20);
    await_result(&fx, &c, b0, 0, 1, 10, NULL);
    await_result(&fx, &c, b1, 0, 1, 20, NULL);
    json_t *st = client_status(&fx, &c);
    assert_i64_equal(
        json_integer_value(json_object_get(st, "tasks_retried")),
        end == REPORTED_DEAD ? 0 : 1);
    assert_i64_equal(
        json_integer_value(json_object_get(st, "tasks_failed")), 2);
    assert_i64_equal(json_integer_value(json_object_get(st, "tasks_done")),
                     2);
    json_decref(st);

    fx.beating = NULL;
    peer_close(&heart);
    peer_close(&other);
    peer_close(&c);
    hub_down(&fx);
}

static void an_engine_not_connected_past_the_patience_is_gone(void **state)
{
    (void)state;
    not_connected_until_it_is_gone(
        HEART_BEATS, "s: its connection dropped and did not come back");
}

static void an_engine_whose_heart_stops_while_not_connected_is_gone(
    void **state)
{
    (void)state;
    not_connected_until_it_is_gone(HEART_STOPS, "died (no heartbeat for ");
}

static void an_engine_reported_dead_while_not_connected_is_gone_at_once(
    void **state)
{
    (void)state;
    not_connected_until_it_is_gone(REPORTED_DEAD,
                                   "was killed by SIGKILL between tasks");
}
static void assert_quiet(fixture *fx, peer *p);

/* The controller does not run for 0.6 s (SIGSTOP, a starved machine)
 * while an engine is not connected, three times its patience: that time
 * is not held against the engine, which keeps its id and its held task,
 * and gets the task once it is back. */
static void a_stall_of_the_controller_is_not_held_against_an_engine_not_connected(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.heartbeat_s = 0.05; /* patience 0.2 s */
    cfg.heartbeat_misses = 4;
    hub_up(&fx, &cfg);
    peer e, heart, c;
    peer_open(&fx, &e, "engine-stall", true, 0);
    peer_open(&fx, &heart, "engine-stall-heart", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    heart.beats_for = "engine-stall";
    fx.beating = &heart;
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    heart.id = 0;
    peer_close(&e);
    await_gone(&fx, "engine-stall");
    uint64_t d1 = client_submit(&c, 0, 8, 0);
    expect_engine(&fx, &c, "unreachable", 1, 0);

    struct timespec stall = { 0, 600000000 };
    nanosleep(&stall, NULL);
    step(&fx);
    char ids[64];
    client_ids(&fx, &c, ids, sizeof ids);
    assert_string_equal(ids, "[0]");
    expect_engine(&fx, &c, "unreachable", 1, 0);

    peer_open(&fx, &e, "engine-stall", true, 0);
    e.id = 0;
    pp_header t = await_task(&fx, &e, d1);
    engine_answer(&e, &t, 80);
    await_result(&fx, &c, d1, 0, 0, 80, NULL);
    assert_i64_equal(status_number(&fx, &c, "tasks_failed"), 0);

    fx.beating = NULL;
    peer_close(&e);
    peer_close(&heart);
    peer_close(&c);
    hub_down(&fx);
}


/* The controller does not run for 0.6 s while a task with a start
 * timeout of 0.3 s waits for the one engine (busy, --hwm 1): that time is
 * not held against the task either, which starts once the engine is
 * free. */
static void a_stall_of_the_controller_is_not_held_against_a_queued_task(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.hwm = 1;
    cfg.heartbeat_s = 0.1; /* ticks of 25 ms, stalls from 100 ms */
    cfg.heartbeat_misses = 4;
    hub_up(&fx, &cfg);
    peer e, heart, c;
    peer_open(&fx, &e, "engine-busy", true, 0);
    peer_open(&fx, &heart, "engine-busy-heart", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    heart.beats_for = "engine-busy";
    fx.beating = &heart;
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    heart.id = 0;
    uint64_t t1 = client_submit(&c, -1, 1, 0);
    pp_header running = await_task(&fx, &e, t1);
    pp_header hd = { .type = PP_MSG_TASK, .kind = PP_TASK_APPLY,
                     .id = pp_msg_id_next(), .engine = -1,
                     .t_submit = pp_now_ns(), .timeout_ms = 300 };
    assert_int_equal(pp_header_set_name(&hd, "echo", NULL), 0);
    int64_t two = 2;
    pp_value v;
    assert_int_equal(pp_value_i64(&v, &two, 1), 0);
    peer_send(&c, &hd, &v, 1);
    await_queued(&fx, &c, 1);

    struct timespec stall = { 0, 600000000 };
    nanosleep(&stall, NULL);
    step(&fx);
    engine_answer(&e, &running, 1);
    await_result(&fx, &c, t1, 0, 0, 1, NULL);
    pp_header t2 = await_task(&fx, &e, hd.id);
    engine_answer(&e, &t2, 2);
    await_result(&fx, &c, hd.id, 0, 0, 2, NULL);
    assert_i64_equal(status_number(&fx, &c, "tasks_failed"), 0);

    /* Not waived: without a stall, such a wait times out (50 ms here: a
     * loaded machine's pauses of this test over 100 ms count as stalls). */
    t1 = client_submit(&c, -1, 3, 0);
    running = await_task(&fx, &e, t1);
    hd.id = pp_msg_id_next();
    hd.timeout_ms = 50;
    assert_int_equal(pp_value_i64(&v, &two, 1), 0);
    peer_send(&c, &hd, &v, 1);
    await_queued(&fx, &c, 1);
    pp_header rep;
    pp_values vals;
    await(&fx, &c, PP_MSG_RESULT, hd.id, &rep, &vals);
    assert_int_equal(rep.status, PP_ETIMEDOUT);
    pp_values_free(&vals);
    engine_answer(&e, &running, 3);
    await_result(&fx, &c, t1, 0, 0, 3, NULL);

    fx.beating = NULL;
    peer_close(&e);
    peer_close(&heart);
    peer_close(&c);
    hub_down(&fx);
}

/* An engine not connected that comes back only to leave (UNREGISTER):
 * the direct task held for it fails in one line and is not sent to it. */
static void an_engine_that_unregisters_while_not_connected_gets_no_held_task(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config(); /* 60 s beats: no tick, no probe */
    hub_up(&fx, &cfg);
    peer e, c;
    peer_open(&fx, &e, "engine-leaving", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    peer_close(&e);
    await_gone(&fx, "engine-leaving");
    uint64_t d1 = client_submit(&c, 0, 1, 0);
    expect_engine(&fx, &c, "unreachable", 1, 0);

    peer_open(&fx, &e, "engine-leaving", true, 0);
    e.id = 0;
    int64_t attempts = 1;
    pp_header bye = { .type = PP_MSG_UNREGISTER, .id = pp_msg_id_next(),
                      .engine = 0 };
    pp_value v;
    assert_int_equal(pp_value_i64(&v, &attempts, 1), 0);
    peer_send(&e, &bye, &v, 1);
    await_result(&fx, &c, d1, PP_EREMOTE, 0, 0,
                 "unregistered (the task waited for its connection and "
                 "never ran)");
    /* Its answer, and nothing before it. */
    pp_header hd;
    pp_values vals;
    int i = 0;
    while (!peer_poll(&e, &hd, &vals) && i++ < STEPS)
        step(&fx);
    assert_int_equal(hd.type, PP_MSG_UNREGISTER);
    assert_true(hd.parent == bye.id);
    pp_values_free(&vals);
    assert_quiet(&fx, &e);
    char ids[64];
    client_ids(&fx, &c, ids, sizeof ids);
    assert_string_equal(ids, "[]");
    assert_i64_equal(status_number(&fx, &c, "tasks_failed"), 1);
    assert_i64_equal(status_number(&fx, &c, "tasks_outstanding"), 0);

    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* The client of a direct task held for an engine not connected vanishes:
 * the task still goes once the engine is back, its result has nowhere to
 * go, and the controller keeps nothing of that client. */
static void a_held_task_of_a_client_that_vanished_runs_and_is_forgotten(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    hub_up(&fx, &cfg);
    peer e, gone, watcher;
    peer_open(&fx, &e, "engine-blip", true, 0);
    peer_open(&fx, &gone, "client-gone", false, 0);
    peer_open(&fx, &watcher, "watcher", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    peer_close(&e);
    await_gone(&fx, "engine-blip");
    uint64_t d1 = client_submit(&gone, 0, 7, 0);
    expect_engine(&fx, &watcher, "unreachable", 1, 0);
    peer_close(&gone);

    peer_open(&fx, &e, "engine-blip", true, 0);
    e.id = 0;
    pp_header barrier = await_barrier(&fx, &e, engine_sync_ask(&e));
    pp_header t = await_task(&fx, &e, d1);
    engine_answer(&e, &t, 70);
    engine_sync_answer(&e, &barrier);
    json_int_t done = 0;
    for (int i = 0; i < STEPS && done != 1; i++)
        done = status_number(&fx, &watcher, "tasks_done");
    assert_i64_equal(done, 1);
    expect_engine(&fx, &watcher, "idle", -1, 0);
    json_t *st = client_status(&fx, &watcher);
    assert_i64_equal(
        json_integer_value(json_object_get(st, "tasks_outstanding")), 0);
    assert_i64_equal(
        json_integer_value(json_object_get(st, "results_waiting")), 0);
    assert_int_equal(json_array_size(json_object_get(st, "clients")), 0);
    json_decref(st);

    peer_close(&e);
    peer_close(&watcher);
    hub_down(&fx);
}

/* ---- aborting tasks ------------------------------------------------------- */

#define ABORTED_TEXT "aborted before it ran"

/* ABORT naming n task ids, or (ids NULL) all of the client's tasks. */
static uint64_t client_abort(peer *c, const uint64_t *ids, size_t n)
{
    pp_header hd = { .type = PP_MSG_ABORT, .id = pp_msg_id_next(),
                     .engine = -1 };
    pp_value v;
    if (ids)
        assert_int_equal(pp_value_i64(&v, (const int64_t *)ids, n), 0);
    peer_send(c, &hd, ids ? &v : NULL, ids ? 1 : 0);
    return hd.id;
}

/* The answer to abort request req: aborted, at an engine, not found. */
static void await_abort(fixture *fx, peer *c, uint64_t req, int64_t aborted,
                        int64_t running, int64_t unknown)
{
    pp_header hd;
    pp_values vals;
    await(fx, c, PP_MSG_ABORT, req, &hd, &vals);
    assert_int_equal(hd.status, 0);
    assert_true(vals.n == 1 && vals.v[0].type == PP_T_I64);
    assert_int_equal(pp_value_count(&vals.v[0]), 3);
    const int64_t *k = pp_value_i64s(&vals.v[0]);
    char got[96], want[96];
    snprintf(got, sizeof got, "%lld aborted, %lld running, %lld unknown",
             (long long)k[0], (long long)k[1], (long long)k[2]);
    snprintf(want, sizeof want, "%lld aborted, %lld running, %lld unknown",
             (long long)aborted, (long long)running, (long long)unknown);
    assert_string_equal(got, want);
    pp_values_free(&vals);
}

/* The engine's ABORT: the ids of the tasks it has, to skip if they wait
 * there (want[0..n), in any order). */
static void await_engine_abort(fixture *fx, peer *e, const uint64_t *want,
                               size_t n)
{
    pp_header hd;
    pp_values vals;
    await(fx, e, PP_MSG_ABORT, 0, &hd, &vals);
    assert_true(vals.n == 1 && vals.v[0].type == PP_T_I64);
    assert_int_equal(pp_value_count(&vals.v[0]), n);
    const int64_t *ids = pp_value_i64s(&vals.v[0]);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; k < n; k++)
            found |= (uint64_t)ids[k] == want[i];
        assert_true(found);
    }
    pp_values_free(&vals);
}

/* An engine's answer "skipped": status PP_EABORTED, the text. */
static void engine_skips(peer *e, const pp_header *task)
{
    pp_header hd = { .type = PP_MSG_RESULT, .kind = task->kind,
                     .id = pp_msg_id_next(), .parent = task->id,
                     .engine = e->id, .status = PP_EABORTED };
    pp_value v;
    assert_int_equal(pp_value_str(&v, ABORTED_TEXT), 0);
    peer_send(e, &hd, &v, 1);
}

/* Nothing more for p within a few steps of the hub. */
static void assert_quiet(fixture *fx, peer *p)
{
    pp_header hd;
    pp_values vals;
    for (int i = 0; i < 20; i++) {
        step(fx);
        if (peer_poll(p, &hd, &vals))
            fail_msg("%s got a message of type %d (parent %016llx)", p->rid,
                     hd.type, (unsigned long long)hd.parent);
    }
}

/* hwm 1, one engine: the first task runs, the next two wait in the queue.
 * Aborting all three (and an id nobody knows, and one named twice) fails
 * the two queued ones with PP_EABORTED before the answer, which counts 2
 * aborted, 1 at an engine, 2 not found; the running one finishes as
 * usual, and the engine gets nothing more. */
static void an_abort_takes_queued_tasks_and_leaves_a_running_one(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.hwm = 1;
    hub_up(&fx, &cfg);
    peer e, c;
    peer_open(&fx, &e, "engine", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    uint64_t t[3];
    for (int i = 0; i < 3; i++)
        t[i] = client_submit(&c, -1, 10 + i, 0);
    pp_header running = await_task(&fx, &e, t[0]);
    await_queued(&fx, &c, 2);

    uint64_t ids[5] = { t[0], t[1], t[2], 0x5eed5eed5eed5eedULL, t[2] };
    uint64_t req = client_abort(&c, ids, 5);
    await_result(&fx, &c, t[1], PP_EABORTED, -1, 0, ABORTED_TEXT);
    await_result(&fx, &c, t[2], PP_EABORTED, -1, 0, ABORTED_TEXT);
    await_abort(&fx, &c, req, 2, 1, 2);
    await_engine_abort(&fx, &e, &t[0], 1);
    assert_i64_equal(status_number(&fx, &c, "tasks_queued"), 0);
    assert_i64_equal(status_number(&fx, &c, "tasks_aborted"), 2);
    assert_i64_equal(status_number(&fx, &c, "tasks_failed"), 0);
    assert_i64_equal(status_number(&fx, &c, "tasks_outstanding"), 1);

    engine_answer(&e, &running, 100);
    await_result(&fx, &c, t[0], 0, e.id, 100, NULL);
    assert_i64_equal(status_number(&fx, &c, "tasks_outstanding"), 0);
    assert_quiet(&fx, &e);
    /* Done now: a second abort finds nothing. */
    req = client_abort(&c, t, 3);
    await_abort(&fx, &c, req, 0, 0, 3);

    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* hwm 2, retries 1: the engine holds two tasks when they are aborted.
 * It is told to skip both; the one it skips comes back PP_EABORTED to
 * the client and is not run again on the other engine, the one it ran
 * comes back as usual. */
static void an_engine_is_told_to_skip_the_aborted_tasks_it_holds(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.hwm = 2;
    hub_up(&fx, &cfg);
    peer e, other, c;
    peer_open(&fx, &e, "engine", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    uint64_t t[2];
    for (int i = 0; i < 2; i++)
        t[i] = client_submit(&c, -1, 10 + i, 1);
    pp_header running = await_task(&fx, &e, t[0]);
    pp_header waiting = await_task(&fx, &e, t[1]);
    /* A second engine, free, where a retry would go. */
    peer_open(&fx, &other, "engine-other", true, 0);
    assert_int_equal(engine_up(&fx, &other, 1), 1);
    uint64_t req = client_abort(&c, t, 2);
    await_abort(&fx, &c, req, 0, 2, 0);
    await_engine_abort(&fx, &e, t, 2);
    engine_answer(&e, &running, 100);
    await_result(&fx, &c, t[0], 0, e.id, 100, NULL);
    engine_skips(&e, &waiting);
    await_result(&fx, &c, t[1], PP_EABORTED, e.id, 0, ABORTED_TEXT);
    assert_quiet(&fx, &other);
    assert_i64_equal(status_number(&fx, &c, "tasks_aborted"), 1);
    assert_i64_equal(status_number(&fx, &c, "tasks_outstanding"), 0);
    peer_close(&other);
    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* Tasks at an engine named several times in one abort, more ids than
 * tasks: each counts once as at an engine, the rest as not found (as
 * docs/protocol.md says of an id named twice), and the engine is told of
 * each once.  (An overflow of the controller's list of them before.) */
static void an_abort_naming_a_task_at_an_engine_twice_counts_it_once(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.hwm = 2;
    hub_up(&fx, &cfg);
    peer e, c;
    peer_open(&fx, &e, "engine", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    uint64_t t[2];
    for (int i = 0; i < 2; i++)
        t[i] = client_submit(&c, -1, 10 + i, 0);
    pp_header h0 = await_task(&fx, &e, t[0]);
    pp_header h1 = await_task(&fx, &e, t[1]);
    uint64_t ids[9] = { t[0], t[0], t[0], t[0], t[0], t[0], t[0], t[0],
                        t[1] };
    uint64_t req = client_abort(&c, ids, 9);
    await_abort(&fx, &c, req, 0, 2, 7);
    await_engine_abort(&fx, &e, t, 2);
    engine_answer(&e, &h0, 1);
    engine_answer(&e, &h1, 2);
    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* A running task its client aborted kills the worker (or runs past its
 * time limit): the supervisor's DIED names it.  It must not run again
 * elsewhere (docs/protocol.md: "no retry after an abort"). */
static void an_aborted_task_that_killed_its_worker_is_not_retried(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    hub_up(&fx, &cfg);
    peer e, sup, other, c;
    peer_open(&fx, &e, "engine-dies", true, 0);
    peer_open(&fx, &sup, "supervisor", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    uint64_t t = client_submit(&c, -1, 1, 1); /* one retry */
    await_task(&fx, &e, t);
    peer_open(&fx, &other, "engine-other", true, 0);
    assert_int_equal(engine_up(&fx, &other, 1), 1);
    uint64_t req = client_abort(&c, &t, 1);
    await_abort(&fx, &c, req, 0, 1, 0);
    await_engine_abort(&fx, &e, &t, 1);
    /* The supervisor: killed by SIGSEGV while running t. */
    pp_header hd = { .type = PP_MSG_DIED, .id = pp_msg_id_next(),
                     .engine = 0 };
    int64_t nums[4] = { 0, 11, (int64_t)t, -1 };
    pp_value v[3];
    assert_int_equal(pp_value_bytes(&v[0], PP_T_BYTES, "engine-dies", 11),
                     0);
    assert_int_equal(pp_value_i64(&v[1], nums, 4), 0);
    assert_int_equal(pp_value_str(&v[2], "was killed by SIGSEGV while "
                                         "running 'x'"), 0);
    peer_send(&sup, &hd, v, 3);
    assert_quiet(&fx, &other); /* not retried there */
    pp_header rep;
    pp_values vals;
    await(&fx, &c, PP_MSG_RESULT, t, &rep, &vals);
    pp_values_free(&vals);
    assert_int_equal(rep.status, PP_EABORTED);
    peer_close(&other);
    peer_close(&sup);
    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* hwm 2: the engine holds t0 (running) and t1 (waiting) when both are
 * aborted; its connection drops and t1 is lost on the way.  At the
 * barrier's answer t1 fails aborted: it is not handed back to run on
 * another engine after its client aborted it. */
static void an_aborted_task_lost_in_a_drop_is_not_run_again(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.hwm = 2;
    hub_up(&fx, &cfg);
    peer e, other, c;
    peer_open(&fx, &e, "engine-sync", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    uint64_t t[2];
    for (int i = 0; i < 2; i++)
        t[i] = client_submit(&c, -1, 10 + i, 0);
    pp_header h0 = await_task(&fx, &e, t[0]);
    await_task(&fx, &e, t[1]); /* "lost": the engine never sees it */
    peer_open(&fx, &other, "engine-other", true, 0);
    assert_int_equal(engine_up(&fx, &other, 1), 1);
    uint64_t req = client_abort(&c, t, 2);
    await_abort(&fx, &c, req, 0, 2, 0);
    await_engine_abort(&fx, &e, t, 2); /* lost too */
    pp_header barrier = await_barrier(&fx, &e, engine_sync_ask(&e));
    engine_answer(&e, &h0, 100);
    engine_sync_answer(&e, &barrier);
    await_result(&fx, &c, t[0], 0, e.id, 100, NULL);
    assert_quiet(&fx, &other); /* not handed back */
    pp_header rep;
    pp_values vals;
    await(&fx, &c, PP_MSG_RESULT, t[1], &rep, &vals);
    pp_values_free(&vals);
    assert_int_equal(rep.status, PP_EABORTED);
    peer_close(&other);
    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* An engine that registered again under a new id (its heart thread did)
 * may answer a task sent to that id before it has read it: the result
 * reaches the client naming the engine the task was sent to, not the id
 * the engine still used, with a seal that holds over the new header. */
static void a_result_names_the_engine_its_task_was_sent_to(void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    hub_up(&fx, &cfg);
    peer gone, e, c;
    peer_open(&fx, &gone, "engine-gone", true, 0);
    peer_open(&fx, &e, "engine", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &gone, 1), 0);
    assert_int_equal(engine_up(&fx, &e, 1), 1);
    peer_close(&gone);
    uint64_t t = client_submit(&c, 1, 42, 0);
    pp_header task = await_task(&fx, &e, t);
    e.id = 0; /* its old id */
    engine_answer(&e, &task, 42);
    await_result(&fx, &c, t, 0, 1, 42, NULL);
    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* A result passed on names the controller's run (timeout_ms), as its
 * other replies do in t_start: a client whose first word of a restarted
 * controller is a result still knows whose numbering its engine id is in,
 * and a follower of it carrying that run is taken. */
static void a_result_names_the_controllers_run(void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    hub_up(&fx, &cfg);
    peer e, c;
    peer_open(&fx, &e, "engine", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    pp_header ids;
    pp_values vals;
    await(&fx, &c, PP_MSG_IDS, client_ask(&c, PP_MSG_IDS), &ids, &vals);
    pp_values_free(&vals);
    assert_true(ids.t_start > 0);

    uint64_t t = client_submit(&c, -1, 7, 0);
    pp_header task = await_task(&fx, &e, t);
    engine_answer(&e, &task, 7);
    pp_header res;
    await(&fx, &c, PP_MSG_RESULT, t, &res, &vals);
    assert_int_equal(res.status, 0);
    assert_int_equal(res.engine, 0);
    assert_true(res.timeout_ms == ids.t_start);
    assert_i64_equal(i64_of(&vals), 7);
    pp_values_free(&vals);

    /* Its follower, with that run: taken; with another: refused. */
    pp_header f = { .type = PP_MSG_TASK, .kind = PP_TASK_APPLY,
                    .id = pp_msg_id_next(), .engine = 0,
                    .flags = PP_TASK_FOLLOW, .t_start = res.timeout_ms,
                    .t_submit = pp_now_ns() };
    assert_int_equal(pp_header_set_name(&f, "echo", NULL), 0);
    int64_t eight = 8;
    pp_value v;
    assert_int_equal(pp_value_i64(&v, &eight, 1), 0);
    peer_send(&c, &f, &v, 1);
    task = await_task(&fx, &e, f.id);
    engine_answer(&e, &task, 8);
    await_result(&fx, &c, f.id, 0, 0, 8, NULL);
    f.id = pp_msg_id_next();
    f.t_start = res.timeout_ms - 1;
    assert_int_equal(pp_value_i64(&v, &eight, 1), 0);
    peer_send(&c, &f, &v, 1);
    await_result(&fx, &c, f.id, PP_ENOENT, -1, 0,
                 "the task follows tasks that ran on engine 0 as numbered "
                 "before the controller restarted: the id may name another "
                 "engine now");
    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* An ABORT lost with a dropped connection (or never sent: not connected)
 * is sent again after the barrier of the engine's next connection: the
 * task that waited at the engine through the drop is skipped there, not
 * run.  (ZeroMQ discards what was queued on a connection that closes.) */
static void an_abort_lost_in_a_drop_is_sent_again(void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.hwm = 2;
    hub_up(&fx, &cfg);
    peer e, c;
    peer_open(&fx, &e, "engine-sync", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    uint64_t t[2];
    for (int i = 0; i < 2; i++)
        t[i] = client_submit(&c, -1, 10 + i, 0);
    pp_header h0 = await_task(&fx, &e, t[0]);
    pp_header h1 = await_task(&fx, &e, t[1]); /* waits at the engine */
    uint64_t req = client_abort(&c, t, 2);
    await_abort(&fx, &c, req, 0, 2, 0);
    await_engine_abort(&fx, &e, t, 2); /* lost with the connection */
    pp_header barrier = await_barrier(&fx, &e, engine_sync_ask(&e));
    await_engine_abort(&fx, &e, t, 2); /* again, on the new one */
    engine_answer(&e, &h0, 100);
    engine_skips(&e, &h1);
    engine_sync_answer(&e, &barrier);
    await_result(&fx, &c, t[0], 0, e.id, 100, NULL);
    pp_header rep;
    pp_values vals;
    await(&fx, &c, PP_MSG_RESULT, t[1], &rep, &vals);
    assert_int_equal(rep.status, PP_EABORTED);
    char *text = text_of(&vals);
    assert_string_equal(text, ABORTED_TEXT);
    free(text);
    pp_values_free(&vals);
    assert_i64_equal(status_number(&fx, &c, "tasks_aborted"), 1);
    assert_i64_equal(status_number(&fx, &c, "tasks_done"), 1);
    assert_i64_equal(status_number(&fx, &c, "tasks_lost"), 0);
    assert_i64_equal(status_number(&fx, &c, "tasks_outstanding"), 0);
    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* Another client's tasks are not the asker's to abort: named, they count
 * as not found, as an unknown id does (nothing is told about them); its
 * abort of "all" finds none of them; the owner's task still runs. */
static void an_abort_leaves_another_clients_tasks_alone(void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.hwm = 1;
    hub_up(&fx, &cfg);
    peer e, a, b;
    peer_open(&fx, &e, "engine", true, 0);
    peer_open(&fx, &a, "client-a", false, 0);
    peer_open(&fx, &b, "client-b", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    uint64_t t0 = client_submit(&a, -1, 1, 0);
    uint64_t t1 = client_submit(&a, -1, 2, 0);
    pp_header running = await_task(&fx, &e, t0);
    await_queued(&fx, &a, 1);

    uint64_t ids[2] = { t0, t1 };
    uint64_t req = client_abort(&b, ids, 2);
    await_abort(&fx, &b, req, 0, 0, 2);
    req = client_abort(&b, NULL, 0);
    await_abort(&fx, &b, req, 0, 0, 0);
    assert_quiet(&fx, &a);
    assert_i64_equal(status_number(&fx, &b, "tasks_queued"), 1);
    assert_i64_equal(status_number(&fx, &b, "tasks_aborted"), 0);

    engine_answer(&e, &running, 10);
    await_result(&fx, &a, t0, 0, e.id, 10, NULL);
    running = await_task(&fx, &e, t1);
    engine_answer(&e, &running, 20);
    await_result(&fx, &a, t1, 0, e.id, 20, NULL);

    peer_close(&e);
    peer_close(&a);
    peer_close(&b);
    hub_down(&fx);
}

/* Abort "all": direct tasks are at their engine, so they run; of the
 * balanced ones, the one at the engine runs and the queued ones fail. */
static void an_abort_of_all_counts_direct_tasks_as_running(void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.hwm = 1;
    hub_up(&fx, &cfg);
    peer e, c;
    peer_open(&fx, &e, "engine", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    uint64_t direct[2], balanced[3];
    for (int i = 0; i < 2; i++)
        direct[i] = client_submit(&c, 0, i, 0);
    for (int i = 0; i < 2; i++)
        await_task(&fx, &e, direct[i]);
    for (int i = 0; i < 3; i++)
        balanced[i] = client_submit(&c, -1, 10 + i, 0);
    await_task(&fx, &e, balanced[0]);
    await_queued(&fx, &c, 2);
    uint64_t req = client_abort(&c, NULL, 0);
    await_result(&fx, &c, balanced[1], PP_EABORTED, -1, 0, ABORTED_TEXT);
    await_result(&fx, &c, balanced[2], PP_EABORTED, -1, 0, ABORTED_TEXT);
    await_abort(&fx, &c, req, 2, 3, 0);
    assert_i64_equal(status_number(&fx, &c, "tasks_outstanding"), 3);

    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* A task handed back when its engine left waits in the queue again: an
 * abort takes it there.  The client that sent the abort and vanished
 * before the answer costs the controller nothing: it goes on serving. */
static void an_abort_takes_a_task_handed_back_by_an_engine_that_left(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    hub_up(&fx, &cfg);
    peer e, c, watcher;
    peer_open(&fx, &e, "engine", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    peer_open(&fx, &watcher, "watcher", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    uint64_t t = client_submit(&c, -1, 5, 1);
    await_task(&fx, &e, t);
    /* The engine leaves cleanly: the task goes back to the queue. */
    pp_header bye = { .type = PP_MSG_UNREGISTER, .id = pp_msg_id_next(),
                      .engine = e.id };
    peer_send(&e, &bye, NULL, 0);
    await_queued(&fx, &watcher, 1);
    uint64_t req = client_abort(&c, &t, 1);
    await_result(&fx, &c, t, PP_EABORTED, -1, 0, ABORTED_TEXT);
    await_abort(&fx, &c, req, 1, 0, 0);
    assert_i64_equal(status_number(&fx, &watcher, "tasks_queued"), 0);

    /* Another client aborts and vanishes at once. */
    peer gone;
    peer_open(&fx, &gone, "client-gone", false, 0);
    uint64_t g = client_submit(&gone, -1, 6, 0);
    await_queued(&fx, &watcher, 1);
    client_abort(&gone, &g, 1);
    peer_close(&gone);
    json_int_t aborted = 0;
    for (int i = 0; i < STEPS && aborted != 2; i++)
        aborted = status_number(&fx, &watcher, "tasks_aborted");
    assert_i64_equal(aborted, 2);
    assert_i64_equal(status_number(&fx, &watcher, "tasks_queued"), 0);
    assert_i64_equal(status_number(&fx, &watcher, "tasks_outstanding"), 0);

    peer_close(&e);
    peer_close(&c);
    peer_close(&watcher);
    hub_down(&fx);
}

/* A client whose outbox is full has its balanced tasks parked, not
 * queued: an abort takes them there too; its answer waits behind the
 * replies it has not read, in order. */
static void an_abort_takes_tasks_parked_behind_a_full_outbox(void **state)
{
    (void)state;
    enum { BACKLOG = 4, ASKS = 8, TASKS = 3 };
    fixture fx;
    hub_config cfg = config();
    cfg.backlog = BACKLOG;
    hub_up(&fx, &cfg);
    peer e, c, watcher;
    peer_open(&fx, &e, "engine", true, 0);
    peer_open(&fx, &c, "client-slow", false, 1);
    peer_open(&fx, &watcher, "client-watcher", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    uint64_t asks[ASKS];
    for (int i = 0; i < ASKS; i++)
        asks[i] = client_ask(&c, PP_MSG_IDS);
    uint64_t tasks[TASKS];
    for (int i = 0; i < TASKS; i++)
        tasks[i] = client_submit(&c, -1, i, 0);
    json_int_t parked = 0;
    for (int i = 0; i < STEPS && parked != TASKS; i++) {
        json_t *st = client_status(&fx, &watcher);
        json_t *cl = json_object_get(st, "clients");
        parked = 0;
        for (size_t k = 0; k < json_array_size(cl); k++)
            parked += json_integer_value(
                json_object_get(json_array_get(cl, k), "parked"));
        json_decref(st);
    }
    assert_i64_equal(parked, TASKS);
    uint64_t req = client_abort(&c, NULL, 0);
    json_int_t aborted = 0;
    for (int i = 0; i < STEPS && aborted != TASKS; i++)
        aborted = status_number(&fx, &watcher, "tasks_aborted");
    assert_i64_equal(aborted, TASKS);

    int nasked = 0, naborted = 0;
    pp_header hd;
    pp_values vals;
    for (int i = 0; i < STEPS && nasked + naborted < ASKS + TASKS; i++) {
        step(&fx);
        while (peer_poll(&c, &hd, &vals)) {
            if (hd.type == PP_MSG_IDS) {
                assert_int_equal(naborted, 0);
                nasked++;
            } else {
                assert_int_equal(hd.type, PP_MSG_RESULT);
                assert_int_equal(nasked, ASKS);
                assert_true(hd.parent == tasks[naborted]);
                assert_int_equal(hd.status, PP_EABORTED);
                naborted++;
            }
            pp_values_free(&vals);
        }
    }
    assert_int_equal(nasked, ASKS);
    assert_int_equal(naborted, TASKS);
    await_abort(&fx, &c, req, TASKS, 0, 0);
    assert_quiet(&fx, &e);
    (void)asks;

    peer_close(&e);
    peer_close(&c);
    peer_close(&watcher);
    hub_down(&fx);
}

/* Direct tasks held for an engine not connected (reach.c) never left the
 * controller: an abort takes them like queued ones, the others held keep
 * their order, and the engine gets only those once it is back. */
static void an_abort_takes_direct_tasks_held_for_an_engine_not_connected(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config(); /* 60 s beats: no tick in this test */
    hub_up(&fx, &cfg);
    peer e, c;
    peer_open(&fx, &e, "engine-blip", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    peer_close(&e);
    await_gone(&fx, "engine-blip");
    uint64_t d[4];
    for (int i = 0; i < 4; i++)
        d[i] = client_submit(&c, 0, i, 0);
    expect_engine(&fx, &c, "unreachable", 4, 0);

    uint64_t req = client_abort(&c, &d[1], 1);
    await_result(&fx, &c, d[1], PP_EABORTED, -1, 0, ABORTED_TEXT);
    await_abort(&fx, &c, req, 1, 0, 0);
    expect_engine(&fx, &c, "unreachable", 3, 0);
    uint64_t last[2] = { d[3], d[3] };
    req = client_abort(&c, last, 2);
    await_result(&fx, &c, d[3], PP_EABORTED, -1, 0, ABORTED_TEXT);
    await_abort(&fx, &c, req, 1, 0, 1);
    expect_engine(&fx, &c, "unreachable", 2, 0);
    assert_i64_equal(status_number(&fx, &c, "tasks_aborted"), 2);
    assert_i64_equal(status_number(&fx, &c, "tasks_failed"), 0);

    peer_open(&fx, &e, "engine-blip", true, 0);
    e.id = 0;
    pp_header barrier = await_barrier(&fx, &e, engine_sync_ask(&e));
    pp_header t0 = await_task(&fx, &e, d[0]);
    pp_header t2 = await_task(&fx, &e, d[2]);
    engine_sync_answer(&e, &barrier);
    assert_quiet(&fx, &e);
    engine_answer(&e, &t0, 10);
    engine_answer(&e, &t2, 12);
    await_result(&fx, &c, d[0], 0, 0, 10, NULL);
    await_result(&fx, &c, d[2], 0, 0, 12, NULL);
    expect_engine(&fx, &c, "idle", -1, 0);
    /* All of them ended: an abort of "all" finds nothing. */
    req = client_abort(&c, NULL, 0);
    await_abort(&fx, &c, req, 0, 0, 0);

    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}

/* A malformed abort gets a one-line refusal, and aborts nothing. */
/* A client's STOP with values, flags; the answer's status and text
 * (NULL: its one i64, returned). */
static int64_t client_stop(fixture *fx, peer *c, const int64_t *ids,
                           size_t n, uint32_t flags, const char *text)
{
    pp_header hd = { .type = PP_MSG_STOP, .id = pp_msg_id_next(),
                     .engine = -1, .flags = flags };
    pp_value v;
    if (ids)
        assert_int_equal(pp_value_i64(&v, ids, n), 0);
    peer_send(c, &hd, ids ? &v : NULL, ids ? 1 : 0);
    pp_header rep;
    pp_values vals;
    await(fx, c, PP_MSG_STOP, hd.id, &rep, &vals);
    int64_t told = -1;
    if (text) {
        assert_int_not_equal(rep.status, 0);
        char *got = text_of(&vals);
        assert_string_equal(got, text);
        free(got);
    } else {
        assert_int_equal(rep.status, 0);
        told = i64_of(&vals);
    }
    pp_values_free(&vals);
    return told;
}

/* Client.shutdown: the engines named get a STOP of their own; an unknown
 * id, an unknown flag or a malformed list stops nothing; with the
 * controller's flag the hub is done once its engines have left. */
static void a_stop_reaches_the_engines_named_and_then_the_controller(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    hub_up(&fx, &cfg);
    peer e0, e1, c;
    peer_open(&fx, &e0, "engine-0", true, 0);
    peer_open(&fx, &e1, "engine-1", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e0, 1), 0);
    assert_int_equal(engine_up(&fx, &e1, 1), 1);
    int64_t bad[2] = { 1, 7 };
    client_stop(&fx, &c, bad, 2, 0,
                "no engine 7 is registered (engines: 0, 1); nothing was "
                "stopped");
    client_stop(&fx, &c, NULL, 0, 0x2,
                "a stop's flags 0x2 name no known flag");
    pp_header bad_hd = { .type = PP_MSG_STOP, .id = pp_msg_id_next(),
                         .engine = -1 };
    pp_value str;
    assert_int_equal(pp_value_str(&str, "all"), 0);
    peer_send(&c, &bad_hd, &str, 1);
    pp_header rep;
    pp_values got;
    await(&fx, &c, PP_MSG_STOP, bad_hd.id, &rep, &got);
    assert_int_equal(rep.status, PP_EINVAL);
    char *why = text_of(&got);
    assert_string_equal(why, "a stop names its engines in one i64 array of "
                             "engine ids (or none, for every engine)");
    free(why);
    pp_values_free(&got);
    assert_quiet(&fx, &e0);
    assert_quiet(&fx, &e1);
    int64_t one = 1;
    assert_int_equal(client_stop(&fx, &c, &one, 1, 0, NULL), 1);
    pp_header hd;
    pp_values vals;
    await(&fx, &e1, PP_MSG_STOP, 0, &hd, &vals);
    pp_values_free(&vals);
    assert_quiet(&fx, &e0);
    assert_false(hub_stopped(fx.h));
    /* Every engine and the controller: e1 was told already. */
    assert_int_equal(client_stop(&fx, &c, NULL, 0, PP_STOP_CONTROLLER, NULL),
                     1);
    await(&fx, &e0, PP_MSG_STOP, 0, &hd, &vals);
    pp_values_free(&vals);
    assert_false(hub_stopped(fx.h)); /* its engines are still there */
    peer *both[2] = { &e0, &e1 };
    for (int k = 0; k < 2; k++) {
        int64_t attempts = 1;
        pp_header bye = { .type = PP_MSG_UNREGISTER, .id = pp_msg_id_next(),
                          .engine = both[k]->id };
        pp_value v;
        assert_int_equal(pp_value_i64(&v, &attempts, 1), 0);
        peer_send(both[k], &bye, &v, 1);
        await(&fx, both[k], PP_MSG_UNREGISTER, bye.id, &hd, &vals);
        pp_values_free(&vals);
    }
    assert_true(hub_stopped(fx.h));
    peer_close(&e0);
    peer_close(&e1);
    peer_close(&c);
    hub_down(&fx);
}

/* PENDING (a client that found its controller restarted): of the ids it
 * names, the reply carries its own tasks held here, running or queued, in
 * the order named; not one done, one unknown, or another client's.  No
 * values, or not one i64 array: refused in one line. */
static void a_pending_request_names_the_clients_tasks_held_here(
    void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.hwm = 1;
    hub_up(&fx, &cfg);
    peer e, c, other;
    peer_open(&fx, &e, "engine", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    peer_open(&fx, &other, "other", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    uint64_t done = client_submit(&c, -1, 1, 0);
    pp_header t = await_task(&fx, &e, done);
    engine_answer(&e, &t, 1);
    await_result(&fx, &c, done, 0, e.id, 1, NULL);
    uint64_t running = client_submit(&c, -1, 2, 0);
    await_task(&fx, &e, running);
    uint64_t queued = client_submit(&c, -1, 3, 0);
    await_queued(&fx, &c, 1);
    uint64_t others = client_submit(&other, -1, 4, 0);
    await_queued(&fx, &other, 2);

    uint64_t ids[5] = { queued, done, 0x5eed5eed5eed5eedULL, others,
                        running };
    pp_header hd = { .type = PP_MSG_PENDING, .id = pp_msg_id_next(),
                     .engine = -1 };
    pp_value v;
    assert_int_equal(pp_value_i64(&v, (const int64_t *)ids, 5), 0);
    peer_send(&c, &hd, &v, 1);
    pp_header rep;
    pp_values vals;
    await(&fx, &c, PP_MSG_PENDING, hd.id, &rep, &vals);
    assert_int_equal(rep.status, 0);
    assert_true(rep.t_start != 0); /* the run, as in every reply */
    assert_true(vals.n == 1 && vals.v[0].type == PP_T_I64);
    assert_int_equal(pp_value_count(&vals.v[0]), 2);
    assert_true((uint64_t)pp_value_i64s(&vals.v[0])[0] == queued);
    assert_true((uint64_t)pp_value_i64s(&vals.v[0])[1] == running);
    pp_values_free(&vals);

    const char *want = "a pending request names its tasks in one i64 array "
                       "of task ids";
    for (int k = 0; k < 2; k++) {
        pp_header bad = { .type = PP_MSG_PENDING, .id = pp_msg_id_next(),
                          .engine = -1 };
        double x = 1;
        if (k == 0) {
            peer_send(&c, &bad, NULL, 0);
        } else {
            assert_int_equal(pp_value_f64(&v, &x, 1), 0);
            peer_send(&c, &bad, &v, 1);
        }
        await(&fx, &c, PP_MSG_PENDING, bad.id, &rep, &vals);
        assert_int_equal(rep.status, PP_EINVAL);
        char *text = text_of(&vals);
        assert_string_equal(text, want);
        free(text);
        pp_values_free(&vals);
    }
    /* Asking changes nothing. */
    assert_i64_equal(status_number(&fx, &c, "tasks_outstanding"), 3);

    peer_close(&e);
    peer_close(&c);
    peer_close(&other);
    hub_down(&fx);
}

static void a_malformed_abort_is_refused_in_one_line(void **state)
{
    (void)state;
    fixture fx;
    hub_config cfg = config();
    cfg.hwm = 1;
    hub_up(&fx, &cfg);
    peer e, c;
    peer_open(&fx, &e, "engine", true, 0);
    peer_open(&fx, &c, "client", false, 0);
    assert_int_equal(engine_up(&fx, &e, 1), 0);
    uint64_t t0 = client_submit(&c, -1, 1, 0);
    uint64_t t1 = client_submit(&c, -1, 2, 0);
    await_task(&fx, &e, t0);
    await_queued(&fx, &c, 1);
    const char *want = "an abort names its tasks in one i64 array of task "
                       "ids (or none, for all of the client's)";
    for (int k = 0; k < 2; k++) {
        pp_header hd = { .type = PP_MSG_ABORT, .id = pp_msg_id_next(),
                         .engine = -1 };
        pp_value v[2];
        int64_t ids[1] = { (int64_t)t1 };
        if (k == 0) {
            assert_int_equal(pp_value_str(&v[0], "all"), 0);
            peer_send(&c, &hd, v, 1);
        } else {
            assert_int_equal(pp_value_i64(&v[0], ids, 1), 0);
            assert_int_equal(pp_value_i64(&v[1], ids, 1), 0);
            peer_send(&c, &hd, v, 2);
        }
        pp_header rep;
        pp_values vals;
        await(&fx, &c, PP_MSG_ABORT, hd.id, &rep, &vals);
        assert_int_equal(rep.status, PP_EINVAL);
        char *text = text_of(&vals);
        assert_string_equal(text, want);
        free(text);
        pp_values_free(&vals);
    }
    assert_i64_equal(status_number(&fx, &c, "tasks_queued"), 1);
    assert_i64_equal(status_number(&fx, &c, "tasks_aborted"), 0);

    peer_close(&e);
    peer_close(&c);
    hub_down(&fx);
}



static const struct CMUnitTest tests[] = {
    cmocka_unit_test(
        registration_gives_ids_in_order_and_keeps_them_on_register_again),
    cmocka_unit_test(unregister_hands_a_balanced_task_to_another_engine),
    cmocka_unit_test(
        an_engine_that_stops_beating_is_dead_and_its_tasks_fail_or_move),
    cmocka_unit_test(
        a_client_that_does_not_read_gets_every_result_once_it_reads),
    cmocka_unit_test(
        a_message_signed_with_another_key_is_counted_not_answered),
    cmocka_unit_test(two_clients_are_served_in_turn),
    cmocka_unit_test(
        a_time_limit_reaches_the_engine_and_a_bad_one_is_refused),
    cmocka_unit_test(a_follow_task_goes_to_its_engine_alone),
    cmocka_unit_test(followers_of_a_busy_engine_do_not_hold_up_other_tasks),
    cmocka_unit_test(a_parked_follower_of_a_gone_engine_fails_when_unparked),
    cmocka_unit_test(the_followers_of_a_gone_engine_fail_in_every_queue),
    cmocka_unit_test(
        the_hub_forwards_task_and_result_values_unread_and_checks_the_rest),
    cmocka_unit_test(a_barrier_finds_what_a_dropped_connection_lost),
    cmocka_unit_test(only_the_barrier_of_the_last_request_counts),
    cmocka_unit_test(
        a_task_sent_again_after_a_barrier_is_not_lost_at_its_answer),
    cmocka_unit_test(
        a_barrier_answer_from_before_a_new_registration_is_ignored),
    cmocka_unit_test(
        a_task_for_an_engine_between_connections_waits_for_its_sync),
    cmocka_unit_test(
        a_task_held_for_an_engine_goes_once_it_is_connected_again),
    cmocka_unit_test(an_engine_not_connected_past_the_patience_is_gone),
    cmocka_unit_test(
        an_engine_whose_heart_stops_while_not_connected_is_gone),
    cmocka_unit_test(
        an_engine_reported_dead_while_not_connected_is_gone_at_once),
    cmocka_unit_test(
        an_engine_that_unregisters_while_not_connected_gets_no_held_task),
    cmocka_unit_test(
        a_stall_of_the_controller_is_not_held_against_an_engine_not_connected),
    cmocka_unit_test(
        a_held_task_of_a_client_that_vanished_runs_and_is_forgotten),
    cmocka_unit_test(an_abort_takes_queued_tasks_and_leaves_a_running_one),
    cmocka_unit_test(an_abort_leaves_another_clients_tasks_alone),
    cmocka_unit_test(
        an_abort_naming_a_task_at_an_engine_twice_counts_it_once),
    cmocka_unit_test(
        an_aborted_task_that_killed_its_worker_is_not_retried),
    cmocka_unit_test(
        an_aborted_task_lost_in_a_drop_is_not_run_again),
    cmocka_unit_test(an_abort_lost_in_a_drop_is_sent_again),
    cmocka_unit_test(a_stall_of_the_controller_is_not_held_against_a_queued_task),
    cmocka_unit_test(a_result_names_the_engine_its_task_was_sent_to),
    cmocka_unit_test(a_result_names_the_controllers_run),
    cmocka_unit_test(an_engine_is_told_to_skip_the_aborted_tasks_it_holds),
    cmocka_unit_test(an_abort_of_all_counts_direct_tasks_as_running),
    cmocka_unit_test(
        an_abort_takes_a_task_handed_back_by_an_engine_that_left),
    cmocka_unit_test(an_abort_takes_tasks_parked_behind_a_full_outbox),
    cmocka_unit_test(
        an_abort_takes_direct_tasks_held_for_an_engine_not_connected),
    cmocka_unit_test(a_malformed_abort_is_refused_in_one_line),
    cmocka_unit_test(a_pending_request_names_the_clients_tasks_held_here),
    cmocka_unit_test(
        a_stop_reaches_the_engines_named_and_then_the_controller),
};

int main(void)
{
    return cmocka_run_group_tests(tests, NULL, NULL);
}
