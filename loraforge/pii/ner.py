"""spaCy's NER network with its greedy decoding loop vectorised over all documents of a batch.

spaCy's ``ner`` (``TransitionBasedParser.v2`` + ``BiluoPushDown``) reads a document left to right,
choosing one move per token (B/I/L/U-label or O) from the network's scores. Its Cython loop checks
every move's validity per token and state with a GIL round trip each (profiled: ``take_gil`` under
``Begin.is_valid``), which made the loop ~60% of NER time here, more than the network itself.

``FastNer`` runs the same layers (``tok2vec``, ``lower``, ``upper`` of the component's model) and
re-implements only the decoding: one numpy step per token position for all unfinished documents at
once. Same features (next token, entity start, previous token), same maxout and output layer, same
validity rules for documents without preset entities, same first-best tie-break. Only the order of
floating-point sums in the output layer differs (numpy vs blis), which can flip an exact near-tie;
``matches_spacy`` checks agreement, and ``supports`` declines any other architecture, in which case
the caller uses ``nlp.pipe``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span
from thinc.api import NumpyOps

_BEGIN, _IN, _LAST, _UNIT, _OUT = range(5)
# Tokens per run of the network: its activations and the precomputed feature table (1.5 KB per token
# for en_core_web_md) stay in cache; 2k-8k measured alike, 16k+ slower.
NETWORK_TOKENS = 4096
# Tokens decoded together: every step of the loop costs ~25 numpy calls whatever the number of live
# documents, so the fewer steps the better (one step per token of a group's longest document); the
# bound keeps a group's feature table under ~50 MB. Decoding 32k rather than 4k tokens at a time took
# the NER over the bench texts from 3.25 s to 2.69 s.
DECODE_TOKENS = 32768
_MOVE_CODES = {"B": _BEGIN, "I": _IN, "L": _LAST, "U": _UNIT, "O": _OUT}


class _MatmulOps(NumpyOps):
    """thinc ops whose gemm is numpy.matmul (OpenBLAS picks kernels for the CPU it runs on)."""

    def gemm(self, x, y, *, out=None, trans1=False, trans2=False):  # type: ignore[no-untyped-def,override]
        return numpy.matmul(x.T if trans1 else x, y.T if trans2 else y, out=out)


def load_spacy(model: str) -> Language:
    """``spacy.load`` without the version warning of models packaged for an earlier spaCy minor release
    (the offline PyPI re-upload of en_core_web_md is 3.7.1; ``tests/test_pii.py`` checks it decodes
    exactly as spaCy 3.8 does)."""
    import spacy

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"\[W095\]")
        return spacy.load(model)


def load_ner_pipeline(model: str, *, need_ner: bool, numpy_gemm: bool) -> Language:
    """Load ``model`` with only the components NER needs enabled (none if ``need_ner`` is false)."""
    nlp = load_spacy(model)
    keep: set[str] = set()
    if need_ner:
        if "ner" not in nlp.pipe_names:
            raise ValueError(f"spaCy model {model!r} has no 'ner' component")
        keep.add("ner")
        for name in nlp.pipe_names:
            if "ner" in getattr(nlp.get_pipe(name), "listening_components", ()):
                keep.add(name)
    nlp.select_pipes(enable=[name for name in nlp.pipe_names if name in keep])
    if numpy_gemm:
        ops = _MatmulOps()
        for name in keep:
            for node in nlp.get_pipe(name).model.walk():
                node.ops = ops
    return nlp


def supports(nlp: Language) -> bool:
    """Whether ``nlp``'s only enabled component is a greedy BILUO ``ner`` that FastNer can run."""
    if nlp.pipe_names != ["ner"]:
        return False  # a listener NER needs its upstream tok2vec: leave it to spaCy
    ner = nlp.get_pipe("ner")
    model = ner.model
    if type(ner.moves).__name__ != "BiluoPushDown" or ner.cfg.get("beam_width", 1) != 1:
        return False
    if model.name != "parser_model" or len(model.layers) != 3 or not model.attrs.get("has_upper"):
        return False
    lower = model.layers[1]
    if lower.name != "precomputable_affine" or lower.get_dim("nF") != 3 or lower.get_dim("nP") < 2:
        return False
    if any("listener" in node.name for node in model.walk()):
        return False
    names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
    return all(n == "O" or (n[:1] in _MOVE_CODES and n[1:2] == "-") for n in names)


