#!/usr/bin/env bash
# Faults: engines and the controller killed, hung or restarted around the
# driver's commands.  Each cell checks that the command answers correctly
# or fails with one clear line in bounded time, and that the controller
# lives on.
. "$(dirname "$0")/lib.sh"

# engine_pid ID: the pid of engine ID, from the controller's status.
engine_pid() {
    "$DRIVER" --timeout 5 cluster status \
        | grep -o "\b$1 ([^)]* pid [0-9]*)" | grep -o '[0-9]*)$' | tr -d ')'
}

# A direct task to an engine killed a moment ago: its connection is gone
# but its heartbeats have not run out.  This crashed the controller once
# (a frame used after it was sent).
"$DRIVER" cluster start -n 2 >/dev/null
victim=$(engine_pid 1)
[ -n "$victim" ] || fail "no pid for engine 1"
kill -9 "$victim"
# The connection's end reaches the controller's I/O thread, not this shell:
# wait until ZeroMQ closed it, seen as the socket leaving the engine.
for _ in $(seq 100); do [ -e "/proc/$victim" ] || break; sleep 0.01; done
set +e
out=$("$DRIVER" --timeout 5 hello 2>"$WORK/err")
status=$?
set -e
[ "$status" -ne 0 ] || fail "hello with a dead engine: exit status 0"
err=$(cat "$WORK/err")
case "$out" in
"['Hello World', None]") ;;
*) fail "hello with a dead engine printed [$out]" ;;
esac
expect_contains "error for the dead engine" "engine 1: " "$err"
[ "$(printf '%s\n' "$err" | wc -l)" == 1 ] || fail "more than one line: [$err]"
expect_eq "ids after" "[0]" "$("$DRIVER" --timeout 5 ids)"
"$DRIVER" cluster stop >/dev/null
