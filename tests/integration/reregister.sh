#!/usr/bin/env bash
# An engine that registers again while it is alive keeps its id and its
# tasks; an engine that is stopping never registers again.  The controller
# is hung (SIGSTOP) long enough for the engines' hearts to give up on it.
. "$(dirname "$0")/lib.sh"
P=rr
HB=(--heartbeat-period 0.2 --heartbeat-misses 3) # patience: 0.6 s
D=("$DRIVER" --no-embed --profile "$P")
engine_json="$PIPAR_DIR/profile_$P/security/engine.json"

# engine LOGFILE [OPTIONS...]: an engine that logs its registrations.
engine() {
    local log=$1 before
    shift
    before=$(engine_count "$P")
    "$BIN/engine" --file "$engine_json" --log-level info "$@" 2>"$log" &
    STARTED_PIDS+=("$!")
    for _ in $(seq 500); do
        [ "$(engine_count "$P")" -gt "$before" ] && return 0
        sleep 0.01
    done
    fail "engine did not register"
}

start_controller "$P" "${HB[@]}"
ctl=${STARTED_PIDS[-1]}
engine "$WORK/e0.log" --task-delay 3
engine "$WORK/e1.log" --task-delay 3

# 1. Busy engines: a direct apply on both and a balanced map of two, all
# three seconds long; the controller hangs 1.5 s in the middle.
"${D[@]}" hello >"$WORK/hello.out" 2>"$WORK/hello.err" &
hello=$!
"${D[@]}" powers --view balanced --n 2 >"$WORK/powers.out" 2>"$WORK/powers.err" &
powers=$!
until_status "$P" "2 outstanding"
kill -STOP "$ctl"
sleep 1.5 # the fault itself: longer than the engines' patience
kill -CONT "$ctl"
wait "$hello" || fail "hello: $(cat "$WORK/hello.err")"
wait "$powers" || fail "powers: $(cat "$WORK/powers.err")"
expect_eq "hello after the hang" "['Hello World', 'Hello World']" \
    "$(cat "$WORK/hello.out")"
expect_eq "balanced powers after the hang" "[0, 1]" "$(cat "$WORK/powers.out")"
grep -q "registered again as engine" "$WORK/e0.log" \
    || fail "engine 0 did not register again: $(cat "$WORK/e0.log")"
grep -q "registered again as engine" "$WORK/e1.log" \
    || fail "engine 1 did not register again: $(cat "$WORK/e1.log")"
expect_eq "ids kept" "[0, 1]" "$("${D[@]}" ids)"
status=$("${D[@]}" cluster status)
expect_contains "nothing ran twice or failed" "4 done, 0 failed, 0 retried" \
    "$status"

# 2. An engine stopped (SIGTERM) while the controller hangs: its heart gives
# up on the controller before the engine leaves, but no registration of it
# may outlive its UNREGISTER.
e1=${STARTED_PIDS[-1]}
kill -STOP "$ctl"
kill -TERM "$e1"
for _ in $(seq 300); do kill -0 "$e1" 2>/dev/null || break; sleep 0.01; done
kill -0 "$e1" 2>/dev/null && fail "engine 1 did not stop"
kill -CONT "$ctl"
expect_eq "engine 1 gone" "[0]" "$("${D[@]}" ids)"
sleep 0.5 # a phantom would register within this
expect_eq "no phantom engine" "[0]" "$("${D[@]}" ids)"
echo ok
