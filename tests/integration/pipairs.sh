#!/usr/bin/env bash
# pi-pairs on a cluster of 3 engines: the counts equal a count made here by
# awk, for every chunking, view and way of moving the data; the files and
# the figure are written; an engine killed mid-run loses nothing.
. "$(dirname "$0")/lib.sh"
cd "$WORK"

start_controller pp --heartbeat-period 0.2 --heartbeat-misses 3
for _ in 1 2 3; do start_engine pp; done
run() { "$DRIVER" --no-embed --profile pp "$@"; }

n=200000
run pi --digits "$n" >/dev/null 2>&1
awk '{ for (i = 1; i < length($0); i++) c[substr($0, i, 2)]++ }
     END { for (k in c) print k "," c[k] }' "data/pi-$n.txt" | sort >want.csv
expect_eq "pairs counted by awk" 100 "$(wc -l <want.csv)"

check() {
    run pi-pairs --digits "$n" "$@" >out.txt 2>err.txt \
        || fail "pi-pairs $*: $(cat err.txt)"
    tail -n +2 "results/pi-pairs-$n.csv" | sort >got.csv
    cmp -s want.csv got.csv || fail "pi-pairs $*: counts differ from awk's"
    grep -q "pairs: 199,999 = N-1 (check passed)" out.txt \
        || fail "pi-pairs $*: no check line"
}
check
check --chunksize 10
check --chunk-digits 1 --chunksize 5000
check --chunk-digits 2 --chunksize 1000
check --chunk-digits 777 --chunksize 3
check --chunks 7
check --chunks 199999 --chunksize 20000
check --view direct
check --view direct --chunk-digits 1000
check --data local
check --data local --view direct --chunks 5

# The scaling figure: the same count with 1, 2 and 3 engines.
run pi-pairs --digits "$n" --chunk-digits 10000 --scaling 1,2,3 >out.txt 2>err.txt \
    || fail "--scaling: $(cat err.txt)"
grep -q "^   3 engines" out.txt || fail "no scaling line for 3 engines: $(cat out.txt)"
expect_eq "scaling PNG" "89504e470d0a1a0a" \
    "$(head -c 8 "results/pi-pairs-$n-scaling.png" | od -An -tx1 | tr -d ' \n')"
expect_error 1 "--scaling: the cluster has 3 engines; 4 needs more" \
    run pi-pairs --digits "$n" --scaling 1,4

# The files: CSV (checked above), JSON with the run, a real PNG, the
# script beside it.
grep -q '"digits_sha256": "'"$(sha256sum <"data/pi-$n.txt" | cut -c1-64)"'"' \
    "results/pi-pairs-$n.json" || fail "the JSON lacks the digits' hash"
grep -q '"speedup"' "results/pi-pairs-$n.json" || fail "the JSON lacks timings"
expect_eq "PNG signature" "89504e470d0a1a0a" \
    "$(head -c 8 "results/pi-pairs-$n.png" | od -An -tx1 | tr -d ' \n')"
[ "$(stat -c %s "results/pi-pairs-$n.png")" -gt 10000 ] || fail "PNG too small"
[ -s "results/pi-pairs-$n.gp" ] || fail "no gnuplot script beside the PNG"
ls results | grep -q tmp && fail "a temporary file was left in results"

# An engine whose copy differs is refused, not trusted.
mkdir -p other && printf '%s' "$(head -c "$n" "data/pi-$n.txt" | tr 7 8)" >"other/pi-$n.txt"
cp "data/pi-$n.txt.sha256" other/
PIPAR_DATA_DIR=$WORK/other "$BIN/engine" --profile pp --log-level warn &
STARTED_PIDS+=("$!")
sleep 0.5
set +e
run pi-pairs --digits "$n" --data local --view direct --chunks 8 >/dev/null 2>err.txt
status=$?
set -e
expect_eq "a wrong local copy fails the run" 1 "$status"
grep -q "does not match the driver's digits" err.txt \
    || fail "no message about the wrong copy: $(cat err.txt)"
kill "$!"
wait "$!" 2>/dev/null || true

# Without gnuplot the data is still written, and the message says how to
# get it.
mkdir -p nognuplot
for tool in bash sh env awk sort; do ln -sf "$(command -v $tool)" nognuplot/; done
set +e
PATH=$WORK/nognuplot "$DRIVER" --no-embed --profile pp pi-pairs --digits "$n" \
    --results-dir r2 >/dev/null 2>err.txt
set -e
grep -q "apt-get install gnuplot-nox" err.txt || fail "no install hint: $(cat err.txt)"
[ -s "r2/pi-pairs-$n.csv" ] && [ -s "r2/pi-pairs-$n.gp" ] || fail "data not written"

# Bad values.
expect_error 2 "--chunksize: 0 is out of range" "$DRIVER" pi-pairs --digits 1e6 --chunksize 0
expect_error 2 "--digits: '-1'" "$DRIVER" pi-pairs --digits -1
expect_error 2 "--chunks: 2000 chunks of 1000 digits" "$DRIVER" pi-pairs --digits 1000 --chunks 2000
expect_error 2 "--data: 'usb' is not ship or local" "$DRIVER" pi-pairs --digits 1000 --data usb
expect_error 2 "--scaling: 'x'" "$DRIVER" pi-pairs --digits 1000 --scaling 1,x

# Nothing lost: kill -9 an engine in the middle of a run of slow tasks.
start_controller slow --heartbeat-period 0.2 --heartbeat-misses 3
for _ in 1 2 3; do start_engine slow --task-delay 0.02; done
victim=${STARTED_PIDS[-1]}
"$DRIVER" --no-embed --profile slow pi-pairs --digits "$n" --chunk-digits 1000 \
    --results-dir r3 >out.txt 2>err.txt &
pp_pid=$!
sleep 0.8
kill -9 "$victim"
wait "$pp_pid" || fail "the run failed after an engine died: $(tail -2 err.txt)"
tail -n +2 "r3/pi-pairs-$n.csv" | sort >got.csv
cmp -s want.csv got.csv || fail "counts differ after an engine died"
echo "ok"
