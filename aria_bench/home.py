"""``aria-bench home``: is what an agent says about the home true? Aria against Home Assistant's own agent.

For each sentence of a set (``home_sentences.jsonl``: the test tier's home; ``--sentences`` for
another): the entities it names are put in a known state over Home Assistant's REST API, the
sentence is asked — of Aria over Wyoming ``handle`` (an anonymous client) and of Home
Assistant's own agent (``/api/conversation/process``) — and the states are read back. Each
answer is one of:

    right            the state is what the command wanted / the answer matches the real state /
                     nothing changed where nothing should (an unknown, ambiguous or sensitive
                     request) and the answer said so
    false statement  a command not done but not said so, a wrong state, or an action that
                     should not have happened
    refusal          nothing was done and the answer says so ("which one", "nothing was changed")

reported per request class with median and p95 time to the whole answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiohttp
from wyoming.asr import Transcript
from wyoming.handle import Handled, NotHandled

from .errors import BenchError
from .report import BenchReport
from .stats import summarize
from .wire import connect, read_event

HELP = "truth about the home: Aria vs Home Assistant's own agent on the same sentences (needs --ha-url)"
REFUSING = ("nothing was changed", "did not change anything", "which one", "couldn't", "can't", "didn't", "not sure", "sorry", "don't know", "isn't trusted")
SERVICES = {
    **{(domain, state): f"turn_{state}" for domain in ("light", "switch", "fan", "media_player", "input_boolean") for state in ("on", "off")},
    ("lock", "locked"): "lock", ("lock", "unlocked"): "unlock",
    ("cover", "open"): "open_cover", ("cover", "closed"): "close_cover",
}
"""How a sentence's ``set`` puts an entity in a state (``input_boolean``: a helper behind a sensor)."""
LEVELS = {
    "light": ("turn_on", "brightness_pct", "brightness"), "cover": ("set_cover_position", "position", "current_position"),
    "fan": ("set_percentage", "percentage", "percentage"), "climate": ("set_temperature", "temperature", "temperature"),
}
"""A sentence's ``levels`` (percent; degrees for climate): the service and field that set one and
the attribute it is read back from (a light's brightness is 0-255)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ha-url", required=True, help="Home Assistant's base URL")
    parser.add_argument("--ha-token-file", type=Path, required=True, help="a long-lived access token, in a file")
    parser.add_argument("--sentences", type=Path, default=None, help="JSON lines (default: the shipped set)")
    parser.add_argument("--agents", default="aria,ha", help="who is asked: aria, ha or both (default aria,ha)")


@dataclass(frozen=True)
class Outcome:
    agent: str
    kind: str
    text: str
    answer: str
    verdict: str
    ms: float


def load(path: Path | None) -> list[dict[str, Any]]:
    raw = path.read_text(encoding="utf-8") if path else resources.files("aria_bench").joinpath("home_sentences.jsonl").read_text()
    return [json.loads(line) for line in raw.splitlines() if line.strip() and not line.startswith("#")]


def verdict(
    sentence: dict[str, Any], answer: str, before: dict[str, str], after: dict[str, str], levels: dict[str, float] | None = None,
) -> str:
    """right / false statement / refusal for one answer and the states (and ``levels``) around it."""
    said = answer.lower()
    refused = any(mark in said for mark in REFUSING) or said.rstrip().endswith("?")
    if "expect" in sentence or "levels" in sentence:
        levels = levels or {}
        states_right = all(after.get(e) == s for e, s in sentence.get("expect", {}).items())
        levels_right = all(abs(levels.get(e, -100) - v) <= 1 for e, v in sentence.get("levels", {}).items())
        if states_right and levels_right:
            return "right"
        return "refusal" if refused and after == before else "false statement"
    if sentence.get("unchanged"):
        if after != before:
            return "false statement"
        return "right" if refused else "false statement"
    if "answer" in sentence:
        if said.startswith(sentence["answer"]):
            return "right"
        return "refusal" if refused else "false statement"
    if all(n.lower() in said for n in sentence.get("names", [])) and not any(n.lower() in said for n in sentence.get("absent", [])):
        return "right"
    return "refusal" if refused else "false statement"


class Home:
    """Home Assistant's REST API: states set and read."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def state(self, entity_id: str) -> str:
        async with self.session.get(f"/api/states/{entity_id}") as response:
            return str((await response.json())["state"])

    async def level(self, entity_id: str) -> float:
        """An entity's level as ``levels`` says it (percent; degrees); -1 when it has none."""
        domain = entity_id.split(".", 1)[0]
        async with self.session.get(f"/api/states/{entity_id}") as response:
            value = (await response.json())["attributes"].get(LEVELS[domain][2])
        if not isinstance(value, (int, float)):
            return -1.0
        return value * 100 / 255 if domain == "light" else float(value)

    async def set_levels(self, levels: dict[str, float], timeout: float) -> None:
        """Put entities at these levels (before ``set``, which may then turn them off)."""
        for entity_id, wanted in levels.items():
            domain = entity_id.split(".", 1)[0]
            service, key, _ = LEVELS[domain]
            async with self.session.post(f"/api/services/{domain}/{service}", json={"entity_id": entity_id, key: wanted}) as response:
                response.raise_for_status()
            async with asyncio.timeout(timeout):
                while abs(await self.level(entity_id) - wanted) > 1:
                    await asyncio.sleep(0.05)

    async def set(self, states: dict[str, str], timeout: float) -> None:
        for entity_id, wanted in states.items():
            domain = entity_id.split(".", 1)[0]
            service = SERVICES.get((domain, wanted))
            if service is None:
                raise BenchError(f"cannot put {entity_id} in {wanted!r}")
            async with self.session.post(f"/api/services/{domain}/{service}", json={"entity_id": entity_id}) as response:
                response.raise_for_status()
            async with asyncio.timeout(timeout):
                while await self.state(entity_id) != wanted:
                    await asyncio.sleep(0.05)

    async def ask_own_agent(self, text: str) -> str:
        async with self.session.post("/api/conversation/process", json={"text": text, "language": "en"}) as response:
            body = await response.json()
        return str(((body.get("response") or {}).get("speech") or {}).get("plain", {}).get("speech") or "")


