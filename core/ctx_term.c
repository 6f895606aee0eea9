/* ctx_term.c - zmq_ctx_term on a thread of its own, waited for with a
 * deadline. */
#include "ctx_term.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <zmq.h>

/* Shared by the caller and the thread; whichever of the two is last to
 * let go frees it. */
typedef struct term_job {
    void *ctx;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    bool abandoned;
} term_job;

static void job_free(term_job *j)
{
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

static void *term_thread(void *arg)
{
    term_job *j = arg;
    zmq_ctx_term(j->ctx);
    pthread_mutex_lock(&j->mu);
    j->done = true;
    bool abandoned = j->abandoned;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    if (abandoned)
        job_free(j);
    return NULL;
}

bool pp_ctx_term_within(void *ctx, int timeout_ms)
{
    term_job *j = calloc(1, sizeof *j);
    pthread_condattr_t ca;
    bool cv_ok = false;
    if (j && pthread_condattr_init(&ca) == 0) {
        cv_ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0
            && pthread_cond_init(&j->cv, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    pthread_t t;
    if (!cv_ok || pthread_mutex_init(&j->mu, NULL)) {
        if (cv_ok)
            pthread_cond_destroy(&j->cv);
        free(j);
        zmq_ctx_term(ctx); /* no thread to spare: wait as before */
        return true;
    }
    j->ctx = ctx;
    if (pthread_create(&t, NULL, term_thread, j)) {
        job_free(j);
        zmq_ctx_term(ctx);
        return true;
    }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&j->mu);
    while (!j->done)
        if (pthread_cond_timedwait(&j->cv, &j->mu, &until))
            break; /* ETIMEDOUT; any other error cannot wait either */
    bool done = j->done;
    j->abandoned = !done;
    pthread_mutex_unlock(&j->mu);
    if (done) {
        pthread_join(t, NULL);
        job_free(j);
    } else {
        pthread_detach(t);
    }
    return done;
}
