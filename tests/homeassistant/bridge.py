"""``python -m tests.homeassistant.bridge SOCKET PORT``: forwards a Unix socket to 127.0.0.1:PORT.

Run inside the tier's network namespace, it lets the test process (outside, on the real
loopback) reach Home Assistant or Aria on the namespace's loopback: a path on the file system
is visible from both sides, a TCP port is not. Prints ``bridge ready`` once it listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass  # the other side went away: the connection is over either way
    finally:
        with contextlib.suppress(ConnectionError, RuntimeError):
            if writer.can_write_eof():
                writer.write_eof()


async def _serve(port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        writer.close()
        return
    try:
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
    finally:
        up_writer.close()
        writer.close()


async def main(path: str, port: int) -> None:
    server = await asyncio.start_unix_server(lambda r, w: _serve(port, r, w), path=path)
    print("bridge ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
