#!/usr/bin/env bash
# Bounded resources: a client's backlog of tasks in the controller, and the
# largest frame the controller accepts, each refused with a clear error
# before anything is lost or hangs.
. "$(dirname "$0")/lib.sh"

P=limits
start_controller "$P" --backlog 5 --max-message-size 64K
start_engine "$P"
start_engine "$P"
D=("$DRIVER" --no-embed --profile "$P")

# 64 tasks of one item: five at a time are taken (more as results come
# back), the rest refused.
expect_error 1 "the controller already holds 5 tasks of this client (its --backlog); wait for results before submitting more" \
    "${D[@]}" powers --view balanced --chunksize 1
# Two tasks fit.
expect_eq "powers in two tasks" "$(powers_expected 64 10)" \
    "$("${D[@]}" powers --view balanced --chunksize 32)"
status=$("${D[@]}" cluster status)
done=$(grep -o '[0-9]* done' <<<"$status" | grep -o '[0-9]*')
over=$(grep -o "[0-9]* tasks over a client's backlog" <<<"$status" | grep -o '^[0-9]*')
[ "$over" -gt 0 ] || fail "no task was refused: $status"
expect_eq "every task done or refused" 66 $((done + over))
expect_contains "nothing failed in the controller" "0 failed" "$status"

# Frames: 100,000 digits fit in results under 64 KiB, sent as one chunk
# they do not: the driver refuses before sending.
"${D[@]}" pi --digits 1e5 --data-dir "$WORK/data" >/dev/null 2>&1 \
    || fail "pi --digits 1e5 with a 64 KiB limit"
expect_error 1 "argument 0 of the task is 0.1 MB, more than the controller accepts (0.1 MB; see its --max-message-size)" \
    "${D[@]}" pi-pairs --digits 1e5 --chunk-digits 100000 \
    --data-dir "$WORK/data" --results-dir "$WORK/results"
# In chunks of 50,000 digits the same count works.
"${D[@]}" pi-pairs --digits 1e5 --chunk-digits 50000 --data-dir "$WORK/data" \
    --results-dir "$WORK/results" >"$WORK/pairs.txt" 2>&1 \
    || fail "pi-pairs in 50,000-digit chunks: $(cat "$WORK/pairs.txt")"
expect_contains "pairs checked" "check passed" "$(cat "$WORK/pairs.txt")"

# A result too large for the controller: the engine sends an error in its
# place (the merged series terms of 300,000 digits pass 64 KiB).
set +e
"${D[@]}" pi --digits 3e5 --leaves 4 --data-dir "$WORK/data2" \
    >/dev/null 2>"$WORK/pi.err"
status=$?
set -e
expect_eq "pi with a result over the limit: exit status" 1 "$status"
expect_contains "pi's error names the limit" \
    "MB, more than the controller accepts (0.1 MB; see its --max-message-size)" \
    "$(tail -1 "$WORK/pi.err")"
[ ! -e "$WORK/data2/pi-300000.txt" ] || fail "digits written after a failure"

# Bad values for the options, one line each.
expect_error 2 "--backlog: -1 is negative" "$BIN/controller" --backlog -1
expect_error 2 "--max-message-size: '10k' is not a size" \
    "$BIN/controller" --max-message-size 10k
expect_error 2 "--max-message-size: 100 is out of range" \
    "$BIN/controller" --max-message-size 100
expect_error 2 "--clock-window: 'soon' is not a number" \
    "$BIN/controller" --clock-window soon
echo "ok"
