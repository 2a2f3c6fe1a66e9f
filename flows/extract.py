"""Find the quantitative figures in a text: value, unit, scale, qualifier, year, entity, metric, topic.

``extract_figures(text)`` is a pure function: text in, ``Figure`` rows out, offsets relative to
``text`` (``text[f.char_start:f.char_end] == f.surface``). It reads the language of reports with
rules, never offsets or strings special-cased for one report:

- a figure is a number (digits or number words) with what makes it a data point: a currency, a
  unit, a scale word, or a counted noun right after it;
- years and dates, identifiers (``Scope 1 and 2``, ``COVID-19``, ``P148``, ``Chapter 1.3``,
  ``(source 12)``), footnote and list markers, anything inside a URL, chart axis ticks and idioms
  (``one of``, ``one-stop``) are not figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# ---------------------------------------------------------------------------------------------
# Vocabulary

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "dozen": 12,
}
_SCALES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "mm": 1e6, "billion": 1e9,
    "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12,
}
_CURRENCIES = {
    "rmb": "CNY", "cny": "CNY", "yuan": "CNY", "¥": "CNY", "us$": "USD", "usd": "USD", "$": "USD",
    "hk$": "HKD", "hkd": "HKD", "s$": "SGD", "sgd": "SGD", "a$": "AUD", "aud": "AUD",
    "c$": "CAD", "cad": "CAD", "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "rs": "LKR", "rs.": "LKR", "lkr": "LKR", "inr": "INR", "₹": "INR",
    "jpy": "JPY", "rm": "MYR", "myr": "MYR", "chf": "CHF", "sek": "SEK", "dollars": "USD",
}

# unit as written (lower case) -> (unit code, kind)
_UNITS: dict[str, tuple[str, str]] = {}


def _add_units(code: str, kind: str, *spellings: str) -> None:
    for spelling in spellings:
        _UNITS[spelling.lower()] = (code, kind)


_add_units("%", "percent", "%", "percent", "per cent", "pct")
_add_units("kWh", "energy", "kwh", "kilowatt-hours", "kilowatt hours", "kilowatt-hour")
_add_units("MWh", "energy", "mwh", "megawatt-hours", "megawatt hours", "megawatt-hour")
_add_units("GWh", "energy", "gwh", "gigawatt-hours", "gigawatt hours", "gigawatt-hour")
_add_units("TWh", "energy", "twh", "terawatt-hours", "terawatt hours")
_add_units("GJ", "energy", "gj", "gigajoules")
_add_units("TJ", "energy", "tj", "terajoules")
_add_units("PJ", "energy", "pj", "petajoules")
_add_units("MW", "power", "mw", "megawatts")
_add_units("GW", "power", "gw", "gigawatts")
_add_units("tCO2e", "ghg", "tco2e", "tco2-e", "tco2eq", "tco2", "t co2e", "t co2-e", "tonnes co2e",
           "tonnes of co2e", "tonnes co2-e", "tons of co2e", "metric tons of co2e", "tco₂e")
_add_units("ktCO2e", "ghg", "ktco2e", "kt co2e", "ktco2-e")
_add_units("MtCO2e", "ghg", "mtco2e", "mt co2e", "mtco2-e", "mtco2", "mtco₂e")
_add_units("GtCO2e", "ghg", "gtco2e", "gt co2e", "gigatons", "gigatonnes", "gigatons of co2e")
_add_units("kgCO2e", "ghg", "kgco2e", "kg co2e")
_add_units("t", "mass", "tonnes", "tonne", "tons", "ton", "metric tons", "metric tonnes", "t")
_add_units("kt", "mass", "kilotonnes", "kilotons", "kt")
_add_units("Mt", "mass", "megatonnes", "megatons")
_add_units("kg", "mass", "kg", "kilograms", "kilogrammes")
_add_units("lb", "mass", "lbs", "lb", "pounds")
_add_units("m3", "water", "m3", "m³", "cubic meters", "cubic metres")
_add_units("ML", "water", "megalitres", "megaliters", "ml")
_add_units("L", "water", "litres", "liters")
_add_units("gallon", "water", "gallons")
_add_units("ha", "area", "hectares", "ha")
_add_units("acre", "area", "acres")
_add_units("km", "length", "km", "kilometres", "kilometers")
_add_units("minute", "duration", "minutes", "minute", "mins")
_add_units("hour", "duration", "hours", "hour", "hrs")
_add_units("day", "duration", "days", "day")
_add_units("week", "duration", "weeks", "week")
_add_units("month", "duration", "months", "month")
_add_units("year", "duration", "years", "year", "yrs")

# pint expression for each convertible unit code, and the code it normalizes to
_PINT = {
    "MWh": ("megawatt_hour", "kWh"), "GWh": ("gigawatt_hour", "kWh"), "TWh": ("terawatt_hour", "kWh"),
    "GJ": ("gigajoule", "kWh"), "TJ": ("terajoule", "kWh"), "PJ": ("petajoule", "kWh"),
    "ktCO2e": ("kilometric_ton", "tCO2e"), "MtCO2e": ("megametric_ton", "tCO2e"),
    "GtCO2e": ("gigametric_ton", "tCO2e"), "kgCO2e": ("kilogram", "tCO2e"),
    "kt": ("kilometric_ton", "t"), "Mt": ("megametric_ton", "t"), "kg": ("kilogram", "t"),
    "lb": ("pound", "t"), "ML": ("megaliter", "m3"), "L": ("liter", "m3"), "gallon": ("gallon", "m3"),
    "GW": ("gigawatt", "MW"), "acre": ("acre", "ha"),
}
_PINT_TARGET = {"kWh": "kilowatt_hour", "tCO2e": "metric_ton", "t": "metric_ton", "m3": "meter**3",
                "MW": "megawatt", "ha": "hectare"}


@lru_cache(maxsize=None)
def _conversion(unit: str) -> tuple[str, float]:
    """(normalized unit, factor) for a unit code, computed once with pint."""
    if unit not in _PINT:
        return unit, 1.0
    import pint  # imported lazily: only texts with convertible units pay for it

    source, target = _PINT[unit]
    factor = _registry().Quantity(1, source).to(_PINT_TARGET[target]).magnitude
    return target, float(factor)


@lru_cache(maxsize=1)
def _registry():
    import pint

    return pint.UnitRegistry()


# ---------------------------------------------------------------------------------------------
# Patterns

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORD_NUM = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_CUR_PRE = r"RMB|CNY|USD|US\$|HK\$|HKD|S\$|SGD|A\$|AUD|C\$|CAD|EUR|GBP|LKR|Rs\.?|INR|JPY|MYR|RM|CHF|SEK|\$|€|£|¥|₹"
_SCALE = r"thousand|million|billion|trillion|bn|mn|MM|tn|[kKMB](?![a-zA-Z])|m(?=\s|$|[.,;)])"
_GLUE = r"(?:in|was|were|is|of|to|for|and|the|from|on|at|by|with)\b"  # PDF text glues words on
_UNIT_ALT = "|".join(
    re.escape(u) for u in sorted(_UNITS, key=len, reverse=True) if u not in {"t", "ml", "l", "ha", "km", "m3"}
)
_CANDIDATE = re.compile(
    rf"""
    (?P<cur>(?<![A-Za-z])(?:{_CUR_PRE})[ \t]?)?
    (?:
        (?P<num>(?<![\d.,])(?:{_NUM}))
        (?:[ \t]?(?P<range>-|–|—|to)[ \t]?(?P<num2>{_NUM}))?
      |
        (?P<word>\b(?:{_WORD_NUM})(?:-(?:{_WORD_NUM}))?\b)
    )
    (?:[ \t]?(?P<scale>(?:{_SCALE})(?=[^a-zA-Z]|{_GLUE}|$|tonnes|tons)))?
    (?:[ \t]*(?P<unit>(?:{_UNIT_ALT})(?![a-zA-Z])|(?:t|m3|m³|ML|ha|km)(?![\w.])|%))?
    (?:[ \t]?(?P<cur_post>yuan|RMB|dollars|euros)\b)?
    """,
    re.VERBOSE | re.IGNORECASE,
)
_CASE_SENSITIVE_SHORT = {"t", "ML", "ha", "km", "m3"}  # "t"/"ML" only as written, not "T"/"ml"
_URL = re.compile(r"https?://\S+|www\.\S+|<[^<>\s]*\.[a-z]{2,}[^<>\s]*>|\b[\w.-]+@[\w-]+\.[\w.]+", re.I)
_MONTHS = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTHS})\.?[ \t]*$")
_MONTH_AFTER = re.compile(rf"^(?:st|nd|rd|th)?[ \t]+(?:{_MONTHS})\b")
# Words that introduce an identifier: "Scope 1 and 2", "Chapter 1.3", "sources 7-8", "Page 27".
_ID_BEFORE = re.compile(
    r"\b(?:scopes?|categor(?:y|ies)|chapters?|sections?|paragraphs?|appendix|annex|pages?|pp?\.?|"
    r"figures?|fig\.?|tables?|notes?|sources?|goals?|sdgs?|articles?|principles?|phases?|tiers?|"
    r"levels?|stages?|versions?|no\.?|nos\.?|numbers?|items?|steps?|rounds?|parts?|exhibits?|"
    r"vol\.?|volumes?|issues?|rules?|clauses?|standards?|gri|iso|class|grades?|editions?|cop|"
    r"units?|boxes|box|lines?|rows?|columns?|cases?|#)"
    r"[ \t]*(?:(?:\d+(?:\.\d+)*[a-z]?|[ivx]+)[ \t]*(?:,|and|&|-|–|or|to|/)?[ \t]*)*$",
    re.IGNORECASE,
)
_LIST_MARKER = re.compile(r"(?:^|\n)[ \t]*$")
_QUALIFIERS = [
    ("approximately", re.compile(
        r"\b(?:about|around|approximately|approx\.|nearly|almost|roughly|estimated|an estimated|"
        r"some|close to|circa|ca\.|~)[ \t]*$|~$", re.I)),
    ("at_least", re.compile(
        r"\b(?:over|more than|exceeding|exceeded|exceeds|surpassing|surpassed|at least|above|"
        r"upwards of|in excess of|greater than|no less than|by over|by more than|minimum of)[ \t]*$",
        re.I)),
    ("at_most", re.compile(
        r"\b(?:within|up to|less than|fewer than|under|below|at most|no more than|maximum of|"
        r"a maximum of)[ \t]*$", re.I)),
]
_PERIOD_OVER = re.compile(r"^[^.;]{0,40}?\b(?:years?|period|decades?|months?)\b", re.I)
_YEAR_REF = re.compile(
    r"\b(?:FY|fiscal year|financial year|fiscal|(?:in|during|for|as of|as at|by the end of|"
    r"end of|in the year|the year)(?:[ \t]+(?:the[ \t]+)?(?:(?:" + _MONTHS + r")\.?[ \t]+\d{1,2},?[ \t]+)?)?)"
    r"[ \t]*(?:\(FY\)[ \t]*)?'?((?:19|20)\d{2}|\d{2})\b(?!\s*(?:-|–)\s*\d)",
    re.IGNORECASE,
)
_YEAR_ANY = re.compile(r"(?<![\d,.$])\b(?:FY)?((?:19|20)\d{2})\b(?![\d,.%])")
_TARGET_YEAR = re.compile(r"\bby[ \t]+((?:19|20)\d{2})\b", re.I)
_ABBREVIATIONS = ("Co", "Ltd", "Inc", "No", "vs", "St", "Mr", "Ms", "Dr", "Jr", "Sr", "etc", "approx")
_SENTENCE_END = re.compile(
    r"(?<!\b[A-Z])" + "".join(rf"(?<!\b{a})" for a in _ABBREVIATIONS) + r"[.!?][\"”’)]*\s+(?=[A-Z\"“(\[0-9])|\n[ \t]*\n"
)
_NOUN_AFTER = re.compile(r"^[ \t]*(?:\n[ \t]*)?([A-Za-z][A-Za-z'’-]+)")
_NOT_COUNTED = {
    "and", "or", "to", "of", "from", "in", "at", "on", "by", "for", "the", "a", "an", "per", "with",
    "was", "were", "is", "are", "be", "as", "than", "vs", "versus", "times", "x", "am", "pm", "which",
    "that", "this", "these", "it", "its", "we", "our", "they", "their", "compared", "respectively",
    "onwards", "onward", "levels", "level", "base", "baseline", "edition", "report", "conference",
    "annual", "plus", "out", "if", "when", "while", "since", "but", "also", "has", "have", "had",
    "will", "would", "can", "could", "may", "should", "not", "no", "each", "every", "all", "so",
} | {m.lower() for m in _MONTHS.split("|")}
_IDIOM_AFTER = re.compile(r"^(?:[ \t]+(?:of|such|another|by one|or two|or more|and only)\b|-(?:stop|in-|off|on-one|to-one|way|fold|sided|party))", re.I)
_ENTITY = re.compile(
    r"\b([A-Z][\w.&’'-]*(?:[ \t]+(?:(?:of|and|for|de|&)[ \t]+)?[A-Z0-9][\w.&’'-]*)*)"
)
_NOT_ENTITY = {
    "In", "The", "This", "That", "These", "Those", "As", "By", "Through", "Furthermore", "Additionally",
    "Moreover", "Also", "Its", "Their", "Our", "We", "It", "They", "With", "For", "On", "At", "From",
    "Since", "During", "According", "Another", "One", "Lastly", "Finally", "Overall", "However",
    "Apart", "To", "Of", "And", "Scope", "FY", "Alongside", "In addition", "Beyond", "Under",
    "Approximately", "Around", "Over", "Nearly", "About", "More", "Total", "Of this", "Through this",
    "While", "When", "If", "A", "An", "Million", "Billion", "Data", "See", "Read", "Learn", "Note",
    "Source", "Sources", "Paragraph", "Title", "Sub", "China", "Malaysia", "U.S.", "US", "UN", "ESG",
    "GHG", "CO2", "Taken", "Following", "Some", "Each", "Every", "All", "Here", "Such", "Both",
} | {m for m in _MONTHS.split("|")}

_TOPIC_KEYWORDS: dict[str, tuple[str, ...]] = {
    "emissions_reduction": ("reduc", "avoid", "abat", "decarboni", "cut", "low-carbon", "low carbon",
                            "lower emission", "offset", "net-zero", "net zero", "carbon neutral"),
    "ghg_emissions": ("emission", "co2", "ghg", "greenhouse", "carbon", "scope"),
    "energy": ("energy", "electricity", "renewable", "solar", "wind", "power", "kwh", "mwh", "fuel"),
    "water": ("water", "wastewater", "withdrawal", "discharge"),
    "waste_packaging": ("waste", "packag", "recycl", "plastic", "landfill", "circular", "boxes"),
    "biodiversity": ("biodiversity", "habitat", "species", "wildlife", "ecosystem", "forest", "tree",
                     "nature", "marine", "terrestrial", "conservation", "land"),
    "employment": ("employment", "job", "employ", "workforce", "hire", "hiring", "riders", "women",
                   "diversity", "staff", "headcount"),
    "training": ("training", "trainings", "course", "learning", "skills", "mentor", "education"),
    "philanthropy": ("donat", "philanthrop", "charit", "volunteer", "nonprofit", "foundation",
                     "giving", "relief", "meals", "food donated"),
    "rural_economy": ("rural", "village", "counties", "county", "farmer", "agricultur", "impoverished",
                      "revitaliz"),
    "small_business": ("msme", "sme", "small business", "merchant", "seller", "entrepreneur",
                       "manufactur", "productivity", "production cycle", "factory", "factories"),
    "consumer": ("consumer", "customer", "refund", "compensation", "items", "products", "users",
                 "food safety", "complain", "accessib", "senior"),
    "health": ("health", "screen", "alzheimer", "patient", "medical", "disease", "safety", "injur",
               "vaccin", "well-being", "wellbeing"),
    "governance": ("governance", "principle", "compliance", "ethic", "board", "audit", "policy",
                   "anti-corruption", "privacy", "data security", "risk"),
    "operations": ("capital expenditure", "investment", "invested", "revenue", "sales", "spend",
                   "cost", "efficien", "operation", "capex"),
}
_PILLAR = {
    "ghg_emissions": "E", "emissions_reduction": "E", "energy": "E", "water": "E",
    "waste_packaging": "E", "biodiversity": "E", "employment": "S", "training": "S",
    "philanthropy": "S", "rural_economy": "S", "small_business": "S", "consumer": "S", "health": "S",
    "governance": "G", "operations": "G", "other": "G",
}
TOPICS = tuple(_PILLAR)
UNIT_CODES = tuple(sorted({code for code, _ in _UNITS.values()} | set(_CURRENCIES.values()) | {"count", "fraction"}))
QUALIFIERS = ("exact", "approximately", "at_least", "at_most")


@dataclass(frozen=True)
class Figure:
    """One quantitative figure found in a text; offsets are relative to that text."""

    char_start: int
    char_end: int
    surface: str
    sentence: str
    value: float
    value_high: float | None
    unit: str
    value_normalized: float
    unit_normalized: str
    qualifier: str
    year: int | None
    entity: str | None
    metric: str | None
    pillar: str
    topic: str


# ---------------------------------------------------------------------------------------------
# Rules


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _word_number(word: str) -> float:
    parts = word.lower().split("-")
    return float(sum(_NUMBER_WORDS[p] for p in parts)) if len(parts) > 1 and parts[0] not in ("one",) else float(_NUMBER_WORDS[parts[0]])


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) of the sentence around a span, found by scanning for sentence ends."""
    window_start = max(0, start - 1500)
    s = window_start
    for m in _SENTENCE_END.finditer(text, window_start, start):
        s = m.end()
    m = _SENTENCE_END.search(text, end, min(len(text), end + 1500))
    e = m.start() + 1 if m else min(len(text), end + 1500)
    if m and text[m.start()] == "\n":
        e = m.start()
    return s, e


