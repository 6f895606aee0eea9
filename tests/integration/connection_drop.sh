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
# connections are destroyed (ss -K) before it runs again.  Then the peer
# that vanishes during the sync itself: a second drop, the engine crashing,
# and the controller restarting, each while a barrier waits for its answer.
# Last, tasks sent while the engine has no connection at all (it has not
# dialled again): it stays registered and gets them when it is back, or,
# killed, is gone once its heart's patience runs out (about 13 s in all).
# Needs root
# (CAP_NET_ADMIN) and a kernel that can destroy sockets
# (CONFIG_INET_DIAG_DESTROY); without them "SKIP: <reason>", exit 77.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" == 0 ] || skip "needs root to destroy sockets with ss -K (uid $(id -u))"
command -v ss >/dev/null || skip "no 'ss' command (Debian package iproute2)"
# Cell 4 crashes the engine with SIGSEGV: a sanitized build must die of it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
P=drop
D=("$DRIVER" --no-embed --profile "$P" --timeout 30)
# Patience of 10 s: the engine must stay registered through the fault, so
# that only the barrier can find what was lost.  --reuse: cell 5 starts it
# again on the same ports, with a patience of 3 s (MISSES 6) for cells 6
# and 7, where it is waited out once.
start_controller() {
    "$BIN/controller" --profile "$P" --reuse --heartbeat-period 0.5 \
        --heartbeat-misses "${2:-20}" --hwm 0 --log-level debug 2>"$1" &
    STARTED_PIDS+=("$!")
    ctl=$!
    for _ in $(seq 500); do
        grep -q "\"controller_pid\": $ctl" "$PIPAR_DIR/profile_$P/security/engine.json" \
            2>/dev/null && return 0
        sleep 0.01
    done
    fail "the controller did not write its connection file"
}
start_controller "$WORK/controller.log"
"$BIN/engine" --file "$PIPAR_DIR/profile_$P/security/engine.json" \
    --log-level info 2>"$WORK/engine.log" &
STARTED_PIDS+=("$!")
supervisor=$!
await_ids "$P" "[0]"
# find_worker [OLD]: the supervisor's worker process (another than OLD).
find_worker() {
    for _ in $(seq 200); do
        worker=$(pgrep -P "$supervisor" || true)
        [ -n "$worker" ] && [ "$worker" != "${1:-}" ] && return 0
        sleep 0.05
    done
    fail "the engine's worker process did not start"
}
find_worker
port=$(sed -n 's/.*"engine_port": \([0-9]*\).*/\1/p' \
    "$PIPAR_DIR/profile_$P/security/engine.json")
[ -n "$port" ] || fail "no engine_port in engine.json"

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
until_status "$P" "24 outstanding"
"${D[@]}" hello >"$WORK/hello.out" 2>"$WORK/hello.err" &
hello=$!
until_status "$P" "25 outstanding"
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

# count PATTERN LOG: how many lines of LOG hold PATTERN.
count() { grep -c "$1" "$2" || true; }
# await_count PATTERN LOG N: polls until LOG holds N lines with PATTERN.
await_count() {
    for _ in $(seq 500); do
        [ "$(count "$1" "$2")" -ge "$3" ] && return 0
        sleep 0.01
    done
    fail "[$1] is not in $2 $3 times: $(grep -v 'task ' "$2")"
}
BARRIER="its connection dropped; barrier sent after"
NOTHING="engine [0-9]*: nothing was lost when its connection dropped"
STALE="answered a barrier that is not its pending one"
lost_line=$("${D[@]}" cluster status | grep "tasks lost with a dropped connection")

# pending_barrier: leaves the engine running a direct 'sleep 1.5' with the
# barrier of its request waiting behind it, unanswered: while the first
# sleep runs a second one waits in the engine, the connection is cut, and
# the engine asks for the barrier when the first is done.
pending_barrier() {
    local barriers
    barriers=$(count "$BARRIER" "$WORK/controller.log")
    "${D[@]}" apply sleep 1.5 >"$WORK/first.out" 2>"$WORK/first.err" &
    first=$!
    until_status "$P" " 1 outstanding"
    "${D[@]}" apply sleep 1.5 >"$WORK/second.out" 2>"$WORK/second.err" &
    second=$!
    until_status "$P" " 2 outstanding"
    sleep 0.2 # both tasks read by the engine: none is lost with the cut
    cut
    wait "$first" || fail "the first sleep: $(cat "$WORK/first.err")"
    await_count "$BARRIER" "$WORK/controller.log" $((barriers + 1))
    sleep 0.2 # the barrier read by the engine, behind the second sleep
}

# 3. A second drop while the barrier waits (the engine hung meanwhile):
# the engine asks again and answers only the second barrier, which finds
# nothing lost; both tasks give their results.
requests=$(count "asking what was lost on the way" "$WORK/engine.log")
nothing=$(count "$NOTHING" "$WORK/controller.log")
pending_barrier
kill -STOP "$worker"
cut
sleep 0.3
kill -CONT "$worker"
wait "$second" || fail "the second sleep: $(cat "$WORK/second.err")"
await_count "$NOTHING" "$WORK/controller.log" $((nothing + 1))
expect_eq "requests for a barrier" $((requests + 2)) \
    "$(count "asking what was lost on the way" "$WORK/engine.log")"
