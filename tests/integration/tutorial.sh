#!/usr/bin/env bash
# tutorial.sh - runs docs/tutorial.md: every ```sh block, in order, and
# checks every ```text block that follows one against what it printed.
#
# The machines.  Each block's first line says where it runs, by address:
# "# on pi1 (192.168.0.11)".  Every machine is a bash session of its own
# (one terminal per machine: its own cd, variables and jobs, so `kill %1`
# on pi1 means pi1's first job), with HOME a folder of its own
# ($TMPDIR/hosts/ADDRESS) and PIPAR_DIR=$HOME/.pipar, which is where the
# programs look anyway.  All of them run in a network namespace this test
# makes, where one veth interface holds 192.168.0.10 (pi0, the master,
# first, so `controller --ip '*'` names it in the connection files),
# 192.168.0.11 (pi1), 192.168.0.12 (pi2) and 192.168.0.20 (the laptop).
# So the commands run as written, `--ip '*'` and the addresses included,
# and nothing listens beyond this test: the namespace has no way out.
# Without root or unprivileged user namespaces: "SKIP: <reason>", exit 77.
#
# What stands in for what a reader has:
# - controller, engine and driver are $BIN's, first on the PATH (a folder
#   of links); run as root (CI), `engine` adds --allow-root-modules, since
#   the reader is the user pi and engines as root refuse modules.
# - ssh [OPTIONS] [USER@]ADDRESS COMMAND runs COMMAND with bash in that
#   machine's folder, as that machine's HOME; scp copies between the
#   folders ([USER@]ADDRESS:PATH is PATH in ADDRESS's folder).  The SSH
#   launcher (driver cluster start --hosts) runs this ssh too.
# - python3 is Debian's (/usr/bin/python3, where scripts/deps installs
#   cffi and tqdm), with the package from python/ (PYTHONPATH) and $BIN's
#   libpipar.so (PIPAR_LIB), as if installed as the README says (with
#   ASan's runtime preloaded when that library is sanitized).
# - mpiexec is Open MPI's (Debian's openmpi-bin), as root with
#   OMPI_ALLOW_RUN_AS_ROOT; without it its block is skipped, saying so.
#
# Substitutions in the blocks before they run:
# - ~/pipar and /home/pi/pipar (the source on each Pi): the source tree
#   $BIN was configured from; any other /home/pi is refused (use ~).
# - the build folder: `cmake -S . -B build` configures a folder of its own
#   in $WORK (configuring $BIN again would rewrite its flags files, and the
#   build after it would compile and link everything again while the other
#   tests run those programs: in CI a test's program could not be started,
#   "Permission denied", while the linker wrote it); `--build build` becomes
#   $BIN (built already, so this costs a second), and `sudo cmake --install
#   build` installs $BIN into $WORK/usr-local instead of /usr/local.
# - the digits: 150e6 becomes 1e5 and 150000000 becomes 100000.
# - mpiexec's --host LIST becomes --host localhost:64: Open MPI would start
#   its daemons on the other hosts over ssh, and those would share this
#   machine's session folders; on localhost it starts the engines itself.
# And in the output before it is compared: each machine's folder reads
# /home/pi, the source tree /home/pi/pipar.
#
# Blocks whose output varies (ports, pids, times) show it in plain ```
# blocks, which are not compared.  A block that fails, or a ```text that
# differs, fails the test with the doc's line.  Every process the
# sessions started is stopped at exit (lib.sh's cleanup, then each
# process with this run's hosts folder in its environment, by PID).
set -euo pipefail

skip() {
    echo "SKIP: $*"
    exit 77
}

if [ -z "${PIPAR_TUTORIAL_NETNS:-}" ]; then
    command -v ip >/dev/null || skip "no ip (Debian package iproute2)"
    command -v unshare >/dev/null || skip "no unshare (util-linux)"
    if unshare -n true 2>/dev/null; then
        PIPAR_TUTORIAL_NETNS=1 exec unshare -n bash "$0" "$@"
    elif unshare -rn true 2>/dev/null; then
        PIPAR_TUTORIAL_NETNS=1 exec unshare -rn bash "$0" "$@"
    fi
    skip "cannot make a network namespace (needs root or user namespaces)"
