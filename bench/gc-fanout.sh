#!/usr/bin/env bash
# Fan-out (1,000 subscribers, 8 publishers offering 2,000/s, SQLite) with server GC (the default) and workstation GC,
# alternating, a fresh server and SQLite file per run. SERVER=<path> picks the build.
#   bash bench/gc-fanout.sh
set -u
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ulimit -n 20000
bench=src/Herald.Bench/bin/Release/net10.0/Herald.Bench
for run in 1 2 3; do
  for variant in default workstation; do
    rm -f "$work"/h.db*
    envs=()
    [ "$variant" = workstation ] && envs=(DOTNET_gcServer=0)
    env "${envs[@]}" "${SERVER:-src/Herald.Server/bin/Release/net10.0/Herald.Server}" --urls http://127.0.0.1:5196 --store sqlite:"$work"/h.db --max-connections-per-ip 0 --max-connections 0 --retention 2000000 >"$work"/s.log 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/5196) 2>/dev/null && break; sleep 0.1; done
    timeout 60 $bench run --scenario fanout --server http://127.0.0.1:5196 --subscribers 50 --publishers 4 --rate 0 --duration 3 >/dev/null 2>&1
    r=$(timeout 120 $bench run --scenario fanout --server http://127.0.0.1:5196 --subscribers 1000 --publishers 8 --rate 2000 --duration 10 --server-pid $pid 2>/dev/null | grep -o '"\(deliveriesPerSecond\|p99Ms\|serverCpuSeconds\|exact\|deliveriesPerServerCpuSecond\)":[^,}]*' | tr '\n' ' ')
    echo "$variant $r"
    kill -KILL $pid; wait $pid 2>/dev/null
  done
done
