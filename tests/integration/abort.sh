#!/usr/bin/env bash
# Aborting tasks (docs/protocol.md, ABORT) on clusters of 2 slow engines
# (each task takes 0.1 s, --hwm 1: two run, the rest wait): a long map
# aborted midway, with exact counts; dependents of aborted tasks; Ctrl-C
# to `driver map`; the controller killed or hung while the client waits
# for the answer; the client killed right after sending the abort; an
# engine killed as its task is aborted.
. "$(dirname "$0")/lib.sh"
HB=(--heartbeat-period 0.2 --heartbeat-misses 3)
client() { echo "$PIPAR_DIR/profile_$1/security/client.json"; }
slow_cluster() {
    start_controller "$1" "${HB[@]}" --hwm 1 --http 0
    start_engine "$1" --task-delay 0.1
    start_engine "$1" --task-delay 0.1
}
# The count in `cluster status`'s "N tasks aborted ..." line (0 without).
aborted_of() {
    "$DRIVER" --no-embed --profile "$1" cluster status \
        | sed -n 's/^\([0-9]*\) tasks aborted by their clients.*/\1/p' \
        | grep . || echo 0
}

# The API: exact counts, the cluster idle at once, dependents.
slow_cluster p
engine_p=${STARTED_PIDS[-1]} # engine 1, killed below
"$BIN/abort" map "$(client p)" 200
"$BIN/abort" deps "$(client p)"
until_status p " 0 queued, 0 outstanding"

# More tasks than one ABORT names (65,536): two requests, every task
# aborted once, on a controller with no engine.
start_controller split "${HB[@]}"
"$BIN/abort" split "$(client split)" 65537
# A controller that takes frames of 1 KiB at most (--max-message-size): an
# abort names 128 ids at most (a bigger frame would cost the client its
# connection, and the abort its answer).
start_controller small "${HB[@]}" --max-message-size 1024
"$BIN/abort" split "$(client small)" 300

# Ctrl-C to a running map: one line with the counts, exit status 130, and
# the cluster is idle again as soon as the two running tasks finish.
before=$(aborted_of p)
"$DRIVER" --no-embed --profile p map echo --range 0:200 \
    >/dev/null 2>"$WORK/map.err" &
map=$!
until_status p " [1-9][0-9]* queued"
kill -INT "$map"
set +e
wait "$map"
status=$?
set -e
expect_eq "map's exit status after Ctrl-C" 130 "$status"
line=$(grep '^driver: aborted' "$WORK/map.err" || true)
[[ "$line" =~ ^driver:\ aborted\ ([0-9]+)\ tasks\ not\ yet\ started\ \(2\ already\ at\ engines:\ those\ running\ there\ finish,\ the\ others\ are\ skipped\)$ ]] \
    || fail "the abort line: [$(cat "$WORK/map.err")]"
n=${BASH_REMATCH[1]}
[ "$n" -gt 100 ] || fail "only $n tasks aborted of 200"
expect_eq "lines about the abort" 1 "$(grep -c abort "$WORK/map.err")"
expect_contains "interrupted" "driver: interrupted" "$(cat "$WORK/map.err")"
# (up to 2 more: a task sent to an engine and not started when the engine
# read the abort is skipped there)
after=$(aborted_of p)
[ "$after" -ge $((before + n)) ] && [ "$after" -le $((before + n + 2)) ] \
    || fail "tasks aborted in the status: $after, not $((before + n)) to $((before + n + 2))"
until_status p " 0 queued, 0 outstanding"

# The terminal closed (SIGHUP: an ssh session that dropped): as Ctrl-C,
# the run's tasks left in the controller are aborted, not run for nobody.
before=$(aborted_of p)
"$DRIVER" --no-embed --profile p map echo --range 0:200 \
    >/dev/null 2>"$WORK/hup.err" &
map=$!
until_status p " [1-9][0-9]* queued"
kill -HUP "$map"
set +e
wait "$map"
status=$?
set -e
expect_eq "map's exit status after SIGHUP" 130 "$status"
grep -q '^driver: aborted [0-9]* tasks not yet started (2 already at engines' \
    "$WORK/hup.err" || fail "no abort after SIGHUP: [$(cat "$WORK/hup.err")]"
[ "$(aborted_of p)" -gt $((before + 100)) ] \
    || fail "tasks aborted after SIGHUP: $(aborted_of p), before $before"
until_status p " 0 queued, 0 outstanding"
# Under nohup (SIGHUP ignored) the run goes on.
nohup "$DRIVER" --no-embed --profile p map echo --range 0:20 \
    >"$WORK/nohup.out" 2>"$WORK/nohup.err" &
