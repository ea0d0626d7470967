"""``aria-bench`` / ``python -m aria_bench``: argv -> subcommand -> table (+ JSON).

A subcommand is a module of this package that provides ``HELP: str``,
``add_arguments(parser)`` and ``async run(args) -> BenchReport``; adding one is writing that
module, nothing here changes. ``__main__`` adds the shared options (``--uri``, ``--repeats``,
``--warmup``, ``--pid``, ``--json``, ``--timeout``), samples memory for ``--pid``, prints the
table and writes the JSON. Reserved names whose module does not exist yet refuse to run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import BenchError
from .report import BenchReport
from .rss import RssSampler

SUBCOMMANDS: tuple[str, ...] = ("stt", "tts", "handle", "turn")
"""Subcommands listed first, in this order; ``handle`` and ``turn`` are reserved until their
modules exist. Any other module of this package that provides the three names is added after."""

_NOT_SUBCOMMANDS = frozenset({"children", "clips", "cpu", "cutoff", "errors", "make_clips", "numbers", "question_set", "report", "rss", "stats", "wer", "wire"})
"""Helper modules: never imported as subcommands."""


def _module(name: str) -> ModuleType | None:
    """The subcommand's module, or None while it is only reserved (or is not a subcommand)."""
    path = f"aria_bench.{name}"
    if importlib.util.find_spec(path) is None:
        return None
    module = importlib.import_module(path)
    if not all(hasattr(module, attr) for attr in ("HELP", "add_arguments", "run")):
        return None
    return module


def subcommands() -> dict[str, ModuleType | None]:
    """Name -> module: the listed names first (None while reserved), then the package's others."""
    others = sorted(
        info.name for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not info.name.startswith("_") and info.name not in _NOT_SUBCOMMANDS and info.name not in SUBCOMMANDS
    )
    found: dict[str, ModuleType | None] = {name: _module(name) for name in SUBCOMMANDS}
    for name in others:
        if (module := _module(name)) is not None:
            found[name] = module
    return found


def _shared_options() -> argparse.ArgumentParser:
    """Options every subcommand takes."""
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--uri", required=True, help="server address: tcp://HOST:PORT for Wyoming (Aria or any peer)")
    shared.add_argument("--repeats", type=_positive_int, default=5, help="measured passes over the inputs (default 5)")
    shared.add_argument("--warmup", type=_non_negative_int, default=1, help="unmeasured requests first (default 1)")
    shared.add_argument("--pid", type=int, default=None, help="report the peak RSS of this process and its children")
    shared.add_argument(
        "--max-other-cpu", type=float, default=None, metavar="CORES",
        help="with --pid: re-run a request (up to 5 tries) when other processes used more than CORES cores meanwhile",
    )
    shared.add_argument("--json", type=Path, default=None, help="write the raw figures to this file")
    shared.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for each server event")
    return shared


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The parser with one subparser per available subcommand and a stub line per reserved one."""
    parser = argparse.ArgumentParser(
        prog="aria-bench", description="Measure any Wyoming server: Aria or the programs it replaces."
    )
    found = subcommands()
    commands = parser.add_subparsers(dest="command", required=True, metavar="{" + ",".join(found) + "}")
    shared = _shared_options()
    for name, module in found.items():
        if module is None:
            reserved = commands.add_parser(name, help="(reserved: not available in this version)")
            reserved.set_defaults(module=None)
            continue
        sub = commands.add_parser(name, parents=[shared], help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(module=module)
    return parser


async def _run(module: Any, args: argparse.Namespace) -> BenchReport:
    """Run one subcommand, sampling the server's memory around it when ``--pid`` is given."""
    sampler = RssSampler(args.pid) if args.pid is not None else None
    async with sampler if sampler is not None else contextlib.nullcontext():
        report: BenchReport = await module.run(args)
    if sampler is not None:
        rss = sampler.report()
        report.notes.append(rss.describe())
        report.data["rss"] = rss.as_dict()
    report.data["uri"] = args.uri
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: 0 on success, 1 when the benchmark failed, 2 for bad usage."""
    try:
        parser = build_parser()
    except ModuleNotFoundError as err:  # a satellite-only install has the entry point, not the client
        print(f"aria-bench: {err.name} is missing: pip install 'aria-voice[bench]'", file=sys.stderr)
        return 2
    args, unknown = parser.parse_known_args(argv)
    if args.module is None:
        print(f"aria-bench: '{args.command}' is reserved and not available in this version", file=sys.stderr)
        return 2
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        report = asyncio.run(_run(args.module, args))
    except (BenchError, OSError) as err:
        print(f"aria-bench {args.command}: {err}", file=sys.stderr)
        return 1
    sys.stdout.write(report.render())
    if args.json is not None:
        report.write_json(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
