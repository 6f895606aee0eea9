#!/usr/bin/env bash
# The client's own connection to the controller drops while its task is in
# flight (a laptop's Wi-Fi that roamed, a NAT entry that expired: the
# notebook is on another machine than the controller).  ZeroMQ dials again
# by itself and discards what was on the old connection; before, the
# controller knew the new connection as another client, the result went
# nowhere, pings were still answered, and the client waited for ever.
# Now the client keeps its routing id, asks the controller which of its
# tasks it still has (PENDING), and:
#   1. a task still running when the connection dropped: its result comes
#      on the new connection, and the command succeeds;
#   2. a task whose result was on its way when the connection went (the
#      client hung, SIGSTOP, its socket full, the rest in the controller's,
#      then the connection destroyed): the result is gone with it, and the
#      task fails with one line saying so, at once;
#      (2b: the same with a client that keeps talking to the controller,
#      a notebook loop asking for the ids, so that its pings never wait);
#   3. the controller hung (SIGSTOP) when the client asks: no answer
#      within the client's patience (10 s), and the task fails in one line
#      instead of waiting for ever;
#   4. the controller gone and its port taken by a listener that accepts
#      and closes (a tunnel whose controller died): a drop at every
#      reconnection, and still the patience runs out;
#   5. no drop, and more tasks in flight than one question can name: none
#      of them fails.
# Connections are destroyed with ss -K: needs root (CAP_NET_ADMIN) and a
# kernel with CONFIG_INET_DIAG_DESTROY; without them "SKIP: <reason>",
# exit 77.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" == 0 ] || skip "needs root to destroy sockets with ss -K (uid $(id -u))"
command -v ss >/dev/null || skip "no 'ss' command (Debian package iproute2)"
P=cdrop
start_controller "$P" --heartbeat-period 0.2 --heartbeat-misses 50
ctl=${STARTED_PIDS[-1]}
start_engine "$P"
port=$(sed -n 's/.*"client_port": \([0-9]*\).*/\1/p' \
    "$PIPAR_DIR/profile_$P/security/client.json")
[ -n "$port" ] || fail "no client_port in client.json"
D=("$DRIVER" --no-embed --profile "$P")

# cut PID: destroys both ends of PID's connection to the client port.
cut() {
    local lp
    lp=$(ss -tnpH state established "( dport = :$port )" \
        | awk -v pid="pid=$1," 'index($0, pid) { n = split($3, a, ":"); print a[n] }')
    [ -n "$lp" ] || fail "process $1 has no connection to port $port: $(ss -tnp)"
    ss -K -tnH state established \
        "( sport = :$lp and dport = :$port ) or ( sport = :$port and dport = :$lp )" \
        >/dev/null
    if ss -tnH state established "( sport = :$lp and dport = :$port )" | grep -q .; then
        kill -CONT "$1" 2>/dev/null || true
        skip "this kernel cannot destroy sockets (ss -K needs CONFIG_INET_DIAG_DESTROY)"
    fi
}

# finish PID: waits (up to 30 s) for PID; its exit status in $rc.
finish() {
    for _ in $(seq 300); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$1" 2>/dev/null && fail "the driver still waits 30 s after its connection dropped"
    set +e
    wait "$1"
    rc=$?
    set -e
}

# send_queue PID: bytes the controller has not sent yet to PID.
send_queue() {
    local lp
    lp=$(ss -tnpH state established "( dport = :$port )" \
        | awk -v pid="pid=$1," 'index($0, pid) { n = split($3, a, ":"); print a[n] }')
    [ -n "$lp" ] || return 0
    ss -tnH state established "( sport = :$port and dport = :$lp )" | awk '{ print $2 }'
}

# lose_result PID: once PID's task is out (to the hung $worker), PID is
# hung (SIGSTOP) and $worker goes on; once some of the result waits in the
# controller's socket, the connection is destroyed, PID goes on, and
# finish waits for it ($rc).
lose_result() {
    local q=""
    until_status "$P" " 1 outstanding"
    kill -STOP "$1"
    kill -CONT "$worker"
    for _ in $(seq 500); do
        q=$(send_queue "$1")
        [ -n "$q" ] && [ "$q" -gt 0 ] && break
        sleep 0.01
    done
    [ -n "$q" ] && [ "$q" -gt 0 ] || fail "the result never filled the hung client's connection"
    cut "$1"
    kill -CONT "$1"
    finish "$1"
}

