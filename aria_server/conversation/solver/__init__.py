"""Answers computed, never generated: arithmetic, unit and temperature conversions, the calendar.

``solve(text, today)`` is tried before the language model (``responders/computed.py``); when
it recognises the question it answers, and the model is never asked, so no model can change a
number. When it does not (None), nothing was decided and the next responder goes on. English.
"""

from __future__ import annotations

from .solve import Solution, solve

__all__ = ["Solution", "solve"]
