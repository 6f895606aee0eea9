#!/usr/bin/env bash
# A connection that drops with messages in it.  When a TCP connection
# closes (a switch port that went dark longer than ZeroMQ's heartbeat, a
# NAT entry that expired, a peer that reset it), ZeroMQ discards what it
# had queued on it and the kernel what was in its buffers, both ways,
# without a word; the engine dials again and its heart keeps beating, so
# nobody would notice the tasks that went missing.  The engine asks for a
# barrier after each drop (docs/protocol.md, SYNC); a task sent before the
# barrier and still without a result is lost: balanced ones are queued
# again, direct ones fail with a message.
#
# The test makes the loss certain: the engine is hung (SIGSTOP), so the
# tasks sent to it wait in the kernel's buffers, and then both ends of its
# connections are destroyed (ss -K) before it runs again.  Needs root
# (CAP_NET_ADMIN) and a kernel that can destroy sockets
# (CONFIG_INET_DIAG_DESTROY); without them "SKIP: <reason>", exit 77.
set -euo pipefail

skip() {
    echo "SKIP: $*"
    exit 77
}
[ "$(id -u)" == 0 ] || skip "needs root to destroy sockets with ss -K (uid $(id -u))"
command -v ss >/dev/null || skip "no 'ss' command (Debian package iproute2)"

. "$(dirname "$0")/lib.sh"
P=drop
D=("$DRIVER" --no-embed --profile "$P" --timeout 30)
# Patience of 10 s: the engine must stay registered through the fault, so
# that only the barrier can find what was lost.
"$BIN/controller" --profile "$P" --heartbeat-period 0.5 --heartbeat-misses 20 \
    --hwm 0 --log-level debug 2>"$WORK/controller.log" &
STARTED_PIDS+=("$!")
ctl=$!
for _ in $(seq 500); do
    grep -q "\"controller_pid\": $ctl" "$PIPAR_DIR/profile_$P/security/engine.json" \
        2>/dev/null && break
    sleep 0.01
done
"$BIN/engine" --file "$PIPAR_DIR/profile_$P/security/engine.json" \
    --log-level info 2>"$WORK/engine.log" &
STARTED_PIDS+=("$!")
supervisor=$!
await_ids "$P" "[0]"
worker=""
for _ in $(seq 100); do
    worker=$(pgrep -P "$supervisor" || true)
    [ -n "$worker" ] && break
    sleep 0.05
done
[ -n "$worker" ] || fail "the engine's worker process did not start"
port=$(sed -n 's/.*"engine_port": \([0-9]*\).*/\1/p' \
    "$PIPAR_DIR/profile_$P/security/engine.json")
[ -n "$port" ] || fail "no engine_port in engine.json"

# until_status NEEDLE: polls the status until it contains NEEDLE.
until_status() {
    for _ in $(seq 500); do
        "${D[@]}" cluster status 2>/dev/null | grep -q "$1" && return 0
        sleep 0.01
    done
    fail "the status never showed [$1]: $("${D[@]}" cluster status 2>&1)"
}

# cut: destroys both ends of every connection of the engine's worker to
# the controller's engine port (its main socket's and its heart's).
cut() {
    local ports lp
    ports=$(ss -tnpH state established "( dport = :$port )" \
        | awk -v pid="pid=$worker," 'index($0, pid) { n = split($3, a, ":"); print a[n] }')
    [ -n "$ports" ] || fail "the engine has no connection to port $port: $(ss -tnp)"
    for lp in $ports; do
        ss -K -tnH state established \
            "( sport = :$lp and dport = :$port ) or ( sport = :$port and dport = :$lp )" \
            >/dev/null
        if ss -tnH state established "( sport = :$lp and dport = :$port )" | grep -q .; then
            kill -CONT "$worker"
            skip "this kernel cannot destroy sockets (ss -K needs CONFIG_INET_DIAG_DESTROY)"
        fi
    done
}

# 1. Balanced: 24 echo tasks of 1 MB sent to the hung engine (--hwm 0),
# more than the kernel's buffers hold, so some wait in the controller's
# pipe and are lost with the connection; then a direct task behind them.
# The barrier queues the balanced ones again (all 24 results must be
# their tasks' bytes) and fails the direct one, saying why: the
# controller does not keep a direct task's frames, and it cannot run on
# another engine.
kill -STOP "$worker"
"$BIN/drop_client" "$P" 24 1000000 >"$WORK/drop.out" 2>"$WORK/drop.err" &
client=$!
until_status "24 outstanding"
"${D[@]}" hello >"$WORK/hello.out" 2>"$WORK/hello.err" &
hello=$!
until_status "25 outstanding"
sleep 0.2 # the controller writes what the kernel takes, and keeps the rest
cut
kill -CONT "$worker"
wait "$client" || fail "the echo tasks after the drop: $(cat "$WORK/drop.err")"
expect_eq "echo results" "submitted 24
exact 24" "$(cat "$WORK/drop.out")"
if wait "$hello"; then
    fail "hello succeeded though its task was lost: $(cat "$WORK/hello.out")"
fi
expect_contains "the direct task's error" \
    "engine 0: its connection dropped with the task or its result on the way; it may or may not have run" \
    "$(cat "$WORK/hello.err")"
grep -q "asking what was lost on the way" "$WORK/engine.log" \
    || fail "the engine did not ask for a barrier: $(cat "$WORK/engine.log")"
lost=$(sed -n 's/.*engine 0: \([0-9]*\) tasks\{0,1\} lost when its connection dropped: \([0-9]*\) queued again, 1 failed$/\1 \2/p' \
    "$WORK/controller.log")
[ -n "$lost" ] || fail "the controller found no lost task: $(grep -v debug "$WORK/controller.log")"
read -r nlost nagain <<<"$lost"
[ "$nagain" == $((nlost - 1)) ] && [ "$nlost" -ge 2 ] \
    || fail "lost $nlost, queued again $nagain"
echo "lost with the connection: $nlost tasks ($nagain balanced, 1 direct)"
status=$("${D[@]}" cluster status)
expect_contains "counts" "24 done, 1 failed, 0 retried" "$status"
expect_contains "the loss counted" "$nlost tasks lost with a dropped connection" "$status"
expect_eq "the engine kept its id" "[0]" "$(ids_of "$P")"
expect_eq "hello once the engine is back" "['Hello World']" "$("${D[@]}" hello)"

# 2. Nothing in flight: a drop loses nothing, and the barrier says so;
# the engine keeps its id and works on.
cut
for _ in $(seq 200); do
    grep -q "engine 0: nothing was lost when its connection dropped" \
        "$WORK/controller.log" && break
    sleep 0.05
done
grep -q "engine 0: nothing was lost when its connection dropped" \
    "$WORK/controller.log" \
    || fail "no barrier after the idle drop: $(grep -v 'task ' "$WORK/controller.log")"
expect_eq "powers after an idle drop" "$(powers_expected 8 10)" \
    "$("${D[@]}" powers --view balanced --n 8)"
expect_eq "the engine kept its id" "[0]" "$(ids_of "$P")"
echo ok
