# lib.sh - shared by the integration tests: a private PIPAR_DIR, a cluster
# that is stopped on every exit (by the PIDs we started), and assertions.
# Sourced with BIN set to the build directory holding driver, engine and
# controller.
set -euo pipefail

: "${BIN:?BIN must name the build directory}"
DRIVER="$BIN/driver"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pipar-test.XXXXXX")
export PIPAR_DIR="$WORK/pipar"
export TMPDIR="$WORK/tmp"
mkdir -p "$PIPAR_DIR" "$TMPDIR"
STARTED_PIDS=()

cleanup() {
    local status=$?
    [ -z "${WATCHDOG_PID:-}" ] || kill "$WATCHDOG_PID" 2>/dev/null || true
    "$DRIVER" cluster stop >/dev/null 2>&1 || true
    # Newest first: engines leave while their controller still answers.
    # Each gets 15 s to leave cleanly, then SIGKILL: a process left behind
    # would hold ctest's output pipe open, and the test would hang until
    # ctest's timeout.
    local i pid
    for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${STARTED_PIDS[i]}
        # Only a child of this shell not yet reaped: a reaped one's PID may
        # belong to another process by now.
        [ "$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')" == $$ ] || continue
        kill "$pid" 2>/dev/null || true
        # One a test stopped (SIGSTOP) takes the TERM only once continued.
        kill -CONT "$pid" 2>/dev/null || true
        for _ in $(seq 300); do
            alive "$pid" || break
            sleep 0.05
        done
        if alive "$pid"; then
            echo "cleanup: pid $pid did not stop within 15 s; killing it" >&2
            kill -9 "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    # Last, a program of this build still running with this test's own
    # PIPAR_DIR (a worker whose supervisor the test killed, say).
    for pid in $(pgrep -f "^$BIN/" 2>/dev/null || true); do
        tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null \
            | grep -qxF "PIPAR_DIR=$PIPAR_DIR" || continue
        echo "cleanup: pid $pid ($(ps -o args= -p "$pid" 2>/dev/null)) was left running; killing it" >&2
        kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT


# alive PID: PID runs (or is stopped); a zombie waiting to be reaped does
# not count.
alive() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "${state:0:1}" != Z ]
}

# wait_exit PID SECONDS WHAT: waits for PID, a child of this shell, to
# end, at most SECONDS (a plain `wait` would wait for ever); its exit
# status is then in EXIT_STATUS.
wait_exit() {
    local i
    for ((i = 0; i < $2 * 20; i++)); do
        alive "$1" || break
        sleep 0.05
    done
    alive "$1" && fail "$3 (pid $1) did not end within $2 s"
    set +e
    wait "$1"
    EXIT_STATUS=$?
    set -e
}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# skip REASON: the test cannot run here; ctest counts exit 77 as skipped
# (SKIP_RETURN_CODE), never as a pass.
skip() {
    echo "SKIP: $*"
    exit 77
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
    [ "$2" == "$3" ] || fail "$1: expected [$2], got [$3]"
}

# expect_contains WHAT NEEDLE HAYSTACK
expect_contains() {
    case "$3" in
    *"$2"*) ;;
    *) fail "$1: expected to find [$2] in [$3]" ;;
    esac
}

# expect_error STATUS NEEDLE CMD...: the command fails with that status and
# one line on stderr containing NEEDLE.
expect_error() {
    local want=$1 needle=$2 out err status
    shift 2
    set +e
    err=$("$@" 2>&1 >/dev/null)
    status=$?
    set -e
    [ "$status" == "$want" ] || fail "$*: exit status $status, not $want ($err)"
    expect_contains "$*" "$needle" "$err"
    [ "$(printf '%s\n' "$err" | wc -l)" == 1 ] \
        || fail "$*: error is not one line: [$err]"
}

# The first 64 powers computed by the shell itself: an independent check.
powers_expected() {
    local n=$1 e=$2 out="[" x
    for ((x = 0; x < n; x++)); do
        [ "$x" -gt 0 ] && out+=", "
        out+=$((x ** e))
    done
    echo "$out]"
}

# PIDs of processes that run with our PIPAR_DIR or TMPDIR in their
# environment: what a test started, whoever forked it.
our_processes() {
    local pid
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
        [ "$pid" == "$$" ] && continue
        if { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null \
            | grep -qx -e "PIPAR_DIR=$PIPAR_DIR" -e "PIPAR_DIR=$TMPDIR/.*"; then
            local comm
            comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
            case "$comm" in controller | engine) echo "$pid" ;; esac
        fi
    done
}

