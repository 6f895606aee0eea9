#!/usr/bin/env bash
# controller --http: the status page's JSON API with curl, and each bad
# input (unknown route, other methods, a path that climbs, oversized
# headers, a slow client, a missing or wrong token, a results file that
# is a symbolic link): refused, counted in dropped.http, never a crash.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: no curl (scripts/deps)"; exit 77; }
cd "$WORK"
mkdir results

field() { # FIELD PROFILE: a value of the profile's client.json
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
        "$PIPAR_DIR/profile_$2/security/client.json" "$1"
}
json() { # EXPR: evaluated on the JSON read from stdin as j
    python3 -c 'import json, sys; j = json.load(sys.stdin); print('"$1"')'
}

start_controller web --http 0 --http-timeout 1
start_engine web
start_engine web
port=$(field http_port web)
token=$(field http_token web)
[[ "$token" =~ ^[0-9a-f]{32}$ ]] || fail "client.json's http_token: [$token]"
url="http://127.0.0.1:$port"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# The API.
expect_eq "page" 200 "$(code "$url/")"
expect_contains "the page" '<h1>pipar cluster' "$(curl -s "$url/")"
expect_eq "engines in /api/status" 2 "$(curl -s "$url/api/status" | json 'len(j["engines"])')"
expect_eq "/api/engines" "[0, 1]" "$(curl -s "$url/api/engines" | json '[e["id"] for e in j]')"
expect_eq "engine state" idle "$(curl -s "$url/api/engines" | json 'j[0]["state"]')"
"$DRIVER" --no-embed --profile web powers --view balanced --chunksize 10 >/dev/null
tasks=$(curl -s "$url/api/tasks")
expect_eq "tasks done" 7 "$(echo "$tasks" | json 'j["next"]')"
expect_eq "tasks listed" "7 powers True" \
    "$(echo "$tasks" | json 'len(j["tasks"]), j["tasks"][0]["workload"], j["tasks"][0]["ok"]' | tr -d '(),')"
expect_eq "tasks since 5" "[6, 7]" \
    "$(curl -s "$url/api/tasks?since=5" | json '[t["seq"] for t in j["tasks"]]')"
expect_eq "tasks since the last" "[]" "$(curl -s "$url/api/tasks?since=7" | json 'j["tasks"]')"
expect_eq "status tasks_done" 7 "$(curl -s "$url/api/status" | json 'j["tasks_done"]')"
expect_eq "HEAD" 200 "$(code -I "$url/api/status")"

# Bad input, each refused with its code and counted.
expect_eq "since=abc" 400 "$(code "$url/api/tasks?since=abc")"
expect_eq "since=-1" 400 "$(code "$url/api/tasks?since=-1")"
expect_eq "unknown route" 404 "$(code "$url/etc/passwd")"
expect_eq "unknown api" 404 "$(code "$url/api/nope")"
expect_eq "POST" 405 "$(code -X POST -d x=1 "$url/api/status")"
expect_eq "DELETE" 405 "$(code -X DELETE "$url/")"
expect_eq "Allow header" "Allow: GET, HEAD" \
    "$(curl -s -D - -o /dev/null -X PUT "$url/" | grep -i '^allow:' | tr -d '\r')"
expect_eq "/../" 400 "$(code --path-as-is "$url/../../etc/passwd")"
expect_eq "/results/../" 400 "$(code --path-as-is "$url/results/../client.json")"
expect_eq "%2e%2e" 400 "$(code --path-as-is "$url/%2e%2e/%2e%2e/etc/passwd")"
big=$(head -c 40000 /dev/zero | tr '\0' a)
expect_eq "oversized header" 431 "$(code -H "X-Big: $big" "$url/api/status")"
expect_eq "oversized URL" 414 "$(code "$url/api/status?x=$big")"

