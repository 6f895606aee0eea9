#!/usr/bin/env bash
# The graph on a cluster whose engine dies: one engine runs the whole
# graph (8 leaves, 5 on the left: the left range's two halves merged,
# no top merge; the right range's merges, its top one split in two tasks;
# the division and the left step of the right range's share each merging
# the left halves themselves, the share's right step after the right
# range's top merge; a conversion tree of 6 pieces, its root cut in two
# tasks, the right one with 5^h from pi_pow5) and is killed while it
# runs one of them: the split merge's tasks (pi_merge_pq, pi_merge_t:
# after the square root, the 8 leaves and the 4 whole merges, 13 tasks),
# the division (15), the share's left step (pi_tail: 16), pi_pow5 (17:
# released with the division), the share's right step (pi_tail: 18), or
# once all those are done (19 tasks), the first cut (pi_decimal_cut) or
# a side (pi_decimal_side); each time on a new cluster, a new engine
# joins, the task is retried there and the digits are those of the
# one-process run.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: no curl (scripts/deps)"; exit 77; }
cd "$WORK"

json() { # EXPR: evaluated on the JSON read from stdin as j
    python3 -c 'import json, sys; j = json.load(sys.stdin); print('"$1"')'
}
field() { # PROFILE FIELD: a value of the profile's client.json
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
        "$PIPAR_DIR/profile_$1/security/client.json" "$2"
}

n=4000000
"$DRIVER" --no-embed pi --digits "$n" --local --print --data-dir local \
    >local.txt 2>/dev/null

# kill_at PROFILE DONE KINDS COUNT [BEFORE]: on a new cluster of one
# engine, the run; the engine is killed once DONE tasks are done and it
# runs the next.  It must have done BEFORE (default 0) tasks of KINDS (a
# Python tuple of workloads) and DONE - BEFORE of other kinds, and fewer
# than all COUNT of KINDS.
kill_at() {
    local profile=$1 at=$2 kinds=$3 count=$4 before=${5:-0}
    start_controller "$profile" --http 0 --heartbeat-period 0.2 \
        --heartbeat-misses 5
    start_engine "$profile"
    local victim=${STARTED_PIDS[-1]}
    local url="http://127.0.0.1:$(field "$profile" http_port)"
    # With one engine the driver computes in this process unless a
    # timeline is asked for (driver/cmd_pi.c).
    PIPAR_PI_TIMELINE=1 "$DRIVER" --no-embed --profile "$profile" pi \
        --digits "$n" --leaves 8 --print --data-dir "$profile" \
        >cluster.txt 2>err.txt &
    local drv=$!
    # Polled from one process, every 5 ms: the tasks take tenths of a
    # second here, a poll by curl a good part of that.
    python3 - "$url/api/status" "$victim" "$drv" "$at" <<'PY' || fail "no kill: $(cat err.txt)"
import json, os, sys, time, urllib.request
url, victim, drv, at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for _ in range(12000):
    st = json.load(urllib.request.urlopen(url))
    done = st["tasks_done"]
    # Busy: between two tasks the engine is idle while the driver sends
    # the next.
    if done >= at and st["engines"][0]["outstanding"] > 0:
        os.kill(victim, 9)
        print("killed at %d tasks done" % done, file=sys.stderr)
        sys.exit(0)
    try:
        os.kill(drv, 0)
    except ProcessLookupError:
        sys.exit("the run ended first")
    time.sleep(0.005)
sys.exit("%d tasks were not done in 60 s" % at)
PY
    wait "$victim" 2>/dev/null || true
    start_engine "$profile"
    wait "$drv" || fail "the run failed: $(cat err.txt)"
    grep -q "8 leaves, 6 merges (1 in two tasks; the left range's top one in the division and the share), .*conversion in 6 pieces (a tree of cuts)" err.txt \
        || fail "not the graph: $(cat err.txt)"
    cmp -s local.txt cluster.txt || fail "killed at $at: the digits differ"
    # The first engine did the DONE tasks before and not all of KINDS: it
    # died in one of them, and the one task it was running ran again on
    # the new engine.
    local first others mine
    first=$(curl -s "$url/api/tasks" | json '" ".join(
        "mine" if t["workload"] in '"$kinds"' else "other"
        for t in j["tasks"] if t["engine"] == j["tasks"][0]["engine"])')
    others=$(tr ' ' '\n' <<<"$first" | { grep -c other || true; })
    mine=$(tr ' ' '\n' <<<"$first" | { grep -c mine || true; })
    expect_eq "killed at $at: tasks before on the first engine" \
        "$((at - before))" "$others"
    [ "$mine" -lt "$count" ] || fail "killed at $at: the first engine did all $count"
    expect_eq "killed at $at: tasks retried" 1 \
        "$(curl -s "$url/api/status" | json 'j["tasks_retried"]')"
}

# 1 merge in two tasks; the tree: 6 cuts (the root's two) and 6 sides.
kill_at pif 13 '("pi_merge_pq", "pi_merge_t")' 2
kill_at pif2 15 '("pi_divide",)' 1
kill_at pif3 16 '("pi_tail",)' 2
kill_at pif5 17 '("pi_pow5",)' 1
kill_at pif6 18 '("pi_tail",)' 2 1
kill_at pif4 19 '("pi_decimal_cut", "pi_decimal_side")' 12

# Without a timeline the driver shares results among the tasks that read
# them (after_args share: the last one sent takes them, the driver keeps
# none): on two engines, one killed while it runs the 20th task or a
# later one (the share's right step, the division or the conversion's,
# whose arguments the driver has let go of by then), its task is retried
# on the engine that joins and the digits are the one-process run's.
start_controller pifs --http 0 --heartbeat-period 0.2 --heartbeat-misses 5
start_engine pifs
start_engine pifs
url="http://127.0.0.1:$(field pifs http_port)"
"$DRIVER" --no-embed --profile pifs pi --digits "$n" --leaves 8 --print \
    --data-dir pifs >shared.txt 2>err.txt &
drv=$!
# The status names each engine's worker; the engine started here is its
# parent.
victim=$(python3 - "$url/api/status" "$drv" "${STARTED_PIDS[-1]}" \
    "${STARTED_PIDS[-2]}" <<'PY') || fail "no kill: $(cat err.txt)"
import json, os, sys, time, urllib.request
url, drv, ours = sys.argv[1], int(sys.argv[2]), [int(p) for p in sys.argv[3:]]
def parent(pid):
    try:
        return int(open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return -1
for _ in range(12000):
    st = json.load(urllib.request.urlopen(url))
    if st["tasks_done"] >= 19:
        for e in st["engines"]:
            if e["outstanding"] > 0 and parent(e["pid"]) in ours:
                os.kill(parent(e["pid"]), 9)
                print(parent(e["pid"]))
                sys.exit(0)
    try:
        os.kill(drv, 0)
    except ProcessLookupError:
        sys.exit("the run ended first")
    time.sleep(0.005)
sys.exit("19 tasks were not done in 60 s")
PY
wait "$victim" 2>/dev/null || true
start_engine pifs
wait "$drv" || fail "the shared run failed: $(cat err.txt)"
cmp -s local.txt shared.txt || fail "shared run: the digits differ"
expect_eq "shared run: tasks retried" 1 \
    "$(curl -s "$url/api/status" | json 'j["tasks_retried"]')"
echo "ok"
