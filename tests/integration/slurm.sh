#!/usr/bin/env bash
# The Slurm launcher without a Slurm: its input errors, the batch script of
# --dry-run checked exactly (nothing started, nothing written), and the
# start/status/stop flow against stand-in sbatch, squeue and scancel
# commands that record how they were called (the real Slurm is
# tests/integration/slurm_real.sh): the script written into the profile is
# the one --dry-run printed, the job id is recorded and is exactly what
# scancel gets, and an sbatch that refuses the job leaves nothing running.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$WORK"

PROFILE_DIR="$PIPAR_DIR/profile_default"
STATE="$PROFILE_DIR/pid/cluster.json"

# --- input errors, one line each, nothing started ------------------------
expect_error 1 "driver: --launcher slurm: no sbatch on PATH (Debian package slurm-client)" \
    env PATH=/nonexistent "$DRIVER" cluster start --launcher slurm -n 2
expect_error 2 "driver: --time: '1h' is not a Slurm time (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)" \
    "$DRIVER" cluster start --launcher slurm --time 1h
expect_error 2 "driver: --time: '1:60': minutes and seconds go up to 59, and hours after days up to 23" \
    "$DRIVER" cluster start --launcher slurm --time 1:60
expect_error 2 "driver: --partition: 'a b' is not a partition name (letters, digits, '-', '_', '.'; several separated by commas; under 64 characters)" \
    "$DRIVER" cluster start --launcher slurm --partition "a b"
expect_error 2 "driver: --partition, --time and --dry-run go with --launcher slurm" \
    "$DRIVER" cluster start --time 10
expect_error 2 "driver: --partition, --time and --dry-run go with --launcher slurm" \
    "$DRIVER" cluster start --launcher mpi --dry-run
expect_error 2 "driver: --hosts is the SSH launcher; give it or --launcher slurm, not both" \
    "$DRIVER" cluster start --launcher slurm --hosts /dev/null
expect_error 2 "driver: -n: 1025 is out of range (1 to 1024)" \
    "$DRIVER" cluster start --launcher slurm -n 1025
[ ! -e "$PIPAR_DIR/profile_default" ] || fail "a refused start wrote into the profile"

# --- --dry-run: the script, exactly; nothing else -------------------------
expected_script() { # N [PARTITION TIME]
    echo "#!/bin/sh"
    echo "# The engines of pipar profile 'default', written by driver cluster start --launcher slurm."
    echo "#SBATCH --job-name=pipar-default"
    echo "#SBATCH --ntasks=$1"
    [ -n "${2:-}" ] && echo "#SBATCH --partition=$2"
    [ -n "${3:-}" ] && echo "#SBATCH --time=$3"
    echo "#SBATCH --output=$PROFILE_DIR/log/slurm-%j.log"
    echo "export PIPAR_DIR='$PIPAR_DIR'"
    echo "exec srun '$BIN/engine' --file '$PROFILE_DIR/security/engine.json' --log-level info${4:-}"
}
out=$("$DRIVER" cluster start --launcher slurm -n 4 --partition debug --time 1-00:30 --dry-run)
expect_eq "dry run" "$(expected_script 4 debug 1-00:30)" "$out"
out=$("$DRIVER" cluster start --launcher slurm -n 2 --dry-run --no-restart)
expect_eq "dry run, defaults" "$(expected_script 2 "" "" " '--no-restart'")" "$out"
[ ! -e "$PIPAR_DIR/profile_default" ] || fail "--dry-run wrote into the profile"
[ -z "$(our_processes)" ] || fail "--dry-run started processes"

# --- the flow, against stand-ins that record their arguments -------------
mkdir fake
cat >fake/sbatch <<'SH'
#!/bin/sh
printf '%s\n' "$@" >"$FAKE/sbatch.args"
cp "$2" "$FAKE/submitted"
if [ -e "$FAKE/refuse" ]; then
    echo "sbatch: error: invalid partition specified: nope" >&2
    exit 1
