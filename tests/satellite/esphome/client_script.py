"""Home Assistant's side of a session, as a standalone program for any aioesphomeapi release.

    python client_script.py plain PORT MEDIA_BASE_URL     connect, info, entities, a voice turn,
                                                          an announcement with chime, a timer,
                                                          media player, wake-word configuration
    python client_script.py noise PORT KEY                right key works, wrong key and plaintext refused

It imports nothing but aioesphomeapi and the standard library, so it runs in a side venv holding
an older client (``scripts/esphome-client-setup.sh``: 29.9.0, Home Assistant 2025.4.4's). It
prints one JSON object of what it saw; the test (tests/satellite/esphome/test_client_versions.py)
asserts on it. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
from typing import Any

import aioesphomeapi
from aioesphomeapi import APIClient, MediaPlayerInfo
from aioesphomeapi import VoiceAssistantEventType as Ev
from aioesphomeapi import VoiceAssistantTimerEventType as Timer

TIMEOUT = 60.0


async def connect(port: int, key: bytes | None = None) -> APIClient:
    client = APIClient("127.0.0.1", port, None, client_info="aria-client-script",
                       noise_psk=base64.b64encode(key).decode() if key else None)
    async with asyncio.timeout(TIMEOUT):
        await client.connect(login=True)
    return client


async def plain(port: int, base: str) -> dict[str, Any]:
    seen: dict[str, Any] = {"client": aioesphomeapi.__version__ if hasattr(aioesphomeapi, "__version__") else "?"}
    client = await connect(port)
    try:
        info = await client.device_info()
        seen["name"], seen["flags"] = info.name, info.voice_assistant_feature_flags
        entities, _ = await client.list_entities_services()
        player = next(e for e in entities if isinstance(e, MediaPlayerInfo))
        seen["formats"] = [(f.format, f.sample_rate, f.num_channels) for f in player.supported_formats]

        starts: asyncio.Queue[str] = asyncio.Queue()
        finished: asyncio.Queue[bool] = asyncio.Queue()
        audio = bytearray()

        async def on_start(conversation_id: str, flags: int, settings: Any, phrase: str | None) -> int:
            starts.put_nowait(conversation_id)
            return 0

        async def on_stop(abort: bool) -> None:
            pass

        async def on_audio(data: bytes, *more: Any) -> None:  # 29.x: (data); 46.x: (data, data2)
            audio.extend(data)

        async def on_finished(message: Any) -> None:
            finished.put_nowait(bool(message.success))

        client.subscribe_voice_assistant(handle_start=on_start, handle_stop=on_stop, handle_audio=on_audio,
                                         handle_announcement_finished=on_finished)
        async with asyncio.timeout(TIMEOUT):
            await starts.get()
            # 3 s of the turn: the 2 s microphone file has ended, so the announcement below is
            # not interrupted by the user still talking (which would be a barge-in, correctly).
            while len(audio) < 96_000:
                await asyncio.sleep(0.02)
        seen["turn_audio"] = len(audio) >= 96_000
        send = client.send_voice_assistant_event
        send(Ev.VOICE_ASSISTANT_RUN_START, {"url": ""})
        send(Ev.VOICE_ASSISTANT_STT_END, {"text": "turn on the lamp"})
        send(Ev.VOICE_ASSISTANT_INTENT_END, {"conversation_id": "c1"})
        send(Ev.VOICE_ASSISTANT_TTS_END, {"url": f"{base}/reply.wav"})
        send(Ev.VOICE_ASSISTANT_RUN_END, None)
        async with asyncio.timeout(TIMEOUT):
            seen["turn_finished"] = await finished.get()
        result = await client.send_voice_assistant_announcement_await_response(
            f"{base}/reply.wav", TIMEOUT, text="hello", preannounce_media_id=f"{base}/chime.wav"
        )
        seen["announce"] = result.success
        timer = client.send_voice_assistant_timer_event
        timer(Timer.VOICE_ASSISTANT_TIMER_STARTED, "old-client-timer", "tea", 60, 60, True)
        timer(Timer.VOICE_ASSISTANT_TIMER_FINISHED, "old-client-timer", "tea", 60, 0, False)

        states: asyncio.Queue[Any] = asyncio.Queue()
        client.subscribe_states(states.put_nowait)
        client.media_player_command(player.key, volume=0.5)
        async with asyncio.timeout(TIMEOUT):
            while abs((await states.get()).volume - 0.5) > 1e-6:
                pass
        seen["volume"] = 0.5
        config = await client.get_voice_assistant_configuration(TIMEOUT)
        seen["max_wake_words"] = config.max_active_wake_words
    finally:
        await client.disconnect()
    return seen


async def noise(port: int, key: bytes) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    client = await connect(port, key)
    seen["encrypted_name"] = (await client.device_info()).name
    await client.disconnect()
    for label, attempt in (("wrong_key", os.urandom(32)), ("plaintext", None)):
        try:
            await (await connect(port, attempt)).disconnect()
            seen[label] = "accepted"
        except aioesphomeapi.APIConnectionError as err:
            seen[label] = type(err).__name__
    return seen


def main() -> None:
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "plain":
        seen = asyncio.run(plain(port, sys.argv[3]))
    else:
        seen = asyncio.run(noise(port, base64.b64decode(sys.argv[3])))
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