# --- 1. dropped while the task runs: the result comes on the new one ----
"${D[@]}" apply sleep 1.5 >out1 2>err1 &
drv=$!
STARTED_PIDS+=("$drv")
until_status "$P" " 1 outstanding"
cut "$drv"
finish "$drv"
expect_eq "a task running through the drop: exit status" 0 "$rc"
expect_eq "its result" "[None]" "$(cat out1)"
expect_eq "its errors" "" "$(cat err1)"

# --- 2. the result on its way when the connection went ------------------
# A result of 2 MB (the square root of the pi workload, 16e6 bits), more
# than the hung driver's socket takes in: the rest waits in the
# controller's, and goes when the connection does.  The
# engine's worker is hung first, so that the driver can be hung before its
# task's result comes back.
worker=$(pgrep -P "${STARTED_PIDS[1]}")
[ -n "$worker" ] || fail "no worker process under the engine ${STARTED_PIDS[1]}"
kill -STOP "$worker"
"${D[@]}" apply pi_sqrt 16000000 >out2 2>err2 &
drv=$!
STARTED_PIDS+=("$drv")
lose_result "$drv"
expect_eq "a result lost with the connection: exit status" 1 "$rc"
expect_eq "its output" "" "$(cat out2)"
expect_eq "its error" "driver: the connection to the controller at tcp://127.0.0.1:$port dropped while the task was in flight, and its result with it: submit it again" \
    "$(cat err2)"

# --- 3. the controller hung when the client asks --------------------------
"${D[@]}" apply sleep 1.5 >out3 2>err3 &
drv=$!
STARTED_PIDS+=("$drv")
until_status "$P" " 1 outstanding"
kill -STOP "$ctl"
cut "$drv"
t0=$(date +%s%N)
finish "$drv"
waited_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill -CONT "$ctl"
expect_eq "no answer to the question: exit status" 1 "$rc"
expect_contains "its error" "driver: no answer from the controller at tcp://127.0.0.1:$port" "$(cat err3)"
expect_eq "its error: one line" 1 "$(wc -l <err3)"
echo "a drop with the controller hung: the driver gave up after $waited_ms ms: $(cat err3)"

# --- 2b. the same with a client that keeps talking (a notebook loop asking
# for the ids between short waits): its other requests are answered all
# along, and the drop comes before its task has been in flight a second;
# it still finds the result lost, at once.
kill -STOP "$worker"
"$BIN/chatty_client" "$PIPAR_DIR/profile_$P/security/client.json" pi_sqrt 16000000 \
    >out2b 2>err2b &
drv=$!
STARTED_PIDS+=("$drv")
lose_result "$drv"
expect_eq "a chatty client's result lost: exit status" 0 "$rc"
expect_eq "its line" "the connection to the controller at tcp://127.0.0.1:$port dropped while the task was in flight, and its result with it: submit it again" \
    "$(cat out2b)"

# Still one controller, still serving.
expect_eq "hello after the drops" "['Hello World']" "$("${D[@]}" hello)"

# --- 4. the controller gone, its port answered by a listener that closes
# each connection at once (an ssh tunnel or a container's proxy whose
# controller died): every reconnection drops again, and the client still
# gives up after its patience.
"${D[@]}" apply sleep 30 >out4 2>err4 &
drv=$!
STARTED_PIDS+=("$drv")
until_status "$P" " 1 outstanding"
kill -9 "$ctl"
wait "$ctl" 2>/dev/null || true
python3 - "$port" <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
while True:
    c, _ = s.accept()
    c.close()
PY
STARTED_PIDS+=("$!")
t0=$(date +%s%N)
finish "$drv"
waited_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "a port that accepts and closes: exit status" 1 "$rc"
expect_contains "its error" "driver: no answer from the controller at tcp://127.0.0.1:$port" "$(cat err4)"
echo "the controller's port accepting and closing: the driver gave up after $waited_ms ms: $(cat err4)"

# --- 5. more tasks in flight than one question can name (a controller
# with --max-message-size 1K: 120 ids a frame), no drop at all: the
# question a second into the map names those it can, and none of the 400
# tasks fails.
start_controller small --max-message-size 1K
start_engine small --task-delay 0.01
out=$("$DRIVER" --no-embed --profile small map echo --range 0:400 2>err5) \
    || fail "a map of 400 tasks with a 1K frame limit: $(cat err5)"
expect_eq "its results" "[$(seq -s ', ' 0 399)]" "$out"
echo "ok"
