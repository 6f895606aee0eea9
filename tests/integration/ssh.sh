#!/usr/bin/env bash
# The SSH launcher for real: `driver cluster start --hosts FILE` starts the
# engines of three "Pis" over ssh, each Pi a network namespace running
# Debian's sshd (a host key and an authorized key made here), joined to a
# bridge like Pis on a switch, addresses 10.79.0.0/24 (only inside these
# namespaces).  The driver and the controller run in a fourth namespace,
# the master Pi.  The article's flow through it: ids, hello, powers,
# pi-pairs on 1e6 digits (counts equal awk's), status, and `cluster stop`
# leaves no engine anywhere (by the recorded PIDs and by every process
# that has one of this test's PIPAR_DIRs).  Then a host with no sshd is
# reported by name while the others start, and bad input is refused:
# hosts-file lines with file:line, a loopback address for the controller.
# It prints the time to start 3 hosts x 2 engines and to stop them.
#
# All the Pis share this machine's file system, so each host line gives
# dir= (its own PIPAR_DIR): the test checks that engine.json was copied
# into each (mode 0600, equal to the controller's) and controller.key not.
#
# Without root or network namespaces (or with PIPAR_SSH_TEST=loopback) one
# sshd listens on a loopback port and the hosts are "localhost"; the
# controller then listens on this machine's first non-loopback address.
# Without sshd or ssh, or with neither way open: "SKIP: <reason>", exit 77.
# Every sshd and namespace it made is removed on exit (trap), processes by
# the PIDs it started.
set -euo pipefail

skip() {
    echo "SKIP: $*"
    exit 77
}
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || skip "no $SSHD (Debian package openssh-server)"
command -v ssh >/dev/null || skip "no ssh (Debian package openssh-client)"
command -v ssh-keygen >/dev/null || skip "no ssh-keygen (openssh-client)"

. "$(dirname "$0")/lib.sh"
cd "$WORK"

