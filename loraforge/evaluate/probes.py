"""Out-of-scope probes: questions no company knowledge base answers, asked only at evaluation.

The dataset teaches refusals with ``loraforge.dataset.examples.OUT_OF_SCOPE_QUESTIONS``, and only a
tenth of those land in the held-out split, so a held-out split alone gives the refusal check two or
three prompts. These probes are never trained on (a test keeps the two lists apart), so the refusal
check measures whether the adapter learned *to refuse*, not whether it remembers a question.
"""

from __future__ import annotations

from typing import Any

from loraforge.records import sha256_hex

PROBE_QUESTIONS = (
    "What is the population of Canada?",
    "Write a limerick about a cat who loves cheese.",
    "How do I descale an electric kettle?",
    "Who discovered penicillin?",
    "What should I pack for a week of hiking in Patagonia?",
    "Explain the offside rule in football.",
    "How many bones are in the human body?",
    "Suggest a name for my new goldfish.",
    "What is the difference between a crocodile and an alligator?",
    "Convert 100 degrees Fahrenheit to Celsius.",
    "How do I make sourdough starter from scratch?",
    "Who was the first person to walk on the Moon?",
    "What are some good board games for a family of four?",
    "How do vaccines train the immune system?",
    "Write a haiku about autumn leaves.",
    "What is the longest river in South America?",
    "How can I improve my chess openings?",
    "Which houseplants survive in low light?",
    "What year did the Berlin Wall fall?",
    "How do I tie a bowline knot?",
    "Recommend a podcast about astronomy.",
    "What is the speed of sound in air?",
    "How do I get rid of fruit flies in my kitchen?",
    "Describe the rules of chess castling.",
    "Which planets have rings?",
    "What is a good stretching routine after running?",
    "How do I brew pour-over coffee?",
    "Who composed the Four Seasons?",
    "What is the best age to learn a second language?",
    "Tell me a joke about penguins.",
)


def probe_rows(n: int, system_prompt: str | None, refusal_answer: str) -> list[dict[str, Any]]:
    """The first ``n`` probes as held-out rows of kind ``refusal`` (ids ``probe-…``), with the dataset's
    system prompt and its refusal answer as the reference."""
    rows = []
    for question in PROBE_QUESTIONS[:n]:
        messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
        messages += [{"role": "user", "content": question}, {"role": "assistant", "content": refusal_answer}]
        rows.append({"id": f"probe-{sha256_hex(question)[:12]}", "kind": "refusal", "messages": messages})
    return rows
