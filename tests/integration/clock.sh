#!/usr/bin/env bash
# Time that does not jump: the wall clocks of the controller and of an
# engine step by an hour (NTP on a Pi without a real-time clock) in the
# middle of a run.  No engine is declared dead, no task fails, nothing runs
# twice; afterwards the clock window still refuses a newcomer whose clock
# disagrees and lets in one whose clock agrees.  libfaketime steps each
# process's wall clock through a file; CLOCK_MONOTONIC is left alone.
. "$(dirname "$0")/lib.sh"

lib=$(dpkg -L libfaketime 2>/dev/null | grep '/libfaketimeMT\.so' | head -1 || true)
if [ -z "$lib" ] || [ ! -e "$lib" ]; then
    echo "SKIP: libfaketime is not installed (Debian package faketime)"
    exit 77
fi

P=clock
HB=(--heartbeat-period 0.2 --heartbeat-misses 3)
D=("$DRIVER" --no-embed --profile "$P")
echo "+0" >"$WORK/ctl.clock"
echo "+0" >"$WORK/eng.clock"

# stepped FILE CMD...: CMD with its wall clock offset by what FILE says
# (env execs CMD, so a background one's $! is CMD's own pid).
stepped() {
    local file=$1
    shift
    env LD_PRELOAD="$lib" FAKETIME_TIMESTAMP_FILE="$file" FAKETIME_NO_CACHE=1 \
        FAKETIME_DONT_FAKE_MONOTONIC=1 ASAN_OPTIONS="$asan_options" "$@"
}
stepped_env() {
    echo LD_PRELOAD="$lib" FAKETIME_TIMESTAMP_FILE="$1" FAKETIME_NO_CACHE=1 \
        FAKETIME_DONT_FAKE_MONOTONIC=1 ASAN_OPTIONS="$asan_options"
}
# Under AddressSanitizer the preloaded library comes before ASan's runtime,
# which ASan refuses unless told that this order is meant.
asan_options="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# shellcheck disable=SC2046 # the words of stepped_env are meant to split
env $(stepped_env "$WORK/ctl.clock") "$BIN/controller" --profile "$P" \
    --log-level warn "${HB[@]}" 2>"$WORK/ctl.log" &
ctl=$!
STARTED_PIDS+=("$ctl")
file="$PIPAR_DIR/profile_$P/security/engine.json"
for _ in $(seq 500); do
    grep -q "\"controller_pid\": $ctl" "$file" 2>/dev/null && break
    kill -0 "$ctl" 2>/dev/null || fail "the controller died: $(cat "$WORK/ctl.log")"
    sleep 0.01
done
grep -q "\"controller_pid\": $ctl" "$file" || fail "the controller did not start"
# One engine whose clock steps, one whose clock does not.
# shellcheck disable=SC2046
env $(stepped_env "$WORK/eng.clock") "$BIN/engine" --file "$file" \
    --log-level warn --task-delay 0.01 &
STARTED_PIDS+=("$!")
for _ in $(seq 500); do [ "$("${D[@]}" ids)" == "[0]" ] && break; sleep 0.01; done
start_engine "$P" --task-delay 0.01
expect_eq "ids before" "[0, 1]" "$("${D[@]}" ids)"

# A balanced map of 300 tasks of about 10 ms (1.5 s on two engines) and a
# direct apply of 2 s on both, both in flight across the steps.
"${D[@]}" powers --view balanced --n 300 --exponent 2 >"$WORK/powers.out" \
    2>"$WORK/powers.err" &
powers=$!
"${D[@]}" apply sleep 2 >"$WORK/sleep.out" 2>"$WORK/sleep.err" &
sleeper=$!
for _ in $(seq 500); do
    "${D[@]}" cluster status | grep -q "[1-9][0-9]* done" && break
    sleep 0.01
done
echo "+1h" >"$WORK/ctl.clock"
sleep 0.5 # the run goes on with the controller an hour ahead
echo "-1h" >"$WORK/eng.clock"
sleep 0.5 # and with engine 0 an hour behind
echo "-1h" >"$WORK/ctl.clock" # the controller steps back two hours
wait "$powers" || fail "powers across the steps: $(cat "$WORK/powers.err")"
wait "$sleeper" || fail "apply sleep across the steps: $(cat "$WORK/sleep.err")"
expect_eq "powers across the steps" "$(powers_expected 300 2)" \
    "$(cat "$WORK/powers.out")"
expect_eq "apply sleep across the steps" "[None, None]" "$(cat "$WORK/sleep.out")"

# A driver whose clock agrees with the controller's gets in; the engines,
# whose sessions the controller knows, are all still there.
status=$(stepped "$WORK/ctl.clock" "${D[@]}" cluster status)
expect_contains "no task failed or ran twice" \
    "302 done, 0 failed, 0 retried" "$status"
expect_eq "no engine declared dead" "[0, 1]" \
    "$(stepped "$WORK/ctl.clock" "${D[@]}" ids)"
# A newcomer an hour off the controller's clock is refused as stale.
set +e
err=$("${D[@]}" --timeout 1 ids 2>&1 >/dev/null)
status=$?
set -e
[ "$status" != 0 ] || fail "a driver an hour off the controller got in"
expect_contains "refused newcomer" "no controller answered" "$err"
stale=$(stepped "$WORK/ctl.clock" "${D[@]}" cluster status \
    | grep -o '[0-9]* stale' | cut -d' ' -f1)
[ "${stale:-0}" -ge 1 ] || fail "the newcomer's messages were not counted stale"
echo "+0" >"$WORK/ctl.clock"
echo "+0" >"$WORK/eng.clock"
expect_eq "powers after the clocks agree again" "$(powers_expected 64 10)" \
    "$("${D[@]}" powers 2>/dev/null)"
echo ok
