#!/usr/bin/env bash
# Profiles and configuration files (issue 14): `driver profile create`
# writes three commented files and never overwrites them; `profile list`
# shows each profile's controller and files; a controller takes hwm and
# its heartbeat from controller.conf; engine.conf's startup steps load a
# module (then map gives exact results) and open a digits file (then
# pi-pairs --data local finds it); a bad file is refused with the file,
# line and key; an engine whose startup module does not compile exits
# naming the line while the controller goes on serving the others.
. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
export XDG_CACHE_HOME="$WORK/cache"
cp "$HERE/modules/sq.c" "$HERE/modules/bad.c" "$WORK/"
cd "$WORK"

expect_eq "no profiles" \
    "no profiles in $PIPAR_DIR (driver profile create NAME makes one)" \
    "$("$DRIVER" profile list)"
P=$PIPAR_DIR/profile_pis
expect_eq "create" \
    "profile 'pis': wrote $P/controller.conf, engine.conf and driver.conf, every key commented out" \
    "$("$DRIVER" profile create pis)"
for f in controller engine driver; do
    live=$(grep -v -e '^#' -e '^$' "$P/$f.conf" || true)
    expect_eq "$f.conf changes nothing" "" "$live"
done
grep -qx '# hwm = 1' "$P/controller.conf" || fail "no '# hwm = 1'"
grep -qx '# Default: 1.  Option: --hwm.' "$P/controller.conf" \
    || fail "hwm's default and option are not documented"
grep -qx '# Default: data.  Option: --data-dir.  Environment: PIPAR_DATA_DIR.' \
    "$P/engine.conf" || fail "data_dir's variable is not documented"
cp "$P/engine.conf" engine.conf.orig
expect_error 1 "driver: profile create: $P/controller.conf exists; not overwriting the configuration of profile 'pis'" \
    "$DRIVER" profile create pis
cmp -s "$P/engine.conf" engine.conf.orig || fail "engine.conf was rewritten"
expect_error 2 "profile '.x': a name needs" "$DRIVER" profile create .x
expect_error 2 "usage: driver profile create NAME | driver profile list" \
    "$DRIVER" profile remove pis
expect_eq "list" "pis: no controller; controller.conf, engine.conf, driver.conf" \
    "$("$DRIVER" profile list)"

# The settings.  Engines are started from elsewhere: only data_file tells
# them where their digits are.
"$DRIVER" pi --digits 20000 --local >/dev/null 2>&1
mkdir engdata elsewhere
cp data/pi-20000.txt data/pi-20000.txt.sha256 engdata/
sed -i -e 's/^# hwm = 1$/hwm = 3/' \
    -e 's/^# heartbeat_period = 1$/heartbeat_period = 0.1  # fast/' \
    -e 's/^# heartbeat_misses = 5$/heartbeat_misses = 3/' "$P/controller.conf"
sed -i -e "s|^# load = .*|load = $WORK/sq.c|" \
    -e "s|^# data_file = .*|data_file = \"$WORK/engdata/pi-20000.txt\"|" \
    -e 's/^# allow_root_modules = false$/allow_root_modules = true/' \
    "$P/engine.conf"
printf 'no_embed = true\n' >>"$P/driver.conf"
start_controller pis
D=("$DRIVER" --profile pis)
expect_contains "hwm from controller.conf" "scheme leastload, hwm 3;" \
    "$("${D[@]}" cluster status)"
cpid=$(sed -n 's/.*"controller_pid": \([0-9]*\).*/\1/p' "$P/security/client.json")
expect_eq "list a running one" \
    "pis: controller running (pid $cpid); controller.conf, engine.conf, driver.conf" \
    "$("$DRIVER" profile list)"
cd elsewhere
start_engine pis
start_engine pis
cd ..

# load = sq.c: square is there at once, with exact results.
expected="[" sep=""
for ((x = 0; x < 20; x++)); do expected+="$sep$((x * x))"; sep=", "; done
expected+="]"
expect_eq "map square" "$expected" \
    "$("${D[@]}" map square --range 0:20 --chunksize 3 2>/dev/null)"

# data_file: --data local finds the engines' copy (not ./data: they run
# elsewhere), with the counts awk makes.
awk '{ for (i = 1; i < length($0); i++) c[substr($0, i, 2)]++ }
     END { for (k in c) print k "," c[k] }' data/pi-20000.txt | sort >want.csv
"${D[@]}" pi-pairs --digits 20000 --data local >out.txt 2>err.txt \
    || fail "pi-pairs --data local: $(cat err.txt)"
