#!/usr/bin/env bash
# driver cluster shutdown (ipyparallel's rc.shutdown): engines started by
# hand, as on other Pis, stopped through the controller.  One engine in the
# middle of a balanced map: it finishes what it holds, its queued share
# goes to the others, and every result is exact; its supervisor exits 0
# (not restarted).  An unknown id stops nothing.  --controller stops every
# engine and then the controller, which removes its files, without waiting
# past its grace for an engine that hangs (SIGSTOP); that one leaves once
# it goes on.
. "$(dirname "$0")/lib.sh"
P=sd
D=("$DRIVER" --no-embed --profile "$P")
start_controller "$P" --hwm 1
ctl=${STARTED_PIDS[-1]}
start_engine "$P" --task-delay 0.05
start_engine "$P" --task-delay 0.05
start_engine "$P" --task-delay 0.05
sups=("${STARTED_PIDS[@]:1}")
expect_eq "ids" "[0, 1, 2]" "$(ids_of "$P")"

expect_error 1 "driver: cluster shutdown: no engine 7 is registered (engines: 0, 1, 2); nothing was stopped" \
    "${D[@]}" cluster shutdown --engines 1,7
expect_error 2 "driver: --engines: engine 1 is named twice" \
    "${D[@]}" cluster shutdown --engines 1,1
expect_error 2 "driver: --engines: 'x' is not a whole number" \
    "${D[@]}" cluster shutdown --engines x
expect_error 2 "driver: cluster shutdown: unknown or incomplete option '--engins'" \
    "${D[@]}" cluster shutdown --engins 1
expect_eq "ids after the refusals" "[0, 1, 2]" "$(ids_of "$P")"

"${D[@]}" map echo --range 0:60 >"$WORK/map.out" 2>"$WORK/map.err" &
map=$!
until_status "$P" " [1-9][0-9]* queued"
expect_eq "shutdown of engine 1" \
    "1 engine told to stop (each finishes the tasks it holds)" \
    "$("${D[@]}" cluster shutdown --engines 1)"
wait "$map" || fail "the map across the shutdown: $(cat "$WORK/map.err")"
expect_eq "the map across the shutdown" "[$(seq -s ', ' 0 59)]" \
    "$(head -1 "$WORK/map.out")"
await_ids "$P" "[0, 2]"
set +e
wait "${sups[1]}"
status=$?
set -e
expect_eq "engine 1's supervisor's exit status" 0 "$status"

# One engine hung (SIGSTOP) as the rest stop with the controller: the
# controller does not wait for it past its grace (3 s), and the engine,
# once it goes on, reads its STOP and leaves.
worker=$("${D[@]}" cluster status | grep -o '\b2 ([^)]* pid [0-9]*)' \
    | grep -o '[0-9]*)$' | tr -d ')')
[ -n "$worker" ] || fail "no pid for engine 2"
kill -STOP "$worker"
t0=$(date +%s%N)
expect_eq "shutdown of the rest" \
    "2 engines told to stop (each finishes the tasks it holds); the controller stops once they have gone" \
    "$("${D[@]}" cluster shutdown --controller)"
set +e
wait "$ctl"
status=$?
set -e
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "the controller's exit status" 0 "$status"
[ "$ms" -lt 6000 ] || fail "the controller waited $ms ms for a hung engine"
kill -CONT "$worker"
for pid in "${sups[0]}" "${sups[2]}"; do
    set +e
    wait "$pid"
    status=$?
    set -e
    expect_eq "exit status of $pid after the shutdown" 0 "$status"
done
[ ! -e "$PIPAR_DIR/profile_$P/security/client.json" ] \
    || fail "the controller left its connection file"
echo "shutdown: ok"