def _qualifier(before: str, after: str, is_period: bool) -> str:
    for name, pattern in _QUALIFIERS:
        if pattern.search(before):
            if name == "at_least" and is_period and re.search(r"\bover[ \t]*(?:a[ \t]+)?$", before, re.I):
                return "exact"  # "over 15 years" = across a period, not "more than"
            return name
    if after.startswith("+"):
        return "at_least"
    return "exact"


def _year(sentence: str, text: str) -> int | None:
    """The reporting year stated in the sentence, else the one year stated in the whole text."""
    for source in (sentence, text):
        years = []
        for m in _YEAR_REF.finditer(source):
            y = m.group(1)
            years.append(int(y) if len(y) == 4 else 2000 + int(y))
        if source is sentence:
            if years:
                return years[0]
            target = _TARGET_YEAR.search(sentence)
            if target:
                return int(target.group(1))
        elif len(set(years)) == 1:
            return years[0]
    return None


def _entity(text: str, sentence_start: int, figure_start: int) -> str | None:
    """The first name in the sentence (its subject), else the latest one before it."""
    def names(segment: str) -> list[str]:
        found = []
        for m in _ENTITY.finditer(segment):
            name = re.sub(r"(?:’s|'s|’|')$", "", m.group(1)).strip(" .-")
            words = name.split()
            while words and (words[0] in _NOT_ENTITY or words[0].upper() == words[0] and words[0][:2] == "FY"):
                words = words[1:]
            name = " ".join(words)
            if name and name not in _NOT_ENTITY and not name.isdigit() and len(name) > 1:
                found.append(name)
        return found

    in_sentence = names(text[sentence_start:figure_start])
    if in_sentence:
        return in_sentence[0]
    earlier = names(text[max(0, sentence_start - 600):sentence_start])
    return earlier[-1] if earlier else None


