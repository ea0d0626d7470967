#!/usr/bin/env bash
# Installs Home Assistant 2025.4.4's ESPHome client (aioesphomeapi 29.9.0) into its own venv, cached
# under ~/.cache/aria/esphome-client-<version>, for tests/satellite/esphome/test_client_versions.py
# (the newest client is the one in .venv, from the satellite extra). Quiet when already there.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${ARIA_ESPHOME_OLD_CLIENT:-29.9.0}"
cache="${ARIA_ESPHOME_CLIENT_CACHE:-$HOME/.cache/aria}/esphome-client-$version"
if "$cache/venv/bin/python" -c "import aioesphomeapi, importlib.metadata as m; assert m.version('aioesphomeapi') == '$version'" 2>/dev/null; then
  echo "esphome-client-setup: aioesphomeapi $version ready in $cache (cached)"
  exit 0
fi
python="$(.venv/bin/python -c 'import sys; print(sys._base_executable)')"
"$python" -m venv "$cache/venv"
"$cache/venv/bin/python" -m pip install -q "aioesphomeapi==$version"
echo "esphome-client-setup: aioesphomeapi $version installed in $cache"
