#!/usr/bin/env bash
# What one more idle connection costs at the margin, per server: a fresh server per kind (the naive baseline, Herald
# SQLite, Herald memory:), 10 s of fan-out warm-up, then 5,000 idle subscribers held while a second `herald-bench run
# --scenario idle` adds 5,000 more; the second's rssPerConnectionKiB is the RSS per connection from 5,000 to 10,000,
# free of what the warm-up left committed (which the one-batch figure of bench/compare.sh counts in).
#   ulimit -n 20000; bash bench/idle-margin.sh            # ~75 s; KINDS="sqlite" for one
# Loopback only; stops exactly the PIDs it started.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
port=${PORT:-5197}
url="http://127.0.0.1:$port"
server=src/Herald.Server/bin/Release/net10.0/Herald.Server
baseline=bench/Herald.Baseline/bin/Release/net10.0/Herald.Baseline
herald_bench=src/Herald.Bench/bin/Release/net10.0/Herald.Bench
if [ -z "${NO_BUILD:-}" ]; then
  for project in src/Herald.Server/Herald.Server.csproj bench/Herald.Baseline/Herald.Baseline.csproj src/Herald.Bench/Herald.Bench.csproj; do
    dotnet build "$project" -c Release -v q -nologo >/dev/null
  done
fi
work=$(mktemp -d)
pid=""; holder=""
cleanup() {
  for p in $holder $pid; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

for kind in ${KINDS:-baseline sqlite memory}; do
  case $kind in
    baseline) "$baseline" --urls "$url" >"$work/server.log" 2>&1 & ;;
    sqlite) "$server" --urls "$url" --store "sqlite:$work/herald.db" --retention 2000000 --max-connections-per-ip 0 --max-connections 0 >"$work/server.log" 2>&1 & ;;
    memory) "$server" --urls "$url" --store memory: --retention 2000000 --max-connections-per-ip 0 --max-connections 0 >"$work/server.log" 2>&1 & ;;
    *) echo "unknown kind: $kind" >&2; exit 2 ;;
  esac
  pid=$!
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
  done
  "$herald_bench" run --scenario fanout --server "$url" --subscribers 50 --publishers 4 --rate 0 --duration 10 >/dev/null 2>&1 || true
  "$herald_bench" run --scenario idle --server "$url" --server-pid "$pid" --subscribers 5000 --duration 30 >/dev/null 2>&1 &
  holder=$!
  sleep 12
  json=$("$herald_bench" run --scenario idle --server "$url" --server-pid "$pid" --subscribers 5000 --duration 5 2>/dev/null | tail -1) || true
  wait "$holder" || true; holder=""
  kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""
  rm -f "$work"/herald.db*
  echo "$kind: KiB RSS per connection from 5,000 to 10,000: $(echo "$json" | grep -o '"rssPerConnectionKiB":[^,}]*' | cut -d: -f2)"
done
