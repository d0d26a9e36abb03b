#!/usr/bin/env bash
# A/B of two Herald.Server builds, alternating A and B runs so that the machine's drift hits both alike. Each run starts
# a fresh server on loopback (new SQLite file when the store is sqlite), warms it up, runs one bounded `herald-bench run`,
# and stops exactly the PID it started.
#   dotnet build src/Herald.Server -c Release -o /tmp/herald-a     # before the change
#   dotnet build src/Herald.Server -c Release -o /tmp/herald-b     # after it
#   (or `dotnet publish src/Herald.Server -c Release -r linux-x64 --self-contained false -o …`: as deployed, compiled
#   ahead of time, which is what bench/compare.sh runs; a build's fresh server warms up through the JIT)
#   A_DIR=/tmp/herald-a B_DIR=/tmp/herald-b RUNS=3 bash bench/ab.sh memory: --scenario publish --publishers 8 --duration 10
#   A_DIR=… B_DIR=… bash bench/ab.sh sqlite --scenario idle --subscribers 5000 --duration 5
#   A_DIR=/tmp/h B_DIR=/tmp/h B_ARGS="--delivery-window 20" bash bench/ab.sh sqlite --scenario fanout --subscribers 1000 --publishers 8 --rate 2000 --duration 10
# A_ARGS / B_ARGS: extra server options for each side (one build, two settings).
# A_ENV / B_ENV: environment assignments for each side's server, e.g. the GC mode:
#   A_DIR=/tmp/h B_DIR=/tmp/h B_ENV=DOTNET_gcServer=0 WARMUP_SECONDS=0 bash bench/ab.sh sqlite --scenario idle --subscribers 5000 --duration 5
# Prints one line per run with the headline figures of `herald-bench run`'s JSON line.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${A_DIR:?set A_DIR to the folder of build A (holding Herald.Server)}"
: "${B_DIR:?set B_DIR to the folder of build B}"
if [ $# -lt 1 ]; then echo "usage: A_DIR=… B_DIR=… bash bench/ab.sh <memory:|sqlite> <herald-bench run options…>" >&2; exit 2; fi
runs=${RUNS:-3}
store=$1; shift
port=${PORT:-5198}
url="http://127.0.0.1:$port"
herald_bench=src/Herald.Bench/bin/Release/net10.0/Herald.Bench
[ -x "$herald_bench" ] || dotnet build src/Herald.Bench/Herald.Bench.csproj -c Release -v q -nologo >/dev/null
work=$(mktemp -d)
pid=""
cleanup() { if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

for _ in $(seq 1 "$runs"); do
  for variant in A B; do
    dir=$A_DIR; extra=${A_ARGS:-}; envs=${A_ENV:-}
    if [ "$variant" = B ]; then dir=$B_DIR; extra=${B_ARGS:-}; envs=${B_ENV:-}; fi
    target=$store; [ "$store" = sqlite ] && target="sqlite:$work/herald.db"
    # shellcheck disable=SC2086 # $envs and $extra are lists of words
    env $envs "$dir/Herald.Server" --urls "$url" --store "$target" --retention 2000000 --max-connections-per-ip 0 --max-connections 0 $extra >"$work/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 200); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
      sleep 0.1
    done
    if [ "${WARMUP_SECONDS:-10}" != 0 ]; then
      "$herald_bench" run --scenario fanout --server "$url" --subscribers 50 --publishers 4 --rate 0 --duration "${WARMUP_SECONDS:-10}" >/dev/null 2>&1 || true
    fi
    json=$("$herald_bench" run --server "$url" --server-pid "$pid" "$@" 2>"$work/bench.err" | tail -1) || true
    kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""
    rm -f "$work"/herald.db*
    if [ -z "$json" ]; then
      # One failed run must not end the A/B: say why, and go on with the next.
      echo "$variant failed: $(tail -3 "$work/bench.err" | tr '\n' ' ')"; continue
    fi
    figures=$(echo "$json" | grep -o '"\(publishesPerSecond\|deliveriesPerSecond\|eventsPerSecond\|rssPerConnectionKiB\|rssBeforeKiB\|rssEndKiB\|p99Ms\|firstEventMs\|serverCpuSeconds\|exact\)":[^,}]*' | tr '\n' ' ')
    echo "$variant $figures"
  done
done
