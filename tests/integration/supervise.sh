#!/usr/bin/env bash
# Supervised engines (issue 13): a module workload that kills its engine
# (a NULL dereference, abort) does not take the engine away for good.  The
# engine's supervisor restarts its worker, which registers under a new id
# with the loaded modules back; the task that crashed fails with a message
# naming the engine, the signal and the workload, or is retried elsewhere,
# so a balanced map with retries completes exactly.  --no-restart leaves
# the engine down, the error still names the signal; five restarts within
# 60 s and the supervisor gives up; stopping a supervisor (and `cluster
# stop`) stops its worker too.
. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
export XDG_CACHE_HOME="$WORK/cache"
# An engine built with ASan must die of the signal, as a plain one does.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_abort=0"
cd "$WORK"
sed "s|@MARKER@|$WORK/crashed|" "$HERE/modules/crash.c" >crash.c


# --- A balanced map with retries completes exactly --------------------
P=s
D=("$DRIVER" --no-embed --profile "$P")
start_controller "$P" --log-level info 2>"$WORK/controller.log"
start_engine "$P" --allow-root-modules 2>>"$WORK/engines.log"
start_engine "$P" --allow-root-modules 2>>"$WORK/engines.log"
"${D[@]}" load crash.c >/dev/null
expected="[" sep=""
for ((x = 0; x < 40; x++)); do expected+="$sep$((x * x))"; sep=", "; done
expected+="]"
expect_eq "map with a crash and retries" "$expected" \
    "$("${D[@]}" map crashsq --range 0:40 --chunksize 1 --retries 2 2>/dev/null)"
[ -e crashed ] || fail "crashsq did not crash (no marker)"
# The engine that ran item 13 came back under a new id (2), and the
# controller's and the supervisor's logs say what happened.
ids=$(ids_of "$P")
case "$ids" in "[0, 2]" | "[1, 2]") ;; *) fail "engines after the crash: $ids" ;; esac
dead=$(grep -o "engine [01] was killed by SIGSEGV while running 'crashsq'; it restarted as engine 2" \
    "$WORK/controller.log" | head -1)
[ -n "$dead" ] || fail "the controller's log does not name the crash: $(cat "$WORK/controller.log")"
grep -q "$dead" "$WORK/engines.log" \
    || fail "the supervisor's log does not name the crash: $(cat "$WORK/engines.log")"
# The restarted engine has the module back and runs its workloads.
expect_eq "the module on the new engine" "[[9], [9]]" "$("${D[@]}" apply crashsq 3)"
expect_eq "a map on both" "$expected" \
    "$("${D[@]}" map crashsq --range 0:40 --chunksize 3 2>/dev/null)"

# --- Without retries the task fails, naming engine, signal, workload --
rm crashed
set +e
out=$("${D[@]}" map crashsq --range 0:40 --chunksize 1 2>&1 >/dev/null)
status=$?
set -e
expect_eq "map without retries" 1 "$status"
printf '%s\n' "$out" | grep -Eq "^driver: engine [0-9]+: was killed by SIGSEGV while running 'crashsq'; it restarted as engine 3$" \
    || fail "the failed task's error: $out"
await_ids "$P" "$(ids_of "$P")"
[ "$(ids_of "$P" | grep -o '[0-9]\+' | wc -l)" == 2 ] || fail "engines: $(ids_of "$P")"
# abort() too; then a SIGTERM to a supervisor stops its worker.
set +e
out=$("${D[@]}" apply abort_now 2>&1 >/dev/null)
set -e
expect_contains "abort" "was killed by SIGABRT while running 'abort_now'; it restarted as engine" "$out"
await_ids "$P" "$(ids_of "$P")"
sup=${STARTED_PIDS[1]}
worker=$(pgrep -P "$sup" || true)
[ -n "$worker" ] || fail "the supervisor $sup has no worker"
kill "$sup"
wait "$sup" || fail "the supervisor did not exit cleanly"
for _ in $(seq 500); do kill -0 "$worker" 2>/dev/null || break; sleep 0.01; done
kill -0 "$worker" 2>/dev/null && fail "the worker $worker outlived its supervisor"

# --- Five restarts within 60 s: the supervisor gives up ---------------
P=g
D=("$DRIVER" --no-embed --profile "$P")
start_controller "$P"
start_engine "$P" --allow-root-modules 2>"$WORK/giveup.log"
sup=${STARTED_PIDS[-1]}
"${D[@]}" load crash.c >/dev/null
for i in 1 2 3 4 5; do
    expect_error 1 "engine $((i - 1)): was killed by SIGSEGV while running 'segv'; it restarted as engine $i" \
        "${D[@]}" apply segv
done
expect_error 1 "engine 5: was killed by SIGSEGV while running 'segv'; it was restarted 5 times within 60 s, so its supervisor gives up" \
    "${D[@]}" apply segv
set +e
wait "$sup"
status=$?
set -e
expect_eq "the supervisor's exit status" 1 "$status"
expect_contains "its last words" "killed 6 times within 60 s; giving up" "$(cat "$WORK/giveup.log")"
expect_eq "no engine left" "[]" "$(ids_of "$P")"

# --- --no-restart: the engine stays down, the error names the signal --
P=n
D=("$DRIVER" --no-embed --profile "$P")
start_controller "$P"
start_engine "$P" --allow-root-modules --no-restart 2>"$WORK/norestart.log"
sup=${STARTED_PIDS[-1]}
"${D[@]}" load crash.c >/dev/null
expect_error 1 "engine 0: was killed by SIGSEGV while running 'segv'; it was started with --no-restart, so it stays down" \
    "${D[@]}" apply segv
set +e
wait "$sup"
status=$?
set -e
expect_eq "--no-restart exit status" 1 "$status"
expect_eq "no engine left" "[]" "$(ids_of "$P")"

# --- driver cluster start passes the engines' options; stop leaves none
P=c
D=("$DRIVER" --profile "$P")
"${D[@]}" cluster start -n 2 --allow-root-modules --no-restart >/dev/null
"${D[@]}" load crash.c >/dev/null
expect_eq "a module on cluster start's engines" "[[4], [4]]" "$("${D[@]}" apply crashsq 2)"
"${D[@]}" cluster stop >/dev/null
"${D[@]}" cluster start -n 2 --allow-root-modules >/dev/null
"${D[@]}" load crash.c >/dev/null
set +e
"${D[@]}" apply segv >/dev/null 2>&1
set -e
await_ids "$P" "[2, 3]"
"${D[@]}" cluster stop >/dev/null
for pid in $(our_processes); do
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -Eq "profile_$P/|--profile $P " \
        && fail "cluster stop left process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
done
expect_error 2 "cluster start: unknown or incomplete option '--no-such'" \
    "${D[@]}" cluster start --no-such
echo "supervise: ok"
