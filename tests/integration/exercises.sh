#!/usr/bin/env bash
# The classroom exercises (issue 13): every exercise's C files compile
# clean with -Wall -Wextra -Werror; `driver check exercises/NN-name
# exercises/solutions/NN-name.c` passes (exit 0, PASS); the starter code
# fails its check with exit 1 and one line on stderr naming what is wrong;
# a student's compile error, a clash with a loaded module and bad input to
# check each fail with a clear line; check.conf's expect_at; exercise 7's
# picture and time per row through its gnuplot scripts.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
EX="$SRC/exercises"
export XDG_CACHE_HOME="$WORK/cache"
P=ex
D=("$DRIVER" --no-embed --profile "$P")

# The exercises' C files, as strict as the project's own.
for f in "$EX"/*/exercise.c "$EX"/solutions/*.c; do
    ${CC:-cc} -std=c11 -Wall -Wextra -Werror -O2 -fPIC -I "$SRC/include" \
        -c "$f" -o "$WORK/x.o" || fail "$f does not compile clean"
done

start_controller "$P"
start_engine "$P" --allow-root-modules
start_engine "$P" --allow-root-modules
cd "$WORK"

# The starter's failure, one line each: what the student reads first.
declare -A starter=(
    [01-hello]="FAIL 01-hello: apply greet pipar: engine 0: greet: TODO: greet is not written yet"
    [02-scatter-gather]="FAIL 02-scatter-gather: execute out = powers_of(x, 10): powers_of and powers differ at item 2: 2 against 1024"
    [03-monte-carlo]="FAIL 03-monte-carlo: map mc_pi over [0, 400), chunksize 1, balanced view: this run and the one at chunksize 10 differ at item"
    [04-chunksize]="FAIL 04-chunksize: map tiny over [0, 1000), chunksize 10, balanced view: 100 results, expected 1000"
    [05-load-imbalance]="FAIL 05-load-imbalance: map count_primes over [0, 100), chunksize 1, balanced view: expected sum 148933, got"
    [06-pi-pairs]="pair 00: expected 85 (built-in pairs), got 47"
    [07-mandelbrot]="FAIL 07-mandelbrot: map mandel_row over [0, 384), chunksize 1, balanced view: result 294591 (item 383, result 447 of it): expected 1000, got 0"
)
n=0
for dir in "$EX"/[0-9][0-9]-*/; do
    ex=$(basename "$dir")
    [ -f "$EX/solutions/$ex.c" ] || fail "$ex has no solution"
    [ -f "$dir/README.md" ] || fail "$ex has no README.md"
    [ -n "${starter[$ex]:-}" ] || fail "$ex: this test does not know its starter's failure"
    out=$("${D[@]}" check "$dir" "$EX/solutions/$ex.c") \
        || fail "$ex: the solution failed its check: $out"
    expect_contains "$ex solution" "PASS $ex (" "$out"
    expect_contains "$ex unloaded" "unloaded module '$ex'" "$out"
    expect_error 1 "${starter[$ex]}" "${D[@]}" check "$dir"
    n=$((n + 1))
done
[ "$n" -ge 7 ] || fail "only $n exercises"
# Nothing left loaded by the checks.
wl=$("${D[@]}" workloads 2>/dev/null)
case "$wl" in *" exercise "* | *"01-hello"*) fail "a check left its module loaded: $wl" ;; esac

# A student's compile error: the compiler's file:line, then one line.
sed 's/return pp_ret_str(out, hello, err);/return pp_ret_str(out, helo, err);/' \
    "$EX/solutions/01-hello.c" >typo.c
set +e
"${D[@]}" check "$EX/01-hello" typo.c >out 2>err
status=$?
set -e
expect_eq "compile error status" 1 "$status"
expect_contains "file:line" "typo.c:13:" "$(cat err)"
expect_eq "the summary line" \
    "FAIL 01-hello: it did not compile: load: nothing was loaded: typo.c did not compile on engine 0; typo.c did not compile on engine 1" \
    "$(tail -n 1 err)"

