"""Generate the independent, labeled PII evaluation set in ``tests/data/pii_eval/``.

Run from the repository root::

    .venv/bin/python tests/data/pii_eval/make_pii_eval.py

Outputs (rerunning reproduces them byte for byte: fixed seeds, no clock, no network, Faker pinned):

* ``dev.jsonl`` / ``test.jsonl``: ~500 labeled records each. One JSON object per line:
  ``{"id", "split", "carrier", "locale", "text", "spans": [{"entity", "start", "end"}]}`` where
  ``text[start:end]`` is exactly the value; spans are sorted and non-overlapping.
* ``business.jsonl``: ~150 PII-free business documents ``{"id", "carrier", "text"}`` (numeric CSVs,
  financial tables, reference lists, legal text, invoices, logs, code). Any detection there is a false
  positive.

Carriers (dev/test): ``chat`` (support chats and tickets, lower-case names, typos), ``contact`` (CV and
contact blocks with labelled fields, some labels in the locale's language), ``letter`` (postal letters and
e-mails with signatures), ``form`` (key: value forms: bank, KYC, generic), ``table`` (CSV / markdown client
tables mixing PII columns with unlabeled business figures), ``prose`` (CRM / meeting notes with possessives,
initials, single given names, titles), ``directory`` (staff directories and contact lists in the
"cell | cell" form ingestion gives CSV/XLSX/DOCX tables; the name column's header is not a field label:
"Staff", "Team member", "Who"). About 10% of the records carry no PII at all, only tricky numbers.
``locale`` is the Faker locale of the addresses / phones; in English-speaking locales person names are
drawn from a multicultural name pool (Indian, Yoruba, Zulu, Japanese and Chinese romanised, Turkish,
Vietnamese, Mexican, Polish).

Entities (labels): PERSON, STREET_ADDRESS, PHONE_NUMBER, EMAIL_ADDRESS, CREDIT_CARD, IBAN_CODE, US_SSN,
US_DRIVER_LICENSE, BANK_ACCOUNT, IP_ADDRESS, DATE_OF_BIRTH. The first ten are "high-risk"; DATE_OF_BIRTH is
reported separately.

Labeling guideline:

* PERSON: the name as written (full name, initials + surname, single given name, surname after a title,
  lower-case names). Titles (Mr., Mrs., Dr.) and a possessive 's are outside the span. Company, product and
  city names are never PERSON.
* STREET_ADDRESS: a person's postal address (street + number, flat/suite, and the postcode / city / region
  written with it, on one or several lines) as ONE span, newlines included; PO boxes too. A city alone
  ("our Berlin office") is not labeled.
* PHONE_NUMBER: the whole number including country code and extension ("ext. 204", "x12").
* CREDIT_CARD: the whole number with its separators; ~25% are Luhn-invalid (a typo'd number is still
  sensitive).
* IBAN_CODE: the whole IBAN, compact or in groups of 4.
* US_SSN / US_DRIVER_LICENSE: the number only (not the state abbreviation).
* BANK_ACCOUNT: the account number. UK sort code + account written together ("20-45-77 41234567") is one
  span; a sort code or a US routing number in its own field is a bank identifier and is NOT labeled.
* IP_ADDRESS: IPv4 / IPv6 of a user. DATE_OF_BIRTH: a date introduced as a birth date; other dates
  (orders, invoices, meetings) are not labeled.
* Not labeled: amounts, percentages, order / ticket / invoice / tracking numbers, version strings, dates
  that are not birth dates, company / product / city names.

Splits: dev and test use different seeds, partly different locales (dev-only: pt_PT, da_DK, en_CA; test-only:
de_AT, sv_SE, en_AU) and DISJOINT sentence phrasings (every phrasing pool is split by parity; field-label
pools share their first, most common label). Use dev for tuning; test is for reporting only and must never
be used to tune a detector.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections import Counter
from pathlib import Path

from faker import VERSION as FAKER_VERSION
from faker import Faker

HERE = Path(__file__).resolve().parent
SEEDS = {"dev": 1101, "test": 2202}
N_RECORDS = 500
NEG_SHARE = 0.10
BUSINESS_SEED = 3303
FAKER_PIN = "40.54.0"  # other Faker versions produce other values

# fmt: off
# Locale weights per split: most of each split is shared, a few locales are split-only.
LOCALES = {
    "dev": {"en_US": 22, "en_GB": 10, "de_DE": 8, "fr_FR": 7, "es_ES": 6, "it_IT": 5, "nl_NL": 5, "pl_PL": 5,
            "pt_BR": 5, "en_IN": 6, "pt_PT": 4, "da_DK": 3, "en_CA": 4},
    "test": {"en_US": 22, "en_GB": 10, "de_DE": 7, "fr_FR": 7, "es_ES": 6, "it_IT": 5, "nl_NL": 5, "pl_PL": 5,
             "pt_BR": 5, "en_IN": 6, "de_AT": 4, "sv_SE": 4, "en_AU": 4},
}
# Where person names in English-speaking locales come from (40% of them).
NAME_ORIGINS = ["en_IN", "yo_NG", "zu_ZA", "ja_JP", "zh_CN", "tr_TR", "vi_VN", "es_MX", "pl_PL"]
IBAN_LOCALE = {"de_DE": "DE", "fr_FR": "FR", "es_ES": "ES", "it_IT": "IT", "nl_NL": "NL", "pl_PL": "PL",
               "pt_PT": "PT", "da_DK": "DK", "de_AT": "AT", "sv_SE": "SE", "en_GB": "GB", "pt_BR": "BE"}
IBAN_BBAN = {"DE": "18n", "FR": "23n", "ES": "20n", "IT": "1a22n", "NL": "4a10n", "PL": "24n", "PT": "21n",
             "DK": "14n", "AT": "16n", "SE": "20n", "GB": "4a14n", "BE": "12n", "CH": "17n", "IE": "4a14n"}
# Entities scheduled round-robin so that each has enough gold spans; PERSON / PHONE_NUMBER come on top.
FOCUS = ["STREET_ADDRESS", "EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "US_DRIVER_LICENSE",
         "BANK_ACCOUNT", "IP_ADDRESS", "DATE_OF_BIRTH"]
HIGH_RISK = ["PERSON", "STREET_ADDRESS", "PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE",
             "US_SSN", "US_DRIVER_LICENSE", "BANK_ACCOUNT", "IP_ADDRESS"]

# Distractors: never labeled. Hand-picked so that no company name contains a person's name.
COMPANIES = ["Northwind Traders", "Contoso Ltd", "Globex Corporation", "Initech", "Umbrella Logistics",
             "Acme Corp", "Blue Harbor Insurance", "Helios Energy AG", "Nordlicht Versand GmbH", "Solaria SA",
             "Tecnoval S.L.", "Aurora Bank", "Kestrel Analytics", "Vireo Software", "Maple Leaf Telecom"]
PRODUCTS = ["Premium Plus plan", "X200 router", "CloudSync Pro", "SmartMeter S3", "Gold Savings account",
            "Model K-9 vacuum", "FlexiLoan 24", "AirPure 500", "Travel Card", "Basic broadband 100"]
CITIES = {"en_US": ["Chicago", "Denver", "Austin"], "en_GB": ["Leeds", "Bristol", "Manchester"],
          "de_DE": ["Berlin", "Hamburg", "Köln"], "fr_FR": ["Lyon", "Lille", "Nantes"],
          "es_ES": ["Madrid", "Valencia", "Sevilla"], "it_IT": ["Milano", "Torino", "Bologna"],
          "nl_NL": ["Utrecht", "Rotterdam", "Eindhoven"], "pl_PL": ["Kraków", "Gdańsk", "Wrocław"],
          "pt_BR": ["São Paulo", "Curitiba", "Recife"], "en_IN": ["Pune", "Bengaluru", "Chennai"],
          "pt_PT": ["Lisboa", "Porto", "Braga"], "da_DK": ["Aarhus", "Odense"], "en_CA": ["Toronto", "Calgary"],
          "de_AT": ["Wien", "Graz", "Linz"], "sv_SE": ["Göteborg", "Malmö"], "en_AU": ["Sydney", "Perth"]}

# Field labels in the locale's language (used for 35% of the fields they exist for, in both splits).
LOCAL_LABELS = {
    "de": {"PERSON": "Name", "PHONE_NUMBER": "Telefon", "STREET_ADDRESS": "Anschrift", "EMAIL_ADDRESS": "E-Mail",
           "DATE_OF_BIRTH": "Geburtsdatum", "BANK_ACCOUNT": "Kontonummer"},
    "fr": {"PERSON": "Nom", "PHONE_NUMBER": "Téléphone", "STREET_ADDRESS": "Adresse", "EMAIL_ADDRESS": "Courriel",
           "DATE_OF_BIRTH": "Date de naissance"},
    "es": {"PERSON": "Nombre", "PHONE_NUMBER": "Teléfono", "STREET_ADDRESS": "Dirección",
           "DATE_OF_BIRTH": "Fecha de nacimiento"},
    "it": {"PERSON": "Nome", "PHONE_NUMBER": "Telefono", "STREET_ADDRESS": "Indirizzo",
           "DATE_OF_BIRTH": "Data di nascita"},
    "nl": {"PERSON": "Naam", "PHONE_NUMBER": "Telefoon", "STREET_ADDRESS": "Adres", "DATE_OF_BIRTH": "Geboortedatum"},
    "pl": {"PERSON": "Imię i nazwisko", "PHONE_NUMBER": "Telefon", "STREET_ADDRESS": "Adres",
           "DATE_OF_BIRTH": "Data urodzenia"},
    "pt": {"PERSON": "Nome", "PHONE_NUMBER": "Telefone", "STREET_ADDRESS": "Morada",
           "DATE_OF_BIRTH": "Data de nascimento"},
    "sv": {"PHONE_NUMBER": "Telefon", "STREET_ADDRESS": "Adress", "DATE_OF_BIRTH": "Födelsedatum"},
    "da": {"PHONE_NUMBER": "Telefon", "STREET_ADDRESS": "Adresse", "DATE_OF_BIRTH": "Fødselsdato"},
}
# English field labels: the first label is shared by both splits, the rest alternate dev / test.
LABELS = {
    "PERSON": ["Name", "Full name", "Client", "Customer name", "Account holder", "Applicant", "Contact"],
    "PHONE_NUMBER": ["Phone", "Tel.", "Mobile", "Telephone", "Cell", "Contact no.", "Ph."],
    "EMAIL_ADDRESS": ["E-mail", "Email", "Mail", "E-mail address", "Contact email"],
    "STREET_ADDRESS": ["Address", "Home address", "Mailing address", "Postal address", "Residence"],
    "CREDIT_CARD": ["Card number", "Card", "Credit card", "Card no.", "CC"],
    "IBAN_CODE": ["IBAN", "IBAN (payout)", "Bank IBAN", "IBAN no."],
    "US_SSN": ["SSN", "Social Security No.", "SSN/TIN", "Social security number", "Soc. Sec. #"],
    "US_DRIVER_LICENSE": ["Driver's license", "DL#", "Driver license no.", "DL number", "Driver's lic."],
    "BANK_ACCOUNT": ["Account number", "Account", "Acct no.", "Bank account", "Acct #"],
    "IP_ADDRESS": ["IP address", "IP", "Last login IP", "Client IP", "Source IP"],
    "DATE_OF_BIRTH": ["Date of birth", "DOB", "Birth date", "D.O.B.", "Born"],
}
# Sentence pools. Every pool is split by parity: even items are dev phrasings, odd items test phrasings.
FIRST_PERSON = {  # chats and letters
    "PHONE_NUMBER": ["call me back on {v}", "my number is {v}", "you can reach me at {v}",
                     "best number to reach me: {v}", "pls ring {v} after 5pm", "mobile is {v}",
                     "phone {v} works best", "try me on {v} tomorrow"],
    "EMAIL_ADDRESS": ["my email is {v}", "send it to {v} please", "you can email me at {v}", "reply to {v}",
                      "my e-mail changed to {v}", "cc {v} on the answer"],
    "STREET_ADDRESS": ["I moved, new address is {v}", "please ship to {v}", "the parcel should go to {v}",
                       "my billing address is {v}", "deliver to {v}", "update my address to {v}"],
    "CREDIT_CARD": ["I paid with card {v}", "charge it to {v}", "card number {v} was charged twice",
                    "my card {v} got declined", "can you refund to {v}", "the visa is {v}"],
    "IBAN_CODE": ["my IBAN is {v}", "please refund to IBAN {v}", "transfer it to {v}",
                  "new bank details: IBAN {v}", "use IBAN {v} for the payout", "iban: {v}"],
    "US_SSN": ["my SSN is {v}", "social security number {v}", "SSN {v} for the tax form",
               "last time I gave you {v} as my social", "ssn: {v}", "the W-9 has my SSN {v}"],
    "US_DRIVER_LICENSE": ["my driver's license number is {v} ({state})", "DL# {v}", "license no. {v} ({state})",
                          "driver license {v}, issued in {state}", "DL {v} {state}", "my drivers licence: {v}"],
    "BANK_ACCOUNT": ["account number {v}", "acct {v}", "my account is {v}", "deposit into account {v}",
                     "the account no. is {v}", "acct # {v}"],
    "IP_ADDRESS": ["my IP is {v}", "the login came from {v}", "I'm connecting from {v}",
                   "logs show {v} for my session", "whitelist {v} please", "access from IP {v} was blocked"],
    "DATE_OF_BIRTH": ["my DOB is {v}", "I was born on {v}", "date of birth {v}", "born {v}", "d.o.b. {v}",
                      "my birth date is {v}"],
}
NOUN = {"PHONE_NUMBER": "phone number", "EMAIL_ADDRESS": "e-mail", "STREET_ADDRESS": "address",
        "CREDIT_CARD": "card number", "IBAN_CODE": "IBAN", "US_SSN": "SSN", "US_DRIVER_LICENSE": "driver's license",
        "BANK_ACCOUNT": "account number", "IP_ADDRESS": "login IP", "DATE_OF_BIRTH": "date of birth"}
THIRD_PERSON = [  # prose
    "{who}'s {noun} is {v}.", "For the record, {noun} on file for {who}: {v}.", "{who} gave {v} as the {noun}.",
    "We have {v} as {who}'s {noun}.", "{who} asked us to update the {noun} to {v}.", "Noted {noun} {v} ({who}).",
    "Confirmed with {who}: {noun} {v}.", "{noun} for {who} changed to {v}."]
CHAT_INTRO = ["hi, my name is {name}", "hello this is {name}", "Hi there, {name} here", "hey its {name} again",
              "Good morning, I am {name}", "hi! {name} speaking", "Hello, my name's {name}",
              "this is {name} from the 3rd floor"]
CHAT_ISSUE = ["my {product} stopped working after the update", "order {order} never arrived",
              "I was charged {amount} twice", "ticket {ticket} is still open since {date}",
              "the {product} invoice {invoice} looks wrong", "i cant log in since {date}",
              "need a refund for order {order} ({amount})", "your {city} branch told me to write here"]
CHAT_CLOSE = ["thx", "thanks a lot!", "cheers", "pls help asap", "regards", "ty", "thank you in advance",
              "waiting for ur reply"]
PROSE_OPEN = [
    "Spoke with {p1} about the {product} renewal; {p1first}'s team in our {city} office wants {pct} off.",
    "Call notes ({date}): {p1} raised ticket {ticket}. {p2} will follow up.",
    "Meeting with {p1} and {p2} re: order {order} ({amount}).",
    "{p1} from {company} asked whether {p2}'s contract can move to the {product}.",
    "HR note: {p1} joins the {city} office on {date}; buddy is {p2}.",
    "Escalation: {p1}'s complaint about invoice {invoice} ({amount}) was forwarded to {p2}.",
    "Per {p1}, the {product} rollout is at {pct}; {p2} owns the next step.",
    "Visited {company} in {city}: met {p1}, later {p2} joined."]
PROSE_CLOSE = ["Thanks, {first}!", "Next review on {date}.", "Budget impact: {amount}.", "Follow-up owner: {p}.", "",
               "cc {p}", "Status: open ({pct} done).", "Ping {first} if anything changes."]
LETTER_BODY = ["thank you for your letter of {date} regarding order {order}.",
               "we confirm receipt of your payment of {amount} for invoice {invoice}.",
               "following our call on {date}, I am sending the documents for the {product}.",
               "your request {ticket} has been forwarded to our {city} office.",
               "as discussed, the {product} contract renews on {date} at {amount} per year.",
               "please find enclosed the statement for the period ending {date}.",
               "we regret the delay with order {order}; a credit of {amount} has been applied.",
               "I am writing to update the details we hold for the {product}."]
CLOSINGS = ["Kind regards,", "Best regards,", "Yours sincerely,", "Sincerely,", "Best,", "With kind regards,"]
TITLES = ["Account Manager", "Senior Data Analyst", "Head of Procurement", "Customer Success Lead", "Controller",
          "Project Manager", "Sales Engineer", "Office Manager"]
MONTHS = {"en": "January February March April May June July August September October November December",
          "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
          "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
          "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
          "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
          "nl": "januari februari maart april mei juni juli augustus september oktober november december",
          "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro"}
FREEMAIL = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me", "gmx.de", "web.de",
            "orange.fr", "libero.it", "wp.pl", "yahoo.co.uk", "uol.com.br", "ziggo.nl", "rediffmail.com"]
PO_BOX = {"en_US": "PO Box {n}, {city}, {state} {pc}", "de": "Postfach {g}, {pc} {city}",
          "fr": "BP {n}, {pc} {city}", "es": "Apartado de Correos {n}, {pc} {city}", "nl": "Postbus {n}, {pc} {city}",
          "it": "Casella Postale {n}, {pc} {city}", "pt": "Apartado {n}, {pc} {city}",
          "pl": "skrytka pocztowa {n}, {pc} {city}", "*": "P.O. Box {n}, {city} {pc}"}
# fmt: on


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return str((10 - total % 10) % 10)


TRANSLIT = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "ı": "i", "đ": "d", "Đ": "D"})


def fold(s: str) -> str:
    s = s.translate(TRANSLIT)
    return "".join(c for c in unicodedata.normalize("NFKD", s) if c.isascii() and (c.isalnum() or c in ".-")).lower()


class Doc:
    """Text builder that records spans as PII values are appended."""

    def __init__(self):
        self.parts, self.spans, self.n = [], [], 0

    def t(self, s: str) -> Doc:
        self.parts.append(s)
        self.n += len(s)
        return self

    def e(self, entity: str | None, s: str) -> Doc:
        if entity:
            self.spans.append({"entity": entity, "start": self.n, "end": self.n + len(s)})
        return self.t(s)

    def f(self, template: str, **vals) -> Doc:
        """Append a template; a value is a plain str or an (entity, text) tuple."""
        for i, piece in enumerate(re.split(r"\{(\w+)\}", template)):
            if i % 2 == 0:
                self.t(piece)
            else:
                v = vals[piece]
                self.e(*v) if isinstance(v, tuple) else self.t(v)
        return self

    @property
    def text(self) -> str:
        return "".join(self.parts)


class Gen:
    """Value generators for one record: PII values (returned as (entity, text)) and distractors."""

    def __init__(self, rng: random.Random, fakers: dict, locale: str, split: str):
        self.rng, self.fk, self.locale, self.split = rng, fakers[locale], locale, split
        self.fakers, self.lang = fakers, locale[:2]

    # ----- phrasing pools: disjoint between dev and test
    def pool(self, items: list) -> str:
        return self.rng.choice(items[0::2] if self.split == "dev" else items[1::2])

    def label(self, entity: str) -> str:
        loc = LOCAL_LABELS.get(self.lang, {})
        if entity in loc and self.rng.random() < 0.35:
            return loc[entity]
        items = LABELS[entity]
        return self.rng.choice([items[0]] + (items[1::2] if self.split == "dev" else items[2::2]))

    # ----- PII values
    def person(self) -> dict:
        female = self.rng.random() < 0.5
        fk = self.fk
        if self.locale in ("en_US", "en_GB", "en_CA", "en_AU") and self.rng.random() < 0.4:
            fk = self.fakers[self.rng.choice(NAME_ORIGINS)]
        roman = fk is not self.fk and hasattr(fk, "first_romanized_name")
        g = "female" if female else "male"
        base = "first_romanized_name" if roman else "first_name"
        first = getattr(fk, f"{base}_{g}", getattr(fk, base))()
        last = fk.last_romanized_name() if roman else fk.last_name()
        return {
            "first": first,
            "last": last,
            "title": self.rng.choice(["Ms.", "Mrs."] if female else ["Mr."]),
            "full": f"{first} {last}",
        }

    def name(self, p: dict, style: str | None = None) -> tuple:
        style = style or self.rng.choices(["full", "full", "initial", "middle", "caps"], k=1)[0]
        s = {
            "full": p["full"],
            "initial": f"{p['first'][0]}. {p['last']}",
            "first": p["first"],
            "last": p["last"],
            "middle": f"{p['first']} {self.rng.choice('ABCDEJKLMRST')}. {p['last']}",
            "initials": f"{p['first'][0]}. {self.rng.choice('ABJKMRT')}. {p['last']}",
            "lower": p["full"].lower(),
            "caps": f"{p['first']} {p['last'].upper()}",
        }[style]
        return ("PERSON", s)

    def address(self, oneline: bool | None = None) -> tuple:
        if self.rng.random() < 0.12:
            fk, lang = self.fk, self.lang
            key = "en_US" if self.locale == "en_US" else lang if lang in PO_BOX else "*"
            n = str(self.rng.randint(100, 99999))
            g = " ".join(str(self.rng.randint(10, 99)) for _ in range(3))
            state = fk.state_abbr() if self.locale == "en_US" else ""
            return ("STREET_ADDRESS", PO_BOX[key].format(n=n, g=g, city=fk.city(), state=state, pc=fk.postcode()))
        while True:
            a = self.fk.address()
            if not re.search(r"\b(APO|FPO|DPO|USNS|USNV|USS|USCGC|PSC|Unit)\b", a):
                break
        if oneline if oneline is not None else self.rng.random() < 0.5:
            a = ", ".join(x.strip() for x in a.split("\n"))
        return ("STREET_ADDRESS", a)

    def phone(self) -> tuple:
        p = self.fk.phone_number()
        r = self.rng.random()
        if self.locale == "en_IN" and r < 0.5:
            p = f"+91 {self.rng.randint(70000, 99999)} {self.rng.randint(10000, 99999)}"
        elif r < 0.12 and "x" not in p:
            p += self.rng.choice([" ext. ", " x", " ext ", " (ext. "]) + str(self.rng.randint(2, 499))
            p += ")" if p.count("(") > p.count(")") else ""
        return ("PHONE_NUMBER", p)

    def email(self, p: dict | None = None) -> tuple:
        if p is None:
            return ("EMAIL_ADDRESS", self.fk.email())
        f, ln = fold(p["first"]) or "info", fold(p["last"]) or "user"
        local = self.rng.choice(
            [f"{f}.{ln}", f"{f[0]}{ln}", f"{f}{self.rng.randint(1, 99)}", f"{f}_{ln}", f"{ln}.{f[0]}"]
        )
        dom = self.rng.choice(FREEMAIL + [fold(c.split()[0]) + ".com" for c in COMPANIES[:6]])
        return ("EMAIL_ADDRESS", f"{local}@{dom}")

    def card(self) -> tuple:
        kind = self.rng.choices(["visa", "mc", "amex"], [5, 4, 2])[0]
        pre = {
            "visa": "4",
            "mc": str(self.rng.choice([51, 52, 53, 54, 55, 2221, 2720])),
            "amex": self.rng.choice(["34", "37"]),
        }[kind]
        n = 15 if kind == "amex" else 16
        body = pre + "".join(str(self.rng.randint(0, 9)) for _ in range(n - 1 - len(pre)))
        num = body + luhn_digit(body)
        if self.rng.random() < 0.25:  # typo'd / made-up: Luhn-invalid
            num = num[:-1] + str((int(num[-1]) + self.rng.randint(1, 9)) % 10)
        sep = self.rng.choice([" ", "-", "", " "])
        groups = [num[:4], num[4:10], num[10:]] if kind == "amex" else [num[i : i + 4] for i in range(0, 16, 4)]
        return ("CREDIT_CARD", sep.join(groups))

    def iban(self) -> tuple:
        cc = IBAN_LOCALE.get(self.locale) or self.rng.choice(["DE", "FR", "NL", "ES", "IE", "CH", "BE"])
        bban = ""
        for cnt, kind in re.findall(r"(\d+)([an])", IBAN_BBAN[cc]):
            pool = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if kind == "a" else "0123456789"
            bban += "".join(self.rng.choice(pool) for _ in range(int(cnt)))
        num = int("".join(str(int(c, 36)) for c in bban + cc + "00"))
        iban = f"{cc}{98 - num % 97:02d}{bban}"
        if self.rng.random() < 0.55:
            iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return ("IBAN_CODE", iban)

    def ssn(self, dashes: bool = True) -> tuple:
        area = self.rng.randint(1, 899)
        area = 667 if area == 666 else area
        s = f"{area:03d}-{self.rng.randint(1, 99):02d}-{self.rng.randint(1, 9999):04d}"
        return ("US_SSN", s if dashes else s.replace("-", ""))

    def dl(self) -> tuple:
        r, d = self.rng, lambda k: "".join(str(self.rng.randint(0, 9)) for _ in range(k))
        L = lambda: r.choice("ABCDEFGHJKLMNPRSTW")  # noqa: E731
        state, num = r.choice(
            [
                ("CA", f"{L()}{d(7)}"),
                ("NY", f"{d(3)} {d(3)} {d(3)}"),
                ("FL", f"{L()}{d(3)}-{d(3)}-{d(2)}-{d(3)}-{d(1)}"),
                ("TX", d(8)),
                ("IL", f"{L()}{d(3)}-{d(4)}-{d(4)}"),
                ("PA", f"{d(2)} {d(3)} {d(3)}"),
                ("NJ", f"{L()}{d(4)} {d(5)} {d(5)}"),
                ("MI", f"{L()} {d(3)} {d(3)} {d(3)} {d(3)}"),
                ("OH", f"{L()}{L()}{d(6)}"),
                ("GA", d(9)),
                ("WI", f"{L()}{d(3)}-{d(4)}-{d(4)}-{d(2)}"),
                ("WA", "WDL" + "".join(r.choice("ABCDEFGHJKLMNPRSTW0123456789") for _ in range(9))),
            ]
        )
        return state, ("US_DRIVER_LICENSE", num)

    def account(self) -> tuple:
        d = lambda k: "".join(str(self.rng.randint(0, 9)) for _ in range(k))  # noqa: E731
        if self.locale == "en_GB" and self.rng.random() < 0.5:
            return ("BANK_ACCOUNT", f"{d(2)}-{d(2)}-{d(2)} {d(8)}")
        return (
            "BANK_ACCOUNT",
            self.rng.choice(
                [d(self.rng.randint(8, 17)), f"{d(3)}-{d(6)}-{d(1)}", f"{d(4)}-{d(7)}-{d(2)}", d(10), f"{d(2)}-{d(10)}"]
            ),
        )

    def ip(self) -> tuple:
        r = self.rng
        if r.random() < 0.3:
            groups = [f"{r.randint(0, 65535):x}" for _ in range(8)]
            groups[0] = r.choice(["2001", "2a02", "2600", "2806", "2405"])
            if r.random() < 0.6:
                k = r.randint(2, 5)
                return ("IP_ADDRESS", ":".join(groups[:k]) + "::" + ":".join(groups[k + 2 :]))
            return ("IP_ADDRESS", ":".join(groups))
        first = r.choice([10, 192, 172] + [r.randint(11, 223) for _ in range(6)])
        if first == 192:
            return ("IP_ADDRESS", f"192.168.{r.randint(0, 255)}.{r.randint(1, 254)}")
        return ("IP_ADDRESS", f"{first}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}")

    def dob(self) -> tuple:
        r = self.rng
        y, m, d = r.randint(1940, 2006), r.randint(1, 12), r.randint(1, 28)
        lang = self.lang if self.lang in MONTHS and r.random() < 0.5 else "en"
        mon = MONTHS[lang].split()[m - 1]
        long = {
            "en": f"{d} {mon} {y}",
            "de": f"{d}. {mon} {y}",
            "fr": f"{d} {mon} {y}",
            "it": f"{d} {mon} {y}",
            "nl": f"{d} {mon} {y}",
            "es": f"{d} de {mon} de {y}",
            "pt": f"{d} de {mon} de {y}",
        }[lang]
        us = self.locale in ("en_US", "en_CA")
        fmts = [
            f"{y}-{m:02d}-{d:02d}",
            f"{m:02d}/{d:02d}/{y}" if us else f"{d:02d}/{m:02d}/{y}",
            long,
            f"{d:02d}.{m:02d}.{y}",
            f"{mon[:3]} {d}, {y}" if lang == "en" else long,
            f"{m}/{d}/{str(y)[2:]}" if us else f"{d}-{mon[:3]}-{y}",
        ]
        return ("DATE_OF_BIRTH", r.choice(fmts))

    def value(self, entity: str, p: dict | None = None) -> tuple:
        """(entity, text) for a focus entity, plus a {state} distractor for driver's licenses."""
        extra = {"state": ""}
        if entity == "US_DRIVER_LICENSE":
            extra["state"], v = self.dl()
        else:
            v = {
                "STREET_ADDRESS": self.address,
                "EMAIL_ADDRESS": lambda: self.email(p),
                "CREDIT_CARD": self.card,
                "IBAN_CODE": self.iban,
                "US_SSN": lambda: self.ssn(self.rng.random() < 0.8),
                "BANK_ACCOUNT": self.account,
                "IP_ADDRESS": self.ip,
                "DATE_OF_BIRTH": self.dob,
                "PHONE_NUMBER": self.phone,
            }[entity]()
        return v, extra

    # ----- distractors (never labeled)
    def distractors(self) -> dict:
        r = self.rng
        return {
            "product": r.choice(PRODUCTS),
            "company": r.choice(COMPANIES),
            "city": r.choice(CITIES[self.locale]),
            "order": r.choice(["ORD-", "#", "SO-", "A"]) + str(r.randint(10**5, 10**8)),
            "ticket": r.choice(["#", "TCK-", "INC", "case "]) + str(r.randint(1000, 999999)),
            "invoice": f"INV-{r.randint(2021, 2025)}-{r.randint(1, 99999):05d}",
            "amount": r.choice(["€", "$", "£", "", "EUR "]) + f"{r.randint(5, 99999):,}.{r.randint(0, 99):02d}",
            "pct": f"{r.randint(1, 99)}{r.choice(['', '.5'])}%",
            "date": r.choice(
                [
                    f"{r.randint(2022, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
                    f"{r.randint(1, 28)} {MONTHS['en'].split()[r.randint(0, 11)]} {r.randint(2022, 2025)}",
                    f"{r.randint(1, 28):02d}.{r.randint(1, 12):02d}.{r.randint(2022, 2025)}",
                ]
            ),
        }


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


