"""What the words of a pause say about the turn: a whole request, or a sentence still going?

Both are asked of the quick first pass's words at every pause, so both are cheap and never fail
the turn (a check that fails counts as "no").
"""

from __future__ import annotations

import logging

from ..conversation.intents import IntentHandler
from ..conversation.truth import RequestKind, classify
from ..home.client import HomeAssistantClient

_LOGGER = logging.getLogger(__name__)


class RequestShape:
    """Judges words by the local intents and, when configured, Home Assistant's vocabulary."""

    def __init__(self, intents: IntentHandler, home: HomeAssistantClient | None = None) -> None:
        self.intents = intents
        self.home = home

    def is_whole_request(self, text: str, language: str | None = None, satellite: str | None = None) -> bool:
        """Whether ``text`` is already a whole request: a local intent matches it, or, with Home
        Assistant configured and answering, it is a whole device command naming what Home Assistant
        knows ("turn on the kitchen light"; "turn on the light" from a ``satellite`` with a device)."""
        try:
            if self.intents.matches(text, language):
                return True
            return self.home is not None and self._whole_device_command(text, language, satellite)
        except Exception:  # a failed check must cost only the early end, never the turn
            _LOGGER.exception("could not judge %r as a whole request", text)
            return False

    def _whole_device_command(self, text: str, language: str | None, satellite: str | None) -> bool:
        # English only: the device-command patterns and the command words are English. The quick
        # transcript becomes final, so its target must be a name Home Assistant has (the check that
        # the quick pass heard it right); anything else waits for the full decode as before.
        assert self.home is not None
        return (
            _is_english(language)
            and classify(text) is RequestKind.DEVICE_COMMAND
            and not self.intents.sounds_unfinished(text, language)
            and self.home.knows_target(text, satellite)
        )

    def sounds_unfinished(self, text: str, language: str | None = None) -> bool:
        """Whether ``text`` stops mid-sentence ("set a timer for"): the speaker is still thinking."""
        try:
            return self.intents.sounds_unfinished(text, language)
        except Exception:
            _LOGGER.exception("could not judge whether %r is unfinished", text)
            return False


def _is_english(language: str | None) -> bool:
    return not language or language.replace("_", "-").split("-")[0].lower() == "en"
