"""Splits streamed text into speakable pieces: the first clause as early as possible, then sentences.

    deltas:  "Sure, the lamp", " is on. Anything", " else?"
    pieces:  "Sure, the lamp is on.", "Anything else?"   ("Sure," alone is too short a clause)

Exact rules (see ``split_ready``):
- a piece ends after ``.``, ``!``, ``?`` or a newline followed by whitespace, or at the end;
- the *first* piece may also end after ``,``, ``;``, ``:`` or a dash when it has at least
  ``MIN_CLAUSE_WORDS`` words, because its audio is what the user waits for;
- the *first* piece may also end before a conjunction ("and", "but", "because", ...) when it
  has at least ``MIN_PHRASE_WORDS`` words: a long first sentence is spoken phrase by phrase,
  and the pause a speaker makes there anyway hides the seam;
- common abbreviations ("Mr.", "e.g.") and decimals ("3.5") do not end a piece;
- Japanese and Chinese text has no spaces: ``。！？`` end a piece without whitespace after them,
  ``、`` and ``，`` end a first clause, and two of its characters count as one word.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator

MIN_CLAUSE_WORDS = 3
MIN_PHRASE_WORDS = 5

_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*\s+|[。！？]+[」』）]*\s*|\n+")
_CLAUSE_END = re.compile(r"[,;:]\s+|\s[-–—]\s+|[、，；：]\s*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
# Whitespace before a whole conjunction word (the lookahead needs the space after it).
_PHRASE_END = re.compile(r"\s+(?=(?:and|but|or|so|because|while|then|which|when|until)\s)", re.IGNORECASE)
_ABBREVIATIONS = frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "e.g.", "i.e.", "etc.", "vs.", "no.", "approx."})


def _ends_with_abbreviation(text: str) -> bool:
    last_word = text.rstrip().rsplit(maxsplit=1)[-1].lower() if text.strip() else ""
    return last_word in _ABBREVIATIONS


def _words(text: str) -> int:
    """Words of ``text``; CJK characters count two to a word (the languages write no spaces)."""
    cjk = len(_CJK.findall(text))
    return len(_CJK.sub("", text).split()) + cjk // 2


def split_ready(buffer: str, first: bool) -> tuple[list[str], str]:
    """Complete pieces at the front of ``buffer``, and the incomplete rest."""
    pieces: list[str] = []
    start = 0
    while True:
        candidates = [m for m in (_SENTENCE_END.search(buffer, start),) if m]
        if first and not pieces:
            for pattern, min_words in ((_CLAUSE_END, MIN_CLAUSE_WORDS), (_PHRASE_END, MIN_PHRASE_WORDS)):
                for clause in pattern.finditer(buffer, start):
                    if _words(buffer[start : clause.start()]) >= min_words:
                        candidates.append(clause)
                        break
        match = min(candidates, key=lambda m: m.start(), default=None)
        if match is None:
            return pieces, buffer[start:]
        piece = buffer[start : match.end()]
        if match.re is _SENTENCE_END and _ends_with_abbreviation(piece):
            # Look for the next boundary instead; the abbreviation stays inside this piece.
            nxt = _SENTENCE_END.search(buffer, match.end())
            if nxt is None:
                return pieces, buffer[start:]
            piece = buffer[start : nxt.end()]
            match = nxt
        if piece.strip():
            pieces.append(piece.strip())
        start = match.end()


async def speakable_pieces(deltas: AsyncIterable[str]) -> AsyncIterator[str]:
    """Yield each piece as soon as it is complete; flush the rest when the stream ends."""
    buffer = ""
    emitted = False
    async for delta in deltas:
        buffer += delta
        pieces, buffer = split_ready(buffer, first=not emitted)
        for piece in pieces:
            emitted = True
            yield piece
    if buffer.strip():
        yield buffer.strip()
