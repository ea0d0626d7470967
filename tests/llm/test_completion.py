"""The few-shot completion prompt and the sentence limit (pure helpers of the embedded backend)."""

from __future__ import annotations

from aria_server.llm.completion import FEW_SHOT, completion_prompt, limit_sentences, prompt_header


def test_the_prompt_is_a_transcript_ending_where_the_assistant_speaks() -> None:
    prompt = completion_prompt([
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi\nthere"},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "What is two plus two?"},
    ])
    assert prompt.startswith(prompt_header("Be brief."))  # the cached prefix never changes
    assert prompt.endswith("User: Hi there\nAria: Hello.\nUser: What is two plus two?\nAria:")
    assert all(f"User: {q}\nAria: {a}" in prompt for q, a in FEW_SHOT)


def test_sentences_are_cut_after_the_limit_without_splitting_numbers() -> None:
    assert "".join(limit_sentences(["It is 3.5 km. ", "Walk", " there. Then", " more."], limit=2)) == (
        "It is 3.5 km. Walk there."
    )
    assert list(limit_sentences(["One. Two. Three."], limit=5)) == ["One. Two. Three."]
