#!/usr/bin/env bash
# The rows of docs/inputs.md that no other test showed: each bad input gets
# its one line and exit status, or its drop and count, and nothing hangs.
. "$(dirname "$0")/lib.sh"
cd "$WORK"
C=$BIN/controller
E=$BIN/engine

# --- controller options -------------------------------------------------
expect_error 2 "--hwm: -1 is negative; it must be at least 0" "$C" --hwm -1
expect_error 2 "--hwm: 1000001 is out of range (0 to 1000000)" "$C" --hwm 1000001
expect_error 2 "--heartbeat-period: 'abc' is not a number" "$C" --heartbeat-period abc
expect_error 2 "--heartbeat-misses: 0 is out of range (1 to 1000)" "$C" --heartbeat-misses 0
expect_error 2 "--clock-window: 86401 is out of range (0 to 86400 seconds)" "$C" --clock-window 86401
expect_error 2 "--backlog: 'x' is not a whole number" "$C" --backlog x
expect_error 2 "--max-message-size: 2048G is out of range (1024 to 1099511627776 bytes)" \
    "$C" --max-message-size 2048G
expect_error 2 "--max-message-size: '2T' is not a size (bytes, or with K, M, G)" \
    "$C" --max-message-size 2T
expect_error 2 "--profile: profile '.x': a name needs 1 to 64 characters" "$C" --profile .x
expect_error 2 "--profile: profile 'a b': only letters, digits" "$C" --profile 'a b'
expect_error 2 "unknown or incomplete option '--ip'" "$C" --ip
expect_error 2 "unknown or incomplete option '--reuse=1'" "$C" --reuse=1
expect_error 2 "unknown or incomplete option '-x'" "$C" -x

# --reuse with a broken engine.json, and --curve --reuse with a broken
# controller.key: refused, naming the file.
mkdir -p "$PIPAR_DIR/profile_ru/security"
echo '{' >"$PIPAR_DIR/profile_ru/security/engine.json"
expect_error 1 "--reuse: $PIPAR_DIR/profile_ru/security/engine.json: not valid JSON" \
    "$C" --profile ru --reuse
echo '{"transport": "tcp"}' >"$PIPAR_DIR/profile_ru/security/engine.json"
expect_error 1 "--reuse: $PIPAR_DIR/profile_ru/security/engine.json: missing field \"ip\"" \
    "$C" --profile ru --reuse
start_controller kc --curve --reuse
kill -TERM "${STARTED_PIDS[-1]}"
wait "${STARTED_PIDS[-1]}" || true
echo "not a key pair" >"$PIPAR_DIR/profile_kc/security/controller.key"
expect_error 1 "controller.key does not hold the server key pair of the connection files" \
    "$C" --profile kc --curve --reuse

# --- engine options -----------------------------------------------------
expect_error 2 "give --file or --profile, not both" "$E" --file x --profile y
expect_error 2 "--task-delay: -1 is out of range (0 to 3600 seconds)" "$E" --task-delay -1
expect_error 2 "--timeout: 0 is out of range (0.001 to 86400 seconds)" "$E" --timeout 0
expect_error 2 "--log-level: 'x' is not one of debug, info, warn, error" "$E" --log-level x
expect_error 2 "--profile: profile 'a b': only letters" "$E" --profile 'a b'
expect_error 2 "unexpected argument 'extra'" "$E" extra
expect_error 2 "unknown or incomplete option '--bogus'" "$E" --bogus
expect_error 2 "unknown or incomplete option '--data-dir'" "$E" --data-dir
expect_error 1 "no connection file $WORK/none.json" "$E" --file "$WORK/none.json"

# --- driver: global options and commands --------------------------------
expect_error 2 "--engines: 0 is out of range (1 to 256)" "$DRIVER" --engines 0 ids
expect_error 2 "--engines: 257 is out of range (1 to 256)" "$DRIVER" --engines 257 ids
expect_error 2 "--timeout: 0 is out of range (0.001 to 86400 seconds)" "$DRIVER" --timeout 0 ids
expect_error 2 "profile '': a name needs 1 to 64 characters" "$DRIVER" --profile '' ids
expect_error 2 "unknown or incomplete option '--file'" "$DRIVER" --file
expect_error 2 "ids: unexpected argument 'extra'" "$DRIVER" ids extra
expect_error 2 "hello: unexpected argument 'x'" "$DRIVER" hello x
expect_error 2 "workloads: unexpected argument 'x'" "$DRIVER" workloads x
expect_error 2 "apply needs a workload name" "$DRIVER" apply
expect_error 2 "apply: at most 16 arguments" "$DRIVER" apply echo $(seq 17)
expect_error 2 "apply: 99999999999999999999 does not fit in a 64-bit integer" \
    "$DRIVER" apply powers 99999999999999999999
