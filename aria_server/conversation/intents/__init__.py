"""Local intents, answered before the language model: time, date, timers, help, small talk.

Languages are data modules; to add one, write ``<code>.py`` with a ``LANGUAGE`` like ``en.py``
and list it here.
"""

from __future__ import annotations

from . import en
from .handlers import IntentHandler, IntentReply
from .language import LanguageData

LANGUAGES: dict[str, LanguageData] = {en.LANGUAGE.code: en.LANGUAGE}
"""Every language the local intents speak, by ISO 639-1 code."""

__all__ = ["LANGUAGES", "IntentHandler", "IntentReply", "LanguageData"]
