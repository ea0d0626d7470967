"""JSON from untrusted peers, with bounds the standard parser leaves out.

``json.loads`` accepts nesting until it hits the recursion limit (then raises RecursionError,
which nobody expects) and integers until Python's 4,300-digit conversion limit (a ValueError
that is not a JSONDecodeError). Neither is malformed JSON, so callers did not catch them: a
frame nested 30,000 deep dropped a Wyoming connection silently and gave HTTP 500 on
``POST /config``. ``loads_bounded`` turns both, and depth beyond ``max_depth``, into one typed
error. NaN and Infinity are refused too: they are not JSON and could not be stored back as JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .errors import JsonRejected

MAX_DEPTH = 32
"""Deepest nesting accepted; Wyoming events and settings trees are 2-4 levels deep."""
MAX_INT_DIGITS = 64
"""Longest integer literal accepted (a 64-bit value has 20 digits)."""


def _parse_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise JsonRejected(f"an integer of {len(literal)} digits is longer than {MAX_INT_DIGITS}")
    return int(literal)


def _parse_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise JsonRejected(f"the number {literal[:20]}... is out of range")
    return value


def _parse_constant(name: str) -> float:
    raise JsonRejected(f"{name} is not a JSON number")


def _depth_of(value: Any, max_depth: int) -> None:
    """Raise when ``value`` nests deeper than ``max_depth`` (iterative: no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > max_depth:
            raise JsonRejected(f"JSON nested deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def loads_bounded(data: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``data``; JsonRejected for invalid, too deep or unbounded JSON (never another error)."""
    try:
        value = json.loads(data, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except JsonRejected:
        raise
    except RecursionError as err:
        raise JsonRejected(f"JSON nested deeper than {max_depth} levels") from err
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise JsonRejected(f"not valid JSON: {err}") from err
    except ValueError as err:  # e.g. an integer over the interpreter's digit limit in a float context
        raise JsonRejected(f"JSON value out of range: {err}") from err
    _depth_of(value, max_depth)
    return value
