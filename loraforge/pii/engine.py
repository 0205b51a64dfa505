"""Presidio analysis over batches of texts, an order of magnitude faster than ``analyze`` per text.

``AnalyzerEngine.analyze(text)`` runs the whole spaCy pipeline (tagger, parser, lemmatizer, NER) on
each text and then every recognizer of the requested entities; on element-sized texts the pipeline
is ~75% of the time and python-phonenumbers ~15%. ``FastAnalyzer`` keeps Presidio's recognizers,
scores and result semantics, and changes how they are fed:

* spaCy runs once per batch and only its NER component (``ner.py``): the en_core_web_* NER has its
  own tok2vec, the network's matrix products go through numpy's BLAS (``numpy_gemm``; blis fell back
  to generic kernels on this CPU) and the greedy decoding is vectorised over the batch
  (``vectorized_ner``; spaCy's per-document loop otherwise costs more than the network). The Doc
  is the recognizers' NlpArtifacts, so Presidio does not run spaCy again;
* the recognizers run by ``AnalyzerEngine.analyze``'s steps in its order (``_run``), without its
  per-call recognizer lookup and per-recognizer regrouping, and each reads a text once;
* the NlpArtifacts are lazy (``_DocArtifacts``): tokens, lemmas and keywords are built, from spaCy's
  attribute arrays, only when context enhancement can change a score, i.e. for a result below the
  maximum score from a recognizer with context words (``_ThresholdAwareEnhancer``). Lemmas are the
  lower-cased tokens (no lemmatizer in the pipeline): Presidio matches context words as substrings,
  so "phones" still matches "phone";
* only the configured entities' recognizers are loaded, and an entity is asked for only when the
  text can contain it (``_GATES``: no '@', no email). The gates are necessary conditions of the
  recognizers' own patterns, so skipping changes no result;
* phone numbers are looked for after the other entities, only in windows around runs of >= 7 digits
  that those did not already claim with a validated score (an SSN, card, IBAN, IP or email outranks
  any phone finding when merged),
  see ``phone.py`` for the two deliberate differences from Presidio.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy
import regex
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer, LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from spacy.tokens import Doc, Span

from loraforge.offline import ensure_offline
from loraforge.pii.config import PiiConfig
from loraforge.pii.ner import FastNer, load_ner_pipeline, matches_spacy, supports
from loraforge.pii.phone import _PHONE_RUN, phone_windows
from loraforge.pii.registry import build_registry, plausible_ner_span

logger = logging.getLogger(__name__)

# Sentences FastNer must decode exactly as spaCy does before it is used (names, places, dates,
# money, multi-token and adjacent entities, white space, a trailing entity).
_SELF_CHECK = (
    "Maria Lopez moved from San Francisco to Boston, Massachusetts in March 2021.",
    "Dr. Priya Raman of Goldman Sachs paid $4.5 million for 12% of the fund on 2025-03-01.",
    "Call  James  at the New York office.\n\nThe meeting is in London",
    "Send the statements to Emily Nguyen and Carlos Fernandez at 221 Baker Street, Chicago, IL 60601.",
    "European equities fell 3% on Tuesday while the S&P 500 rose; Jonathan Whitfield stayed in cash.",
)

# Presidio's own default NER mapping (presidio_analyzer/conf/default.yaml), shared with the baseline.
NER_MODEL_CONFIGURATION: dict[str, Any] = {
    "model_to_presidio_entity_mapping": {
        "PER": "PERSON",
        "PERSON": "PERSON",
        "NORP": "NRP",
        "FAC": "LOCATION",
        "LOC": "LOCATION",
        "GPE": "LOCATION",
        "LOCATION": "LOCATION",
        "ORG": "ORGANIZATION",
        "ORGANIZATION": "ORGANIZATION",
        "DATE": "DATE_TIME",
        "TIME": "DATE_TIME",
    },
    "low_confidence_score_multiplier": 0.4,
    "low_score_entity_names": [],
    "labels_to_ignore": [
        "ORGANIZATION",
        "CARDINAL",
        "EVENT",
        "LANGUAGE",
        "LAW",
        "MONEY",
        "ORDINAL",
        "PERCENT",
        "PRODUCT",
        "QUANTITY",
        "WORK_OF_ART",
    ],
}


def nlp_configuration(model: str, language: str = "en") -> dict[str, Any]:
    """Presidio's default spaCy NLP configuration with ``model`` (for ``NlpEngineProvider``)."""
    return {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": language, "model_name": model}],
        "ner_model_configuration": NER_MODEL_CONFIGURATION,
    }