_STOP_METRIC = re.compile(
    r"\b(?:in|by|for|to|across|from|compared|as|at|on|with|which|that|since|during|while|and|"
    r"through|per|over|under|within|than|this|were|was|is|are|has|have|had)\b|[,.;:()\[\]\n]",
    re.I,
)


def _metric(text: str, start: int, end: int, unit: str) -> str | None:
    """A short label of what is measured: the noun phrase after the figure, else before it."""
    after = text[end:end + 120]
    m = re.match(r"^[ \t+]*(?:\n[ \t]*)?(?:of[ \t]+(?:the[ \t]+|its[ \t]+|their[ \t]+|our[ \t]+)?)?", after)
    rest = after[m.end():] if m else after
    stop = _STOP_METRIC.search(rest)
    phrase = rest[: stop.start() if stop else 60].strip()
    words = phrase.split()[:6]
    if words and not (unit == "%" and not after.lstrip().lower().startswith("of")):
        return " ".join(words)
    before = text[max(0, start - 120):start]
    before = re.sub(
        r"(?:\b(?:by|of|to|at|was|were|is|are|totaled|totalled|reached|exceeding|surpassing|over|"
        r"about|around|approximately|nearly|more than|up to|within|a total of|total of|of about|"
        r"some|with|had|has|have|involved|an|a|the)[ \t]*)+$", "", before.rstrip(), flags=re.I,
    ).rstrip()
    parts = re.split(r"[,.;:()\[\]\n]|\b(?:in|and|that|which|to|the|we|our|its|their)\b", before)
    tail = parts[-1].strip() if parts else ""
    return " ".join(tail.split()[-5:]) or None


