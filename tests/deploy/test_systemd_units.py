"""The systemd units in deploy/systemd pass ``systemd-analyze verify`` and start the programs
the README installs (paths rewritten to this checkout's environment, which is all that differs)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
INSTALLED_VENV = "/opt/aria/.venv"


@pytest.mark.parametrize("unit", ["aria-satellite.service", "aria-server.service"])
def test_unit_verifies(unit: str, tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd; scripts/setup.sh does)")
    text = (UNITS / unit).read_text()
    assert INSTALLED_VENV in text  # the path the README's install uses
    copy = tmp_path / unit
    copy.write_text(text.replace(INSTALLED_VENV, sys.prefix))
    done = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60, check=False)
    # verify also reports on the host's own units; only lines about ours count.
    ours = [line for line in (done.stdout + done.stderr).splitlines() if unit in line]
    assert done.returncode == 0 and ours == [], done.stdout + done.stderr
    program = text.split("ExecStart=", 1)[1].split()[0].rsplit("/", 1)[1]
    assert (Path(sys.prefix) / "bin" / program).exists()
