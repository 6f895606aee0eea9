#!/usr/bin/env bash
# The load-balanced view on real clusters: leastload favours a fast engine;
# kill -9, SIGTERM and joining engines in the middle of a map; retries,
# dependencies and timeouts.  Heartbeats are fast here (0.2 s, 3 misses),
# so a dead engine is noticed within a second.
. "$(dirname "$0")/lib.sh"
HB=(--heartbeat-period 0.2 --heartbeat-misses 3)
client() { echo "$PIPAR_DIR/profile_$1/security/client.json"; }

start_controller slow "${HB[@]}"
start_engine slow
start_engine slow --task-delay 0.05
"$BIN/balanced" slow "$(client slow)"

for mode in kill9 kill9-noretry term; do
    start_controller "$mode" "${HB[@]}"
    for _ in 1 2 3; do start_engine "$mode" --task-delay 0.002; done
    "$BIN/balanced" "$mode" "$(client "$mode")" 1
    expect_eq "$mode: engines left" "[0, 2]" \
        "$("$DRIVER" --no-embed --profile "$mode" ids)"
done

# hwm 0: tasks are pipelined, so the dead engine held many at once.
start_controller pipelined "${HB[@]}" --hwm 0
for _ in 1 2 3; do start_engine pipelined --task-delay 0.002; done
"$BIN/balanced" kill9 "$(client pipelined)" 1
start_controller many "${HB[@]}" --hwm 0
start_engine many
start_engine many
"$BIN/balanced" many "$(client many)"

start_controller join "${HB[@]}"
start_engine join --task-delay 0.002
"$BIN/balanced" join "$(client join)" "$BIN/engine" \
    "$PIPAR_DIR/profile_join/security/engine.json"

start_controller flags "${HB[@]}"
start_engine flags
start_engine flags
"$BIN/balanced" flags "$(client flags)"

# follow: 3 engines, so that followers could spread; one is killed.
start_controller follow "${HB[@]}"
for _ in 1 2 3; do start_engine follow; done
"$BIN/balanced" follow "$(client follow)"
# follow with the engine hung (SIGSTOP) briefly, then past its patience
# (1.5 s: heartbeats 0.5 s, 3 misses).
start_controller follow_stop --heartbeat-period 0.5 --heartbeat-misses 3
for _ in 1 2 3; do start_engine follow_stop; done
"$BIN/balanced" follow-stop "$(client follow_stop)"

start_controller requeue "${HB[@]}"
start_engine requeue
start_engine requeue
"$BIN/balanced" requeue-timeout "$(client requeue)"

# The driver's balanced powers prints exactly what the direct view prints.
expect_eq "balanced powers" "$(powers_expected 64 10)" \
    "$("$DRIVER" --no-embed --profile flags powers --view balanced --chunksize 10)"
expect_eq "direct powers" "$(powers_expected 64 10)" \
    "$("$DRIVER" --no-embed --profile flags powers 2>/dev/null)"
echo "ok"