map=$!
until_status p " [1-9][0-9]* queued"
kill -HUP "$map"
wait "$map" || fail "the map under nohup: $(cat "$WORK/nohup.err")"
expect_eq "the map under nohup" "[$(seq -s ', ' 0 19)]" \
    "$(head -1 "$WORK/nohup.out")"

# The client killed right after it sent its abort: the controller goes
# on, other clients are served, and the cluster is idle again.
"$DRIVER" --no-embed --profile p map echo --range 0:40 \
    >/dev/null 2>/dev/null &
map=$!
until_status p " [1-9][0-9]* queued"
kill -INT "$map"
sleep 0.01
kill -9 "$map" 2>/dev/null || true
wait "$map" 2>/dev/null || true
expect_eq "engines after the client vanished" "[0, 1]" "$(ids_of p)"
expect_eq "another client's powers" "$(powers_expected 64 10)" \
    "$("$DRIVER" --no-embed --profile p powers --view balanced --chunksize 16)"
until_status p " 0 queued, 0 outstanding"

# An engine killed (kill -9, its worker with it) as the abort goes: its
# running task is retried on the other engine; every task ends.
"$BIN/abort" kill "$(client p)" 100 "$engine_p"
expect_eq "engines after the kill" "[0]" "$(ids_of p)"

# Tasks waiting at an engine (--hwm 3) are skipped there, never started;
# with retries they are not run again elsewhere.
start_controller queued "${HB[@]}" --hwm 3 --http 0
start_engine queued --task-delay 0.5
"$BIN/abort" queued "$(client queued)" 8
until_status queued " 0 queued, 0 outstanding"
# The same with the engine hung (SIGSTOP) as the abort goes: 0.3 s, within
# the heartbeats' patience of 1.5 s, then 2 s, past a patience of 0.6 s.
start_controller stop_brief --heartbeat-period 0.5 --heartbeat-misses 3 \
    --hwm 3 --http 0
start_engine stop_brief --task-delay 0.5
"$BIN/abort" stopped-brief "$(client stop_brief)" 8
start_controller stop_long "${HB[@]}" --hwm 3 --http 0
start_engine stop_long --task-delay 0.5
"$BIN/abort" stopped-long "$(client stop_long)" 8
until_status stop_long " 0 queued, 0 outstanding"

# The controller killed, then hung, while the client waits for the
# answer: the abort fails in one line within its patience (2 s).
for how in KILL STOP; do
    prof=gone_$how
    slow_cluster "$prof"
    ctl=$(sed -n 's/.*"controller_pid": \([0-9]*\).*/\1/p' "$(client "$prof")")
    "$BIN/abort" gone "$(client "$prof")" 100 "$WORK/$prof.ready" \
        >"$WORK/$prof.out" &
    prog=$!
    for _ in $(seq 2000); do
        [ -e "$WORK/$prof.ready" ] && break
        sleep 0.01
    done
    [ -e "$WORK/$prof.ready" ] || fail "$prof: the map never started"
    kill -"$how" "$ctl"
    touch "$WORK/$prof.ready.go"
    wait "$prog" || fail "$prof: the abort did not fail as it should"
    out=$(cat "$WORK/$prof.out")
    expect_contains "$prof" "no answer from the controller at" "$out"
    expect_contains "$prof" "to the abort within 2.0 s" "$out"
    expect_eq "$prof: lines" 1 "$(wc -l <"$WORK/$prof.out")"
done

# Ctrl-C to a map whose controller hangs: the driver says in one line that
# it could not abort, within its --timeout, and exits as interrupted.
slow_cluster hung
ctl=$(sed -n 's/.*"controller_pid": \([0-9]*\).*/\1/p' "$(client hung)")
"$DRIVER" --no-embed --profile hung --timeout 1 map echo --range 0:100 \
    >/dev/null 2>"$WORK/hung.err" &
map=$!
until_status hung " [1-9][0-9]* queued"
kill -STOP "$ctl"
kill -INT "$map"
start=$SECONDS
set +e
wait "$map"
status=$?
set -e
expect_eq "exit status with a hung controller" 130 "$status"
[ $((SECONDS - start)) -le 5 ] || fail "Ctrl-C took $((SECONDS - start)) s"
expect_contains "hung" "driver: could not abort the tasks left in the controller: no answer from the controller at" \
    "$(cat "$WORK/hung.err")"
kill -CONT "$ctl"
echo "abort: all passed"
