/* preauth.c - a stranger on the LAN without the cluster's keys: connects
 * to the controller's client port and sends one message of FRAMES frames
 * of BYTES bytes each, as plain ZeroMQ (NULL mechanism) or, given the
 * server's public key (it is no secret), as a CurveZMQ client with a key
 * pair of its own.  Prints one line when its handshake succeeded or was
 * refused, then keeps its connection until it is killed (SIGTERM), so the
 * test can measure the controller meanwhile.  preauth.sh runs it.
 *
 * usage: preauth ENDPOINT FRAMES BYTES [SERVER_PUBLIC_KEY] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

static void say(const char *line)
{
    printf("%s\n", line);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: preauth ENDPOINT FRAMES BYTES "
                        "[SERVER_PUBLIC_KEY]\n");
        return 2;
    }
    long frames = strtol(argv[2], NULL, 10);
    long bytes = strtol(argv[3], NULL, 10);
    if (frames < 1 || frames > 4096 || bytes < 1 || bytes > (1L << 30)) {
        fprintf(stderr, "preauth: FRAMES 1 to 4096, BYTES 1 to 1G\n");
        return 2;
    }
    char *block = malloc((size_t)bytes);
    if (!block) {
        fprintf(stderr, "preauth: out of memory\n");
        return 1;
    }
    memset(block, 'x', (size_t)bytes);
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    if (argc == 5) {
        char pub[41], sec[41];
        zmq_curve_keypair(pub, sec);
        if (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, argv[4], 40)
            || zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40)
            || zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40)) {
            fprintf(stderr, "preauth: bad server key: %s\n",
                    zmq_strerror(zmq_errno()));
            return 2;
        }
    }
    zmq_socket_monitor(s, "inproc://preauth-monitor",
                       ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                           | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                           | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                           | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    void *mon = zmq_socket(ctx, ZMQ_PAIR);
    zmq_connect(mon, "inproc://preauth-monitor");
    if (zmq_connect(s, argv[1])) {
        fprintf(stderr, "preauth: cannot connect to %s: %s\n", argv[1],
                zmq_strerror(zmq_errno()));
        return 2;
    }
    /* The frames share one block: nothing is copied on this side. */
    for (long i = 0; i < frames; i++) {
        zmq_msg_t m;
        zmq_msg_init_data(&m, block, (size_t)bytes, NULL, NULL);
        if (zmq_msg_send(&m, s, i + 1 < frames ? ZMQ_SNDMORE : 0) < 0) {
            fprintf(stderr, "preauth: send: %s\n", zmq_strerror(zmq_errno()));
            return 1;
        }
    }
    /* The first handshake event tells what the controller made of us. */
    zmq_msg_t ev;
    zmq_msg_init(&ev);
    if (zmq_msg_recv(&ev, mon, 0) < 0 || zmq_msg_size(&ev) < 6) {
        fprintf(stderr, "preauth: no monitor event\n");
        return 1;
    }
    uint16_t event;
    memcpy(&event, zmq_msg_data(&ev), sizeof event);
    zmq_msg_close(&ev);
    switch (event) {
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: say("handshake succeeded"); break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        say("handshake refused (authentication)");
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        say("handshake refused (protocol: mechanism mismatch)");
        break;
    default: say("handshake refused"); break;
    }
    for (;;)
        pause();
}