expect_error 2 "driver: which command? (ids, hello, powers" "$DRIVER"
expect_error 2 "--location: 'a b' is not a host name or address" \
    "$BIN/controller" --location "a b"
expect_error 2 "gather needs one variable name" "$DRIVER" gather
expect_error 2 "gather needs one variable name" "$DRIVER" gather a b
expect_error 2 "--n: 100000001 is out of range (0 to 100000000)" "$DRIVER" powers --n 100000001
expect_error 2 "--exponent: 1001 is out of range (0 to 1000)" "$DRIVER" powers --exponent 1001
expect_error 2 "--retries: 101 is out of range (0 to 100)" "$DRIVER" powers --retries 101
expect_error 2 "powers: unexpected argument 'extra'" "$DRIVER" powers extra
expect_error 2 "powers: unknown or incomplete option '--view'" "$DRIVER" powers --view

# cluster
expect_error 2 "cluster needs start, stop, status, watch or shutdown" "$DRIVER" cluster
expect_error 2 "cluster: unknown action 'frob' (start, stop, status, watch or shutdown)" "$DRIVER" cluster frob
expect_error 2 "--count: 0 is out of range (1 to 1000000)" "$DRIVER" cluster watch --count 0
expect_error 2 "--for: 'x' is not a number" "$DRIVER" cluster watch --for x
expect_error 2 "cluster watch: unexpected argument 'y'" "$DRIVER" cluster watch y
expect_error 2 "cluster stop: unexpected argument 'x'" "$DRIVER" cluster stop x
expect_error 2 "cluster status: unexpected argument 'x'" "$DRIVER" cluster status x
expect_error 2 "cluster start: unexpected argument 'extra'" "$DRIVER" cluster start extra
expect_error 2 "cluster start: unknown or incomplete option '--bogus'" "$DRIVER" cluster start --bogus
expect_error 2 "-n: 257 is out of range (1 to 256)" "$DRIVER" cluster start -n 257
expect_error 2 "--timeout: 0.01 is out of range (0.1 to 3600 seconds)" \
    "$DRIVER" cluster start --timeout 0.01
expect_error 2 "--heartbeat-period: 601 is out of range (0.01 to 600 seconds)" \
    "$DRIVER" cluster start --heartbeat-period 601
expect_error 2 "--heartbeat-misses: 0 is out of range (1 to 1000)" \
    "$DRIVER" cluster start --heartbeat-misses 0
expect_error 2 "--backlog: -1 is negative; it must be at least 0" \
    "$DRIVER" cluster start --backlog -1
expect_error 2 "--max-message-size: 1 is out of range (1024 to 1099511627776 bytes)" \
    "$DRIVER" cluster start --max-message-size 1
expect_error 2 "--clock-window: 'x' is not a number" "$DRIVER" cluster start --clock-window x
expect_error 1 "cluster status: no connection file $PIPAR_DIR/profile_default/security/client.json" \
    "$DRIVER" cluster status

# pi
expect_error 2 "--leaves: 0 is out of range (1 to 100000)" "$DRIVER" pi --digits 10 --leaves 0
expect_error 2 "--leaves: 'x' is not a whole number" "$DRIVER" pi --digits 10 --leaves x
expect_error 2 "--leaves: 100 leaves for 7 terms of the series; at most one leaf a term" \
    "$DRIVER" pi --digits 10 --leaves 100
expect_error 2 "pi: unexpected argument 'extra'" "$DRIVER" pi --digits 10 extra
expect_error 2 "pi: unknown or incomplete option '--bogus'" "$DRIVER" pi --bogus
expect_error 2 "pi: unknown or incomplete option '--data-dir'" "$DRIVER" pi --digits 10 --data-dir

