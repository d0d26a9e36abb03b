#!/usr/bin/env python3
"""Load side of bench/redis-scale.sh: many streams on the Redis store, on loopback only.

  subscribe N PORTS...   opens N SSE subscriptions to streams scale-0..scale-(N-1), stream i on PORTS[i % len],
                         prints "ready" once every hello arrived, then waits for one event per stream after reading a
                         line "go" on stdin, and prints how long the last one took from the moment "go" was read.
  publish N FIRST PORTS  POSTs one event to each of streams <FIRST>0..<FIRST>(N-1) over 64 keep-alive connections,
                         prints the elapsed time.
Every wait is bounded (120 s); the script exits non-zero when a bound is hit.
"""
import asyncio, sys, time

BOUND = 120

async def subscribe(n, ports):
    ready = asyncio.Event(); opened = 0; received = 0; done = asyncio.Event(); go_at = [0.0]
    async def one(i):
        nonlocal opened, received
        r, w = await asyncio.open_connection("127.0.0.1", ports[i % len(ports)])
        w.write(f"GET /streams/scale-{i} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode())
        await w.drain()
        while True:
            line = await r.readline()
            if not line: raise RuntimeError(f"stream {i} closed before hello")
            if line.startswith(b"event: hello"): break
        opened += 1
        if opened == n: ready.set()
        while True:
            line = await r.readline()
            if not line: raise RuntimeError(f"stream {i} closed before its event")
            if line.startswith(b"id: "): break
        received += 1
        if received == n: done.set()
        await asyncio.sleep(BOUND)  # keep the connection open until the run ends
    tasks = [asyncio.create_task(one(i)) for i in range(n)]
    await asyncio.wait_for(ready.wait(), BOUND)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await asyncio.wait_for(loop.run_in_executor(None, sys.stdin.readline), BOUND)
    go_at[0] = time.monotonic()
    await asyncio.wait_for(done.wait(), BOUND)
    print(f"delivered {received} of {n}: last event {time.monotonic() - go_at[0]:.2f} s after the publishes began", flush=True)
    await asyncio.wait_for(loop.run_in_executor(None, sys.stdin.readline), BOUND)  # "close"
    for t in tasks: t.cancel()

async def publish(n, first, ports):
    queue = asyncio.Queue()
    for i in range(n): queue.put_nowait(i)
    async def worker(k):
        r, w = await asyncio.open_connection("127.0.0.1", ports[k % len(ports)])
        while not queue.empty():
            i = queue.get_nowait()
            body = b"x"
            w.write(f"POST /streams/{first}{i} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
            await w.drain()
            status = await r.readline()
            if b" 201 " not in status: raise RuntimeError(f"publish {i}: {status!r}")
            length = 0
            while True:
                line = await r.readline()
                if line in (b"\r\n", b""): break
                if line.lower().startswith(b"content-length:"): length = int(line.split(b":")[1])
            await r.readexactly(length)
        w.close()
    start = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(worker(k) for k in range(64))), BOUND * 5)
    elapsed = time.monotonic() - start
    print(f"published {n} streams in {elapsed:.1f} s ({n / elapsed:.0f}/s)", flush=True)

if sys.argv[1] == "subscribe":
    asyncio.run(subscribe(int(sys.argv[2]), [int(p) for p in sys.argv[3:]]))
else:
    asyncio.run(publish(int(sys.argv[2]), sys.argv[3], [int(p) for p in sys.argv[4:]]))
