# faults_lib.sh - the fault matrix's cells, shared by faults.sh (engine
# faults) and faults_controller.sh (controller faults).  Sourced after
# lib.sh with P (the profile) set; see docs/faults.md.
#
# A cell runs one driver command against one fault and asserts that the
# command gives the correct answer, or fails with one clear line (one per
# failed engine for hello and apply), within LIMIT seconds; that the
# controller answers afterwards; and it prints
#   CELL command/fault outcome time
# where time is the command's wall time (the longest run, for commands run
# over and over while the fault happens).

BIN=$(cd "$BIN" && pwd)
DRIVER="$BIN/driver"
cd "$WORK"
LIMIT=${FAULTS_LIMIT:-25}
HB=(--heartbeat-period 0.2 --heartbeat-misses 5)
D=("$DRIVER" --no-embed --profile "$P")
SEC="$PIPAR_DIR/profile_$P/security"
RESULTS="$WORK/cells"
: >"$RESULTS"
CELLNO=0
PB_N=${FAULTS_PB_N:-6000}   # balanced powers: one task an item
PI_N=${FAULTS_PI_N:-2000000}
PP_N=300000                 # pi-pairs digits (cached in $WORK/data)
PP_C=100                    # digits a pi-pairs task
P64=$(powers_expected 64 10)
PBX=$(powers_expected "$PB_N" 2)

now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

# engine_pid ID: the pid of engine ID, from the controller's status.
engine_pid() {
    "${D[@]}" --timeout 5 cluster status \
        | grep -o "\b$1 ([^)]* pid [0-9]*)" | grep -o '[0-9]*)$' | tr -d ')'
}

ids_now() { "${D[@]}" --timeout 5 ids | tr -d '[],'; }

outstanding() {
    "${D[@]}" --timeout 5 cluster status 2>/dev/null \
        | grep -o '[0-9]* outstanding' | grep -o '[0-9]*' || echo 0
}

# wait_for SECONDS WHAT CMD...: polls CMD until it succeeds.
wait_for() {
    local tenths=$(($1 * 100)) what=$2 i
    shift 2
    for ((i = 0; i < tenths; i++)); do
        "$@" && return 0
        sleep 0.01
    done
    fail "cell $CELL: $what not within ${tenths}0 ms"
}

engines_are() { [ "$(engine_count "$P")" == "$1" ]; }
id_gone() { ! ids_now | grep -qw "$1"; }
pid_gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status"; }

# The baselines every cell compares with, computed without faults.
baselines() {
    "${D[@]}" pi --digits "$PI_N" --data-dir "$WORK/pi-base" >/dev/null 2>&1 \
        || fail "baseline pi"
    PI_SHA=$(cut -c1-64 "$WORK/pi-base/pi-$PI_N.txt.sha256" 2>/dev/null \
        || sha256sum <"$WORK/pi-base/pi-$PI_N.txt" | cut -c1-64)
    "${D[@]}" pi --digits "$PP_N" >/dev/null 2>&1 || fail "baseline digits"
    "${D[@]}" pi-pairs --digits "$PP_N" --chunk-digits 10000 \
        --results-dir "$WORK/pp-base" >/dev/null 2>&1 \
        || fail "baseline pi-pairs"
    PP_CSV=$(sort "$WORK/pp-base/pi-pairs-$PP_N.csv")
    expect_eq "baseline pairs" 101 "$(wc -l <"$WORK/pp-base/pi-pairs-$PP_N.csv")"
}

# set_cmd NAME: the driver arguments of the command (ARGV), whether it
# runs long enough to be faulted in the middle (LONG=1) or is run over and
# over while the fault happens (LONG=0).
set_cmd() {
    case $1 in
    ids) ARGV=(ids) LONG=0 ;;
    hello) ARGV=(hello) LONG=0 ;;
    apply) ARGV=(apply sleep 1.5) LONG=1 ;;
    gather) ARGV=(gather y) LONG=0 ;;
    powers-direct) ARGV=(powers --view direct) LONG=0 ;;
    powers-balanced)
        ARGV=(powers --view balanced --n "$PB_N" --exponent 2 --retries 3)
        LONG=1 ;;
    pi) ARGV=(pi --digits "$PI_N" --data-dir "$CW/pi") LONG=1 ;;
    pi-pairs-ship | pi-pairs-local)
        ARGV=(pi-pairs --digits "$PP_N" --chunk-digits "$PP_C"
              --data "${1#pi-pairs-}" --retries 3 --results-dir "$CW/r")
        LONG=1 ;;
    status) ARGV=(cluster status) LONG=0 ;;
    *) fail "no command $1" ;;
    esac
}

