#!/usr/bin/env bash
# A result whose values were changed between the controller and the client
# fails its task in the client, with its own text; the next task is fine.
# tampered.c plays the controller; no cluster is started.
. "$(dirname "$0")/lib.sh"

out=$("$BIN/tampered" "$WORK") || fail "tampered: $out"
expect_eq "tampered" \
    "a result changed on the way fails its task; the next one succeeds" "$out"
echo "ok"