def _topic(metric: str | None, sentence: str, unit_kind: str) -> str:
    """Topic from keywords of the metric (weighted) and the sentence, helped by the unit."""
    scores: dict[str, float] = {}
    near = (metric or "").lower()
    far = sentence.lower()
    for topic, words in _TOPIC_KEYWORDS.items():
        score = 0.0
        for w in words:
            if w in near:
                score += 3
            if w in far:
                score += 1
        if score:
            scores[topic] = score
    if unit_kind == "ghg":
        scores["ghg_emissions"] = scores.get("ghg_emissions", 0) + 3
        if scores.get("emissions_reduction"):
            scores["emissions_reduction"] += 4
    elif unit_kind == "energy":
        scores["energy"] = scores.get("energy", 0) + 5
    elif unit_kind == "water":
        scores["water"] = scores.get("water", 0) + 5
    if not scores:
        return "other"
    return max(scores.items(), key=lambda kv: (kv[1], -TOPICS.index(kv[0])))[0]


def _is_year_like(num: str) -> bool:
    return len(num) == 4 and num.isdigit() and 1900 <= int(num) <= 2100


def extract_figures(text: str) -> list[Figure]:
    """Every quantitative figure in text, in order, with offsets relative to text."""
    urls = [(m.start(), m.end()) for m in _URL.finditer(text)] if ("http" in text or "www." in text or "@" in text or "<" in text) else []
    figures: list[Figure] = []
    last_end = -1
    for m in _CANDIDATE.finditer(text):
        start, end = m.span()
        if start < last_end:
            continue
        if any(a <= start < b for a, b in urls):
            continue
        figure = _figure(text, m)
        if figure is not None:
            figures.append(figure)
            last_end = figure.char_end
    if "half" in text or "third" in text or "quarter" in text:
        taken = [(f.char_start, f.char_end) for f in figures]
        for f in _fractions(text):
            if not any(a < f.char_end and f.char_start < b for a, b in taken):
                figures.append(f)
        figures.sort(key=lambda f: f.char_start)
    return figures


