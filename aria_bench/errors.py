"""The one failure a benchmark reports: something about the server, the clips or the options."""

from __future__ import annotations


class BenchError(RuntimeError):
    """The server refused, answered with an ``error`` event, went away or did not answer in time;
    or an input (manifest, WAV, texts, pid) cannot be used. ``aria-bench`` prints it and exits 1."""
