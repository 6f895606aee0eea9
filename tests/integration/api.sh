#!/usr/bin/env bash
# The public API through libpipar.so (api.c): connecting by profile name,
# push/pull, completion order, metadata, a balanced map.
. "$(dirname "$0")/lib.sh"
start_controller api
start_engine api
start_engine api
"$BIN/api" api
echo "ok"
