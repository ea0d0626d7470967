"""Speech-to-text: streaming sessions over a shared Whisper model."""
