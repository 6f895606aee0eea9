#!/usr/bin/env bash
# `driver workloads` lists what the engines report (the `workloads`
# workload on each of them), not the driver's own table: with no engine it
# has nothing to list, and with engines its names are theirs, in their
# order.  (Engines that differ are covered by test_wlist.c.)
. "$(dirname "$0")/lib.sh"

P=w
D=("$DRIVER" --no-embed --profile "$P")
start_controller "$P"

# No engine: nothing to ask, so nothing listed (the driver's own table
# would print here).
expect_error 1 "no engines are registered" "${D[@]}" workloads

start_engine "$P"
start_engine "$P"

# What each engine says it has, from its own answer.
raw=$("${D[@]}" apply workloads)
expect_contains "engine 0's table" "hello\\treturns the string 'Hello World'\\n" "$raw"
# One line a row: split at the escaped newlines and between the strings,
# keep what comes before each escaped tab.
engine_names=$(printf '%s\n' "$raw" | sed -e 's/\\n/\n/g' -e "s/[\"'], [\"']/\n/g" \
    | grep -F '\t' | sed -e "s/^[][\"']*//" -e 's/\\t.*//' | awk '!seen[$0]++')
[ "$(printf '%s\n' "$raw" | grep -o "\\\\tthis table" | wc -l)" == 2 ] \
    || fail "not every engine answered with its table: $raw"

out=$("${D[@]}" workloads 2>"$WORK/err")
expect_eq "header" "Workloads of engines [0, 1]:" "$(cat "$WORK/err")"
expect_eq "names, as the engines sent them" "$engine_names" \
    "$(printf '%s\n' "$out" | awk '{print $1}')"
expect_contains "a row" "pi_decimal       built in  decimal digits of a fixed-point value, or one half" "$out"
expect_contains "the listing itself" "workloads        built in  this table" "$out"
case "$out" in *"(not on"*) fail "engines alike, yet one lacks something: $out" ;; esac
[ "$(printf '%s\n' "$out" | wc -l)" -ge 14 ] || fail "too few workloads: $out"

# An engine gone: the others still answer, and only they are listed.
kill "${STARTED_PIDS[-1]}"
wait "${STARTED_PIDS[-1]}" 2>/dev/null || true
for _ in $(seq 500); do
    [ "$(engine_count "$P")" == 1 ] && break
    sleep 0.01
done
"${D[@]}" workloads >/dev/null 2>"$WORK/err"
expect_eq "header with one engine" "Workloads of engines [0]:" "$(cat "$WORK/err")"
expect_error 2 "workloads: unexpected argument 'x'" "${D[@]}" workloads x
echo "ok"
