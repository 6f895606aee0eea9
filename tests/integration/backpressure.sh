#!/usr/bin/env bash
# Back-pressure: a client that submits and does not read cannot grow the
# controller without bound.  Results waiting for it count against its
# --backlog (200 here); ZeroMQ's pipe to it holds at most --backlog
# messages; the rest wait in the controller's outbox, and the scheduler
# hands out none of its tasks until they are read.  backpressure.c sends
# 2,000 echo tasks of 64 KiB (10 times its backlog, 128 MB of results)
# over 4 s and reads nothing for 5 s, then reads: every result must come,
# exact, with refused tasks submitted again.  The controller's RSS during
# the stall must stay under 3 x backlog x 64 KiB (what the design bounds:
# the tasks' inputs or their waiting results, backlog of each, plus the
# pipe's backlog of messages) + 24 MB (socket buffers, the allocator;
# AddressSanitizer adds some; on a loaded machine the allocator keeps more
# per thread: 53 MB was seen where 28-30 MB is usual).  For contrast the
# same against --backlog 0 (no limit on anything, as before) is printed,
# not checked.
. "$(dirname "$0")/lib.sh"
# Under AddressSanitizer freed blocks sit in its quarantine (256 MB) and
# would count as the controller's: keep it small here (no effect on other
# builds).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"

N=2000
BYTES=65536
BACKLOG=200
LIMIT_KB=$((3 * BACKLOG * BYTES / 1024 + 24576))

# run PROFILE BACKLOG: prints the client's lines; sets GROWTH_KB.
run() {
    local p=$1 out
    start_controller "$p" --backlog "$2"
    start_engine "$p"
    start_engine "$p"
    "$BIN/backpressure" "$PIPAR_DIR/profile_$p/security/client.json" \
        "$N" "$BYTES" 5 "$BACKLOG" >"$WORK/$p.out" 2>&1 &
    STARTED_PIDS+=("$!")
    local client=$! seen=""
    # While it does not read, results wait in the controller for it (with
    # a backlog; without one ZeroMQ queues them all).
    if [ "$2" != 0 ]; then
        for _ in $(seq 250); do
            seen=$("$DRIVER" --no-embed --profile "$p" cluster status \
                | grep 'results wait' || true)
            [ -n "$seen" ] && break
            kill -0 "$client" 2>/dev/null || break
            sleep 0.02
        done
        [ -n "$seen" ] || fail "$p: no result ever waited in the controller"
        echo "$p: during the stall: $seen"
    fi
    wait "$client" || fail "$p: the client failed: $(cat "$WORK/$p.out")"
    unset 'STARTED_PIDS[-1]'
    out=$(cat "$WORK/$p.out")
    grep -v '^rss_growth_kb=' <<<"$out" | sed "s/^/$p: /"
    GROWTH_KB=$(sed -n 's/^rss_growth_kb=//p' <<<"$out")
    local status
    status=$("$DRIVER" --no-embed --profile "$p" cluster status)
    expect_contains "$p: nothing failed" " 0 failed" "$status"
    expect_contains "$p: nothing left" " 0 queued, 0 outstanding" "$status"
    if [[ "$status" =~ results\ wait ]]; then
        fail "$p: results still wait or replies were dropped: $status"
    fi
}

run bounded "$BACKLOG"
[ "$GROWTH_KB" -lt "$LIMIT_KB" ] \
    || fail "the controller grew by $((GROWTH_KB / 1024)) MB while the client did not read ($((LIMIT_KB / 1024)) MB allowed)"
echo "bounded: RSS growth $((GROWTH_KB / 1024)) MB, under $((LIMIT_KB / 1024)) MB"
run unbounded 0
echo "unbounded (--backlog 0, for contrast): RSS growth $((GROWTH_KB / 1024)) MB"
echo "ok"
