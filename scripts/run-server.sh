#!/usr/bin/env bash
# Sets up (first time) and runs the Aria server on the bundled models; extra arguments go to
# aria-server, e.g. `scripts/run-server.sh --host 0.0.0.0`.
set -euo pipefail
cd "$(dirname "$0")/.."
ARIA_EXTRAS="${ARIA_EXTRAS:-all}" bash scripts/setup.sh
exec .venv/bin/aria-server "$@"
