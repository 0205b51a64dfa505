"""Labelled fields: the value after "Name:", "Phone:", "IBAN:"... is PII of that type, whatever its format.

Forms, CV headers, signatures and tables say what a value is. Pattern and NER recognizers judge a
value by its shape alone and miss what has an unusual one: a local phone number without a country
code, a Luhn-invalid card, a lower-case name, a Dutch address. ``LabelledFieldRecognizer`` reads the
label instead, in three layouts:

* ``Label: value`` (also ``Label - value``, ``Label # value``, ``Label = value``) with the value up to
  the end of its line, a ``|``/``;``/tab cell border, two spaces, or the next label;
* a table whose header row names columns (``Name | Phone | City``, CSV, TSV): the cells below a
  labelled header take that column's type;
* an address label followed by more address lines (postcode and town, region, country).

A value must still look like its type (digits for numbers, letters for names), so "Phone: see
below" or "Name: n/a" find nothing.
"""

from __future__ import annotations

import regex
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from loraforge.pii.address import ADDRESS, ADDRESS_CONTINUATION, initial_lookahead
from loraforge.pii.house import DATE

# Labels per entity, English first, then the languages of the firm's clients. Matched whole and
# case-insensitively; an optional "number"/"no."/"#" after the label is part of it.
# fmt: off
LABELS: dict[str, tuple[str, ...]] = {
    "PERSON": (
        "name", "full name", "first name", "last name", "surname", "given name", "family name", "client",
        "client name", "customer", "customer name", "contact", "contact name", "contact person", "account holder",
        "account name", "cardholder", "card holder", "beneficiary", "payee", "applicant", "employee", "patient",
        "spouse", "partner", "next of kin", "emergency contact", "attn", "attention", "signed", "signature",
        "prepared for", "advisor", "adviser", "representative", "nombre", "apellido", "apellidos", "nom", "prénom",
        "nom complet", "vorname", "nachname", "naam", "voornaam", "achternaam", "nome", "cognome", "sobrenome",
        "nome completo", "imię", "nazwisko", "titular", "ad", "soyad",
    ),
    "PHONE_NUMBER": (
        "phone", "telephone", "tel", "tel.", "mobile", "mob", "mob.", "cell", "cellphone", "fax", "work phone",
        "home phone", "contact number", "phone number", "whatsapp", "direct", "direct line", "landline", "telefon",
        "telefonnummer", "handy", "mobil", "téléphone", "portable", "teléfono", "telefono", "móvil", "movil",
        "celular", "telefone", "telemóvel", "telefoon", "mobiel", "cellulare", "telefon komórkowy", "komórka", "gsm",
    ),
    "STREET_ADDRESS": (
        "address", "home address", "street address", "mailing address", "postal address", "residential address",
        "billing address", "shipping address", "correspondence address", "street", "residence", "domicile", "adresse",
        "anschrift", "wohnadresse", "dirección", "direccion", "domicilio", "endereço", "endereco", "morada", "adres",
        "indirizzo", "adres zamieszkania", "adres", "address line 1", "address line 2",
    ),
    "EMAIL_ADDRESS": (
        "email", "e-mail", "mail", "email address", "correo", "courriel", "e-mailadres",
    ),
    "CREDIT_CARD": (
        "card", "card number", "card no", "credit card", "debit card", "cc", "cc#", "visa", "mastercard", "amex",
        "kartennummer", "kreditkarte", "carte", "carte bancaire", "numéro de carte", "tarjeta", "número de tarjeta",
        "cartão", "número do cartão", "kaartnummer", "carta di credito",
    ),
    "IBAN_CODE": (
        "iban",
    ),
    "US_BANK_NUMBER": (
        "account", "account number", "acct", "acct no", "a/c", "bank account", "checking account", "savings account",
        "routing and account", "konto", "kontonummer", "compte", "numéro de compte", "cuenta", "número de cuenta",
        "conta", "rekening", "rekeningnummer", "conto", "numer konta",
    ),
    "US_SSN": (
        "ssn", "social security", "social security number", "social security no", "ss#", "tin", "itin",
    ),
    "US_DRIVER_LICENSE": (
        "driver's license", "drivers license", "driver license", "driver's licence", "driving licence",
        "driving license", "dl", "dl#", "license", "licence", "führerschein", "permis de conduire",
        "carnet de conducir",
    ),
    "DATE_OF_BIRTH": (
        "dob", "d.o.b.", "date of birth", "birth date", "birthdate", "birthday", "born", "geburtsdatum",
        "date de naissance", "fecha de nacimiento", "data de nascimento", "geboortedatum", "data di nascita",
        "data urodzenia",
    ),
    "IP_ADDRESS": (
        "ip", "ip address", "ip addr", "source ip", "client ip",
    ),
    "PASSPORT": (
        "passport", "passport number", "passport no", "reisepass", "passeport", "pasaporte",
    ),
}
# fmt: on
# A column header ending in one of these names a person ("branch_manager", "Lead advisor", "Team member",
# "Staff"): staff directories and contact lists head their name column with who, not with "Name".
_PERSON_ROLES = frozenset(
    "manager advisor adviser owner agent author officer director planner representative rep holder name "
    "contact client customer employee beneficiary partner spouse signatory assignee reviewer approver "
    "consultant broker trustee executor guardian staff staffer person people member colleague teammate who "
    "attendee participant delegate lead handler worker individual supervisor coordinator head organiser "
    "organizer host speaker tenant resident student recipient sender candidate nominee".split()
)
_NUMBER_SUFFIX = r"(?:\s*(?:number|num|no\.?|nr\.?|n[º°]|#))?"
_LABEL_TO_ENTITY = {label: entity for entity, labels in LABELS.items() for label in labels}
_LABEL_INITIAL = initial_lookahead(_LABEL_TO_ENTITY)
_LABEL_ALT = "|".join(regex.escape(label) for label in sorted(_LABEL_TO_ENTITY, key=len, reverse=True))
# A label at the start of a line or cell, its separator, then the value (to the end of the cell); the
# look-ahead on the label's first letter halves the search time.
_FIELD = regex.compile(
    rf"(?:^|(?<=[|;\t]|\s\s))[ \t*_-]*{_LABEL_INITIAL}(?P<label>{_LABEL_ALT}){_NUMBER_SUFFIX}"
    rf"[ \t*_]*(?:[:：=#]|\s-\s)[ \t]*"
    rf"(?P<value>[^\n|;\t]*?)(?=\s*(?:$|[|;\t]|\s\s|\s*,?\s*(?:{_LABEL_ALT}){_NUMBER_SUFFIX}\s*[:：]))",
    regex.IGNORECASE | regex.MULTILINE,
)
# A header row has a cell that is a label: cheap test before splitting a line into cells.
_HEADER_INITIAL = initial_lookahead([*_LABEL_TO_ENTITY, *_PERSON_ROLES])
_HEADER_HINT = regex.compile(
    rf"(?:^|[|;\t,])[ \t*#]*(?:[\p{{L}} ]*[ _])?{_HEADER_INITIAL}(?:{_LABEL_ALT}|{'|'.join(sorted(_PERSON_ROLES))})"
    rf"{_NUMBER_SUFFIX}"
    rf"[ \t*_#:.]*(?:$|[|;\t,])",
    regex.I,
)
_DELIMITERS = ("|", "\t", ";", ",")  # of table cells, in the order ``_header`` tries them
_RULE = regex.compile(r"[\s|:+-]*")
_SPACES = regex.compile(r"\s+")
_TRAILING_NUMBER_WORD = regex.compile(rf"{_NUMBER_SUFFIX}$", regex.IGNORECASE)