fi
echo "4242;pipartest"
SH
cat >fake/squeue <<'SH'
#!/bin/sh
printf '%s\n' "$@" >"$FAKE/squeue.args"
echo RUNNING
SH
cat >fake/scancel <<'SH'
#!/bin/sh
printf '%s\n' "$@" >"$FAKE/scancel.args"
[ -e "$FAKE/scancel-fails" ] && { echo "scancel: error: Kill job error on job id $1: Access/permission denied" >&2; exit 1; }
# As Slurm would: the job's tasks get SIGTERM.
[ -e "$FAKE/job.pids" ] && kill $(cat "$FAKE/job.pids") 2>/dev/null
exit 0
SH
chmod +x fake/*
export FAKE="$WORK/fake"
export PATH="$FAKE:$PATH"

out=$("$DRIVER" cluster start --launcher slurm -n 3 --partition debug --time 5)
expect_contains "start" "cluster started for profile 'default': controller (pid " "$out"
expect_contains "start" "Slurm job 4242 submitted for 3 engines (script $PROFILE_DIR/engines.sbatch); they register when it runs ('driver cluster status')" "$out"
expect_eq "sbatch's arguments" "--parsable
$PROFILE_DIR/engines.sbatch" "$(cat fake/sbatch.args)"
expect_eq "the script submitted" "$(expected_script 3 debug 5)" "$(cat fake/submitted)"
expect_eq "the script kept" "$(expected_script 3 debug 5)" "$(cat "$PROFILE_DIR/engines.sbatch")"
expect_eq "the script's mode" 700 "$(stat -c %a "$PROFILE_DIR/engines.sbatch")"
ls "$PROFILE_DIR" | grep -q tmp && fail "a temporary file left in the profile"
grep -q '"job": "4242"' "$STATE" || fail "job id not in the state file"
# What the script's srun would run, by hand: the engines register.
for i in 1 2 3; do
    "$BIN/engine" --file "$PROFILE_DIR/security/engine.json" --log-level warn &
    STARTED_PIDS+=("$!")
    echo "$!" >>fake/job.pids
done
for _ in $(seq 100); do
    [ "$("$DRIVER" ids 2>/dev/null)" == "[0, 1, 2]" ] && break
    sleep 0.05
done
expect_eq "hello" "['Hello World', 'Hello World', 'Hello World']" "$("$DRIVER" hello)"
status=$("$DRIVER" cluster status)
expect_contains "status" "slurm cluster for profile 'default': controller pid " "$status"
expect_contains "status" "Slurm job 4242 (3 engines): RUNNING" "$status"
expect_eq "squeue's arguments" "--noheader
--jobs
4242
--format
%T" "$(cat fake/squeue.args)"
expect_error 1 "a cluster is already running for profile 'default'" \
    "$DRIVER" cluster start --launcher slurm -n 1
out=$("$DRIVER" cluster stop)
expect_eq "stop" "Slurm job 4242 cancelled
cluster stopped for profile 'default': 1 process ended" "$out"
expect_eq "scancel's arguments" "4242" "$(cat fake/scancel.args)"
[ ! -e "$STATE" ] || fail "state file left behind"
for pid in $(cat fake/job.pids); do
    wait "$pid" || fail "engine $pid of the job did not end cleanly on scancel"
done
rm fake/job.pids
[ -z "$(our_processes)" ] || fail "processes left: $(our_processes)"

# scancel fails: said, exit 1, the state file removed all the same.
"$DRIVER" cluster start --launcher slurm -n 1 >/dev/null
touch fake/scancel-fails
expect_error 1 "driver: Slurm job 4242 may still run: scancel 4242: scancel: error: Kill job error on job id 4242: Access/permission denied" \
    "$DRIVER" cluster stop
rm fake/scancel-fails
[ ! -e "$STATE" ] || fail "state file left behind"

# sbatch refuses: its words, exit 1, no controller and no state left.
touch fake/refuse
expect_error 1 "driver: cluster start: sbatch $PROFILE_DIR/engines.sbatch: sbatch: error: invalid partition specified: nope" \
    "$DRIVER" cluster start --launcher slurm -n 2 --partition nope
[ ! -e "$STATE" ] || fail "a refused job left a state file"
for pid in $(our_processes); do
    [ "$(cat "/proc/$pid/comm")" == controller ] && fail "a refused job left controller $pid"
done
echo "ok"
