#!/usr/bin/env bash
# Installs Home Assistant core (for the tests/homeassistant tier) into its own venv, cached under
# ~/.cache/aria/ha-<version>; prints nothing but a "ha-setup:" line when the cache is already good.
# The tier runs Home Assistant inside a network namespace with no registry, so everything Home
# Assistant would pip-install at run time is installed here, pinned by its own package_constraints.txt:
# the requirements of every integration it loads (configured ones, bootstrap's defaults, their
# dependencies and after-dependencies, discovery integrations their manifests name), read from the
# manifests of the installed release.
# Needs Python >= 3.13 (pyenv's 3.13.0 here; override with ARIA_HA_PYTHON) and Debian's ffmpeg.
set -euo pipefail
cd "$(dirname "$0")/.."

ha_version="${ARIA_HA_VERSION:-2025.4.4}"
cache="${ARIA_HA_CACHE:-$HOME/.cache/aria/ha-$ha_version}"
# Integrations the tier's configuration.yaml names (see tests/homeassistant/harness.py) plus the one
# the config flow adds, and mcp_server (its tools, for the Aria-uses-Home-Assistant tests); bootstrap's
# always-loaded ones are added by the resolver below.
integrations="http api config assist_pipeline conversation intent stt tts media_source ffmpeg template input_boolean wyoming assist_satellite onboarding mcp_server"
# A change to this script (integration list, version) invalidates the stamp.
stamp="$cache/.installed-$(sha256sum "$0" | cut -c1-16)"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

if ! command -v ffmpeg >/dev/null; then
  echo "ha-setup: installing Debian's ffmpeg"
  as_root apt-get update -qq
  as_root apt-get install -y -qq ffmpeg >/dev/null
fi

if [ -e "$stamp" ] && [ -x "$cache/venv/bin/hass" ]; then
  echo "ha-setup: Home Assistant $ha_version ready in $cache (cached)"
  exit 0
fi

python="${ARIA_HA_PYTHON:-}"
if [ -z "$python" ] && command -v pyenv >/dev/null && prefix="$(pyenv prefix 3.13.0 2>/dev/null)"; then
  python="$prefix/bin/python3"
fi
if [ -z "$python" ]; then python="$(command -v python3.13 || true)"; fi
if [ -z "$python" ] || ! "$python" -c 'import sys; assert sys.version_info >= (3, 13)' 2>/dev/null; then
  echo "ha-setup: no Python >= 3.13 found (pyenv 3.13.0, python3.13 or ARIA_HA_PYTHON); the Home Assistant tier will be skipped" >&2
  exit 0
fi

mkdir -p "$cache/dl"
[ -x "$cache/venv/bin/python" ] || "$python" -m venv "$cache/venv"
pip=("$cache/venv/bin/python" -m pip)
"${pip[@]}" install -q --upgrade pip

# The constraints Home Assistant pins its whole dependency tree with ship inside its wheel.
"${pip[@]}" download -q --no-deps -d "$cache/dl" "homeassistant==$ha_version"
wheel="$(ls "$cache"/dl/homeassistant-"$ha_version"-*.whl)"
"$cache/venv/bin/python" - "$wheel" "$cache/package_constraints.txt" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as zf:
    data = zf.read("homeassistant/package_constraints.txt")
open(sys.argv[2], "wb").write(data)
PY

echo "ha-setup: installing Home Assistant $ha_version into $cache/venv (once; several minutes)"
"${pip[@]}" install -q -c "$cache/package_constraints.txt" "$wheel"

# Requirements of every integration the tier loads, from the installed release's manifests.
"$cache/venv/bin/python" - $integrations > "$cache/integration-requirements.txt" <<'PY'
import json, sys
from pathlib import Path
import homeassistant.components as components
from homeassistant import bootstrap

root = Path(components.__path__[0])
# Home Assistant installs a discovery integration's requirements when a manifest names it
# (homeassistant/requirements.py DISCOVERY_INTEGRATIONS).
discovery = {"bluetooth": ("bluetooth",), "dhcp": ("dhcp",), "ssdp": ("ssdp",), "usb": ("usb",),
             "zeroconf": ("zeroconf", "homekit")}
seed = set(sys.argv[1:])
for name in ("CORE_INTEGRATIONS", "LOGGING_AND_HTTP_DEPS_INTEGRATIONS", "FRONTEND_INTEGRATIONS",
             "RECORDER_INTEGRATIONS", "DEFAULT_INTEGRATIONS", "STAGE_1_INTEGRATIONS"):
    seed |= set(getattr(bootstrap, name, ()))
done, todo, reqs = set(), list(seed), set()
while todo:
    domain = todo.pop()
    if domain in done:
        continue
    done.add(domain)
    path = root / domain / "manifest.json"
    if not path.exists():
        continue
    manifest = json.loads(path.read_text())
    reqs.update(manifest.get("requirements", []))
    todo.extend(manifest.get("dependencies", []) + manifest.get("after_dependencies", []))
    todo.extend(d for d, keys in discovery.items() if any(k in manifest for k in keys))
print("\n".join(sorted(reqs)))
PY
echo "ha-setup: integration requirements: $(tr '\n' ' ' < "$cache/integration-requirements.txt")"
"${pip[@]}" install -q -c "$cache/package_constraints.txt" -r "$cache/integration-requirements.txt"

rm -f "$cache"/.installed-*
touch "$stamp"
echo "ha-setup: Home Assistant $ha_version ready in $cache"
