"""Voice turns, announcements, conversations and timers, driven as Home Assistant drives them.

The satellite starts on speech (``--wake-word none``) and its microphone is a WAV file; the test
plays Home Assistant's part with aioesphomeapi's client: it accepts the turn, receives the
audio, sends the pipeline's events and serves the TTS reply over loopback HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aioesphomeapi import VoiceAssistantEventType as Ev
from aioesphomeapi import VoiceAssistantTimerEventType as Timer

from tests.satellites.harness import Feeder

from .conftest import AUDIO, SPEAKER_RATE, ApiSatellite, MediaServer, VoiceSession, api_client, start_satellite, wait

pytestmark = pytest.mark.timeout(240)

SECOND = 16_000 * 2
SENTENCE = 3 * SECOND
"""Streamed audio that holds all of turn_on_the_lamp.wav (2.0 s, after at most 0.7 s of pre-roll).

A reply sent before then plays over the end of the sentence, which then rightly interrupts it
(barge-in): tests that expect a reply played to its end wait for this much first."""


def pipeline(session: VoiceSession, reply_url: str | None, text: str = "turn on the lamp", **intent: str) -> None:
    """Home Assistant's events of one run, after the audio it wanted."""
    send = session.client.send_voice_assistant_event
    send(Ev.VOICE_ASSISTANT_RUN_START, {"url": ""})
    send(Ev.VOICE_ASSISTANT_STT_START, None)
    send(Ev.VOICE_ASSISTANT_STT_VAD_START, None)
    send(Ev.VOICE_ASSISTANT_STT_VAD_END, None)
    send(Ev.VOICE_ASSISTANT_STT_END, {"text": text})
    send(Ev.VOICE_ASSISTANT_INTENT_START, None)
    send(Ev.VOICE_ASSISTANT_INTENT_END, {"conversation_id": "conv-1", **intent})
    if reply_url is not None:
        send(Ev.VOICE_ASSISTANT_TTS_START, {"text": "Done."})
        send(Ev.VOICE_ASSISTANT_TTS_END, {"url": reply_url})
    send(Ev.VOICE_ASSISTANT_RUN_END, None)


@pytest.fixture
async def talker(tmp_path: Path) -> AsyncIterator[ApiSatellite]:
    """A satellite whose microphone says "turn on the lamp" once Home Assistant subscribes."""
    sat = await start_satellite(tmp_path, "kitchen", "--wake-word", "none", mic=AUDIO / "turn_on_the_lamp.wav")
    try:
        yield sat
    finally:
        await sat.stop()


@pytest.fixture(scope="module")
async def quiet(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ApiSatellite]:
    """A satellite whose microphone hears nothing (announcements, timers)."""
    sat = await start_satellite(tmp_path_factory.mktemp("esphome-quiet"), "study", "--wake-word", "none")
    try:
        yield sat
    finally:
        await sat.stop()


async def test_a_voice_turn_streams_the_microphone_and_plays_the_reply(talker: ApiSatellite, media: MediaServer) -> None:
    async with api_client(talker.port) as client:
        session = VoiceSession(client)
        conversation_id, wake_word = await session.next_start()
        assert (conversation_id, wake_word) == ("", None)  # started on speech, a new conversation
        await wait(lambda: len(session.audio) >= SENTENCE, "the whole sentence streamed")
        pipeline(session, media.url("reply.wav"))
        assert await session.next_finished() is True
        await session.audio_ended.wait()  # the satellite ended its audio when the transcript came
        played = await talker.process.wait_event(lambda e: e["event"] == "played")
    assert played["completed"] is True
    assert talker.played.stat().st_size > 44 + 22_050  # the reply's 0.6 s reached the speaker


async def test_continued_conversation_listens_again_in_the_same_conversation(
    talker: ApiSatellite, media: MediaServer
) -> None:
    async with api_client(talker.port) as client:
        session = VoiceSession(client)
        await session.next_start()
        await wait(lambda: len(session.audio) >= SENTENCE, "the whole sentence streamed")
        pipeline(session, media.url("reply.wav"), continue_conversation="1")
        assert await session.next_finished() is True
        conversation_id, wake_word = await session.next_start()  # no wake word needed
    assert (conversation_id, wake_word) == ("conv-1", None)


async def test_a_failed_reply_is_still_reported_finished(talker: ApiSatellite, media: MediaServer) -> None:
    async with api_client(talker.port) as client:
        session = VoiceSession(client)
        await session.next_start()
        await wait(lambda: len(session.audio) >= SECOND, "a second of microphone audio")
        pipeline(session, media.url("missing.wav"))  # Home Assistant's proxy answers 404
        assert await session.next_finished() is False
        await talker.process.wait_state("waiting", reason="error media-failed")


async def test_a_pipeline_error_sends_the_satellite_back_to_waiting(talker: ApiSatellite) -> None:
    async with api_client(talker.port) as client:
        session = VoiceSession(client)
        await session.next_start()
        await wait(lambda: len(session.audio) >= SECOND, "a second of microphone audio")
        client.send_voice_assistant_event(Ev.VOICE_ASSISTANT_ERROR, {"code": "stt-no-text-recognized", "message": "no text"})
        await talker.process.wait_state("waiting", reason="error stt-no-text-recognized")
        assert session.finished.empty()  # nothing was played: nothing to report


