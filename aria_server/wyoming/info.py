"""The ``info`` answer to ``describe``: what this server really has installed."""

from __future__ import annotations

from wyoming.info import AsrModel, AsrProgram, Attribution, HandleModel, HandleProgram, Info, TtsProgram, TtsVoice

from .. import __version__
from ..conversation.agent import Agent
from ..stt.service import SpeechService
from ..tts.service import SpeechSynthesis

ARIA = Attribution(name="Aria", url="https://pypi.org/project/aria-voice/")
WHISPER = Attribution(name="OpenAI Whisper via faster-whisper", url="https://github.com/SYSTRAN/faster-whisper")
ENGINE_ATTRIBUTION = {
    "piper": Attribution(name="Piper (rhasspy)", url="https://github.com/rhasspy/piper"),
    "coqui": Attribution(name="Coqui TTS (idiap fork)", url="https://github.com/idiap/coqui-ai-TTS"),
}


def build_info(stt: SpeechService | None, tts: SpeechSynthesis | None, agent: Agent | None = None) -> Info:
    """Info listing the loaded STT model, the installed voices and the conversation agent."""
    asr = []
    if stt is not None:
        asr.append(
            AsrProgram(
                name="aria-stt",
                description="Aria speech-to-text (faster-whisper + Silero VAD, speculative decoding)",
                attribution=ARIA,
                installed=True,
                version=__version__,
                supports_transcript_streaming=True,
                # Over Wyoming the client decides when the audio ends (Aria's own endpointing
                # runs for its satellites and /ws), so a client must run its VAD.
                requires_external_vad=True,
                models=[
                    AsrModel(
                        name=stt.decoder.name,
                        description=f"Whisper {stt.decoder.name}",
                        attribution=WHISPER,
                        installed=True,
                        version=None,
                        languages=list(stt.decoder.languages),
                    )
                ],
            )
        )
    tts_programs = []
    if tts is not None:
        engine = tts.engines[0].name
        tts_programs.append(
            TtsProgram(
                name="aria-tts",
                description=f"Aria text-to-speech ({engine.capitalize()}), streaming by clause",
                attribution=ARIA,
                installed=True,
                version=__version__,
                supports_synthesize_streaming=True,
                voices=[
                    TtsVoice(
                        name=voice.name,
                        description=voice.description,
                        attribution=ENGINE_ATTRIBUTION.get(engine, ARIA),
                        installed=True,
                        version=None,
                        languages=list(voice.languages),
                    )
                    for voice in tts.voices
                ],
            )
        )
    return Info(asr=asr, tts=tts_programs, handle=[_handle_program(agent)] if agent is not None else [])


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
