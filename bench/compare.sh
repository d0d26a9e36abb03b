#!/usr/bin/env bash
# Issue 4's targets: Herald against the naive baseline (bench/Herald.Baseline) measured in the same run, so that the
# ratios hold on a noisy machine. Every run starts a fresh server on loopback (new SQLite file), warms it up, runs one
# bounded `herald-bench run`, and stops exactly the PID it started. Prints the median of RUNS runs and the ratio to the
# baseline's median.
#   ulimit -n 65536            # 10,000 idle connections need >10,000 descriptors in each process (or the hard limit, if lower)
#   bash bench/compare.sh      # all scenarios, 3 runs each, 10 s per timed run
#   RUNS=5 SECONDS_PER_RUN=10 SCENARIOS="fanout publish" bash bench/compare.sh
#   JSON_OUT=/tmp/compare.jsonl bash bench/compare.sh   # also keep every run's JSON line
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
seconds=${SECONDS_PER_RUN:-10}
warmup=${WARMUP_SECONDS:-10}
scenarios=${SCENARIOS:-fanout publish idle catchup}
port=${PORT:-5197}
url="http://127.0.0.1:$port"
json_out=${JSON_OUT:-/dev/null}

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 10200 ]; then
  echo "compare.sh: ulimit -n is $(ulimit -n); the 10,000-connection run needs about 10,200 (ulimit -n 65536, or raise the hard limit)" >&2
  exit 2
fi

if [ -z "${NO_BUILD:-}" ]; then
  for project in src/Herald.Server/Herald.Server.csproj src/Herald.Bench/Herald.Bench.csproj bench/Herald.Baseline/Herald.Baseline.csproj; do
    dotnet build "$project" -c Release -v q -nologo >/dev/null
  done
fi
server=src/Herald.Server/bin/Release/net10.0/Herald.Server
baseline=bench/Herald.Baseline/bin/Release/net10.0/Herald.Baseline
herald_bench=src/Herald.Bench/bin/Release/net10.0/Herald.Bench
work=$(mktemp -d)
pid=""
cleanup() { if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

start() { # $1: baseline | sqlite | memory
  # Every subscription comes from 127.0.0.1: lift Herald's per-address and total caps (docs/operations.md "Limits").
  local uncapped="--max-connections-per-ip 0 --max-connections 0"
  case $1 in
    baseline) "$baseline" --urls "$url" >"$work/server.log" 2>&1 & ;;
    sqlite) "$server" --urls "$url" --store "sqlite:$work/herald.db" --retention 2000000 $uncapped >"$work/server.log" 2>&1 & ;;
    memory) "$server" --urls "$url" --store memory: --retention 2000000 $uncapped >"$work/server.log" 2>&1 & ;;
  esac
  pid=$!
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "compare.sh: $1 server did not start:" >&2; cat "$work/server.log" >&2; exit 1
}
stop() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; rm -f "$work"/herald.db*; }

field() { echo "$1" | grep -o "\"$2\":[-0-9.a-z]*" | head -1 | cut -d: -f2; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# $1: label, $2: server kind, $3: JSON field for the headline figure, rest: herald-bench run options.
# Sets $last_median; prints a table row (median, median p99, runs, ratio to $base_median when set).
measure() {
  local label=$1 kind=$2 key=$3; shift 3
  local values=() p99s=() exact=true
  for _ in $(seq 1 "$runs"); do
    start "$kind"
    # Warm-up outside the measured run: JIT and connection set-up of publish and delivery (and replay, for catch-up).
    # Long enough for tiered compilation to finish with the hot paths (bench/redis-figures.sh has the measurement).
    "$herald_bench" run --scenario fanout --server "$url" --subscribers 50 --publishers 4 --rate 0 --duration "$warmup" >/dev/null 2>&1 || true
    if [ "$1" = --scenario ] && [ "$2" = catchup ]; then "$herald_bench" run --scenario catchup --server "$url" --events 20000 >/dev/null 2>&1 || true; fi
    local json
    json=$("$herald_bench" run --server "$url" --server-pid "$pid" "$@" 2>"$work/table.txt" | tail -1) || true
    stop
    if [ -z "$json" ]; then echo "compare.sh: $label on $kind produced no result:" >&2; cat "$work/table.txt" >&2; exit 1; fi
    echo "{\"label\":\"$label\",\"kind\":\"$kind\",\"run\":$json}" >>"$json_out"
    values+=("$(field "$json" "$key")")
    p99s+=("$(field "$json" p99Ms)")
    [ "$(field "$json" exact)" = true ] || exact=false
  done
  last_median=$(median "${values[@]}")
  local ratio="-"
  if [ -n "${base_median:-}" ] && [ "$kind" != baseline ]; then ratio=$(awk -v a="$last_median" -v b="$base_median" 'BEGIN { if (b > 0) printf "%.2f x", a / b; else print "-" }'); fi
  printf '| %-44s | %-8s | %-19s | %12s | %9s | %-8s | %-30s | %s |\n' "$label" "$kind" "$key" "$last_median" "$(median "${p99s[@]}")" "$ratio" "$(IFS=' '; echo "${values[*]}")" "$exact"
}

# $1: label, $2: headline field, $3: herald kinds besides the baseline, rest: bench options. Baseline first, then ratios.
compare() {
  local label=$1 key=$2 kinds=$3; shift 3
  base_median=""
  measure "$label" baseline "$key" "$@"
  base_median=$last_median
  for kind in $kinds; do measure "$label" "$kind" "$key" "$@"; done
}

echo "| scenario | server | figure | median | median p99 ms | vs baseline | runs | exact |"
echo "|---|---|---|---|---|---|---|---|"
for scenario in $scenarios; do
  case $scenario in
    fanout)
      compare "fan-out 1,000 subs x 8 pubs offering 2,000/s" deliveriesPerSecond sqlite \
        --scenario fanout --subscribers 1000 --publishers 8 --rate 2000 --duration "$seconds" ;;
    publish)
      compare "publish, 8 closed-loop publishers, 200 B" publishesPerSecond "sqlite memory" \
        --scenario publish --publishers 8 --duration "$seconds" ;;
    idle)
      compare "idle 5,000 connections (KiB RSS each)" rssPerConnectionKiB sqlite --scenario idle --subscribers 5000 --duration 5
      compare "idle 10,000 connections (KiB RSS each)" rssPerConnectionKiB sqlite --scenario idle --subscribers 10000 --duration 5 ;;
    catchup)
      compare "catch-up 50,000 retained events" eventsPerSecond sqlite --scenario catchup --events 50000
      compare "catch-up 1,000,000 retained events" eventsPerSecond sqlite --scenario catchup --events 1000000 ;;
    *) echo "compare.sh: unknown scenario $scenario" >&2; exit 2 ;;
  esac
done