async def test_an_announcement_plays_the_chime_first(quiet: ApiSatellite, media: MediaServer) -> None:
    async with api_client(quiet.port) as client:
        VoiceSession(client)
        before = len(media.requests)
        finished = await client.send_voice_assistant_announcement_await_response(
            media.url("stereo-44k.wav"), 60, text="Dinner is ready", preannounce_media_id=media.url("chime.wav")
        )
    assert finished.success
    assert media.requests[before:] == ["chime.wav", "stereo-44k.wav"]


async def test_start_conversation_listens_after_the_announcement(quiet: ApiSatellite, media: MediaServer) -> None:
    async with api_client(quiet.port) as client:
        session = VoiceSession(client)
        finished = await client.send_voice_assistant_announcement_await_response(
            media.url("reply.wav"), 60, text="Shall I?", start_conversation=True
        )
        assert finished.success
        assert await session.next_start() == ("", None)
        client.send_voice_assistant_event(Ev.VOICE_ASSISTANT_ERROR, {"code": "stt-no-text-recognized", "message": ""})
        await quiet.process.wait_state("waiting", reason="error stt-no-text-recognized")


async def test_a_finished_timer_rings_on_the_satellite(quiet: ApiSatellite) -> None:
    async with api_client(quiet.port) as client:
        VoiceSession(client)
        send = client.send_voice_assistant_timer_event
        send(Timer.VOICE_ASSISTANT_TIMER_STARTED, "t1", "pasta", 600, 600, True)
        send(Timer.VOICE_ASSISTANT_TIMER_UPDATED, "t1", "pasta", 600, 300, True)
        send(Timer.VOICE_ASSISTANT_TIMER_FINISHED, "t1", "pasta", 600, 0, False)
        ring = await quiet.process.wait_event(lambda e: e["event"] == "timer-ring")
    assert ring["timer"] == "t1"


async def test_voice_messages_from_a_client_that_did_not_subscribe_are_ignored(quiet: ApiSatellite, media: MediaServer) -> None:
    async with api_client(quiet.port) as subscriber, api_client(quiet.port) as other:
        VoiceSession(subscriber)
        other.send_voice_assistant_timer_event(Timer.VOICE_ASSISTANT_TIMER_FINISHED, "t-other", None, 5, 0, False)
        subscriber.send_voice_assistant_timer_event(Timer.VOICE_ASSISTANT_TIMER_FINISHED, "t-mine", None, 5, 0, False)
        await quiet.process.wait_event(lambda e: e["event"] == "timer-ring" and e["timer"] == "t-mine")
    assert not any(e["event"] == "timer-ring" and e["timer"] == "t-other" for e in quiet.process.events())


async def test_barge_in_reports_the_interrupted_reply_and_starts_a_turn(tmp_path: Path, media: MediaServer) -> None:
    # Two races made this test pass by luck (and once fail): the reply started while the first
    # sentence was still being spoken (Home Assistant answered after 1 s of its 2 s), so that
    # sentence's end, not the second one, usually interrupted the reply; and over speech the echo
    # canceller cannot learn that this microphone does not hear the speaker (it judges the first
    # ~0.5 s of playback), so it may go on removing the user as echo and the 30 s reply plays out.
    # Hence: reply once the whole sentence has been streamed, and talk over the reply once it has
    # been playing (into the speaker file) for a second over a silent microphone.
    feeder = Feeder(tmp_path, "den")
    sat = await start_satellite(tmp_path, "den", "--wake-word", "none", "--mic-command", feeder.command, mic=None)
    try:
        async with api_client(sat.port) as client:
            session = VoiceSession(client)
            feeder.say(AUDIO / "turn_on_the_lamp.wav")  # 2.0 s; pre-roll included, at most 2.6 s streamed
            await session.next_start()
            await wait(lambda: len(session.audio) >= SENTENCE, "the whole sentence streamed")
            pipeline(session, media.url("long.wav"))  # a 30 s reply
            await sat.process.wait_event(lambda e: e["event"] == "playback-started")
            await wait(lambda: sat.played.stat().st_size >= 44 + 2 * SPEAKER_RATE, "a second of the reply played")
            mark = len(sat.process.events())
            feeder.say(AUDIO / "turn_on_the_lamp.wav")  # the user talks over it
            assert await session.next_finished() is False
            assert await session.next_start() == ("", None)
            await sat.process.wait_event(lambda e: e["event"] == "barge-in", after=mark)
    finally:
        await sat.stop()


async def test_early_tts_plays_the_streamed_reply_once(talker: ApiSatellite, media: MediaServer) -> None:
    async with api_client(talker.port) as client:
        session = VoiceSession(client)
        await session.next_start()
        await wait(lambda: len(session.audio) >= SENTENCE, "the whole sentence streamed")
        send = client.send_voice_assistant_event
        before = len(media.requests)
        send(Ev.VOICE_ASSISTANT_RUN_START, {"url": media.url("reply.wav")})
        send(Ev.VOICE_ASSISTANT_STT_END, {"text": "what time is it"})
        send(Ev.VOICE_ASSISTANT_INTENT_PROGRESS, {"tts_start_streaming": "1"})
        assert await session.next_finished() is True  # played before the intent even ended
        send(Ev.VOICE_ASSISTANT_INTENT_END, {"conversation_id": "c"})
        send(Ev.VOICE_ASSISTANT_TTS_END, {"url": media.url("reply.wav")})
        send(Ev.VOICE_ASSISTANT_RUN_END, None)
        await talker.process.wait_state("waiting", reason="played")
    assert media.requests[before:] == ["reply.wav"]
    assert session.finished.empty()
