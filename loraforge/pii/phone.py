"""Phone numbers: Presidio's PhoneRecognizer restricted to windows around long digit runs.

Presidio's PhoneRecognizer runs python-phonenumbers' matcher over the whole text once per region
(8 by default); the matcher parses every digit group it meets, so on paragraphs full of amounts, ids
and dates the phone recognizer costs more than everything else. ``phone_windows`` finds the runs of
>= 7 digits (phone punctuation allowed in between) and ``WindowedPhoneRecognizer`` runs the same
matcher on those slices only, with the same regions, leniency and score.

Differences from Presidio, all deliberate:

* numbers of fewer than 7 digits are not reported (Presidio accepts German short numbers such as
  "1640", which in documents are years and amounts), and ISO dates are not tried;
* business numbers are left alone (``business_number``): a candidate that is part of a decimal
  ("-0.285021097"), holds a thousands separator ("8,837 361 133"), is a date, follows a bibliographic or
  reference cue (ISBN, DOI, invoice, order...), or sits in a row of figures ("8,757 8,837 361 133")
  is a figure, not a phone. A phone number in a table keeps its finding through its column header
  (``fields.py``) or a phone word on its line.

``tests/test_pii.py`` checks that every other Presidio phone finding is reproduced at the same offsets.
"""

from __future__ import annotations

from collections.abc import Sequence

import phonenumbers
import regex
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

# phonenumbers' separators (its _VALID_PUNCTUATION, plus all white space) and a run of >= 7 digits
# joined by at most 4 of them: every candidate its matcher considers lies inside such a run.
_PHONE_PUNCT = (
    r"\s\-x\u2010-\u2015\u2212\u30fc\uff0d-\uff0f\u00ad\u200b\u2060()\uff08\uff09\uff3b\uff3d.\[\]/~\u2053\u223c\uff5e"
)
_PHONE_RUN = regex.compile(rf"\d(?:[{_PHONE_PUNCT}]{{0,4}}\d){{6,}}")
# Characters a phonenumbers candidate can contain (digits, separators, leading '+'/brackets).
_PHONE_CHAR = regex.compile(rf"[\d{_PHONE_PUNCT}+\uff0b]")
# phonenumbers' _EXTN_PATTERNS_FOR_MATCHING, which may follow a number.
_PHONE_EXTENSION = regex.compile(
    r";ext=\d{1,20}"
    r"|[ \xa0\t,]*(?:e?xt(?:ensi(?:o\u0301?|\xf3))?n?|\uff45?\uff58\uff54\uff4e?|\u0434\u043e\u0431|anexo"
    r"|[x\uff58#\uff03~\uff5e]|int|\uff49\uff4e\uff54)[:\.\uff0e]?[ \xa0\t,-]*\d{1,20}#?"
    r"|[- ]+\d{1,6}#",
    regex.IGNORECASE,
)
_MIN_PHONE_DIGITS = 7
_DECIMAL_EDGE_BEFORE = regex.compile(r"\d[.,]$")
_DECIMAL_EDGE_AFTER = regex.compile(r"^[.,]\d")
_SINGLE_DECIMAL = regex.compile(r"[-+]?\d+[.,]\d+")
_THOUSANDS = regex.compile(r"\d,\d{3}(?!\d)")
_REFERENCE_CUE = regex.compile(
    r"\b(?:isbn(?:-1[03])?|issn|doi|arxiv|pmid|invoice|order|case|ticket|ref|reference|policy|contract|serial|"
    r"transaction|tracking|sku|id|no|nr|version|v|reg|regulation|directive|art|article|section|table|page|pp)"
    r"\b[\s.:#/-]{0,4}(?:no\.?[\s:#]{0,3})?$",
    regex.IGNORECASE,
)
_DATE = regex.compile(r"(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d\d|(?:19|20)\d\d[./-]\d{1,2}[./-]\d{1,2})")
_COLUMN_GAP = regex.compile(r"\d(?: {2,}|\t)\d")
_CODE_BEFORE = regex.compile(r"[\p{L}\d][-_/=]$")
_CODE_AFTER = regex.compile(r"^[-_/][\p{L}\d]")
_FIGURE = regex.compile(r"(?<![\p{L}\d])[-+(]?[$€£¥]?\d[\d,.]*%?\)?(?![\p{L}\d])")
_PHONE_WORD = regex.compile(
    r"\b(?:phone|tel|telephone|mobile|mob|cell|fax|call|contact|whatsapp|telefon|téléphone|teléfono|telefone|"
    r"telefoon|telefono|handy|portable|móvil|celular)\b",
    regex.IGNORECASE,
)


def _figure_run(text: str, start: int, end: int, figure_lines: dict[int, bool]) -> bool:
    """A digit run that is a figure, so no phone number is looked for in it (checked before the costly
    matcher): a figure's shape or context (``business_number``), table columns (two spaces or a tab
    between figures), digits glued to letters (a code: "SKU1234-5678", "2024-03-05T10:30"; the matcher
    rejects those too), or a bare digit run on a line of figures without a phone word."""
    run = text[start:end]
    if _COLUMN_GAP.search(run) or _figure_shape(run) or _number_context(text, start, end):
        return True
    if (start and text[start - 1].isalpha()) or (end < len(text) and text[end].isalpha()):
        return True
    if not run.isdigit():
        return False
    line_start = text.rfind("\n", 0, start) + 1
    if line_start not in figure_lines:
        figure_lines[line_start] = _figures_without_phone_word(text, start, end)
    return figure_lines[line_start]