expect_eq "answers to an older barrier" 0 "$(count "$STALE" "$WORK/controller.log")"
status=$("${D[@]}" cluster status)
expect_contains "no more lost" "$lost_line" "$status"
expect_eq "the engine kept its id" "[0]" "$(ids_of "$P")"

# 4. The engine crashes while its barrier waits: its supervisor reports
# it, the task it ran fails naming the signal, and it comes back as engine
# 1 (a new process, with no barrier of its own to wait for).
pending_barrier
old=$worker
kill -SEGV "$worker"
if wait "$second"; then
    fail "the sleep succeeded on a killed engine: $(cat "$WORK/second.out")"
fi
expect_contains "the killed engine's task" \
    "engine 0: was killed by SIGSEGV while running 'sleep'; it restarted as engine 1" \
    "$(cat "$WORK/second.err")"
await_ids "$P" "[1]"
find_worker "$old"
expect_eq "hello on the new engine" "['Hello World']" "$("${D[@]}" hello)"
expect_contains "no more lost" "$lost_line" "$("${D[@]}" cluster status)"

# 5. The controller killed (-9) and started again (--reuse) while the
# barrier waits: the new one does not know the old barrier; the engine
# registers again and its new barrier finds nothing lost.
pending_barrier
kill -9 "$ctl"
wait "$ctl" 2>/dev/null || true
start_controller "$WORK/controller2.log" 6
if wait "$second"; then
    fail "the sleep succeeded though its controller died: $(cat "$WORK/second.out")"
fi
await_ids "$P" "[0]"
await_count "engine 0: nothing was lost when its connection dropped" \
    "$WORK/controller2.log" 1
expect_eq "answers to an older barrier" 0 "$(count "$STALE" "$WORK/controller2.log")"
expect_eq "hello after the restart" "['Hello World']" "$("${D[@]}" hello)"
expect_eq "nothing lost by the new controller" "" \
    "$("${D[@]}" cluster status | grep "lost with a dropped connection" || true)"

# unreachable_cell N: the engine hung and its connections destroyed, then
# N balanced echo tasks and a direct hello sent to it: the controller's
# sends find no connection (the engine has not dialled again), and the
# engine, whose heart is within its patience, stays registered as not
# connected: the balanced tasks wait in the queue, the hello for the
# engine.
unreachable_cell() {
    kill -STOP "$worker"
    cut
    sleep 0.5 # the controller's ZeroMQ sees both connections close
    "$BIN/drop_client" "$P" "$1" 1000 >"$WORK/drop.out" 2>"$WORK/drop.err" &
    client=$!
    until_status "$P" "$1 queued, $1 outstanding"
    "${D[@]}" hello >"$WORK/hello.out" 2>"$WORK/hello.err" &
    hello=$!
    until_status "$P" "engine 0 has not been connected for .* 1 direct task waits for it"
}

# 6. When it runs again it dials again: what waited is sent, all echo
# results are exact, the hello answers, and the engine keeps its id.
unreachable_cell 8
kill -CONT "$worker"
wait "$client" || fail "the echo tasks sent while it was not connected: $(cat "$WORK/drop.err")"
expect_eq "echo results" "submitted 8
exact 8" "$(cat "$WORK/drop.out")"
wait "$hello" || fail "the hello sent while it was not connected: $(cat "$WORK/hello.err")"
expect_eq "the hello held for it" "['Hello World']" "$(cat "$WORK/hello.out")"
expect_eq "the engine kept its id" "[0]" "$(ids_of "$P")"
grep -q "engine 0 is connected again after" "$WORK/controller2.log" \
    || fail "the controller did not see it again: $(grep -v 'task ' "$WORK/controller2.log")"
expect_contains "not connected now" "10 done, 0 failed, 0 retried, 0 queued, 0 outstanding" \
    "$("${D[@]}" cluster status)"

# 7. Killed instead (its supervisor with it: no one reports the death),
# it is gone once its heart's patience (3 s) runs out, as before: the
# hello fails saying so, the echo tasks, which never left, run on the
# engine started next.
unreachable_cell 4
old=$worker
kill -9 "$supervisor"
wait "$supervisor" 2>/dev/null || true
for _ in $(seq 200); do [ -e "/proc/$old" ] || break; sleep 0.01; done
if wait "$hello"; then
    fail "hello succeeded on a killed engine: $(cat "$WORK/hello.out")"
fi
expect_eq "the held hello's error" \
    "driver: engine 0: died (no heartbeat for 3.0 s) (the task waited for its connection and never ran)" \
    "$(sed 's/for [0-9.]* s)/for 3.0 s)/' "$WORK/hello.err")"
"$BIN/engine" --file "$PIPAR_DIR/profile_$P/security/engine.json" \
    --log-level info 2>"$WORK/engine2.log" &
STARTED_PIDS+=("$!")
wait "$client" || fail "the echo tasks of the killed engine: $(cat "$WORK/drop.err")"
expect_eq "echo results on the next engine" "submitted 4
exact 4" "$(cat "$WORK/drop.out")"
expect_eq "the next engine" "[1]" "$(ids_of "$P")"
echo ok
