#!/usr/bin/env bash
# Forged, tampered, truncated, malformed, replayed and stale messages change
# nothing, and each one is counted.
. "$(dirname "$0")/lib.sh"

"$DRIVER" cluster start -n 2 >/dev/null
sec="$PIPAR_DIR/profile_default/security"
"$BIN/forge" "$sec/client.json" "$sec/engine.json" 2
expect_eq "hello after the attack" "['Hello World', 'Hello World']" \
    "$("$DRIVER" hello)"
status=$("$DRIVER" cluster status)
expect_contains "status counts" "3 bad signature, 4 malformed" "$status"
expect_contains "replay counts" "3 replayed, 2 stale" "$status"
# The controller logged the first drop of each kind once, not every one.
log="$PIPAR_DIR/profile_default/log/controller.log"
expect_eq "bad-signature lines in the log" 1 \
    "$(grep -c 'bad signature' "$log")"
echo "ok"
