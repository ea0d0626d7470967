"""Splits streamed text into speakable pieces: the first clause as early as possible, then sentences.

    deltas:  "Sure, the lamp", " is on. Anything", " else?"
    pieces:  "Sure, the lamp is on.", "Anything else?"   ("Sure," alone is too short a clause)

Exact rules (see ``PieceSplitter``):
- a piece ends after ``.``, ``!``, ``?`` or a newline followed by whitespace, or at the end;
- the *first* piece may also end after ``,``, ``;``, ``:`` or a dash when it has at least
  ``MIN_CLAUSE_WORDS`` words, because its audio is what the user waits for;
- the *first* piece may also end before a conjunction ("and", "but", "because", ...) when it
  has at least ``MIN_PHRASE_WORDS`` words: a long first sentence is spoken phrase by phrase,
  and the pause a speaker makes there anyway hides the seam;
- common abbreviations ("Mr.", "e.g.") and decimals ("3.5") do not end a piece;
- Japanese and Chinese text has no spaces: ``。！？`` end a piece without whitespace after them,
  ``、`` and ``，`` end a first clause, and two of its characters count as one word;
- no piece is longer than ``MAX_PIECE_CHARS``: text without a boundary that long is cut at its
  last clause mark, else its last space, else at the limit. The TTS model's memory grows with
  the length of one pass (1,000 words without a full stop took Piper to gigabytes), so this
  bound is what bounds one synthesis.

Cost: each search looks at the incomplete piece only, never more than ``MAX_PIECE_CHARS`` past
its start, and the patterns are linear (a lookbehind stops a match from starting inside a run
of ``.``/``!?`` or of spaces, and possessive quantifiers never give characters back), so a
stream of n characters costs O(n) per delta at most, whatever the text.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator

MIN_CLAUSE_WORDS = 3
MIN_PHRASE_WORDS = 4
"""Four words make a phrase of their own ("The sky is blue / because ..."); on a CPU a whole long
first sentence cost ~0.3 s more model time and ~0.25 s more synthesis before the first audio."""
MAX_PIECE_CHARS = 200
"""Longest piece handed to a TTS engine. Piper's peak memory grows ~0.85 MB per character of one
pass (measured: +256 MB at 300, +770 MB at 1,000); most spoken sentences are under 200."""

_SENTENCE_END = re.compile(r"(?<![.!?…])[.!?…]++[\"')\]]*+\s++|(?<![。！？])[。！？]++[」』）]*+\s*+|\n++")
_CLAUSE_END = re.compile(r"[,;:]\s++|\s[-–—]\s++|[、，；：]\s*+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
# Whitespace before a whole conjunction word (the lookahead needs the space after it).
_PHRASE_END = re.compile(
    r"(?<!\s)\s++(?=(?:and|but|or|so|because|while|then|which|when|until)\s)", re.IGNORECASE
)
# Where an overlong piece is cut: after a clause mark, else at a space.
_SOFT_CUT = re.compile(r"[,;:]\s++|(?<!\s)\s++")
_ABBREVIATIONS = frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "e.g.", "i.e.", "etc.", "vs.", "no.", "approx."})


def _ends_with_abbreviation(text: str) -> bool:
    # Only the tail matters: an abbreviation is short, so a bounded slice keeps this O(1).
    tail = text[-16:].rstrip()
    last_word = tail.rsplit(maxsplit=1)[-1].lower() if tail else ""
    return last_word in _ABBREVIATIONS


def _words(text: str) -> int:
    """Words of ``text``; CJK characters count two to a word (the languages write no spaces)."""
    cjk = len(_CJK.findall(text))
    return len(_CJK.sub("", text).split()) + cjk // 2


class PieceSplitter:
    """Incremental splitter: ``feed`` each delta, then ``flush`` the rest at the end of the stream."""

    def __init__(self, max_piece_chars: int = MAX_PIECE_CHARS, *, emitted: bool = False) -> None:
        """``emitted``: a piece of this answer was already spoken (no early-clause rules then)."""
        self.max_piece_chars = max_piece_chars
        self._buffer = ""
        self._emitted = emitted
        self.scanned_chars = 0
        """Characters the searches were allowed to look at, in total: the work done (tests bound it)."""

    def feed(self, delta: str) -> list[str]:
        """The pieces ``delta`` completed (possibly none)."""
        self._buffer += delta
        pieces, self._buffer = self._split(self._buffer)
        return pieces

    def flush(self) -> list[str]:
        """What is left when the stream ends (in bounded pieces)."""
        pieces, rest = self._split(self._buffer)
        self._buffer = ""
        if rest.strip():
            pieces.append(rest.strip())
        return pieces

    def _first_boundary(self, buffer: str, start: int, end: int) -> re.Match[str] | None:
        self.scanned_chars += end - start
        match = _SENTENCE_END.search(buffer, start, end)
        # An abbreviation does not end the piece: look past it (each search starts further on).
        while match is not None and _ends_with_abbreviation(buffer[max(start, match.start() - 16) : match.start() + 1]):
            match = _SENTENCE_END.search(buffer, match.end(), end)
        if self._emitted:
            return match
        limit = match.start() if match else end
        for pattern, min_words in ((_CLAUSE_END, MIN_CLAUSE_WORDS), (_PHRASE_END, MIN_PHRASE_WORDS)):
            words, counted_to = 0, start
            for clause in pattern.finditer(buffer, start, limit):
                # Words counted once each: between the last candidate and this one.
                words += _words(buffer[counted_to : clause.start()])
                counted_to = clause.end()
                if words >= min_words:
                    if match is None or clause.start() < match.start():
                        match, limit = clause, clause.start()
                    break
        return match

    def _split(self, buffer: str) -> tuple[list[str], str]:
        pieces: list[str] = []
        start = 0
        while start < len(buffer):
            end = min(len(buffer), start + self.max_piece_chars)
            match = self._first_boundary(buffer, start, end)
            if match is None:
                if len(buffer) - start <= self.max_piece_chars:
                    break  # incomplete: wait for more text (or flush it whole)
                cut = self._soft_cut(buffer, start, end)
            else:
                cut = match.end()
            piece = buffer[start:cut].strip()
            if piece:
                pieces.append(piece)
                self._emitted = True
            start = cut
        return pieces, buffer[start:]

    def _soft_cut(self, buffer: str, start: int, end: int) -> int:
        """Where an overlong piece ends: its last clause mark, else its last space, else ``end``."""
        self.scanned_chars += end - start
        last_clause = last_space = None
        for match in _SOFT_CUT.finditer(buffer, start + 1, end):
            if match.group().startswith((",", ";", ":")):
                last_clause = match
            else:
                last_space = match
        best = last_clause or last_space
        return best.end() if best is not None else end


def split_ready(buffer: str, first: bool) -> tuple[list[str], str]:
    """Complete pieces at the front of ``buffer``, and the incomplete rest."""
    splitter = PieceSplitter(emitted=not first)
    return splitter._split(buffer)


async def speakable_pieces(deltas: AsyncIterable[str]) -> AsyncIterator[str]:
    """Yield each piece as soon as it is complete; flush the rest when the stream ends."""
    splitter = PieceSplitter()
    async for delta in deltas:
        for piece in splitter.feed(delta):
            yield piece
    for piece in splitter.flush():
        yield piece
