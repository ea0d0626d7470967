"""The ``info`` answer to ``describe``: what this server really has installed."""

from __future__ import annotations

from wyoming.info import AsrModel, AsrProgram, Attribution, Info, TtsProgram, TtsVoice

from .. import __version__
from ..stt.service import SpeechService
from ..tts.service import SpeechSynthesis

ARIA = Attribution(name="Aria", url="https://pypi.org/project/aria-voice/")
WHISPER = Attribution(name="OpenAI Whisper via faster-whisper", url="https://github.com/SYSTRAN/faster-whisper")
PIPER = Attribution(name="Piper (rhasspy)", url="https://github.com/rhasspy/piper")


def build_info(stt: SpeechService | None, tts: SpeechSynthesis | None) -> Info:
    """Info listing the loaded STT model and the installed voices."""
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
        tts_programs.append(
            TtsProgram(
                name="aria-tts",
                description="Aria text-to-speech (Piper), streaming by clause",
                attribution=ARIA,
                installed=True,
                version=__version__,
                supports_synthesize_streaming=True,
                voices=[
                    TtsVoice(
                        name=voice.name,
                        description=voice.description,
                        attribution=PIPER,
                        installed=True,
                        version=None,
                        languages=list(voice.languages),
                    )
                    for voice in tts.voices
                ],
            )
        )
    return Info(asr=asr, tts=tts_programs)