def _figure(text: str, m: re.Match) -> Figure | None:
    cur, num, num2, word = m.group("cur"), m.group("num"), m.group("num2"), m.group("word")
    scale, unit_text, cur_post = m.group("scale"), m.group("unit"), m.group("cur_post")
    start, end = m.span()
    if cur is None and num is not None:
        start = m.start("num")
    if word is not None:
        start = m.start("word")
    # Trim what was matched but does not belong: trailing spaces, a unit we do not accept here.
    if unit_text and unit_text in ("ML", "t", "ha", "km") and unit_text.lower() in ("ml",) and unit_text != "ML":
        unit_text = None
    if unit_text is not None and unit_text.lower() in _CASE_SENSITIVE_SHORT and unit_text not in _CASE_SENSITIVE_SHORT and unit_text != "m³":
        unit_text = None
    end_candidates = [m.end(g) for g in ("num", "num2", "word", "scale") if m.group(g)]
    if unit_text:
        end_candidates.append(m.end("unit"))
    if cur_post:
        end_candidates.append(m.end("cur_post"))
    end = max(end_candidates)
    before = text[max(0, start - 80):start]
    after = text[end:end + 80]
    prev_char = text[start - 1] if start else ""
    next_char = text[end] if end < len(text) else ""

    # Currency
    currency = None
    if cur:
        currency = _CURRENCIES.get(cur.strip().lower())
    elif cur_post:
        currency = _CURRENCIES.get(cur_post.lower())
    if scale and scale.lower() in ("k", "m", "mm", "b") and not currency and scale not in ("K", "M", "MM", "B"):
        # lone lower-case k/m/b only count as scales next to money ("£5m", "$360K")
        end = m.end("num2") if num2 else (m.end("num") if num else m.end("word"))
        scale, unit_text = None, None
        after = text[end:end + 80]
        next_char = text[end] if end < len(text) else ""
    if scale and len(scale) == 1 and m.start("scale") != (m.end("num2") if num2 else m.end("num") if num else m.end("word")):
        scale = None  # "5 M" with a space is not a scale
        end = m.end("num2") if num2 else (m.end("num") if num else m.end("word"))
        unit_text = None
        after = text[end:end + 80]
        next_char = text[end] if end < len(text) else ""

    unit_code, unit_kind = (None, None)
    if unit_text:
        key = unit_text.lower()
        if key not in _UNITS and key.replace(" ", "") in _UNITS:
            key = key.replace(" ", "")
        unit_code, unit_kind = _UNITS.get(key, (None, None))
        if unit_code in ("t", "kt", "Mt") and re.match(r"^[ \t]*(?:of[ \t]+)?(?:CO2|CO₂|carbon dioxide|GHG|greenhouse)", after, re.I):
            unit_code, unit_kind = {"t": "tCO2e", "kt": "ktCO2e", "Mt": "MtCO2e"}[unit_code], "ghg"
        if unit_code == "GtCO2e" and not re.search(r"CO2|CO₂|GHG|greenhouse|carbon|emission", text[end:end + 60], re.I) and "co2" not in key:
            unit_code, unit_kind = "Gt", "mass"
    is_bare = not currency and not unit_code and not scale

    # --- not figures --------------------------------------------------------------------------
    if word is not None:
        return _word_figure(text, m, start, end, word, scale, unit_code, unit_kind, before, after)
    if prev_char and (prev_char.isalpha() or prev_char == "_") and not currency:
        # glued to a word on the left: "FY2023", "P148", "Carbon88", "CO2", "Scope1"
        if is_bare or _is_year_like(num):
            return None
        if prev_char.isupper() or re.search(r"[A-Z][a-z]*$", before) and re.search(r"\b[A-Z]{1,5}$", before):
            return None
    if prev_char == "-" and re.search(r"[A-Za-z]-$", before):
        return None  # "COVID-19", "ISO-14001"
    if next_char and (next_char.isalpha() and is_bare):
        return None  # "15th", "2022a", "365program"
    if re.match(r"^\.[A-Za-z]", after) and is_bare:
        return None  # "1688.com"
    if re.match(r"^(?:\.\d|:\d|/\d)", after) or re.search(r"\d[.:/]$", before):
        return None  # versions, times, ratios, dates like 2:1 or 31/03
    if is_bare and _is_year_like(num) and not num2:
        return None  # a year used as a time reference
    if cur is None and _is_year_like(num) and (num2 is None or _is_year_like(num2)) and unit_code in (None,) and not scale:
        return None
    if is_bare and (re.search(r"[(\[][ \t]*$", before) and re.match(r"^[ \t]*[)\]]", after)):
        return None  # footnote "(5)" or "[3]"
    if is_bare and re.search(r"\[[^\]\n]{0,30}$", before) and re.match(r"^[^\[\n]{0,30}\]", after):
        return None  # "[P180]", "[Technological ... P180]"
    if _ID_BEFORE.search(before):
        return None  # "Scope 1 and 2", "Chapter 1.3", "sources 7-8", "Paragraph 3"
    if _MONTH_BEFORE.search(before) or _MONTH_AFTER.match(after):
        return None  # the day of a date
    if is_bare and re.match(r"^[.)][ \t]", after) and _LIST_MARKER.search(before):
        return None  # a list marker "1." / "2)"
    if is_bare and re.search(r"\b(?:the|a|an)[ \t]*$", before, re.I) and re.match(r"^[ \t]+[A-Z]", after):
        return None  # "the 2022 Apsara", names
    if is_bare:
        noun = _NOUN_AFTER.match(after)
        if not noun or len(noun.group(1)) < 2 or noun.group(1).lower() in _NOT_COUNTED:
            return None  # a bare number counts something only when a noun follows it
        if re.search(r"\b[A-Z][A-Za-z]+[ \t]$", before) and not re.search(
            r"\b(?:Over|About|Around|Approximately|Nearly|Some|With|Almost|More|Than|Total|Top|All|Only|Just)[ \t]$",
            before,
        ) and not re.search(r"(?:^|[.!?:\n])[ \t]*[A-Z][A-Za-z]+[ \t]$", before):
            return None  # "Digital Village 365", "Windows 10": a number in a name
    # --- value and unit ----------------------------------------------------------------------
    value = _number(num)
    value_high = _number(num2) if num2 else None
    if value_high is not None and value_high < value:
        return None  # "2019-20" style spans or page ranges
    factor = _SCALES.get(scale.lower(), 1.0) if scale else 1.0
    if scale and scale == "MM":
        factor = 1e6
    value *= factor
    if value_high is not None:
        value_high *= factor
    if currency:
        unit, kind = currency, "money"
    elif unit_code:
        unit, kind = unit_code, unit_kind or ""
    else:
        unit, kind = "count", "count"
    return _finish(text, start, end, value, value_high, unit, kind, before, after)