# Necessary conditions of Presidio's patterns, compiled with its global flags, so a text failing a
# gate cannot produce a result of that entity.
_FLAGS = regex.DOTALL | regex.MULTILINE | regex.IGNORECASE
_GATES: dict[str, Callable[[str], object]] = {
    "EMAIL_ADDRESS": lambda text: "@" in text,
    "US_SSN": regex.compile(r"\d{3}[- .]?\d{2}[- .]?\d{4}", _FLAGS).search,
    "CREDIT_CARD": regex.compile(r"\d(?:[- ]?\d){11}", _FLAGS).search,
    "IBAN_CODE": regex.compile(r"[A-Z]{2}[0-9]{2}", _FLAGS).search,
    "US_BANK_NUMBER": regex.compile(r"\d(?:[- ]?\d){5}", _FLAGS).search,
    # IPv4: four dotted numbers; IPv6: "::" or eight (six before an embedded IPv4) colon groups.
    "IP_ADDRESS": regex.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d|::|[0-9A-F]{1,4}(?::[0-9A-F]{1,4}){5}", _FLAGS).search,
}
# A phone finding inside one of these, found with a score no phone finding reaches (validated
# patterns score 1.0; phones at most 0.9), would only be merged into it.
_PHONE_CLAIMERS = frozenset({"US_SSN", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "EMAIL_ADDRESS"})
_CLAIM_SCORE = 0.95
_PHONE = "PHONE_NUMBER"


class _DocArtifacts(NlpArtifacts):
    """NlpArtifacts over a spaCy Doc whose token lists are built only if a recognizer asks, from
    attribute arrays (creating a Token object per token costs more than the lookup itself)."""

    def __init__(self, doc: Doc, entities: list[Any], scores: list[float], nlp_engine: SpacyNlpEngine) -> None:
        # NlpArtifacts.__init__ would compute lemmas and keywords eagerly; set what it sets instead.
        self.tokens = doc
        self.entities = entities
        self.scores = scores
        self.nlp_engine = nlp_engine
        self._cache: dict[str, list[Any]] = {}
        self.phone_windows: list[tuple[int, int]] | None = None  # set by FastAnalyzer for the phone pass

    @property
    def tokens_indices(self) -> list[int]:  # type: ignore[override]
        if "idx" not in self._cache:
            self._cache["idx"] = self.tokens.to_array("IDX").tolist()
        return self._cache["idx"]

    @property
    def lemmas(self) -> list[str]:  # type: ignore[override]
        if "lemmas" not in self._cache:
            strings = self.tokens.vocab.strings
            self._cache["lemmas"] = [strings[h] for h in self.tokens.to_array("LOWER").tolist()]
        return self._cache["lemmas"]

    @property
    def keywords(self) -> list[str]:  # type: ignore[override]
        # NlpArtifacts.set_keywords' filter: no stop words, punctuation or "be"; split on ':'.
        if "keywords" not in self._cache:
            flags = self.tokens.to_array(["IS_STOP", "IS_PUNCT"]).reshape(-1, 2).tolist()
            words = [w for w, (stop, punct) in zip(self.lemmas, flags, strict=True) if not (stop or punct)]
            self._cache["keywords"] = [part for w in words if w not in ("be", "-pron-") for part in w.split(":")]
        return self._cache["keywords"]


class _ThresholdAwareEnhancer(LemmaContextAwareEnhancer):
    """Presidio's context enhancer (``LemmaContextAwareEnhancer``), same boosts, less work:

    * only results it can change are looked at: below the maximum score and from a recognizer with
      context words (Presidio deep-copies every result first, which costs more than the enhancement);
    * those are boosted in place, not copied: they are the current ``analyze`` call's own objects;
    * the keywords are a set and the token ends one array per call: Presidio tests each context word
      against the keyword list and walks the Doc token by token, per result (quadratic in a long text).
    """

    def __init__(self, threshold: float) -> None:
        super().__init__()
        self.threshold = threshold

    def enhance_using_context(  # type: ignore[no-untyped-def]
        self, text, raw_results, nlp_artifacts, recognizers, context=None
    ) -> list[RecognizerResult]:
        with_context = {r.id: r for r in recognizers if r.context}
        boostable = [r for r in raw_results if r.score < 1.0 and _recognizer_id(r) in with_context]
        if not boostable or nlp_artifacts is None:
            return raw_results
        rest = [r for r in raw_results if not (r.score < 1.0 and _recognizer_id(r) in with_context)]
        words = _ContextWords(nlp_artifacts, [word.lower() for word in context or []])
        for result in boostable:
            if not result.recognition_metadata.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY):
                recognizer = with_context[_recognizer_id(result)]
                self._boost(result, words.around(result.start, self), recognizer.context)
        return rest + boostable

    def _boost(self, result: RecognizerResult, surrounding: list[str], context_words: list[str]) -> None:
        """Presidio's boost of one result when a context word occurs in ``surrounding``."""
        word = self._find_supportive_word_in_context(surrounding, context_words, self.context_matching_mode)
        if word != "":
            result.score += self.context_similarity_factor
            result.score = max(result.score, self.min_score_with_context_similarity)
            result.score = min(result.score, ContextAwareEnhancer.MAX_SCORE)
            result.analysis_explanation.set_supportive_context_word(word)
            result.analysis_explanation.set_improved_score(result.score)