fi

HERE=$(cd "$(dirname "$0")" && pwd)
DOC=$(cd "$HERE/../.." && pwd)/docs/tutorial.md
. "$HERE/lib.sh"

SRC=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BIN/CMakeCache.txt")
[ -d "$SRC" ] || fail "no source tree named in $BIN/CMakeCache.txt"

# --- the network: four machines' addresses, in a namespace of our own ------
ip link set lo up
ip link add eth0 type veth peer name eth1
for a in 10 11 12 20; do
    ip addr add "192.168.0.$a/24" dev eth0
done
ip link set eth0 up
ip link set eth1 up

# --- what stands in for the reader's machines -----------------------------
HOSTS=$TMPDIR/hosts
TBIN=$WORK/bin
RUN=$WORK/run
mkdir -p "$TBIN" "$RUN"
for a in 10 11 12 20; do
    mkdir -p "$HOSTS/192.168.0.$a"
done
ln -s "$BIN/controller" "$BIN/driver" "$TBIN/"
if [ "$(id -u)" == 0 ]; then
    printf '#!/bin/sh\nexec "%s/engine" --allow-root-modules "$@"\n' "$BIN" \
        >"$TBIN/engine"
    chmod +x "$TBIN/engine"
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
else
    ln -s "$BIN/engine" "$TBIN/"
fi
if [ -x /usr/bin/python3 ]; then
    # A sanitized libpipar.so (the ASan build) loads into Python only
    # after its runtime; Python's own allocations are not ours to check.
    asan=$(ldd "$BIN/libpipar.so" | awk '/libasan/ { print $3 }')
    if [ -n "$asan" ]; then
        printf '#!/bin/sh
LD_PRELOAD=%s ASAN_OPTIONS=detect_leaks=0 exec /usr/bin/python3 "$@"
' \
            "$asan" >"$TBIN/python3"
        chmod +x "$TBIN/python3"
    else
        ln -s /usr/bin/python3 "$TBIN/python3"
    fi
fi

cat >"$TBIN/ssh" <<'EOF'
#!/usr/bin/env bash
# ssh [OPTIONS] [USER@]ADDRESS COMMAND...: COMMAND in ADDRESS's folder.
set -euo pipefail
while [ $# -gt 0 ]; do
    case $1 in
    --) shift; break ;;
    -[bcDEeFIiJLlmOopQRSWw]) shift 2 ;;
    -*) shift ;;
    *) break ;;
    esac
