"""Driving a pretrained *base* model as a completion model: a few-shot transcript prompt.

For ``--llm-prompt-style completion`` (every bundled model is instruction-tuned and uses its chat
template instead). A base model (Gemma 3 270M, say) was never taught to chat: given chat messages it
repeats the prompt and never stops. Given a transcript that ends in ``Aria:`` it continues the
transcript instead, and the examples show it what an answer looks like: one short sentence on
one line. The newline stop sequence ends the answer, and ``limit_sentences`` cuts a rambling
one after two sentences.

    >>> completion_prompt([{"role": "system", "content": "Be brief."},
    ...                    {"role": "user", "content": "Hi?"}]).endswith("User: Hi?\\nAria:")
    True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the embedded model's worker process imports this module: keep it light
    from .base import ChatMessage

ASSISTANT = "Aria"
USER = "User"

STOP = ["\n", f"{USER}:", f"{ASSISTANT}:"]
"""An answer is one line: the model stops before it writes the next speaker's turn."""

MAX_TOKENS = 64
"""A base model does not know when to stop, so it gets a short leash."""

FEW_SHOT: tuple[tuple[str, str], ...] = (
    ("What is the capital of France?", "The capital of France is Paris."),
    ("How many legs does a spider have?", "A spider has eight legs."),
    ("Can you recommend a drink for a cold day?", "A cup of hot chocolate is lovely on a cold day."),
)
"""Examples every prompt starts with; they never change, so the KV cache keeps them."""


def _line(text: str) -> str:
    """One line: a newline inside a turn would read as the end of that turn."""
    return " ".join(text.split())


def prompt_header(system: str) -> str:
    """The fixed start of every prompt: instructions and examples (warmed into the cache)."""
    lines = [_line(system), ""]
    for question, answer in FEW_SHOT:
        lines += [f"{USER}: {question}", f"{ASSISTANT}: {answer}"]
    return "\n".join(lines) + "\n"


def completion_prompt(messages: Sequence[ChatMessage]) -> str:
    """System message, examples, the conversation so far, then ``Aria:`` for the model to continue."""
    system = next((m["content"] for m in messages if m["role"] == "system"), "")
    turns = [
        f"{USER if m['role'] == 'user' else ASSISTANT}: {_line(m['content'])}"
        for m in messages
        if m["role"] != "system"
    ]
    return prompt_header(system) + "\n".join(turns) + f"\n{ASSISTANT}:"


_SENTENCE_END = re.compile(r"[.!?](?=\s)")


def limit_sentences(deltas: Iterable[str], limit: int = 2) -> Iterator[str]:
    """Pass text deltas through until ``limit`` sentences are complete, then stop.

    A sentence counts as complete when its ``.``/``!``/``?`` is followed by whitespace, so
    ``3.5`` does not end one:

        >>> list(limit_sentences(["Hi. ", "Yes", " it is. And", " more."], limit=2))
        ['Hi. ', 'Yes', ' it is.']
    """
    text = ""
    for delta in deltas:
        before = len(text)
        text += delta
        ends = [match.end() for match in _SENTENCE_END.finditer(text)]
        if len(ends) >= limit:
            cut = ends[limit - 1]
            if cut > before:
                yield text[before:cut]
            return
        yield delta
