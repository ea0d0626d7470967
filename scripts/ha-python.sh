#!/usr/bin/env bash
# Prints the path of a Python interpreter at version MIN or newer (same minor) for a Home Assistant
# venv: one already on this machine (ARIA_HA_PYTHON, pyenv's versions, python3.X on PATH, one built
# here before), else CPython built here once into ~/.cache/aria/python-<version>.
#
#   scripts/ha-python.sh 3.13.2
#
# stdout: the interpreter; or, with exit status 2, why there is none here. Progress on stderr.
#
# Building needs no python.org: Debian's source package of CPython ships the upstream tarball
# unchanged as its .orig.tar.xz (trixie's python3.13_3.13.5.orig.tar.xz is upstream's
# Python-3.13.5.tar.xz byte for byte), and deb.debian.org is reachable where python.org is not.
# pyenv's python-build compiles it from its download cache, after checking the tarball against
# the SHA-256 its own definition pins, so a tarball that is not upstream's is refused.
set -euo pipefail

give_up() { echo "$*"; exit 2; }

min="$1"
build_version="${ARIA_HA_BUILD_PYTHON:-3.13.5}"
# Debian's source package and the suite whose pool has this version's upstream tarball.
debian_source="python${build_version%.*}"
debian_mirror="${ARIA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
root="${ARIA_HA_CACHE_ROOT:-$HOME/.cache/aria}"
series="${min%.*}"

# True when $1 runs and is at least $min within the same minor series (Home Assistant's
# dependencies are pinned for one minor: 3.14 is not a 3.13).
fits() {
  [ -x "$1" ] && "$1" - "$min" <<'PY' 2>/dev/null
import sys
want = tuple(int(p) for p in sys.argv[1].split("."))
assert sys.version_info[:2] == want[:2] and sys.version_info[:3] >= want
PY
}

candidates=()
[ -n "${ARIA_HA_PYTHON:-}" ] && candidates+=("$ARIA_HA_PYTHON")
if command -v pyenv >/dev/null; then
  # Newest first, so a release that needs 3.13.2 is not offered 3.13.0.
  for version in $(pyenv versions --bare 2>/dev/null | grep -E "^${series//./\\.}\.[0-9]+$" | sort -t. -k3,3nr); do
    candidates+=("$(pyenv root)/versions/$version/bin/python3")
  done
fi
for name in "python$series" python3; do
  if path="$(command -v "$name")"; then candidates+=("$path"); fi
done
candidates+=("$root/python-$build_version/bin/python3")
for python in "${candidates[@]}"; do
  if fits "$python"; then echo "$python"; exit 0; fi
done

# None here: build one.
python_build="$(command -v python-build || true)"
if [ -z "$python_build" ] && command -v pyenv >/dev/null; then
  python_build="$(pyenv root)/plugins/python-build/bin/python-build"
fi
if [ ! -x "${python_build:-}" ]; then
  give_up "no Python >= $min here and no pyenv (python-build) to build $build_version"
fi
if [ "${build_version%.*}" != "$series" ]; then
  give_up "no Python >= $min here (this script builds only $build_version)"
fi

# The headers CPython's optional modules need (pyenv's list for Debian); installed only when missing.
build_deps="build-essential libssl-dev zlib1g-dev libbz2-dev libreadline-dev libsqlite3-dev libffi-dev liblzma-dev uuid-dev"
missing="$(for p in $build_deps; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done | tr '\n' ' ')"
if [ -n "${missing// /}" ] && command -v apt-get >/dev/null; then
  echo "ha-python: installing Debian's $missing" >&2
  as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
  as_root apt-get update -qq >&2 && as_root apt-get install -y -qq $missing >/dev/null || true
fi

src="$root/python-src"
mkdir -p "$src"
orig="${debian_source}_${build_version}.orig.tar.xz"
if [ ! -s "$src/$orig" ]; then
  echo "ha-python: downloading $orig (Debian's copy of upstream's Python-$build_version.tar.xz)" >&2
  if ! curl -fsS --retry 2 -o "$src/$orig.part" "$debian_mirror/pool/main/p/$debian_source/$orig"; then
    rm -f "$src/$orig.part"
    give_up "no Python >= $min here, and $orig could not be downloaded from $debian_mirror"
  fi
  mv "$src/$orig.part" "$src/$orig"
fi
# python-build looks for upstream's file name in its cache.
ln -sf "$orig" "$src/Python-$build_version.tar.xz"

prefix="$root/python-$build_version"
log="$root/python-$build_version.build.log"
echo "ha-python: building Python $build_version into $prefix (once; 3.5 minutes of CPU, 5 to 8 on 2 busy cores)" >&2
# nice: the build shares the machine with everything else CI runs.
if ! PYTHON_BUILD_CACHE_PATH="$src" nice -n 10 "$python_build" "$build_version" "$prefix" >"$log" 2>&1; then
  rm -rf "$prefix"
  tail -n 15 "$log" >&2
  give_up "building Python $build_version failed (log: $log)"
fi
# Modules Home Assistant cannot start without; python-build only warns when a -dev package is missing.
if ! "$prefix/bin/python3" -c 'import ssl, sqlite3, ctypes, lzma, bz2, zlib, uuid' 2>>"$log"; then
  rm -rf "$prefix"
  give_up "Python $build_version built without ssl/sqlite3/ctypes/lzma/bz2/zlib/uuid (missing -dev packages? log: $log)"
fi
echo "$prefix/bin/python3"
