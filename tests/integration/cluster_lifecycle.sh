#!/usr/bin/env bash
# driver cluster start -n 4: the article's ids, hello and powers, then a
# stop that leaves no process behind.
. "$(dirname "$0")/lib.sh"

out=$("$DRIVER" cluster start -n 4)
expect_contains "start" "4 engines registered" "$out"
pids=$(cluster_pids)
expect_eq "processes started" 5 "$(echo "$pids" | wc -l)"

expect_eq "ids" "[0, 1, 2, 3]" "$("$DRIVER" ids)"
expect_eq "hello" \
    "['Hello World', 'Hello World', 'Hello World', 'Hello World']" \
    "$("$DRIVER" hello)"
expect_eq "powers" "$(powers_expected 64 10)" "$("$DRIVER" powers 2>/dev/null)"
err=$("$DRIVER" powers 2>&1 >/dev/null)
expect_eq "powers stderr" "Parallel execution on engines: [0, 1, 2, 3]" "$err"
expect_eq "powers --n 10 --exponent 3" "$(powers_expected 10 3)" \
    "$("$DRIVER" powers --n 10 --exponent 3 2>/dev/null)"
# Fewer items than engines: some engines get empty blocks.
expect_eq "powers --n 3" "[0, 1, 1024]" "$("$DRIVER" powers --n 3 2>/dev/null)"
# The gathered y stays in the engines' namespaces, as in ipyparallel.
expect_eq "gather y" "[0, 1, 1024]" "$("$DRIVER" gather y)"
expect_eq "powers --n 0" "[]" "$("$DRIVER" powers --n 0 2>/dev/null)"

status=$("$DRIVER" cluster status)
expect_contains "status" "4 engines: 0 (" "$status"
expect_contains "status" "0 bad signature, 0 malformed" "$status"
expect_error 1 "already running" "$DRIVER" cluster start -n 2

out=$("$DRIVER" cluster stop)
expect_contains "stop" "5 processes ended" "$out"
for pid in $pids; do
    if [ -e "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status"; then
        fail "process $pid still runs after cluster stop"
    fi
done
[ ! -e "$PIPAR_DIR/profile_default/pid/cluster.json" ] \
    || fail "state file left behind"
[ ! -e "$PIPAR_DIR/profile_default/security/client.json" ] \
    || fail "connection file left behind after a clean stop"
expect_error 1 "no cluster was started" "$DRIVER" cluster stop

# A hung engine (its worker) and a hung controller (SIGSTOP: a Pi that
# swaps, a process someone stopped): stop ends them at once (SIGCONT after
# the SIGTERM), not after the grace and SIGKILL, and the controller still
# removes its files.
"$DRIVER" --profile hung cluster start -n 2 >/dev/null
pids=$(cluster_pids hung)
status=$("$DRIVER" --profile hung cluster status)
worker=$(echo "$status" | grep -o '\b0 ([^)]* pid [0-9]*)' | grep -o '[0-9]*)$' | tr -d ')')
ctl=$(echo "$status" | sed -n 's/^controller pid \([0-9]*\),.*/\1/p')
[ -n "$worker" ] && [ -n "$ctl" ] || fail "no pids in [$status]"
kill -STOP "$worker" "$ctl"
t0=$(date +%s%N)
out=$("$DRIVER" --profile hung cluster stop)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_contains "stop of a hung cluster" "3 processes ended" "$out"
[ "$ms" -lt 4000 ] || fail "stopping a hung cluster took $ms ms"
for pid in $pids $worker; do
    if [ -e "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status"; then
        fail "process $pid still runs after cluster stop of a hung cluster"
    fi
done
[ ! -e "$PIPAR_DIR/profile_hung/security/client.json" ] \
    || fail "the hung controller's connection file was left behind"
echo "a hung engine and controller stopped in $ms ms"

# Programs rebuilt (or reinstalled) while their cluster runs: the kernel
# shows them as "PATH (deleted)", and stop still ends every one of them.
mkdir "$WORK/bin"
cp "$BIN/driver" "$BIN/controller" "$BIN/engine" "$WORK/bin/"
"$WORK/bin/driver" --profile rebuilt cluster start -n 2 >/dev/null
pids=$(awk '/"controller":/ { gsub(/[^0-9]/, ""); print }
            /"engines":/ { inside = 1; next }
            inside && /\]/ { inside = 0 }
            inside { gsub(/[^0-9]/, ""); if ($0 != "") print }' \
    "$PIPAR_DIR/profile_rebuilt/pid/cluster.json")
# Ended by lib.sh's cleanup too, should stop leave any (by these PIDs).
# shellcheck disable=SC2206
STARTED_PIDS+=($pids)
for p in controller engine; do
    rm "$WORK/bin/$p"
    cp "$BIN/$p" "$WORK/bin/$p"
done
expect_contains "stop after a rebuild" "3 processes ended" \
    "$("$WORK/bin/driver" --profile rebuilt cluster stop)"
for pid in $pids; do
    if [ -e "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status"; then
        fail "process $pid still runs after cluster stop (rebuilt programs)"
    fi
done

# A PID in the state file that now names another cluster's engine (the
# PID reused after its own engine ended, as PIDs wrap at 32768 on many
# systems): stop leaves that engine alone.  Cluster B, in another
# PIPAR_DIR, runs the same engine program; cluster A's state file is
# made to name B's engine in place of A's first one, which is ended.
other="$WORK/other-pipar"
mkdir -p "$other"
PIPAR_DIR="$other" "$DRIVER" cluster start -n 1 >/dev/null
b_engine=$(awk '/"engines":/ { inside = 1; next } inside && /\]/ { inside = 0 }
                inside { gsub(/[^0-9]/, ""); if ($0 != "") print }' \
    "$other/profile_default/pid/cluster.json")
"$DRIVER" cluster start -n 2 >/dev/null
state="$PIPAR_DIR/profile_default/pid/cluster.json"
a_engine=$(awk '/"engines":/ { inside = 1; next } inside && /\]/ { inside = 0 }
                inside { gsub(/[^0-9]/, ""); if ($0 != "") { print; exit } }' "$state")
kill -9 "$a_engine"
for _ in $(seq 100); do [ -e "/proc/$a_engine" ] || break; sleep 0.01; done
sed -i "s/\b$a_engine\b/$b_engine/" "$state"
grep -q "\b$b_engine\b" "$state" || fail "the state file does not name B's engine"
"$DRIVER" cluster stop >/dev/null
[ -e "/proc/$b_engine" ] && ! grep -q '^State:.*Z' "/proc/$b_engine/status" \
    || fail "cluster stop of A ended B's engine (pid $b_engine)"
expect_eq "B's engine after A's stop" "[0]" "$(PIPAR_DIR="$other" "$DRIVER" ids)"
PIPAR_DIR="$other" "$DRIVER" cluster stop >/dev/null
echo "ok"
