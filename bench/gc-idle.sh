#!/usr/bin/env bash
# Idle RSS per connection under three GC settings of the server (server GC, the default; workstation GC; server GC with
# GCConserveMemory=7), alternating, 5,000 idle SQLite subscribers, a fresh server per run. SERVER=<path> picks the build.
#   bash bench/gc-idle.sh
set -u
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ulimit -n 20000
bench=src/Herald.Bench/bin/Release/net10.0/Herald.Bench
for run in 1 2 3; do
  for variant in default workstation conserve; do
    rm -f "$work"/h.db*
    envs=()
    [ "$variant" = workstation ] && envs=(DOTNET_gcServer=0)
    [ "$variant" = conserve ] && envs=(DOTNET_GCConserveMemory=7)
    env "${envs[@]}" "${SERVER:-src/Herald.Server/bin/Release/net10.0/Herald.Server}" --urls http://127.0.0.1:5196 --store sqlite:"$work"/h.db --max-connections-per-ip 0 --max-connections 0 >"$work"/s.log 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/5196) 2>/dev/null && break; sleep 0.1; done
    sleep 1
    r=$(timeout 120 $bench run --scenario idle --server http://127.0.0.1:5196 --subscribers 5000 --duration 5 --server-pid $pid 2>/dev/null | grep -o '"rssPerConnectionKiB":[^,}]*')
    echo "$variant $r"
    kill -KILL $pid; wait $pid 2>/dev/null
  done
done
