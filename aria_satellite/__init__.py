"""Aria satellite: a Wyoming satellite server for a room (microphone, speaker, local wake word)."""

from __future__ import annotations

__version__ = "0.1.0"
