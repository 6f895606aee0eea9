#!/usr/bin/env bash
# The conversion's tree on a cluster whose engine dies: one engine runs
# the whole graph (8 leaves: a tree of 4 pieces) until the division and
# the share of the right range are done (17 tasks), then it is killed
# while it runs the first cut (pi_decimal_cut) or a side
# (pi_decimal_side); a new engine joins, the task is retried there and
# the digits are those of the one-process run.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: no curl (scripts/deps)"; exit 77; }
cd "$WORK"

json() { # EXPR: evaluated on the JSON read from stdin as j
    python3 -c 'import json, sys; j = json.load(sys.stdin); print('"$1"')'
}
field() { # FIELD: a value of the profile's client.json
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
        "$PIPAR_DIR/profile_pif/security/client.json" "$1"
}

start_controller pif --http 0 --heartbeat-period 0.2 --heartbeat-misses 5
start_engine pif
victim=${STARTED_PIDS[-1]}
url="http://127.0.0.1:$(field http_port)"
done_count() { curl -s "$url/api/status" | json 'j["tasks_done"]'; }

n=4000000
"$DRIVER" --no-embed pi --digits "$n" --local --print --data-dir local \
    >local.txt 2>/dev/null
# With one engine the driver computes in this process unless a timeline
# is asked for (driver/cmd_pi.c).
PIPAR_PI_TIMELINE=1 "$DRIVER" --no-embed --profile pif pi --digits "$n" --leaves 8 --print \
    --data-dir cluster >cluster.txt 2>err.txt &
drv=$!
# Polled from one process, every 5 ms: the tree's tasks take tenths of
# a second here, a poll by curl a good part of that.
python3 - "$url/api/status" "$victim" "$drv" <<'PY' || fail "no kill: $(cat err.txt)"
import json, os, sys, time, urllib.request
url, victim, drv = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for _ in range(12000):
    st = json.load(urllib.request.urlopen(url))
    done = st["tasks_done"]
    # Busy: between the tail and the first cut the engine is idle while
    # the driver sends the cut.
    if done >= 17 and st["engines"][0]["outstanding"] > 0:
        os.kill(victim, 9)
        print("killed at %d tasks done" % done, file=sys.stderr)
        sys.exit(0)
    try:
        os.kill(drv, 0)
    except ProcessLookupError:
        sys.exit("the run ended first")
    time.sleep(0.005)
sys.exit("17 tasks were not done in 60 s")
PY
wait "$victim" 2>/dev/null || true
start_engine pif
wait "$drv" || fail "the run failed: $(cat err.txt)"
grep -q "conversion in 4 pieces (a tree of cuts)" err.txt \
    || fail "not the tree: $(cat err.txt)"
cmp -s local.txt cluster.txt || fail "the digits differ"
# The first engine finished the 17 tasks before the tree and fewer than
# all 7 of the tree (4 sides, 3 cuts): it died in the tree, and the one
# task it was running ran again on the new engine.
first=$(curl -s "$url/api/tasks" | json '" ".join(
    "tree" if t["workload"] in ("pi_decimal_cut", "pi_decimal_side")
    else "other" for t in j["tasks"] if t["engine"] == j["tasks"][0]["engine"])')
others=$(tr ' ' '\n' <<<"$first" | { grep -c other || true; })
tree=$(tr ' ' '\n' <<<"$first" | { grep -c tree || true; })
expect_eq "tasks before the tree on the first engine" 17 "$others"
[ "$tree" -lt 7 ] || fail "the first engine finished the whole tree"
expect_eq "tasks retried" 1 "$(curl -s "$url/api/status" | json 'j["tasks_retried"]')"
echo "ok"
