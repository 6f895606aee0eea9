#!/usr/bin/env bash
# Workload modules (issue 13): `driver load FILE.c` compiles a C file on
# every engine and adds its workloads; apply and map run them with exact
# results; a compile error comes back with the compiler's file:line and
# loads nothing anywhere; the same source again is a cache hit; a changed
# one replaces; unload removes; an engine started later loads what the
# profile recorded; --no-load and root refuse.
. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
export XDG_CACHE_HOME="$WORK/cache"
P=m
D=("$DRIVER" --no-embed --profile "$P")
start_controller "$P"
start_engine "$P" --allow-root-modules
start_engine "$P" --allow-root-modules

cp "$HERE/modules/sq.c" "$HERE/modules/bad.c" "$WORK/"
cd "$WORK"

# Load: compiled once (the engines share this machine's cache), loaded on
# both.
out=$("${D[@]}" load sq.c)
expect_contains "load" "loaded module 'sq' (square sum_range nothing) on engines [0, 1]" "$out"
expect_contains "a compile" "compiled sq.c in" "$out"
wl=$("${D[@]}" workloads 2>/dev/null)
printf '%s\n' "$wl" | grep -Eq '^square +sq +x\*x for each i64 item$' \
    || fail "square is not listed with its module: $wl"
printf '%s\n' "$wl" | grep -Eq '^hello +built in +returns' \
    || fail "hello is not listed as built in: $wl"
case "$wl" in *"(not on"*) fail "an engine lacks a workload: $wl" ;; esac

# Apply and map: exact results.
expect_eq "apply square" "[[49], [49]]" "$("${D[@]}" apply square 7)"
expect_eq "apply sum_range" "[[45], [45]]" "$("${D[@]}" apply sum_range 0 10)"
expected="[" sep=""
for ((x = 0; x < 20; x++)); do expected+="$sep$((x * x))"; sep=", "; done
expected+="]"
expect_eq "map square" "$expected" \
    "$("${D[@]}" map square --range 0:20 --chunksize 3 2>"$WORK/err")"
expect_contains "timing" "speedup" "$(cat "$WORK/err")"
sum=0
for ((x = -500; x < 1500; x++)); do sum=$((sum + x * x)); done
expect_eq "map --sum" "$sum" \
    "$("${D[@]}" map square --range -500:1500 --chunksize 64 --sum 2>/dev/null)"
expect_eq "map direct" "$sum" \
    "$("${D[@]}" map square --range -500:1500 --view direct --sum 2>/dev/null)"

# A student's bad arguments: one line naming the workload and position.
expect_error 1 "engine 0: sum_range: argument 1 is missing (expected one i64; got 1 argument)" \
    "${D[@]}" apply sum_range 0
expect_error 1 "sum_range: argument 0 is a str, expected one i64" \
    "${D[@]}" apply sum_range x 3

# The same source again: a cache hit, nothing changes.
out=$("${D[@]}" load sq.c)
expect_contains "cache hit" "engine 0: cache hit: sq.c is loaded already" "$out"
expect_contains "kept" "kept module 'sq'" "$out"

# A changed source with the same names replaces them everywhere.
sed 's/y\[i\] = x\[i\] \* x\[i\];/y[i] = x[i] * x[i] + 1;/' "$HERE/modules/sq.c" >sq.c
out=$("${D[@]}" load sq.c)
expect_contains "replaced" "replaced module 'sq' (square sum_range nothing) on engines [0, 1]" "$out"
expect_eq "the new square" "[[10], [10]]" "$("${D[@]}" apply square 3)"
cp "$HERE/modules/sq.c" sq.c
"${D[@]}" load sq.c >/dev/null
expect_eq "the old square back" "[[9], [9]]" "$("${D[@]}" apply square 3)"

# A compile error at line 3: the compiler's own message naming the file as
# given, on each engine; nothing loaded anywhere; exit status 1.
set +e
"${D[@]}" load bad.c >"$WORK/out" 2>"$WORK/err"
status=$?
set -e
expect_eq "compile error status" 1 "$status"
expect_contains "file:line" "bad.c:3:" "$(cat "$WORK/err")"
expect_contains "the compiler's words" "undeclared_thing" "$(cat "$WORK/err")"
expect_contains "summary" "driver: load: nothing was loaded: bad.c did not compile on engine 0" "$(cat "$WORK/err")"
[ -s "$WORK/out" ] && fail "a failed load printed on stdout: $(cat "$WORK/out")"
"${D[@]}" workloads 2>/dev/null | grep -q '^badwork ' && fail "badwork was loaded"

