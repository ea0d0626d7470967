"""Turn-taking: when has the user finished, and what starts before they have?

    judge.py     PauseJudge: a pause's facts -> how much silence ends the turn (a pure table)
    shape.py     RequestShape: what the words say (a whole request? stopping mid-sentence?)
    turn.py      TurnTaking (one per server) -> TurnDecisions (one per turn): consulted by the
                 STT session at each pause; owns the turn's speculative reply

The STT session (``stt/session.py``) only listens: it decodes at each pause and asks the turn's
``TurnDecisions`` what the pause means. The voice pipeline hands the decisions to the session and
the speculation they hold to the conversation stage.
"""

from .judge import Judgement, PauseFacts, PauseJudge, Verdict
from .shape import RequestShape
from .turn import TurnDecisions, TurnTaking

__all__ = ["Judgement", "PauseFacts", "PauseJudge", "RequestShape", "TurnDecisions", "TurnTaking", "Verdict"]
