#!/usr/bin/env bash
# With no controller, a command starts a local cluster for its run, says so
# in one line, and stops it afterwards, also when the run fails or is
# interrupted.
. "$(dirname "$0")/lib.sh"

err="$WORK/err"
out=$("$DRIVER" --engines 3 powers 2>"$err")
expect_eq "powers" "$(powers_expected 64 10)" "$out"
expect_contains "notice" "starting a local cluster of 3 engines for this run" \
    "$(head -1 "$err")"
expect_eq "nothing left running" "" "$(our_processes)"
expect_eq "temporary directory removed" "" "$(ls "$TMPDIR")"

# A failing run stops its cluster too.
set +e
"$DRIVER" --engines 2 powers --n 100 >/dev/null 2>"$err"
status=$?
set -e
expect_eq "overflow status" 1 "$status"
expect_eq "overflow message" "driver: engine 1: powers: 79**10 does not fit in int64" \
    "$(tail -1 "$err")"
expect_eq "nothing left after a failure" "" "$(our_processes)"

# Ctrl-C in the middle of a task: the cluster still goes away.
"$DRIVER" --engines 2 apply sleep 30 >/dev/null 2>"$err" &
driver_pid=$!
STARTED_PIDS+=("$driver_pid")
for _ in $(seq 100); do
    [ -n "$(our_processes)" ] && break
    sleep 0.05
done
sleep 0.3
kill -INT "$driver_pid"
set +e
wait "$driver_pid"
status=$?
set -e
expect_eq "interrupted status" 130 "$status"
expect_contains "interrupted message" "driver: interrupted" "$(cat "$err")"
for _ in $(seq 100); do
    [ -z "$(our_processes)" ] && break
    sleep 0.05
done
expect_eq "nothing left after Ctrl-C" "" "$(our_processes)"

# --no-embed refuses instead of starting a cluster.
expect_error 1 "--no-embed" "$DRIVER" --no-embed ids
echo "ok"