class _ContextWords:
    """The words around an offset, as ``LemmaContextAwareEnhancer._extract_surrounding_words`` finds
    them, with what it recomputes per result (keyword membership, token ends) computed once."""

    def __init__(self, nlp_artifacts: NlpArtifacts, context: list[str]) -> None:
        self.tokens = nlp_artifacts.tokens
        self.empty = not self.tokens
        if not self.empty:
            self.lemmas = nlp_artifacts.lemmas
            self.keywords = set(nlp_artifacts.keywords)  # only ``in`` is asked of them
            self.ends = self.tokens.to_array("IDX") + self.tokens.to_array("LENGTH")
        self.context = context

    def around(self, start: int, enhancer: LemmaContextAwareEnhancer) -> list[str]:
        if self.empty:
            return ["", *self.context]
        # Presidio's token of the match: the first one ending after ``start`` (found by binary search;
        # the error omits the matched word, which is document text).
        index = int(numpy.searchsorted(self.ends, start, side="right"))
        if index >= len(self.ends):
            raise ValueError("match offset lies beyond the last token")
        before = enhancer._add_n_words_backward(index, enhancer.context_prefix_count, self.lemmas, self.keywords)
        after = enhancer._add_n_words_forward(index, enhancer.context_suffix_count, self.lemmas, self.keywords)
        return [*set(before + after), *self.context]


def _recognizer_id(result: RecognizerResult) -> str | None:
    return (result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY)


def _credit(results: list[RecognizerResult], recognizer: EntityRecognizer) -> None:
    """Name the recognizer in each result's metadata unless it does (as ``AnalyzerEngine.analyze``)."""
    for result in results:
        if not result.recognition_metadata:
            result.recognition_metadata = {}
        result.recognition_metadata.setdefault(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY, recognizer.id)
        result.recognition_metadata.setdefault(RecognizerResult.RECOGNIZER_NAME_KEY, recognizer.name)


def _recognizer_context(
    text: str, raw: list[RecognizerResult], artifacts: NlpArtifacts, recognizers: list[EntityRecognizer]
) -> list[RecognizerResult]:
    """``AnalyzerEngine``'s recognizer-level context step: the results grouped by recognizer, in the
    recognizers' order, each group through its recognizer's ``enhance_using_context`` when it has
    its own (Presidio's default returns the group as it is)."""
    groups: dict[str, list[RecognizerResult]] = {}
    for result in raw:
        groups.setdefault(_recognizer_id(result), []).append(result)
    results: list[RecognizerResult] = []
    for recognizer in recognizers:
        own = groups.get(recognizer.id, [])
        if type(recognizer).enhance_using_context is not EntityRecognizer.enhance_using_context:
            others = [r for r in raw if _recognizer_id(r) != recognizer.id]
            own = recognizer.enhance_using_context(
                text=text,
                raw_recognizer_results=own,
                other_raw_recognizer_results=others,
                nlp_artifacts=artifacts,
                context=None,
            )
        results += own
    return results


