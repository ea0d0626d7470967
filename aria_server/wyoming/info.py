"""The ``info`` answer to ``describe``: what this server really has installed."""

from __future__ import annotations

from wyoming.info import AsrModel, AsrProgram, Attribution, HandleModel, HandleProgram, Info, TtsProgram, TtsVoice

from .. import __version__
from ..conversation.agent import Agent
from ..stt.chain import DecoderChain
from ..stt.remote import RemoteAsr, WyomingDecoder
from ..stt.service import SpeechService
from ..tts.service import SpeechSynthesis

ARIA = Attribution(name="Aria", url="https://pypi.org/project/aria-voice/")
WHISPER = Attribution(name="OpenAI Whisper via faster-whisper", url="https://github.com/SYSTRAN/faster-whisper")
ENGINE_ATTRIBUTION = {
    "piper": Attribution(name="Piper (rhasspy)", url="https://github.com/rhasspy/piper"),
    "coqui": Attribution(name="Coqui TTS (idiap fork)", url="https://github.com/idiap/coqui-ai-TTS"),
    "edge": Attribution(name="Microsoft Edge online TTS via edge-tts", url="https://github.com/rany2/edge-tts"),
    "kokoro": Attribution(name="Kokoro-82M (hexgrad), int8 ONNX (kokoro-onnx)", url="https://huggingface.co/hexgrad/Kokoro-82M"),
}


def _asr_program(description: str, model: AsrModel) -> AsrProgram:
    """Aria's one ASR program, whichever engine decodes behind it."""
    return AsrProgram(
        name="aria-stt",
        description=description,
        attribution=ARIA,
        installed=True,
        version=__version__,
        supports_transcript_streaming=True,
        # Over Wyoming the client decides when the audio ends (Aria's own endpointing runs for
        # its satellites and /ws), so a client must run its VAD, local or remote engine alike.
        requires_external_vad=True,
        models=[model],
    )


def build_info(stt: SpeechService | None, tts: SpeechSynthesis | None, agent: Agent | None = None) -> Info:
    """Info listing the loaded STT model, the installed voices and the conversation agent."""
    asr = []
    if stt is not None and (remote := _remote_asr(stt)) is not None:
        asr.append(_asr_program(
            f"Aria speech-to-text (Silero VAD, speculative decoding) on {remote.description}",
            AsrModel(
                name=remote.model, description=remote.description, attribution=remote.attribution,
                installed=True, version=None, languages=list(remote.languages),
            ),
        ))
    elif stt is not None:
        asr.append(_asr_program(
            "Aria speech-to-text (faster-whisper + Silero VAD, speculative decoding)",
            AsrModel(
                name=stt.decoder.name, description=f"Whisper {stt.decoder.name}", attribution=WHISPER,
                installed=True, version=None, languages=list(stt.decoder.languages),
            ),
        ))
    tts_programs = []
    if tts is not None:
        first = tts.engines[0]
        engine = first.name
        remote_tts = getattr(first, "remote", None)
        attribution = remote_tts.attribution if remote_tts is not None else ENGINE_ATTRIBUTION.get(engine, ARIA)
        label = f"remote {remote_tts.program}" if remote_tts is not None else engine.capitalize()
        first_voices = list(remote_tts.voices) if remote_tts is not None else [first.voice]
        if remote_tts is not None and not remote_tts.program:  # down at start-up: the voices are the fallback's
            attribution, label = ENGINE_ATTRIBUTION.get(engine_of_first_voice(tts), ARIA), "remote, down at start-up"
        engine_of = {e.voice.name: e.name for e in [*tts.engines, *tts.by_language.values()]}
        tts_programs.append(
            TtsProgram(
                name="aria-tts",
                description=f"Aria text-to-speech ({label}), streaming by clause",
                attribution=ARIA,
                installed=True,
                version=__version__,
                supports_synthesize_streaming=True,
                voices=[
                    TtsVoice(
                        name=voice.name,
                        description=voice.description,
                        attribution=attribution if voice in first_voices else ENGINE_ATTRIBUTION.get(
                            engine_of.get(voice.name, ""), ARIA
                        ),
                        installed=True,
                        version=None,
                        languages=list(voice.languages),
                    )
                    for voice in tts.voices
                ],
            )
        )
    return Info(asr=asr, tts=tts_programs, handle=[_handle_program(agent)] if agent is not None else [])


def engine_of_first_voice(tts: SpeechSynthesis) -> str:
    """The name of the engine whose voice is listed first."""
    voice = tts.voices[0] if tts.voices else None
    return next((e.name for e in tts.engines if e.voice == voice), "")


def _remote_asr(stt: SpeechService) -> RemoteAsr | None:
    """What the remote said it runs, when the first decoder is a remote one."""
    first = stt.decoder.described if isinstance(stt.decoder, DecoderChain) else stt.decoder
    return first.remote if isinstance(first, WyomingDecoder) else None


def _handle_program(agent: Agent) -> HandleProgram:
    """The conversation agent as a Wyoming ``handle`` program (streams handled-chunk events)."""
    health = agent.health()
    backend = health["backend"]
    model = health["model"] or backend
    return HandleProgram(
        name="aria-conversation",
        description="Aria conversation: local intents (time, date, timers), then the language model",
        attribution=ARIA,
        installed=True,
        version=__version__,
        supports_handled_streaming=True,
        # Only with Home Assistant configured: advertising it otherwise would invite device
        # commands Aria could only refuse.
        supports_home_control=agent.home_control,
        models=[
            HandleModel(
                name=f"{backend}/{model}" if backend != "none" else "intents",
                description=f"local intents + {backend} {model}" if backend != "none" else "local intents only",
                attribution=ARIA,
                installed=True,
                version=None,
                languages=agent.languages,
            )
        ],
    )