# A slow client: a request line and then nothing; closed after
# --http-timeout, and counted.  Polled, not slept for.
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /api/status HTTP/1.1\r\nHost: x\r\n' >&3
slow=0
for _ in $(seq 100); do
    slow=$(curl -s "$url/api/status" | json 'j["dropped"]["http"]["slow"]')
    [ "$slow" -ge 1 ] && break
    sleep 0.05
done
exec 3>&-
expect_eq "slow client counted" 1 "$slow"

drops=$(curl -s "$url/api/status" | json 'j["dropped"]["http"]')
expect_eq "dropped.http" "{'unauthorized': 0, 'traversal': 3, 'not_found': 2, 'method': 3, 'bad_request': 2, 'oversized': 2, 'slow': 1}" "$drops"

# The results: none yet, then only the newest pi-pairs-<digits>.png, never
# a link (to a secret here), never a name of another shape.
expect_eq "no figure yet" 404 "$(code "$url/results/pi-pairs.png")"
expect_eq "/api/results empty" "None None" "$(curl -s "$url/api/results" | json 'j["png"], j["csv"]' | tr -d '(),')"
printf 'old' >results/pi-pairs-100.png
touch -d '-1 hour' results/pi-pairs-100.png
printf 'new' >results/pi-pairs-2000.png
printf 'pair,count\n00,5\n' >results/pi-pairs-2000.csv
printf 'not me' >results/pi-pairs-7-scaling.png
touch -d '-1 hour' results/pi-pairs-2000.png
ln -s "$PIPAR_DIR/profile_web/security/client.json" results/pi-pairs-99999.png
expect_eq "newest figure" new "$(curl -s "$url/results/pi-pairs.png")"
expect_eq "figure type" image/png "$(curl -s -o /dev/null -w '%{content_type}' "$url/results/pi-pairs.png")"
expect_eq "table" "pair,count 00,5" "$(curl -s "$url/results/pi-pairs.csv" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "/api/results" pi-pairs-2000.png "$(curl -s "$url/api/results" | json 'j["png"]["name"]')"

# Beyond loopback the token is needed; --http-token-always asks it here
# too, so the rule is tested without leaving loopback.
start_controller locked --http 0 --http-token-always
lport=$(field http_port locked)
ltoken=$(field http_token locked)
lurl="http://127.0.0.1:$lport"
[ "$ltoken" != "$token" ] || fail "two controllers share a token"
expect_eq "no token" 401 "$(code "$lurl/api/status")"
expect_eq "no token, page" 401 "$(code "$lurl/")"
expect_eq "wrong token" 401 "$(code "$lurl/api/status?token=$token")"
expect_eq "short token" 401 "$(code "$lurl/api/status?token=${ltoken:0:31}")"
expect_eq "wrong bearer" 401 "$(code -H "Authorization: Bearer $token" "$lurl/api/status")"
expect_eq "?token=" 200 "$(code "$lurl/api/status?token=$ltoken")"
expect_eq "Bearer" 200 "$(code -H "Authorization: Bearer $ltoken" "$lurl/api/engines")"
expect_eq "unauthorized counted" 5 \
    "$(curl -s "$lurl/api/status?token=$ltoken" | json 'j["dropped"]["http"]["unauthorized"]')"
# The token is asked before the route is looked at: nothing leaks.
expect_eq "no token, unknown route" 401 "$(code "$lurl/nope")"

# Option errors are one line, before anything starts.
expect_error 2 "--http: " "$BIN/controller" --profile x --http 70000
expect_error 2 "go with --http PORT" "$BIN/controller" --profile x --http-ip 127.0.0.1
expect_error 1 "--http-ip: 'nohost' is not an IPv4 or IPv6 address" \
    "$BIN/controller" --profile x --http 0 --http-ip nohost

# Still alive after all of it, and still routing.
expect_eq "still routing" "$(powers_expected 64 10)" \
    "$("$DRIVER" --no-embed --profile web powers --view balanced --chunksize 10)"
for pid in "${STARTED_PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || fail "process $pid died"
done
echo "ok"