# What a value of each type must look like (anchored at both ends of the stripped value).
_SHAPES: dict[str, regex.Pattern[str]] = {
    "PERSON": regex.compile(
        r"(?:(?:mr|mrs|ms|miss|dr|prof|sir|herr|frau|mme|mlle|m|sr|sra|dña|don|sig|sig\.ra)\.?\s+)?"
        r"\p{L}[\p{L}'’.-]*(?:\s+\p{L}[\p{L}'’.-]*){0,4}",
        regex.IGNORECASE,
    ),
    "PHONE_NUMBER": regex.compile(
        r"(?=(?:\D*\d){7})(?:\+|00)?[\d\s().\-/]{6,24}\d(?:\s*\(?(?:ext\.?|extension|x|#|poste|durchwahl)\s*\d{1,6}\)?)?",
        regex.IGNORECASE,
    ),
    "STREET_ADDRESS": regex.compile(r"(?=.*\d)(?=.*\p{L}{2}).{6,}", regex.DOTALL),
    "EMAIL_ADDRESS": regex.compile(r"\S+@\S+\.\S+"),
    "CREDIT_CARD": regex.compile(r"(?:\d[ -]?){12,18}\d"),
    "IBAN_CODE": regex.compile(r"[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){10,30}", regex.IGNORECASE),
    "US_BANK_NUMBER": regex.compile(r"(?:\d[ -]?){5,19}\d"),
    "US_SSN": regex.compile(r"\d{3}[- .]?\d{2}[- .]?\d{4}"),
    "US_DRIVER_LICENSE": regex.compile(r"(?=.*\d)[A-Z0-9][A-Z0-9 -]{4,20}[A-Z0-9]", regex.IGNORECASE),
    "DATE_OF_BIRTH": regex.compile(DATE, regex.IGNORECASE),
    "IP_ADDRESS": regex.compile(
        r"(?:\d{1,3}\.){3}\d{1,3}|[0-9A-F:]*::[0-9A-F:]*|(?:[0-9A-F]{1,4}:){7}[0-9A-F]{1,4}", regex.IGNORECASE
    ),
    "PASSPORT": regex.compile(r"(?=.*\d)[A-Z0-9]{6,12}", regex.IGNORECASE),
}
# Values that say "nothing here" in any type.
_EMPTY = regex.compile(r"(?:n/?a|none|nil|null|unknown|tbd|tbc|-+|\?+|see (?:above|below)|on file|redacted)", regex.I)
# Words that end a name value ("Name: Anna Weber from accounts").
_NAME_STOP = frozenset("from and at of on in for with to by the a an is was will please who which that here".split())
SCORE = 0.9  # above the NER's 0.85: a labelled value names the type of a merged finding