# ---------------------------------------------------------------- carriers (dev / test)
def carrier_chat(g: Gen, focus: list) -> Doc:
    doc, r, dx, p = Doc(), g.rng, g.distractors(), g.person()
    style = r.choice(["full", "full", "lower", "first", "middle"])
    head = r.choice(
        [
            "",
            "",
            f"Ticket {dx['ticket']} | channel: web chat\n",
            "[{}] customer: ".format(f"{r.randint(7, 22):02d}:{r.randint(0, 59):02d}"),
        ]
    )
    doc.t(head).f(g.pool(CHAT_INTRO), name=g.name(p, style)).t(r.choice([". ", ", ", " - "]))
    doc.f(g.pool(CHAT_ISSUE), **dx).t(r.choice([". ", "\n", "!! "]))
    for ent in (["PHONE_NUMBER"] if r.random() < 0.6 else []) + focus:
        v, extra = g.value(ent, p)
        doc.f(cap(g.pool(FIRST_PERSON[ent])) if r.random() < 0.5 else g.pool(FIRST_PERSON[ent]), v=v, **extra)
        doc.t(r.choice([". ", "\n", " ", ", "]))
    doc.t(g.pool(CHAT_CLOSE))
    if r.random() < 0.3:
        doc.t("\nagent: Thanks ").e("PERSON", p["first"]).t(f", I've updated ticket {dx['ticket']}.")
    return doc