class FastNer:
    """Entities for many Docs at once: ``FastNer(nlp)(docs)`` -> token spans per doc."""

    def __init__(self, nlp: Language) -> None:
        if not supports(nlp):
            raise ValueError("FastNer needs a pipeline whose only enabled component is a greedy BILUO 'ner'")
        ner = nlp.get_pipe("ner")
        self.tok2vec, self.lower, self.upper = ner.model.layers
        self.W = self.upper.get_param("W")  # (classes, hidden)
        self.b = self.upper.get_param("b")
        self.bias = self.lower.get_param("b")  # (hidden, pieces)
        names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
        self.labels = [""] + sorted({n[2:] for n in names if n != "O" and n[2:]})
        label_ids = {label: i for i, label in enumerate(self.labels)}
        self.move = numpy.array([_MOVE_CODES[n[0]] for n in names])
        self.label = numpy.array([0 if n == "O" else label_ids[n[2:]] for n in names])
        # Per state at most five moves can be valid: O, the best B-x, the best U-x, and I/L of the
        # open entity's label (the unlabeled "U-" move is only for preset entities). Class columns:
        labelled = self.label != 0
        self.out_col = int(numpy.flatnonzero(self.move == _OUT)[0])
        self.begin_cols = numpy.flatnonzero((self.move == _BEGIN) & labelled)
        self.unit_cols = numpy.flatnonzero((self.move == _UNIT) & labelled)
        self.in_col = numpy.full(len(self.labels), -1)
        self.last_col = numpy.full(len(self.labels), -1)
        for col, (move, label) in enumerate(zip(self.move, self.label, strict=True)):
            if label and move == _IN:
                self.in_col[label] = col
            elif label and move == _LAST:
                self.last_col[label] = col
        unseen = sorted(ner.model.attrs.get("unseen_classes") or ())
        self.unseen = numpy.array(unseen, dtype=int)

    def __call__(self, docs: Sequence[Doc]) -> list[list[Span]]:
        """Entity spans per doc (not set on the docs), as spaCy's ``ner`` would predict them.

        Documents are taken shortest first, so each decoding group holds similar lengths (fewer
        steps spent on finished documents)."""
        out: list[list[Span]] = [[] for _ in docs]
        live = sorted((i for i, doc in enumerate(docs) if len(doc)), key=lambda i: len(docs[i]))
        if any(docs[i].has_annotation("ENT_IOB") for i in live):
            raise ValueError("FastNer does not handle documents with preset entities")
        for group in _slices([len(docs[i]) for i in live], DECODE_TOKENS):
            batch = [docs[live[k]] for k in group]
            for j, start, end, label in self._decode(batch):
                out[live[group[j]]].append(Span(batch[j], start, end, label=self.labels[label]))
        for spans in out:
            spans.sort(key=lambda s: s.start)
        return out

    def _features(self, docs: list[Doc]) -> numpy.ndarray:
        """The lower layer's precomputed features of every token of ``docs`` (row 0 pads, then the
        tokens in order), computed ``NETWORK_TOKENS`` at a time so the network's activations stay in
        cache; each slice's table is the one a call on that slice alone gives."""
        tables = []
        for piece in _slices([len(doc) for doc in docs], NETWORK_TOKENS):
            table = self.lower.predict(self.tok2vec.predict([docs[k] for k in piece]))
            tables.append(table[1:] if tables else table)  # one pad row (the same in every table)
        return tables[0] if len(tables) == 1 else numpy.concatenate(tables)

    def _best_valid(
        self,
        scores: numpy.ndarray,
        is_open: numpy.ndarray,
        ent_label: numpy.ndarray,
        *,
        begin_ok: numpy.ndarray,
        in_ok: numpy.ndarray,
        unit_ok: numpy.ndarray,
    ) -> numpy.ndarray:
        """Per state, the first highest-scoring valid class (BiluoPushDown's validity rules for
        documents without preset entities; Last is valid whenever an entity is open)."""
        rows = numpy.arange(len(scores))
        in_col = self.in_col[ent_label]
        last_col = self.last_col[ent_label]
        cand = numpy.full((len(scores), 5), -numpy.inf, dtype=scores.dtype)
        cols = numpy.empty((len(scores), 5), dtype=int)
        cand[:, 0] = numpy.where(is_open, -numpy.inf, scores[:, self.out_col])
        cols[:, 0] = self.out_col
        cand[:, 1], cols[:, 1] = _group_best(scores, self.begin_cols, begin_ok)
        cand[:, 2], cols[:, 2] = _group_best(scores, self.unit_cols, unit_ok)
        cand[:, 3] = numpy.where(in_ok & (in_col >= 0), scores[rows, in_col], -numpy.inf)
        cols[:, 3] = in_col
        cand[:, 4] = numpy.where(is_open & (last_col >= 0), scores[rows, last_col], -numpy.inf)
        cols[:, 4] = last_col
        top = cand.max(axis=1, keepdims=True)
        return numpy.where(cand == top, cols, len(self.move)).min(axis=1)  # ties: lowest class

    def _decode(self, docs: list[Doc]) -> list[tuple[int, int, int, int]]:
        lengths = numpy.array([len(d) for d in docs])
        offsets = numpy.concatenate(([0], numpy.cumsum(lengths)[:-1]))
        cached = self._features(docs)  # (tokens + 1, 3, hidden, pieces); row 0 pads
        flags = numpy.concatenate([d.to_array(["IS_SPACE", "SENT_START"]).reshape(-1, 2) for d in docs])
        is_space = flags[:, 0].astype(bool)
        sent_start = numpy.append(flags[:, 1] == 1, False)  # one past the end: no next token

        doc_i = numpy.arange(len(docs))
        pos = numpy.zeros(len(docs), dtype=int)
        n = lengths.copy()
        off = offsets.copy()
        is_open = numpy.zeros(len(docs), dtype=bool)
        ent_start = numpy.zeros(len(docs), dtype=int)
        ent_label = numpy.zeros(len(docs), dtype=int)
        found: list[tuple[int, int, int, int]] = []
        while len(doc_i):
            g0 = off + pos
            g1 = numpy.where(is_open, off + ent_start, -1)
            g2 = numpy.where(is_open, g0 - 1, -1)
            # Same order of float additions as spaCy's sum_state_features + bias (bit-identical).
            unmaxed = cached[g0 + 1, 0] + cached[g1 + 1, 1]
            unmaxed += cached[g2 + 1, 2]
            unmaxed += self.bias
            scores = unmaxed.max(axis=2) @ self.W.T
            scores += self.b
            if len(self.unseen):
                scores[:, self.unseen] = scores.min()
            has_next = pos + 1 < n
            next_starts_sentence = has_next & sent_start[g0 + 1]
            two_left = n - pos >= 2
            space = is_space[g0]
            best = self._best_valid(
                scores,
                is_open,
                ent_label,
                begin_ok=~is_open & two_left & ~next_starts_sentence & ~space,
                in_ok=is_open & two_left & ~next_starts_sentence,
                unit_ok=~is_open & ~space,
            )
            move, label = self.move[best], self.label[best]
            for j in numpy.flatnonzero(move == _LAST):
                found.append((int(doc_i[j]), int(ent_start[j]), int(pos[j]) + 1, int(ent_label[j])))
            for j in numpy.flatnonzero(move == _UNIT):
                found.append((int(doc_i[j]), int(pos[j]), int(pos[j]) + 1, int(label[j])))
            begin = move == _BEGIN
            ent_start = numpy.where(begin, pos, ent_start)
            ent_label = numpy.where(begin, label, ent_label)
            is_open = (is_open | begin) & (move != _LAST)
            pos += 1
            keep = pos < n
            if not keep.all():
                doc_i, pos, n, off = doc_i[keep], pos[keep], n[keep], off[keep]
                is_open, ent_start, ent_label = is_open[keep], ent_start[keep], ent_label[keep]
        return found


def _slices(lengths: Sequence[int], tokens: int) -> list[list[int]]:
    """Consecutive index ranges of ``lengths``, each closed once it holds ``tokens`` tokens."""
    slices: list[list[int]] = [[]]
    n_tokens = 0
    for k, length in enumerate(lengths):
        if n_tokens >= tokens:
            slices.append([])
            n_tokens = 0
        slices[-1].append(k)
        n_tokens += length
    return slices if slices[0] else []


def _group_best(scores: numpy.ndarray, cols: numpy.ndarray, ok: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    group = scores[:, cols]
    first = group.argmax(axis=1)  # first maximum, as spaCy's arg_max_if_valid
    return numpy.where(ok, group[numpy.arange(len(first)), first], -numpy.inf), cols[first]


def matches_spacy(nlp: Language, fast: FastNer, texts: Sequence[str]) -> bool:
    """Whether ``fast`` finds exactly the entities ``nlp`` (spaCy's own decoding) finds in ``texts``."""
    docs = [nlp.make_doc(t) for t in texts]
    ours = [[(s.start, s.end, s.label_) for s in spans] for spans in fast(docs)]
    theirs = [[(e.start, e.end, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]
    return ours == theirs
