#!/usr/bin/env bash
# Issue #13: one connection following N streams (GET /subscribe) against N connections following one stream each, under
# the same publish load, run alternately (composite, separate, composite, …) so the machine's drift hits both alike.
# Every run starts a fresh Herald.Server on loopback with a fresh SQLite file, warms it up with both shapes (so the
# heap both variants start from is the same), runs one bounded `herald-bench run --streams N [--composite]`, and stops
# exactly the PID it started. Prints each run, then the medians and the ratio composite ÷ separate.
#   dotnet build src/Herald.Server -c Release && dotnet build src/Herald.Bench -c Release
#   bash bench/streams.sh                                   # 64 streams, 100 subscribers, 2,000 events/s, 12 s, 3 runs each
#   RUNS=5 STREAMS=16 SUBSCRIBERS=200 RATE=4000 SECONDS_PER_RUN=15 bash bench/streams.sh
#   JSON_OUT=/tmp/streams.jsonl bash bench/streams.sh       # also keep every run's JSON line
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
streams=${STREAMS:-64}
subscribers=${SUBSCRIBERS:-100}
publishers=${PUBLISHERS:-8}
rate=${RATE:-2000}
seconds=${SECONDS_PER_RUN:-12}
warmup=${WARMUP_SECONDS:-5}
port=${PORT:-5199}
url="http://127.0.0.1:$port"
json_out=${JSON_OUT:-/dev/null}
server_dll=src/Herald.Server/bin/Release/net10.0/Herald.Server.dll
herald_bench=src/Herald.Bench/bin/Release/net10.0/Herald.Bench
for built in "$server_dll" "$herald_bench"; do
  [ -e "$built" ] || { echo "streams.sh: $built is not built (dotnet build src/Herald.Server -c Release; dotnet build src/Herald.Bench -c Release)" >&2; exit 2; }
done

# The separate variant opens subscribers × streams sockets in the bench and as many in the server.
needed=$((subscribers * streams + publishers + 200))
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$needed" ]; then
  echo "streams.sh: ulimit -n is $(ulimit -n) (hard $(ulimit -Hn)); $subscribers subscribers x $streams streams need about $needed" >&2
  exit 2
fi

work=$(mktemp -d)
pid=""
cleanup() { if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

start() {
  # Every subscription comes from 127.0.0.1: lift the per-address cap, and the total cap for the separate variant.
  dotnet "$server_dll" --urls "$url" --store "sqlite:$work/herald.db" --max-connections-per-ip 0 --max-connections 0 >"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "streams.sh: the server did not start:" >&2; cat "$work/server.log" >&2; exit 1
}
stop() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; rm -f "$work"/herald.db*; }

field() { echo "$1" | grep -o "\"$2\":[-0-9.a-z]*" | head -1 | cut -d: -f2; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A values
keys="deliveriesPerSecond deliveriesPerServerCpuSecond p99Ms rssPerSubscriberKiB rssPerConnectionKiB bytesPerDelivery serverCpuSecondsUnderLoad benchCpuSeconds"
exact=true
echo "shape: $streams streams, $subscribers subscribers, $publishers publishers offering $rate events/s in total, ${seconds} s per run, $runs runs each, $(date -u '+%Y-%m-%d %H:%M UTC')"
for run in $(seq 1 "$runs"); do
  for variant in composite separate; do
    flag=""; [ "$variant" = composite ] && flag="--composite"
    start
    # Warm-up outside the measured run: JIT, and the connect, subscribe and delivery paths of both shapes, alike for both variants.
    "$herald_bench" run --server "$url" --streams "$streams" --composite --subscribers 10 --publishers 4 --rate "$rate" --duration "$warmup" >/dev/null 2>&1 || true
    "$herald_bench" run --server "$url" --streams "$streams" --subscribers 10 --publishers 4 --rate "$rate" --duration "$warmup" >/dev/null 2>&1 || true
    json=$("$herald_bench" run --server "$url" --server-pid "$pid" --streams "$streams" $flag --subscribers "$subscribers" \
      --publishers "$publishers" --rate "$rate" --duration "$seconds" 2>"$work/table.txt" | tail -1) || true
    stop
    if [ -z "$json" ]; then echo "streams.sh: $variant run $run produced no result:" >&2; cat "$work/table.txt" >&2; exit 1; fi
    echo "{\"variant\":\"$variant\",\"run\":$json}" >>"$json_out"
    [ "$(field "$json" exact)" = true ] || exact=false
    line="$variant run $run:"
    for key in $keys; do
      value=$(field "$json" "$key")
      values[$variant.$key]="${values[$variant.$key]:-} $value"
      line="$line $key=$value"
    done
    echo "$line exact=$(field "$json" exact)"
  done
done

echo
echo "| figure | composite (1 connection x $streams streams each): runs → median | separate ($streams connections each): runs → median | composite ÷ separate |"
echo "|---|---|---|---|"
for key in $keys; do
  # shellcheck disable=SC2086
  c=$(median ${values[composite.$key]}); s=$(median ${values[separate.$key]})
  ratio=$(awk -v a="$c" -v b="$s" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
  echo "| $key | ${values[composite.$key]# } → **$c** | ${values[separate.$key]# } → **$s** | $ratio |"
done
echo
echo "every run exact: $exact"
