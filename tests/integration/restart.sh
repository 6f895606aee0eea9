#!/usr/bin/env bash
# A controller started with --reuse is killed (-9) and started again in the
# middle of a session: its engines register again by themselves, with no
# file copied; a driver waiting on tasks in flight gets a clear error, never
# a hang, whether the controller comes back or not.
. "$(dirname "$0")/lib.sh"

P=restart

# driver_fails_within PID SECONDS ERRFILE NEEDLE WHEN: the driver PID must
# end within SECONDS, non-zero, its last words in ERRFILE naming NEEDLE.
driver_fails_within() {
    local pid=$1 tenths=$(($2 * 10)) errfile=$3 needle=$4 when=$5 status i
    for ((i = 0; i < tenths; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        fail "the driver still waits $2 s $when"
    fi
    set +e
    wait "$pid"
    status=$?
    set -e
    [ "$status" != 0 ] || fail "the driver exited 0 $when"
    expect_contains "driver's error $when" "$needle" "$(cat "$errfile")"
}
sec="$PIPAR_DIR/profile_$P/security"
opts=(--reuse --heartbeat-period 0.2 --heartbeat-misses 5)
start_controller "$P" "${opts[@]}"
ctl=${STARTED_PIDS[-1]}
start_engine "$P"
start_engine "$P"
D=("$DRIVER" --no-embed --profile "$P")
expect_eq "ids before" "[0, 1]" "$("${D[@]}" ids)"
before=$(grep -v controller_pid "$sec/engine.json")

# A driver waiting on two 8-second tasks when the controller dies and
# comes back at once: the engines, busy with them, register again at once
# from their heart threads (their results will have nowhere to go, and
# their client is told).
"${D[@]}" apply sleep 8 >"$WORK/out1" 2>"$WORK/err1" &
waiter=$!
sleep 0.5
kill -9 "$ctl"
wait "$ctl" 2>/dev/null || true
t0=$(date +%s%N)
start_controller "$P" "${opts[@]}"
ctl=${STARTED_PIDS[-1]}
expect_eq "same ports and key after kill -9 and restart" "$before" \
    "$(grep -v controller_pid "$sec/engine.json")"

# The engines find it again on their own.
for _ in $(seq 750); do
    [ "$(engine_count "$P")" == 2 ] && break
    sleep 0.02
done
expect_eq "engines registered again" 2 "$(engine_count "$P")"
back_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "engines registered again $back_ms ms after the restart"
[ "$back_ms" -lt 7500 ] || fail "the engines came back only after their tasks ended ($back_ms ms)"

# The waiting driver is told, long before its tasks could have ended.
driver_fails_within "$waiter" 15 "$WORK/err1" \
    "restarted while the task was in flight" "after the controller restarted"
expect_eq "no result printed for lost tasks" "" "$(cat "$WORK/out1")"
echo "driver after the restart: $(tail -1 "$WORK/err1")"

# Work goes on with the new controller, on the same engines' processes.
expect_eq "hello after the restart" "['Hello World', 'Hello World']" \
    "$("${D[@]}" hello)"
expect_eq "powers after the restart" "$(powers_expected 64 10)" \
    "$("${D[@]}" powers --view balanced --chunksize 4)"

# Views and followers of before a restart, in which the engines come back
# in the other order (engine 0 hung until engine 1 is back): their tasks
# are refused, never run on the engine that has the id now.
# (engine 0 now: the first restart may have swapped them already)
worker0=$("${D[@]}" cluster status | grep -o "\b0 ([^)]* pid [0-9]*)" \
    | grep -o '[0-9]*)$' | tr -d ')')
[ -n "$worker0" ] || fail "no pid for engine 0: $("${D[@]}" cluster status)"
"$BIN/restart_views" "$sec/client.json" "$WORK/views" >"$WORK/views.out" &
views=$!
for _ in $(seq 1000); do
    [ -e "$WORK/views" ] && break
    sleep 0.01
done
[ -e "$WORK/views" ] || fail "restart_views never got ready"
kill -STOP "$worker0"
kill -9 "$ctl"
wait "$ctl" 2>/dev/null || true
# The client's connection has seen the controller go (a margin for
# ZeroMQ's I/O thread), then restart_views sends a task into its queue.
sleep 0.5
touch "$WORK/views.dead"
for _ in $(seq 1000); do
    [ -e "$WORK/views.sent" ] && break
    sleep 0.01
done
[ -e "$WORK/views.sent" ] || fail "restart_views sent nothing while the controller was dead"
start_controller "$P" "${opts[@]}"
ctl=${STARTED_PIDS[-1]}
await_ids "$P" "[0]"
kill -CONT "$worker0"
await_ids "$P" "[0, 1]"
touch "$WORK/views.go"
wait "$views" || fail "views across the restart"
cat "$WORK/views.out"

# The controller dies and stays dead for a while: the waiting driver gives
# up after its patience (10 s), naming the controller; someone watching
# the cluster is told, once, and again when it is back.
"${D[@]}" cluster watch --for 60 >"$WORK/watch.out" 2>"$WORK/watch.err" &
watcher=$!
STARTED_PIDS+=("$watcher")
"${D[@]}" apply sleep 30 >"$WORK/out2" 2>"$WORK/err2" &
waiter=$!
sleep 0.5
kill -9 "$ctl"
wait "$ctl" 2>/dev/null || true
t0=$(date +%s%N)
driver_fails_within "$waiter" 25 "$WORK/err2" \
    "no answer from the controller at" "after the controller died"
echo "driver without a controller gave up after $(( ($(date +%s%N) - t0) / 1000000 )) ms: $(tail -1 "$WORK/err2")"
port=$(sed -n 's/.*"client_port": \([0-9]*\).*/\1/p' "$sec/client.json")
expect_eq "watch's line about the dead controller" \
    "controller at tcp://127.0.0.1:$port: no answer within 2 s; watching on" \
    "$(grep 'no answer' "$WORK/watch.out")"
start_controller "$P" "${opts[@]}"
for _ in $(seq 500); do
    grep -q "answers again" "$WORK/watch.out" && break
    sleep 0.02
done
kill -INT "$watcher"
wait "$watcher" || true
expect_contains "watch after the restart" \
    "controller at tcp://127.0.0.1:$port: answers again" "$(cat "$WORK/watch.out")"
expect_eq "watch's errors" "" "$(cat "$WORK/watch.err")"
echo "ok"
