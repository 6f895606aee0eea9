#!/usr/bin/env bash
# Faults of the controller around the driver's commands (the controller
# columns of the matrix in docs/faults.md): killed -9 and started again
# with --reuse while the command runs, and stopped (SIGSTOP) for 3 s then
# continued.  Each cell checks that the command answers correctly or fails
# with one clear line in bounded time, and that the controller answers
# afterwards; it prints a CELL line.
. "$(dirname "$0")/lib.sh"
P=fc
. "$(dirname "$0")/faults_lib.sh"
start_controller "$P" --reuse "${HB[@]}" ${FAULTS_CTL_LOG:+--log-level "$FAULTS_CTL_LOG"}
CTL=${STARTED_PIDS[-1]}
start_engine "$P" --log-level error
start_engine "$P" --log-level error
baselines

inject() {
    case $1 in
    ctl-restart)
        kill -9 "$CTL"
        wait "$CTL" 2>/dev/null || true
        start_controller "$P" --reuse "${HB[@]}"
        CTL=${STARTED_PIDS[-1]} ;;
    ctl-stop)
        kill -STOP "$CTL"
        sleep 3 # the fault itself: a controller that does not run for 3 s
        kill -CONT "$CTL" ;;
    esac
}
# Both engines registered with the controller (again, after a restart).
settle() { wait_for 8 "both engines registered" engines_are 2; }

cell() {
    local cmd=$1 fault=$2
    new_cell "$cmd" "$fault"
    local before
    before=$("${D[@]}" ids)
    cmd_loop &
    local loop=$!
    wait_under_way
    inject "$fault"
    settle
    touch "$CW/stop"
    wait "$loop"
    verdict "$cmd"
    # A stopped controller keeps its engines, their ids and their tasks:
    # the work in flight finishes (regression: it declared every engine
    # dead, or took the engines that gave up on it for new ones).
    if [ "$fault" == ctl-stop ]; then
        expect_eq "cell $CELL: the same engines" "$before" "$("${D[@]}" ids)"
        [ "$LONG" == 0 ] \
            || expect_contains "cell $CELL outcome" "CELL $CELL ok" "$(tail -1 "$RESULTS")"
    fi
}

watch_cell() {
    local fault=$1
    new_cell status "$fault"
    CELL="watch/$fault"
    if [ "$fault" == ctl-restart ]; then
        # The watcher follows the controller to its new run and sees both
        # engines register there.
        start_watch 2
        inject "$fault"
        settle
        finish_watch
        watch_verdict "$WST" "$WT" "engine 0 registered" "engine 1 registered"
    else
        # A stall is not the engines' fault: nothing happens to them.
        local before
        before=$("${D[@]}" ids)
        start_watch 0 4.5
        inject "$fault"
        settle
        finish_watch
        ! grep -q gone "$CW/out.1" \
            || fail "cell $CELL: engines declared gone: $(cat "$CW/out.1")"
        expect_eq "cell $CELL: the same engines" "$before" "$("${D[@]}" ids)"
        watch_verdict "$WST" "$WT"
    fi
}

run_matrix ctl-restart ctl-stop