tail -n +2 results/pi-pairs-20000.csv | sort >got.csv
cmp -s want.csv got.csv || fail "pi-pairs --data local: counts differ from awk's"

# heartbeat_period 0.1 and 3 misses: a stopped engine is gone in about
# 0.3 s, long before the default 5 s (or 3 s with only one of them).
# The engine's worker (the pid the controller lists) beats, not its
# supervisor.
stopped=$("${D[@]}" cluster status | grep -o '\b1 ([^)]* pid [0-9]*)' \
    | grep -o '[0-9]*)$' | tr -d ')')
[ -n "$stopped" ] || fail "no pid for engine 1"
kill -STOP "$stopped"
gone=no
t0=$(date +%s%N)
for _ in $(seq 100); do
    [ "$(engine_count pis)" == 1 ] && { gone=yes; break; }
    sleep 0.1
done
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "a stopped engine dropped" yes "$gone"
[ "$ms" -lt 2000 ] || fail "the stopped engine took $ms ms to drop, not ~300"
kill -CONT "$stopped"
kill "${STARTED_PIDS[-1]}"
wait "${STARTED_PIDS[-1]}" 2>/dev/null || true

# The command line wins over the file.
expect_error 2 "controller: error: --hwm: 'x' is not a whole number" \
    "$BIN/controller" --profile pis --hwm x

# Bad files: refused with the file, the line and the key.
B=$PIPAR_DIR/profile_typo
mkdir -p "$B"
printf '# typo\nhwm = 2\nheartbeat_perod = 2\n' >"$B/controller.conf"
expect_error 2 "controller: error: $B/controller.conf:3: unknown key 'heartbeat_perod' (did you mean heartbeat_period?)" \
    "$BIN/controller" --profile typo
printf 'hwm = 2 # two\nhwm = 3\n' >"$B/controller.conf"
expect_error 2 "controller: error: $B/controller.conf:2: duplicate key 'hwm' (first on line 1)" \
    "$BIN/controller" --profile typo
printf 'hwm = 2 3\n' >"$B/controller.conf"
expect_error 2 "controller: error: $B/controller.conf:1: hwm: unexpected '3' after the value '2'" \
    "$BIN/controller" --profile typo
printf 'backlog\n' >"$B/controller.conf"
expect_error 2 "controller: error: $B/controller.conf:1: expected 'key = value', found no '='" \
    "$BIN/controller" --profile typo
rm "$B/controller.conf"
mkdir "$B/controller.conf"
expect_error 2 "controller: error: cannot read $B/controller.conf" \
    "$BIN/controller" --profile typo
printf 'timeout = soon\n' >"$B/driver.conf"
expect_error 2 "driver: $B/driver.conf:1: timeout: 'soon' is not a number" \
    "$DRIVER" --profile typo ids
printf 'load = notes.txt\n' >"$B/engine.conf"
expect_error 2 "engine: error: $B/engine.conf:1: load: 'notes.txt' is not a C source (NAME.c)" \
    "$BIN/engine" --profile typo

# Startup steps that fail: the engine exits naming the line; the
# controller goes on serving the engine it has.
mkdir -p "$B/security"
cp "$P/security/engine.json" "$B/security/"
printf 'allow_root_modules = true\nload = %s/sq.c, %s/bad.c\n' "$WORK" "$WORK" \
    >"$B/engine.conf"
expect_error 1 "engine: error: $B/engine.conf:2: load: $WORK/bad.c does not compile: " \
    "$BIN/engine" --file "$B/security/engine.json" --log-level warn
printf '0000000000000000000000000000000000000000000000000000000000000000  pi-20000.txt\n' \
    >engdata/pi-20000.txt.sha256
printf 'data_file = %s/engdata/pi-20000.txt\n' "$WORK" >"$B/engine.conf"
expect_error 1 "engine: error: $B/engine.conf:1: data_file: $WORK/engdata/pi-20000.txt does not match its .sha256 (sha256 " \
    "$BIN/engine" --file "$B/security/engine.json" --log-level warn
printf 'data_file = %s/nowhere.txt\n' "$WORK" >"$B/engine.conf"
expect_error 1 "engine: error: $B/engine.conf:1: data_file: cannot read $WORK/nowhere.txt: No such file or directory" \
    "$BIN/engine" --file "$B/security/engine.json" --log-level warn
expect_eq "engines left" 1 "$(engine_count pis)"
expect_eq "map square after the failures" "$expected" \
    "$("${D[@]}" map square --range 0:20 --chunksize 3 2>/dev/null)"
echo "profiles: all passed"
