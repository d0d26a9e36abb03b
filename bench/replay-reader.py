#!/usr/bin/env python3
"""Reads one stream from Last-Event-ID: 0 up to a given ID, REPS times, over a raw socket on loopback, and prints each
read's time. Used to profile a server's catch-up (perf record -p <server pid>) without a load generator's own parsing in
the samples (docs/benchmarks.md).

    python3 bench/replay-reader.py --port 5199 --stream orders --last 50000 --reps 60

It looks for the line "id: N" in the raw bytes, chunked framing included: a chunk boundary inside that one line would
hide it, and the read then ends with an error after --timeout.
"""
import argparse
import socket
import time
import urllib.parse

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--host", default="127.0.0.1", help="loopback only: 127.0.0.1, ::1 or localhost")
parser.add_argument("--port", type=int, default=5080)
parser.add_argument("--stream", required=True)
parser.add_argument("--last", type=int, required=True, help="the stream's last ID: a read ends when it arrives")
parser.add_argument("--reps", type=int, default=10)
parser.add_argument("--timeout", type=float, default=30.0, help="seconds allowed per read (checked between receives, each of which waits at most this long)")
args = parser.parse_args()
if args.host not in ("127.0.0.1", "::1", "localhost"):
    parser.error("--host must be loopback")

# The line starts after a newline, so a data line that happens to contain "id: N" cannot end the read.
target = f"\nid: {args.last}\n".encode()
host_header = f"[{args.host}]" if ":" in args.host else args.host
path = "/streams/" + urllib.parse.quote(args.stream, safe="")
for _ in range(args.reps):
    started = time.monotonic()
    with socket.create_connection((args.host, args.port), timeout=args.timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host_header}\r\nAccept: text/event-stream\r\n"
                  "Last-Event-ID: 0\r\n\r\n".encode())
        tail, total = b"", 0
        while True:
            try:
                data = s.recv(1 << 20)
            except TimeoutError:
                raise SystemExit(f"no data for {args.timeout} s after {total} bytes, before id {args.last}")
            if not data:
                raise SystemExit(f"connection closed after {total} bytes, before id {args.last}")
            total += len(data)
            tail = tail[-len(target):] + data
            if target in tail:
                break
            if time.monotonic() - started > args.timeout:
                raise SystemExit(f"read took longer than {args.timeout} s")
    print(f"read {total} bytes in {(time.monotonic() - started) * 1000:.1f} ms")
