#!/usr/bin/env bash
# The digits of pi on a cluster of 3 engines equal the one-process digits,
# byte for byte, for several leaf counts; the cache is used only when its
# hash checks out; absurd requests are refused before anything starts.
. "$(dirname "$0")/lib.sh"
cd "$WORK"

start_controller pi
for _ in 1 2 3; do start_engine pi; done
run() { "$DRIVER" --no-embed --profile pi "$@"; }

n=200000
run pi --digits "$n" --local --print --data-dir local >local.txt 2>/dev/null
expect_eq "local digits start" "31415926535897932384626433832795028841971" \
    "$(head -c 41 local.txt)"
expect_eq "local digit count" "$((n + 1))" "$(wc -c <local.txt)"
for leaves in 1 2 3 5 6 8 13 14 30; do
    run pi --digits "$n" --leaves "$leaves" --print --data-dir "d$leaves" \
        >cluster.txt 2>err.txt
    grep -q "on 3 engines: $leaves leaves" err.txt \
        || fail "leaves $leaves: not computed on the cluster: $(cat err.txt)"
    cmp -s local.txt cluster.txt || fail "leaves $leaves: digits differ"
done

# The cache: a second run reads the file; a prefix of a larger file serves
# a smaller run; a file that does not match its hash is not used.
out=$(run pi --digits "$n" --data-dir d3 2>&1)
case "$out" in *computing*) fail "the cache was not used: $out" ;; esac
run pi --digits 1000 --data-dir d3 --print >prefix.txt 2>err.txt
grep -q computing err.txt && fail "a larger cached file was not used"
expect_eq "prefix" "$(head -c 1000 local.txt)" "$(head -c 1000 prefix.txt)"
[ -e "d3/pi-1000.txt" ] && fail "a prefix run wrote a file of its own"
printf '7' | dd of="d3/pi-$n.txt" bs=1 seek=100 conv=notrunc 2>/dev/null
run pi --digits "$n" --data-dir d3 --print >again.txt 2>err.txt
grep -q "does not match its .sha256" err.txt || fail "corruption not noticed"
cmp -s local.txt again.txt || fail "the digits after recomputing differ"
(cd d3 && sha256sum --quiet -c "pi-$n.txt.sha256") \
    || fail "the rewritten file does not match its .sha256"
ls d3 | grep -q tmp && fail "a temporary file was left behind"

# Bad values, each refused in one line.
for bad in 0 -1 1.5 12.5 abc 1e11 1.5e0 ""; do
    expect_error 2 "--digits: '$bad'" "$DRIVER" pi --digits "$bad"
done
expect_error 2 "--digits N is required" "$DRIVER" pi
expect_error 1 "need about" "$DRIVER" --no-embed pi --digits 1e10 --local
echo "ok"
