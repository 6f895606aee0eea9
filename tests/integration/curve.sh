#!/usr/bin/env bash
# controller --curve: traffic under CurveZMQ with the keys of the
# connection files; an engine or driver without the right keys cannot
# join or get an answer, and each refused connection is counted.
. "$(dirname "$0")/lib.sh"

start_controller curve --curve --reuse
ctl=${STARTED_PIDS[-1]}
start_engine curve
start_engine curve
sec="$PIPAR_DIR/profile_curve/security"
D=("$DRIVER" --no-embed --profile curve)
expect_eq "hello under CurveZMQ" "['Hello World', 'Hello World']" \
    "$("${D[@]}" hello)"
expect_eq "powers under CurveZMQ" "$(powers_expected 64 10)" \
    "$("${D[@]}" powers --view balanced --chunksize 8)"
for f in engine.json client.json controller.key; do
    [ "$(stat -c %a "$sec/$f")" == 600 ] || fail "$f is not mode 600"
done
grep -q '"curve_secretkey"' "$sec/engine.json" || fail "no curve keys in engine.json"
grep -q '"curve_serverkey"' "$sec/client.json" || fail "no curve keys in client.json"
if grep -qF "$(sed -n 2p "$sec/controller.key")" "$sec/engine.json"; then
    fail "the server's secret key is in engine.json"
fi

# On the wire the payload is not in clear: what the engine writes to its
# sockets (seen by strace) never holds the argument it echoes back.
# LeakSanitizer cannot work under ptrace: at exit it stops the process's
# threads with ptrace itself, fails ("LeakSanitizer has encountered a fatal
# error") and, on a busy machine, once left the test waiting for its 120 s
# timeout.  Leaks are checked on the other engines.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -e trace=sendto,write,sendmsg -s 65536 -o "$WORK/engine.strace" \
    "$BIN/engine" --file "$sec/engine.json" --log-level warn &
STARTED_PIDS+=("$!")
for _ in $(seq 500); do
    [ "$(engine_count curve)" == 3 ] && break
    sleep 0.02
done
expect_eq "an engine under strace joined" 3 "$(engine_count curve)"
expect_contains "echo under CurveZMQ" "PAYLOAD-IN-CLEAR-7781" \
    "$("${D[@]}" apply echo PAYLOAD-IN-CLEAR-7781)"
# The engine is strace's child: it leaves cleanly, then strace ends.
traced=$(pgrep -P "${STARTED_PIDS[-1]}" -x engine || true)
[ -n "$traced" ] || fail "no engine under strace"
kill -TERM "$traced"
wait_exit "${STARTED_PIDS[-1]}" 30 "strace, after its engine got SIGTERM"
grep -q 'sendto\|write\|sendmsg' "$WORK/engine.strace" \
    || fail "strace saw no writes: the check would prove nothing"
if grep -q "PAYLOAD-IN-CLEAR-7781" "$WORK/engine.strace"; then
    fail "the engine wrote the payload in clear"
fi
for _ in $(seq 500); do
    [ "$(engine_count curve)" == 2 ] && break
    sleep 0.02
done

# Another cluster's client keys: same HMAC key, wrong CURVE pair.
start_controller other --curve
osec="$PIPAR_DIR/profile_other/security"
# with_keys_of FILE OTHER: FILE with the client key pair of OTHER (Z85
# keys hold characters sed would take for its own, so awk does it).
with_keys_of() {
    awk 'NR == FNR { if ($1 ~ /"curve_(public|secret)key"/) k[$1] = $2; next }
         ($1 in k) { print "  " $1 " " k[$1]; next } { print }' "$2" "$1"
}
wrong="$WORK/wrong.json"
with_keys_of "$sec/engine.json" "$osec/engine.json" >"$wrong"
cmp -s "$wrong" "$sec/engine.json" && fail "the wrong keys were not put in"
expect_error 1 "no controller answered" \
    "$BIN/engine" --file "$wrong" --timeout 1.5 --log-level warn
# Without any CURVE keys, as a plain ZeroMQ peer (its handshake fails
# before the key check, so it is not among those counted).
plain="$WORK/plain.json"
grep -v '"curve_' "$sec/engine.json" >"$plain"
expect_error 1 "no controller answered" \
    "$BIN/engine" --file "$plain" --timeout 1.5 --log-level warn
with_keys_of "$sec/client.json" "$osec/client.json" >"$WORK/wrong-client.json"
expect_error 1 "no controller answered" \
    "$DRIVER" --file "$WORK/wrong-client.json" --timeout 1.5 ids
expect_eq "still two engines" "[0, 1]" "$("${D[@]}" ids)"
status=$("${D[@]}" cluster status)
refused=$(grep -o "[0-9]* connections refused without this cluster's CURVE key" <<<"$status" | grep -o '^[0-9]*' || echo 0)
[ "$refused" -ge 2 ] || fail "refused connections not counted: $status"

# --reuse keeps the CURVE keys: a restart lets the same engines back in.
before=$(grep -v controller_pid "$sec/engine.json")
kill -TERM "$ctl"
wait_exit "$ctl" 10 "the controller, after SIGTERM"
expect_eq "the controller's exit status after SIGTERM" 0 "$EXIT_STATUS"
start_controller curve --curve --reuse
expect_eq "same keys after a restart" "$before" \
    "$(grep -v controller_pid "$sec/engine.json")"
for _ in $(seq 300); do
    [ "$(engine_count curve)" == 2 ] && break
    sleep 0.02
done
expect_eq "engines back under CurveZMQ" 2 "$(engine_count curve)"

# A controller whose ZeroMQ never finishes closing (libzmq issue 2733: a
# CURVE server with a ZAP handler, on an overloaded machine; CI saw this
# test wait for its timeout once) still leaves when asked, and says why.
# The hang is a preloaded zmq_ctx_term that never returns.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    LD_PRELOAD="$BIN/hang_ctx_term.so" \
    "$BIN/controller" --profile stuck --curve --log-level warn \
    2>"$WORK/stuck.err" &
stuck=$!
STARTED_PIDS+=("$stuck")
for _ in $(seq 500); do
    grep -q "\"controller_pid\": $stuck" \
        "$PIPAR_DIR/profile_stuck/security/client.json" 2>/dev/null && break
    sleep 0.01
done
start_engine stuck
expect_eq "hello before the stuck stop" "['Hello World']" \
    "$("$DRIVER" --no-embed --profile stuck hello)"
started=$EPOCHREALTIME
kill -TERM "$stuck"
wait_exit "$stuck" 10 "a controller whose zmq_ctx_term never returns"
expect_eq "its exit status" 0 "$EXIT_STATUS"
expect_eq "what it said" \
    "controller: warning: ZeroMQ did not finish closing the sockets within 3 s; leaving without it" \
    "$(cat "$WORK/stuck.err")"
took=$(echo "$EPOCHREALTIME - $started" | bc)
[ "$(echo "$took >= 2.9 && $took < 8" | bc)" == 1 ] \
    || fail "it left after $took s, not after its 3 s bound"
echo "ok"
