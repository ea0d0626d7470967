"""Gives freed heap memory back to the operating system.

glibc keeps freed blocks of its main heap for reuse; after a burst (100 VAD detectors at once,
a long TTS pass) RSS stays at the peak although Python and the native libraries freed it all.
``malloc_trim(0)`` returns those pages. It walks the heap (about a millisecond), so callers use
it after work that freed a lot, off the event loop where that matters. Elsewhere: a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import sys

_LOGGER = logging.getLogger(__name__)


@functools.cache
def _malloc_trim() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim  # absent on musl
    except (OSError, AttributeError):
        _LOGGER.debug("malloc_trim is not available: freed memory stays with the allocator")
        return None


def trim_heap() -> None:
    """Return free heap pages to the OS where the C library can (glibc)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