def _word_figure(text, m, start, end, word, scale, unit_code, unit_kind, before, after) -> Figure | None:
    """Number words: 'fifteen years', 'six basic principles', 'two million', 'nearly half'."""
    lowered = word.lower()
    if re.match(r"^-(?!year|month|day|hour|minute|week)", text[end:end + 8], re.I) and not unit_code:
        return None  # "one-stop", "three-in-one"
    if _IDIOM_AFTER.match(text[end:end + 20]) and not unit_code:
        return None  # "one of", "one such"
    if _ID_BEFORE.search(before):
        return None
    if text[start - 1:start] == "-" or re.search(r"\b(?:the|first|second|third)[ \t]*$", before, re.I) and not unit_code:
        return None
    value = _word_number(lowered)
    if scale:
        value *= _SCALES.get(scale.lower(), 1.0)
    hyphen_unit = re.match(r"^-(year|month|week|day|hour|minute)s?\b", text[end:end + 10], re.I)
    if hyphen_unit:
        unit_code, unit_kind = _UNITS[hyphen_unit.group(1).lower()]
        end += hyphen_unit.end()
        after = text[end:end + 80]
    if unit_code:
        return _finish(text, start, end, value, None, unit_code, unit_kind or "", before, after)
    if scale:
        return _finish(text, start, end, value, None, "count", "count", before, after)
    if value < 3:
        return None  # "one", "two" quantify text structure far more often than data
    noun = re.match(r"^[ \t]+(?:[a-z][a-z-]+[ \t]+){0,2}([a-z][a-z]+s)\b", after)
    if not noun or noun.group(1) in _NOT_COUNTED or noun.group(1) in ("times", "ways", "aspects"):
        return None
    return _finish(text, start, end, value, None, "count", "count", before, after)


