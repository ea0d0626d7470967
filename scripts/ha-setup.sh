#!/usr/bin/env bash
# Installs the Home Assistant cores the tests/homeassistant tier runs against, each into its own
# venv cached under ~/.cache/aria/ha-<version>; prints nothing but one "ha-setup:" line per release
# when the cache is already good.
#
#   scripts/ha-setup.sh            every release below
#   scripts/ha-setup.sh 2026.2.3   one of them
#
# The tier runs Home Assistant inside a network namespace with no registry, so everything Home
# Assistant would pip-install at run time is installed here, pinned by its own package_constraints.txt:
# the requirements of every integration it loads (configured ones, bootstrap's defaults, their
# dependencies and after-dependencies, discovery integrations their manifests name), read from the
# manifests of the installed release.
# Each release needs its own Python (scripts/ha-python.sh finds one, or builds it once from Debian's
# source package); where none can be had, that release is left out with the reason (the tier skips
# it and says why) and the others go on. Needs Debian's ffmpeg.
set -euo pipefail
cd "$(dirname "$0")/.."

# The releases the tier tests, each with the oldest Python it runs on: 2025.4.4, the baseline the
# README's claims were first checked against (the newest on Python 3.13.0), and 2026.2.3, the newest
# on Python 3.13 (2026.3 and later need 3.14.2). Keep in step with RELEASES in
# tests/homeassistant/harness.py.
releases="2025.4.4:3.13.0 2026.2.3:3.13.2"
root="${ARIA_HA_CACHE_ROOT:-$HOME/.cache/aria}"
# Integrations the tier's configuration.yaml names (see tests/homeassistant/harness.py) plus the ones
# config flows add (wyoming; esphome, whose bluetooth dependency comes with it, for Aria's satellite
# as an ESPHome device), and mcp_server (its tools, for the Aria-uses-Home-Assistant tests);
# bootstrap's always-loaded ones are added by the resolver below.
integrations="http api config assist_pipeline conversation intent stt tts media_source ffmpeg template input_boolean wyoming assist_satellite onboarding mcp_server esphome"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

if [ $# = 0 ]; then
  if ! command -v ffmpeg >/dev/null; then
    echo "ha-setup: installing Debian's ffmpeg"
    as_root apt-get update -qq
    as_root apt-get install -y -qq ffmpeg >/dev/null
  fi
  for release in $releases; do
    # Exit status 2: this release cannot be made here (its reason is recorded); others fail the run.
    bash "$0" "${release%%:*}" || [ $? = 2 ]
  done
  exit 0
fi

ha_version="$1"
min_python=""
for release in $releases; do
  if [ "${release%%:*}" = "$ha_version" ]; then min_python="${release#*:}"; fi
done
if [ -z "$min_python" ]; then echo "ha-setup: $ha_version is not one of the tier's releases ($releases)" >&2; exit 1; fi
cache="$root/ha-$ha_version"
# A change to this script (integration list, releases) invalidates the stamp.
stamp="$cache/.installed-$(sha256sum "$0" | cut -c1-16)"
# Why this release is not installed, for the tier's skip message (tests/homeassistant/harness.py).
unavailable="$cache/.unavailable"

if [ -e "$stamp" ] && [ -x "$cache/venv/bin/hass" ]; then
  echo "ha-setup: Home Assistant $ha_version ready in $cache (cached)"
  exit 0
fi

mkdir -p "$cache"
if ! python="$(bash scripts/ha-python.sh "$min_python")"; then
  echo "it needs Python >= $min_python (${python:-scripts/ha-python.sh failed})" > "$unavailable"
  echo "ha-setup: Home Assistant $ha_version left out, its tests will be skipped: $(cat "$unavailable")" >&2
  exit 2
fi
rm -f "$unavailable"

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
