"""Truth rules (issue 11 §2): Aria claims no action nothing carried out, invents no live facts,
and says what to configure for home control.

The request classes and the claim gate are pure and tested as a table. Through the agent they
are tested on the real tiny model for refusals; a model that reliably claims a false action
cannot be ordered, so one test streams a fixed lying reply from a scripted backend (the only
stand-in here, and only for the model's words: the chain, the gate and the store are real).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
import re
from pathlib import Path

import pytest

import aria_bench
from aria_bench.question_set import load_questions

from aria_server.conversation import Agent, create_agent
from aria_server.conversation.truth import _CLAIMS, SEAM_CONJUNCTIONS, ClaimGate, RequestKind, claims_action, classify
from aria_server.llm.base import ChatMessage
from aria_server.llm.fallback import LlmChain

from .conftest import agent_settings

DEVICE_COMMANDS = [
    "Turn on the kitchen lights.", "Switch off the bedroom lamp", "Set the thermostat to 21 degrees",
    "Open the garage door", "Dim the living room lights", "turn the lights off", "Could you lock the front door?",
    "Aria, turn on the fan",
]
DEVICE_STATES = ["Is the kitchen light on?", "Are the doors locked?", "Is the garage door open?"]
LIVE = [
    "What will the weather be tomorrow?", "Will it rain today?", "What's the news?", "What is the price of bitcoin?",
    "Who won the game last night?", "What's the temperature outside?", "How is the traffic?",
    # issue 24: prices, markets, rates, results, opening hours, travel, air and sky
    "How much is a gallon of gas today?", "How much is gold worth?", "What is the Dow at?", "What is Apple stock at?",
    "How did the Yankees do last night?", "Who won the Super Bowl this year?", "What are interest rates right now?",
    "How much is a dollar in euros?", "What time does the pharmacy close today?", "Are there any flight delays?",
    "Is there a storm coming?", "What is the UV index today?", "What is the humidity?", "Did it snow last night?",
    "What time does the sun set?", "What's on TV tonight?", "What is the latest on the election?",
]
GENERAL = [
    "Who wrote Romeo and Juliet?", "How far away is the moon?", "What is 17 times 3?", "What is a light year?",
    "What does a thermostat do?", "What causes rain?", "Who won the world cup in 1998?", "How do I open a jar?",
    "How much does gold weigh?", "What is humidity?", "Why is the sunset red?", "How do I make chicken stock?",
    "Who won the World Series in 1927?", "What is inflation?", "How many pounds are in a kilogram?",
    # First person or future tense, yet general knowledge answers them (the cases the "no source"
    # screen must leave to the model: advice, conditions, how-to, anatomy, what the home keeps).
    "Can my dog eat chocolate?", "How do I boil an egg?", "How many bones are in my hand?",
    "What should my body temperature be?", "What's my largest organ?", "Where's my appendix located?",
    "Who will be king after Charles the Third?", "Will the sun rise tomorrow?", "Why does my cat purr?",
    "What will happen if I mix red and blue paint?", "How many teeth do I have?", "How long should I brush my teeth?",
    "How long did I set the timer for?", "What's on my shopping list?", "Who will host the 2028 Summer Olympics?",
    "My homework asks for the square root of 144, what is it?", "Will I float more easily in salt water?",
    "Will dogs die if they eat grapes?", "What is our galaxy called?", "How do I add money to my bank account?",
    "Will our sun become a red giant?", "Will my cat be okay alone for a weekend?",
]
ABOUT_THE_SPEAKER = [
    "What's my dog's name?", "What color is my shirt?", "How much money is in my bank account?",
    "Where did I leave my keys?", "What am I holding in my hand?", "What number am I thinking of?",
    "How old is my mother?", "How much do I weigh?", "What is the name of my street?", "How many emails do I have?",
    "Do you know what I had for breakfast this morning?", "Can you remind me of my debit card PIN?",
    "Tell me my sister's middle name.", "Where'd I park my car?", "What'd my doctor say about my x-ray?",
    "What's the PIN for my debit card?", "What was I dreaming about last night?", "What is my name?",
]
FORECASTS = [
    "Who will win the World Cup in 2050?", "Which lottery numbers will win next week?", "Will I get the job?",
    "What will I have for dinner tomorrow?", "Who's gonna win the next Super Bowl?", "How long am I going to live?",
    "Is my boss gonna give me a raise next month?", "What'll the Powerball numbers be next week?",
    "Is this coin gonna land heads or tails?", "Which horse is going to win on Saturday?",
]


@pytest.mark.parametrize(
    ("texts", "kind"),
    [(DEVICE_COMMANDS, RequestKind.DEVICE_COMMAND), (DEVICE_STATES, RequestKind.DEVICE_STATE),
     (LIVE, RequestKind.LIVE_INFO), (GENERAL, RequestKind.GENERAL),
     (ABOUT_THE_SPEAKER, RequestKind.ABOUT_THE_SPEAKER), (FORECASTS, RequestKind.FORECAST)],
)
def test_requests_are_sorted_by_what_they_need(texts: list[str], kind: RequestKind) -> None:
    assert {text: classify(text) for text in texts} == dict.fromkeys(texts, kind)


CLAIMS = [
    "The kitchen lights are turned on.", "I've turned off the lamp.", "Done.", "Okay, done!",
    "Sure, I'll turn on the lights.", "Timer set for 5 minutes.", "Turning on the kitchen lights now.",
    "The light is now on.", "I have set a reminder.", "Your alarm is set for seven.",
]
NOT_CLAIMS = [
    "The moon is about 384,400 kilometers away.", "I can't control devices.", "William Shakespeare wrote it.",
    "Well done is better than well said.", "A switch turns a circuit on or off.",
]


def test_action_claims_are_recognised() -> None:
    assert [text for text in CLAIMS if not claims_action(text)] == []
    assert [text for text in NOT_CLAIMS if claims_action(text)] == []


def gate(deltas: Sequence[str], *, confirmed: bool = False) -> tuple[str, bool]:
    claims = ClaimGate(confirmed=confirmed)
    spoken = "".join(claims.feed(delta) for delta in deltas) + claims.finish()
    return spoken, claims.blocked


def test_the_gate_stops_before_an_unconfirmed_claim_is_spoken() -> None:
    assert gate(["Sure", ", I", " turned on", " the lights.", " Enjoy!"]) == ("Sure,", True)
    assert gate(["The lights in the kitchen", " and the hall", " are now on."]) == ("The lights ", True)
    assert gate(["Done", "."]) == ("", True)


def test_the_gate_streams_an_honest_reply_whole_and_early() -> None:
    claims = ClaimGate()
    early = claims.feed("The moon is about 384,400 kilometers away from Earth on")
    assert early and not claims.blocked, "a long clause starts to be spoken before it ends"
    rest = claims.feed(" average.") + claims.finish()
    assert early + rest == "The moon is about 384,400 kilometers away from Earth on average."


def test_the_words_before_a_clause_opening_conjunction_are_released_at_once() -> None:
    claims = ClaimGate()
    assert claims.feed("The sky is blue because it") == "The sky is blue"
    assert claims.feed(" scatters light.") + claims.finish() == " because it scatters light."
    # A claim after the seam is still caught; "and" is no seam, so a claim across it is too.
    assert gate(["It is dark", " so I turned on", " the lights."]) == ("It is dark", True)
    assert gate(["I'll go ahead", " and turn on", " the lights."])[1] is True


def test_no_claim_pattern_can_span_a_seam() -> None:
    sources = " ".join(pattern.pattern for pattern in _CLAIMS)
    words = set(re.findall(r"[a-z']+", sources))
    assert words.isdisjoint(SEAM_CONJUNCTIONS)


def test_a_confirmed_action_may_be_reported() -> None:
    assert gate(["I turned on", " the kitchen lights."], confirmed=True) == ("I turned on the kitchen lights.", False)


def test_the_personal_question_set_is_screened_without_refusing_what_can_be_answered() -> None:
    """``aria_bench/personal_questions.jsonl`` (204 questions that say I, my, will): no answerable
    one is kept from the model; of those nothing here can know, all but the two known misses are
    ("which room am I in", "will my girlfriend say yes if I propose": a condition)."""
    questions = load_questions(Path(aria_bench.__file__).with_name("personal_questions.jsonl"))
    kept = {q.text: classify(q.text) is not RequestKind.GENERAL for q in questions}
    assert [q.text for q in questions if q.expect == "answer" and kept[q.text]] == []
    missed = [q.text for q in questions if q.expect == "refuse" and not kept[q.text]]
    assert missed == ["Which room am I in right now?", "Will my girlfriend say yes if I propose?"]


async def reply(agent: Agent, conversation_id: str, text: str) -> str:
    return "".join([delta async for delta in agent.reply(conversation_id, text, language="en")])


async def test_a_device_command_without_home_control_names_what_to_configure(embedded_agent: Agent) -> None:
    for text in ["Turn on the kitchen lights.", "Is the kitchen light on?"]:
        answer = await reply(embedded_agent, "c-truth-home", text)
        assert "--ha-url" in answer and "--ha-token-file" in answer and not claims_action(answer)
    turns = await embedded_agent.store.recent_turns("c-truth-home")
    assert [turn.source for turn in turns] == ["guard", "guard"]


async def test_a_live_question_without_a_tool_is_not_invented(embedded_agent: Agent) -> None:
    answer = await reply(embedded_agent, "c-truth-live", "What will the weather be tomorrow?")
    assert answer.startswith("I can't check that")
    [turn] = await embedded_agent.store.recent_turns("c-truth-live")
    assert turn.source == "guard" and turn.backend is None, "the model was never asked"


async def test_what_nothing_here_can_know_is_not_invented(embedded_agent: Agent) -> None:
    """Asked "what's my dog's name" the small models answer "Max": nothing in Aria knows the
    speaker's dog, nor who wins in 2050, so the model is never asked."""
    mine = await reply(embedded_agent, "c-truth-mine", "What's my dog's name?")
    future = await reply(embedded_agent, "c-truth-mine", "Who will win the World Cup in 2050?")
    assert mine == "I don't know that about you, and I'd rather not guess."
    assert future == "Nobody can know that yet, and I'd rather not guess."
    turns = await embedded_agent.store.recent_turns("c-truth-mine")
    assert [(turn.source, turn.backend) for turn in turns] == [("guard", None), ("guard", None)]


