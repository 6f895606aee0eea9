#!/usr/bin/env bash
# A controller that answers the client's pings but never its question
# about the tasks in flight after a restart (a controller of before
# PENDING): the task fails after the client's patience, in one line.
# unanswered.c plays the controller; no cluster is started.
. "$(dirname "$0")/lib.sh"

out=$("$BIN/unanswered" "$WORK") || fail "unanswered: $out"
expect_contains "unanswered" \
    "an unanswered question about its tasks fails them after the patience" "$out"
echo "$out"
echo "ok"
