"""Generate ``pii_labeled.jsonl``: a seeded, hand-templated PII test set for a financial-advisory firm.

Run from the repository root::

    python tests/data/make_pii_labeled.py

Each line is ``{"text": ..., "spans": [{"entity": ..., "start": ..., "end": ...}]}``. The generator is
deterministic (fixed seed, no clock, no network), so rerunning it reproduces the committed file byte
for byte. All values are synthetic: names from short common-name lists, phone numbers with random
exchanges, SSNs in issued-looking ranges (never 000/666/9xx areas, 00 groups or 0000 serials, which
Presidio rejects), Luhn-valid card numbers and IBANs with correct ISO 7064 check digits.

About 30% of the records are negatives: no PII, but numbers that look like it (dollar amounts, account
counts, dates, percentages, version strings, form and rule numbers, fund names).
"""

from __future__ import annotations

import json
import random
import re
import string
from pathlib import Path

SEED = 20261122
N_POSITIVE = 300
N_NEGATIVE = 130
OUT = Path(__file__).with_name("pii_labeled.jsonl")

FIRST = [
    "Maria",
    "James",
    "Priya",
    "Daniel",
    "Aisha",
    "Robert",
    "Emily",
    "Wei",
    "Carlos",
    "Hannah",
    "Michael",
    "Sofia",
    "David",
    "Olivia",
    "Ahmed",
    "Laura",
    "Thomas",
    "Grace",
    "Kevin",
    "Elena",
    "Jonathan",
    "Rachel",
    "Samuel",
    "Megan",
    "Luis",
    "Natalie",
    "Patrick",
    "Fatima",
    "Brian",
    "Julia",
]
LAST = [
    "Lopez",
    "Carter",
    "Raman",
    "Okafor",
    "Nguyen",
    "Whitfield",
    "Schneider",
    "Kowalski",
    "Brennan",
    "Harrison",
    "Tanaka",
    "Murphy",
    "Goldberg",
    "Fernandez",
    "Chen",
    "Patel",
    "Sullivan",
    "Novak",
    "Anderson",
    "Rossi",
    "Bennett",
    "Fischer",
    "Hughes",
    "Morales",
    "Campbell",
    "Dubois",
    "Walsh",
]
TITLES = ["Mr.", "Ms.", "Mrs.", "Dr."]
CITIES = [
    "Boston",
    "Chicago",
    "San Francisco",
    "Denver",
    "Seattle",
    "Miami",
    "Atlanta",
    "Houston",
    "Philadelphia",
    "Phoenix",
    "London",
    "Zurich",
    "Toronto",
    "Dublin",
    "Frankfurt",
    "Singapore",
]
STATES = [
    ("Massachusetts", "MA"),
    ("Illinois", "IL"),
    ("California", "CA"),
    ("Colorado", "CO"),
    ("Washington", "WA"),
    ("Florida", "FL"),
    ("Georgia", "GA"),
    ("Texas", "TX"),
    ("Arizona", "AZ"),
]
STREETS = [
    "Maple Avenue",
    "Oak Street",
    "Elm Drive",
    "Commonwealth Avenue",
    "Lakeview Road",
    "Harbor Boulevard",
    "Park Lane",
    "Cedar Court",
    "Main Street",
    "Riverside Drive",
]
COUNTRIES = ["Canada", "Germany", "Switzerland", "Ireland", "Mexico", "Japan", "Spain", "France"]
DOMAINS = [
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "icloud.com",
    "protonmail.com",
    "comcast.net",
    "harborview-wealth.com",
    "lawfirm.co.uk",
    "acme-corp.org",
]
AREA_CODES = ["617", "212", "415", "312", "646", "202", "305", "713", "206", "303", "404", "602", "508", "781"]


class Rng(random.Random):
    def pick(self, seq):  # type: ignore[no-untyped-def]
        return seq[self.randrange(len(seq))]


# --- value generators (each returns the surface string) ------------------------------------------


def person(r: Rng, title_p: float = 0.3) -> tuple[str, str]:
    """(prefix, name): the title stays outside the labeled span."""
    name = f"{r.pick(FIRST)} {r.pick(LAST)}"
    if r.random() < 0.12:
        first, last = name.split()
        name = f"{first} {r.pick(string.ascii_uppercase)}. {last}"
    prefix = f"{r.pick(TITLES)} " if r.random() < title_p else ""
    return prefix, name


