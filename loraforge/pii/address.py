"""Street addresses in the formats of many countries, without a gazetteer.

An address is recognised by its street part, which has a shape in every postal tradition:

* number first, street type last: "221B Baker Street", "1600 Pennsylvania Ave NW, Suite 4" (US, UK,
  IE, CA, AU, IN, ZA), "12, rue des Lilas" / "3 bis avenue Foch" (FR, BE, LU);
* street type first, number last: "Calle Mayor 5, 3º B", "Rua Augusta, 120", "Via Roma 12",
  "ul. Długa 5/7", "Avenida Paulista, 1578 - apto 12" (ES, PT, BR, IT, PL, LatAm);
* a compound street word, number last: "Kastanienallee 12", "Hauptstr. 5a", "Keizersgracht 123-II",
  "Prinsengracht 263", "Storgatan 4" (DE, AT, CH, NL, Nordics);
* a post-office box in any of those languages.

The street part is then extended over what usually follows it on the same line or the next ones:
an apartment or floor, a postcode with its town (formats of those countries), a region and a country.
A bare postcode + town is not enough on its own (a firm's letterhead would match everywhere), except
after the street line of the same address.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import regex
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

_WORD = (
    r"(?:\p{Lu}[\p{L}'’.-]*"
    r"|(?:de|del|de la|des|du|da|do|dos|das|di|della|van|von|der|den|la|le|el|am|an|im|of|the|st\.?)(?=\s))"
)
_NUMBER = r"\d{1,5}(?:\s?[A-Za-z](?![\p{L}]))?(?:\s?[-/]\s?\d{1,5}[A-Za-z]?)?(?:\s?(?:bis|ter))?"
# USPS street suffixes (Publication 28, appendix C1) and their abbreviations, plus UK and Irish ones.
_SUFFIX_TYPES = (
    "allee|alley|aly|annex|arcade|avenue|ave|av|bayou|beach|bend|bluffs?|bottom|boulevard|blvd|branch|bridge|"
    "brooks?|burgs?|bypass|camp|canyon|cape|causeway|centers?|centres?|ctr|circles?|cir|circus|cliffs?|club|"
    "commons?|corners?|course|courts?|ct|coves?|creek|crescent|cres|crest|crossing|xing|crossroads?|curve|"
    "dale|dam|divide|drives?|dr|estates?|expressway|expy|extensions?|ext|falls?|ferry|fields?|flats?|fords?|"
    "forest|forges?|forks?|fort|freeway|fwy|gardens?|gdns|gateway|glens?|greens?|groves?|gr|harbou?rs?|haven|"
    "heights|hts|highway|hwy|hills?|hollow|inlet|islands?|isle|junctions?|jct|keys?|knolls?|lakes?|land|"
    "landing|lane|ln|lights?|loaf|locks?|lodge|loop|mall|manors?|meadows?|mews|mills?|mission|motorway|mount|"
    "mountains?|mt|neck|orchard|oval|overpass|parks?|parkways?|pkwy|pass|passage|path|pike|pines?|place|pl|"
    "plains?|plaza|points?|pt|ports?|prairie|radial|ramp|ranch|rapids?|rest|ridges?|river|roads?|rd|route|"
    "rte|row|run|shoals?|shores?|skyway|springs?|spurs?|squares?|sq|station|stravenue|stream|streets?|st|"
    "summit|terrace|ter|throughway|trace|track|trafficway|trail|trl|trailer|tunnel|turnpike|underpass|"
    "unions?|valleys?|viaduct|views?|villages?|ville|vista|walks?|wall|ways?|wells?|close|drove|parade|"
    "esplanade|promenade|broadway|quay|wharf|wynd|chase|rise|vale|yard|fold|brow|green|end|side|gate"
)
_DIRECTION = r"(?:\s+(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\b\.?)?"
_UNIT = (
    r"(?:,?\s*(?:apt|apartment|suite|ste|unit|flat|floor|fl|room|rm|bldg|building|#|piso|planta|puerta|esc|"
    r"escalera|andar|apto|ap|sala|bloco|bloque|étage|etage|bâtiment|bat|appartement|app|interno|int|scala|"
    r"piano|lok|m|mieszkanie|whg|wohnung|stock|og|etg|bus|boîte)\.?[ \t]*[#nº°]?[ \t]*[\w-]{1,6}"
    r"(?:[ \t]*(?:º|ª|°)[ \t]*[A-Za-z]?)?|,?[ \t]*\d{1,2}[ \t]?[º°ª](?:[ \t]?[A-Za-z](?![\p{L}]))?)*"
)
_NUMBER_FIRST = rf"\b{_NUMBER},?[ \t]+(?:{_WORD}[ \t]+){{1,4}}(?i:{_SUFFIX_TYPES})\b\.?{_DIRECTION}"
_FR_TYPES = (
    r"rue|avenue|av|boulevard|bd|place|chemin|impasse|allée|allee|quai|route|cours|passage|square|voie|"
    r"rond-point|faubourg|sentier|cité|villa|hameau|lieu-dit|chaussée|chaussee|rang|montée"
)
_FRENCH = rf"\b{_NUMBER},?[ \t]+(?i:{_FR_TYPES})\.?[ \t]+[\p{{L}}'’-]+(?:[ \t][\p{{L}}'’-]+){{0,5}}"
_TYPE_FIRST_TYPES = (
    r"calle|c/|avenida|avda|av|paseo|pº|plaza|pza|camino|carrera|cra|ronda|travesía|travesia|glorieta|rambla|"
    r"carretera|ctra|callejón|callejon|pasaje|vial|acceso|cuesta|senda|urbanización|cañada|rua|r|travessa|quadra|"
    r"conjunto|setor|loteamento|vila|beco|tv|praça|praca|largo|estrada|alameda|rodovia|"
    r"via|viale|piazza|piazzale|corso|vicolo|contrada|strada|lungomare|borgo|ul|ulica|al|aleja|pl|plac|os|"
    r"osiedle|cesta|utca|út|ulice|náměstí|strasse|straße|sokak|sok|cad|caddesi|mahallesi|mah|bulevar|bulvar|"
    r"quinta|jirón|jr"
)
_TYPE_FIRST = (
    rf"\b(?i:{_TYPE_FIRST_TYPES})\.?[ \t]+(?:{_WORD}[ \t]?){{1,6}},?[ \t]*"
    rf"(?:(?i:n[º°o]?\.?|nr\.?|número|numero)[ \t]*)?"
    rf"(?:\d{{1,5}}(?:\s?[A-Za-z](?![\p{{L}}]))?(?:\s?[-/]\s?\d{{1,5}}[A-Za-z]?)?|(?i:s/n)\b)"
)
# A street named by its type without a number, when a postcode and town follow ("rue Roger Dumas,
# 75011 Paris").
_UNNUMBERED = (
    rf"\b(?i:{_FR_TYPES}|{_TYPE_FIRST_TYPES})\.?[ \t]+(?:{_WORD}[ \t]?){{1,6}}"
    rf"(?=,?[ \t]*\n?[ \t]*(?:[A-Z]{{1,2}}-)?"
    rf"(?:\d{{5}}|\d{{4}}[ \t]?[A-Z]{{2}}|\d{{2}}-\d{{3}}|\d{{4}}-\d{{3}}|\d{{5}}-\d{{3}})[ \t]+\p{{Lu}})"
)
_COMPOUND_TYPES = (
    r"straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad|markt|berg|hof|"
    r"graben|wall|kamp|stieg|tor|brücke|zeile|"
    r"straat|laan|plein|gracht|kade|dijk|singel|dreef|steeg|pad|hof|markt|wal|boulevard|park|"
    r"gatan|vägen|gränd|torget|gade|vej|gata|veien|gate|katu|tie|stræde|allé|plads|vænget|"
    r"strada|gasse"
)
_COMPOUND = (
    rf"\b(?:(?:Am|An der|Auf der|Im|In der|Zum|Zur|Alte|Neue|Grote|Kleine|Oude|Nieuwe)\s+)?\p{{Lu}}[\p{{L}}-]*"
    rf"(?i:{_COMPOUND_TYPES})\.?[ \t]+\d{{1,5}}(?:\s?[A-Za-z](?![\p{{L}}]))?"
    rf"(?:\s?[-/]\s?(?:\d{{1,5}}[A-Za-z]?|[IVX]+|hs|bis))?"
)
# "Am Markt 3", "An der Alster 12", "Hinter dem Dom 2": German street names without a type word.
_GERMAN_PREPOSITION = (
    r"\b(?:Am|An der|An den|Auf der|Auf dem|Im|In der|Hinter der|Hinter dem|Unter den|Zum|Zur)"
    r"\s+\p{Lu}[\p{L}-]+\s+\d{1,4}[a-z]?\b"
)
_PO_BOX = (
    r"\b(?i:p\.?\s?o\.?\s?box|post\s+office\s+box|postfach|apartado(?:\s+de\s+correos)?|apdo\.?|"
    r"bo[iî]te\s+postale|b\.?p\.?|caixa\s+postal|cx\.?\s?postal|postbus|casella\s+postale|skrytka\s+pocztowa)"
    r"\s*\d[\d ]{0,9}\d?"
)
_STREET_SHAPES = (_NUMBER_FIRST, _FRENCH, _TYPE_FIRST, _COMPOUND, _GERMAN_PREPOSITION, _PO_BOX, _UNNUMBERED)
STREET = regex.compile("|".join(_STREET_SHAPES), regex.VERSION1)


def initial_lookahead(words: Iterable[str]) -> str:
    """A look-ahead that passes where a case-insensitive match of one of ``words`` can begin: at an
    ASCII letter that starts one of them, or at any non-ASCII character (left to the match itself:
    with full case folding "ﬅ" matches "st"). Put before a long alternation of words, it lets the regex
    module rule most positions out at once (the street shapes that open with a type: 3x faster)."""
    initials = {word[0].lower() for word in words}
    assert all(initial.isalpha() for initial in initials), initials
    return rf"(?=[^\x00-\x7f]|(?i:[{''.join(sorted(i for i in initials if i.isascii()))}]))"


_TYPE_INITIAL = initial_lookahead(f"{_FR_TYPES}|{_TYPE_FIRST_TYPES}".split("|"))
# STREET's shapes, searched one by one (``leftmost_first``); a look-ahead on the street type's first
# letter in those that open with one.
STREET_PARTS = tuple(
    regex.compile(
        shape.replace(r"\b(?i:", rf"\b{_TYPE_INITIAL}(?i:", 1) if shape in (_TYPE_FIRST, _UNNUMBERED) else shape,
        regex.VERSION1,
    )
    for shape in _STREET_SHAPES
)
_UNIT_RE = regex.compile(_UNIT, regex.IGNORECASE)

# Postcode formats: US ZIP(+4), UK, CA, NL, PT, BR, PL, JP, generic 4-5 digits (DE, FR, ES, IT, AT, CH,
# BE, DK, NO, AU...), optionally with a country prefix ("D-10435", "F-75011").
_POSTCODE = (
    r"(?:[A-Z]{1,2}-)?(?:\d{5}(?:-\d{4})?|\d{5}-\d{3}|\d{4}\s?[A-Z]{2}|\d{2}-\d{3}|\d{3}-\d{4}|\d{4}-\d{3}|"
    r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d|\d{4})"
)
_TOWN = r"\p{Lu}[\p{L}'’.-]*(?:[ -](?:\p{Lu}[\p{L}'’.-]*|de|la|le|sur|am|an|der|del|di|do|da|en|upon|on))*"
_REGION = r"(?:,?[ \t]*(?:\(?[A-Z]{2,3}\)?|\p{Lu}[\p{L}'’.-]+(?:[ \t]\p{Lu}[\p{L}'’.-]+){0,2}))"
_BREAK = r"(?:,?[ \t]+|,?[ \t]*\n[ \t]*)"  # between a town and its postcode (may wrap onto the next line)
# "Springfield, IL 62704", "London SW1A 1AA", "10435 Berlin", "75011 Paris Cedex 11", "01310-100 São Paulo - SP".
ADDRESS_CONTINUATION = regex.compile(
    rf"(?:{_TOWN}{_BREAK}{_POSTCODE}|{_TOWN},?[ \t]+[A-Z]{{2}}[ \t]+{_POSTCODE}"
    rf"|{_POSTCODE}{_BREAK}{_TOWN}(?:[ \t]+(?i:cedex)(?:[ \t]\d+)?)?)"
    rf"(?:[ \t]*[-/][ \t]*[A-Z]{{2}}|{_REGION})?(?:,[ \t]*{_TOWN})?\.?"
    rf"|(?i:apt|apartment|suite|ste|unit|flat|floor|piso|andar|apto|étage|bus|bloco|bloque|app)\.?[ \t]*[#nº°]?"
    rf"[ \t]*[\w-]{{1,6}}[^\n]{{0,30}}",
    regex.VERSION1,
)
# A line that is a whole street address on its own (used to continue a labelled address).
ADDRESS = regex.compile(rf"(?:{STREET.pattern}){_UNIT}.*", regex.VERSION1)
_TAIL = regex.compile(rf"[ \t]*(?:,[ \t]*|\n[ \t]*|[ \t]+[-–][ \t]+)(?:{ADDRESS_CONTINUATION.pattern})", regex.VERSION1)
_TAIL_WORD = regex.compile(rf"[ \t]*(?:,[ \t]*|\n[ \t]*){_TOWN}(?=[ \t]*(?:,|\n|$))", regex.VERSION1)
SCORE = 0.86  # above the NER's 0.85: the NER calls some street names persons, the merged finding is an address


class StreetAddressRecognizer(EntityRecognizer):
    """STREET_ADDRESS: a street part (module docstring) extended over its unit, postcode, town, region."""

    ENTITY = "STREET_ADDRESS"

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[self.ENTITY], name="StreetAddressRecognizer", supported_language=supported_language
        )

    def load(self) -> None:  # no model: nothing to load
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        results = []
        for match in leftmost_first(STREET_PARTS, text):  # = STREET.finditer(text)
            results.append(self._result(match.start(), extend_address(text, match.end())))
        return EntityRecognizer.remove_duplicates(results)

    def _result(self, start: int, end: int) -> RecognizerResult:
        return RecognizerResult(
            self.ENTITY,
            start,
            end,
            SCORE,
            AnalysisExplanation(self.name, SCORE, textual_explanation="street address pattern"),
            {RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id},
        )


def leftmost_first(patterns: Sequence[regex.Pattern[str]], text: str) -> Iterator[regex.Match[str]]:
    """What ``finditer`` of the alternation of ``patterns`` finds (the leftmost match, of the first
    pattern that matches there, then on from its end), with each pattern searched on its own: the
    regex module ran ``STREET`` 1.7x slower as one alternation than as its parts one after the other.
    No pattern may match the empty string."""
    pending = [pattern.search(text) for pattern in patterns]
    pos = 0
    while True:
        best = None
        for i, match in enumerate(pending):
            if match is not None and match.start() < pos:  # overlapped by the last match: search on
                match = pending[i] = patterns[i].search(text, pos)
            if match is not None and (best is None or match.start() < best.start()):
                best = match
        if best is None:
            return
        yield best
        pos = best.end()


def extend_address(text: str, end: int) -> int:
    """``end`` moved past the unit, postcode/town lines, region and country that follow a street part."""
    unit = _UNIT_RE.match(text, end)
    if unit and unit.end() > end:
        end = unit.end()
    for _ in range(4):
        tail = _TAIL.match(text, end) or _UNIT_RE.match(text, end)
        if tail is None or tail.end() <= end:
            tail = _TAIL_WORD.match(text, end) if _looks_like_country_line(text, end) else None
        if tail is None or tail.end() <= end:
            break
        end = tail.end()
    while end > 0 and text[end - 1] in " \t,.-":
        end -= 1
    return end


_COUNTRIES = frozenset(
    {
        "usa",
        "us",
        "united states",
        "uk",
        "united kingdom",
        "england",
        "scotland",
        "wales",
        "ireland",
        "germany",
        "deutschland",
        "france",
        "spain",
        "españa",
        "portugal",
        "brazil",
        "brasil",
        "netherlands",
        "nederland",
        "the netherlands",
        "italy",
        "italia",
        "poland",
        "polska",
        "belgium",
        "belgique",
        "belgië",
        "austria",
        "österreich",
        "switzerland",
        "schweiz",
        "suisse",
        "canada",
        "australia",
        "india",
        "mexico",
        "méxico",
        "turkey",
        "türkiye",
        "sweden",
        "denmark",
        "norway",
        "finland",
        "japan",
    }
)


def _looks_like_country_line(text: str, end: int) -> bool:
    match = _TAIL_WORD.match(text, end)
    if not match:
        return False
    return text[end : match.end()].strip(" \t,\n").lower() in _COUNTRIES