class FastAnalyzer:
    """Presidio recognizers over batches of texts; ``analyze(texts)`` returns results per text."""

    def __init__(self, config: PiiConfig) -> None:
        ensure_offline()
        self.config = config
        self.entities = list(config.entities)
        ner_config = NerModelConfiguration.from_dict(NER_MODEL_CONFIGURATION)
        ignore = set(ner_config.labels_to_ignore)
        self._label_map = {
            label: mapped
            for label, mapped in ner_config.model_to_presidio_entity_mapping.items()
            if label not in ignore and mapped not in ignore and mapped in self.entities
        }
        self._ner_score = ner_config.default_score
        self.ner_entities = set(self._label_map.values())
        self.nlp = load_ner_pipeline(
            config.spacy_model, need_ner=bool(self.ner_entities), numpy_gemm=config.advanced.numpy_gemm
        )
        self._fast_ner = self._load_fast_ner() if self.ner_entities else None
        engine = SpacyNlpEngine(
            models=[{"lang_code": config.language, "model_name": config.spacy_model}],
            ner_model_configuration=ner_config,
        )
        engine.nlp = {config.language: self.nlp}  # already loaded: AnalyzerEngine will not load it again
        self._engine = engine

        registry = build_registry(config, engine)
        self.analyzer = AnalyzerEngine(
            registry=registry,
            nlp_engine=engine,
            supported_languages=[config.language],
            context_aware_enhancer=_ThresholdAwareEnhancer(config.score_threshold),
        )
        supported = set(self.analyzer.get_supported_entities(config.language))
        unsupported = sorted(set(self.entities) - supported)
        if unsupported:
            raise ValueError(f"no Presidio recognizer for entities {unsupported} (language {config.language!r})")
        # Entities some non-NER recognizer can find; NER-only ones are asked for when the Doc has them.
        pattern_recognizers = [r for r in registry.recognizers if not isinstance(r, SpacyRecognizer)]
        self._pattern_entities = [
            e for e in self.entities if e != _PHONE and any(e in r.supported_entities for r in pattern_recognizers)
        ]
        self._allow_list = list(config.allow_list) or None
        self._recognizers_for: dict[tuple[str, ...], list[EntityRecognizer]] = {}
        # Entities only the NER finds: their results are the Doc's spans (SpacyRecognizer with no
        # context words, so no enhancement, and NER spans never overlap), made here directly.
        self._ner_only = self.ner_entities - set(self._pattern_entities)
        ner_recognizers = [r for r in registry.recognizers if isinstance(r, SpacyRecognizer)]
        self._ner_metadata = (
            {
                RecognizerResult.RECOGNIZER_NAME_KEY: ner_recognizers[0].name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: ner_recognizers[0].id,
            }
            if ner_recognizers
            else {}
        )

    def _load_fast_ner(self) -> FastNer | None:
        if not self.config.advanced.vectorized_ner or self.config.advanced.n_process > 1 or not supports(self.nlp):
            return None
        fast = FastNer(self.nlp)
        if not matches_spacy(self.nlp, fast, _SELF_CHECK):
            logger.warning("vectorised NER disagrees with spaCy on its self-check; using spaCy's own decoding")
            return None
        return fast

    def _docs(self, texts: Sequence[str]) -> list[tuple[Doc, list[Span]]]:
        """spaCy Docs and their NER spans, by FastNer where it applies, else by ``nlp.pipe``."""
        if not self.ner_entities:
            return [(self.nlp.make_doc(t), []) for t in texts]
        if self._fast_ner is None:
            docs = self.nlp.pipe(
                texts, batch_size=self.config.advanced.batch_size, n_process=self.config.advanced.n_process
            )
            return [(doc, list(doc.ents)) for doc in docs]
        docs = [self.nlp.make_doc(t) for t in texts]
        return list(zip(docs, self._fast_ner(docs), strict=True))

    def _artifacts(self, doc: Doc, spans: list[Span]) -> _DocArtifacts:
        entities = []
        for ent in spans:
            mapped = self._label_map.get(ent.label_)
            if mapped is not None:
                ent.label_ = mapped  # as Presidio's SpacyNlpEngine does (the span is ours, not doc.ents)
                entities.append(ent)
        return _DocArtifacts(doc, entities, [self._ner_score] * len(entities), self._engine)

    def _recognizers(self, entities: list[str]) -> list[EntityRecognizer]:
        """The registry's recognizers for ``entities`` (``get_recognizers``, registry order), kept per list."""
        key = tuple(entities)
        if key not in self._recognizers_for:
            self._recognizers_for[key] = self.analyzer.registry.get_recognizers(self.config.language, list(key))
        return self._recognizers_for[key]

    def _run(
        self,
        text: str,
        entities: list[str],
        artifacts: _DocArtifacts,
        *,
        ahead: Sequence[str] = (),
        kept: dict[str, list[RecognizerResult]] | None = None,
    ) -> list[RecognizerResult]:
        """What ``self.analyzer.analyze(text, entities, nlp_artifacts=artifacts)`` returns, by its steps in
        its order (each recognizer, recognizer-level context, the context enhancer, the threshold,
        de-duplication, the allow list, no explanations), without its lookup of the recognizers per
        call and its regrouping of the results per recognizer (quadratic).

        A recognizer that also serves a later pass over this text (the labelled-field recognizer, in
        the phone pass) reads the text once: it is asked for the ``ahead`` entities too, and its
        results for them wait in ``kept`` for that pass, which takes them instead of running it again.
        """
        recognizers = self._recognizers(entities)
        raw: list[RecognizerResult] = []
        for recognizer in recognizers:
            if kept is not None and recognizer.id in kept:
                found = kept.pop(recognizer.id)
            else:
                if not recognizer.is_loaded:
                    recognizer.load()
                    recognizer.is_loaded = True
                extra = [e for e in ahead if e in recognizer.supported_entities]
                found = recognizer.analyze(text=text, entities=entities + extra, nlp_artifacts=artifacts) or []
                if extra and kept is not None:
                    kept[recognizer.id] = [r for r in found if r.entity_type in extra]
                    found = [r for r in found if r.entity_type not in extra]
            _credit(found, recognizer)
            raw += found
        results = _recognizer_context(text, raw, artifacts, recognizers)
        results = self.analyzer.context_aware_enhancer.enhance_using_context(
            text=text, raw_results=results, nlp_artifacts=artifacts, recognizers=recognizers, context=None
        )
        results = [r for r in results if r.score >= self.config.score_threshold]
        results = EntityRecognizer.remove_duplicates(results)
        if self._allow_list:
            results = [r for r in results if text[r.start : r.end] not in self._allow_list]
        for result in results:
            result.analysis_explanation = None
        return results

    def _ner_results(self, text: str, artifacts: _DocArtifacts) -> list[RecognizerResult]:
        """What ``analyze`` returns for the NER-only entities: each plausible span above the threshold
        and not on the allow list (Presidio's "exact" allow-list match), as PlausibleSpacyRecognizer."""
        allow = self._allow_list or ()
        results = []
        for ent, score in zip(artifacts.entities, artifacts.scores, strict=True):
            if ent.label_ not in self._ner_only or score < self.config.score_threshold:
                continue
            span = plausible_ner_span(text, ent.start_char, ent.end_char)
            if span and text[span[0] : span[1]] not in allow:
                results.append(RecognizerResult(ent.label_, *span, score, None, dict(self._ner_metadata)))
        return results

    def analyze_one(self, text: str, doc: Doc, spans: list[Span]) -> list[RecognizerResult]:
        """Results for one text, given its spaCy Doc and NER spans (module docstring: the gates)."""
        artifacts = self._artifacts(doc, spans)
        results = self._ner_results(text, artifacts)
        wanted = {ent.label_ for ent in artifacts.entities if ent.label_ not in self._ner_only}
        wanted.update(e for e in self._pattern_entities if _GATES.get(e, bool)(text))
        # every phone recognizer needs 7 digits (fields.py, house.py)
        phones = [_PHONE] if _PHONE in self.entities and _PHONE_RUN.search(text) else []
        kept: dict[str, list[RecognizerResult]] = {}
        if wanted:
            results += self._run(text, sorted(wanted), artifacts, ahead=phones, kept=kept)
        if phones:
            claimed = [
                (r.start, r.end) for r in results if r.entity_type in _PHONE_CLAIMERS and r.score >= _CLAIM_SCORE
            ]
            artifacts.phone_windows = phone_windows(text, claimed)
            results += self._run(text, phones, artifacts, kept=kept)
        return results

    def analyze(self, texts: Sequence[str]) -> list[list[RecognizerResult]]:
        """Presidio results (entity, start, end, score) for each text, in input order."""
        return [self.analyze_one(text, doc, spans) for text, (doc, spans) in zip(texts, self._docs(texts), strict=True)]


class _WithholdArguments(logging.Filter):
    """Drop the arguments of Presidio's log records: some carry document text (a failed IBAN, the
    words around a match at DEBUG level). The message template stays, so the event is still visible."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = f"{record.msg} [arguments withheld: may contain document text]"
            record.args = None
        return True


def install_log_redaction() -> None:
    """Attach ``_WithholdArguments`` to Presidio's logger once per process."""
    presidio_logger = logging.getLogger("presidio-analyzer")
    if not any(isinstance(f, _WithholdArguments) for f in presidio_logger.filters):
        presidio_logger.addFilter(_WithholdArguments())