# The student's own module loaded beforehand: the same source stays
# loaded; a clash with another module's workload names it.
cp "$EX/solutions/04-chunksize.c" tiny4.c
"${D[@]}" load tiny4.c >/dev/null
out=$("${D[@]}" check "$EX/04-chunksize" tiny4.c)
expect_contains "kept" "module 'tiny4' was loaded before the check and stays loaded" "$out"
expect_eq "still loaded" "[[4], [4]]" "$("${D[@]}" apply tiny 1)"
expect_error 1 "FAIL 04-chunksize: load: nothing was loaded: engine 0: load: $EX/04-chunksize/exercise.c: workload 'tiny' is already loaded from module 'tiny4' (unload it first)" \
    "${D[@]}" check "$EX/04-chunksize"
"${D[@]}" unload tiny4 >/dev/null

# Bad input to check: one line, non-zero.
expect_error 2 "check needs an exercise folder" "${D[@]}" check
expect_error 1 "driver: check: cannot read nope/check.conf" "${D[@]}" check nope
expect_error 1 "FAIL 01-hello: cannot read missing.c" "${D[@]}" check "$EX/01-hello" missing.c
mkdir -p bad
printf 'title = x\n[map]\nworkload = tiny\nrange = 0:10\ncolour = red\n' >bad/check.conf
expect_error 1 "bad/check.conf:5: 'colour' is not a key of [map]" "${D[@]}" check bad
printf '[map]\nworkload = tiny\nrange = 0:10\n' >bad/check.conf
expect_error 1 "bad/check.conf:3: [map] expects nothing" "${D[@]}" check bad
printf '[apply]\nworkload = tiny\nargs = "open\nexpect = 1\n' >bad/check.conf
cp "$EX/solutions/04-chunksize.c" bad/exercise.c
expect_error 1 "FAIL bad: apply tiny \"open: check.conf:1: '\"open': a quote is not closed" "${D[@]}" check bad

# expect_at: single results, exact for i64 (tiny is 3x + 1), 1e-9
# relative for f64, whatever the tolerance; with per_item the item and
# its result are named; past the last result is a mistake of check.conf
# (a map's) or of the workload (an execute's, known after the gather).
mkdir -p at
printf '[map]\nworkload = tiny\nrange = 0:10\nchunksizes = 3\nexpect_at = 4 13\nexpect_at = 9 28\n' >at/check.conf
out=$("${D[@]}" check at "$EX/solutions/04-chunksize.c") || fail "expect_at: $out"
expect_contains "expect_at pass" "ok  2 results as expected" "$out"
printf '[map]\nworkload = tiny\nrange = 0:10\nexpect_sum = 155\ntolerance = 100\nexpect_at = 0 1\nexpect_at = 4 12\n' >at/check.conf
expect_error 1 "FAIL at: map tiny over [0, 10), chunksize 1, balanced view: result 4: expected 12, got 13" \
    "${D[@]}" check at "$EX/solutions/04-chunksize.c"
cat >halves.c <<'EOF2'
#include <pipar/workload.h>
static int halves(const pp_value *args, size_t nargs, pp_values *out,
                  pp_error *err)
{
    const int64_t *x;
    size_t n;
    double *y;
    if (pp_arg_i64s(args, nargs, 0, &x, &n, err)
        || !(y = pp_ret_f64_array(out, n, err)))
        return err->code;
    for (size_t i = 0; i < n; i++)
        y[i] = (double)x[i] / 2;
    return 0;
}
PP_MODULE({ "halves", "x / 2 for each item", halves });
EOF2
printf '[map]\nworkload = halves\nrange = 0:10\nexpect_at = 3 1.5\nexpect_at = 8 4\n' >at/check.conf
out=$("${D[@]}" check at halves.c) || fail "expect_at f64: $out"
expect_contains "expect_at f64 pass" "ok  2 results as expected" "$out"
printf '[map]\nworkload = halves\nrange = 0:10\ntolerance = 1\nexpect_at = 3 1.6\n' >at/check.conf
expect_error 1 "FAIL at: map halves over [0, 10), chunksize 1, balanced view: result 3: expected 1.6, got 1.5" \
    "${D[@]}" check at halves.c
printf '[map]\nworkload = mandel_row\nrange = 0:2\nper_item = 768\nexpect_at = 0 1\nexpect_at = 769 2\n' >at/check.conf
expect_error 1 "FAIL at: map mandel_row over [0, 2), chunksize 1, balanced view: result 769 (item 1, result 1 of it): expected 2, got 1" \
    "${D[@]}" check at "$EX/solutions/07-mandelbrot.c"
