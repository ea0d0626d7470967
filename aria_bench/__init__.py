"""``aria-bench``: latency, accuracy and memory of any Wyoming server (Aria or its peers).

One module per subcommand (``stt.py``, ``tts.py``, ...), each exposing ``HELP``,
``add_arguments(parser)`` and ``run(args) -> BenchReport``; ``__main__`` finds them by name.
Shared helpers: ``stats`` (median/p95), ``wer`` (normalised word error rate), ``clips``
(the bundled clip set and manifests), ``wire`` (Wyoming client helpers), ``rss`` (peak memory
of a server process), ``report`` (tables and JSON).
"""
