#!/usr/bin/env bash
# The MPI launcher for real, with Debian's Open MPI: `driver cluster start
# --launcher mpi -n 3` runs the engines as the ranks of one mpiexec; ids,
# hello and powers exact; --mpi-args split into words without a shell.
# Then the faults of the job:
#   - one engine (a rank) killed: the job goes on (--enable-recovery), the
#     rank's task is retried elsewhere, a direct task on the next one
#     killed fails with one clear line;
#   - mpiexec ended (SIGTERM): its engines go with it, status says so;
#   - mpiexec killed (SIGKILL): its engines are left in its session, status
#     says so, and `cluster stop` ends them by that session.
# After each stop no process of mpiexec's session is left (by the PIDs of
# that session, read from /proc) and none with our PIPAR_DIR.
# Bad input first, which needs no mpiexec; without mpiexec the rest is
# skipped: "SKIP: <reason>", exit 77.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$WORK"

STATE="$PIPAR_DIR/profile_default/pid/cluster.json"

# --- input errors, one line each, nothing started ------------------------
expect_error 1 "driver: --launcher mpi: no mpiexec on PATH (Debian package openmpi-bin)" \
    env PATH=/nonexistent "$DRIVER" cluster start --launcher mpi -n 2
expect_error 2 "driver: --launcher: 'pbs' is not local, mpi or slurm" \
    "$DRIVER" cluster start --launcher pbs
expect_error 2 "driver: --mpi-args: an unterminated ' quote" \
    "$DRIVER" cluster start --launcher mpi --mpi-args "--tag-output 'x"
expect_error 2 "driver: --mpi-args: '-np': the number of engines is the launcher's -n" \
    "$DRIVER" cluster start --launcher mpi --mpi-args "-np 4"
expect_error 2 "driver: --mpi-args: empty" \
    "$DRIVER" cluster start --launcher mpi --mpi-args " "
expect_error 2 "driver: --mpi-args goes with --launcher mpi" \
    "$DRIVER" cluster start --mpi-args "--tag-output"
expect_error 2 "driver: --hosts is the SSH launcher; give it or --launcher mpi, not both" \
    "$DRIVER" cluster start --launcher mpi --hosts /dev/null
expect_error 2 "driver: -n: 0 is out of range (1 to 1024)" \
    "$DRIVER" cluster start --launcher mpi -n 0
[ ! -e "$STATE" ] || fail "a refused start left a state file"

command -v mpiexec >/dev/null || { echo "SKIP: no mpiexec (Debian package openmpi-bin)"; exit 77; }

mpi_pid() {
    awk '/"mpi":/ { m = 1 } m && /"pid":/ { gsub(/[^0-9]/, ""); print; exit }' "$STATE"
}

