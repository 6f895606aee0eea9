#!/usr/bin/env bash
# Engines join and leave at any time; ids are never reused; the files of a
# --reuse controller survive it and keep their ports and key.
. "$(dirname "$0")/lib.sh"

"$DRIVER" cluster start -n 2 >/dev/null
sec="$PIPAR_DIR/profile_default/security"
# Someone watching the cluster sees the third engine come and go.
"$DRIVER" cluster watch --count 2 --for 20 >"$WORK/events" 2>&1 &
watcher=$!
STARTED_PIDS+=("$watcher")
sleep 0.3 # a SUB socket hears only what is sent after it joined
"$BIN/engine" --file "$sec/engine.json" --log-level warn &
extra=$!
STARTED_PIDS+=("$extra")
for _ in $(seq 200); do
    [ "$("$DRIVER" ids)" == "[0, 1, 2]" ] && break
    sleep 0.02
done
expect_eq "ids with a third engine" "[0, 1, 2]" "$("$DRIVER" ids)"
expect_eq "powers on three" "$(powers_expected 64 10)" \
    "$("$DRIVER" powers 2>/dev/null)"

kill -TERM "$extra"
wait "$extra"
expect_eq "ids after it left" "[0, 1]" "$("$DRIVER" ids)"
wait "$watcher" || fail "cluster watch: $(cat "$WORK/events")"
expect_eq "events watched" "engine 2 registered ($(hostname))
engine 2 gone: unregistered" "$(cat "$WORK/events")"
"$BIN/engine" --file "$sec/engine.json" --log-level warn &
STARTED_PIDS+=("$!")
for _ in $(seq 200); do
    [ "$("$DRIVER" ids)" == "[0, 1, 3]" ] && break
    sleep 0.02
done
expect_eq "a new engine gets a new id" "[0, 1, 3]" "$("$DRIVER" ids)"
expect_eq "hello on the new set" \
    "['Hello World', 'Hello World', 'Hello World']" "$("$DRIVER" hello)"
kill -TERM "$!"
wait "$!"
"$DRIVER" cluster stop >/dev/null

# --reuse: a restarted controller keeps its ports and key.
"$BIN/controller" --profile reuse --reuse --log-level warn &
ctl=$!
STARTED_PIDS+=("$ctl")
file="$PIPAR_DIR/profile_reuse/security/engine.json"
for _ in $(seq 200); do [ -s "$file" ] && break; sleep 0.01; done
[ "$(stat -c %a "$file")" == 600 ] || fail "engine.json is not mode 600"
[ "$(stat -c %a "${file%engine.json}client.json")" == 600 ] \
    || fail "client.json is not mode 600"
before=$(grep -v controller_pid "$file")
kill -TERM "$ctl"
wait "$ctl"
[ -e "$file" ] || fail "--reuse: the file went away with the controller"
"$BIN/controller" --profile reuse --reuse --log-level warn &
ctl=$!
STARTED_PIDS+=("$ctl")
for _ in $(seq 200); do grep -q "\"controller_pid\": $ctl" "$file" && break; sleep 0.01; done
expect_eq "same ports and key after a restart" "$before" \
    "$(grep -v controller_pid "$file")"
kill -TERM "$ctl"
wait "$ctl"

# Without --reuse, a clean exit removes the files.
"$BIN/controller" --profile plain --log-level warn &
ctl=$!
STARTED_PIDS+=("$ctl")
file="$PIPAR_DIR/profile_plain/security/engine.json"
for _ in $(seq 200); do [ -s "$file" ] && break; sleep 0.01; done
[ -e "$file" ] || fail "no engine.json written"
kill -TERM "$ctl"
wait "$ctl"
[ ! -e "$file" ] || fail "engine.json left behind by a clean exit"
echo "ok"