done
[ $# -ge 2 ] || { echo "ssh: only 'ssh HOST COMMAND' in this test" >&2; exit 255; }
host=${1#*@}
shift
home=$TUTORIAL_HOSTS/$host
[ -d "$home" ] || { echo "ssh: connect to host $host port 22: No route to host" >&2; exit 255; }
cd "$home"
HOME=$home PIPAR_DIR=$home/.pipar exec bash -c "$*"
EOF
cat >"$TBIN/scp" <<'EOF'
#!/usr/bin/env bash
# scp [OPTIONS] SOURCE... TARGET, where [USER@]ADDRESS:PATH is PATH in
# ADDRESS's folder (relative to it, as scp's are to the remote HOME).
set -euo pipefail
args=()
for a in "$@"; do
    case $a in
    -*) ;;
    *:*)
        host=${a%%:*}
        host=${host#*@}
        path=${a#*:}
        [ -d "$TUTORIAL_HOSTS/$host" ] \
            || { echo "ssh: connect to host $host port 22: No route to host" >&2; exit 255; }
        case $path in /*) echo "scp: only paths relative to HOME in this test" >&2; exit 1 ;; esac
        args+=("$TUTORIAL_HOSTS/$host/${path:-.}")
        ;;
    *) args+=("$a") ;;
    esac
done
exec cp "${args[@]}"
EOF
chmod +x "$TBIN/ssh" "$TBIN/scp"

# Stop what the sessions started: the launcher's cluster, the sessions,
# then every process with our hosts folder in its environment.
session_processes() {
    local pid
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
        [ "$pid" == "$$" ] && continue
        { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null \
            | grep -qx "TUTORIAL_HOSTS=$HOSTS" && echo "$pid"
    done
    return 0
}
declare -A SESSION_PID SESSION_FD
tutorial_cleanup() {
    local status=$? pid host
    set +e
    trap - EXIT
    HOME=$HOSTS/192.168.0.10 PIPAR_DIR=$HOSTS/192.168.0.10/.pipar \
        TUTORIAL_HOSTS=$HOSTS PATH="$TBIN:$PATH" \
        "$DRIVER" cluster stop >/dev/null 2>&1
    for host in "${!SESSION_PID[@]}"; do
        kill "${SESSION_PID[$host]}" 2>/dev/null
        wait "${SESSION_PID[$host]}" 2>/dev/null
    done
    local left
    for _ in $(seq 50); do
        left=$(session_processes)
        [ -z "$left" ] && break
        kill $left 2>/dev/null
        sleep 0.1
    done
    for pid in $(session_processes); do kill -9 "$pid" 2>/dev/null; done
    # PIPAR_TUTORIAL_KEEP=DIR keeps each block and its output (block.LINE,
    # block.LINE.out), to see what changed or to refresh the doc's outputs.
    [ -n "${PIPAR_TUTORIAL_KEEP:-}" ] && cp -r "$RUN" "$PIPAR_TUTORIAL_KEEP"
    (exit "$status")
    cleanup # lib.sh: removes $WORK, exits with the status
}
trap tutorial_cleanup EXIT

# --- one bash session per machine, fed through a FIFO ---------------------
# A block runs as `. FILE` with its output in a file; its status goes to
# another file, written by the session's EXIT trap when set -e ends it.
session() {
    local host=$1 home=$HOSTS/$1
    [ -n "${SESSION_PID[$host]:-}" ] && return 0
    mkfifo "$RUN/$host.in"
    env -u XDG_CACHE_HOME -u PIPAR_DATA_DIR -u PIPAR_SSH -u PIPAR_DRIVER \
        -u LD_LIBRARY_PATH HOME="$home" PIPAR_DIR="$home/.pipar" \
        TUTORIAL_HOSTS="$HOSTS" PATH="$TBIN:$PATH" \
        PYTHONPATH="$SRC/python" PIPAR_LIB="$BIN/libpipar.so" \
        bash --norc --noprofile -s <"$RUN/$host.in" >"$RUN/$host.log" 2>&1 &
    SESSION_PID[$host]=$!
    local fd
    exec {fd}>"$RUN/$host.in"
    SESSION_FD[$host]=$fd
    printf '%s\n' "cd ~ && set -e -o pipefail" \
        "trap 'echo \$? >\"\$__status\"' EXIT" >&"$fd"
}

# run_block LINE HOST FILE: runs FILE in HOST's session; its output goes to
# FILE.out.  Fails the test, with the doc's line, when the block fails.
run_block() {
    local line=$1 host=$2 file=$3
    session "$host"
    rm -f "$file.status"
    printf '%s\n' "__status='$file.status'" \
        ". '$file' >'$file.out' 2>&1 </dev/null" \
        "echo 0 >'$file.status'" >&"${SESSION_FD[$host]}"
    local t0=$SECONDS
    until [ -s "$file.status" ]; do
        if ! kill -0 "${SESSION_PID[$host]}" 2>/dev/null && [ ! -s "$file.status" ]; then
            fail "docs/tutorial.md:$line: the session on $host ended ($(cat "$RUN/$host.log"))"
        fi
        if [ $((SECONDS - t0)) -gt 60 ]; then
            # What still runs, to tell a hang from a slow machine.
            ps -eo pid,ppid,stat,etimes,args \
                | grep -E 'mpiexec|prted|orted|engine|controller|driver' \
                | grep -v grep >&2 || true
            fail "docs/tutorial.md:$line: the block ran past 60 s: $(cat "$file.out")"
        fi
        sleep 0.02
    done
    local status
    status=$(cat "$file.status")
    [ "$status" == 0 ] || fail "docs/tutorial.md:$line: the block on $host failed (exit status $status):
$(sed 's/^/    /' "$file.out")"
}

# The output as the doc shows it: the machines' folders as /home/pi.
shown() {
    sed -e "s|$HOSTS/192\.168\.0\.[0-9]*|/home/pi|g" -e "s|$SRC|/home/pi/pipar|g" "$1"
}

# --- the blocks -------------------------------------------------------------
# Cut the doc into blocks: "sh LINE" / "text LINE" headers, each followed by
# the block's lines and an end marker.
# A block may sit in a quote ("> " before each line).
awk '
    { sub(/^> ?/, "") }
    /^```/ {
        if (!inside) {
            kind = substr($0, 4)
            if (kind == "sh" || kind == "text") {
                inside = 1; printf "@@ %s %d\n", kind, NR + 1; next
            }
            other = !other; next
        }
        inside = 0; print "@@ end"; next
    }
    inside { print }
' "$DOC" >"$RUN/blocks"

started=$(date +%s)
n=0
last_sh=""
last_host=""
nsh=0
ntext=0
while IFS= read -r -u 9 header; do
    read -r _ kind line <<<"$header"
    body=$RUN/block.$line
    : >"$body"
    while IFS= read -r -u 9 l; do
        [ "$l" == "@@ end" ] && break
        printf '%s\n' "$l" >>"$body"
    done
    if [ "$kind" == text ]; then
        [ -n "$last_sh" ] || fail "docs/tutorial.md:$line: a text block follows no sh block"
        expected=$(cat "$body")
        actual=$(shown "$last_sh.out")
        [ "$expected" == "$actual" ] || fail "docs/tutorial.md:$line: the output of the block on $last_host differs:
--- the doc shows
$expected
--- it printed
$actual"
        ntext=$((ntext + 1))
        last_sh=""
        continue
    fi
    first=$(head -n 1 "$body")
    host=$(grep -oE '192\.168\.0\.[0-9]+' <<<"$first" | head -n 1 || true)
    case $first in
    "# on "*) ;;
    *) fail "docs/tutorial.md:$line: a sh block's first line says where it runs: '# on pi1 (192.168.0.11)'" ;;
    esac
    [ -d "$HOSTS/${host:-none}" ] || fail "docs/tutorial.md:$line: no machine named in '$first'"
    if grep -q '/home/pi' <(sed 's|/home/pi/pipar||g' "$body"); then
        fail "docs/tutorial.md:$line: /home/pi outside /home/pi/pipar (write ~ instead)"
    fi
    if grep -q '^mpiexec' "$body" && ! command -v mpiexec >/dev/null; then
        echo "docs/tutorial.md:$line: skipped: no mpiexec (Debian package openmpi-bin)"
        last_sh=""
        continue
    fi
    sed -i -e "s|~/pipar|$SRC|g" -e "s|/home/pi/pipar|$SRC|g" \
        -e "s|sudo cmake --install build|cmake --install '$BIN' --prefix '$WORK/usr-local'|" \
        -e "s|-B build\b|-B '$WORK/build-configured'|" -e "s|--build build\b|--build '$BIN'|" \
        -e 's/150e6/1e5/g' -e 's/150000000/100000/g' \
        -e '/^mpiexec/s/--host [^ ]*/--host localhost:64/' "$body"
    t0=$(date +%s%N)
    run_block "$line" "$host" "$body"
    echo "docs/tutorial.md:$line on $host: $((($(date +%s%N) - t0) / 1000000)) ms"
    nsh=$((nsh + 1))
    last_sh=$body
    last_host=$host
done 9<"$RUN/blocks"

[ "$nsh" -gt 0 ] || fail "no sh blocks in $DOC"
echo "docs/tutorial.md: $nsh sh blocks ran, $ntext outputs as shown, in $(($(date +%s) - started)) s"
