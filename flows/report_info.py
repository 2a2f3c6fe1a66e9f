"""Whose report it is and which period it covers: from what the user said, the file, or the text.

In order of precedence, each field (``reporting_entity``, ``report_title``, ``reporting_period``,
``source_url``) comes from:

1. a sidecar ``raw/<file name>.meta.json`` or a row of ``raw/manifest.csv`` (the user's word);
2. the file's own metadata (a PDF's Title, an HTML page's ``<title>`` and ``og:site_name``);
3. the text: the organisation it names most (helped by the title page, possessives such as
   "Shell's" and suffixes such as "Group" or "plc"), the period its title or "fiscal year …
   ended …" sentences state, else the fiscal year it names most; the title from the first heading.

``ReportInfo.origin`` records, per field, where the value came from (sidecar, manifest, pdf
metadata, html meta, text).
"""

from __future__ import annotations

import re
from collections import Counter

from flows.document import Document, ReportInfo

FIELDS = ("reporting_entity", "report_title", "reporting_period", "source_url")

# Words that open a capitalized run but never name the reporting organisation.
_NOT_ORGANISATION = frozenset("""
    The This That These Those Our We Its In On At For From By With As And Of To A An Scope
    Total Table Figure Chapter Section Appendix Note Notes Source Sources Report Reports Annual
    Sustainability Environmental Social Governance ESG GHG CO2 Climate Net Zero Energy Water Waste
    January February March April May June July August September October November December
    FY Fiscal Financial Year Page Key Highlights Performance Overview Introduction Contents
    Group Company Board CEO CFO Chair Chairman Our Their United States Kingdom China Europe Asia
    Paris Agreement SDG SDGs UN TCFD GRI SASB ISSB IFRS CDP SBTi ISO Scope1 Scope2 Scope3
    Read More Learn See Download Home About Contact News Privacy Cookies Terms
""".split())
_ORG_SUFFIX = r"(?:Group|Holdings?|plc|PLC|Inc\.?|Incorporated|Ltd\.?|Limited|Corporation|Corp\.?|Company|Co\.|AG|SA|S\.A\.|NV|N\.V\.|AB|ASA|A/S|Oyj|SE|GmbH|LLC|LP|Bank|Group plc)"
# The patterns below that scan a whole report open on a letter or literal, their leading word
# boundary checked by a lookbehind just after it ("[A-Z](?<!\w[A-Z])" for "\b[A-Z]"): Python's
# regex engine then skips straight to where a match can start (2-30x faster, the same matches;
# tests/test_report_info.py compares them with the plain "\b" forms).
_NAME_WORD = r"[A-Za-z0-9&.\-]*[A-Za-z0-9]"
_CAPITALIZED_RUN = re.compile(rf"([A-Z](?<!\w[A-Z]){_NAME_WORD}(?:[ \t]+(?:&[ \t]+)?[A-Z]{_NAME_WORD}){{0,3}})")
_POSSESSIVE = re.compile(rf"([A-Z](?<!\w[A-Z]){_NAME_WORD}(?:[ \t]+[A-Z]{_NAME_WORD}){{0,2}})(?:'s|’s)\b")
_WITH_SUFFIX = re.compile(rf"([A-Z](?<!\w[A-Z])[A-Za-z0-9&.\-]*[ \t]+(?:[A-Z][A-Za-z0-9&.\-]*[ \t]+){{0,2}}{_ORG_SUFFIX})(?![A-Za-z])")
_THREE_LETTERS, _DIGIT = re.compile(r"[A-Za-z]{3}"), re.compile(r"\d")
_FISCAL_ENDED = re.compile(r"(?i:fiscal|financial)\s+year\s+(?:(?:19|20)\d\d\s+)?end(?:ed|ing)\s+(?:on\s+)?"
                           r"(?:\d{1,2}\s+)?([A-Z][a-z]+)\.?\s+(?:\d{1,2},?\s+)?((?:19|20)\d\d)")