def field(doc: Doc, g: Gen, entity: str, value: tuple, sep: str) -> None:
    doc.t(f"{g.label(entity)}{sep}").e(*value).t("\n")


def carrier_contact(g: Gen, focus: list) -> Doc:
    doc, r, dx, p = Doc(), g.rng, g.distractors(), g.person()
    sep = " : " if g.lang == "fr" else r.choice([": ", ": ", ":\t", " - "])
    cv = r.random() < 0.5
    if cv and r.random() < 0.6:
        doc.e(*g.name(p, r.choice(["full", "caps", "middle"]))).t(f"\n{r.choice(TITLES)}\n\n")
    else:
        field(doc, g, "PERSON", g.name(p, "full"), sep)
    ents = (
        ["PHONE_NUMBER"]
        + [e for e in ["EMAIL_ADDRESS", "STREET_ADDRESS"] if r.random() < 0.5 and e not in focus]
        + focus
    )
    for ent in ents:
        v, extra = g.value(ent, p)
        if extra["state"]:
            doc.t(f"{g.label(ent)}{sep}{extra['state']} ").e(*v).t("\n")
        else:
            field(doc, g, ent, v, sep)
    if cv:
        doc.t(
            f"\nExperience\n{r.randint(2012, 2019)}–{r.randint(2020, 2025)}  {r.choice(TITLES)}, {dx['company']}, "
            f"{dx['city']}\n"
        )
        doc.t(
            r.choice(
                [
                    "Skills: Python, SQL, Excel (advanced), Power BI",
                    "Languages: English (C1), Spanish (B2)",
                    f"Certifications: PMP (2021), ITIL v4; budget owner for {dx['amount']}",
                ]
            )
        )
    else:
        doc.t(r.choice([f"Customer since {dx['date']}", f"Segment: B2C | ref {dx['order']}", f"Branch: {dx['city']}"]))
    return doc