async def test_what_the_speaker_said_about_themselves_is_the_models_to_answer(embedded_agent: Agent) -> None:
    """The conversation is the one source about the speaker: after "my dog is called Rex" the
    question goes to the model with that history (what it answers is the model's)."""
    await reply(embedded_agent, "c-truth-told", "What time is it?")
    await reply(embedded_agent, "c-truth-told", "Turn on my lights.")  # says "my", tells nothing
    assert await reply(embedded_agent, "c-truth-told", "What's my dog's name?") == (
        "I don't know that about you, and I'd rather not guess."
    ), "a conversation in which the speaker said nothing about themselves is no source"
    await reply(embedded_agent, "c-truth-told", "My dog is called Rex.")
    assert (await reply(embedded_agent, "c-truth-told", "What's my dog's name?")).strip()
    turns = await embedded_agent.store.recent_turns("c-truth-told")
    assert [turn.source for turn in turns] == ["intent", "guard", "guard", "llm", "llm"]


async def test_a_general_question_still_reaches_the_model(embedded_agent: Agent) -> None:
    assert (await reply(embedded_agent, "c-truth-general", "What is a light year?")).strip()
    [turn] = await embedded_agent.store.recent_turns("c-truth-general")
    assert turn.source == "llm" and turn.backend == "embedded"