class LabelledFieldRecognizer(EntityRecognizer):
    """Values of labelled fields and labelled table columns (see the module docstring)."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=sorted(LABELS), name="LabelledFieldRecognizer", supported_language=supported_language
        )

    def load(self) -> None:  # no model: nothing to load
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        wanted = set(entities)
        found = [*self._fields(text), *self._columns(text)]
        return [self._result(entity, start, end) for entity, start, end in found if entity in wanted]

    def _fields(self, text: str) -> list[tuple[str, int, int]]:
        out = []
        for match in _FIELD.finditer(text):
            entity = _LABEL_TO_ENTITY[_SPACES.sub(" ", match.group("label").lower())]
            start, end = match.span("value")
            if entity == "STREET_ADDRESS":
                end = _continue_address(text, end)
            span = value_span(text, start, end, entity)
            if span:
                out.append((entity, *span))
        return out

    def _columns(self, text: str) -> list[tuple[str, int, int]]:
        """Cells under a header row whose cells are labels (a markdown/CSV/TSV table)."""
        out: list[tuple[str, int, int]] = []
        columns: dict[int, str] | None = None
        delimiter = ""
        pos = 0
        previous = ""
        for line in text.split("\n"):
            line_start, pos = pos, pos + len(line) + 1
            cells = _cells(line, delimiter) if columns else None
            if columns and cells is not None and len(cells) >= max(columns) + 1:
                for index, entity in columns.items():
                    start, end = cells[index]
                    span = value_span(text, line_start + start, line_start + end, entity)
                    if span:
                        out.append((entity, *span))
                continue
            if columns and _RULE.fullmatch(line):
                continue  # a markdown rule under the header
            # A row shaped like the one above it is a body row of an unlabelled table, not a header:
            # "Ann Lee | Office Manager" must not make "Receptionist" in the next row a name.
            header = _may_be_header(line) and not _same_shape(line, previous)
            columns, delimiter = _header(line) if header else (None, "")
            previous = line
        return out

    def _result(self, entity: str, start: int, end: int) -> RecognizerResult:
        return RecognizerResult(
            entity,
            start,
            end,
            SCORE,
            AnalysisExplanation(self.name, SCORE, textual_explanation=f"value of a labelled {entity} field"),
            {RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id},
        )


def _may_be_header(line: str) -> bool:
    """Cheap tests before ``_header``: a header row has a cell delimiter and a labelled cell."""
    return any(delimiter in line for delimiter in _DELIMITERS) and bool(_HEADER_HINT.search(line))


def _same_shape(line: str, previous: str) -> bool:
    """Both lines split into the same number (at least two) of cells by some delimiter."""
    return any(delimiter in line and line.count(delimiter) == previous.count(delimiter) for delimiter in _DELIMITERS)


def _header(line: str) -> tuple[dict[int, str] | None, str]:
    """Column index -> entity for a header row with at least two cells and one labelled cell."""
    for delimiter in _DELIMITERS:
        if delimiter not in line:
            continue
        cells = [_label(line[s:e]) for s, e in _cells(line, delimiter) or []]
        if len(cells) < 2 or any(len(c) > 40 for c in cells):
            continue
        columns = {i: _LABEL_TO_ENTITY.get(c) or ("PERSON" if c in _PERSON_ROLES else "") for i, c in enumerate(cells)}
        columns = {i: entity for i, entity in columns.items() if entity}
        if columns:
            return columns, delimiter
    return None, ""


def _label(cell: str) -> str:
    """A header cell as a label: "Card no." -> "card", "manager_phone" -> "phone", "branch_manager" ->
    "name" (a person's role), anything else unchanged."""
    cell = _SPACES.sub(" ", cell.strip(" *_#:.\"'").lower().replace("_", " "))
    if cell not in _LABEL_TO_ENTITY:
        cell = _TRAILING_NUMBER_WORD.sub("", cell).strip(" .")
    if cell not in _LABEL_TO_ENTITY and " " in cell:
        last = cell.rsplit(" ", 1)[1]
        cell = "name" if last in _PERSON_ROLES else last
    return cell


def _cells(line: str, delimiter: str) -> list[tuple[int, int]] | None:
    """(start, end) of each cell of ``line``; a markdown table's outer pipes are not cells."""
    if delimiter not in line:
        return None
    spans, start = [], 0
    for i, char in enumerate(line):
        if char == delimiter:
            spans.append((start, i))
            start = i + 1
    spans.append((start, len(line)))
    if delimiter == "|":
        if spans and not line[: spans[0][1]].strip():
            spans = spans[1:]
        if spans and not line[spans[-1][0] :].strip():
            spans = spans[:-1]
    return spans


def value_span(text: str, start: int, end: int, entity: str) -> tuple[int, int] | None:
    """The value inside ``text[start:end]`` without surrounding space, quotes or trailing punctuation,
    or None when it does not look like ``entity`` (or says n/a)."""
    while start < end and text[start] in " \t\"'“”‘’*_<>":
        start += 1
    while end > start and text[end - 1] in " \t\"'“”‘’*_<>,.;:":
        end -= 1
    if text.count("(", start, end) != text.count(")", start, end):  # "(see below)" vs "(207) 555-0130"
        start += text[start] == "("
        end -= text[end - 1] == ")"
    value = text[start:end]
    if not value or _EMPTY.fullmatch(value):
        return None
    if entity == "PERSON":
        words = value.split()
        kept = 0
        for word in words:
            if word.lower() in _NAME_STOP or any(c.isdigit() for c in word):
                break
            kept += 1
        if kept == 0:
            return None
        end = start + len(" ".join(words[:kept])) if kept < len(words) else end
        value = text[start:end].rstrip(",.")
        end = start + len(value)
    shape = _SHAPES[entity]
    if not shape.fullmatch(value):
        return None
    return start, end


def _continue_address(text: str, end: int) -> int:
    """Extend an address value over following lines that continue it (postcode and town, region)."""
    while True:
        newline = text.find("\n", end)
        if newline < 0 or newline - end > 2:
            return end
        line_end = text.find("\n", newline + 1)
        line_end = len(text) if line_end < 0 else line_end
        line = text[newline + 1 : line_end]
        if not (ADDRESS_CONTINUATION.fullmatch(line.strip()) or ADDRESS.fullmatch(line.strip())):
            return end
        end = newline + 1 + len(line.rstrip())
