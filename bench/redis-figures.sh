#!/usr/bin/env bash
# Reproduces the Redis-store figures in docs/benchmarks.md: one redis-server (AOF, appendfsync always) and two Herald
# nodes on it, all on loopback; the load is split evenly over both nodes. In the same run, redis-benchmark's pipelined
# XADD on the same Redis gives the ceiling, and INFO commandstats counts the Redis reads behind 1 and 1,000 subscribers.
#   bash bench/redis-figures.sh                 # 3 runs of each publish scenario, 8 s each
#   RUNS=5 SECONDS_PER_RUN=10 bash bench/redis-figures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
seconds=${SECONDS_PER_RUN:-8}
warmup=${WARMUP_SECONDS:-10}
rport=${REDIS_PORT:-16400}
ports=(${PORT_A:-5191} ${PORT_B:-5192})
dotnet build Herald.slnx -c Release -v q -nologo >/dev/null
server=src/Herald.Server/bin/Release/net10.0/Herald.Server
herald_bench=src/Herald.Bench/bin/Release/net10.0/Herald.Bench
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
rcli() { redis-cli -p "$rport" "$@"; }

start_all() {
  rm -rf "$work/redis" && mkdir -p "$work/redis"
  redis-server --port "$rport" --bind 127.0.0.1 --dir "$work/redis" --appendonly yes --appendfsync always --save "" >"$work/redis.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do rcli ping >/dev/null 2>&1 && break; sleep 0.1; done
  for port in "${ports[@]}"; do
    # Every load-test client connects from 127.0.0.1: lift the per-address subscription cap (100 by default).
    "$server" --urls "http://127.0.0.1:$port" --store "redis://127.0.0.1:$rport" --max-connections-per-ip 0 >"$work/node-$port.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  done
}
stop_all() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }

# $1: label, $2: scenario, rest: load options per node. Runs one load generator per node at once; prints the median of
# the summed events/s and the runs.
measure() {
  local label=$1 scenario=$2; shift 2
  local rates=()
  for _ in $(seq 1 "$runs"); do
    start_all
    # Warm-up: both nodes at once, long enough for tiered compilation to finish with the hot paths (with 2 s, the JIT
    # still used ~30 % of a node's CPU in the measured window, and single POSTs measured ~20 % lower).
    local warming=()
    for port in "${ports[@]}"; do
      "$herald_bench" run --scenario publish --server "http://127.0.0.1:$port" --duration "$warmup" --publishers 8 >/dev/null 2>&1 &
      warming+=($!)
    done
    wait "${warming[@]}" || true
    local outs=()
    for port in "${ports[@]}"; do
      "$herald_bench" run --scenario "$scenario" --server "http://127.0.0.1:$port" "$@" 2>/dev/null | tail -1 >"$work/out-$port.json" &
      outs+=($!)
    done
    wait "${outs[@]}"
    rates+=("$(cat "$work"/out-*.json | grep -o '"eventsPerSecond":[0-9.]*' | cut -d: -f2 | awk '{s+=$1} END {printf "%.0f", s}')")
    stop_all
  done
  local rate
  rate=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '| %-62s | %12s | %s |\n' "$label" "$rate" "$(IFS=' '; echo "${rates[*]}")"
}

payload=$(head -c 200 /dev/zero | tr '\0' 'x')
echo "| scenario (Redis store, AOF + appendfsync always, 2 nodes) | median events/s | runs (events/s) |"
echo "|---|---|---|"
measure "batch 1000 x 200 B, 4 publishers (2 per node)" publish --publishers 2 --batch 1000 --duration "$seconds"
measure "single POST 200 B, 32 publishers (16 per node)" publish --publishers 16 --duration "$seconds"

start_all
echo
echo "redis-benchmark ceiling, same redis-server (pipelined XADD of 200 B, 32 clients, -P 16):"
redis-benchmark -p "$rport" -c 32 -P 16 -n 1000000 -q XADD 'bench:{ceiling}:log' '*' data "$payload" | tr '\r' '\n' | grep -v '^$' | tail -1
echo "redis-benchmark, same, without pipelining (-P 1):"
redis-benchmark -p "$rport" -c 32 -P 1 -n 200000 -q XADD 'bench:{ceiling}:log' '*' data "$payload" | tr '\r' '\n' | grep -v '^$' | tail -1

# $1: subscribers (split over both nodes). Opens them, publishes 200 single events, and prints Redis's command counts
# over the publishing window only.
fanout() {
  local subscribers=$1 stream="fan$1"
  python3 - "$subscribers" "$stream" "${ports[@]}" >"$work/subs.log" 2>&1 <<'PY' &
import asyncio, sys
n, stream, ports = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
async def sub(i, ready, done):
    r, w = await asyncio.open_connection("127.0.0.1", int(ports[i % len(ports)]))
    w.write(f"GET /streams/{stream} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n".encode()); await w.drain()
    ready.append(i)
    seen = 0
    while seen < 200:
        line = await asyncio.wait_for(r.readline(), 60)
        if not line: break
        if line.startswith(b"id: "): seen += 1
    done.append(seen)
async def main():
    ready, done = [], []
    tasks = [asyncio.create_task(sub(i, ready, done)) for i in range(n)]
    await asyncio.wait_for(asyncio.gather(*tasks), 120)
    print(f"{len([d for d in done if d == 200])} of {n} subscribers received all 200 events")
asyncio.run(main())
PY
  local subs=$!
  # Wait until every subscription is open on the nodes (the info endpoint counts a node's own subscribers).
  for _ in $(seq 1 200); do
    local total=0
    for port in "${ports[@]}"; do
      total=$((total + $(curl -s "http://127.0.0.1:$port/streams/$stream/info" | grep -o '"subscribers":[0-9]*' | cut -d: -f2)))
    done
    [ "$total" -ge "$subscribers" ] && break
    sleep 0.1
  done
  rcli config resetstat >/dev/null
  for i in $(seq 1 200); do curl -s -o /dev/null -XPOST "http://127.0.0.1:${ports[$((i % 2))]}/streams/$stream" -d "e$i"; done
  wait "$subs"
  echo "$subscribers subscribers over 2 nodes, 200 single publishes: $(cat "$work/subs.log")"
  rcli info commandstats | grep -E 'cmdstat_(xread|xrange|evalsha|get):' | tr -d '\r' | sed 's/^/    /'
}
echo
echo "INFO commandstats while publishing (CONFIG RESETSTAT after the subscribers connected):"
fanout 1
fanout 1000
stop_all
