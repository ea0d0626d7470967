"""Aria as a user installs it: a wheel built from this tree, installed into fresh venvs.

The wheel is built once per session from a copy of the tree (so the checkout gets no ``build/``),
the way a user's ``pip`` would (isolated build, setuptools from PyPI). Fresh venvs use the same
Python as the tests.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_SKIP = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "data", ".pytest_cache")


def run(*args: str | Path, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run a command; AssertionError with its output when it fails."""
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``aria_voice-*.whl`` built from this tree."""
    source = tmp_path_factory.mktemp("source") / "aria"
    shutil.copytree(REPO, source, ignore=_SKIP)
    out = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, source)
    [built] = out.glob("aria_voice-*.whl")
    return built


def fresh_venv(path: Path) -> Path:
    """A new venv at ``path``; returns its python."""
    run(sys.executable, "-m", "venv", path)
    return path / "bin" / "python"