# session_members SID: the live processes of that session (/proc, no ps).
session_members() {
    local f s state ppid pgrp sess
    for f in /proc/[0-9]*/stat; do
        s=$(cat "$f" 2>/dev/null) || continue
        read -r state ppid pgrp sess _ <<<"${s##*) }"
        [ "$sess" == "$1" ] && [ "$state" != Z ] && [ "$state" != X ] \
            && { f=${f#/proc/}; echo "${f%/stat}"; }
    done
    true
}

# A rank: an engine whose parent is mpiexec (its worker is its child).
ranks() {
    local p
    for p in $(session_members "$1"); do
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" == engine ] || continue
        awk -v m="$1" '{ sub(/.*\) /, ""); split($0, f, " "); exit !(f[2] == m) }' \
            "/proc/$p/stat" 2>/dev/null && echo "$p"
    done
    true
}

# wait_for WHAT EXPECTED CMD...: polls CMD (up to 10 s) until it prints
# EXPECTED.
wait_for() {
    local what=$1 want=$2 got=""
    shift 2
    for _ in $(seq 100); do
        got=$("$@" 2>/dev/null || true)
        [ "$got" == "$want" ] && return 0
        sleep 0.1
    done
    fail "$what: expected [$want], got [$got]"
}

expect_stopped() {
    local sid=$1 left
    left=$(session_members "$sid")
    [ -z "$left" ] || fail "processes of mpiexec's session $sid left: $left"
    left=$(our_processes)
    [ -z "$left" ] || fail "processes with our PIPAR_DIR left: $left"
    [ ! -e "$STATE" ] || fail "state file left behind"
}

HB=(--heartbeat-period 0.2 --heartbeat-misses 5)

# --- the article's flow under mpiexec -----------------------------------
# A word with a space, a quote of the shell's and a command substitution:
# mpiexec must get it as one word, untouched, and nothing may run it.
out=$("$DRIVER" cluster start --launcher mpi -n 3 "${HB[@]}" \
    --mpi-args "--tag-output -x 'PIPAR_MPI_TEST=a b;\$(touch injected)'")
expect_contains "start" "and 3 engines registered in" "$out"
MPI=$(mpi_pid)
expect_contains "start" "mpiexec pid $MPI: 3 engines, output in $PIPAR_DIR/profile_default/log/mpiexec.log" "$out"
expect_eq "ids" "[0, 1, 2]" "$("$DRIVER" ids)"
expect_eq "hello" "['Hello World', 'Hello World', 'Hello World']" "$("$DRIVER" hello)"
expect_eq "powers" "$(powers_expected 64 10)" "$("$DRIVER" powers 2>/dev/null)"
expect_eq "ranks" 3 "$(ranks "$MPI" | wc -l)"
for r in $(ranks "$MPI"); do
    tr '\0' '\n' <"/proc/$r/environ" | grep -qxF 'PIPAR_MPI_TEST=a b;$(touch injected)' \
        || fail "rank $r: --mpi-args -x did not arrive as one word"
done
[ ! -e injected ] && [ ! -e "$PIPAR_DIR/injected" ] || fail "--mpi-args ran through a shell"
# --tag-output reached mpiexec: each rank's lines are tagged.
grep -q '^\[1,[0-2]\]<stderr>:engine: registered as engine' \
    "$PIPAR_DIR/profile_default/log/mpiexec.log" || fail "--tag-output not passed on"
status=$("$DRIVER" cluster status)
expect_contains "status" "mpi cluster for profile 'default': controller pid " "$status"
expect_contains "status" "mpiexec pid $MPI running: 3 of 3 engine processes in its session" "$status"
expect_contains "status" "3 engines: 0 (" "$status"

# --- one engine killed: the job goes on, its task is retried -------------
# Three tasks, one an engine (hwm 1), sleeping 1, 2 and 3 s; a rank killed
# while all three run.
# (The ranks are looked up before: reading /proc takes a while.)
victims=($(ranks "$MPI"))
"$DRIVER" map sleep --range 1:4 --retries 2 >map.out 2>map.err &
MAP=$!
STARTED_PIDS+=("$MAP")
sleep 0.5
kill -KILL "${victims[0]}"
wait "$MAP" || fail "map with a rank killed: $(cat map.err)"
expect_contains "map" "[None, None, None]" "$(cat map.out)"
status=$("$DRIVER" cluster status)
expect_contains "status after a rank died" "mpiexec pid $MPI running: 2 of 3 engine processes in its session" "$status"
expect_contains "status after a rank died" "2 engines:" "$status"
expect_contains "status after a rank died" " 1 retried," "$status"
# A direct task has nowhere else to go: it fails, by name, at once after
# the heartbeat limit.
"$DRIVER" apply sleep 2 >apply.out 2>apply.err &
APPLY=$!
STARTED_PIDS+=("$APPLY")
sleep 0.5
kill -KILL "${victims[1]}"
set +e
wait "$APPLY"
rc=$?
set -e
expect_eq "apply with a rank killed: exit status" 1 "$rc"
expect_eq "apply's error" 1 "$(wc -l <apply.err)"
grep -qE '^driver: engine [0-9]: died \(no heartbeat for 1\.0 s\) before finishing the task$' apply.err \
    || fail "apply's error: $(cat apply.err)"
expect_eq "ids after two ranks died" 1 "$("$DRIVER" ids | grep -o '[0-9]' | wc -l)"

# --- mpiexec ended: its engines go with it -------------------------------
kill -TERM "$MPI"
wait_for "ids after mpiexec's SIGTERM" "[]" "$DRIVER" ids
wait_for "mpiexec's session" "" session_members "$MPI"
status=$("$DRIVER" cluster status)
expect_contains "status" "mpiexec pid $MPI not running: 0 of 3 engine processes in its session" "$status"
expect_contains "status" "mpiexec has ended; its output is in $PIPAR_DIR/profile_default/log/mpiexec.log" "$status"
expect_contains "status" "0 engines:" "$status"
out=$("$DRIVER" cluster stop)
expect_eq "stop" "cluster stopped for profile 'default': 1 process ended" "$out"
expect_stopped "$MPI"

# --- mpiexec killed: its engines are left, and stop ends them ------------
"$DRIVER" cluster start --launcher mpi -n 3 "${HB[@]}" >/dev/null
MPI=$(mpi_pid)
kill -KILL "$MPI"
wait_for "mpiexec killed" "" sh -c "kill -0 $MPI 2>/dev/null && ! grep -q '^State:.*Z' /proc/$MPI/status && echo alive"
status=$("$DRIVER" cluster status)
expect_contains "status" "mpiexec pid $MPI not running: 3 of 3 engine processes in its session" "$status"
expect_eq "hello without mpiexec" "['Hello World', 'Hello World', 'Hello World']" "$("$DRIVER" hello)"
# The controller, and each rank with its worker.
out=$("$DRIVER" cluster stop)
expect_eq "stop" "cluster stopped for profile 'default': 7 processes ended" "$out"
expect_stopped "$MPI"

# --- the programs rebuilt (or reinstalled) while the job runs ------------
# The kernel shows the ranks' program as "PATH (deleted)": they are still
# its engines, for status and for stop.
mkdir "$WORK/bin"
cp "$BIN/driver" "$BIN/controller" "$BIN/engine" "$WORK/bin/"
"$WORK/bin/driver" cluster start --launcher mpi -n 3 "${HB[@]}" >/dev/null
MPI=$(mpi_pid)
for p in controller engine; do
    rm "$WORK/bin/$p"
    cp "$BIN/$p" "$WORK/bin/$p"
done
status=$("$WORK/bin/driver" cluster status)
expect_contains "status after a rebuild" "mpiexec pid $MPI running: 3 of 3 engine processes in its session" "$status"
out=$("$WORK/bin/driver" cluster stop)
expect_contains "stop after a rebuild" "cluster stopped for profile 'default': " "$out"
expect_stopped "$MPI"

# --- mpiexec refuses its arguments: said at once, nothing left -----------
expect_error 1 "driver: cluster start: mpiexec exited with status 1 before the engines registered: " \
    "$DRIVER" cluster start --launcher mpi -n 2 --mpi-args --no-such-option
grep -qF 'unknown option "--no-such-option"' "$PIPAR_DIR/profile_default/log/mpiexec.log" \
    || fail "mpiexec's complaint not in its log"
err=$("$DRIVER" cluster start --launcher mpi -n 2 --mpi-args --no-such-option 2>&1 >/dev/null || true)
expect_contains "the error names the option" 'unknown option "--no-such-option" ('"$PIPAR_DIR"'/profile_default/log/mpiexec.log)' "$err"
[ -z "$(our_processes)" ] || fail "a failed start left processes: $(our_processes)"
[ ! -e "$STATE" ] || fail "a failed start left a state file"
echo "ok"
