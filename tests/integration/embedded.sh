#!/usr/bin/env bash
# With no connection file for the profile, a command starts a local cluster
# for its run, says so in one line, and stops it afterwards, also when the
# run fails or is interrupted.  With a connection file whose controller is
# gone or silent, it fails in one line naming the file and the address,
# and starts nothing, unless --embed asks for a local cluster.
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
expect_eq "no folder left after Ctrl-C" "" "$(ls "$TMPDIR")"

# kill -9 of the driver: it cannot stop its cluster, which goes by itself
# (the parent-death signal: the engines finish their task first), and
# leaves no folder behind either.
"$DRIVER" --engines 2 apply sleep 2 >/dev/null 2>&1 &
driver_pid=$!
STARTED_PIDS+=("$driver_pid")
# A controller, and two engines of two processes each (supervisor, worker).
for _ in $(seq 100); do
    [ "$(our_processes | wc -l)" == 5 ] && break
    sleep 0.05
done
expect_eq "the cluster's processes before the kill" 5 \
    "$(our_processes | wc -l)"
kill -9 "$driver_pid"
wait "$driver_pid" 2>/dev/null || true
for _ in $(seq 200); do
    [ -z "$(our_processes)" ] && [ -z "$(ls "$TMPDIR")" ] && break
    sleep 0.05
done
expect_eq "nothing left after kill -9" "" "$(our_processes)"
expect_eq "no folder left after kill -9" "" "$(ls "$TMPDIR")"

# --no-embed refuses instead of starting a cluster.
expect_error 1 "--no-embed" "$DRIVER" --no-embed ids
expect_error 2 "give --embed or --no-embed, not both" "$DRIVER" --embed --no-embed ids
expect_error 2 "give --embed or --file, not both" "$DRIVER" --embed --file x.json ids
expect_error 2 "--embed is for commands that run work" "$DRIVER" --embed cluster status

# ms since the epoch, for bounds on how long a refusal takes.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# A cluster someone set up whose controller died (kill -9; --reuse keeps
# its files): the file names a pid that is gone.  One line, at once,
# naming the file and the address; nothing started.
start_controller gone --reuse
ctl=${STARTED_PIDS[-1]}
kill -9 "$ctl"
wait "$ctl" 2>/dev/null || true
file="$PIPAR_DIR/profile_gone/security/client.json"
[ -f "$file" ] || fail "the killed controller left no $file"
port=$(grep -o '"client_port": [0-9]*' "$file" | grep -o '[0-9]*$')
t0=$(now_ms)
expect_error 1 "driver: the controller of profile 'gone' (pid $ctl at tcp://127.0.0.1:$port, from $file) is not running; start it with 'driver cluster start', or run on a local cluster with --embed" \
    "$DRIVER" --profile gone --engines 2 powers
took=$(($(now_ms) - t0))
[ "$took" -lt 2000 ] || fail "the refusal took $took ms"
expect_eq "nothing started for a dead controller" "" "$(our_processes)"
expect_eq "no temporary cluster directory" "" "$(ls "$TMPDIR")"
expect_error 1 "(pid $ctl at tcp://127.0.0.1:$port, from $file) is not running" \
    "$DRIVER" --profile gone --no-embed ids
expect_eq "the file is left as it was" "$port" \
    "$(grep -o '"client_port": [0-9]*' "$file" | grep -o '[0-9]*$')"

# --embed runs here all the same, and stops what it started.
out=$("$DRIVER" --profile gone --embed --engines 2 powers --n 4 2>"$err")
expect_eq "--embed powers" "[0, 1, 1024, 59049]" "$out"
expect_eq "--embed notice" "driver: --embed; starting a local cluster of 2 engines for this run" \
    "$(head -1 "$err")"
expect_eq "nothing left after --embed" "" "$(our_processes)"

# A controller that is there but silent (stopped): it is not taken for a
# missing one either; the refusal comes after --timeout.
start_controller silent
silent=${STARTED_PIDS[-1]}
kill -STOP "$silent"
sfile="$PIPAR_DIR/profile_silent/security/client.json"
sport=$(grep -o '"client_port": [0-9]*' "$sfile" | grep -o '[0-9]*$')
t0=$(now_ms)
expect_error 1 "driver: no controller answered at tcp://127.0.0.1:$sport within 0.5 s (from $sfile); start it with 'driver cluster start', or run on a local cluster with --embed" \
    "$DRIVER" --profile silent --timeout 0.5 hello
took=$(($(now_ms) - t0))
[ "$took" -lt 5000 ] || fail "the refusal took $took ms"
expect_eq "nothing started for a silent controller" "$silent" "$(our_processes)"
kill -CONT "$silent"
expect_eq "it answers again" "[]" "$("$DRIVER" --profile silent ids)"
echo "ok"