class ScriptedModel:
    """Streams a fixed reply (a stand-in for a model that lies; see the module docstring)."""

    name = "embedded"
    context_size = 2048
    max_tokens = 64
    model = "scripted"
    loaded = True

    def __init__(self, deltas: Sequence[str]) -> None:
        self.deltas = deltas
        self.closed_early = False

    async def start(self) -> None:
        """Nothing to load."""

    async def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(text.split()) for text in texts]

    async def stream(self, messages: Sequence[ChatMessage]) -> AsyncGenerator[str, None]:
        finished = False
        try:
            for delta in self.deltas:
                yield delta
            finished = True
        finally:
            self.closed_early = not finished

    async def ping(self) -> None:
        """Always reachable."""

    async def aclose(self) -> None:
        """Nothing to release."""


async def test_a_model_that_claims_an_action_is_cut_off_and_corrected(tmp_path: Path) -> None:
    agent = create_agent(agent_settings(tmp_path))
    lying = ScriptedModel(["Sure", ", I've", " turned on", " the cozy", " lights for you.", " Anything else?"])
    agent.chain = LlmChain([lying], first_token_timeout_s=5.0)
    await agent.start()
    try:
        # "Make it cozy in here" names no device: it reaches the model, and the gate catches the claim.
        answer = await reply(agent, "c-truth-lie", "Make it cozy in here")
        assert answer == "Sure, I can't do that myself: nothing here carried it out."
        assert lying.closed_early, "the rest of the generation was stopped"
        [turn] = await agent.store.recent_turns("c-truth-lie")
        assert (turn.source, turn.reply_text) == ("guard", answer)
    finally:
        await agent.aclose()
