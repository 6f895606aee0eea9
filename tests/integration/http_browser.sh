#!/usr/bin/env bash
# The status page in a real browser (headless Chromium, Debian's chromium):
# loaded during a running balanced map, after a pi-pairs run wrote its
# figure.  The DOM read twice: three engines, the client's progress bar
# rising, the figure's img drawn and the 10x10 table; and a screenshot,
# kept at $PIPAR_SCREENSHOT when that is set (docs/status-page.png).
# Without chromium: "SKIP: <reason>" and exit 77.
. "$(dirname "$0")/lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "SKIP: no chromium (apt-get install chromium)"; exit 77; }
cd "$WORK"

# Started here, so it finds the driver's results/ (the default).
start_controller web --http 0
# 2 ms a task: a map long enough to watch.
for _ in 1 2 3; do start_engine web --task-delay 0.002; done
client="$PIPAR_DIR/profile_web/security/client.json"
port=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["http_port"])' "$client")
url="http://127.0.0.1:$port"

"$DRIVER" --no-embed --profile web pi-pairs --digits 200000 >pairs.txt 2>&1 \
    || fail "pi-pairs: $(cat pairs.txt)"
[ -f results/pi-pairs-200000.png ] || fail "pi-pairs wrote no figure"

# The map: 20000 tasks on 3 engines, about 15 s.
"$BIN/throughput" "$client" 20000 1 1 >map.txt 2>&1 &
STARTED_PIDS+=("$!")
for _ in $(seq 200); do
    done_now=$(curl -s "$url/api/status" | python3 -c 'import json, sys; j = json.load(sys.stdin); print(sum(c["done"] for c in j["clients"]))')
    [ "$done_now" -gt 100 ] && break
    sleep 0.05
done
[ "$done_now" -gt 100 ] || fail "the map did not start"

browse() { # OUT ARGS...: chromium headless, its own profile, its noise aside
    local out=$1
    shift
    timeout 90 "$CHROMIUM" --headless --disable-gpu --no-sandbox \
        --user-data-dir="$WORK/chromium" --virtual-time-budget=3000 \
        --window-size=1200,900 "$@" "$url/" >"$out" 2>>chromium.log \
        || fail "chromium failed: $(tail -3 chromium.log)"
}
progress() { # the client's progress bar's value in a dumped DOM
    grep -o '<progress[^>]*value="[0-9.]*"' "$1" | grep -o '[0-9.]*"$' | tr -d '"' | head -1
}

browse dom1.html --dump-dom
expect_contains "engine count" 'id="engine-count">3<' "$(cat dom1.html)"
p1=$(progress dom1.html)
[ -n "$p1" ] || fail "no progress bar in the page: $(grep -o '<table id="clients".*</table>' dom1.html)"
grep -q 'id="pairs-figure"[^>]*src="/results/pi-pairs.png?v=[0-9]*"' dom1.html \
    || grep -q 'src="/results/pi-pairs.png?v=[0-9]*"[^>]*id="pairs-figure"' dom1.html \
    || fail "no figure img in the page"
grep -q 'data-loaded="[1-9][0-9]*"' dom1.html || fail "the figure's img did not load"
expect_contains "the table" "pi-pairs-200000.csv" "$(cat dom1.html)"
expect_eq "table cells" 100 "$(python3 -c 'import re, sys
t = re.search(r"<table id=\"pairs\">(.*?)</table>", open(sys.argv[1]).read(), re.S)
print(len(re.findall(r"<td>[0-9]+</td>", t.group(1))) if t else 0)' dom1.html)"

browse dom2.html --dump-dom
p2=$(progress dom2.html)
[ -n "$p2" ] || fail "no progress bar the second time (map over too soon?)"
python3 -c 'import sys; sys.exit(not float(sys.argv[2]) > float(sys.argv[1]))' "$p1" "$p2" \
    || fail "progress did not rise: $p1 then $p2"

browse /dev/null --screenshot="$WORK/status-page.png" --hide-scrollbars
expect_eq "screenshot is a PNG" "89504e470d0a1a0a" \
    "$(head -c 8 "$WORK/status-page.png" | od -An -tx1 | tr -d ' \n')"
[ -n "${PIPAR_SCREENSHOT:-}" ] && cp "$WORK/status-page.png" "$PIPAR_SCREENSHOT"

# A browser's requests are all answered: none refused.
expect_eq "http refused" 0 "$(curl -s "$url/api/status" | python3 -c 'import json, sys; print(sum(json.load(sys.stdin)["dropped"]["http"].values()))')"
kill -0 "${STARTED_PIDS[0]}" || fail "the controller died"
echo "ok (progress $p1 -> $p2)"
