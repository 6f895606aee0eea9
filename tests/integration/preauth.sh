#!/usr/bin/env bash
# Bounded before authentication.  A controller that listens beyond
# loopback runs CurveZMQ unless told --insecure, so a stranger without the
# keys is turned away at the handshake, before ZeroMQ queues any frame of
# its.  Measured: a stranger on the LAN sends one message of 64 frames of
# the largest size the controller accepts (--max-message-size 1M); under
# CurveZMQ (the default, as plain ZeroMQ and as a CURVE client with a key
# pair of its own) the controller's peak RSS (VmHWM) rises by less than
# 16 MB over its RSS before.  The same with --insecure is printed, not
# checked: ZeroMQ holds the whole message (64 MB) before the controller
# sees its first frame.
#
# The LAN is two network namespaces joined by a veth pair, 10.78.0.1 (the
# controller) and 10.78.0.2 (the stranger), made and removed here; the
# loopback checks before them run without root, the rest needs it (else
# "SKIP: <reason>" and exit 77).
set -euo pipefail
BIN=$(cd "${BIN:?BIN must name the build directory}" && pwd) # we cd below
. "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir -p logs
MADE_NS=()
preauth_cleanup() {
    local status=$? i
    set +e
    trap - EXIT
    for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
        kill "${STARTED_PIDS[i]}" 2>/dev/null
        wait "${STARTED_PIDS[i]}" 2>/dev/null
    done
    STARTED_PIDS=()
    "$DRIVER" --profile ins cluster stop >/dev/null 2>&1
    for ((i = ${#MADE_NS[@]} - 1; i >= 0; i--)); do
        ip netns del "${MADE_NS[i]}" 2>/dev/null
    done
    if [ "$status" != 0 ] && [ "$status" != 77 ]; then
        for f in logs/*; do
            [ -f "$f" ] || continue
            echo "--- $f (last 20 lines)" >&2
            tail -n 20 "$f" >&2
        done
    fi
    (exit "$status")
    cleanup
}
trap preauth_cleanup EXIT

# --- loopback: no CurveZMQ unless asked; --insecure is said aloud --------
sec() { echo "$PIPAR_DIR/profile_$1/security"; }
start_controller lo
grep -q curve_serverkey "$(sec lo)/client.json" \
    && fail "a loopback controller turned CurveZMQ on by itself"
expect_error 2 "--curve and --insecure contradict each other; give one" \
    "$BIN/controller" --profile bad --curve --insecure
expect_error 2 "--curve and --insecure contradict each other; give one" \
    "$DRIVER" --profile bad cluster start -n 1 --curve --insecure
"$DRIVER" --profile ins cluster start -n 1 --insecure >/dev/null \
    || fail "cluster start --insecure"
expect_eq "hello on a cluster started --insecure" "['Hello World']" \
    "$("$DRIVER" --no-embed --profile ins hello)"
"$DRIVER" --profile ins cluster stop >/dev/null || fail "cluster stop"

skip() {
    echo "SKIP: $*"
    exit 77
}
[ "$(id -u)" == 0 ] || skip "needs root to build network namespaces (uid $(id -u))"
command -v ip >/dev/null || skip "no 'ip' command (Debian package iproute2)"

# --- the LAN ---------------------------------------------------------------
PREFIX=pipar$$
CTL=$PREFIX-pa
LAN=$PREFIX-pb
# Namespaces an earlier run left when it was killed outright (no trap).
for name in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
    if [[ "$name" =~ ^pipar([0-9]+)-p[ab]$ ]] \
        && ! kill -0 "${BASH_REMATCH[1]}" 2>/dev/null; then
        for pid in $(ip netns pids "$name" 2>/dev/null); do
            kill -9 "$pid" 2>/dev/null || true
        done
        ip netns del "$name" 2>/dev/null || true
    fi
done
for n in "$CTL" "$LAN"; do
    err=$(ip netns add "$n" 2>&1) || skip "cannot create a network namespace: $err"
    MADE_NS+=("$n")
    ip -n "$n" link set lo up
done
err=$(ip -n "$CTL" link add eth0 type veth peer name eth0 netns "$LAN" 2>&1) \
    || skip "cannot create a veth pair: $err"
ip -n "$CTL" addr add 10.78.0.1/24 dev eth0
ip -n "$LAN" addr add 10.78.0.2/24 dev eth0
ip -n "$CTL" link set eth0 up
ip -n "$LAN" link set eth0 up

kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
status_of() {
    ip netns exec "$CTL" "$DRIVER" --no-embed --profile "$1" cluster status
}

# attack PROFILE CURVE|PLAIN|INSECURE: a controller on 10.78.0.1 (CurveZMQ
# by default, --insecure for INSECURE), the stranger on 10.78.0.2 sending
# its 64 MB message; sets GROWTH_KB (peak RSS during the attack minus RSS
# before) and prints the figures.
attack() {
    local p=$1 how=$2 opts=() key=() pid file line base peak now port
    [ "$how" == INSECURE ] && opts=(--insecure)
    ip netns exec "$CTL" "$BIN/controller" --profile "$p" --ip 10.78.0.1 \
        --max-message-size 1M --log-level info "${opts[@]}" \
        2>"logs/$p-controller.log" &
    STARTED_PIDS+=("$!")
    pid=$!
    file=$(sec "$p")/client.json
    for _ in $(seq 500); do
        grep -q "\"controller_pid\": $pid" "$file" 2>/dev/null && break
        sleep 0.01
    done
    grep -q "\"controller_pid\": $pid" "$file" 2>/dev/null \
        || fail "$p: the controller did not start"
    if [ "$how" == INSECURE ]; then
        grep -q curve_serverkey "$file" && fail "$p: CurveZMQ on with --insecure"
        expect_contains "$p: the warning" "--insecure: traffic on 10.78.0.1 is neither encrypted nor authenticated" \
            "$(cat "logs/$p-controller.log")"
    else
        grep -q curve_serverkey "$file" \
            || fail "$p: no CurveZMQ by default on 10.78.0.1: $(cat "$file")"
        expect_contains "$p: CurveZMQ in the log" ", CurveZMQ;" \
            "$(cat "logs/$p-controller.log")"
    fi
    [ "$how" == CURVE ] && key=("$(sed -n 's/.*"curve_serverkey": "\(.*\)".*/\1/p' "$file")")
    # A request answered: the controller is past its start.
    status_of "$p" >/dev/null || fail "$p: no status from the controller"
    base=$(kb "$pid" VmRSS)
    port=$(sed -n 's/.*"client_port": \([0-9]*\).*/\1/p' "$file")
    ip netns exec "$LAN" "$BIN/preauth" "tcp://10.78.0.1:$port" 64 1048576 \
        "${key[@]}" >"logs/$p-stranger.out" 2>&1 &
    STARTED_PIDS+=("$!")
    line=""
    for _ in $(seq 1000); do
        line=$(cat "logs/$p-stranger.out")
        [ -n "$line" ] && break
        sleep 0.01
    done
    [ -n "$line" ] || fail "$p: the stranger saw no handshake in 10 s"
    if [ "$how" == INSECURE ]; then
        expect_eq "$p: the stranger's handshake" "handshake succeeded" "$line"
        # The controller refuses the message once it holds all of it.
        for _ in $(seq 1000); do
            [[ "$(status_of "$p")" =~ \ ([1-9][0-9]*)\ malformed ]] && break
            sleep 0.01
        done
        [[ "$(status_of "$p")" =~ \ ([1-9][0-9]*)\ malformed ]] \
            || fail "$p: the stranger's message never reached the controller"
    else
        expect_contains "$p: the stranger's handshake" "handshake refused" "$line"
        if [ "$how" == CURVE ]; then
            for _ in $(seq 500); do
                [[ "$(status_of "$p")" =~ connections\ refused ]] && break
                sleep 0.01
            done
            expect_contains "$p: refusal counted" "connections refused without this cluster's CURVE key" \
                "$(status_of "$p")"
        fi
        expect_contains "$p: nothing reached the controller" " 0 malformed" \
            "$(status_of "$p")"
    fi
    peak=$(kb "$pid" VmHWM)
    now=$(kb "$pid" VmRSS)
    GROWTH_KB=$((peak - base))
    echo "$p ($how): stranger: $line; controller RSS $(mb "$base") MB before," \
        "peak $(mb "$peak") MB (+$(mb "$GROWTH_KB") MB), $(mb "$now") MB after"
    # The stranger, then the controller, which must leave cleanly.
    kill "${STARTED_PIDS[-1]}"
    wait "${STARTED_PIDS[-1]}" 2>/dev/null || true
    unset 'STARTED_PIDS[-1]'
    kill "$pid"
    wait "$pid" || fail "$p: the controller exited with status $? after SIGTERM"
    unset 'STARTED_PIDS[-1]'
    if grep -q Sanitizer "logs/$p-controller.log"; then
        fail "$p: a sanitizer reported an error"
    fi
}

attack plain PLAIN
[ "$GROWTH_KB" -lt 16384 ] \
    || fail "plain stranger: controller RSS grew by $(mb "$GROWTH_KB") MB under CurveZMQ (16 MB allowed)"
attack keyed CURVE
[ "$GROWTH_KB" -lt 16384 ] \
    || fail "stranger with its own CURVE keys: controller RSS grew by $(mb "$GROWTH_KB") MB (16 MB allowed)"
attack open INSECURE
echo "ok"
