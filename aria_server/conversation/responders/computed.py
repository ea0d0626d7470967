"""Answers computed, never generated: the solver (``conversation/solver/``) as a responder.

Asked after the local intents and before Home Assistant and the model: arithmetic, unit and
temperature conversions and calendar questions are answered from the calculation, so no model
can change the number (issue 24). Anything else, and any language but English: None.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ..request import ConversationRequest
from ..solver import solve
from .base import Answer, Said


class Solver:
    """Arithmetic, conversions and the calendar, computed (pure string work: no blocking)."""

    name = "solver"

    def __init__(self, today: Callable[[], date] = date.today) -> None:
        self.today = today
        """The local date, for "how many days until ..." (a test fixes it)."""

    async def respond(self, request: ConversationRequest) -> Answer | None:
        if not request.english:
            return None
        solved = solve(request.text, self.today())
        return None if solved is None else Said(solved.text, "solver")
