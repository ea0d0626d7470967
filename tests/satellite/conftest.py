"""Fixtures of the satellite's own tests."""

from __future__ import annotations

import pytest

from tests.satellites.harness import ClipMaker


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> ClipMaker:
    """Speech from the bundled Piper voice."""
    return ClipMaker(tmp_path_factory.mktemp("satellite-clips"))
