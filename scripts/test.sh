#!/usr/bin/env bash
# Sets up (first time) and runs the whole test suite; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
ARIA_EXTRAS="${ARIA_EXTRAS:-all,kokoro,edge,test}" ARIA_WITH_BROWSER=1 bash scripts/setup.sh
# The Home Assistant releases tests/homeassistant runs against (a venv each, cached; a release
# that cannot be made here is left out with the reason; ARIA_SKIP_HA=1 leaves them all out,
# and the tier then skips with the reason).
if [ "${ARIA_SKIP_HA:-0}" != 1 ]; then bash scripts/ha-setup.sh; fi
# Home Assistant 2025.4.4's ESPHome client (aioesphomeapi 29.9.0) beside the newest one in .venv.
if [ "${ARIA_SKIP_HA:-0}" != 1 ]; then bash scripts/esphome-client-setup.sh; fi
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
# pytest exits 5 when it collected no tests: that is a broken suite here, not a pass.
if [ "$status" -eq 5 ]; then echo "test: pytest collected no tests" >&2; exit 1; fi
exit "$status"
