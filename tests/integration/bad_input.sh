#!/usr/bin/env bash
# Every bad input gets one clear line and a non-zero exit, never a hang.
. "$(dirname "$0")/lib.sh"

# Options.
expect_error 2 "--n: 'abc' is not a whole number" "$DRIVER" powers --n abc
expect_error 2 "--n: -1 is negative" "$DRIVER" powers --n -1
expect_error 2 "--n: '' is not a whole number" "$DRIVER" powers --n ''
expect_error 2 "--n: '1e3' is not a whole number" "$DRIVER" powers --n 1e3
expect_error 2 "--n: 99999999999999999999 is out of range" "$DRIVER" powers --n 99999999999999999999
expect_error 2 "--exponent: 'ten' is not a whole number" "$DRIVER" powers --exponent ten
expect_error 2 "unknown or incomplete option '--bogus'" "$DRIVER" powers --bogus
expect_error 2 "unknown command 'frobnicate'" "$DRIVER" frobnicate
expect_error 2 "-n: 0 is out of range" "$DRIVER" cluster start -n 0
expect_error 2 "-n: 'x' is not a whole number" "$DRIVER" cluster start -n x
expect_error 2 "--timeout: 'soon' is not a number" "$DRIVER" --timeout soon ids
expect_error 2 "--hwm: 'x' is not a whole number" "$DRIVER" cluster start --hwm x
expect_error 2 "--scheme: 'fastest' is not one of leastload" "$DRIVER" cluster start --scheme fastest
expect_error 2 "--scheme: 'fastest' is not one of leastload" "$BIN/controller" --scheme fastest
expect_error 2 "--heartbeat-period: 0 is out of range" "$BIN/controller" --heartbeat-period 0
expect_error 2 "--view: 'sideways' is not balanced or direct" "$DRIVER" powers --view sideways
expect_error 2 "--chunksize: 0 is out of range" "$DRIVER" powers --view balanced --chunksize 0
expect_error 2 "profile 'a/b'" "$DRIVER" --profile a/b ids
expect_error 2 "--log-level: 'loud'" "$BIN/controller" --log-level loud
expect_error 2 "unexpected argument 'extra'" "$BIN/controller" extra
expect_error 2 "--timeout: -3 is out of range" "$BIN/engine" --timeout -3

# Connection files.
expect_error 1 "no connection file $WORK/missing.json" "$DRIVER" --file "$WORK/missing.json" ids
mkdir "$WORK/adir"
expect_error 1 "cannot read $WORK/adir" "$DRIVER" --file "$WORK/adir" ids
echo '{"transport": "tcp",' >"$WORK/corrupt.json"
expect_error 1 "$WORK/corrupt.json: not valid JSON" "$DRIVER" --file "$WORK/corrupt.json" ids
echo '[1, 2]' >"$WORK/array.json"
expect_error 1 "not a JSON object" "$DRIVER" --file "$WORK/array.json" ids
good='"transport": "tcp", "ip": "127.0.0.1", "location": "127.0.0.1", "signature_scheme": "hmac-sha256"'
key=$(printf '%064d' 0)
echo "{$good, \"engine_port\": 1, \"client_port\": 2}" >"$WORK/nokey.json"
expect_error 1 "missing field \"key\"" "$DRIVER" --file "$WORK/nokey.json" ids
echo "{$good, \"engine_port\": 1, \"client_port\": 2, \"key\": \"abc\"}" >"$WORK/shortkey.json"
expect_error 1 "\"key\" must be 64 hex digits" "$DRIVER" --file "$WORK/shortkey.json" ids
echo "{$good, \"engine_port\": 1, \"client_port\": 70000, \"key\": \"$key\"}" >"$WORK/port.json"
expect_error 1 "\"client_port\" must be a port number" "$DRIVER" --file "$WORK/port.json" ids
expect_error 1 "\"client_port\" must be a port number" "$BIN/engine" --file "$WORK/port.json"

# A controller that does not answer: a timeout with a message, not a hang.
# Port 9 (discard) on loopback: nothing of ours listens there.
echo "{$good, \"engine_port\": 9, \"client_port\": 9, \"key\": \"$key\"}" >"$WORK/silent.json"
start=$(date +%s)
expect_error 1 "no controller answered at tcp://127.0.0.1:9 within 0.5 s" \
    "$DRIVER" --timeout 0.5 --file "$WORK/silent.json" ids
expect_error 1 "no controller answered at tcp://127.0.0.1:9 within 0.5 s" \
    "$BIN/engine" --timeout 0.5 --file "$WORK/silent.json"
[ $(($(date +%s) - start)) -lt 10 ] || fail "timeouts took too long"

# Unknown workloads and variables, against a real cluster.
"$DRIVER" cluster start -n 2 >/dev/null
expect_error 1 "engine 0: no workload named 'nosuch'" "$DRIVER" apply nosuch
expect_error 1 "engine 0: no variable 'nothing'" "$DRIVER" gather nothing
expect_error 1 "engine 0: sleep: -1 seconds is out of range" "$DRIVER" apply sleep -1
set +e
err=$("$DRIVER" powers --n 80 2>&1 >/dev/null)
status=$?
set -e
expect_eq "overflow status" 1 "$status"
expect_eq "overflow error" "driver: engine 1: powers: 79**10 does not fit in int64" \
    "$(printf '%s\n' "$err" | tail -1)"
# The cluster is unharmed by all of that.
expect_eq "ids after errors" "[0, 1]" "$("$DRIVER" ids)"

# A second controller on the same profile is refused; another profile works.
expect_error 1 "another controller (pid" "$BIN/controller"
expect_error 1 "cannot listen on tcp://999.0.0.1" "$BIN/controller" --profile other --ip 999.0.0.1
echo "ok"