def carrier_letter(g: Gen, focus: list) -> Doc:
    doc, r, dx = Doc(), g.rng, g.distractors()
    sender, rcpt = g.person(), g.person()
    if r.random() < 0.5:  # e-mail
        doc.t("From: ").e(*g.name(sender, "full")).t(" <").e(*g.email(sender)).t(">\n")
        doc.t(f"Subject: {r.choice(['Re: ', 'Fwd: ', ''])}{dx['product']} / {dx['invoice']}\n\n")
    else:  # postal letter with sender block
        doc.e(*g.name(sender, "full")).t("\n").e(*g.address(False)).t(f"\n\n{dx['city']}, {dx['date']}\n\n")
    doc.t(f"Dear {rcpt['title']} ").e("PERSON", rcpt["last"]).t(",\n\n")
    doc.f(cap(g.pool(LETTER_BODY)), **dx).t("\n")
    for ent in focus:
        v, extra = g.value(ent, sender)
        doc.f(cap(g.pool(FIRST_PERSON[ent])), v=v, **extra).t(".\n")
    doc.t(f"\n{r.choice(CLOSINGS)}\n").e(*g.name(sender, r.choice(["full", "full", "first", "initial"])))
    doc.t(f"\n{r.choice(TITLES)}, {dx['company']}\n")
    if len(focus) == 1:
        doc.t(r.choice(["Tel. ", "T: ", "Phone: ", "M ", ""])).e(*g.phone()).t("\n")
    return doc