_PERIOD_IN_TITLE = re.compile(r"\b(?:FY\s?((?:19|20)?\d\d)(?:/(\d\d))?|((?:19|20)\d\d)\s*[/–-]\s*((?:19|20)?\d\d)|((?:19|20)\d\d))\b")
_FY_TOKEN = re.compile(r"FY(?<!\wFY)\s?((?:19|20)\d\d|\d\d)\b")
_SPLIT_YEAR = re.compile(r"/(?<=\b((?:19|20)\d\d)/)(\d\d)\b")  # "2024/25", found from its "/"
_STATED_YEAR = re.compile(r"[IiDdTt](?<!\w[IiDdTt])(?:(?<=[Ii])n|(?<=[Dd])uring|(?<=[Tt])hroughout)\s+((?:19|20)\d\d)\b(?![/-])")
_DATE_RANGE = re.compile(r"\b(\d{1,2})\s+([A-Z][a-z]+)\s+((?:19|20)\d\d)\s+(?:to|–|-|until|through)\s+(\d{1,2})\s+([A-Z][a-z]+)\s+((?:19|20)\d\d)")
_MONTHS = {m: i + 1 for i, m in enumerate(("January February March April May June July August September "
                                            "October November December").split())}


def _title_zone(doc: Document) -> str:
    """The first page's text, or the first 1,500 characters of a document without pages."""
    end = doc.pages[0].char_end if doc.pages else min(len(doc.view), 1500)
    return doc.view[:min(end, 3000)]


def _prose(doc: Document) -> str:
    """The document's text outside furniture (running headers and footers mislead counts)."""
    furniture = [(b.char_start, b.char_end) for b in doc.blocks if b.kind == "furniture"]
    if not furniture:
        return doc.view
    parts, pos = [], 0
    for a, b in furniture:
        parts.append(doc.view[pos:a])
        pos = b
    parts.append(doc.view[pos:])
    return " ".join(parts)


def detect_reporting_entity(doc: Document) -> str | None:
    """The organisation the text names most, preferring the fuller name it is also given."""
    text = _prose(doc)
    zone = _title_zone(doc)
    counts: Counter[str] = Counter()
    # each distinct run once, with how often it occurs (in order of first occurrence, as ties need)
    for run, times in Counter(_CAPITALIZED_RUN.findall(text)).items():
        words = run.split()
        while words and words[0] in _NOT_ORGANISATION:
            words = words[1:]
        while words and words[-1] in _NOT_ORGANISATION and words[-1] not in ("Group",):
            words = words[:-1]
        if not words or len(words) > 4:
            continue
        name = " ".join(words).rstrip(".")
        if len(name) < 2 or not _THREE_LETTERS.search(name) or _DIGIT.search(name):
            continue  # "FY2023", "Scope1", "CO2": not names
        counts[name] += times
        if len(words) > 1:
            counts[words[0]] += 0  # known as a prefix, for the fuller-name rule below
    if not counts:
        return None
    possessive = Counter(_POSSESSIVE.findall(text))
    suffixed = Counter(_WITH_SUFFIX.findall(text))

    def score(name: str) -> float:
        s = counts[name] + 2 * possessive.get(name, 0) + 3 * suffixed.get(name, 0)
        if name in zone:
            s *= 1.5
        if name.isupper() and len(name) <= 3 and possessive.get(name, 0) == 0:
            s *= 0.6  # a bare acronym (GRI, KPI) is more often jargon than the company
        return s

    candidates = [n for n, c in counts.items() if c >= 3 or possessive.get(n, 0) >= 2 or suffixed.get(n, 0) >= 1]
    if not candidates:
        return None
    best = max(candidates, key=lambda n: (score(n), len(n)))
    if counts[best] < 3 and possessive.get(best, 0) < 2 and suffixed.get(best, 0) < 2:
        return None
    # "Alibaba" said 200 times and "Alibaba Group" 40: the fuller name is the organisation's
    fuller = [n for n in candidates if n != best and n.startswith(best + " ") and re.search(rf"\b{_ORG_SUFFIX}$", n)
              and counts[n] + suffixed.get(n, 0) >= max(3, 0.1 * counts[best])]
    if fuller:
        return max(fuller, key=lambda n: counts[n] + suffixed.get(n, 0))
    return best


