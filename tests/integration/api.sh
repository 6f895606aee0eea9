#!/usr/bin/env bash
# The public API through libpipar.so (api.c): connecting by profile name,
# push/pull, completion order, metadata, a balanced map, loading a module
# (compiled, unchanged, a compile error, unload).
. "$(dirname "$0")/lib.sh"
start_controller api
export XDG_CACHE_HOME="$WORK/cache"
start_engine api --allow-root-modules
start_engine api --allow-root-modules
"$BIN/api" api "$(cd "$(dirname "$0")" && pwd)/modules"
echo "ok"