def carrier_form(g: Gen, focus: list) -> Doc:
    doc, r, dx, p = Doc(), g.rng, g.distractors(), g.person()
    kind = "KYC" if any(f in focus for f in ("US_SSN", "US_DRIVER_LICENSE")) else r.choice(["BANK", "GENERIC"])
    title = {
        "KYC": ["CUSTOMER IDENTIFICATION (KYC)", "Know Your Customer – Individual"],
        "BANK": ["ACCOUNT OPENING FORM", "Payout details / SEPA mandate"],
        "GENERIC": ["Service request form", "Contact update"],
    }[kind]
    sep = r.choice([": ", ": ", " = ", ":  "])
    doc.t(
        f"{r.choice(title)} — {dx['company']}\nApplication "
        f"no.{sep}APP-{r.randint(2022, 2025)}-{r.randint(1, 99999):05d}\n"
    )
    field(doc, g, "PERSON", g.name(p, r.choice(["full", "full", "caps"])), sep)
    ents = (["DATE_OF_BIRTH"] if kind == "KYC" and "DATE_OF_BIRTH" not in focus and r.random() < 0.4 else []) + focus
    if r.random() < 0.5:
        ents.insert(0, "PHONE_NUMBER")
    for ent in ents:
        v, extra = g.value(ent, p)
        if extra["state"]:
            doc.t(f"{g.label(ent)}{sep}").e(*v).t(f"   State{sep}{extra['state']}\n")
        else:
            field(doc, g, ent, v, sep)
    if kind == "BANK" and g.locale == "en_US" and r.random() < 0.5:
        doc.t(f"Routing no.{sep}0{r.randint(10000000, 99999999)}\n")
    doc.t(f"Requested product{sep}{dx['product']}\nInitial deposit{sep}{dx['amount']}\n")
    doc.t(
        r.choice(
            [
                "[x] I confirm the information above is correct.",
                f"Signed on {dx['date']}",
                "Office use: verified ☐  scanned ☑",
            ]
        )
    )
    return doc