# pi-pairs
expect_error 2 "pi-pairs: --digits N is required (e.g. --digits 1e7)" "$DRIVER" pi-pairs
expect_error 2 "--digits: 1 digit makes no pair" "$DRIVER" pi-pairs --digits 1
expect_error 2 "give --chunk-digits or --chunks, not both" \
    "$DRIVER" pi-pairs --digits 10 --chunks 2 --chunk-digits 3
expect_error 2 "--chunk-digits: 0 is out of range" "$DRIVER" pi-pairs --digits 10 --chunk-digits 0
expect_error 2 "--chunks: 0 is out of range" "$DRIVER" pi-pairs --digits 10 --chunks 0
expect_error 2 "--chunksize: 1000000001 is out of range (1 to 1000000000)" \
    "$DRIVER" pi-pairs --digits 10 --chunksize 1000000001
expect_error 2 "--view: 'up' is not balanced or direct" "$DRIVER" pi-pairs --digits 10 --view up
expect_error 2 "--retries: 101 is out of range (0 to 100)" "$DRIVER" pi-pairs --digits 10 --retries 101
expect_error 2 "--scaling: give engine counts like 1,2,4" "$DRIVER" pi-pairs --digits 10 --scaling ''
expect_error 2 "--scaling: 0 is out of range (1 to 256)" "$DRIVER" pi-pairs --digits 10 --scaling 0
expect_error 2 "--scaling: at most 16 engine counts" \
    "$DRIVER" pi-pairs --digits 10 --scaling "$(seq -s, 17)"
expect_error 2 "pi-pairs: unexpected argument 'extra'" "$DRIVER" pi-pairs --digits 10 extra
expect_error 2 "pi-pairs: unknown or incomplete option '--bogus'" "$DRIVER" pi-pairs --bogus

# --- environment --------------------------------------------------------
expect_error 1 "neither PIPAR_DIR nor HOME is set" env -u HOME -u PIPAR_DIR "$C"
expect_error 2 "--profile: neither PIPAR_DIR nor HOME is set" env -u HOME -u PIPAR_DIR "$E"
expect_error 1 "neither PIPAR_DIR nor HOME is set" env -u HOME PIPAR_DIR= "$DRIVER" --no-embed ids
touch "$WORK/afile"
expect_error 1 "cannot create $WORK/afile: a file is in the way" env PIPAR_DIR="$WORK/afile" "$C"
expect_error 1 "cannot create $WORK/afile: a file is in the way" \
    env PIPAR_DIR="$WORK/afile" "$DRIVER" cluster start -n 1
# TMPDIR, where an embedded cluster lives: the notice, then the error.
set +e
TMPDIR="$WORK/afile" "$DRIVER" --engines 1 ids >/dev/null 2>"$WORK/tmpdir.err"
status=$?
set -e
expect_eq "embedded cluster under a bad TMPDIR: status" 1 "$status"
expect_contains "embedded cluster under a bad TMPDIR" \
    "driver: cannot make $WORK/afile/pipar-" "$(tail -1 "$WORK/tmpdir.err")"

# --- connection files ---------------------------------------------------
good='"transport": "tcp", "ip": "127.0.0.1", "signature_scheme": "hmac-sha256"'
key=$(printf '%064d' 0)
long=$(printf 'a%.0s' $(seq 300))
echo "{$good, \"location\": \"$long\", \"engine_port\": 1, \"client_port\": 2, \"key\": \"$key\"}" \
    >"$WORK/long.json"
expect_error 1 "\"location\" is too long (at most 255 characters)" "$DRIVER" --file "$WORK/long.json" ids
echo "{$good, \"location\": \"a b\", \"engine_port\": 1, \"client_port\": 2, \"key\": \"$key\"}" \
    >"$WORK/space.json"
expect_error 1 "cannot connect to tcp://a b:2: Invalid argument" "$DRIVER" --file "$WORK/space.json" ids
expect_error 1 "cannot connect to tcp://a b:1: Invalid argument" "$E" --file "$WORK/space.json"

# --- the digits cache ---------------------------------------------------
"$DRIVER" pi --digits 1000 --local --data-dir cache >/dev/null 2>&1
truncate -s 999 cache/pi-1000.txt
"$DRIVER" pi --digits 1000 --local --data-dir cache >/dev/null 2>cache.err \
    || fail "a short cache file was not replaced: $(cat cache.err)"
