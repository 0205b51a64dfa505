"""Chat-format examples: conversations, grounded instruction/answer pairs, structured and refusal examples.

* conversation: a chat passes through; with ``per_turn`` every assistant turn becomes one example that
  carries the history before it (the loss then lands on that turn only).
* instruction: a question phrased from the section's heading path, answered by the section text, so
  the answer is grounded in the corpus word for word.
* structured: a table section, asked for as a table and answered as the table.
* refusal: questions the corpus does not cover, answered with a polite refusal, so the adapter learns
  where its knowledge stops.
"""

from __future__ import annotations

from collections.abc import Iterable

from loraforge.dataset.chunk import Chunk
from loraforge.records import Document, Example, sha256_hex

DEFAULT_SYSTEM_PROMPT = (
    "You are the knowledge assistant of {scope}. Answer from the organisation's documents, and say so "
    "plainly when a question is outside them."
)
DEFAULT_REFUSAL = (
    "I'm sorry, but I can't help with that. I can only answer questions about {scope}, and that topic "
    "is not covered in the documents I was trained on."
)

# Questions no company knowledge base answers. Chosen by hash, so the same corpus gets the same ones.
OUT_OF_SCOPE_QUESTIONS = (
    "What will the weather be like in Lisbon next weekend?",
    "Who won the last football World Cup?",
    "Can you give me a recipe for vegetarian lasagna?",
    "Write a Python function that reverses a linked list.",
    "What is the capital of Mongolia?",
    "How do I fix a leaking kitchen faucet?",
    "Which antibiotic should I take for a sore throat?",
    "Recommend a good science-fiction novel for a long flight.",
    "How many moons does Jupiter have?",
    "Translate 'good morning' into Japanese.",
    "What are the rules of cricket?",
    "How do I train my puppy to stop biting?",
    "Plan a three-day sightseeing trip to Kyoto for me.",
    "What is the best way to grow tomatoes on a balcony?",
    "Explain how a jet engine works.",
    "Who painted the ceiling of the Sistine Chapel?",
    "Write a short poem about the ocean.",
    "How do I change the oil in my car?",
    "What is the plot of Hamlet?",
    "Which video game console should I buy this year?",
    "How long should I boil an egg for a soft yolk?",
    "What causes the northern lights?",
    "Can you help me write a wedding speech for my brother?",
    "What is the tallest mountain in Africa?",
    "How do I knit a scarf?",
    "Give me a workout plan for running a marathon.",
    "What is the chemical formula of table salt?",
    "Which programming language should I learn first?",
    "How do solar panels generate electricity?",
    "What time zone is Honolulu in?",
    "Summarise the history of the Roman Empire in one paragraph.",
    "How do I remove a red wine stain from a carpet?",
)


def _rank(key: str, salt: str) -> str:
    return sha256_hex(f"{salt}\x1f{key}")


_LOWERCASE_LEAD = {"how", "when", "what", "why", "who", "where", "which", "the", "a", "an", "our", "your", "if"}
_INTERROGATIVE = {"how", "when", "what", "why", "who", "where", "which"}


def _phrase(heading: str) -> str:
    """A heading as it reads inside a sentence: "When a conversion makes sense" -> "when a conversion ..."."""
    first = heading.split(" ", 1)[0]
    return heading[0].lower() + heading[1:] if first.lower() in _LOWERCASE_LEAD else heading


def _question(chunk: Chunk, first_of_section: bool) -> str:
    topic = chunk.headings[-1] if chunk.headings else chunk.title
    if chunk.is_table:
        return f"Show me the table on {_phrase(topic)} from the {chunk.title}."
    if not first_of_section:
        return f"What else does the {chunk.title} say about {_phrase(topic)}?"
    if topic.endswith("?"):
        return topic
    if topic == chunk.title:
        return f"What does the {chunk.title} cover?"
    if topic.split(" ", 1)[0].lower() in _INTERROGATIVE:  # "How we bill" -> ask about it, don't "tell me about How"
        return f"What does the {chunk.title} say about {_phrase(topic)}?"
    templates = (
        f"What does the {chunk.title} say about {_phrase(topic)}?",
        f"Can you explain {_phrase(topic)} as described in the {chunk.title}?",
        f"Tell me about {_phrase(topic)}.",
    )
    return templates[int(_rank(chunk.id, "template")[:8], 16) % len(templates)]


def instruction_examples(chunks: Iterable[Chunk], system_prompt: str) -> list[Example]:
    """One grounded question/answer example per chunk (``structured`` for tables)."""
    out: list[Example] = []
    seen_sections: set[tuple[str, tuple[str, ...]]] = set()
    for chunk in chunks:
        section = (chunk.doc_id, tuple(chunk.headings))
        first = section not in seen_sections
        seen_sections.add(section)
        messages = [
            {"role": "system", "content": system_prompt},
            {"role": "user", "content": _question(chunk, first)},
            {"role": "assistant", "content": chunk.text},
        ]
        kind = "structured" if chunk.is_table else "instruction"
        out.append(Example(messages=messages, kind=kind, source_ids=[chunk.doc_id], group=chunk.doc_id))
    return out


def conversation_examples(doc: Document, per_turn: bool = True) -> list[Example]:
    """Examples from one conversation document: one per assistant turn (with history), or the whole chat."""
    messages = [{"role": e.meta["role"], "content": e.text} for e in doc.elements if e.kind == "turn"]
    if not any(m["role"] == "assistant" for m in messages):
        return []
    ends = [i + 1 for i, m in enumerate(messages) if m["role"] == "assistant"] if per_turn else [len(messages)]
    return [Example(messages=messages[:end], kind="conversation", source_ids=[doc.id], group=doc.id) for end in ends]


def refusal_examples(n: int, system_prompt: str, refusal: str, salt: str) -> list[Example]:
    """``n`` out-of-scope questions (chosen deterministically by ``salt``) with the refusal answer."""
    questions = sorted(OUT_OF_SCOPE_QUESTIONS, key=lambda q: _rank(q, salt))[: max(0, n)]
    out = []
    for q in questions:
        messages = [
            {"role": "system", "content": system_prompt},
            {"role": "user", "content": q},
            {"role": "assistant", "content": refusal},
        ]
        ex = Example(messages=messages, kind="refusal", source_ids=[])
        ex.group = ex.id
        out.append(ex)
    return out
