#!/usr/bin/env bash
# The Slurm launcher against a real one-node Slurm (Debian's slurm-wlm and
# munge), made here in a temporary folder: a munge key, munged on its own
# socket, slurm.conf with SlurmctldHost=localhost and NodeName=localhost
# CPUs=2 (no cgroups: proctrack/linuxproc, task/none), slurmctld and slurmd
# run with -D in the background on free loopback ports and ended by their
# PIDs on exit.  `driver cluster start --launcher slurm -n 2` submits the
# job for real; the engines register from srun, hello is exact, status
# shows the job RUNNING, `cluster stop` cancels it and its engines go.  A
# partition Slurm does not have is refused with sbatch's words.
# Without root, slurm-wlm or munge, or when this machine cannot run the
# daemons (containers often cannot): "SKIP: <the exact reason>", exit 77.
set -euo pipefail

skip() {
    echo "SKIP: $*"
    exit 77
}
[ "$(id -u)" == 0 ] || skip "not root (uid $(id -u)): slurmd runs jobs as their users"
for p in slurmctld slurmd munged; do
    command -v "$p" >/dev/null || [ -x "/usr/sbin/$p" ] \
        || skip "no $p (Debian packages slurm-wlm and munge)"
done
for p in sbatch squeue scancel sinfo; do
    command -v "$p" >/dev/null || skip "no $p (Debian package slurm-client)"
done
command -v python3 >/dev/null || skip "no python3 to find free ports"
PATH="$PATH:/usr/sbin"

. "$(dirname "$0")/lib.sh"
cd "$WORK"

DAEMONS=()
real_cleanup() {
    local status=$? i pid
    set +e
    trap - EXIT
    # The job first, while Slurm runs.
    "$DRIVER" cluster stop >/dev/null 2>&1
    for _ in $(seq 50); do
        [ -z "$(squeue --noheader 2>/dev/null)" ] && break
        sleep 0.1
    done
    for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
        pid=${DAEMONS[i]}
        kill "$pid" 2>/dev/null || continue
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ "$status" != 0 ] && [ "$status" != 77 ]; then
        for f in slurm/*.log slurm/*.out "$PIPAR_DIR"/profile_default/log/*.log; do
            [ -s "$f" ] || continue
            echo "--- $f (last 15 lines)" >&2
            tail -n 15 "$f" >&2
        done
    fi
    (exit "$status")
    cleanup # lib.sh: removes $WORK, exits with the status
}
trap real_cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
T0=$(now)

S="$WORK/slurm"
mkdir -p "$S/state" "$S/spool" "$S/munge"
chmod 755 "$WORK" "$S" # munged wants its socket's folders reachable by all
chmod 700 "$S/munge"
dd if=/dev/urandom of="$S/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$S/munge/munge.key"
munged -F -f --socket="$S/munge/socket" --key-file="$S/munge/munge.key" \
    --pid-file="$S/munge/pid" --seed-file="$S/munge/seed" \
    --log-file="$S/munged.log" >"$S/munged.out" 2>&1 &
DAEMONS+=("$!")
for _ in $(seq 50); do [ -S "$S/munge/socket" ] && break; sleep 0.1; done
[ -S "$S/munge/socket" ] || skip "munged did not start: $(tail -n 1 "$S/munged.out")"

read -r CTLD_PORT SLURMD_PORT < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
export SLURM_CONF="$S/slurm.conf"
cat >"$SLURM_CONF" <<CONF
ClusterName=pipartest
SlurmctldHost=localhost
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
AuthInfo=socket=$S/munge/socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
MinJobAge=300
NodeName=localhost CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -i >"$S/slurmctld.out" 2>&1 &
DAEMONS+=("$!")
slurmd -D -N localhost >"$S/slurmd.out" 2>&1 &
DAEMONS+=("$!")
state=""
for _ in $(seq 150); do
    state=$(sinfo --noheader --format %T 2>/dev/null || true)
    [ "$state" == idle ] && break
    sleep 0.1
done
[ "$state" == idle ] || skip "this machine cannot run a one-node Slurm: the node is '${state:-unknown}' after 15 s; slurmd says: $(tail -n 1 "$S/slurmd.log" 2>/dev/null || tail -n 1 "$S/slurmd.out")"
echo "NOTE: a one-node Slurm up in $(since "$T0") s"

# --- a partition Slurm does not have: sbatch's words, nothing left --------
expect_error 1 "driver: cluster start: sbatch $PIPAR_DIR/profile_default/engines.sbatch: sbatch: error: invalid partition specified: nope" \
    "$DRIVER" cluster start --launcher slurm -n 2 --partition nope
[ -z "$(our_processes)" ] || fail "a refused job left processes: $(our_processes)"

# --- the job for real ------------------------------------------------------
T1=$(now)
out=$("$DRIVER" cluster start --launcher slurm -n 2 --partition debug --time 5)
job=$(sed -n 's/.*Slurm job \([0-9]*\) submitted for 2 engines.*/\1/p' <<<"$out")
[ -n "$job" ] || fail "start: no job id in [$out]"
ids=""
for _ in $(seq 300); do
    ids=$("$DRIVER" ids 2>/dev/null || true)
    [ "$ids" == "[0, 1]" ] && break
    sleep 0.1
done
expect_eq "ids from srun's engines" "[0, 1]" "$ids"
echo "NOTE: submitted to 2 engines registered in $(since "$T1") s"
expect_eq "hello" "['Hello World', 'Hello World']" "$("$DRIVER" hello)"
expect_eq "powers" "$(powers_expected 64 10)" "$("$DRIVER" powers 2>/dev/null)"
status=$("$DRIVER" cluster status)
expect_contains "status" "Slurm job $job (2 engines): RUNNING" "$status"
expect_eq "squeue" "$job pipar-default RUNNING 2" \
    "$(squeue --noheader --format '%i %j %T %C')"
# The engines run under slurmstepd with our PIPAR_DIR.
[ "$(our_processes | wc -l)" -ge 2 ] || fail "no engines of the job found"
out=$("$DRIVER" cluster stop)
expect_contains "stop" "Slurm job $job cancelled" "$out"
left=""
for _ in $(seq 100); do
    left=$(our_processes)
    [ -z "$left" ] && break
    sleep 0.1
done
[ -z "$left" ] || fail "engines of job $job left after scancel: $left"
state=$(squeue --noheader --jobs "$job" --format %T 2>/dev/null || true)
case "$state" in "" | CANCELLED | COMPLETING) ;; *) fail "job $job is $state after stop" ;; esac
grep -q "registered as engine" "$PIPAR_DIR/profile_default/log/slurm-$job.log" \
    || fail "the job's output is not in log/slurm-$job.log"
echo "ok (in $(since "$T0") s)"
