"""The project's own context patterns, written in the same form a firm uses for its client-ID patterns.

Each is a ``PatternSpec`` (see ``config``): a regex (the ``regex`` module: variable-width look-behind
and scoped flags; Presidio compiles it case-insensitive, so capitals are asked for with ``(?-i:...)``),
a score and optional context words. They find what shape-only recognizers miss because the shape is
ambiguous and only the words around it tell:

* names after a cue: "my name is", "Dear", "Thanks,", a title, a signature line, "account of",
  initials;
* a long digit run next to "card"/"account"/"SSN" even when its checksum fails or it has no separators;
* a local phone number after "call me on", "phone", "mobile" (no country code, so no region parses it);
* birth dates, driver licences and passports after their cue words.

``strict`` uses all of them; ``balanced`` leaves out the weak name cues (a capitalised word after
"Hi" or "Thanks"), which cost precision on business letters.
"""

from __future__ import annotations

from loraforge.pii.config import PatternSpec

# A name word: capitalised (Unicode), with apostrophes and hyphens ("O'Brien", "Müller-Lüdenscheidt").
_CAP = r"(?-i:\p{Lu}[\p{Ll}\p{Lu}'’-]*\p{Ll}[\p{Ll}'’-]*|\p{Lu}\.?)"
_PARTICLE = r"(?:van|von|der|den|de|del|della|di|da|dos|das|du|le|la|bin|al|el|ter|ten)"
_CAP_NAME = rf"{_CAP}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_CAP}){{0,3}}"
# Any-case name words after a strong cue ("my name is oluwaseun adeyemi"), stopping at function words.
_STOP = (
    r"(?:and|from|i|im|i'm|calling|here|with|at|of|in|on|the|a|an|my|your|our|we|you|speaking|to|about|"
    r"regarding|re|and|but|so|please|thanks|thank|but|not|just|also|again|or|it|is|was|this|that|who|"
    r"writing|looking|trying|having|need|would|could|can|will|have|had|am|are|be|by|for|if|as)"
)
_ANY_WORD = rf"(?!{_STOP}\b)\p{{L}}[\p{{L}}'’-]*"
_ANY_NAME = rf"{_ANY_WORD}(?:[ \t]+{_ANY_WORD}){{0,2}}"
_TITLES = (
    r"(?-i:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Sir|Dame|Herr|Frau|Mme|Mlle|Sr|Sra|Srta|Dña|Sig|Sig\.ra|Dott|Dhr|Mevr|Pan|Pani)"
)
_NOT_A_NAME = (
    r"(?!(?-i:Sir|Madam|Madame|Sirs|Team|All|Everyone|Customer|Client|Colleagues|Valued|Member|Support|"
    r"There|Again|Guys|Folks|Friends|Investor|Investors|Partners|Shareholders|Mr|Mrs|Ms|Dr)\b)"
)
_STRONG_CUE = (
    r"my name is|my name's|name is|i am called|mi nombre es|me llamo|je m'appelle|je suis|"
    r"ich heiße|ich bin|mein name ist|meu nome é|il mio nome è|mi chiamo|mijn naam is|ik ben|nazywam się"
)
_WEAK_CUE = (
    r"this is|it's|i'm|i am|call me|speaking with|spoke to|spoke with|talked to|ask for|asking for|"
    r"dear|hi|hello|hey|thanks|thank you|hallo|liebe|lieber|sehr geehrte|sehr geehrter|bonjour|cher|chère|"
    r"hola|estimado|estimada|querido|querida|olá|prezado|prezada|caro|cara|gentile|beste|geachte|witaj|cc|attn"
)
_CLOSING = (
    r"regards|best regards|kind regards|warm regards|sincerely|yours sincerely|yours faithfully|yours truly|"
    r"thanks|many thanks|thank you|cheers|best|best wishes|all the best|respectfully|mit freundlichen grüßen|"
    r"viele grüße|beste grüße|cordialement|bien à vous|saludos|atentamente|un saludo|met vriendelijke groet|"
    r"groeten|cumprimentos|atenciosamente|abraços|cordiali saluti|distinti saluti|pozdrawiam|z poważaniem"
)
# A calendar date as people write one: 1985-03-12, 12.03.1985, 03/12/85, 12 March 1985, 12-Mar-1985,
# March 12th, 1985, 12 de marzo de 1985.
DATE = (
    r"(?:\d{1,4}[./\- ]\d{1,2}[./\- ]\d{2,4}"
    r"|\d{1,2}(?:st|nd|rd|th|er|º)?\.?(?:[ \t]+|[ \t]*[-/.][ \t]*)(?:de[ \t]+)?\p{L}{3,10}\.?"
    r"(?:,?[ \t]+|[ \t]*[-/.][ \t]*)(?:de[ \t]+)?\d{2,4}"
    r"|\p{L}{3,10}\.?[ \t]+\d{1,2}(?:st|nd|rd|th)?,?[ \t]+\d{4})"
)