async def ask_aria(uri: str, text: str, timeout: float) -> str:
    async with connect(uri, timeout) as client:
        await client.write_event(Transcript(text=text, language="en").event())
        async with asyncio.timeout(timeout):
            while True:
                event = await read_event(client)
                if Handled.is_type(event.type):
                    return Handled.from_event(event).text or ""
                if NotHandled.is_type(event.type):
                    return NotHandled.from_event(event).text or ""


async def run(args: argparse.Namespace) -> BenchReport:
    sentences = load(args.sentences)
    agents = [a.strip() for a in args.agents.split(",") if a.strip()]
    token = args.ha_token_file.read_text().strip()
    outcomes: list[Outcome] = []
    async with aiohttp.ClientSession(base_url=args.ha_url, headers={"Authorization": f"Bearer {token}"}) as session:
        home = Home(session)
        for _ in range(args.warmup):
            await ask_aria(args.uri, "What time is it?", args.timeout)
        for _ in range(args.repeats):
            for sentence in sentences:
                for agent in agents:
                    outcome = await ask_one(home, args, agent, sentence)
                    outcomes.append(outcome)
                    # One line per answer as it comes: a run cut short still has its figures.
                    print("outcome", json.dumps(outcome.__dict__), file=sys.stderr, flush=True)
    return report(outcomes)


async def ask_one(home: Home, args: argparse.Namespace, agent: str, sentence: dict[str, Any]) -> Outcome:
    """One sentence asked of one agent, its entities put in their states first and read after;
    an answer that does not come within ``--timeout`` is judged as an empty answer."""
    await home.set_levels(sentence.get("set_levels", {}), args.timeout)
    await home.set(sentence["set"], args.timeout)
    before = {e: await home.state(e) for e in sentence["set"]}
    started = time.perf_counter()
    try:
        if agent == "aria":
            answer = await ask_aria(args.uri, sentence["text"], args.timeout)
        else:
            answer = await home.ask_own_agent(sentence["text"])
    except TimeoutError:
        answer = ""
    ms = (time.perf_counter() - started) * 1000
    if agent == "aria" and answer.rstrip().endswith("?"):
        # Closes the question it asked ("are you sure?"); otherwise "No." would only be a chat
        # turn for the model, minutes of CPU on a loaded machine.
        await ask_aria(args.uri, "No.", args.timeout)
    after = {e: await home.state(e) for e in sentence["set"]}
    levels = {e: await home.level(e) for e in sentence.get("levels", {})}
    text = answer if answer or ms < args.timeout * 1000 else f"(no answer in {args.timeout:g} s)"
    return Outcome(agent, sentence["class"], sentence["text"], text, verdict(sentence, answer, before, after, levels), ms)


def report(outcomes: list[Outcome]) -> BenchReport:
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[(outcome.kind, outcome.agent)].append(outcome)
        groups[("all", outcome.agent)].append(outcome)
    rows = []
    for (kind, agent), group in sorted(groups.items(), key=lambda item: (item[0][0] == "all", item[0])):
        counts = {v: sum(o.verdict == v for o in group) for v in ("right", "false statement", "refusal")}
        times = summarize([o.ms for o in group])
        rows.append([kind, agent, str(len(group)), str(counts["right"]), str(counts["false statement"]),
                     str(counts["refusal"]), f"{times.median:.0f}", f"{times.p95:.0f}"])
    wrong = [o for o in outcomes if o.verdict != "right"]
    notes = [f"{o.agent}: {o.text!r} -> {o.answer!r} ({o.verdict})" for o in wrong]
    return BenchReport(
        "home: truth about the home", ["class", "agent", "n", "right", "false", "refused", "median ms", "p95 ms"], rows,
        notes=notes, data={"outcomes": [o.__dict__ for o in outcomes]},
    )
