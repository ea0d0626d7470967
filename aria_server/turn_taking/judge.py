"""The pause judge: how much silence ends the turn, from what is known at a pause (pure).

At each pause the quick first pass has read the words so far and the end-of-turn model may have
heard how they sounded. The judge turns those facts into a verdict and the silence that ends the
turn, first row that applies:

    words are a whole request ("what time is it")   whole-request  complete_request_end_ms
    words stop mid-sentence ("set a timer for")     mid-sentence   max(incomplete_turn_end_ms, end_of_speech_ms)
    it sounds finished (P(done) >= threshold)       complete       complete_turn_end_ms
    otherwise                                       undecided      end_of_speech_ms

A setting of 0 turns its row off. Words win over sound: Smart Turn was trained on human speech
and its verdicts on synthetic voices are unreliable, while "set a timer for" is unfinished
whoever says it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..settings import VadSettings


class Verdict(StrEnum):
    """What a pause was judged to be (in the turn's spans and the tests)."""

    WHOLE_REQUEST = "whole-request"
    """The quick pass heard a whole request: its words are the transcript, the turn ends soon."""
    MID_SENTENCE = "mid-sentence"
    COMPLETE = "complete"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class PauseFacts:
    """What is known at a pause."""

    whole_request: bool = False
    """The quick pass's words are a whole request that needs no more listening."""
    unfinished: bool = False
    """The words stop mid-sentence."""
    sounds_done: float | None = None
    """The end-of-turn model's P(the speaker is done); None without the model (or not asked)."""


@dataclass(frozen=True)
class Judgement:
    """The judge's answer for one pause."""

    verdict: Verdict
    end_after_ms: int | None
    """Silence that ends the turn at this pause; None: the plain ``end_of_speech_ms``."""

    @property
    def ends_early(self) -> bool:
        """The quick transcript is final: no full decode is needed."""
        return self.verdict is Verdict.WHOLE_REQUEST


class PauseJudge:
    """The table above over one set of endpointing settings."""

    def __init__(self, settings: VadSettings) -> None:
        self.settings = settings

    @property
    def judges_sound(self) -> bool:
        """Whether the end-of-turn model's verdict can change anything."""
        return self.settings.complete_turn_end_ms > 0

    @property
    def judges_turns(self) -> bool:
        """Whether a pause that is no whole request can end sooner or later than the plain silence."""
        return self.settings.complete_turn_end_ms > 0 or self.settings.incomplete_turn_end_ms > 0

    @property
    def judges_words(self) -> bool:
        """Whether the words can change anything (a whole request or an unfinished one)."""
        return self.settings.complete_request_end_ms > 0 or self.settings.incomplete_turn_end_ms > 0

    def shortest_end_ms(self) -> int:
        """The least silence any verdict can end a turn on: before a pause's silence reaches it,
        the session lets the judgement land."""
        ends = [self.settings.end_of_speech_ms]
        ends += [ms for ms in (self.settings.complete_request_end_ms, self.settings.complete_turn_end_ms) if ms]
        return min(ends)

    def judge(self, facts: PauseFacts) -> Judgement:
        """The first row of the table that applies."""
        settings = self.settings
        if facts.whole_request and settings.complete_request_end_ms:
            return Judgement(Verdict.WHOLE_REQUEST, settings.complete_request_end_ms)
        if facts.unfinished and settings.incomplete_turn_end_ms:
            return Judgement(Verdict.MID_SENTENCE, max(settings.incomplete_turn_end_ms, settings.end_of_speech_ms))
        done = facts.sounds_done
        if done is not None and settings.complete_turn_end_ms and done >= settings.end_of_turn_threshold:
            return Judgement(Verdict.COMPLETE, settings.complete_turn_end_ms)
        return Judgement(Verdict.UNDECIDED, None)