_HALF = re.compile(r"\b(nearly|almost|about|around|over|more than|less than|roughly|approximately)?[ \t]*\b(half|a third|one[- ]third|two[- ]thirds|a quarter|one[- ]quarter|three[- ]quarters)\b(?=[ \t]+(?:of|being|were|was|are|is)\b)", re.I)
_FRACTIONS = {"half": 0.5, "a third": 1 / 3, "one third": 1 / 3, "one-third": 1 / 3, "two thirds": 2 / 3,
              "two-thirds": 2 / 3, "a quarter": 0.25, "one quarter": 0.25, "one-quarter": 0.25,
              "three quarters": 0.75, "three-quarters": 0.75}


def _finish(text, start, end, value, value_high, unit, kind, before, after) -> Figure:
    s_start, s_end = _sentence_bounds(text, start, end)
    sentence = text[s_start:s_end].strip()
    is_period = unit in ("year", "month", "day", "week")
    qualifier = _qualifier(before, after, is_period)
    unit_normalized, factor = _conversion(unit)
    metric = _metric(text, start, end, unit)
    topic = _topic(metric, sentence, kind)
    return Figure(
        char_start=start,
        char_end=end,
        surface=text[start:end],
        sentence=sentence,
        value=value,
        value_high=value_high,
        unit=unit,
        value_normalized=float(f"{value * factor:.12g}"),  # drop float noise of unit factors
        unit_normalized=unit_normalized,
        qualifier=qualifier,
        year=_year(sentence, text),
        entity=_entity(text, s_start, start),
        metric=metric,
        pillar=_PILLAR[topic],
        topic=topic,
    )


def _fractions(text: str) -> list[Figure]:
    """Fractions written in words ('nearly half of', 'a third of')."""
    out = []
    for m in _HALF.finditer(text):
        if re.search(r"\b(?:first|second|the latter|the)[ \t]*$", text[max(0, m.start(2) - 12):m.start(2)], re.I):
            continue
        start, end = m.span(2)
        value = _FRACTIONS[m.group(2).lower().replace("  ", " ")]
        out.append(_finish(text, start, end, value, None, "fraction", "fraction",
                           text[max(0, start - 80):start], text[end:end + 80]))
    return out
