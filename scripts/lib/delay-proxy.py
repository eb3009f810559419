#!/usr/bin/env python3
"""delay-proxy.py: TCP forwarders that add a fixed one-way delay in each direction.

Usage: delay-proxy.py ONE_WAY_MS PORTFILE UPSTREAM_PORT...

For every UPSTREAM_PORT on 127.0.0.1 it listens on a free loopback port and forwards each
connection to the upstream port, holding every chunk ONE_WAY_MS before passing it on, in both
directions and in order. A request and its answer therefore take 2 x ONE_WAY_MS longer, as
behind a link with that round-trip time and no bandwidth limit. It writes one line per upstream
port to PORTFILE ("UPSTREAM LISTEN"), then serves until it is terminated.

The benchmarks use it where the kernel has no netem qdisc (tc qdisc ... netem delay): the
delay is added in user space, the same for every tool measured through it.
"""
import asyncio
import os
import sys


async def pipe(reader, writer, delay):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def send():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()

    sender = asyncio.create_task(send())
    try:
        while True:
            data = await reader.read(65536)
            queue.put_nowait((loop.time() + delay, data or None))
            if not data:
                break
        await sender
    except (ConnectionError, OSError):
        sender.cancel()
    finally:
        if not sender.done():
            sender.cancel()


async def serve(upstream, delay, ready):
    async def handle(client_reader, client_writer):
        try:
            up_reader, up_writer = await asyncio.open_connection('127.0.0.1', upstream)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pipe(client_reader, up_writer, delay),
            pipe(up_reader, client_writer, delay),
            return_exceptions=True)
        for w in (client_writer, up_writer):
            w.close()

    server = await asyncio.start_server(handle, '127.0.0.1', 0, backlog=1024)
    ready.append((upstream, server.sockets[0].getsockname()[1]))
    return server


async def main():
    delay = float(sys.argv[1]) / 1000.0
    portfile = sys.argv[2]
    ready = []
    servers = [await serve(int(p), delay, ready) for p in sys.argv[3:]]
    with open(portfile + '.tmp', 'w') as f:
        for upstream, listen in ready:
            f.write(f'{upstream} {listen}\n')
    os.replace(portfile + '.tmp', portfile)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == '__main__':
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
