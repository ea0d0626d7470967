"""What a subcommand hands back: a readable table for stdout and raw figures for ``--json``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str | None = None) -> str:
    """Columns two spaces apart; ``align`` has one ``l`` or ``r`` per column (default: first left)."""
    align = align or "l" + "r" * (len(headers) - 1)
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.ljust(width) if side == "l" else cell.rjust(width)
            for cell, width, side in zip(cells, widths, align, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


@dataclass
class BenchReport:
    """The result of one subcommand run."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)
    align: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def render(self) -> str:
        """Title, table and notes as plain text."""
        return "\n".join([self.title, "", format_table(self.headers, self.rows, self.align), "", *self.notes]).rstrip() + "\n"

    def write_json(self, path: Path) -> None:
        """The raw figures (every request, every summary) as indented JSON."""
        path.write_text(json.dumps(self.data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
