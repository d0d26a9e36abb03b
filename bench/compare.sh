#!/usr/bin/env bash
# Issues 4 and 14: Herald (SQLite and memory:) against the naive baseline (bench/Herald.Baseline) measured in the same
# run, so that the ratios hold on a noisy machine; the server's CPU seconds beside every figure. Every run starts a fresh server on loopback (new SQLite file), warms it up, runs one
# bounded `herald-bench run`, and stops exactly the PID it started. Prints the median of RUNS runs and the ratio to the
# baseline's median.
#   ulimit -n 65536            # 10,000 idle connections need >10,000 descriptors in each process (or the hard limit, if lower)
#   bash bench/compare.sh      # all scenarios (fanout publish idle margin streams catchup), 3 runs each, 10 s per timed run
#   RUNS=5 SECONDS_PER_RUN=10 SCENARIOS="fanout publish" bash bench/compare.sh
#   JSON_OUT=/tmp/compare.jsonl bash bench/compare.sh   # also keep every run's JSON line
#   SERVER_CPUS=0 BENCH_CPUS=1 SCENARIOS=catchup bash bench/compare.sh   # every server on CPU 0, the load generator on CPU 1
#     (taskset): the generator no longer takes the server's cores, at the price of a server on one core
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
seconds=${SECONDS_PER_RUN:-10}
warmup=${WARMUP_SECONDS:-10}
scenarios=${SCENARIOS:-fanout publish idle margin streams catchup}
port=${PORT:-5197}
url="http://127.0.0.1:$port"
json_out=${JSON_OUT:-/dev/null}
on_server_cpus=(); if [ -n "${SERVER_CPUS:-}" ]; then on_server_cpus=(taskset -c "$SERVER_CPUS"); fi
on_bench_cpus=(); if [ -n "${BENCH_CPUS:-}" ]; then on_bench_cpus=(taskset -c "$BENCH_CPUS"); fi

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 10200 ]; then
  echo "compare.sh: ulimit -n is $(ulimit -n); the 10,000-connection run needs about 10,200 (ulimit -n 65536, or raise the hard limit)" >&2
  exit 2
fi

# Both servers run as a deployment runs them: published for this platform, so compiled ahead of time (ReadyToRun,
# docs/operations.md "systemd"); a fresh server per run would otherwise measure the JIT's warm-up as much as the server.
rid=${RID:-linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')}
published=artifacts/compare
if [ -z "${NO_BUILD:-}" ]; then
  dotnet build src/Herald.Bench/Herald.Bench.csproj -c Release -v q -nologo >/dev/null
  dotnet publish src/Herald.Server/Herald.Server.csproj -c Release -r "$rid" --self-contained false -o "$published/server" -v q -nologo >/dev/null
  dotnet publish bench/Herald.Baseline/Herald.Baseline.csproj -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true -o "$published/baseline" -v q -nologo >/dev/null
fi
server=$published/server/Herald.Server
baseline=$published/baseline/Herald.Baseline
herald_bench=src/Herald.Bench/bin/Release/net10.0/Herald.Bench
work=$(mktemp -d)
pid=""
holder=""
cleanup() { for p in $holder $pid; do kill -KILL "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

start() { # $1: baseline | sqlite | memory
  # Every subscription comes from 127.0.0.1: lift Herald's per-address and total caps (docs/operations.md "Limits").
  local uncapped="--max-connections-per-ip 0 --max-connections 0"
  case $1 in
    baseline) "${on_server_cpus[@]}" "$baseline" --urls "$url" >"$work/server.log" 2>&1 & ;;
    sqlite) "${on_server_cpus[@]}" "$server" --urls "$url" --store "sqlite:$work/herald.db" --retention 2000000 $uncapped >"$work/server.log" 2>&1 & ;;
    memory) "${on_server_cpus[@]}" "$server" --urls "$url" --store memory: --retention 2000000 $uncapped >"$work/server.log" 2>&1 & ;;
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