PREFIX=ppssh$$
MADE_NS=()
MADE_RUN_SSHD=""
SSHD_PIDS=()
ns() { echo "$PREFIX-$1"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

ssh_cleanup() {
    local status=$? i pid
    set +e
    trap - EXIT
    # The cluster first (its engines over ssh, while the sshds run).
    [ -n "${CTL_NS:-}" ] && [ -f "$PIPAR_DIR/profile_default/pid/cluster.json" ] \
        && ip netns exec "$CTL_NS" "$DRIVER" cluster stop >/dev/null 2>&1
    [ -z "${CTL_NS:-}" ] && "$DRIVER" cluster stop >/dev/null 2>&1
    for ((i = ${#SSHD_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${SSHD_PIDS[i]}
        kill "$pid" 2>/dev/null || continue
        for _ in $(seq 30); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    # Engines of this test that something left (a failed check above).
    for pid in $(our_processes); do kill -9 "$pid" 2>/dev/null; done
    for ((i = ${#MADE_NS[@]} - 1; i >= 0; i--)); do
        ip netns del "${MADE_NS[i]}" 2>/dev/null
    done
    [ -n "$MADE_RUN_SSHD" ] && rmdir /run/sshd 2>/dev/null
    if [ "$status" != 0 ] && [ "$status" != 77 ]; then
        for f in "$WORK"/ssh/*.log "$TMPDIR"/pi*/profile_default/log/*.log \
            "$PIPAR_DIR"/profile_default/log/*.log; do
            [ -s "$f" ] || continue
            echo "--- $f (last 20 lines)" >&2
            tail -n 20 "$f" >&2
        done
    fi
    (exit "$status")
    cleanup # lib.sh: removes $WORK, exits with the status
}
trap ssh_cleanup EXIT

# --- the way in: namespaces, else one sshd on loopback -----------------
MODE=${PIPAR_SSH_TEST:-netns}
why_not_netns=""
if [ "$MODE" == netns ]; then
    if [ "$(id -u)" != 0 ]; then
        why_not_netns="not root (uid $(id -u))"
    elif ! command -v ip >/dev/null; then
        why_not_netns="no 'ip' command (iproute2)"
    elif ! err=$(ip netns add "$(ns sw)" 2>&1); then
        why_not_netns="cannot create a network namespace: $err"
    else
        MADE_NS+=("$(ns sw)")
    fi
    [ -n "$why_not_netns" ] && MODE=loopback
fi
if [ "$MODE" == loopback ]; then
    LAN=$(hostname -I 2>/dev/null | awk '{ print $1 }')
    [ -n "$LAN" ] || skip "no network namespaces (${why_not_netns:-not asked for})" \
        "and no non-loopback address for the controller on this machine"
    echo "NOTE: one sshd on loopback, hosts 'localhost'" \
        "(${why_not_netns:-PIPAR_SSH_TEST=loopback}); the controller on $LAN"
fi

mkdir -p ssh
ssh-keygen -q -t ed25519 -N '' -f ssh/host_key -C "pipar test host"
ssh-keygen -q -t ed25519 -N '' -f ssh/id -C "pipar test user"
cp ssh/id.pub ssh/authorized_keys
# sshd's privilege separation folder (Debian's service makes it at boot).
if [ ! -d /run/sshd ] && [ "$(id -u)" == 0 ]; then
    mkdir -m 0755 /run/sshd
    MADE_RUN_SSHD=1
fi

# sshd_config NAME ADDRESS PORT
sshd_config() {
    cat >"ssh/sshd-$1.conf" <<EOF
ListenAddress $2
Port $3
HostKey $WORK/ssh/host_key
PidFile $WORK/ssh/sshd-$1.pid
AuthorizedKeysFile $WORK/ssh/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
LogLevel VERBOSE
EOF
}
# wait_port NS_CMD... ADDRESS PORT: until sshd accepts connections.
wait_sshd() {
    local name=$1 pid=$2
    for _ in $(seq 100); do
        grep -q "Server listening" "ssh/sshd-$name.log" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || fail "sshd $name exited: $(cat "ssh/sshd-$name.log")"
        sleep 0.05
    done
    fail "sshd $name does not listen: $(cat "ssh/sshd-$name.log")"
}

PIS=(pi1 pi2 pi3)
declare -A ADDR
if [ "$MODE" == netns ]; then
    CTL_NS=$(ns ctl)
    declare -A ADDR=([ctl]=10.79.0.1 [pi1]=10.79.0.11 [pi2]=10.79.0.12
        [pi3]=10.79.0.13 [pi4]=10.79.0.14)
    SW=$(ns sw)
    ip -n "$SW" link add br0 type bridge
    ip -n "$SW" link set br0 up
    for h in ctl pi1 pi2 pi3 pi4; do
        ip netns add "$(ns "$h")"
        MADE_NS+=("$(ns "$h")")
        ip -n "$(ns "$h")" link set lo up
        ip -n "$SW" link add "port-$h" type veth peer name eth0 netns "$(ns "$h")"
        ip -n "$SW" link set "port-$h" master br0 up
        ip -n "$(ns "$h")" addr add "${ADDR[$h]}/24" dev eth0
        ip -n "$(ns "$h")" link set eth0 up
    done
    # pi4 is a Pi that is switched on but runs no sshd.
    for h in "${PIS[@]}"; do
        sshd_config "$h" "${ADDR[$h]}" 22
        ip netns exec "$(ns "$h")" "$SSHD" -D -e -f "$WORK/ssh/sshd-$h.conf" \
            2>"ssh/sshd-$h.log" &
        SSHD_PIDS+=("$!")
        wait_sshd "$h" "$!"
    done
    for h in "${PIS[@]}" pi4; do
        echo "${ADDR[$h]} $(cut -d' ' -f1,2 ssh/host_key.pub)" >>ssh/known_hosts
    done
    CTL_IP=${ADDR[ctl]}
    run() { ip netns exec "$CTL_NS" "$DRIVER" "$@"; }
    host_line() { echo "${ADDR[$1]} 2 dir=$TMPDIR/$1"; }
    DEAD=${ADDR[pi4]}
else
    PORT=$((20000 + $$ % 20000))
    sshd_config lo 127.0.0.1 "$PORT"
    "$SSHD" -D -e -f "$WORK/ssh/sshd-lo.conf" 2>ssh/sshd-lo.log &
    SSHD_PIDS+=("$!")
    # An sshd that cannot run here (not root: no /run/sshd) closes the
    # last way in.
    (wait_sshd lo "$!") 2>/dev/null \
        || skip "no network namespaces (${why_not_netns:-not asked for})" \
            "and sshd does not start on loopback: $(tail -n 1 ssh/sshd-lo.log)"
    echo "[localhost]:$PORT $(cut -d' ' -f1,2 ssh/host_key.pub)" >ssh/known_hosts
    CTL_IP=$LAN
    run() { "$DRIVER" "$@"; }
    host_line() { echo "localhost 2 $PORT dir=$TMPDIR/$1"; }
    # A port nobody listens on: connection refused, as a Pi without sshd.
    DEAD=localhost
    DEAD_PORT=$((PORT + 1))
fi
SSH_OPTS="-F /dev/null -i $WORK/ssh/id -o IdentitiesOnly=yes
    -o UserKnownHostsFile=$WORK/ssh/known_hosts -o GlobalKnownHostsFile=/dev/null
    -o StrictHostKeyChecking=yes -o ConnectTimeout=5"
start() {
    run cluster start --ip "$CTL_IP" --engine-path "$BIN/engine" \
        --ssh-option "$SSH_OPTS" "$@"
}

# --- bad input, refused before anything starts ------------------------------
printf '# a comment\n%s\n\npi9 two\n' "$(host_line pi1)" >bad-hosts
expect_error 2 "bad-hosts:4: unexpected 'two'" start --hosts bad-hosts
printf 'pi9 0\n' >bad-hosts
expect_error 2 "bad-hosts:1: '0' engines: give 1 to 64" start --hosts bad-hosts
printf 'pi9 2 root@ 70000\n' >bad-hosts
expect_error 2 "bad-hosts:1: port '70000'" start --hosts bad-hosts
printf 'pi9 2\n-oProxyCommand=x\n' >bad-hosts
expect_error 2 "bad-hosts:2: '-oProxyCommand=x' is not a host name" start --hosts bad-hosts
printf '# nothing\n' >bad-hosts
expect_error 2 "bad-hosts: no hosts in it" start --hosts bad-hosts
expect_error 2 "--hosts: " start --hosts no-such-file
host_line pi1 >hosts1
expect_error 2 "--ip 127.0.0.1 is a loopback address" \
    run cluster start --hosts hosts1 --ip 127.0.0.1
expect_error 2 "give --ip (or --location) its LAN address" \
    run cluster start --hosts hosts1
expect_error 2 "--location localhost resolves to the loopback address" \
    run cluster start --hosts hosts1 --ip '*' --location localhost
if getent hosts "$(hostname)" | grep -q '^127\.'; then
    # Debian's "127.0.1.1 hostname": the machine's own name is loopback.
    expect_error 2 "resolves to the loopback address" \
        run cluster start --hosts hosts1 --ip "$(hostname)"
fi
expect_error 2 "--ssh-option and --engine-path go with --hosts" \
    run cluster start -n 1 --ssh-option "-v"
[ ! -e "$PIPAR_DIR/profile_default/pid/cluster.json" ] \
    || fail "a refused start left a state file"

# --- 3 hosts x 2 engines -----------------------------------------------------
{
    echo "# the article's workers: host [engines] [user@] [port] [dir=] [engine=]"
    for h in "${PIS[@]}"; do host_line "$h"; done
} >hosts
t0=$(now)
out=$(start --hosts hosts 2>err.txt) || fail "cluster start: $(cat err.txt)"
START_S=$(since "$t0")
echo "$out"
expect_contains "cluster start" "6 engines registered" "$out"
[ ! -s err.txt ] || fail "cluster start said: $(cat err.txt)"
state=$PIPAR_DIR/profile_default/pid/cluster.json
expect_eq "hosts in the state file" 3 "$(grep -c '"host":' "$state")"

# engine.json on each host: copied, 0600, the controller's own; never the
# server's secret key.
for h in "${PIS[@]}"; do
    f=$TMPDIR/$h/profile_default/security/engine.json
    [ -f "$f" ] || fail "$h: no engine.json in $f"
    expect_eq "$h: engine.json's mode" 600 "$(stat -c %a "$f")"
    cmp -s "$f" "$PIPAR_DIR/profile_default/security/engine.json" \
        || fail "$h: engine.json differs from the controller's"
    [ ! -e "$TMPDIR/$h/profile_default/security/controller.key" ] \
        || fail "$h: controller.key was copied"
    grep -q "\"location\": \"$CTL_IP\"" "$f" || fail "$h: engine.json names no $CTL_IP"
    grep -q '"curve_serverkey"' "$f" || fail "$h: no CurveZMQ beyond loopback"
done

expect_eq "ids" "[0, 1, 2, 3, 4, 5]" "$(run ids)"
HW="'Hello World'"
expect_eq "hello" "[$HW, $HW, $HW, $HW, $HW, $HW]" "$(run hello)"
expect_eq "powers" "$(powers_expected 64 10)" "$(run powers 2>/dev/null)"

n=1000000
t1=$(now)
run pi-pairs --digits 1e6 --data-dir "$WORK/data" --results-dir "$WORK/results" \
    >pairs.txt 2>pairs.err || fail "pi-pairs: $(cat pairs.err)"
PAIRS_S=$(since "$t1")
expect_eq "the digits begin" 3141592653 "$(head -c 10 "data/pi-$n.txt")"
expect_eq "digits" "$n" "$(tr -d '\n' <"data/pi-$n.txt" | wc -c)"
awk '{ for (i = 1; i < length($0); i++) c[substr($0, i, 2)]++ }
     END { for (k in c) print k "," c[k] }' "data/pi-$n.txt" | sort >want.csv
tail -n +2 "results/pi-pairs-$n.csv" | sort >got.csv
expect_eq "pairs counted by awk" 100 "$(wc -l <want.csv)"
cmp -s want.csv got.csv || fail "pi-pairs: counts differ from awk's"

status=$(run cluster status 2>&1) || fail "cluster status: $status"
echo "$status"
for h in "${PIS[@]}"; do
    expect_contains "status" "host $(host_line "$h" | cut -d' ' -f1): 2 of 2 engine processes running" "$status"
done

# The PIDs the state file recorded for the hosts, and every process with
# one of this test's PIPAR_DIRs: all engines, none of them ours by chance.
remote_pids=$(awk '/"pids":/ { inside = 1; next }
    inside && /\]/ { inside = 0 }
    inside { gsub(/[^0-9]/, ""); if ($0 != "") print }' "$state")
expect_eq "recorded remote engines" 6 "$(echo "$remote_pids" | wc -l)"
for pid in $remote_pids; do
    expect_eq "pid $pid" engine "$(cat "/proc/$pid/comm")"
    tr '\0' '\n' <"/proc/$pid/environ" | grep -q "^PIPAR_DIR=$TMPDIR/pi[123]$" \
        || fail "pid $pid does not run with a Pi's PIPAR_DIR"
done

t2=$(now)
out=$(run cluster stop 2>&1) || fail "cluster stop: $out"
STOP_S=$(since "$t2")
echo "$out"
expect_contains "cluster stop" "7 processes ended" "$out"
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
for pid in $remote_pids; do
    ! alive "$pid" || fail "engine pid $pid still runs after cluster stop"
done
left=$(for pid in $(our_processes); do alive "$pid" && echo "$pid"; done)
expect_eq "processes left after cluster stop" "" "$left"
if [ "$MODE" == netns ]; then
    for h in ctl "${PIS[@]}"; do
        for pid in $(ip netns pids "$(ns "$h")"); do
            case " ${SSHD_PIDS[*]} " in *" $pid "*) continue ;; esac
            alive "$pid" && fail "$h: pid $pid ($(cat /proc/"$pid"/comm)) still runs"
        done
    done
fi
[ ! -e "$state" ] || fail "cluster stop left the state file"

# --- a host that cannot be reached -------------------------------------------
{
    host_line pi1
    if [ "$MODE" == netns ]; then echo "$DEAD 2 dir=$TMPDIR/pi4"; else echo "$DEAD 2 $DEAD_PORT dir=$TMPDIR/pi4"; fi
    host_line pi2
} >hosts-dead
out=$(start --hosts hosts-dead 2>err.txt) || fail "a dead host stopped the others: $(cat err.txt)"
expect_contains "cluster start" "4 engines registered" "$out"
cat err.txt
expect_eq "lines about the dead host" 1 "$(wc -l <err.txt)"
expect_contains "the dead host" "driver: host $DEAD (hosts-dead:2): cannot be reached" "$(cat err.txt)"
expect_contains "cluster start" "2 of 3 hosts started their engines" "$out"
expect_eq "ids" "[0, 1, 2, 3]" "$(run ids)"
expect_eq "hello" "['Hello World', 'Hello World', 'Hello World', 'Hello World']" "$(run hello)"
run cluster stop >/dev/null || fail "cluster stop after a dead host"
left=$(for pid in $(our_processes); do alive "$pid" && echo "$pid"; done)
expect_eq "processes left" "" "$left"

# --- a host that goes dark while its engines run (a Pi unplugged) ------------
# Its switch port goes down: cluster stop ends the other host's engines,
# names the dark host's, which may still run, in one line, exits 1, and
# does not hang on it.
if [ "$MODE" == netns ]; then
    # engines_of DIR: our engines that run with PIPAR_DIR=DIR.
    engines_of() {
        local pid
        for pid in $(our_processes); do
            tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null \
                | grep -qx "PIPAR_DIR=$1" && alive "$pid" && echo "$pid"
        done
        return 0
    }
    { host_line pi1; host_line pi2; } >hosts-dark
    out=$(start --hosts hosts-dark 2>err.txt) || fail "cluster start: $(cat err.txt)"
    expect_contains "cluster start" "4 engines registered" "$out"
    dark=$(engines_of "$TMPDIR/pi2")
    [ -n "$dark" ] || fail "no engines of pi2 found"
    ip -n "$(ns sw)" link set port-pi2 down
    # cluster status says which host cannot be reached, in one line, and
    # still reports the other one and the controller.
    t3=$(now)
    set +e
    out=$(run cluster status 2>err.txt)
    st=$?
    set -e
    expect_eq "cluster status with a dark host: exit status" 0 "$st"
    expect_eq "cluster status with a dark host: errors" "" "$(cat err.txt)"
    expect_contains "cluster status with a dark host" \
        "host ${ADDR[pi1]}: 2 of 2 engine processes running, pids" "$out"
    expect_eq "the dark host's line" 1 \
        "$(grep -c "^host ${ADDR[pi2]}: cannot be reached: " <<<"$out")"
    expect_contains "cluster status with a dark host" "controller pid " "$out"
    echo "cluster status with a dark host: $(since "$t3") s: $(grep "^host ${ADDR[pi2]}" <<<"$out")"
    t3=$(now)
    set +e
    out=$(run cluster stop 2>err.txt)
    st=$?
    set -e
    DARK_S=$(since "$t3")
    ip -n "$(ns sw)" link set port-pi2 up
    expect_eq "cluster stop with a dark host: exit status" 1 "$st"
    expect_eq "lines about the dark host" 1 "$(wc -l <err.txt)"
    expect_contains "the dark host" "driver: host ${ADDR[pi2]}: engines (pids" \
        "$(cat err.txt)"
    expect_contains "the dark host" ") may still run: " "$(cat err.txt)"
    # The pids it names: the dark Pi's engines (their supervisors).
    named=$(sed -n 's/.*engines (pids \([0-9 ]*\)) may still run.*/\1/p' err.txt)
    expect_eq "pids named" 2 "$(echo "$named" | wc -w)"
    for pid in $named; do
        case " $(echo $dark) " in *" $pid "*) ;; *) fail "pid $pid is not a dark engine's ($dark)" ;; esac
    done
    expect_eq "pi1's engines after the stop" "" "$(engines_of "$TMPDIR/pi1")"
    echo "cluster stop with a dark host: ${DARK_S} s: $(cat err.txt)"
    # The dark Pi's engines, ours, still run there: ended by their PIDs.
    for pid in $dark; do kill "$pid" 2>/dev/null || true; done
fi

# --- an engine program that is not there ---------------------------------------
host_line pi1 >hosts1
set +e
out=$(run cluster start --ip "$CTL_IP" --engine-path /nonexistent/engine \
    --ssh-option "$SSH_OPTS" --hosts hosts1 --timeout 10 2>&1)
status=$?
set -e
expect_eq "no engine program: status" 1 "$status"
expect_contains "no engine program" "no program '/nonexistent/engine' here" "$out"
[ ! -e "$state" ] || fail "a failed start left the state file"

echo "ssh launcher ($MODE): 3 hosts x 2 engines started in $START_S s," \
    "stopped in $STOP_S s; pi-pairs on 1e6 digits in $PAIRS_S s"
