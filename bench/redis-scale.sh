#!/usr/bin/env bash
# The Redis store at scale (docs/benchmarks.md, issue 10): one redis-server (AOF, appendfsync always) and two Herald
# nodes, all on loopback, load from bench/redis-scale.py.
#   1. 10,000 streams with one subscriber each, split over both nodes: Redis connections per node, RSS per
#      (stream + subscriber), and how long one event published to every stream takes to reach all subscribers.
#   2. 100,000 publish-only streams on one node: Redis connections and change-feed channels before and after, RSS before,
#      right after, and after the failover guard's marks expired.
#   bash bench/redis-scale.sh            STREAMS=10000 PUBLISH_ONLY=100000 IDLE_SECONDS=20 are the defaults
set -euo pipefail
cd "$(dirname "$0")/.."
streams=${STREAMS:-10000}
publish_only=${PUBLISH_ONLY:-100000}
idle=${IDLE_SECONDS:-20}
rport=${REDIS_PORT:-16410}
ports=(${PORT_A:-5193} ${PORT_B:-5194})
ulimit -n "$(ulimit -Hn)"  # 10,000 subscriber sockets in one load process
dotnet build src/Herald.Server -c Release -v q -nologo >/dev/null
server=src/Herald.Server/bin/Release/net10.0/Herald.Server
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; [ -n "${KEEP:-}" ] && cp -r "$work" /tmp/scale-work; rm -rf "$work"; }
trap cleanup EXIT
rcli() { redis-cli -p "$rport" "$@"; }

redis-server --port "$rport" --bind 127.0.0.1 --dir "$work" --appendonly yes --appendfsync always --save "" >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do rcli ping >/dev/null 2>&1 && break; sleep 0.1; done
node_pids=()
for port in "${ports[@]}"; do
  "$server" --urls "http://127.0.0.1:$port" --store "redis://127.0.0.1:$rport" --max-connections-per-ip 0 --max-connections 0 >"$work/node-$port.log" 2>&1 &
  pids+=($!); node_pids+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf -XPOST "http://127.0.0.1:$port/streams/warm-up" -d x >/dev/null
done

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
redis_conns() { ss -Htnp "dst 127.0.0.1:$rport" 2>/dev/null | grep -c "pid=$1," || true; }
# The live managed heap after a full GC (dotnet-gcdump forces one): what the node still holds, whatever the GC has not
# yet given back to the OS. Skipped when the tool is not installed (dotnet tool install -g dotnet-gcdump).
live_heap() {
  command -v dotnet-gcdump >/dev/null 2>&1 || export PATH="$PATH:$HOME/.dotnet/tools"
  command -v dotnet-gcdump >/dev/null 2>&1 || { echo "n/a"; return; }
  dotnet-gcdump collect -p "$1" -o "$work/heap.gcdump" >/dev/null 2>&1 || { echo "n/a"; return; }
  dotnet-gcdump report "$work/heap.gcdump" 2>/dev/null | awk '/GC Heap bytes/ {gsub(",", "", $1); printf "%.1f MiB", $1 / 1048576; exit}'
  rm -f "$work/heap.gcdump"
}
report_nodes() {
  for i in 0 1; do
    echo "    node ${ports[$i]}: RSS $(( $(rss_kib "${node_pids[$i]}") / 1024 )) MiB, Redis connections $(redis_conns "${node_pids[$i]}")"
  done
}

echo "== $streams streams, one subscriber each, over 2 nodes"
before=($(rss_kib "${node_pids[0]}") $(rss_kib "${node_pids[1]}"))
echo "  before:"; report_nodes
coproc SUBS { python3 bench/redis-scale.py subscribe "$streams" "${ports[@]}"; }
read -r -t 180 line <&"${SUBS[0]}"; [ "$line" = ready ] || { echo "subscribers did not connect: $line"; exit 1; }
sleep 2
echo "  $streams subscribers connected:"; report_nodes
echo "    channels subscribed on Redis: $(rcli pubsub shardchannels 'herald:*' | grep -c . || true)"
for i in 0 1; do
  per=$(( ($(rss_kib "${node_pids[$i]}") - ${before[$i]}) * 1024 / (streams / 2) ))
  echo "    node ${ports[$i]}: RSS per (stream + subscriber) $(awk -v b="$per" 'BEGIN {printf "%.1f", b / 1024}') KiB"
done
echo go >&"${SUBS[1]}"
python3 bench/redis-scale.py publish "$streams" scale- "${ports[@]}" | sed 's/^/  /'
read -r -t 180 line <&"${SUBS[0]}"; echo "  $line"
echo "  after the publishes:"; report_nodes
echo close >&"${SUBS[1]}"
wait "$SUBS_PID" 2>/dev/null || true
sleep 3
echo "  subscribers gone (3 s later):"; report_nodes
echo "    channels subscribed on Redis: $(rcli pubsub shardchannels 'herald:*' | grep -c . || true)"

echo
echo "== $publish_only publish-only streams through node ${ports[0]}"
echo "  before:"; report_nodes
echo "    node ${ports[0]}: live managed heap $(live_heap "${node_pids[0]}")"
python3 bench/redis-scale.py publish "$publish_only" only- "${ports[0]}" | sed 's/^/  /'
echo "  right after:"; report_nodes
echo "    channels subscribed on Redis: $(rcli pubsub shardchannels 'herald:*' | grep -c . || true)"
sleep "$idle"
echo "  $idle s later (the failover guard keeps a stream's mark 10 s on a Redis without replicas):"; report_nodes
echo "    node ${ports[0]}: live managed heap $(live_heap "${node_pids[0]}")"