# $1: label, $2: server kind, $3: space-separated figures (JSON fields, or the derived deliveriesPerCpuSecond and
# rssLeftPerSubscriberKiB), rest: herald-bench run options. Runs RUNS times; prints one table row per figure (median,
# median p99, median server CPU seconds, ratio to the baseline's median of the same figure, runs, exact).
# With hold=N set, N idle subscribers connect after the warm-up and stay through the measured run.
measure() {
  local label=$1 kind=$2 keys=$3; shift 3
  local jsons=() exact=true
  for _ in $(seq 1 "$runs"); do
    start "$kind"
    # Warm-up outside the measured run: JIT and connection set-up of publish and delivery (and replay, for catch-up).
    # Long enough for tiered compilation to finish with the hot paths (bench/redis-figures.sh has the measurement).
    "${on_bench_cpus[@]}" "$herald_bench" run --scenario fanout --server "$url" --subscribers 50 --publishers 4 --rate 0 --duration "$warmup" >/dev/null 2>&1 || true
    if [ "$1" = --scenario ] && [ "$2" = catchup ]; then "${on_bench_cpus[@]}" "$herald_bench" run --scenario catchup --server "$url" --events 20000 >/dev/null 2>&1 || true; fi
    if [ -n "${hold:-}" ]; then
      "${on_bench_cpus[@]}" "$herald_bench" run --scenario idle --server "$url" --subscribers "$hold" --duration 30 >/dev/null 2>&1 &
      holder=$!
      sleep 12
    fi
    local json
    json=$("${on_bench_cpus[@]}" "$herald_bench" run --server "$url" --server-pid "$pid" "$@" 2>"$work/table.txt" | tail -1) || true
    if [ -n "$holder" ]; then wait "$holder" || true; holder=""; fi
    stop
    if [ -z "$json" ]; then echo "compare.sh: $label on $kind produced no result:" >&2; cat "$work/table.txt" >&2; exit 1; fi
    echo "{\"label\":\"$label\",\"kind\":\"$kind\",\"run\":$json}" >>"$json_out"
    jsons+=("$json")
    [ "$(field "$json" exact)" = true ] || exact=false
  done
  local cpus=() p99s=()
  for json in "${jsons[@]}"; do cpus+=("$(field "$json" serverCpuSeconds)"); p99s+=("$(field "$json" p99Ms)"); done
  for key in $keys; do
    local values=()
    for json in "${jsons[@]}"; do values+=("$(figure "$json" "$key")"); done
    local value_median ratio="-"
    value_median=$(median "${values[@]}")
    if [ "$kind" = baseline ]; then base_medians[$key]=$value_median
    elif [ -n "${base_medians[$key]:-}" ]; then ratio=$(awk -v a="$value_median" -v b="${base_medians[$key]}" 'BEGIN { if (b > 0) printf "%.2f x", a / b; else print "-" }'); fi
    printf '| %-44s | %-8s | %-24s | %12s | %9s | %8s | %-8s | %-30s | %s |\n' "$label" "$kind" "$key" "$value_median" "$(median "${p99s[@]}")" "$(median "${cpus[@]}" | awk '{ printf "%.2f", $1 }')" "$ratio" "$(IFS=' '; echo "${values[*]}")" "$exact"
  done
}

# One figure of one run's JSON line: a field, or a figure derived from fields.
figure() {
  case $2 in
    deliveriesPerCpuSecond) awk -v d="$(field "$1" deliveries)" -v c="$(field "$1" serverCpuSeconds)" 'BEGIN { if (c > 0) printf "%.0f", d / c; else print 0 }' ;;
    rssLeftPerSubscriberKiB) awk -v e="$(field "$1" rssEndKiB)" -v b="$(field "$1" rssBeforeKiB)" -v n="$(field "$1" connected)" 'BEGIN { if (n > 0) printf "%.2f", (e - b) / n; else print 0 }' ;;
    *) field "$1" "$2" ;;
  esac
}

# $1: label, $2: figures, $3: herald kinds besides the baseline, rest: bench options. Baseline first, then ratios.
compare() {
  local label=$1 keys=$2 kinds=$3; shift 3
  declare -gA base_medians=()
  measure "$label" baseline "$keys" "$@"
  for kind in $kinds; do measure "$label" "$kind" "$keys" "$@"; done
}

# The disk's bound for N closed-loop durable publishers: each waits for one fsync, so N ÷ (one O_DSYNC 4 KiB write).
fsync_bound() {
  local out seconds
  out=$(dd if=/dev/zero of="$work/fsync.bin" bs=4096 count=500 oflag=dsync 2>&1 >/dev/null | tail -1)
  rm -f "$work/fsync.bin"
  seconds=$(echo "$out" | grep -o '[0-9.]* s,' | cut -d' ' -f1)
  awk -v s="$seconds" 'BEGIN { l = s / 500; printf "| %-44s | %-8s | %-24s | %12.0f | %9.3f | %8s | %-8s | %-30s | %s |\n", "fsync bound: 8 ÷ one O_DSYNC 4 KiB write", "disk", "publishesPerSecond", 8 / l, l * 1000, "-", "-", "dd oflag=dsync, 500 writes", "-" }'
}

