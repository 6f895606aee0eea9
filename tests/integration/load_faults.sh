#!/usr/bin/env bash
# `driver load` when an engine vanishes mid-load.  Loading is two phases
# (prepare: compile or the cache, on every engine; commit: on every engine
# only if all prepared).  An engine killed between the two leaves the load
# standing on the others (as if it had died just after), said on stderr,
# and recorded for engines that start later; an engine killed during
# prepare means nothing is loaded anywhere.  A module whose constructor
# crashes the engines as they load it: nothing loaded, the engines
# restarted, the crash named.
. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
export XDG_CACHE_HOME="$WORK/cache"
# An engine built with ASan must die of the signal, as a plain one does.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_abort=0"
cd "$WORK"
cp "$HERE/modules/sq.c" sq.c

P=lf
D=("$DRIVER" --no-embed --profile "$P")
start_controller "$P" --heartbeat-period 0.2 --heartbeat-misses 5
start_engine "$P" --allow-root-modules
fast=${STARTED_PIDS[-1]}
# Engine 1 takes 2 s over every task: the window between engine 0's
# answer to prepare and the commit.
start_engine "$P" --allow-root-modules --task-delay 2
slow=${STARTED_PIDS[-1]}
# A first load and unload leave the module in the compile cache, so engine
# 0's prepare is a cache hit that takes milliseconds.
"${D[@]}" load sq.c >/dev/null
"${D[@]}" unload sq >/dev/null

# --- Killed between prepare and commit: the load stands on the others --
"${D[@]}" --timeout 30 load sq.c >out.txt 2>err.txt &
loader=$!
sleep 1
kill -9 "$fast"
set +e
wait "$loader"
status=$?
set -e
expect_eq "load with engine 0 killed after prepare: exit status" 0 "$status"
expect_contains "loaded on the survivor" "loaded module 'sq' (square sum_range nothing) on engines [1]" "$(cat out.txt)"
expect_contains "the vanished engine named" "driver: load: engine 0 went away before it took the module" "$(cat err.txt)"
expect_eq "square on the survivor" "[[9]]" "$("${D[@]}" --timeout 30 apply square 3)"
# A new engine gets it from the profile's record.
start_engine "$P" --allow-root-modules
expect_eq "square on the late engine" "[[16], [16]]" "$("${D[@]}" --timeout 30 apply square 4)"

# --- Killed during prepare: nothing is loaded anywhere ------------------
cat >cube.c <<'C'
#include <pipar/workload.h>
static int cube(const pp_value *a, size_t n, pp_values *o, pp_error *e)
{
    int64_t x;
    int rc = pp_arg_i64(a, n, 0, &x, e);
    return rc ? rc : pp_ret_i64(o, x * x * x, e);
}
PP_MODULE({ "cube", "x*x*x", cube });
C
"${D[@]}" --timeout 30 load cube.c >out.txt 2>err.txt &
loader=$!
sleep 1
kill -9 "$slow"   # engine 1, before its prepare (2 s) answers
set +e
wait "$loader"
status=$?
set -e
expect_eq "load with engine 1 killed in prepare: exit status" 1 "$status"
expect_contains "nothing loaded" "driver: load: nothing was loaded" "$(cat err.txt)"
wl=$("${D[@]}" workloads 2>/dev/null)
printf '%s\n' "$wl" | grep -q '^cube ' && fail "cube was loaded on the survivor: $wl"
[ -e "$PIPAR_DIR/profile_$P/modules/cube.c" ] && fail "a failed load was recorded"
expect_eq "the survivor still runs square" "[[4]]" "$("${D[@]}" --timeout 30 apply square 2)"

# --- A constructor that crashes: nothing loaded, engines restarted ------
P=boom
D=("$DRIVER" --no-embed --profile "$P")
start_controller "$P"
start_engine "$P" --allow-root-modules 2>>"$WORK/boom.log"
start_engine "$P" --allow-root-modules 2>>"$WORK/boom.log"
cat >boom.c <<'C'
#include <signal.h>
#include <pipar/workload.h>
__attribute__((constructor)) static void boom(void) { raise(SIGSEGV); }
static int f(const pp_value *a, size_t n, pp_values *o, pp_error *e)
{ (void)a; (void)n; return pp_ret_i64(o, 1, e); }
PP_MODULE({ "boomf", "never loads", f });
C
set +e
err=$("${D[@]}" --timeout 30 load boom.c 2>&1 >/dev/null)
status=$?
set -e
expect_eq "a crashing constructor: exit status" 1 "$status"
expect_contains "named" "driver: load: nothing was loaded: engine 0: was killed by SIGSEGV while running 'load'; it restarted as engine" "$err"
for _ in $(seq 500); do
    [ "$("${D[@]}" ids)" == "[2, 3]" ] && break
    sleep 0.02
done
expect_eq "both engines back" "[2, 3]" "$("${D[@]}" ids)"
expect_eq "and they answer" "['Hello World', 'Hello World']" "$("${D[@]}" hello)"
"${D[@]}" workloads 2>/dev/null | grep -q '^boomf ' && fail "boomf was loaded"
[ -e "$PIPAR_DIR/profile_$P/modules/boom.c" ] && fail "a failed load was recorded"
echo "load_faults: ok"