grep -q "cache/pi-1000.txt does not hold 1000 digits; not using it" cache.err \
    || fail "short cache file: $(cat cache.err)"
[ "$(stat -c %s cache/pi-1000.txt)" == 1000 ] || fail "short cache file not rewritten"
rm cache/pi-1000.txt.sha256
"$DRIVER" pi --digits 1000 --local --data-dir cache >/dev/null 2>cache.err \
    || fail "a cache file without hash was not replaced: $(cat cache.err)"
grep -q "cache/pi-1000.txt has no readable .sha256 beside it; not using it" cache.err \
    || fail "cache file without hash: $(cat cache.err)"
echo garbage >cache/pi-1000.txt.sha256
"$DRIVER" pi --digits 1000 --local --data-dir cache >/dev/null 2>cache.err \
    || fail "a cache file with a bad hash file was not replaced: $(cat cache.err)"
grep -q "has no readable .sha256 beside it" cache.err \
    || fail "cache file with a bad hash file: $(cat cache.err)"
# Refused before the digits are computed.
set +e
"$DRIVER" pi --digits 100 --local --data-dir afile >/dev/null 2>dd.err
status=$?
set -e
expect_eq "--data-dir is a file: status" 1 "$status"
expect_eq "--data-dir is a file" "driver: cannot create afile: a file is in the way" \
    "$(tail -1 dd.err)"
if grep -q "^pi:" dd.err; then fail "digits computed before --data-dir was checked"; fi

# --- workload arguments, on a real engine -------------------------------
start_controller w
start_engine w
D=("$DRIVER" --no-embed --profile w)
expect_error 1 "engine 0: sleep: needs one number of seconds" "${D[@]}" apply sleep x
expect_error 1 "engine 0: sleep: 1e+09 seconds is out of range (0 to 86400)" "${D[@]}" apply sleep 1e9
expect_error 1 "engine 0: powers: needs an i64 array and an optional exponent" "${D[@]}" apply powers x
expect_error 1 "engine 0: powers: the exponent must be one i64" "${D[@]}" apply powers 3 x
expect_error 1 "engine 0: pairs: needs one bytes value of digits" "${D[@]}" apply pairs 1234
expect_error 1 "engine 0: pairs_local: needs a file name, its sha256 and [offset, length]" \
    "${D[@]}" apply pairs_local a/b "$key" 1
expect_error 1 "engine 0: pi_leaf: needs i64 [a, b, need_p]" "${D[@]}" apply pi_leaf 5 1
expect_error 1 "engine 0: pi_sqrt: -5 bits is out of range" "${D[@]}" apply pi_sqrt -5
expect_error 1 "engine 0: fail: boom" "${D[@]}" apply fail boom
expect_error 1 "name '' must have 1 to 31 characters" "${D[@]}" apply ''
expect_error 1 "must have 1 to 31 characters" "${D[@]}" apply "$(printf 'x%.0s' $(seq 40))"