printf '[execute]\nworkload = axpy\nscatter = x 0:10\nscatter = y 0:10\nextra = 3\nexpect_at = 10 0\n' >at/check.conf
expect_error 1 "FAIL at: execute out = axpy(x, y, 3): expect_at: result 10 is past the last (10 results)" \
    "${D[@]}" check at "$EX/solutions/02-scatter-gather.c"
printf '[map]\nworkload = tiny\nrange = 0:10\nper_item = 2\nexpect_at = 20 1\n' >at/check.conf
expect_error 1 "driver: check: at/check.conf:5: expect_at: result 20 is past the last (20 results: 10 items of 2)" \
    "${D[@]}" check at
printf '[map]\nworkload = tiny\nrange = 0:10\nexpect_at = 5\n' >at/check.conf
expect_error 1 "driver: check: at/check.conf:4: expect_at: '5' is not RESULT VALUE" "${D[@]}" check at
printf '[map]\nworkload = tiny\nrange = 0:10\nexpect_at = -1 1\n' >at/check.conf
expect_error 1 "driver: check: at/check.conf:4: expect_at: -1 is negative; it must be at least 0" "${D[@]}" check at
printf '[map]\nworkload = tiny\nrange = 0:10\nexpect_at = 1 one\n' >at/check.conf
expect_error 1 "driver: check: at/check.conf:4: expect_at: 'one' is not a number" "${D[@]}" check at
{ printf '[map]\nworkload = tiny\nrange = 0:10\n'; for i in 0 1 2 3 4 5 6 7 8; do echo "expect_at = $i 1"; done; } >at/check.conf
expect_error 1 "driver: check: at/check.conf:12: expect_at: at most 8" "${D[@]}" check at

# Exercise 7 as its README has the student draw it: the escape times one
# a line (the Python computation's sum, see its check.conf), the time of
# each row (the rows next to the real axis, the last half, cost most) and
# gnuplot's PNGs.
"${D[@]}" load "$EX/solutions/07-mandelbrot.c" >/dev/null
"${D[@]}" map mandel_row --range 0:384 --chunksize 16 2>/dev/null \
    | tr -d '[] ' | tr , '\n' >mandel.dat
expect_eq "pixels" 294912 "$(wc -l <mandel.dat)"
expect_eq "escape times" 50914862 "$(awk '{ s += $1 } END { print s }' mandel.dat)"
"${D[@]}" map mandel_row_ns --range 0:384 2>/dev/null | tr -d '[] ' | tr , '\n' >rows.dat
expect_eq "rows" 384 "$(wc -l <rows.dat)"
awk '$1 <= 0 { bad = 1 } NR <= 192 { a += $1 } NR > 192 { b += $1 }
     END { exit !(!bad && b > a) }' rows.dat \
    || fail "the last 192 rows did not cost more than the first: $(tr '\n' ' ' <rows.dat)"
expect_error 1 ": mandel_row: row 384 is not in [0, 384)" \
    "${D[@]}" map mandel_row --range 384:385
"${D[@]}" unload 07-mandelbrot >/dev/null
if command -v gnuplot >/dev/null; then
    gnuplot -c "$EX/07-mandelbrot/mandel.gp" mandel.dat mandel.png
    gnuplot -c "$EX/07-mandelbrot/rows.gp" rows.dat rows.png
    # PNG's signature, then IHDR's width and height.
    expect_eq "mandel.png" "89504e470d0a1a0a 00000384 00000384" \
        "$(od -An -tx1 -N8 mandel.png | tr -d ' \n') $(od -An -tx1 -j16 -N4 mandel.png | tr -d ' \n') $(od -An -tx1 -j20 -N4 mandel.png | tr -d ' \n')"
    expect_eq "rows.png" "89504e470d0a1a0a 00000384 000001f4" \
        "$(od -An -tx1 -N8 rows.png | tr -d ' \n') $(od -An -tx1 -j16 -N4 rows.png | tr -d ' \n') $(od -An -tx1 -j20 -N4 rows.png | tr -d ' \n')"
    seq 10 >short.dat
    expect_error 1 "mandel.gp: short.dat has 10 numbers, not H rows of 2H" \
        gnuplot -c "$EX/07-mandelbrot/mandel.gp" short.dat short.png
    [ ! -e short.png ] || fail "mandel.gp wrote a PNG of bad data"
else
    echo "gnuplot is not installed (scripts/deps): mandel.gp and rows.gp not run" >&2
fi
echo "ok"
