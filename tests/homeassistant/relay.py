"""``python -m tests.homeassistant.relay LISTEN_PORT PORT``: 127.0.0.1:LISTEN_PORT -> 127.0.0.1:PORT.

Run inside the tier's namespace, it is the address one Aria knows Home Assistant by, so a test
can take Home Assistant away from that Aria and give it back (stop the relay: its port refuses and
its connections close, as when Home Assistant stops; start it again on the same port) while the
one Home Assistant of the tier keeps serving every other test. Prints ``relay ready``.
"""

from __future__ import annotations

import asyncio
import sys

from .bridge import _serve


async def main(listen_port: int, port: int) -> None:
    server = await asyncio.start_server(lambda r, w: _serve(port, r, w), "127.0.0.1", listen_port, reuse_address=True)
    print("relay ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
