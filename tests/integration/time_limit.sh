#!/usr/bin/env bash
# Task time limits (issue 13): a workload that never returns (a student's
# endless loop) is stopped by its engine's supervisor once the task's
# --time-limit and a grace of 1 s have passed; the engine restarts under a
# new id with its modules, and the task fails with a message naming the
# workload and the limit (or is retried, within its retries).  Tasks that
# finish in time are untouched.  With the controller hung (SIGSTOP) at the
# moment of the kill, the report waits for it and the task still fails
# once it runs again: nothing is lost.
. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
export XDG_CACHE_HOME="$WORK/cache"
cd "$WORK"
cp "$HERE/modules/spin.c" spin.c


P=t
D=("$DRIVER" --no-embed --profile "$P")
start_controller "$P" --log-level info 2>"$WORK/controller.log"
# --timeout 1: a worker restarted while the controller is hung (below)
# waits longer than that for it, and must not give up.
start_engine "$P" --allow-root-modules --timeout 1 2>>"$WORK/engines.log"
start_engine "$P" --allow-root-modules --timeout 1 2>>"$WORK/engines.log"
"${D[@]}" load spin.c >/dev/null

# --- In time: untouched ------------------------------------------------
expected="[" sep=""
for ((x = 0; x < 20; x++)); do expected+="$sep$((x * x))"; sep=", "; done
expected+="]"
expect_eq "a map within its limit" "$expected" \
    "$("${D[@]}" map spin --range 0:20 --chunksize 2 --time-limit 5 2>/dev/null)"
expect_eq "apply within its limit" "[[49], [49]]" \
    "$("${D[@]}" apply --time-limit 5 spin 7)"
expect_eq "no engine restarted" "[0, 1]" "$(ids_of "$P")"

# --- Past the limit: stopped, restarted, named -------------------------
t0=$(date +%s%N)
set +e
out=$("${D[@]}" apply --time-limit 0.5 spin -1 2>&1)
status=$?
set -e
t1=$(date +%s%N)
expect_eq "apply past its limit" 1 "$status"
# The driver names the first engine's failure; both were restarted.
printf '%s\n' "$out" | grep -Eq "^driver: engine [01]: was stopped: 'spin' ran past its time limit of 0.5 s; it restarted as engine [23]$" \
    || fail "apply's error: $out"
# Stopped after the limit and the grace, not before, and not much after.
ms=$(((t1 - t0) / 1000000))
[ "$ms" -ge 1500 ] || fail "stopped after $ms ms, before the limit and the grace"
[ "$ms" -lt 15000 ] || fail "stopped only after $ms ms"
await_ids "$P" "[2, 3]"
grep -q "ran past its time limit of 0.5 s" "$WORK/engines.log" \
    || fail "the supervisor's log: $(cat "$WORK/engines.log")"
expect_eq "the module on the restarted engines" "[[9], [9]]" \
    "$("${D[@]}" apply spin 3)"

# --- A balanced map: the endless item fails, after its retries --------
set +e
out=$("${D[@]}" map spin --range -1:4 --chunksize 1 --retries 1 --time-limit 0.3 2>&1 >/dev/null)
status=$?
set -e
expect_eq "map with an endless item" 1 "$status"
expect_contains "map's error" "was stopped: 'spin' ran past its time limit of 0.3 s" "$out"
# Two kills (the try and its retry, which may run on the first one's
# restarted engine): engines 4 and 5 were made, two engines answer.
await_ids_count() {
    for _ in $(seq 1000); do
        ids=$(ids_of "$P")
        case "$ids" in "[2, 5]" | "[3, 5]" | "[4, 5]") return 0 ;; esac
        sleep 0.01
    done
    fail "engines after the map: $ids"
}
await_ids_count
expect_eq "after the map" "[[4], [4]]" "$("${D[@]}" apply spin 2)"

# --- Bad limits are refused before anything runs -----------------------
expect_error 2 "driver: apply: --time-limit: 'soon' is not a number" \
    "${D[@]}" apply --time-limit soon spin 1
expect_error 2 "driver: --time-limit: -1 is out of range (0.001 to 2.592e+06 seconds)" "${D[@]}" map spin --range 0:3 --time-limit -1
expect_error 2 "driver: apply: unknown or incomplete option '--time-limt'" \
    "${D[@]}" apply --time-limt 1 spin 1

# --- The controller hung when the worker is stopped --------------------
# (3 s: the restarted worker waits for it past its --timeout of 1 s, and
# the engine is back with both after the hang)
ctl=${STARTED_PIDS[0]}
"${D[@]}" --timeout 30 apply --time-limit 0.3 spin -1 >hung.out 2>&1 &
client=$!
sleep 0.5
kill -STOP "$ctl"
sleep 3   # the kill (at 1.3 s) and the report happen while it is stopped
kill -CONT "$ctl"
set +e
wait "$client"
status=$?
set -e
expect_eq "apply across a hung controller" 1 "$status"
expect_contains "apply's error" "ran past its time limit of 0.3 s" "$(cat hung.out)"
for _ in $(seq 1000); do
    [ "$(ids_of "$P" | grep -o '[0-9]\+' | wc -l)" == 2 ] && break
    sleep 0.01
done
[ "$(ids_of "$P" | grep -o '[0-9]\+' | wc -l)" == 2 ] || fail "engines after the hang: $(ids_of "$P")"
expect_eq "after the hang" "[[1], [1]]" "$("${D[@]}" apply spin 1)"
echo "time_limit: ok"