# Modules that compile but cannot be loaded: one line, nothing loaded.
printf '#include <pipar/workload.h>\nint f(void) { return 1; }\n' >empty.c
expect_error 1 "empty.c declares no workloads (end it with PP_MODULE(...)" "${D[@]}" load empty.c
cat >undef.c <<'C'
#include <pipar/workload.h>
int no_such_function(int);
static int f(const pp_value *a, size_t n, pp_values *o, pp_error *e)
{ (void)a; (void)n; (void)e; return pp_ret_i64(o, no_such_function(1), e); }
PP_MODULE({ "undef", "calls what does not exist", f });
C
expect_error 1 "undef.c: cannot be loaded: undefined symbol: no_such_function" "${D[@]}" load undef.c
printf '#include <pipar/workload.h>\nstatic int f(const pp_value *a, size_t n, pp_values *o, pp_error *e)\n{ (void)a; (void)n; (void)o; (void)e; return 0; }\nPP_MODULE({ "hello", "x", f });\n' >clash.c
expect_error 1 "clash.c: 'hello' is the name of a built-in workload" "${D[@]}" load clash.c
"${D[@]}" workloads 2>/dev/null | grep -q '^undef ' && fail "a refused module was loaded"

# An engine that starts after the load gets the module from the profile's
# modules/ folder (a cache hit), before it registers.
start_engine "$P" --allow-root-modules
expect_eq "the late engine" "[[25], [25], [25]]" "$("${D[@]}" apply square 5)"
case "$("${D[@]}" workloads 2>/dev/null)" in *"(not on"*) fail "the late engine lacks a workload" ;; esac

# Unload: gone from every engine and from the profile's record.
expect_eq "unload" "unloaded module 'sq' (square sum_range nothing) from engines [0, 1, 2]" \
    "$("${D[@]}" unload sq)"
wl=$("${D[@]}" workloads 2>/dev/null)
printf '%s\n' "$wl" | grep -q '^square ' && fail "square still listed: $wl"
expect_error 1 "no workload named 'square'" "${D[@]}" apply square 3
[ -e "$PIPAR_DIR/profile_$P/modules/sq.c" ] && fail "the record of sq survived unload"
expect_error 1 "unload: no engine has a module named 'sq'" "${D[@]}" unload sq

# The example of docs/workloads.md works as printed.
awk '/^```c$/ { on = 1; next } /^```$/ { if (on) exit } on' \
    "$HERE/../../docs/workloads.md" >docsq.c
expect_contains "the docs' example" "loaded module 'docsq' (square sum_range)" \
    "$("${D[@]}" load docsq.c)"
expect_eq "its sum_range" "[[45], [45], [45]]" "$("${D[@]}" apply sum_range 0 10)"
expect_eq "its map" "[0, 1, 4, 9, 16]" "$("${D[@]}" map square --range 0:5 2>/dev/null)"
"${D[@]}" unload docsq >/dev/null

# Bad input to the commands: one line each.
expect_error 2 "load needs one C file" "${D[@]}" load
expect_error 1 "load: cannot read nope.c" "${D[@]}" load nope.c
expect_error 2 "does not name a module" "${D[@]}" load ".c"
expect_error 2 "map needs --range A:B" "${D[@]}" map square
expect_error 2 "--range: 5:5 is empty" "${D[@]}" map square --range 5:5
expect_error 2 "--range: 'x' is not A:B" "${D[@]}" map square --range x
expect_error 2 "--view: 'x' is not balanced or direct" "${D[@]}" map square --range 0:3 --view x
expect_error 2 "--embed: a module loaded on a cluster" "$DRIVER" --embed load sq.c

# --no-load: that engine refuses, so nothing is loaded anywhere.
start_engine "$P" --no-load
expect_error 1 "load: this engine refuses modules (started with --no-load)" "${D[@]}" load sq.c
"${D[@]}" workloads 2>/dev/null | grep -q '^square ' \
    && fail "square was loaded beside a --no-load engine"
if [ "$(id -u)" == 0 ]; then
    start_engine "$P"
    expect_error 1 "this engine runs as root and refuses modules (start it with --allow-root-modules" \
        "${D[@]}" load sq.c
fi
echo "ok"
