/* backpressure.c - a client that submits and does not read.  For STALL
 * seconds it sends N echo tasks of BYTES bytes each, evenly spread, and
 * reads nothing (its socket takes in one message at most, its kernel
 * buffer 64 KiB), sampling the controller's RSS meanwhile.  Then it reads:
 * each result must be its task's bytes exactly; a task the controller
 * refused over the backlog is submitted again, never more than BACKLOG in
 * flight, until all N are done.  backpressure.sh runs it.
 *
 * Prints the figures, and last "rss_growth_kb=K": the largest RSS of the
 * controller during the stall minus its RSS before.
 *
 * usage: backpressure CLIENT_JSON N BYTES STALL_S BACKLOG */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connfile.h"
#include "wire.h"

static long rss_kb(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static double now_s(void) { return (double)pp_mono_ns() / 1e9; }

static void sleep_until(double t)
{
    double left = t - now_s();
    if (left <= 0)
        return;
    struct timespec ts = { (time_t)left, (long)((left - (time_t)left) * 1e9) };
    nanosleep(&ts, NULL);
}

static size_t nbytes;

static void fill(uint8_t *buf, int64_t i)
{
    memcpy(buf, &i, sizeof i);
    for (size_t k = sizeof i; k < nbytes; k++)
        buf[k] = (uint8_t)(i * 131 + (int64_t)k);
}

static void *sock;
static pp_signer *signer;
static uint64_t *ids;

static void submit(int64_t i)
{
    pp_header h = { .type = PP_MSG_TASK, .kind = PP_TASK_APPLY,
                    .id = pp_msg_id_next(), .engine = -1,
                    .t_submit = pp_now_ns() };
    pp_error err;
    pp_header_set_name(&h, "echo", &err);
    uint8_t *buf = malloc(nbytes);
    if (!buf) {
        fprintf(stderr, "backpressure: out of memory\n");
        exit(1);
    }
    fill(buf, i);
    pp_value v;
    pp_value_take(&v, PP_T_BYTES, buf, nbytes);
    ids[i] = h.id;
    if (pp_msg_send(sock, signer, NULL, 0, &h, &v, 1, &err)) {
        fprintf(stderr, "backpressure: send: %s\n", err.msg);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr,
                "usage: backpressure CLIENT_JSON N BYTES STALL_S BACKLOG\n");
        return 2;
    }
    int64_t n = atoll(argv[2]), backlog = atoll(argv[5]);
    nbytes = (size_t)atoll(argv[3]);
    double stall = atof(argv[4]);
    if (n < 1 || nbytes < 8 || stall <= 0 || backlog < 1) {
        fprintf(stderr, "backpressure: bad arguments\n");
        return 2;
    }
    pp_conninfo ci;
    pp_error err;
    if (pp_conninfo_read(argv[1], &ci, &err)) {
        fprintf(stderr, "backpressure: %s\n", err.msg);
        return 1;
    }
    signer = pp_signer_new(ci.key, sizeof ci.key, &err);
    if (!signer) {
        fprintf(stderr, "backpressure: %s\n", err.msg);
        return 1;
    }
    pp_signer_set_clock_window(signer, ci.clock_window_s);
    void *ctx = zmq_ctx_new();
    sock = zmq_socket(ctx, ZMQ_DEALER);
    /* Not reading means not reading: ZeroMQ takes in one message and the
     * kernel 64 KiB, the rest stays with the controller. */
    int one = 1, zero = 0, rcvbuf = 65536;
    zmq_setsockopt(sock, ZMQ_RCVHWM, &one, sizeof one);
    zmq_setsockopt(sock, ZMQ_RCVBUF, &rcvbuf, sizeof rcvbuf);
    zmq_setsockopt(sock, ZMQ_SNDHWM, &zero, sizeof zero);
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    char ep[300];
    pp_conninfo_endpoint(&ci, ci.client_port, ep, sizeof ep);
    if (pp_conninfo_secure(&ci, sock, &err) || zmq_connect(sock, ep)) {
        fprintf(stderr, "backpressure: cannot connect to %s\n", ep);
        return 1;
    }
    ids = calloc((size_t)n, sizeof *ids);
    uint8_t *state = calloc((size_t)n, 1); /* 0 to send, 1 sent, 2 done */
    uint8_t *want = malloc(nbytes);
    if (!ids || !state || !want) {
        fprintf(stderr, "backpressure: out of memory\n");
        return 1;
    }

    /* The stall: send, never read, sample the controller. */
    long base = rss_kb(ci.controller_pid), top = base;
    double t0 = now_s(), pace = 0.8 * stall / (double)n, last = 0;
    for (int64_t i = 0; i < n; i++) {
        submit(i);
        state[i] = 1;
        sleep_until(t0 + (double)(i + 1) * pace);
        if (now_s() - last > 0.02) {
            long kb = rss_kb(ci.controller_pid);
            top = kb > top ? kb : top;
            last = now_s();
        }
    }
    while (now_s() < t0 + stall) {
        long kb = rss_kb(ci.controller_pid);
        top = kb > top ? kb : top;
        sleep_until(now_s() + 0.02);
    }
    printf("stall: %lld tasks of %zu bytes sent in %.1f s, nothing read; "
           "controller RSS %.1f MB before, at most %.1f MB during "
           "(+%.1f MB)\n",
           (long long)n, nbytes, now_s() - t0, (double)base / 1024,
           (double)top / 1024, (double)(top - base) / 1024);

    /* Reading: every result exact, refused tasks again. */
    int64_t done = 0, inflight = n, refused = 0, resent = 0, next = 0;
    double t1 = now_s(), heard = t1;
    int failures = 0;
    while (done < n) {
        while (inflight < backlog && next < n) {
            if (state[next] == 0) {
                submit(next);
                state[next] = 1;
                inflight++;
                resent++;
            }
            next++;
        }
        zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&item, 1, 500) <= 0) {
            if (now_s() - heard > 20) {
                fprintf(stderr,
                        "FAIL: nothing for 20 s: %lld of %lld done, %lld "
                        "in flight\n",
                        (long long)done, (long long)n, (long long)inflight);
                return 1;
            }
            continue;
        }
        heard = now_s();
        pp_frames fr;
        pp_header h;
        if (pp_frames_recv(sock, &fr, ZMQ_DONTWAIT, &err))
            continue;
        if (pp_frames_verify(&fr, signer, &h, &err)) {
            fprintf(stderr, "FAIL: a message failed its check: %s\n",
                    err.msg);
            return 1;
        }
        int64_t i = -1;
        for (int64_t k = 0; k < n && i < 0; k++)
            if (ids[k] == h.parent && state[k] == 1)
                i = k;
        pp_values vals = { 0 };
        int rc = pp_frames_take_values(&fr, &h, &vals, &err);
        pp_frames_close(&fr);
        if (i < 0 || h.type != PP_MSG_RESULT || rc) {
            fprintf(stderr, "FAIL: an answer to no task of ours (type %d)\n",
                    h.type);
            failures++;
        } else if (h.status) {
            char *text = vals.n ? pp_value_strdup(&vals.v[0]) : NULL;
            if (text && strstr(text, "(its --backlog)")) {
                state[i] = 0;
                refused++;
                if (i < next)
                    next = i;
            } else {
                fprintf(stderr, "FAIL: task %lld failed: %s\n", (long long)i,
                        text ? text : "?");
                failures++;
                state[i] = 2;
                done++;
            }
            free(text);
            inflight--;
        } else {
            fill(want, i);
            if (vals.n != 1 || vals.v[0].size != nbytes
                || memcmp(vals.v[0].data, want, nbytes) != 0) {
                fprintf(stderr, "FAIL: the result of task %lld is wrong\n",
                        (long long)i);
                failures++;
            }
            state[i] = 2;
            done++;
            inflight--;
        }
        pp_values_free(&vals);
    }
    printf("read: all %lld results in %.1f s, %s; %lld refusals over the "
           "backlog, submitted again\n",
           (long long)n, now_s() - t1, failures ? "SOME WRONG" : "exact",
           (long long)refused);
    printf("rss_growth_kb=%ld\n", top - base);
    (void)resent;
    free(ids);
    free(state);
    free(want);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    pp_signer_destroy(&signer);
    return failures ? 1 : 0;
}