def _figure_shape(value: str) -> bool:
    """A thousands separator ("8,837 361"), a decimal ("-0.285021097") or a date ("12.03.1985")."""
    value = value.strip()
    return bool(_THOUSANDS.search(value) or _SINGLE_DECIMAL.fullmatch(value) or _DATE.fullmatch(value))


def _number_context(text: str, start: int, end: int) -> bool:
    """Whether the text around ``text[start:end]`` makes it part of a decimal, a reference number or a
    code ("0.285021097", "ISBN 978-3-16-148410-0", "SO-40079988", a UUID's "5512-4769-7417")."""
    before, after = text[max(0, start - 2) : start], text[end : end + 2]
    return bool(
        _DECIMAL_EDGE_BEFORE.search(before)
        or _DECIMAL_EDGE_AFTER.match(after)
        or _CODE_BEFORE.search(before)
        or _CODE_AFTER.match(after)
        or _REFERENCE_CUE.search(text[max(0, start - 24) : start])
    )


def business_number(text: str, start: int, end: int) -> bool:
    """Whether the phone-shaped ``text[start:end]`` is a figure of a business document (module docstring)."""
    return (
        _figure_shape(text[start:end])
        or _number_context(text, start, end)
        or _figures_without_phone_word(text, start, end)
    )


def _figures_without_phone_word(text: str, start: int, end: int) -> bool:
    return in_figure_row(text, start, end) and not _PHONE_WORD.search(_line(text, start, end))


def in_figure_row(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a bare digit run on a line of figures: at least three other
    figures (amounts, counts, ratios) and more digits than letters, as in a row of a financial table
    or an invoice, where such runs are article numbers, references and totals. Grouped numbers
    ("4111 1111 1111 1111") are never figures of that kind."""
    if not text[start:end].isdigit():
        return False
    line = _line(text, start, end)
    rest = line.replace(text[start:end], " ", 1)
    letters = sum(c.isalpha() for c in rest)
    digits = sum(c.isdigit() for c in rest)
    return len(_FIGURE.findall(rest)) >= 3 and digits > letters


def _line(text: str, start: int, end: int) -> str:
    line_end = text.find("\n", end)
    return text[text.rfind("\n", 0, start) + 1 : len(text) if line_end < 0 else line_end]


def phone_windows(text: str, skip: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Disjoint slices of ``text`` around each >= 7-digit run not inside a ``skip`` span, holding
    what the matcher looks at in the whole text: leading '+'/brackets, an extension ("ext. 204"),
    the character before and after a candidate and a ":ss" time-stamp suffix. Edges never cut a
    neighbouring number in two."""
    windows: list[tuple[int, int]] = []
    figure_lines: dict[int, bool] = {}
    for run in _PHONE_RUN.finditer(text):
        start, end = run.start(), run.end()
        if any(s <= start and end <= e for s, e in skip) or _figure_run(text, start, end, figure_lines):
            continue
        while start > 0 and _PHONE_CHAR.match(text, start - 1):
            start -= 1
        while end < len(text) and _PHONE_CHAR.match(text, end):
            end += 1
        extension = _PHONE_EXTENSION.match(text, end)
        if extension:
            end = extension.end()
        start, end = max(0, start - 1), min(len(text), end + 3)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    return windows


class WindowedPhoneRecognizer(PhoneRecognizer):
    """Presidio's PhoneRecognizer, run on ``phone_windows`` only and stopping early.

    python-phonenumbers parses every digit group once per region (8 by default); on paragraphs full
    of amounts, ids and dates that costs milliseconds per text. Here the matcher sees only the
    windows, and the remaining regions are skipped once every digit of the window's runs lies in a
    match (a later region could only add a match inside one already found, which Presidio's
    de-duplication drops). Results carry the same entity, offsets and score as Presidio's; the
    explanation does not name a region (Presidio parses each match again just for that).
    """

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None):  # type: ignore[no-untyped-def]
        windows = getattr(nlp_artifacts, "phone_windows", None)
        results: list[RecognizerResult] = []
        for start, end in phone_windows(text) if windows is None else windows:
            window = text[start:end]
            digits = {i for run in _PHONE_RUN.finditer(window) for i in range(*run.span()) if window[i].isdigit()}
            spans: set[tuple[int, int]] = set()
            for region in self.supported_regions:
                for match in phonenumbers.PhoneNumberMatcher(window, region, leniency=self.leniency):
                    spans.add((match.start, match.end))
                if all(any(s <= i < e for s, e in spans) for i in digits):
                    break
            for s, e in sorted(spans):
                if sum(c.isdigit() for c in window[s:e]) >= _MIN_PHONE_DIGITS and not business_number(
                    text, start + s, start + e
                ):
                    results.append(self._result(start + s, start + e))
        return EntityRecognizer.remove_duplicates(results)

    def _result(self, start: int, end: int) -> RecognizerResult:
        return RecognizerResult(
            entity_type=self.supported_entities[0],
            start=start,
            end=end,
            score=self.SCORE,
            analysis_explanation=AnalysisExplanation(
                recognizer=PhoneRecognizer.__name__,
                original_score=self.SCORE,
                textual_explanation="Recognized as phone number, using PhoneRecognizer",
            ),
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )


def windowed(recognizer: PhoneRecognizer) -> WindowedPhoneRecognizer:
    """A WindowedPhoneRecognizer with ``recognizer``'s context words, regions and leniency."""
    return WindowedPhoneRecognizer(
        context=recognizer.context,
        supported_language=recognizer.supported_language,
        supported_entity=recognizer.supported_entities[0],
        supported_regions=recognizer.supported_regions,
        leniency=recognizer.leniency,
    )
