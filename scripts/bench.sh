#!/usr/bin/env bash
# Every end-to-end benchmark of docs/benchmarks.md, one after the other, on a fresh server each:
#
#   scripts/bench.sh [OUT]     # tables (.txt) and raw figures (.json) in OUT (default /tmp/aria-bench)
#
#   handle     Wyoming handle on the embedded default: local intents and language-model questions
#   dead-llm   Wyoming handle with the language model's server down (the spoken apology)
#   turn       a real aria-satellite (--mic-file): end of speech -> first reply audio, per stage;
#              barge-in trials; 8 idle satellites + 3 talking at once; the paused set's cut-offs
#              with the pause judgement on and off
#   ws         the browser's /ws: typed turn and spoken turn -> first reply audio
#
# STT and TTS against the peers: scripts/peers.sh compare. The sequential peer chain (STT ->
# llama.cpp -> TTS) that `turn` is compared with: aria-bench chain (see docs/benchmarks.md).
# Environment: REPEATS (5), ARIA_PYTHON (default the repository's .venv).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-/tmp/aria-bench}"
REPEATS="${REPEATS:-5}"
ARIA_PYTHON="${ARIA_PYTHON:-$ROOT/.venv/bin/python}"
bench=("$ARIA_PYTHON" -m aria_bench)
mkdir -p "$OUT"

# 2 cores: wait (up to 5 min) until the CPUs are mostly idle, measured over 3 s from /proc/stat.
wait_quiet() {
    local busy
    for _ in $(seq 1 60); do
        busy="$(awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat; sleep 3; awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat)"
        busy="$(echo "$busy" | awk 'NR==1{b=$1;i=$2} NR==2{db=$1-b; di=$2-i; printf "%d", 100*db/(db+di)}')"
        (( busy <= 20 )) && return 0
        sleep 2
    done
    echo "[CPU still ${busy}% busy: measuring anyway]"
}

# Start aria-server with the given options on free ports; sets SERVER_PID, WYOMING_URI, HTTP_URL.
start_server() {
    local log="$OUT/server-$1.log"; shift
    rm -rf "$OUT/data"
    "$ARIA_PYTHON" -m aria_server --no-zeroconf --wyoming-port 0 --http-port 0 --data-dir "$OUT/data" "$@" >"$log" 2>&1 &
    SERVER_PID=$!
    WYOMING_URI="" HTTP_URL=""
    for _ in $(seq 1 240); do
        WYOMING_URI="$(grep -o 'Aria is ready: Wyoming tcp://[0-9.:]*' "$log" | grep -o 'tcp://.*' || true)"
        [[ -n "$WYOMING_URI" ]] && break
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$log" >&2; exit 1; }
        sleep 0.5
    done
    [[ -n "$WYOMING_URI" ]] || { echo "aria-server did not become ready (see $log)" >&2; kill "$SERVER_PID"; exit 1; }
    HTTP_URL="$(grep -o 'HTTP API on http://[0-9.:]*' "$log" | grep -o 'http://.*')"
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}
trap stop_server EXIT

start_server handle
wait_quiet
"${bench[@]}" handle --uri "$WYOMING_URI" --repeats "$REPEATS" --pid "$SERVER_PID" --max-other-cpu 0.25 \
    --json "$OUT/handle.json" | tee "$OUT/handle.txt"
stop_server

# Port 9 (discard) refuses connections: the language model's server is down.
start_server dead-llm --llm-backend openai --llm-url http://127.0.0.1:9/v1 --llm-model any
wait_quiet
"${bench[@]}" handle --uri "$WYOMING_URI" --repeats "$REPEATS" --text "What is the capital of France?" \
    --json "$OUT/dead-llm.json" | tee "$OUT/dead-llm.txt"
stop_server

wait_quiet
"${bench[@]}" turn --uri tcp://127.0.0.1:0 --start-server --repeats "$REPEATS" --barge-in "$REPEATS" --load 8,3 \
    --json "$OUT/turn.json" | tee "$OUT/turn.txt"

# The endpointing set (requests with a thinking pause, and without): cut-offs per kind with the
# pause judgement on, then off (no end-of-turn model, no hanging-word rule).
wait_quiet
"${bench[@]}" turn --uri tcp://127.0.0.1:0 --start-server --clips paused --repeats 3 \
    --json "$OUT/turn-paused.json" | tee "$OUT/turn-paused.txt"
wait_quiet
"${bench[@]}" turn --uri tcp://127.0.0.1:0 --start-server --clips paused --repeats 3 \
    --server-arg=--vad-end-of-turn-model=none --server-arg=--vad-incomplete-turn-end-ms=0 \
    --json "$OUT/turn-paused-off.json" | tee "$OUT/turn-paused-off.txt"

start_server ws
wait_quiet
"${bench[@]}" ws --uri "$HTTP_URL" --mode both --repeats "$REPEATS" --pid "$SERVER_PID" --max-other-cpu 0.25 \
    --json "$OUT/ws.json" | tee "$OUT/ws.txt"
stop_server
echo "tables and JSON in $OUT"
