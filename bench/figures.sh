#!/usr/bin/env bash
# Reproduces the figures in docs/benchmarks.md: one Release build, then each scenario RUNS times against a server
# started fresh for every run (new SQLite file), and the median of the runs. Loopback only; every run is bounded in time.
#   bash bench/figures.sh            # all scenarios, 3 runs each, 8 s per publish run
#   RUNS=5 SECONDS_PER_RUN=10 bash bench/figures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-5190}
runs=${RUNS:-3}
seconds=${SECONDS_PER_RUN:-8}
url="http://127.0.0.1:$port"
dotnet build Herald.slnx -c Release -v q -nologo >/dev/null
server=src/Herald.Server/bin/Release/net10.0/Herald.Server
herald_bench=src/Herald.Bench/bin/Release/net10.0/Herald.Bench
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start() { # $1: store, rest: extra server options
  local store=$1; shift
  "$server" --urls "$url" --store "$store" "$@" >"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -sf "$url/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "server did not start:" >&2; cat "$work/server.log" >&2; exit 1
}
stop() { kill -TERM "$pid"; wait "$pid" || true; pid=""; rm -f "$work"/herald.db*; }

# $1: label, $2: store, $3: scenario, rest: load options. Prints the median events/s and the median p99 latency.
measure() {
  local label=$1 store=$2 scenario=$3; shift 3
  local rates=() p99s=()
  for _ in $(seq 1 "$runs"); do
    start "$store"
    # Warm-up (JIT, connections) outside the measured window, of the path the scenario measures.
    "$herald_bench" run --scenario publish --server "$url" --duration 2 --publishers 8 >/dev/null 2>&1
    if [ "$scenario" = catchup ]; then "$herald_bench" run --scenario catchup --server "$url" --events 20000 >/dev/null 2>&1; fi
    local json
    json=$("$herald_bench" run --scenario "$scenario" --server "$url" "$@" 2>/dev/null | tail -1)
    rates+=("$(echo "$json" | grep -o '"eventsPerSecond":[0-9.]*' | cut -d: -f2)")
    p99s+=("$(echo "$json" | grep -o '"p99Ms":[0-9.]*' | cut -d: -f2)")
    stop
  done
  local rate p99
  rate=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  p99=$(printf '%s\n' "${p99s[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '| %-48s | %12s | %10s | %s |\n' "$label" "$rate" "$p99" "$(IFS=' '; echo "${rates[*]}")"
}

echo "| scenario | median events/s | median p99 ms | runs (events/s) |"
echo "|---|---|---|---|"
measure "batch 1000 x 200 B, 4 publishers, SQLite FULL" "sqlite:$work/herald.db" publish --publishers 4 --batch 1000 --duration "$seconds"
measure "single POST 200 B, 32 publishers, SQLite FULL" "sqlite:$work/herald.db" publish --publishers 32 --duration "$seconds"
measure "single POST 200 B, 64 publishers, SQLite FULL" "sqlite:$work/herald.db" publish --publishers 64 --duration "$seconds"
measure "replay 100,000 retained events, SQLite" "sqlite:$work/herald.db" catchup --events 100000
measure "single POST 200 B, 32 publishers, memory: (HTTP ceiling)" "memory:" publish --publishers 32 --duration "$seconds"
measure "batch 1000 x 200 B, 4 publishers, memory: (HTTP ceiling)" "memory:" publish --publishers 4 --batch 1000 --duration "$seconds"