# cluster_pids [PROFILE]: the PIDs the state file of the profile's cluster
# names (default: default).
cluster_pids() {
    awk '/"controller":/ { gsub(/[^0-9]/, ""); print }
         /"engines":/ { inside = 1; next }
         inside && /\]/ { inside = 0 }
         inside { gsub(/[^0-9]/, ""); if ($0 != "") print }' \
        "$PIPAR_DIR/profile_${1:-default}/pid/cluster.json"
}

# start_controller PROFILE [OPTIONS...]: a controller of our own, stopped
# by cleanup; waits for its connection files.
start_controller() {
    local profile=$1
    shift
    "$BIN/controller" --profile "$profile" --log-level warn "$@" &
    STARTED_PIDS+=("$!")
    local file="$PIPAR_DIR/profile_$profile/security/client.json"
    for _ in $(seq 500); do
        grep -q "\"controller_pid\": $!" "$file" 2>/dev/null && return 0
        sleep 0.01
    done
    fail "controller for $profile did not start"
}

engine_count() {
    "$DRIVER" --no-embed --profile "$1" ids | { grep -o '[0-9]\+' || true; } | wc -l
}

# start_engine PROFILE [OPTIONS...]: an engine of our own; waits until the
# controller lists one more engine.
start_engine() {
    local profile=$1
    shift
    local before
    before=$(engine_count "$profile")
    "$BIN/engine" --file "$PIPAR_DIR/profile_$profile/security/engine.json" \
        --log-level warn "$@" &
    STARTED_PIDS+=("$!")
    for _ in $(seq 500); do
        local now
        now=$(engine_count "$profile")
        [ "$now" -gt "$before" ] && return 0
        sleep 0.01
    done
    fail "engine for $profile did not register"
}

# until_status PROFILE NEEDLE: polls the cluster status of PROFILE until it
# contains NEEDLE.
until_status() {
    for _ in $(seq 500); do
        "$DRIVER" --no-embed --profile "$1" cluster status 2>/dev/null \
            | grep -q "$2" && return 0
        sleep 0.01
    done
    fail "the status never showed [$2]: $("$DRIVER" --no-embed --profile "$1" cluster status 2>&1)"
}

# The engine ids of profile $1, as `driver ids` prints them.
ids_of() { "$DRIVER" --no-embed --profile "$1" ids; }
# Polls until the engine ids of profile $1 are $2.
await_ids() {
    for _ in $(seq 1000); do
        [ "$(ids_of "$1")" == "$2" ] && return 0
        sleep 0.01
    done
    fail "engines of $1: $(ids_of "$1"), not $2"
}

# A test that hangs is killed by ctest at its TIMEOUT (PIPAR_TEST_TIMEOUT,
# set from it in tests/CMakeLists.txt) and says nothing of why.  Twenty
# seconds before, the watchdog prints what each process of the test waits
# in, and with gdb where, so that a hang seen once in CI can be read.
# It prints only: the test goes on, and ctest still decides.
report_hang() {
    echo "watchdog: ${PIPAR_TEST_TIMEOUT} s timeout in 20 s; the test's processes:"
    local pids pid
    # The shell's descendants, and what runs with our PIPAR_DIR (a cluster
    # started detached has left the tree).
    pids=$( { ps -e -o pid=,ppid= | awk -v top=$$ '
        { parent[$1] = $2 }
        END { for (p in parent) for (q = p; q in parent; q = parent[q])
                  if (q == top) { print p; break } }'; our_processes; } | sort -un)
    ps -o pid,ppid,stat,wchan:24,etimes,args -p "$(echo $pids | tr ' ' ,)" 2>/dev/null \
        | grep -v ' ps -o \| awk \|report_hang' || true
    command -v gdb >/dev/null || { echo "watchdog: (no gdb: no stacks)"; return 0; }
    for pid in $pids; do
        case "$(readlink "/proc/$pid/exe" 2>/dev/null)" in
        "$BIN"/*) ;;
        *) continue ;;
        esac
        echo "watchdog: stacks of $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)):"
        # ZeroMQ's own threads (ZMQbg/...) always wait in epoll: left out.
        timeout 8 gdb -p "$pid" -batch -ex "thread apply all bt 12" 2>/dev/null \
            | awk '/^Thread/ { skip = /ZMQbg/ } /^(Thread|#)/ && !skip' \
            | cut -c1-160 || true
    done
}
if [ "${PIPAR_TEST_TIMEOUT:-0}" -gt 40 ]; then
    (
        trap - EXIT
        end=$((SECONDS + PIPAR_TEST_TIMEOUT - 20))
        while [ "$SECONDS" -lt "$end" ]; do
            kill -0 $$ 2>/dev/null || exit 0
            sleep 1 </dev/null >/dev/null 2>&1
        done
        report_hang >&2
    ) &
    WATCHDOG_PID=$!
fi
