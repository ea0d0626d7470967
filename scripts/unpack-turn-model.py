"""Set-up step: unpack Smart Turn v3.2 (BSD-2-Clause) from the pinned pipecat-ai wheel, checked by hash.

pipecat-ai is not installed (importing it needs numba and much more): pip only downloads the
wheel, pinned by version and sha256, and the one ONNX file is read out of it, checked against its
own sha256 and written atomically to Aria's model cache. Idempotent; run by scripts/setup.sh.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from aria_server.model_files import models_dir, sha256_of
from aria_server.vad.end_of_turn import SMART_TURN_FILE, SMART_TURN_SHA256

WHEEL = "pipecat-ai==1.14.0"
WHEEL_SHA256 = "0352f504b44e78bdf524e45af4bc759601c835b9b7dc195efe5e03384b974a44"
MEMBER = f"pipecat/audio/turn/smart_turn/data/{SMART_TURN_FILE}"


def main() -> int:
    target = models_dir() / SMART_TURN_FILE
    if target.is_file() and sha256_of(target) == SMART_TURN_SHA256:
        print(f"unpack-turn-model: {target} is in place")
        return 0
    with tempfile.TemporaryDirectory() as work:
        requirement = Path(work) / "requirements.txt"
        requirement.write_text(f"{WHEEL} --hash=sha256:{WHEEL_SHA256}\n")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--require-hashes",
             "-r", str(requirement), "-d", work],
            check=True,
        )
        [wheel] = Path(work).glob("pipecat_ai-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(MEMBER)
    if hashlib.sha256(data).hexdigest() != SMART_TURN_SHA256:
        print(f"unpack-turn-model: {MEMBER} has the wrong sha256", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, target)
    print(f"unpack-turn-model: {target} (Smart Turn v3.2, BSD-2-Clause, from {WHEEL})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