# The right answer of command $1, from the output file $2.
answer_ok() {
    local out
    out=$(cat "$2")
    case $1 in
    ids) [[ "$out" =~ ^\[([0-9]+(,\ [0-9]+)*)?\]$ ]] ;;
    hello) [[ "$out" =~ ^\[\'Hello\ World\'(,\ \'Hello\ World\')*\]$ ]] ;;
    apply) [[ "$out" =~ ^\[None(,\ None)*\]$ ]] ;;
    gather | powers-direct) [ "$out" == "$P64" ] ;;
    powers-balanced) [ "$out" == "$PBX" ] ;;
    pi) [[ "$out" == 31415926535897932384626433832795* ]] \
        && [ "$(sha256sum <"$CW/pi/pi-$PI_N.txt" | cut -c1-64)" == "$PI_SHA" ] ;;
    pi-pairs-*) [ "$(sort "$CW/r/pi-pairs-$PP_N.csv")" == "$PP_CSV" ] ;;
    status) [[ "$out" == *"controller pid"*"tasks: "* ]] ;;
    esac
}

# judge CMD STATUS OUT ERR: "ok" (the right answer), "error" (one clear
# line, or one a failed engine for hello and apply, whose answers from the
# other engines are still right), or "BAD: why".
judge() {
    local cmd=$1 st=$2 out=$3 errf=$4 lines n
    # What commands say on stderr as they go is not an error.
    lines=$(grep -v -e '^progress: ' -e '^pi: ' -e '^pi-pairs: ' \
        -e '^driver: no digits cached' -e '^Parallel execution on engines' \
        "$errf" || true)
    n=$(printf '%s' "$lines" | grep -c '' || true)
    if [ "$st" == 124 ]; then
        echo "BAD: still running after $LIMIT s"
    elif [ "$st" == 0 ]; then
        if ! answer_ok "$cmd" "$out"; then
            echo "BAD: wrong answer [$(head -c 300 "$out")]"
        elif [ "$n" != 0 ]; then
            echo "BAD: right answer but stderr [$lines]"
        else
            echo ok
        fi
    elif [ "$n" == 0 ]; then
        echo "BAD: exit status $st without a word"
    elif [[ "$cmd" == hello || "$cmd" == apply ]] && [ -s "$out" ]; then
        # The engines that answered, then a line an engine that failed (or
        # the client's own word for a task lost with a restarted
        # controller while the others reached the new one: PENDING).
        local nones
        nones=$(grep -o None "$out" | grep -c '' || true)
        if ! answer_ok "$cmd" "$out" \
            && ! [[ "$(cat "$out")" =~ ^\[(None|\'Hello\ World\')(,\ (None|\'Hello\ World\'))*\]$ ]]; then
            echo "BAD: partial answer [$(cat "$out")]"
        elif printf '%s\n' "$lines" | grep -v '^driver: engine [0-9]*: .' \
                | grep -qv '^driver: the controller at .* restarted while the task was in flight: submit it again$'; then
            echo "BAD: not a line an engine [$lines]"
        elif [ "$cmd" == hello ] && [ "$n" != "$nones" ]; then
            echo "BAD: $nones engines without an answer, $n lines [$lines]"
        else
            echo error
        fi
    elif [ "$n" != 1 ]; then
        echo "BAD: $n lines [$lines]"
    elif ! [[ "$lines" == "driver: "?* ]]; then
        echo "BAD: not the driver's line [$lines]"
    else
        echo error
    fi
}

# Runs the command in the background: once when LONG, else over and over
# until $CW/stop exists.  Each run's exit status and time go to $CW/log.
cmd_loop() {
    local i=0 t0 st
    while :; do
        i=$((i + 1))
        t0=$(now_ns)
        set +e
        timeout "$LIMIT" "${D[@]}" "${ARGV[@]}" >"$CW/out.$i" 2>"$CW/err.$i"
        st=$?
        set -e
        echo "$i $st $(secs "$t0" "$(now_ns)")" >>"$CW/log"
        [ "$LONG" == 1 ] && break
        [ -e "$CW/stop" ] && break
    done
}

SLOWEST_ERROR=0
# verdict CMD: judges every run of the cell; fails on a BAD one; prints
# the CELL line.
verdict() {
    local cmd=$1 oks=0 errors=0 worst=0 worst_err=0 i st t v last_err=""
    [ -s "$CW/log" ] || fail "cell $CELL: the command never ran"
    while read -r i st t; do
        v=$(judge "$cmd" "$st" "$CW/out.$i" "$CW/err.$i")
        case $v in
        ok) oks=$((oks + 1)) ;;
        error)
            errors=$((errors + 1))
            last_err=$(grep '^driver: ' "$CW/err.$i" | grep -v 'no digits cached' | tail -1)
            worst_err=$(awk -v a="$worst_err" -v b="$t" 'BEGIN { print (b > a) ? b : a }')
            ;;
        *) fail "cell $CELL, run $i (exit $st, $t s): $v" ;;
        esac
        worst=$(awk -v a="$worst" -v b="$t" 'BEGIN { print (b > a) ? b : a }')
    done <"$CW/log"
    local outcome
    if [ "$errors" == 0 ]; then
        outcome=ok
    elif [ "$oks" == 0 ]; then
        outcome=error
    else
        outcome="ok+error"
    fi
    [ "$LONG" == 1 ] || outcome="$outcome ($oks ok, $errors error runs)"
    SLOWEST_ERROR=$(awk -v a="$SLOWEST_ERROR" -v b="$worst_err" 'BEGIN { print (b > a) ? b : a }')
    # The controller lives on.
    "${D[@]}" --timeout 5 ids >/dev/null || fail "cell $CELL: no ids afterwards"
    local line="CELL $CELL $outcome ${worst}s"
    [ -n "$last_err" ] && line+="  [$last_err]"
    echo "$line" | tee -a "$RESULTS"
}

# new_cell CMD FAULT: a fresh folder; the command's arguments.
new_cell() {
    CELLNO=$((CELLNO + 1))
    CELL="$1/$2"
    CW="$WORK/cell$CELLNO"
    mkdir -p "$CW"
    set_cmd "$1"
    # gather reads what powers --view direct left on every engine.
    if [ "$1" == gather ]; then
        expect_eq "powers before gather" "$P64" \
            "$("${D[@]}" powers --view direct 2>/dev/null)"
    fi
}

# The command is under way: a long one has tasks in the controller, a
# short one has run once.
wait_under_way() {
    local i
    for ((i = 0; i < 1000; i++)); do
        if [ "$LONG" == 1 ]; then
            [ "$(outstanding)" -gt 0 ] && return 0
            [ -s "$CW/log" ] && fail "cell $CELL: the command ended before the fault"
        else
            [ -s "$CW/log" ] && return 0
        fi
        sleep 0.01
    done
    fail "cell $CELL: the command did not get under way"
}

# skip_cell CMD FAULT WHY: a cell that finds a known bug not fixed yet.
skip_cell() {
    echo "CELL $1/$2 KNOWN: $3" | tee -a "$RESULTS"
}

# The events cluster watch printed: the right ones, in time.
watch_verdict() {
    local st=$1 t=$2 want
    shift 2
    for want in "$@"; do
        grep -q "$want" "$CW/out.1" \
            || fail "cell $CELL: watch did not print [$want]: [$(cat "$CW/out.1")] [$(cat "$CW/err.1")] (exit $st)"
    done
    [ "$st" == 0 ] || fail "cell $CELL: watch exit $st: $(cat "$CW/err.1")"
    [ ! -s "$CW/err.1" ] || fail "cell $CELL: watch said [$(cat "$CW/err.1")]"
    "${D[@]}" --timeout 5 ids >/dev/null || fail "cell $CELL: no ids afterwards"
    echo "CELL $CELL ok ${t}s" | tee -a "$RESULTS"
}

# start_watch COUNT [SECONDS]: cluster watch in the background (COUNT 0:
# for SECONDS, however many events), connected to the controller's events
# before this returns.
start_watch() {
    local t0 count=(--count "$1")
    [ "$1" != 0 ] || count=()
    t0=$(now_ns)
    (
        set +e
        timeout "$LIMIT" "${D[@]}" cluster watch "${count[@]}" --for "${2:-10}" \
            >"$CW/out.1" 2>"$CW/err.1"
        echo "1 $? $(secs "$t0" "$(now_ns)")" >"$CW/log"
    ) &
    WATCHER=$!
    local port
    port=$(grep -o '"events_port": [0-9]*' "$SEC/client.json" | grep -o '[0-9]*$')
    wait_for 5 "watch connected" watch_connected "$port"
}

# A connection to the events port from a process of ours (the watcher's
# driver); SUB subscriptions follow the connection at once.
watch_connected() {
    ss -tnH state established "( dport = :$1 )" 2>/dev/null | grep -q .
}

finish_watch() {
    wait "$WATCHER" || true
    read -r _ WST WT <"$CW/log"
}

# summary: the table, the slowest error, and nothing of ours left.
summary() {
    echo "slowest error: ${SLOWEST_ERROR}s"
}

# The commands of the matrix (watch has cells of its own).
COMMANDS=(ids hello apply gather powers-direct powers-balanced pi
          pi-pairs-ship pi-pairs-local status)

# run_matrix FAULT...: every command (and watch) against each fault, as
# FAULTS_ONLY (a glob of CMD/FAULT) allows, then the summary, then checks
# that nothing of ours is left once the cluster is stopped.
run_matrix() {
    local only=${FAULTS_ONLY:-} fault cmd i
    for fault in "$@"; do
        for cmd in "${COMMANDS[@]}" watch; do
            [ -z "$only" ] || [[ "$cmd/$fault" == $only ]] || continue
            if [ "$cmd" == watch ]; then
                watch_cell "$fault"
            else
                cell "$cmd" "$fault"
            fi
        done
    done
    summary
    for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
        kill "${STARTED_PIDS[i]}" 2>/dev/null || true
        wait "${STARTED_PIDS[i]}" 2>/dev/null || true
    done
    STARTED_PIDS=()
    local left
    left=$(our_processes)
    [ -z "$left" ] || fail "left running: $left"
    echo ok
}