def carrier_table(g: Gen, focus: list) -> Doc:
    doc, r = Doc(), g.rng
    cols = ["PERSON"] + ([r.choice(["PHONE_NUMBER", "EMAIL_ADDRESS"])] if len(focus) < 2 else []) + focus
    rows = max(1, min(3, 6 // len(cols)))
    figures = r.sample(["city", "orders", "balance", "status", "since", "share"], r.randint(1, 3))
    header = [g.label(c) for c in cols] + figures
    md = r.random() < 0.5
    csep = " | " if md else r.choice([",", ";"])
    doc.t(("| " if md else "") + csep.join(header) + (" |" if md else "") + "\n")
    if md:
        doc.t("|" + "|".join("---" for _ in header) + "|\n")
    for _ in range(rows):
        p, dx = g.person(), g.distractors()
        doc.t("| " if md else "")
        for c in cols:
            if c == "STREET_ADDRESS":  # one-line address; CSV quotes stay outside the span
                doc.t("" if md else '"').e(*g.address(True)).t("" if md else '"')
            elif c == "PERSON":
                doc.e(*g.name(p, r.choice(["full", "full", "initial", "caps"])))
            else:
                doc.e(*g.value(c, p)[0])
            doc.t(csep)
        figs = {
            "city": dx["city"],
            "orders": str(r.randint(0, 240)),
            "balance": f"{r.uniform(-5000, 90000):,.2f}",
            "status": r.choice(["active", "overdue", "closed"]),
            "since": dx["date"],
            "share": dx["pct"],
        }
        doc.t(csep.join(figs[f] for f in figures) + (" |" if md else "") + "\n")
    return doc


def carrier_prose(g: Gen, focus: list) -> Doc:
    doc, r, dx = Doc(), g.rng, g.distractors()
    p1, p2 = g.person(), g.person()

    def mention(p: dict) -> tuple:
        return g.name(p, r.choice(["full", "initial", "initials", "first", "lower"]))

    tpl = g.pool(PROSE_OPEN)
    pre = {}
    if "{p1}" in tpl and r.random() < 0.3:  # "Dr. X" with only X labeled
        tpl = tpl.replace("{p1}", r.choice(["Dr. ", "Mrs. ", "Prof. ", "Mr. "]) + "{p1}", 1)
        pre["p1"] = ("PERSON", p1["last"])
    doc.f(tpl, p1=pre.get("p1") or mention(p1), p2=mention(p2), p1first=("PERSON", p1["first"]), **dx).t(" ")
    for ent in focus + (["PHONE_NUMBER"] if len(focus) == 1 and r.random() < 0.5 else []):
        who = r.choice([p1, p2])
        v, extra = g.value(ent, who)
        w = ("PERSON", who["first"]) if r.random() < 0.5 else ("PERSON", who["full"])
        doc.f(cap(g.pool(THIRD_PERSON)), who=w, noun=NOUN[ent], v=v).t(" " if r.random() < 0.6 else "\n")
    close = g.pool(PROSE_CLOSE)
    if len(doc.spans) >= 6 and "{" in close:  # keep records at <= 6 entities
        close = "Status: open."
    doc.f(close, first=("PERSON", p2["first"]), p=mention(p2), **dx)
    return doc


# Staff directories and contact lists as ingestion renders a CSV, XLSX or DOCX table: a header line,
# then one "cell | cell" line per row. The person column's header is rarely a field label ("Staff",
# "Team member", "Who"); names sit in a cell without sentence context, next to roles and places.
# fmt: off
DIRECTORY_HEADERS = [
    "Staff", "Person", "Team member", "Colleague", "Who", "Staff member", "Member", "People", "Employee",
    "Contact", "Owner", "Lead", "Attendee", "Participant", "Point of contact", "Case handler",
]
ROLES = [
    "Account Manager", "Head of Sales", "Analyst", "Paralegal", "Office Manager", "Senior Associate", "Partner",
    "Compliance Officer", "Receptionist", "IT Support", "Trainee", "Finance Director", "HR Advisor",
]
DEPARTMENTS = ["Finance", "Legal", "Operations", "Sales", "Client Services", "Risk", "Tax", "Payroll"]
# fmt: on
DIRECTORY_RECORDS = 40


def carrier_directory(g: Gen) -> Doc:
    doc, r = Doc(), g.rng
    extra = r.choice([None, "EMAIL_ADDRESS", "PHONE_NUMBER"])
    header = [g.pool(DIRECTORY_HEADERS), r.choice(["Role", "Title", "Position", "Job title"])]
    header += [r.choice(["Location", "Office", "Site", "City"]), r.choice(["Department", "Team", "Unit"])]
    if extra:
        header.append(g.pool(["Reach", "Contact details", "Ext.", "Channel", "How to reach", "Line"]))
    doc.t(" | ".join(header) + "\n")
    for _ in range(r.randint(2, 5)):
        p = g.person()
        doc.e(*g.name(p, r.choice(["full", "full", "full", "initial", "caps"])))
        doc.t(f" | {r.choice(ROLES)} | {g.distractors()['city']} | {r.choice(DEPARTMENTS)}")
        if extra:
            doc.t(" | ").e(*g.value(extra, p)[0])
        doc.t("\n")
    return doc


def make_directory(split: str) -> list[dict]:
    """The "directory" carrier, drawn from its own seed after the other records (which stay as they were)."""
    rng = random.Random(SEEDS[split] + 7)
    fakers = {loc: Faker(loc) for loc in sorted({"en_GB", "en_US", *NAME_ORIGINS})}
    for i, faker in enumerate(fakers.values()):
        faker.seed_instance(SEEDS[split] * 100 + 77 + i)
    records = []
    for i in range(DIRECTORY_RECORDS):
        locale = rng.choice(["en_GB", "en_US"])
        doc = carrier_directory(Gen(rng, fakers, locale, split))
        records.append(
            {
                "id": f"{split}-dir-{i:03d}",
                "split": split,
                "carrier": "directory",
                "locale": locale,
                "text": doc.text.rstrip(),
                "spans": doc.spans,
            }
        )
    return records


CARRIERS = {
    "chat": carrier_chat,
    "contact": carrier_contact,
    "letter": carrier_letter,
    "form": carrier_form,
    "table": carrier_table,
    "prose": carrier_prose,
}
CARRIER_WEIGHTS = [20, 17, 17, 18, 12, 16]


def negative(g: Gen, carrier: str) -> Doc:
    """A record with no PII but numbers that look like it."""
    r, dx, doc = g.rng, g.distractors(), Doc()
    sku = f"{r.randint(10**12, 10**13 - 1)}"
    track = f"1Z {r.randint(100, 999)} AA1 {r.randint(10, 99)} {r.randint(1000, 9999)} {r.randint(1000, 9999)}"
    ref = f"{r.randint(1000, 9999)} {r.randint(1000, 9999)} {r.randint(1000, 9999)}"
    txt = {
        "chat": f"hi, order {dx['order']} (tracking {track}) still shows 'in transit' since {dx['date']}. "
        f"I paid {dx['amount']}, ref {ref}. the {dx['product']} "
        f"v{r.randint(1, 4)}.{r.randint(0, 9)}.{r.randint(0, 20)} app crashes too. thx",
        "contact": f"{dx['company']}\nCustomer service desk, {dx['city']} office\nOpening hours: Mon–Fri 08:00–18:00\n"
        f"Ticket queue: {dx['ticket']}\nSLA: {dx['pct']} within 24h",
        "letter": f"Dear customer,\n\nyour invoice {dx['invoice']} of {dx['date']} totals {dx['amount']} "
        f"(VAT {r.choice(['19', '20', '21', '7.7'])}% included). Payment reference: {ref}.\n\n"
        f"Kind regards,\nThe {dx['company']} team",
        "form": f"Order form — {dx['company']}\nOrder no.: {dx['order']}\nSKU: {sku}\nQty: {r.randint(1, 500)}\n"
        f"Unit price: {dx['amount']}\nDiscount: {dx['pct']}\nDelivery date: {dx['date']}\nBatch: "
        f"{r.randint(2022, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 999):03d}",
        "table": "region,orders,revenue,margin\n"
        + "\n".join(
            f"{c},{r.randint(100, 9999)},{r.randint(10**5, 10**8):,},{r.uniform(-5, 40):.1f}%" for c in CITIES[g.locale]
        ),
        "prose": f"Q{r.randint(1, 4)} review: {dx['product']} sales in {dx['city']} grew {dx['pct']} to "
        f"{dx['amount']}; "
        f"build {r.randint(1, 9)}.{r.randint(0, 30)}.{r.randint(100, 9999)} shipped on {dx['date']}, ticket "
        f"{dx['ticket']} closed.",
    }[carrier]
    return doc.t(txt)


def make_split(split: str) -> list[dict]:
    rng = random.Random(SEEDS[split])
    locales = LOCALES[split]
    all_locales = sorted(set(locales) | set(NAME_ORIGINS))
    fakers = {}
    for i, loc in enumerate(all_locales):
        fakers[loc] = Faker(loc)
        fakers[loc].seed_instance(SEEDS[split] * 100 + i)
    n_neg = round(N_RECORDS * NEG_SHARE)
    schedule = []
    while len(schedule) < N_RECORDS * 2:
        chunk = FOCUS[:]
        rng.shuffle(chunk)
        schedule += chunk
    records = []
    loc_names, loc_w = list(locales), list(locales.values())
    for i in range(N_RECORDS):
        carrier = rng.choices(list(CARRIERS), CARRIER_WEIGHTS)[0]
        if i % (N_RECORDS // n_neg) == 3:
            locale = rng.choices(loc_names, loc_w)[0]
            doc = negative(Gen(rng, fakers, locale, split), carrier)
        else:
            focus = [schedule.pop()]
            if rng.random() < 0.5:
                nxt = schedule.pop()
                clash = {"US_SSN", "US_DRIVER_LICENSE"} & set(focus + [nxt]) and "IBAN_CODE" in focus + [nxt]
                if nxt not in focus and not clash:
                    focus.append(nxt)
            if {"US_SSN", "US_DRIVER_LICENSE"} & set(focus):
                locale = "en_US"
            elif "IBAN_CODE" in focus:
                locale = rng.choices(
                    [x for x in loc_names if x != "en_US"], [w for x, w in locales.items() if x != "en_US"]
                )[0]
            else:
                locale = rng.choices(loc_names, loc_w)[0]
            doc = CARRIERS[carrier](Gen(rng, fakers, locale, split), focus)
        records.append(
            {
                "id": f"{split}-{i:04d}",
                "split": split,
                "carrier": carrier,
                "locale": locale,
                "text": doc.text.rstrip(),
                "spans": doc.spans,
            }
        )
    return records + make_directory(split)


# ---------------------------------------------------------------- business set (PII-free)
def biz_csv(r: random.Random) -> str:
    ncol = r.randint(8, 16)
    sep = r.choice([",", "|", ";"])
    head = ["sample_id", "t_s"] + [f"{r.choice(['ch', 'sensor', 'x', 'feat', 'v'])}_{j}" for j in range(ncol)]
    lines = [sep.join(head)]
    for k in range(r.randint(25, 45)):
        vals = [f"S{r.randint(1000, 9999)}-{k:03d}", f"{k * 0.25:.2f}"]
        vals += [f"{r.gauss(0, 1) * 10 ** r.randint(-2, 2):.{r.choice([3, 6, 9])}f}" for _ in range(ncol)]
        lines.append(sep.join(vals))
    return "\n".join(lines)


def biz_financial(r: random.Random) -> str:
    cur = r.choice(["$", "€ ", "£", "CHF "])
    yrs = [2021, 2022, 2023, 2024]
    items = [
        "Revenue",
        "Cost of sales",
        "Gross profit",
        "Selling expenses",
        "Administrative expenses",
        "R&D",
        "Operating profit",
        "Finance income",
        "Finance costs",
        "Profit before tax",
        "Income tax",
        "Net profit",
        "Depreciation",
        "Capex",
        "Free cash flow",
        "Headcount (FTE)",
    ]
    out = [
        f"{r.choice(COMPANIES)} — Consolidated statement of profit or loss (in thousands)",
        "Line item        " + "  ".join(map(str, yrs)),
    ]
    for it in items:
        vals = []
        for _ in yrs:
            v = r.randint(-9000, 250000)
            vals.append(f"({abs(v):,})" if v < 0 else f"{v:,}")
        out.append(f"{it:<24}" + "  ".join(vals))
    out.append("")
    out.append(
        f"Segment margin: {r.uniform(-5, 35):.1f}% | YoY growth {r.uniform(-10, 25):+.2f}% | EBITDA "
        f"{cur}{r.randint(10**6, 10**8):,}"
    )
    out.append(
        f"Dividend per share: {cur}{r.randint(0, 9)}.{r.randint(0, 99):02d}; adjustment "
        f"(1,{r.randint(100, 999)}.{r.randint(10, 99)})"
    )
    eu = f"{r.randint(1, 999)}.{r.randint(100, 999)}.{r.randint(100, 999)},{r.randint(10, 99)}"
    out.append(
        f"Total assets € {eu}; liabilities ${r.randint(10**6, 10**9):,}; "
        f"{r.randint(1000, 9999):,} {r.randint(1000, 9999):,} {r.randint(100, 999)} {r.randint(100, 999)} "
        f"{r.randint(1000, 9999):,}"
    )
    for _ in range(r.randint(6, 12)):
        out.append("  ".join(f"{r.randint(0, 99999):,}" for _ in range(r.randint(4, 8))))
    return "\n".join(out)


def isbn10(r):
    d = [r.randint(0, 9) for _ in range(9)]
    c = sum((10 - i) * x for i, x in enumerate(d)) % 11
    return "".join(map(str, d)) + ("X" if (11 - c) % 11 == 10 else str((11 - c) % 11))


def isbn13(r):
    d = [9, 7, r.choice([8, 9])] + [r.randint(0, 9) for _ in range(9)]
    return "".join(map(str, d)) + str((10 - sum(x * (3 if i % 2 else 1) for i, x in enumerate(d)) % 10) % 10)


def hyphenate(isbn: str) -> str:
    return f"{isbn[:3]}-{isbn[3]}-{isbn[4:7]}-{isbn[7:12]}-{isbn[12]}"


def biz_references(r: random.Random) -> str:
    orgs = [
        "World Health Organization",
        "OECD",
        "European Central Bank",
        "International Energy Agency",
        "ISO/IEC JTC 1",
        "Bank for International Settlements",
        "UNESCO",
        "Eurostat",
        "IMF Research Department",
    ]
    topics = [
        "Energy Outlook",
        "Guidelines on data quality",
        "Financial Stability Review",
        "Statistical Yearbook",
        "Risk management — Principles",
        "Annual Report",
        "Measuring the digital economy",
        "Working Paper Series",
    ]
    out = ["References", ""]
    for k in range(r.randint(12, 20)):
        isbn = r.choice(
            [
                f"ISBN {isbn10(r)}",
                f"ISBN {isbn13(r)}",
                f"ISBN {hyphenate(isbn13(r))}",
            ]
        )
        doi = (
            f"https://doi.org/10.{r.randint(1000, 99999)}/{r.choice(['j.', 'ecb.', 'oecd.', ''])}"
            f"{r.randint(2010, 2025)}.{r.randint(100, 99999)}"
        )
        out.append(
            f"[{k + 1}] {r.choice(orgs)} ({r.randint(1998, 2025)}). {r.choice(topics)}, "
            f"{r.choice(['1st', '2nd', '3rd', '4th', '5th', '7th', '12th'])} ed., "
            f"pp. {r.randint(1, 200)}–{r.randint(201, 600)}. {isbn}. {doi}"
        )
    return "\n".join(out)


def biz_legal(r: random.Random) -> str:
    a, b = r.sample(COMPANIES, 2)
    return "\n\n".join(legal_paragraphs(r, a, b) + legal_paragraphs(r, b, a)[1 : r.randint(1, 6)])


def legal_paragraphs(r: random.Random, a: str, b: str) -> list[str]:
    d = lambda: f"{r.randint(1, 28)} {MONTHS['en'].split()[r.randint(0, 11)]} {r.randint(2015, 2025)}"  # noqa: E731
    paras = [
        f"Case No. {r.randint(2018, 2025)}-CV-{r.randint(1, 99999):05d} — {a} v. {b}",
        f"§ {r.randint(1, 40)}.{r.randint(1, 9)} Scope. This Agreement is entered into on {d()} and governed by "
        f"Regulation (EU) 2016/679 and Directive (EU) 2019/{r.randint(700, 1200)}.",
        f"Section {r.randint(1, 20)}({r.choice('abcd')})(ii): the Supplier shall pay liquidated damages of "
        f"{r.choice(['EUR', 'USD'])} {r.randint(1000, 500000):,}.00 per day, capped at {r.randint(5, 20)}% of the "
        "Contract Value.",
        f"Art. {r.randint(1, 99)} para. {r.randint(1, 5)}: the notice period is {r.randint(30, 180)} days from {d()}.",
        f"Reference {r.choice(['Docket', 'File', 'Ref.'])} "
        f"{r.randint(10, 99)}/{r.randint(1000, 9999)}-{r.choice(['A', 'B', 'K'])}; "
        f"filed {d()}; hearing set for {d()} at {r.randint(9, 16)}:{r.choice(['00', '30'])}.",
        f"Clause {r.randint(1, 30)}.{r.randint(1, 12)}.{r.randint(1, 9)} Limitation of liability: aggregate "
        "liability shall not exceed "
        f"$12,345,678 or {r.randint(100, 300)}% of fees paid in the preceding {r.randint(6, 24)} months.",
    ]
    r.shuffle(paras)
    return paras


def biz_invoice(r: random.Random) -> str:
    c = r.choice(COMPANIES)
    out = [
        f"{c} — INVOICE INV-{r.randint(2021, 2025)}-{r.randint(1, 99999):05d}",
        f"PO: PO-{r.randint(10**5, 10**7)} | Order: SO-{r.randint(10**5, 10**8)}",
        f"Issued: {r.randint(2021, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}  Due: net "
        f"{r.choice([14, 30, 60])}",
        "Item  SKU  Qty  Unit  Total",
    ]
    total = 0.0
    for _ in range(r.randint(5, 14)):
        q, u = r.randint(1, 400), r.uniform(0.5, 4000)
        total += q * u
        out.append(f"{r.choice(PRODUCTS)}  {r.randint(10**12, 10**13 - 1)}  {q}  {u:,.2f}  {q * u:,.2f}")
    vat = r.choice([7, 19, 20, 21])
    out.append(
        f"Subtotal {total:,.2f} | VAT {vat}% | Total € {total * (1 + vat / 100):,.2f}".replace(",", "X")
        .replace(".", ",")
        .replace("X", ".")
    )
    out.append(f"Tracking: 1Z{r.randint(10**15, 10**16 - 1)} | Serial: SN-{r.randint(16**7, 16**8 - 1):08X}")
    return "\n".join(out)


def biz_log(r: random.Random) -> str:
    out = []
    for _ in range(r.randint(20, 40)):
        ts = (
            f"{r.randint(2023, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:"
            f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}Z"
        )
        uid = "-".join(f"{r.getrandbits(k * 4):0{k}x}" for k in (8, 4, 4, 4, 12))
        out.append(
            f"{ts} {r.choice(['INFO', 'WARN', 'DEBUG', 'ERROR'])} worker-{r.randint(1, 16)} job={uid} "
            f"v{r.randint(0, 5)}.{r.randint(0, 40)}.{r.randint(0, 99)} took {r.uniform(0.001, 90):.3f}s "
            f"rows={r.randint(0, 10**6)} "
            f"checksum=0x{r.getrandbits(32):08x}"
        )
    return "\n".join(out)


def biz_code(r: random.Random) -> str:
    return "\n\n# ----\n\n".join(code_snippet(r) for _ in range(r.randint(2, 4)))


def code_snippet(r: random.Random) -> str:
    port = r.choice([8080, 5432, 6379, 8000, 9090, 3000])
    uid = "-".join(f"{r.getrandbits(k * 4):0{k}x}" for k in (8, 4, 4, 4, 12))
    return r.choice(
        [
            f"import numpy as np\n\nTHRESHOLD = {r.uniform(-1, 1):.9f}\nBASE_URL = "
            f"'http://localhost:{port}/api/v{r.randint(1, 3)}'\n\n"
            f"def score(x):\n    w = np.array([{', '.join(f'{r.gauss(0, 1):.6f}' for _ in range(8))}])\n"
            f"    return float(x @ w) - THRESHOLD  # run {uid}\n\nif __name__ == '__main__':\n    "
            "print(score(np.ones(8)))",
            f"SELECT region_id, SUM(amount) AS total, COUNT(*) AS n\nFROM sales_{r.randint(2021, 2025)}\n"
            f"WHERE created_at >= '{r.randint(2021, 2025)}-01-01' AND amount > "
            f"{r.randint(100, 9999)}.{r.randint(0, 99):02d}\n"
            f"  AND batch_id = '{uid}'\nGROUP BY region_id HAVING SUM(amount) > {r.randint(10**4, 10**6)}\nORDER BY "
            f"total DESC LIMIT {r.randint(10, 500)};",
            json.dumps(
                {
                    "service": r.choice(["ingest", "trainer", "gateway"]),
                    "host": r.choice(["localhost", "127.0.0.1", "0.0.0.0"]),
                    "port": port,
                    "version": f"{r.randint(1, 4)}.{r.randint(0, 20)}.{r.randint(0, 9)}",
                    "run_id": uid,
                    "commit": f"{r.getrandbits(160):040x}",
                    "lr": round(r.uniform(1e-5, 1e-3), 7),
                    "batch_size": r.choice([8, 16, 32]),
                    "weights": [round(r.gauss(0, 1), 6) for _ in range(12)],
                    "timeout_ms": r.randint(1000, 60000),
                },
                indent=2,
            ),
        ]
    )


BUSINESS = {
    "csv_measurements": (biz_csv, 25),
    "financial_statement": (biz_financial, 25),
    "references": (biz_references, 20),
    "legal": (biz_legal, 20),
    "invoice": (biz_invoice, 20),
    "log": (biz_log, 20),
    "code": (biz_code, 20),
}


def make_business() -> list[dict]:
    r, out = random.Random(BUSINESS_SEED), []
    for carrier, (fn, n) in BUSINESS.items():
        for _ in range(n):
            out.append({"id": f"biz-{len(out):04d}", "carrier": carrier, "text": fn(r)})
    return out


# ---------------------------------------------------------------- checks, summary, output
def check(records: list[dict], business: list[dict]) -> None:
    ids = [rec["id"] for rec in records + business]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for rec in records:
        assert isinstance(rec["text"], str) and rec["text"]
        end = 0
        for s in rec["spans"]:
            assert s["start"] >= end, f"overlap/unsorted in {rec['id']}"
            val = rec["text"][s["start"] : s["end"]]
            assert val.strip() and val == val.strip(), f"bad span {val!r} in {rec['id']}"
            end = s["end"]
    for split in SEEDS:
        assert len({rec["locale"] for rec in records if rec["split"] == split}) >= 8, split
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    for rec in business:
        assert isinstance(rec["text"], str) and not email.search(rec["text"]), rec["id"]


def summary(records: list[dict], business: list[dict]) -> None:
    for split in SEEDS:
        recs = [rec for rec in records if rec["split"] == split]
        ents = Counter(s["entity"] for rec in recs for s in rec["spans"])
        print(
            f"== {split}: {len(recs)} records, {sum(1 for r in recs if not r['spans'])} without PII, "
            f"{sum(ents.values())} spans"
        )
        print("  entities:", dict(sorted(ents.items())))
        print("  carriers:", dict(sorted(Counter(r["carrier"] for r in recs).items())))
        print("  locales: ", dict(sorted(Counter(r["locale"] for r in recs).items())))
    size = sum(len(json.dumps(b, ensure_ascii=False).encode()) + 1 for b in business)
    print(f"== business: {len(business)} records, {size / 1024:.0f} KB,", dict(Counter(b["carrier"] for b in business)))


def write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> None:
    if FAKER_VERSION != FAKER_PIN:
        raise SystemExit(f"needs faker=={FAKER_PIN} (found {FAKER_VERSION}) to reproduce the committed files")
    splits = {split: make_split(split) for split in SEEDS}
    business = make_business()
    check(splits["dev"] + splits["test"], business)
    for split, rows in splits.items():
        write(HERE / f"{split}.jsonl", rows)
    write(HERE / "business.jsonl", business)
    summary(splits["dev"] + splits["test"], business)


if __name__ == "__main__":
    main()