STRONG_NAME_CUES = PatternSpec(
    name="name after a self-introduction",
    entity="PERSON",
    regex=rf"(?<=\b(?:{_STRONG_CUE})[ \t]+){_ANY_NAME}",
    score=0.85,
)
TITLED_NAMES = PatternSpec(
    name="name after a title",
    entity="PERSON",
    regex=rf"(?<=\b{_TITLES}\.?[ \t]+){_NOT_A_NAME}{_CAP_NAME}",
    score=0.85,
)
GREETED_NAMES = PatternSpec(
    name="name after a greeting or cue",
    entity="PERSON",
    regex=rf"(?<=\b(?:{_WEAK_CUE}),?[ \t]+(?:{_TITLES}\.?[ \t]+)?){_NOT_A_NAME}{_CAP_NAME}",
    score=0.7,
)
SIGNATURES = PatternSpec(
    name="name on the line after a closing",
    entity="PERSON",
    regex=rf"(?<=^[ \t]*(?:{_CLOSING})[ \t]*[,!.]?[ \t]*\n[ \t]*(?:--?[ \t]*)?){_CAP_NAME}(?=[ \t]*(?:$|,|\n))",
    score=0.7,
)
OWNED_BY_NAMES = PatternSpec(
    name="name of an account or estate holder",
    entity="PERSON",
    regex=rf"(?<=\b(?:account|accounts|ira|roth ira|401\(k\)|trust|estate|portfolio|policy|will|wife|husband|"
    rf"spouse|son|daughter|widow|widower|heir|guardian|attorney|behalf)[ \t]+(?:of|for)[ \t]+(?:{_TITLES}\.?[ \t]+)?)"
    rf"{_NOT_A_NAME}{_CAP}[ \t]+(?:{_PARTICLE}[ \t]+)?{_CAP}(?:[ \t]+{_CAP})?",
    score=0.75,
)
INITIALLED_NAMES = PatternSpec(
    name="initials and surname",
    entity="PERSON",
    regex=r"(?-i:\b\p{Lu}\.[ \t]?(?:\p{Lu}\.[ \t]?){0,2}(?!(?:Bank|Treasury|Government|Department|Dollar|Army|"
    r"Navy|Inc|Corp|Ltd|Street|Avenue|Court|Securities|Fund|Trust|Steel|Census|Post)\b)\p{Lu}\p{Ll}+"
    r"(?:[-'’]\p{Lu}\p{Ll}+)?)",
    score=0.6,
)
CARD_IN_CONTEXT = PatternSpec(
    name="card number next to a card word",
    entity="CREDIT_CARD",
    regex=r"(?<=\b(?:card|cards|visa|mastercard|master card|amex|american express|discover|debit|credit|cc|"
    r"kreditkarte|karte|carte|tarjeta|cartão|carta|kaart)\b(?:(?![ \t]{2})[^\n\d]){0,30})\d(?:[ \-]?\d){13,18}(?!\d)",
    score=0.85,
)
ACCOUNT_IN_CONTEXT = PatternSpec(
    name="account number next to an account word",
    entity="US_BANK_NUMBER",
    regex=r"(?<=\b(?:account|acct|a/c|konto|kontonummer|compte|cuenta|conta|rekening|conto|rachunek)\b"
    r"(?:(?![ \t]{2})[^\n\d]){0,25})(?!\d{4}-\d{2}-\d{2}\b)\d(?:[ \-]?\d){5,19}(?!\d)",
    score=0.75,
)
SSN_IN_CONTEXT = PatternSpec(
    name="social security number next to its name",
    entity="US_SSN",
    regex=r"(?<=\b(?:ssn|ss#|social security(?: number| no\.?)?)[\s:#.]{1,4})\d{3}[ \-.]?\d{2}[ \-.]?\d{4}(?!\d)",
    score=0.85,
)
PHONE_IN_CONTEXT = PatternSpec(
    name="local phone number after a phone word",
    entity="PHONE_NUMBER",
    regex=r"(?<=\b(?:call|phone|phoned|tel|telephone|mobile|cell|ring|text|whatsapp|fax|reach|contact|"
    r"my number|anrufen|telefon|handy|appeler|téléphone|portable|llamar|teléfono|móvil|ligar|telefone|celular|"
    r"bellen|telefoon|mobiel|chiamare|telefono|cellulare|zadzwoń)\b(?:[ \t]+(?:me|us|him|her|them|back|on|at|"
    r"via|under|is|to|number|no\.?|au|sur|al|em|op|al numero))*[ \t:.#-]{0,4})"
    r"(?=(?:\D{0,3}\d){7})(?!\d{4}-\d\d-\d\d\b|\d{1,2}[./]\d{1,2}[./]\d{2,4}\b)(?:\+|00)?\(?\d[\d ()./\-]{5,17}\d"
    r"(?:[ \t]*\(?(?:ext\.?|x|extension|poste)[ \t]*\d{1,5}\)?)?",
    score=0.75,
)
BIRTH_DATES = PatternSpec(
    name="birth date after its cue",
    entity="DATE_OF_BIRTH",
    regex=rf"(?<=\b(?:born(?:[ \t]+on)?|dob|d\.o\.b\.?|date of birth|birth ?date|birthday|geboren(?:[ \t]+am)?|"
    rf"geburtsdatum|née?[ \t]+le|nacid[oa][ \t]+el|fecha de nacimiento|nascid[oa][ \t]+em|data de nascimento|"
    rf"geboortedatum|data di nascita|nato il|nata il)(?:[ \t]+(?:is|was|to|of|as|on))?[\s:.,-]{{1,4}}){DATE}",
    score=0.85,
)
DRIVER_LICENCES = PatternSpec(
    name="driver licence after its cue",
    entity="US_DRIVER_LICENSE",
    regex=r"(?<=\b(?:(?:(?:driver'?s?|driving)[ \t]+licen[cs]e|dl|führerschein|permis de conduire)"
    r"(?:[ \t]*(?:no\.?|number|#|nr\.?))?|licen[cs]e[ \t]*(?:no\.?|number|#|nr\.?))"
    r"(?:[ \t]+(?:is|was|on file))?[\s:#.]{1,4})(?=[A-Z0-9 \-]*\d)[A-Z0-9](?:[A-Z0-9]|[ \-](?=[A-Z0-9])){4,20}",
    score=0.85,
)
PASSPORTS = PatternSpec(
    name="passport number after its cue",
    entity="PASSPORT",
    regex=r"(?<=\b(?:passport|reisepass|passeport|pasaporte|passaporto|paspoort)(?:[ \t]*(?:no\.?|number|#|nr\.?))?"
    r"[\s:#.]{1,4})(?=[A-Z0-9]*\d)[A-Z0-9]{6,12}\b",
    score=0.85,
)

STRICT: tuple[PatternSpec, ...] = (
    STRONG_NAME_CUES,
    TITLED_NAMES,
    GREETED_NAMES,
    SIGNATURES,
    OWNED_BY_NAMES,
    INITIALLED_NAMES,
    CARD_IN_CONTEXT,
    ACCOUNT_IN_CONTEXT,
    SSN_IN_CONTEXT,
    PHONE_IN_CONTEXT,
    BIRTH_DATES,
    DRIVER_LICENCES,
    PASSPORTS,
)
BALANCED: tuple[PatternSpec, ...] = tuple(p for p in STRICT if p not in (GREETED_NAMES, INITIALLED_NAMES))
