#!/usr/bin/env bash
# harper-server starts on a fresh root, answers GET /health as Harper does, says 404 to the
# rest, and stops cleanly (exit 0) on SIGTERM.
set -euo pipefail
command -v curl >/dev/null || { echo "curl is not installed"; exit 77; }

port=$((20000 + RANDOM % 20000))
root="$TEST_DIR/root"
ROOTPATH="$root" OPERATIONSAPI_NETWORK_PORT=$port "$HARPER_BUILD/harper-server" run \
    >"$TEST_DIR/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/health" && break
    sleep 0.1
done
body=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$port/health")
[ "$body" = "HarperDB is running. 200" ] || { echo "health answered: $body"; exit 1; }
body=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$port/nope")
[ "$body" = '{"error":"Not found"} 404' ] || { echo "unknown path answered: $body"; exit 1; }
[ -d "$root/database" ] || { echo "no database folder under the root"; exit 1; }

kill -TERM $pid
status=0
wait $pid || status=$?
trap - EXIT
[ $status -eq 0 ] || { echo "exit status $status after SIGTERM"; cat "$TEST_DIR/server.log"; exit 1; }
