"""The shared accept loop's caps: per peer and in total, with the refusal said and places freed
(issue 13, item 3). Real sockets on 127.0.0.1; source addresses 127.0.0.x are distinct peers."""

from __future__ import annotations

import asyncio

from aria_wire.accept import AcceptLoop


async def _echo_until_eof(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"hello\n")
    await writer.drain()
    await reader.read()


async def _refuse(writer: asyncio.StreamWriter, reason: str) -> None:
    writer.write(f"refused: {reason}\n".encode())
    await writer.drain()


async def _open(port: int, source: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    return reader, writer, await asyncio.wait_for(reader.readline(), 30)


async def test_caps_refuse_with_a_reason_and_free_their_place() -> None:
    loop = AcceptLoop("127.0.0.1", 0, _echo_until_eof, line_limit=1024, name="test", max_connections=3,
                      max_per_peer=2, refuse=_refuse)
    await loop.start()
    opened = []
    try:
        opened.append(await _open(loop.port, "127.0.0.1"))
        opened.append(await _open(loop.port, "127.0.0.1"))
        *_, line = third = await _open(loop.port, "127.0.0.1")
        assert line.startswith(b"refused: too many connections from 127.0.0.1")
        assert await third[0].read() == b""  # closed
        opened.append(await _open(loop.port, "127.0.0.2"))
        *_, line = await _open(loop.port, "127.0.0.3")
        assert line.startswith(b"refused: too many connections (at most 3)")
        assert [entry[2] for entry in opened] == [b"hello\n"] * 3 and loop.refused == 2
        opened.pop(0)[1].close()
        while loop.connections > 2:
            await asyncio.sleep(0.01)
        opened.append(await _open(loop.port, "127.0.0.1"))
        assert opened[-1][2] == b"hello\n"
    finally:
        for _, writer, _ in opened:
            writer.close()
        await loop.stop()