# --- messages, sent by hand over ZMTP 3.0 (docs/protocol.md) -------------
sec="$PIPAR_DIR/profile_w/security"
port_of() { grep -o "\"$1\": [0-9]*" "$sec/client.json" | grep -o '[0-9]*$'; }
hexkey=$(grep -o '"key": "[0-9a-fA-F]*' "$sec/client.json" | grep -o '[0-9a-fA-F]*$')
# le64 N / le32 N: N as 8 / 4 bytes, little-endian.
le64() { le_bytes 8 "$1"; }
le32() { le_bytes 4 "$1"; }
# be64 N: N as 8 bytes, big-endian (ZMTP's long frame size).
be64() {
    local i
    for ((i = 7; i >= 0; i--)); do
        printf "\\x$(printf %02x $((($1 >> (8 * i)) & 255)))"
    done
}
le_bytes() {
    local v=$2 i
    for ((i = 0; i < $1; i++)); do
        printf "\\x$(printf %02x $(((v >> (8 * i)) & 255)))"
    done
}
# zmtp_open PORT: fd 3 to 127.0.0.1:PORT, the greeting (NULL mechanism) and
# READY as a DEALER; returns once the controller's READY has come.
zmtp_open() {
    exec 3<>"/dev/tcp/127.0.0.1/$1"
    {
        printf '\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f\x03\x00NULL'
        head -c 48 /dev/zero
        printf '\x04\x1c\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER'
    } >&3
    head -c 64 <&3 >/dev/null
    local size
    size=$(head -c 2 <&3 | od -An -tu1 | awk '{ print $2 }')
    head -c "$size" <&3 >/dev/null
}
# zmtp_frame MORE FILE: FILE (under 256 bytes) as one frame.
zmtp_frame() {
    printf "\\x$(printf %02x "$1")\\x$(printf %02x "$(stat -c %s "$2")")" >&3
    cat "$2" >&3
}
hmac() { openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hexkey" -binary; }
counter=0
# send_sealed PORT TYPE KIND ENGINE NAME: a message without values, sealed
# with the cluster's key and a fresh stamp, on a new connection (fd 3).
send_sealed() {
    counter=$((counter + 1))
    printf 'PP3' >proto
    {
        printf "\\x$(printf %02x "$2")\\x$(printf %02x "$3")"
        head -c 6 /dev/zero
        le64 $((0x7e57000000000000 + counter))
        le64 0
        le32 "$4"
        head -c 4 /dev/zero
        le64 "$(date +%s%N)"
        head -c 48 /dev/zero
        printf '%s' "$5"
        head -c $((32 - ${#5})) /dev/zero
    } >header
    # No values: their MAC covers the label alone.
    { le64 10; printf 'PP3 values'; } | hmac >values.mac
    { cat values.mac; le64 $((0x7e57000100000000 + $$)); le64 "$counter"
      le64 "$(date +%s%N)"; } >stamp
    { { le64 8; printf 'PP3 seal'; le64 120; cat header; le64 56; cat stamp; } \
          | hmac; cat stamp; } >seal
    zmtp_open "$1"
    zmtp_frame 1 proto
    zmtp_frame 1 seal
    zmtp_frame 0 header
}
# A well-signed RESULT from a peer that never registered.
send_sealed "$(port_of engine_port)" 6 1 0 ""
sleep 0.3
exec 3>&-
# A well-signed REGISTER sent to the clients' port.
send_sealed "$(port_of client_port)" 1 0 -1 ""
sleep 0.3
exec 3>&-
# A well-signed TASK for an engine that is not registered: an error reply.
send_sealed "$(port_of client_port)" 5 1 7 hello
timeout 2 cat <&3 >reply.bin || true
exec 3>&-
grep -aq "no engine 7 is registered" reply.bin \
    || fail "no error reply for a task to engine 7: $(od -c reply.bin | head)"
# A seal of 32 bytes, not 88.
zmtp_open "$(port_of client_port)"
zmtp_frame 1 proto
zmtp_frame 1 values.mac
zmtp_frame 0 header
sleep 0.3
exec 3>&-
status=$("${D[@]}" cluster status)
# The RESULT counts as from an unknown sender, the REGISTER as malformed,
# the short seal as a bad signature.
expect_contains "drops counted" \
    "1 bad signature, 1 malformed, 1 unknown sender, 0 replayed, 0 stale" "$status"

# A frame larger than --max-message-size: the connection is closed at its
# header, before the bytes come; a frame under the limit is waited for.
start_controller small --max-message-size 1K
sec="$PIPAR_DIR/profile_small/security"
zmtp_open "$(port_of client_port)"
{ printf '\x02'; be64 1024; } >&3
set +e
timeout 1 cat <&3 >/dev/null
status=$?
set -e
exec 3>&-
expect_eq "a 1024-byte frame under a 1K limit keeps the connection" 124 "$status"
zmtp_open "$(port_of client_port)"
{ printf '\x02'; be64 1025; } >&3
set +e
timeout 5 cat <&3 >/dev/null
status=$?
set -e
exec 3>&-
expect_eq "a 1025-byte frame over a 1K limit closes the connection" 0 "$status"
expect_eq "the controller still answers" "[]" \
    "$("$DRIVER" --no-embed --profile small ids)"
# pi-pairs --results-dir that is a file: refused before the count.
expect_error 1 "driver: cannot create afile: a file is in the way" \
    "${D[@]}" pi-pairs --digits 1000 --data-dir cache --results-dir afile
echo "ok"
