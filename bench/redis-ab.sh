#!/usr/bin/env bash
# A/B of the Redis store's batch publish: two builds of Herald.Server, measured alternately in one run (ABBA…) on the
# same kind of setup as bench/redis-figures.sh (redis-server with AOF + appendfsync always, two nodes, one Herald.Load
# per node, batches of 1,000 x 200 B, 2 publishers per node). Each run also records where the CPU went (seconds used by
# redis-server, each node and each load generator over the measured window) and Redis's own time per EVALSHA
# (INFO commandstats). Ends with redis-benchmark's pipelined XADD on the same Redis: the ceiling.
#   bash bench/redis-ab.sh DIR_A DIR_B            # DIR_*: a Herald.Server build output (bin/Release/net10.0)
#   RUNS=5 SECONDS_PER_RUN=8 bash bench/redis-ab.sh DIR_A DIR_B
set -euo pipefail
cd "$(dirname "$0")/.."
dir_a=$(cd "$1" && pwd); dir_b=$(cd "$2" && pwd)
runs=${RUNS:-3}
seconds=${SECONDS_PER_RUN:-8}
rport=${REDIS_PORT:-16410}
ports=(${PORT_A:-5193} ${PORT_B:-5194})
dotnet build bench/Herald.Load/Herald.Load.csproj -c Release -v q -nologo >/dev/null
load=bench/Herald.Load/bin/Release/net10.0/Herald.Load
hz=$(getconf CLK_TCK)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
rcli() { redis-cli -p "$rport" "$@"; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

start_all() { # $1: server dir
  rm -rf "$work/redis" && mkdir -p "$work/redis"
  redis-server --port "$rport" --bind 127.0.0.1 --dir "$work/redis" --appendonly yes --appendfsync always --save "" >"$work/redis.log" 2>&1 &
  redis_pid=$!; pids+=($redis_pid)
  for _ in $(seq 1 100); do rcli ping >/dev/null 2>&1 && break; sleep 0.1; done
  node_pids=()
  for port in "${ports[@]}"; do
    "$1/Herald.Server" --urls "http://127.0.0.1:$port" --store "redis://127.0.0.1:$rport" >"$work/node-$port.log" 2>&1 &
    node_pids+=($!); pids+=($!)
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  done
}
stop_all() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }

measure() { # $1: label, $2: server dir; prints one table row
  start_all "$2"
  for port in "${ports[@]}"; do "$load" batch --url "http://127.0.0.1:$port" --seconds 2 --publishers 2 --batch 1000 >/dev/null; done # warm-up
  rcli config resetstat >/dev/null
  local r0 a0 b0 r1 a1 b1 outs=()
  r0=$(ticks "$redis_pid"); a0=$(ticks "${node_pids[0]}"); b0=$(ticks "${node_pids[1]}")
  for port in "${ports[@]}"; do
    /usr/bin/time -f "%U %S" -o "$work/time-$port" "$load" batch --url "http://127.0.0.1:$port" --publishers 2 --batch 1000 --seconds "$seconds" | tail -1 >"$work/out-$port.json" &
    outs+=($!)
  done
  wait "${outs[@]}"
  r1=$(ticks "$redis_pid"); a1=$(ticks "${node_pids[0]}"); b1=$(ticks "${node_pids[1]}")
  local rate evalsha loads
  rate=$(cat "$work"/out-*.json | grep -o '"eventsPerSecond":[0-9.]*' | cut -d: -f2 | awk '{s+=$1} END {printf "%.0f", s}')
  evalsha=$(rcli info commandstats | tr -d '\r' | grep '^cmdstat_evalsha:' | grep -o 'usec_per_call=[0-9.]*' | cut -d= -f2)
  loads=$(cat "$work"/time-* | awk '{s += $1 + $2} END {printf "%.1f", s}') # includes the load generators' start-up
  printf '| %s | %s | %s | %.1f | %.1f | %.1f | %s |\n' "$1" "$rate" "$evalsha" \
    "$(echo "($r1 - $r0) / $hz" | bc -l)" "$(echo "($a1 - $a0) / $hz" | bc -l)" "$(echo "($b1 - $b0) / $hz" | bc -l)" "$loads"
  stop_all
}

echo "| build | events/s | EVALSHA usec/call (1,000 events) | CPU s redis | CPU s node 1 | CPU s node 2 | CPU s loads |"
echo "|---|---|---|---|---|---|---|"
for i in $(seq 1 "$runs"); do
  if (( i % 2 )); then measure A "$dir_a"; measure B "$dir_b"; else measure B "$dir_b"; measure A "$dir_a"; fi
done

payload=$(head -c 200 /dev/zero | tr '\0' 'x')
start_all "$dir_b"
echo
echo "redis-benchmark ceiling, same redis-server (pipelined XADD of 200 B, 32 clients, -P 16):"
redis-benchmark -p "$rport" -c 32 -P 16 -n 1000000 -q XADD 'bench:{ceiling}:log' '*' data "$payload" | tr '\r' '\n' | grep -v '^$' | tail -1
stop_all