def detect_reporting_period(doc: Document, title: str | None) -> str | None:
    """"FY2023", "2023" or "2024/25", from the title, "fiscal year ... ended ...", or the FY named most."""
    text = doc.view
    for m in _FISCAL_ENDED.finditer(text[:20000]):
        month = _MONTHS.get(m.group(1))
        if month:
            return f"FY{m.group(2)}"
    date_range = _DATE_RANGE.search(_title_zone(doc))
    if date_range and date_range.group(2) in _MONTHS and date_range.group(5) in _MONTHS:
        a = f"{date_range.group(3)}-{_MONTHS[date_range.group(2)]:02d}-{int(date_range.group(1)):02d}"
        b = f"{date_range.group(6)}-{_MONTHS[date_range.group(5)]:02d}-{int(date_range.group(4)):02d}"
        return f"{a}..{b}"
    for source in (title or "", _title_zone(doc)[:300]):
        m = _PERIOD_IN_TITLE.search(source)
        if m:
            if m.group(1):
                year = m.group(1) if len(m.group(1)) == 4 else "20" + m.group(1)
                return f"FY{year}" + (f"/{m.group(2)}" if m.group(2) else "")
            if m.group(3):
                return f"{m.group(3)}/{m.group(4)[-2:]}"
            return m.group(5)
    fiscal = Counter(("20" + y if len(y) == 2 else y) for y in _FY_TOKEN.findall(text))
    if fiscal:
        year, n = fiscal.most_common(1)[0]
        if n >= 2:
            return f"FY{year}"
    split_years = Counter(f"{a}/{b}" for a, b in _SPLIT_YEAR.findall(text))
    if split_years:
        period, n = split_years.most_common(1)[0]
        if n >= 3:
            return period  # "2024/25": a financial year across two calendar years
    stated = Counter(_STATED_YEAR.findall(text))
    if stated:
        year, n = stated.most_common(1)[0]
        if n >= 3 and n >= 0.4 * sum(stated.values()):
            return year  # the year the report's statements are in ("In 2023, we ...")
    return None


def detect_report_title(doc: Document) -> str | None:
    """The first top-level heading near the start of the document."""
    zone_end = doc.pages[0].char_end if doc.pages else min(len(doc.text), 2000)
    top = [h for h in doc.headings if h.char_start < zone_end]
    if not top:
        return None
    best = min(top, key=lambda h: (h.level, h.char_start))
    title = " ".join(doc.view[best.char_start:best.char_end].split())
    return title or None


def resolve_report_info(doc: Document, given: ReportInfo | None = None) -> ReportInfo:
    """Each field from the user (sidecar, manifest), else the file's metadata, else the text."""
    values: dict[str, str | None] = {}
    origin: dict[str, str] = {}
    for source in (given, doc.info):
        if source is None:
            continue
        for name in FIELDS:
            value = getattr(source, name)
            if values.get(name) is None and value:
                values[name] = value
                origin[name] = source.origin.get(name, "given")
    if values.get("report_title") is None:
        values["report_title"] = detect_report_title(doc)
        origin["report_title"] = "text"
    if values.get("reporting_entity") is None:
        values["reporting_entity"] = detect_reporting_entity(doc)
        origin["reporting_entity"] = "text"
    if values.get("reporting_period") is None:
        values["reporting_period"] = detect_reporting_period(doc, values.get("report_title"))
        origin["reporting_period"] = "text"
    return ReportInfo(**{name: values.get(name) for name in FIELDS},
                      origin={k: v for k, v in origin.items() if values.get(k) is not None})