echo "| scenario | server | figure | median | median p99 ms | server CPU s | vs baseline | runs | exact |"
echo "|---|---|---|---|---|---|---|---|---|"
for scenario in $scenarios; do
  case $scenario in
    fanout)
      compare "fan-out 1,000 subs x 8 pubs offering 2,000/s" "deliveriesPerSecond deliveriesPerCpuSecond" "sqlite memory" \
        --scenario fanout --subscribers 1000 --publishers 8 --rate 2000 --duration "$seconds" ;;
    publish)
      fsync_bound
      compare "publish, 8 closed-loop publishers, 200 B" publishesPerSecond "sqlite memory" \
        --scenario publish --publishers 8 --duration "$seconds"
      compare "publish, 64 closed-loop publishers, 200 B" publishesPerSecond "sqlite memory" \
        --scenario publish --publishers 64 --duration "$seconds" ;;
    idle)
      compare "idle 5,000 connections (KiB RSS each)" rssPerConnectionKiB "sqlite memory" --scenario idle --subscribers 5000 --duration 5
      compare "idle 10,000 connections (KiB RSS each)" rssPerConnectionKiB "sqlite memory" --scenario idle --subscribers 10000 --duration 5
      # herald-server keeps its connections under the open-file limit, less ~100 open at start and a margin of
      # 256 + 8 per processor, and with --max-connections 0 leaves publishers a tenth (at most 1,000) of them
      # (ConnectionBudget, docs/operations.md). Under a hard limit too low for 20,000 (20,000 on the standard machine,
      # which root inside its container cannot raise) the row runs at the most Herald accepts there (18,600 on 2 cores),
      # and says so. (At 19,800 of 20,000 the baseline aborts: "Out of memory." from the runtime.)
      most=20000
      if [ "$(ulimit -n)" != unlimited ]; then
        room=$(( $(ulimit -n) - 100 - 256 - 8 * $(nproc) ))
        fits=$(( room - (room / 10 < 1000 ? room / 10 : 1000) ))
        if [ "$fits" -lt "$most" ]; then most=$(( fits / 100 * 100 )); fi
      fi
      compare "idle $most connections (KiB RSS each)" rssPerConnectionKiB "sqlite memory" --scenario idle --subscribers "$most" --duration 5 ;;
    margin)
      # One more idle connection's cost: 5,000 held while 5,000 more connect. The second batch's RSS per connection is
      # free of what the warm-up left committed, which the one-batch idle rows count in.
      hold=5000 compare "idle 5,000 -> 10,000 connections (KiB RSS each)" rssPerConnectionKiB "sqlite memory" --scenario idle --subscribers 5000 --duration 5 ;;
    streams)
      # Held 12 s, and 12 s after they leave: herald-server looks for a wave of departures every 10 s (docs/operations.md).
      compare "10,000 streams, 1 subscriber each (KiB RSS per stream+sub)" "rssPerConnectionKiB rssLeftPerSubscriberKiB" "sqlite memory" \
        --scenario idle --subscribers 10000 --stream-per-subscriber --duration 12
      # 50,000 streams with a subscriber each need 50,000 connections, more than one process may open here; so 10,000
      # subscribers follow 5 streams of their own each on one GET /subscribe. Herald only: the baseline has no such request.
      declare -gA base_medians=()
      for kind in sqlite memory; do
        measure "50,000 streams, 10,000 subs x 5 own streams (KiB RSS per stream)" "$kind" "rssPerStreamKiB rssLeftPerSubscriberKiB" \
          --scenario idle --subscribers 10000 --streams 5 --composite --stream-per-subscriber --duration 12
      done ;;
    catchup)
      compare "catch-up 50,000 retained events" "eventsPerSecond firstEventMs" "sqlite memory" --scenario catchup --events 50000
      compare "catch-up 1,000,000 retained events" "eventsPerSecond firstEventMs" "sqlite memory" --scenario catchup --events 1000000 ;;
    *) echo "compare.sh: unknown scenario $scenario" >&2; exit 2 ;;
  esac
done