def email(r: Rng) -> str:
    first, last = r.pick(FIRST).lower(), r.pick(LAST).lower()
    local = r.pick([f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}{r.randint(1, 99)}", f"{last}.{first}"])
    return f"{local}@{r.pick(DOMAINS)}"


def phone(r: Rng) -> str:
    area = r.pick(AREA_CODES)
    exch = str(r.randint(201, 989))
    while exch in ("555", "911", "411", "611"):
        exch = str(r.randint(201, 989))
    line = f"{r.randint(0, 9999):04d}"
    fmt = r.randrange(7)
    if fmt == 0:
        return f"{area}-{exch}-{line}"
    if fmt == 1:
        return f"({area}) {exch}-{line}"
    if fmt == 2:
        return f"{area}.{exch}.{line}"
    if fmt == 3:
        return f"+1 {area} {exch} {line}"
    if fmt == 4:
        return f"1-{area}-{exch}-{line}"
    if fmt == 5:
        return f"+1 ({area}) {exch}-{line}"
    return r.pick([f"+44 20 7{r.randint(100, 999)} {r.randint(1000, 9999)}", f"+49 30 {r.randint(100000, 999999)}"])


def ssn(r: Rng) -> str:
    area = r.randint(1, 899)
    while area == 666:
        area = r.randint(1, 899)
    group, serial = r.randint(1, 99), r.randint(1, 9999)
    sep = r.pick(["-", "-", "-", " ", "."])
    return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"


def _luhn_complete(prefix: str, length: int, r: Rng) -> str:
    digits = prefix + "".join(str(r.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            n = n * 2 - 9 if n * 2 > 9 else n * 2
        total += n
    return digits + str((10 - total % 10) % 10)


def credit_card(r: Rng) -> str:
    kind = r.randrange(4)
    if kind == 3:  # American Express, 4-6-5 grouping
        num = _luhn_complete(r.pick(["34", "37"]), 15, r)
        sep = r.pick([" ", "-", ""])
        return sep.join([num[:4], num[4:10], num[10:]])
    prefix = ["4", r.pick(["51", "52", "53", "54", "55"]), "6011"][kind]
    num = _luhn_complete(prefix, 16, r)
    sep = r.pick([" ", "-", "", " "])
    return sep.join(num[i : i + 4] for i in range(0, 16, 4))


# ISO 13616 BBAN layouts: (country, spec) with n = digits, a = upper letters, c = alphanumerics.
IBAN_SPECS = {
    "DE": "18n",
    "GB": "4a14n",
    "FR": "10n11c2n",
    "NL": "4a10n",
    "ES": "20n",
    "IT": "1a10n12c",
    "CH": "5n12c",
    "BE": "12n",
    "AT": "16n",
    "IE": "4a14n",
}


def iban(r: Rng) -> str:
    country = r.pick(sorted(IBAN_SPECS))
    bban = ""
    for count, kind in re.findall(r"(\d+)([nac])", IBAN_SPECS[country]):
        pool = {"n": string.digits, "a": string.ascii_uppercase, "c": string.digits + string.ascii_uppercase}[kind]
        bban += "".join(r.pick(pool) for _ in range(int(count)))
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    check = 98 - int(numeric) % 97
    code = f"{country}{check:02d}{bban}"
    if r.random() < 0.6:
        return " ".join(code[i : i + 4] for i in range(0, len(code), 4))
    return code


def ip_address(r: Rng) -> str:
    if r.random() < 0.2:
        groups = [f"{r.randint(0, 0xFFFF):x}" for _ in range(4)]
        return "2001:db8:" + ":".join(groups) + f"::{r.randint(1, 0xFFF):x}"
    first = r.pick([10, 172, 192, 203, 198, 66, 84, 145])
    return f"{first}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"


def bank_account(r: Rng) -> str:
    return "".join(str(r.randint(0, 9)) for _ in range(r.randint(8, 14)))


def city(r: Rng) -> str:
    return r.pick(CITIES)


def street(r: Rng) -> str:
    return f"{r.randint(12, 9800)} {r.pick(STREETS)}"


# --- templates -------------------------------------------------------------------------------------
# "{PERSON}" etc. become labeled spans; "{TITLE_PERSON}" is a person with an optional title outside the
# span; "{STATE}" / "{STATE_ABBR}" / "{COUNTRY}" / "{STREET}" / "{CITY}" are LOCATION spans.

POSITIVE_TEMPLATES = [
    "Call {PERSON} at {PHONE_NUMBER}.",
    "Please call {TITLE_PERSON} on {PHONE_NUMBER} to confirm the wire instructions.",
    "{TITLE_PERSON} asked us to update her mobile number to {PHONE_NUMBER}.",
    "Client contact: {PERSON}, phone {PHONE_NUMBER}, email {EMAIL_ADDRESS}.",
    "Send the signed IPS to {EMAIL_ADDRESS} before Friday.",
    "{PERSON} <{EMAIL_ADDRESS}> wrote: can we move the review meeting to Tuesday?",
    "For questions about the rollover, reach {PERSON} by email at {EMAIL_ADDRESS}.",
    "The client's social security number is {US_SSN}.",
    "SSN on file for {PERSON}: {US_SSN}.",
    "Beneficiary {TITLE_PERSON}, SSN {US_SSN}, share 50%.",
    "Please verify the social security number {US_SSN} before opening the Roth IRA.",
    "Advisory fees are charged to the credit card {CREDIT_CARD} each quarter.",
    "{PERSON} paid the planning fee with the credit card {CREDIT_CARD}.",
    "Card number: {CREDIT_CARD}, cardholder {PERSON}.",
    "Wire the proceeds to IBAN {IBAN_CODE} (beneficiary {PERSON}).",
    "The client's bank account IBAN is {IBAN_CODE}.",
    "Incoming transaction from {IBAN_CODE} was credited on settlement.",
    "{PERSON} relocated from {CITY} to {CITY} last spring.",
    "Mailing address: {STREET}, {CITY}, {STATE_ABBR} {ZIP}.",
    "{TITLE_PERSON} lives at {STREET} in {CITY}.",
    "Our meeting with {PERSON} will be held in {CITY}.",
    "{PERSON} owns a vacation property in {STATE} and wants to discuss a 1031 exchange.",
    "The trust was established in {COUNTRY} for {PERSON}'s children.",
    "Login to the client portal from {IP_ADDRESS} was flagged for review.",
    "Failed authentication for user {EMAIL_ADDRESS} from IP {IP_ADDRESS}.",
    "The VPN session originated at {IP_ADDRESS} in {CITY}.",
    "Hi {FIRST_NAME}, thanks for sending the statements.",
    "{PERSON} is the trustee; her co-trustee is {PERSON}.",
    "Dear {TITLE_PERSON}, your quarterly performance report is attached.",
    "Spoke with {PERSON} today about increasing 401(k) contributions to 15%.",
    "{PERSON} from {CITY} requested a distribution of $25,000 from the IRA.",
    "Per {PERSON}, the estate attorney, the will was updated in March.",
    "Emergency contact for {PERSON}: {PERSON}, {PHONE_NUMBER}.",
    "Transfer agent: please debit {IBAN_CODE} and confirm to {EMAIL_ADDRESS}.",
    "Customer {PERSON}, SSN {US_SSN}, card {CREDIT_CARD}, phone {PHONE_NUMBER}.",
    "New account application: {PERSON}, {STREET}, {CITY}, {STATE}; SSN {US_SSN}; cell {PHONE_NUMBER}.",
    "Notes from call: {PERSON} is retiring and moving to {CITY}. Reach her at {EMAIL_ADDRESS}.",
    "Compliance alert: statement emailed to {EMAIL_ADDRESS} bounced; last login from {IP_ADDRESS}.",
    "{TITLE_PERSON} called from {PHONE_NUMBER} asking about the RMD deadline.",
    "The joint account holders are {PERSON} and {PERSON} of {CITY}, {STATE_ABBR}.",
    "{PERSON} prefers text messages at {PHONE_NUMBER} rather than email.",
    "Refund the overcharge to card {CREDIT_CARD} held by {PERSON}.",
    "ACH returned; use IBAN {IBAN_CODE} for the euro account held in {COUNTRY}.",
    "Tax documents for {PERSON} (social security {US_SSN}) were sent to {STREET}, {CITY}.",
    "Server logs show admin access from {IP_ADDRESS} and {IP_ADDRESS} overnight.",
    "Referral: {PERSON} introduced us to {TITLE_PERSON}, a physician in {CITY}.",
    "Advisor {PERSON} will host the seminar in {CITY} on estate planning.",
    "Please fax the form to {PERSON} at {PHONE_NUMBER}, or email {EMAIL_ADDRESS}.",
    "Deposit the refund into checking account {US_BANK_NUMBER} for {PERSON}.",
    "{PERSON}'s bank account number is {US_BANK_NUMBER}.",
    "Debit the monthly premium from account {US_BANK_NUMBER}.",
    "Acct {US_BANK_NUMBER} at the credit union is linked for ACH transfers.",
]

NEGATIVE_TEMPLATES = [
    "The firm manages {N_ACCOUNTS} accounts with ${AMOUNT} in assets under management.",
    "Portfolio return for Q{Q} {YEAR} was {PCT}% net of fees.",
    "Rebalance when any sleeve drifts more than {SMALLPCT}% from target.",
    "The model portfolio holds {N_FUNDS} funds with an expense ratio of 0.{BPS}%.",
    "Form 1099-DIV totals ${AMOUNT} for tax year {YEAR}.",
    "Rule 10b-5 and Regulation Best Interest apply to every recommendation.",
    "The bond ladder matures between {YEAR} and {YEAR2} with a 4.{BPS}% average coupon.",
    "Client reference {REF} is due for its annual review on {DATE}.",
    "Quarterly billing: {N_ACCOUNTS} households, total fees ${AMOUNT}.",
    "Contributions are capped at ${CAP} for participants under 50.",
    "Software version {VERSION} of the rebalancer shipped on {DATE}.",
    "The S&P 500 rose {PCT}% while the Bloomberg Aggregate fell 1.{BPS}%.",
    "Order {ORDER} for {SHARES} shares executed at ${PRICE}.",
    "Cash sweep yield is {SMALLPCT}.{BPS}% as of {DATE}.",
    "Target allocation: {PCT}% equities, {SMALLPCT}% bonds, remainder in cash.",
    "The growth fund's turnover ratio was {PCT}% with {N_FUNDS} holdings.",
    "Meeting minutes: the investment committee approved the revised IPS on {DATE}.",
    "Our trading desk processed {N_ACCOUNTS} tickets totalling ${AMOUNT} last month.",
    "The annuity's surrender schedule declines from 7% to 0% over seven years.",
    "Municipal bonds yield {SMALLPCT}.{BPS}%, a tax-equivalent {PCT}.{BPS}% at the top bracket.",
    "Required minimum distributions start at age 73 under the SECURE 2.0 Act.",
    "The fee schedule is 1.00% on the first $1,000,000 and 0.75% above.",
    "Batch job {ORDER} reconciled {SHARES} positions in {SMALLPCT} minutes.",
    "The custodian's cutoff for wires is 4:00 PM Eastern; settlement is T+1.",
    "Dividend of ${PRICE} per share is payable on {DATE} to holders of record.",
    "Ticket #{REF} was closed after {SMALLPCT} business days.",
    "Risk score {SMALLPCT} out of 10 maps to the balanced model.",
    "Compliance reviewed {N_FUNDS} marketing pieces and rejected {SMALLPCT}.",
    "The household's net worth grew from ${AMOUNT} to ${AMOUNT2} over five years.",
    "Backtest {VERSION} covers {YEAR} to {YEAR2} with monthly rebalancing.",
    "Invoice {ORDER} for ${AMOUNT} is payable within 30 days.",
    "The ETF tracks an index of {N_FUNDS} dividend growers with a yield of {SMALLPCT}.{BPS}%.",
    "Premium of ${PRICE} per month covers a 20-year term policy.",
    "We recommend a {PCT}/{PCT2} split between the taxable and Roth accounts.",
    "Config file rebalance_{YEAR}.yaml sets tolerance to 0.{BPS} and lot size to {SHARES}.",
    "Fund code {FUNDCODE} closed to new investors on {DATE}.",
    "CUSIP {CUSIP} was added to the approved list.",
    "Batch {BATCH} settled {SHARES} trades without breaks.",
    "The policy number {BATCH} covers a $500,000 death benefit.",
]


def _fill(template: str, r: Rng) -> dict:
    text = ""
    spans: list[dict] = []
    pos = 0
    for m in re.finditer(r"\{([A-Z_0-9]+)\}", template):
        text += template[pos : m.start()]
        pos = m.end()
        slot = m.group(1)
        prefix, value, entity = "", "", None
        if slot == "PERSON":
            value, entity = person(r, title_p=0.0)[1], "PERSON"
        elif slot == "TITLE_PERSON":
            (prefix, value), entity = person(r, title_p=0.6), "PERSON"
        elif slot == "FIRST_NAME":
            value, entity = r.pick(FIRST), "PERSON"
        elif slot in (
            "EMAIL_ADDRESS",
            "PHONE_NUMBER",
            "US_SSN",
            "CREDIT_CARD",
            "IBAN_CODE",
            "IP_ADDRESS",
            "US_BANK_NUMBER",
        ):
            gen = {
                "EMAIL_ADDRESS": email,
                "PHONE_NUMBER": phone,
                "US_SSN": ssn,
                "CREDIT_CARD": credit_card,
                "IBAN_CODE": iban,
                "IP_ADDRESS": ip_address,
                "US_BANK_NUMBER": bank_account,
            }[slot]
            value, entity = gen(r), slot
        elif slot == "CITY":
            value, entity = city(r), "LOCATION"
        elif slot == "STATE":
            value, entity = r.pick(STATES)[0], "LOCATION"
        elif slot == "STATE_ABBR":
            value, entity = r.pick(STATES)[1], "LOCATION"
        elif slot == "COUNTRY":
            value, entity = r.pick(COUNTRIES), "LOCATION"
        elif slot == "STREET":
            value, entity = street(r), "LOCATION"
        else:
            value = _filler(slot, r)
        text += prefix
        if entity:
            spans.append({"entity": entity, "start": len(text), "end": len(text) + len(value)})
        text += value
    text += template[pos:]
    return {"text": text, "spans": spans}


def _filler(slot: str, r: Rng) -> str:
    """Non-PII values that look like numbers a detector might grab."""
    if slot == "ZIP":
        return f"{r.randint(1001, 99950):05d}"
    if slot in ("AMOUNT", "AMOUNT2"):
        return f"{r.randint(10_000, 950_000_000):,}" + r.pick(["", ".00", f".{r.randint(10, 99)}"])
    if slot == "N_ACCOUNTS":
        return f"{r.randint(120, 48_000):,}"
    if slot in ("PCT", "PCT2"):
        return str(r.randint(10, 90))
    if slot == "SMALLPCT":
        return str(r.randint(2, 9))
    if slot == "BPS":
        return f"{r.randint(5, 95):02d}"
    if slot == "Q":
        return str(r.randint(1, 4))
    if slot in ("YEAR", "YEAR2"):
        return str(r.randint(2015, 2035))
    if slot == "N_FUNDS":
        return str(r.randint(8, 400))
    if slot == "DATE":
        month = r.pick(["January", "March", "April", "June", "September", "November"])
        return r.pick(
            [
                f"{month} {r.randint(1, 28)}, {r.randint(2019, 2027)}",
                f"{r.randint(2019, 2027)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
                f"{r.randint(1, 12)}/{r.randint(1, 28)}/{r.randint(2019, 2027)}",
            ]
        )
    if slot == "REF":
        return f"{r.randint(2019, 2027)}-{r.randint(1000, 9999)}"
    if slot == "CAP":
        return r.pick(["23,500", "7,000", "4,300", "16,500"])
    if slot == "VERSION":
        return f"{r.randint(1, 4)}.{r.randint(0, 20)}.{r.randint(0, 9)}"
    if slot == "ORDER":
        return f"ORD-{r.randint(100000, 999999)}"
    if slot == "SHARES":
        return f"{r.randint(10, 25_000):,}"
    if slot == "PRICE":
        return f"{r.randint(1, 480)}.{r.randint(0, 99):02d}"
    if slot == "CUSIP":
        return r.pick(["037833100", "594918104", "68389X105", "023135106", "88160R101"])
    if slot == "BATCH":
        return f"{r.randint(2019, 2027)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}{r.randint(1, 99999):05d}"
    if slot == "FUNDCODE":
        return f"{r.pick(['VTSAX', 'FXAIX', 'SWPPX', 'AGTHX'])}"
    raise KeyError(slot)


def generate(seed: int = SEED, n_positive: int = N_POSITIVE, n_negative: int = N_NEGATIVE) -> list[dict]:
    """Records for ``seed`` (the committed file uses the defaults; benchmarks draw other seeds)."""
    r = Rng(seed)
    records = [_fill(POSITIVE_TEMPLATES[i % len(POSITIVE_TEMPLATES)], r) for i in range(n_positive)]
    records += [_fill(NEGATIVE_TEMPLATES[i % len(NEGATIVE_TEMPLATES)], r) for i in range(n_negative)]
    r.shuffle(records)
    for rec in records:  # self-check: spans never overlap and never carry surrounding spaces
        for s in rec["spans"]:
            value = rec["text"][s["start"] : s["end"]]
            assert value and value == value.strip(), rec
    return records


def main() -> None:
    records = generate()
    with OUT.open("w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    n_spans = sum(len(rec["spans"]) for rec in records)
    print(f"wrote {len(records)} records, {n_spans} spans to {OUT}")


if __name__ == "__main__":
    main()
