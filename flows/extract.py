"""Find the quantitative figures in a text: value, unit, scale, qualifier, year, entity, metric, topic.

``extract_figures(text)`` is a pure function: text in, ``Figure`` rows out, offsets relative to
``text`` (``text[f.char_start:f.char_end] == f.surface``). It reads the language of reports with
general rules, never offsets or strings special-cased for one report:

- a figure is a number (digits or number words) with what makes it a data point: a currency, a
  unit, a scale word, or a counted noun right after it;
- years and dates, identifiers (``Scope 1 and 2``, ``COVID-19``, ``P148``, ``Chapter 1.3``,
  ``(source 12)``), footnote, page and list markers, anything inside a URL, chart axis ticks and
  idioms (``one of``, ``one-stop``) are not figures.

Speed matters (reports arrive by the thousand): candidates come from two cheap scans (one anchored
on digits, one on number words), and everything a figure needs from its surroundings (sentence
bounds, years stated) is computed once per text, lazily.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import re
import string
from array import array
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Iterable, Iterator

import ahocorasick_rs

from schemas.vocabulary import (  # noqa: F401 (QUALIFIERS, TOPICS, UNIT_PATTERN are re-exported)
    CASED_UNITS,
    CURRENCY_CODES,
    CURRENCY_WORDS,
    NORMALIZES_TO,
    PILLAR,
    PINT_NAMES,
    QUALIFIERS,
    TOPICS,
    UNIT_PATTERN,
    UNITS,
)

# --------------------------------------------------------------------------------------------
# Vocabulary

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "dozen": 12,
}
_SCALES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6, "mm": 1e6,
    "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12, "lakh": 1e5, "crore": 1e7,
}
_CURRENCY_CODES = CURRENCY_CODES  # vocabularies are data: schemas/vocab/*.csv, read by schemas/vocabulary.py
_CURRENCY_WORDS = CURRENCY_WORDS
_UNITS = UNITS  # unit as written -> (unit code, kind); lower-case keys
_CASED_UNITS = CASED_UNITS  # short spellings whose case carries meaning ("MT", "Mt", "kt")


@lru_cache(maxsize=None)
def conversion(unit: str) -> tuple[str, float]:
    """(normalized unit, factor) for a unit code, computed once with pint."""
    target = NORMALIZES_TO.get(unit, unit)
    if target == unit or unit not in PINT_NAMES:
        return unit, 1.0
    return target, float(_registry().Quantity(1, PINT_NAMES[unit]).to(PINT_NAMES[target]).magnitude)


@lru_cache(maxsize=1)
def _registry():
    import pint  # imported on first use: texts without convertible units never pay for it

    return pint.UnitRegistry()


# --------------------------------------------------------------------------------------------
# Patterns


def _ascii_word_finder(words: Iterable[str]) -> Callable[[str], list[tuple[int, int, int]]]:
    """A function giving (word index, start, end) of every occurrence of words (ASCII) in a string,
    overlapping ones included, in one pass (Aho-Corasick, a DFA): a regex tried at every position
    cost ~800 machine instructions a character, this ~20. It reads bytes: the words are ASCII, so
    the string encoded with every other character as "?" (one byte each) holds them at the same
    places as the string itself."""
    search = ahocorasick_rs.BytesAhoCorasick([w.encode("ascii") for w in words],
                                             implementation=ahocorasick_rs.Implementation.DFA).find_matches_as_indexes
    return lambda text: search(text.encode("ascii", "replace"), overlapping=True)


def _one_of(alternatives: Iterable[str], ignore_case: bool = False) -> str:
    """A regex alternation of the alternatives (regex fragments, in order of preference), grouped
    by first letter: "scopes?|sections?|tables?" -> "(?=[st])(?:s(?:copes?|ections?)|tables?)".

    Same matches as "|".join(alternatives): alternatives that start with different letters never
    match at the same place, and each group keeps its order. But the engine checks the first
    letter once (the lookahead) and compares one letter per group instead of trying every
    alternative in turn: several times faster on long lists.
    """
    alternatives = list(alternatives)
    if not all(a[:1].isascii() and a[:1].isalnum() and a[1:2] not in ("?", "*", "+", "{") for a in alternatives):
        return "(?:" + "|".join(alternatives) + ")"  # a first letter that is not plain: keep the list as it is
    groups: dict[str, list[str]] = {}
    for a in alternatives:
        groups.setdefault(a[0].lower() if ignore_case else a[0], []).append(a[1:])
    return f"(?=[{''.join(sorted(groups))}])(?:" + "|".join(
        first + rests[0] if len(rests) == 1 else f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items()) + ")"


# "1,234.5", "12 345" (thin or no-break space), "1234.5". It opens with \d outside the alternation,
# so the regex engine skips to the next digit in C instead of trying every position.
_NUM = r"\d(?:\d{0,2}(?:,\d{3})+(?:\.\d+)?|\d{0,2}(?:[\u00a0\u202f\u2009]\d{3})+(?:\.\d+)?|\d*(?:\.\d+)?)"
_SCALE = (r"(?i:thousand|million|billion|trillion|lakh|crore|mln|bn|mn|tn)(?:s\b)?|MM|[KMB](?![a-zA-Z])|"
          r"(?<=\d)(?:m|k|b)(?![a-zA-Z])")
_GLUED = r"(?:in|was|were|is|of|to|for|and|the|from|on|at|by|with|tonnes|tons|metric|spent|in)"
_LONG_UNITS = _one_of((re.escape(u) for u in sorted(_UNITS, key=len, reverse=True)
                       if len(u) > 2 or u in ("m3", "m³", "kg", "lb", "gj", "tj", "pj")), ignore_case=True)
_SHORT_CASED = "|".join(re.escape(u) for u in sorted(_CASED_UNITS, key=len, reverse=True))
# One scan anchored on digits: number, optional range, scale word, unit, trailing currency word.
# The blanks before a unit are taken possessively (*+): a unit never starts with one, and giving
# them back one by one made a number followed by a long run of spaces cost quadratic time.
_NUMERIC = re.compile(
    rf"""
    (?P<num>{_NUM})
    (?:[ \t]?(?P<range>-|–|to)[ \t]?(?P<num2>{_NUM}))?
    (?:[ \t]?(?P<scale>(?:{_SCALE}))(?=[^a-zA-Z]|{_GLUED}|$))?
    (?:[ \t]*+(?:\n[ \t]*+)?(?P<unit>(?i:{_LONG_UNITS})(?![a-zA-Z])|(?:{_SHORT_CASED})(?![A-Za-z_]|\d{{3}}|\.\w)|%))?
    (?:[ \t]?(?P<cur_word>(?i:yuan|renminbi|dollars|euros|rupees|yen|ringgit)|USD|EUR|GBP|CNY|RMB|JPY|SGD|HKD|AUD|CAD|CHF|INR|LKR|MYR|SEK)\b)?
    """,
    re.VERBOSE,
)
# the same scan without a range: used where a "range" is really two figures ("from 45% in 2019 to 60%")
_NUMERIC_SINGLE = re.compile(_NUMERIC.pattern.replace(
    "(?:[ \\t]?(?P<range>-|–|to)[ \\t]?(?P<num2>{_NUM}))?".replace("{_NUM}", _NUM),
    "(?:(?!)(?P<range>)(?P<num2>))?"), re.VERBOSE)
# On ASCII text \d is exactly [0-9], which the regex engine tests faster than "any Unicode decimal
# digit": the same matches on ASCII text (str.isascii() is O(1)), a quarter less time in this scan.
_NUMERIC_ASCII = re.compile(_NUMERIC.pattern.replace(r"\d", "[0-9]"), re.VERBOSE)
_NUMERIC_SINGLE_ASCII = re.compile(_NUMERIC_SINGLE.pattern.replace(r"\d", "[0-9]"), re.VERBOSE)
_WORD_ALTS = "|".join(f"[{w[0]}{w[0].upper()}]{w[1:]}" for w in sorted(_NUMBER_WORDS, key=len, reverse=True))
# case-sensitive alternatives with a leading \b let the regex engine skip most positions fast
_WORD_MORE = "|".join(sorted(list(_NUMBER_WORDS) + ["thousand", "million", "billion"], key=len, reverse=True))
# a run of number words: "fifteen", "twenty-five", "two hundred", "three hundred and fifty", "two dozen"
_WORD_NUMBER = re.compile(
    rf"\b(?:{_WORD_ALTS})(?:(?:-|[ \t]+(?:and[ \t]+)?)(?:{_WORD_MORE}))*\b(?!-(?:{_WORD_MORE})\b)"
)
_FRACTION = re.compile(r"(?i:half|a third|one[- ]third|two[- ]thirds|a quarter|one[- ]quarter|three[- ]quarters)(?=[ \t]+(?:of|being|were|was|are|is)\b)")
# where a fraction phrase starts, before its fraction word: "half", "a third", "one third", "three quarters"
_FRACTION_WORDS = {"half": (0,), "third": (2, 4), "quarter": (2, 4, 6)}
_FRACTIONS = {"half": 0.5, "a third": 1 / 3, "one third": 1 / 3, "one-third": 1 / 3, "two thirds": 2 / 3,
              "two-thirds": 2 / 3, "a quarter": 0.25, "one quarter": 0.25, "one-quarter": 0.25,
              "three quarters": 0.75, "three-quarters": 0.75}
_CURRENCY_BEFORE = re.compile(
    r"(?:(?<![A-Za-z])(?:" + _one_of(r"""
        RMB CNY USD HKD SGD AUD CAD EUR GBP LKR INR JPY MYR CHF SEK NOK DKK KRW BRL ZAR IDR PHP MXN TWD RM Rs\.? Rp
        US\$ HK\$ S\$ A\$ AU\$ C\$ CA\$ NZ\$ R\$ NT\$ MX\$""".split()) + r")|(?<![A-Z])\$|€|£|¥|₹|₩|₱)[ \t]?$"
)


def _may_name_currency(before: str) -> bool:
    """False when _CURRENCY_BEFORE cannot match in before: every code it knows holds a capital
    letter, and every sign but "$" is not ASCII (a cheap test ahead of the search)."""
    return not (before.islower() and before.isascii() and "$" not in before)


# a URL, bare or in <...> (the lookahead finds the closing > once, so a long run without one
# costs linear time, not a retry from every dot)
_URL = re.compile(r"https?://\S+|www\.\S+|<(?=[^<>\s]*>)[^<>\s]*?\.[a-z]{2,}[^<>\s]*>", re.I)
_EMAIL = re.compile(r"(?<![\w.-])[\w.-]+@[\w-]+\.[\w.]+")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_MONTH_NAMES = _one_of(_MONTHS.split("|"))
_MONTH_BEFORE = re.compile(rf"\b{_MONTH_NAMES}\.?[ \t]*$")
_MONTH_AFTER = re.compile(rf"(?:st|nd|rd|th)?[ \t]+{_MONTH_NAMES}\b")
# Words that introduce an identifier: "Scope 1 and 2", "Chapter 1.3", "sources 7-8", "Page 27".
_ID_WORDS = r"""
    scopes? categor(?:y|ies) chapters? sections? paragraphs? appendix annex pages? pp?\.? figures? fig\.?
    tables? notes? sources? goals? sdgs? articles? principles? phases? tiers? levels? stages? versions?
    no\.? nos\.? numbers? items? steps? rounds? parts? exhibits? vol\.? volumes? issues? rules? clauses?
    standards? gri iso class grades? editions? cop units? boxes box lines? rows? columns? cases?
    footnotes? ref\.? references? annexes schedules? sheets? slides? questions? q h route highway ch
""".split()
_ID_BEFORE = re.compile(
    r"\b(?i:" + _one_of(_ID_WORDS, ignore_case=True) + ")"
    # then numbers and separators: "1 and 2", "1.3a", "iv", "7-8". Written so that each string reads
    # one way only (a digit run is one number, i/v/x after a number are a roman numeral, blanks are
    # taken once): the old form split "1111..." every possible way and took seconds on 24 digits.
    r"[ \t]*(?:(?:\d++(?:\.\d++)*[a-hj-uwyz]?|[ivx]++)[ \t]*(?:(?:,|and|&|-|–|or|to|/)[ \t]*)?)*(?:#)?[ \t]*$"
)
# The words that qualify a figure, right before it (plain words; "." is a literal dot), and the
# symbols that do ("~", ">", "≤"), per qualifier, in the order they are tried.
_QUALIFIER_WORDS = (
    ("approximately", ("about", "around", "approximately", "approx.", "nearly", "almost", "roughly", "estimated",
                       "an estimated", "some", "close to", "circa", "ca.", "est."), "~≈"),
    ("at_least", ("over", "more than", "exceeding", "exceeded", "exceeds", "surpassing", "surpassed", "at least",
                  "above", "upwards of", "in excess of", "greater than", "no less than", "minimum of", "a minimum of"),
     ">≥"),
    ("at_most", ("within", "up to", "less than", "fewer than", "under", "below", "at most", "no more than",
                 "maximum of", "a maximum of", "not exceeding"), "<≤"),
)
_QUALIFIERS = tuple(
    (name, re.compile(r"(?i:\b(?:" + _one_of((w.replace(".", r"\.") for w in words), ignore_case=True)
                      + rf")[ \t]*|[{symbols}][ \t]*)$"))
    for name, words, symbols in _QUALIFIER_WORDS)
# any of them: most figures have none, and one search of all the words at once (grouped by first
# letter) rules that out for the cost of one of the three
_ANY_QUALIFIER = re.compile(
    r"(?i:\b(?:" + _one_of((w.replace(".", r"\.") for _, words, _ in _QUALIFIER_WORDS for w in words), ignore_case=True)
    + r")[ \t]*|[" + "".join(symbols for _, _, symbols in _QUALIFIER_WORDS) + r"][ \t]*)$")
_LONGEST_QUALIFIER = max(len(w) for _, words, _ in _QUALIFIER_WORDS for w in words)
_OVER_PERIOD = re.compile(r"(?i:\bover[ \t]+(?:a[ \t]+|the[ \t]+(?:next|last|past)[ \t]+)?)$")
# ". The", "?\n(1)", a blank line, a line break before a list item. The leading class lets the
# engine skip to the next candidate character in C; the lookbehinds say which one it was.
_SENTENCE_END = re.compile(r"[.!?\n](?:(?<=[.!?])[\"”’)\]]*\s+(?=[A-Z\"“(\[0-9•])|(?<=\n)[ \t]*\n|"
                           r"(?<=\n)(?=[ \t]*(?:[-•*]|\d+[.)])[ \t]))")
_ABBREVIATION = re.compile(r"(?:\b(?:[A-Z]|Co|Ltd|Inc|No|vs|St|Mr|Ms|Mrs|Dr|Jr|Sr|etc|approx|e\.g|i\.e|Fig|Rs|U\.S|Corp|Dept)\.)$")
# A year mentioned as the time a statement refers to, by how it is introduced.
# "2023" (not "20231", "2023%", "2,023"), and the "23" of "FY23": two scans, each opening with a
# literal the engine looks for in C, are four times faster than one alternation
_YEAR_TOKEN = re.compile(r"(?:19|20)\d\d(?![\d%]|,\d)")
_FY_YEAR_TOKEN = re.compile(r"FY(\d\d)\b")
_FY_BEFORE = re.compile(r"(?:FY|fy|CY)[ \t']?\d+$")  # the year token is a fiscal year
_FISCAL_BEFORE = re.compile(r"(?i:fiscal|financial|reporting)(?: year)?[ \t]*$")
_YEAR_INTRO = re.compile(
    r"(?i:\b(?:" + _one_of((
        "in", "on", "during", "for", "as of", "as at", "by", "by the end of", "end of", "at the end of", "in the year",
        "the year", "throughout", "over", "within", "around", "before", "until", "fiscal(?: year)?", "financial year",
        "reporting year", "calendar year", "year"), ignore_case=True) + ")"
    r"(?:[ \t]+(?:the[ \t]+)?(?:" + _MONTH_NAMES + r"\.?[ \t]*(?:\d{1,2}(?:st|nd|rd|th)?,?[ \t]+)?|\d{1,2}[ \t]+"
    + _MONTH_NAMES + r"[ \t]+))?[ \t]*\(?(?:FY\)?)?[ \t]*)$"
)
_YEAR_BASELINE = re.compile(
    r"(?i:\b(?:" + _one_of(("since", "from", "compared (?:with|to)", "relative to", "versus", r"vs\.?", "baseline",
                           "base year", "against", "than"), ignore_case=True) + ")"
    r"[ \t]+(?:(?:the|a|an|its|our|their|average|mean|same|levels?|baseline)[ \t]+){0,3}(?:" + _MONTH_NAMES
    + r"[ \t]+)?(?:FY)?$|(?:19|20)\d\d[ \t]*(?:-|–|to)[ \t]*(?:FY)?$)"
)
_TIMES = re.compile(r"[ \t]+times(?=[ \t]+(?:greater|more|higher|larger|lower|less|faster|as|the|over)\b)")
_VALUE_INTRO = re.compile(r"(?i:\b(?:from|to|was|were|is|at|reached|totalled|totaled|of|averaged|stood at)[ \t]+)$")
_VALUE_OUTRO = re.compile(r"[ \t]+in[ \t]+(?:19|20)\d\d\b|[.;,)](?:\s|$)")
_LABEL_BEFORE = re.compile(r"(?:^|[\n.;(])[ \t]*([A-Z][A-Za-z][A-Za-z ,&/-]{1,40}):[ \t]*$")
_NOUN_AFTER = re.compile(r"\+?[ \t]*([A-Za-z][A-Za-z’'-]*[A-Za-z])\b(?!\d)")
_NOUN_NEXT_LINE = re.compile(r"\+?[ \t]*\n[ \t]*([a-z][a-z’'-]*[a-z])\b")
_NOT_COUNTED = frozenset("""
    and or to of from in at on by for the a an per with was were is are be been as than vs versus
    times x am pm which that this these those it its we our they their compared respectively
    onwards onward levels level base baseline edition report conference annual plus out if when
    while since but also has have had will would can could may should not no each every all so
    between after before during until through via into onto over under about around up down
    percent per cent million billion thousand trillion mn bn hundred lakh crore
    """.split()) | {m.lower() for m in _MONTHS.split("|")}
_IDIOM_AFTER = re.compile(r"(?i:[ \t]+(?:of|such|another|by one|or two|or more|and only|at a time|day|point|hand|way|time|another)\b|-(?!year|month|week|day|hour|minute))")
# A capital that starts a word (the lookbehind after it is the \b before it): opening with the
# capital lets the engine skip to the next one in C instead of trying every position.
_ENTITY = re.compile(r"([A-Z](?<!\w[A-Z])[\w.&’'-]*(?:[ \t]+(?:(?:of|and|for|de|&)[ \t]+)?[A-Z0-9][\w.&’'-]*)*)")
_NOT_ENTITY = frozenset("""
    In The This That These Those As By Through Furthermore Additionally Moreover Also Its Their Our
    We It They With For On At From Since During According Another One Lastly Finally Overall
    However Apart To Of And Scope FY Alongside Beyond Under Approximately Around Over Nearly About
    More Total While When If A An Million Billion Data See Read Learn Note Source Sources Paragraph
    Title Sub China Malaysia US UN ESG GHG CO2 CO2e Taken Following Some Each Every All Here Such
    Both Following Compared Despite Due Given Although Because Including Between Among Across Of
    Percentage Status Target Progress Figure Table Chapter Appendix Category Categories Key
    """.split()) | frozenset(_MONTHS.split("|"))

_TOPIC_KEYWORDS: dict[str, tuple[tuple[str, float], ...]] = {
    "emissions_reduction": (("reduc", 2), ("avoid", 2), ("abat", 2), ("decarboni", 2), ("low-carbon", 2),
                            ("low carbon", 2), ("offset", 2), ("net-zero", 3), ("net zero", 3),
                            ("carbon neutral", 2), ("cut", 1), ("lower", 1), ("decrease", 1), ("saving", 1),
                            ("credit", 2), ("captur", 2), ("sequest", 2), ("ccs", 2), ("intensity", 1)),
    "ghg_emissions": (("emission", 2), ("co2", 2), ("ghg", 2), ("greenhouse", 2), ("carbon", 1),
                      ("scope", 1), ("methane", 2), ("flaring", 1), ("footprint", 1)),
    "energy": (("energy", 2), ("electricity", 2), ("renewable", 2), ("solar", 2), ("wind", 1), ("diesel", 2),
               ("petrol", 2), ("gasoline", 2),
               ("power", 1), ("fuel", 1), ("hydropower", 2), ("biomethane", 2), ("gas", 1)),
    "water": (("water", 3), ("wastewater", 3), ("withdrawal", 2), ("discharge", 2), ("effluent", 2)),
    "waste_packaging": (("waste", 3), ("packag", 3), ("recycl", 2), ("plastic", 2), ("landfill", 2),
                        ("circular", 2), ("disposed", 2), ("reuse", 2), ("biodegradable", 2)),
    "biodiversity": (("biodiversity", 3), ("habitat", 3), ("species", 2), ("wildlife", 3),
                     ("ecosystem", 1), ("forest", 2), ("trees", 2), ("nature", 1), ("marine", 2),
                     ("terrestrial", 2), ("conserv", 1), ("acres", 1), ("hectares", 1)),
    "employment": (("employment", 3), ("jobs", 3), ("job ", 2), ("employ", 1), ("workforce", 2),
                   ("hire", 2), ("hiring", 2), ("women", 2), ("diversity", 2), ("staff", 1), ("headcount", 2)),
    "training": (("training", 3), ("trainings", 3), ("course", 2), ("learning", 2), ("skills", 1),
                 ("mentor", 2), ("education", 1)),
    "philanthropy": (("donat", 3), ("philanthrop", 3), ("charit", 3), ("volunteer", 2), ("nonprofit", 3),
                     ("foundation", 2), ("giving", 2), ("relief", 1), ("meals", 2), ("community", 1)),
    "rural_economy": (("rural", 3), ("village", 3), ("counties", 3), ("county", 2), ("farmer", 3),
                      ("agricultur", 2), ("impoverished", 3), ("revitaliz", 2)),
    "small_business": (("msme", 3), ("sme", 2), ("small business", 3), ("merchant", 2), ("seller", 2),
                       ("entrepreneur", 2), ("manufactur", 2), ("productivity", 2), ("production cycle", 2),
                       ("factory", 2), ("factories", 2), ("supplier", 2)),
    "consumer": (("consumer", 3), ("customer", 3), ("refund", 3), ("compensation", 2), ("items", 2),
                 ("products", 1), ("users", 2), ("food safety", 2), ("complain", 2), ("accessib", 2),
                 ("searches", 2)),
    "health": (("health", 3), ("screen", 3), ("alzheimer", 3), ("patient", 3), ("medical", 2),
               ("disease", 2), ("safety", 1), ("injur", 3), ("vaccin", 2), ("well-being", 2),
               ("wellbeing", 2), ("medicine", 2)),
    "governance": (("governance", 3), ("principle", 3), ("compliance", 3), ("ethic", 2), ("board", 2),
                   ("audit", 2), ("policy", 1), ("corruption", 3), ("privacy", 2), ("data security", 2),
                   ("risk", 1), ("exams", 1), ("remuneration", 2), ("fine", 1), ("joint venture", 2),
                   ("jv ", 2), ("owned", 2), ("shareholder", 2), ("comprises", 1), ("ownership", 2)),
    "operations": (("capital expenditure", 2), ("investment", 1), ("invested", 1), ("revenue", 2),
                   ("sales", 2), ("spend", 2), ("spent", 2), ("cost", 1), ("efficien", 1),
                   ("operation", 1), ("capex", 3), ("production", 1)),
}
_PILLAR = PILLAR
_TOPIC_RANK = {topic: i for i, topic in enumerate(TOPICS)}  # ties go to the topic listed first
_PER_NOUN = re.compile(r"[ \t]+(?:[a-z][a-z-]*[ \t]+){0,2}[a-z][a-z-]*[ \t]+per[ \t]+[a-z]+")
_GAS_PHRASE = re.compile(r"(?i:[ \t]+(?:of[ \t]+)?(?:CO2e?|CO₂e?|carbon dioxide equivalent|CO2 equivalent|CO2-e))")
_DENOMINATORS = {
    "person": "person", "capita": "person", "employee": "employee", "employees": "employee",
    "tonne": "t", "ton": "t", "t": "t", "tonnes": "t", "metric": "t", "mt": "t", "m2": "m2", "m²": "m2",
    "sqm": "m2", "square": "m2", "megajoule": "MJ", "mj": "MJ", "gj": "GJ", "kwh": "kWh", "mwh": "MWh",
    "boe": "boe", "barrel": "bbl", "day": "day", "year": "year", "month": "month", "hour": "hour",
    "km": "km", "kg": "kg", "litre": "L", "liter": "L", "product": "product", "unit": "unit",
    "revenue": "revenue", "visit": "visit", "patient": "patient", "pack": "pack",
}
_PER_SEPARATOR = re.compile(r"[ \t]*/[ \t]*|[ \t]+per[ \t]+")
_PER = re.compile(r"(?:[ \t]*/[ \t]*|[ \t]+per[ \t]+)(?!cent\b)((?:[A-Za-z][A-Za-z²³0-9.-]*)(?:[ \t]*/[ \t]*[A-Za-z]+|[ \t]+per[ \t]+[A-Za-z]+)*)")

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
    is_target: bool = False  # a target or goal ("50% by 2030"), not an achievement


_new_figure = object.__new__


def _figure(**fields) -> Figure:
    """Figure(**fields), every field given: the frozen dataclass's __init__ sets each field with
    object.__setattr__, which costs more than all of them at once."""
    fig = _new_figure(Figure)
    fig.__dict__.update(fields)
    return fig


# --------------------------------------------------------------------------------------------
# Per-text context, computed lazily and once


_IN_PARENTHESES = re.compile(r"\(([^()]{1,20})\)")


def _header_unit(cell: str) -> tuple[str, str] | None:
    """The unit a table header cell names in parentheses: "Energy (GJ)" -> GJ."""
    for m in _IN_PARENTHESES.finditer(cell):
        unit = _unit_of(m.group(1).strip(), "", "")
        if unit:
            return unit
    return None


_DATA_CELL = re.compile(r"[-−]?[\d.,%]+")
_SPACE_RUN = re.compile(r"\s*")


def _find_all(text: str, sub: str):
    """Every position of sub in text, overlapping ones included."""
    i = text.find(sub)
    while i != -1:
        yield i
        i = text.find(sub, i + 1)


def _blank_between(text: str, start: int, end: int) -> bool:
    """True when text[start:end] is only whitespace; reads back from end to the first non-blank."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return end == start


class _Row:
    """A line of a flattened `|` table, split once: its cells and what they state."""

    def __init__(self, text: str, start: int, end: int):
        raw = text[start:end].split("|")
        self.cells = [c.strip() for c in raw]
        self.pipes = array("q", itertools.accumulate((len(c) + 1 for c in raw[:-1]), initial=start - 1))[1:]
        self.has_data = any(_DATA_CELL.fullmatch(c) for c in self.cells)
        self.label = next((c for c in self.cells if c and not _DATA_CELL.fullmatch(c)), None)
        self.unit = next((u for c in self.cells if c and not c[0].isdigit() and (u := _unit_of(c, "", ""))), None)
        above = text[text.rfind("\n", 0, max(0, start - 1)) + 1:max(0, start - 1)]
        below_end = text.find("\n", end + 1)
        below = text[end + 1:len(text) if below_end == -1 else below_end]
        self.neighbour_is_row = "|" in above or "|" in below
        self._units: list[tuple[str, str] | None] | None = None

    def units(self) -> list[tuple[str, str] | None]:
        """The unit each cell names in parentheses, as a header: "Energy (GJ)" -> GJ."""
        if self._units is None:
            self._units = [_header_unit(c) for c in self.cells]
        return self._units


# Characters that match an ASCII letter when case is ignored but do not lower-case to one
# ("ſ" matches "s"; "İ" lower-cases to two characters): where they appear, literal words cannot
# be found with str.find on the lower-cased text.
_FOLDS_TO_ASCII = "\u0130\u0131\u017f\u212a"

# A capitalized word after a lower-case word or a comma: "... of Compliance", "(Alibaba"
_MID_SENTENCE_CAPITAL = re.compile(r" (?<=[a-z,;:(] )([A-Z][^\W_]*)")
_ALNUM_RUN = re.compile(r"[^\W_]+")
_NEARBY = 4000  # how far is_proper looks for a word, on each side

_MAX_SENTENCE = 400  # characters kept on each side of a figure when a text has no sentence ends


@dataclass(frozen=True)
class _StatedYears:
    """The years a text states, in order, and the summaries _year needs: computed once per text."""

    found: list[tuple[int, int, int]]  # (position, year, rank); lower rank is surer
    positions: list[int]  # found's positions, for bisect
    recent: int  # a year before this is history ("a home built in 1949"): the median stated year - 10
    stated: frozenset[int]  # the years stated as a time (rank < 3)

    @classmethod
    def of(cls, found: list[tuple[int, int, int]]) -> _StatedYears:
        stated = sorted(y[1] for y in found if y[2] < 3)
        return cls(found, [y[0] for y in found], stated[len(stated) // 2] - 10 if stated else 0, frozenset(stated))


class _Context:
    """What figures need from their surroundings, each computed once per text and only when
    asked: URLs, sentence ends, years stated, where capitalized words appear, topic keywords (per
    chunk), table lines (per line), names (per sentence)."""

    def __init__(self, text: str):
        self.text = text
        self._urls: list[tuple[int, int]] | None = None
        self._ends: list[int] | None = None
        self._years: _StatedYears | None = None
        self._capitalized: dict[str, list[int]] | None = None
        self._line = (0, -1)  # bounds of the line looked up last
        self._rows: dict[tuple[int, int], _Row | None] = {}
        self._starts_above: dict[int, int] = {}
        self._tables: dict[int, list[_Row]] = {}
        self._units_above: dict[int, set[tuple[str, str]]] = {}
        self.rows: dict[int, tuple[int, int]] = {}  # figure start -> bounds of its table row
        self._first_names: dict[tuple[int, int], tuple[int, str | None]] = {}
        self._names: dict[tuple, str | None] = {}
        self._last_names: dict[int, str | None] = {}
        self._lowered: str | None = None
        self._keyword_sets: dict[tuple[int, int], set[str]] = {}
        self._metric_keywords: dict[str | None, set[str]] = {}
        self._triggers: dict[tuple[str, ...], list[int] | None] = {}
        self._year_owners: dict[int, int | None] = {}

    def in_url(self, pos: int) -> bool:
        if self._urls is None:
            t = self.text
            spans = [m.span() for m in _URL.finditer(t)] if ("http" in t or "www." in t or "<" in t) else []
            if "@" in t:
                spans = sorted(spans + [m.span() for m in _EMAIL.finditer(t)])
            self._urls = spans
            self._url_starts = [a for a, _ in self._urls]
        if not self._urls:
            return False
        i = bisect.bisect_right(self._url_starts, pos) - 1
        return i >= 0 and pos < self._urls[i][1]

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """Bounds of the sentence holding [start, end)."""
        if self._ends is None:
            ends = []
            for m in _SENTENCE_END.finditer(self.text):
                if m.group(0)[0] == "." and _ABBREVIATION.search(self.text, max(0, m.start() - 8), m.start() + 1):
                    continue
                ends.append((m.start() + (0 if m.group(0)[0] == "\n" else 1), m.end()))
            self._ends = ends
            self._end_starts = [e[0] for e in ends]
        i = bisect.bisect_left(self._end_starts, start)
        s = self._ends[i - 1][1] if i > 0 else 0
        j = bisect.bisect_left(self._end_starts, end)
        e = self._ends[j][0] if j < len(self._ends) else len(self.text)
        return self.capped(s, e, start, end)

    def capped(self, s: int, e: int, start: int, end: int) -> tuple[int, int]:
        """Bounds [s, e) around a figure [start, end), at most _MAX_SENTENCE characters on each side.

        Text without sentence ends (tables, lists, a long table row) would make every "sentence"
        huge, and every figure's work grow with it.
        """
        if start - s > _MAX_SENTENCE:
            s = self.text.find(" ", start - _MAX_SENTENCE, start) + 1 or start - _MAX_SENTENCE
        if e - end > _MAX_SENTENCE:
            cut = self.text.rfind(" ", end, end + _MAX_SENTENCE)
            e = cut if cut > end else end + _MAX_SENTENCE
        return s, e

    def years(self) -> _StatedYears:
        """Years stated as the time of a statement, with what _year looks up in them."""
        if self._years is None:
            found = []
            t = self.text
            tokens = heapq.merge(((m.start(), m.end()) for m in _YEAR_TOKEN.finditer(t)),
                                 ((m.start(1), m.end(1)) for m in _FY_YEAR_TOKEN.finditer(t)))
            for start, end in tokens:
                raw = t[start:end]
                prev = t[start - 1] if start else ""
                if prev.isdigit() or prev in ",.$€£" or (prev.isalpha() and t[max(0, start - 2):start] not in ("FY", "fy", "CY")):
                    continue
                year = int(raw) if len(raw) == 4 else (2000 if int(raw) < 70 else 1900) + int(raw)
                before = t[max(0, start - 40):start]
                token = t[max(0, start - 3):end]
                if _YEAR_BASELINE.search(before):
                    continue
                if _FY_BEFORE.search(token) or _FISCAL_BEFORE.search(before):
                    found.append((start, year, 0))
                elif intro := _YEAR_INTRO.search(before):
                    word = intro.group(0).strip().lower()
                    rank = 3 if word in ("by", "around", "before", "until") else (1 if word.startswith(("as of", "as at", "by", "end", "at the end")) else 2)
                    found.append((start, year, rank))
            self._years = _StatedYears.of(found)
        return self._years

    def year_owner(self, at: int) -> int | None:
        """Where the number that owns the year at `at` starts ("... 1.19 in 2022"), if one does;
        once per year (a sentence's figures all ask about its years)."""
        if at not in self._year_owners:
            before = self.text[max(0, at - 40):at]
            m = _OWNED_YEAR.search(before)
            # "10%, and 30% respectively in 2030": the year is both figures'
            self._year_owners[at] = None if m is None or "respectively" in before[-30:] else at - len(before) + m.start()
        return self._year_owners[at]

    def table_cell(self, start: int, end: int) -> tuple[str, str, str | None] | None:
        """For a number that fills a cell of a flattened `|` table: (unit, kind, row label).

        The unit is the one a cell of its row states ("Tea | MT | 5,769.3"), else the one its
        column header states in parentheses ("Energy (GJ)"), else the one unit the table's
        header names; ("number", "number") when none does. None when the number is not a cell.
        """
        text = self.text
        line_start, line_end = self._line_of(start)[0], self._line_of(end)[1]
        row = self._row(line_start, line_end)
        if row is None:
            return None
        if len(row.pipes) < 2 and not row.neighbour_is_row:
            return None  # a two-column row counts when a neighbouring line is a row too
        column = bisect.bisect_left(row.pipes, start)  # the pipes before the number
        cell_start = row.pipes[column - 1] + 1 if column else line_start
        next_pipe = bisect.bisect_left(row.pipes, end)
        cell_end = row.pipes[next_pipe] if next_pipe < len(row.pipes) else line_end
        if not _blank_between(text, cell_start, start) or _SPACE_RUN.match(text, end).end() < cell_end:
            return None  # the number does not fill its cell
        self.rows[start] = (line_start, line_end)
        if row.unit:
            return row.unit[0], row.unit[1], row.label
        if row.label and _header_unit(row.label):
            return (*_header_unit(row.label), row.label)  # "Energy use (GJ) | 100 | 90"
        headers = self._table_headers(line_start)
        for header in headers:
            if len(header.cells) == len(row.cells) and header.units()[column]:
                return (*header.units()[column], row.label)
        units = self._header_units(line_start)
        return (*(next(iter(units)) if len(units) == 1 else ("number", "number")), row.label)

    def _line_of(self, pos: int) -> tuple[int, int]:
        """Bounds of the line holding pos (a line break belongs to the line it ends)."""
        start, end = self._line
        if not start <= pos <= end:  # figures come in order: most share the line looked up last
            text = self.text
            end = text.find("\n", pos)
            start, end = text.rfind("\n", 0, pos) + 1, len(text) if end == -1 else end
            self._line = start, end
        return start, end

    def _row(self, start: int, end: int) -> _Row | None:
        """text[start:end] split into table cells, once; None when it holds no `|`."""
        key = (start, end)
        if key not in self._rows:
            text = self.text
            has_pipe = text.find("|", start, end) != -1
            self._rows[key] = _Row(text, start, end) if has_pipe else None
        return self._rows[key]

    def _line_above(self, line_start: int) -> int:
        """Where the line before the one starting at line_start starts."""
        if line_start not in self._starts_above:
            self._starts_above[line_start] = self.text.rfind("\n", 0, line_start - 1) + 1
        return self._starts_above[line_start]

    def _table_headers(self, line_start: int) -> list[_Row]:
        """The lines of the table above line_start (nearest first) that hold no data: its header."""
        if line_start not in self._tables:
            pos, headers = line_start, []
            for _ in range(60):
                if pos <= 0:
                    break
                prev_start = self._line_above(pos)
                row = self._row(prev_start, pos - 1)
                if row is None:
                    break
                if not row.has_data:
                    headers.append(row)  # data rows above are not headers
                pos = prev_start
            self._tables[line_start] = headers
        return self._tables[line_start]

    def _header_units(self, line_start: int) -> set[tuple[str, str]]:
        """The units, other than %, that the header above line_start names."""
        if line_start not in self._units_above:
            self._units_above[line_start] = {
                u for h in self._table_headers(line_start) for u in h.units() if u and u[0] != "%"}
        return self._units_above[line_start]

    def first_name(self, s_start: int, s_end: int, before: int) -> str | None:
        """The first name in text[s_start:s_end], if it starts before `before`.

        Read up to `before` only; a name found is kept for the sentence's other figures.
        """
        key = (s_start, s_end)
        found = self._first_names.get(key)  # (position, name), or (limit, None): no name starts before limit
        if found is None or (found[1] is None and found[0] < before):
            segment = self.text[s_start:s_end]
            found = (before, None)
            for m in _ENTITY.finditer(segment):
                if s_start + m.start() >= before:
                    break
                if name := self._name(s_start, segment, m):
                    found = (s_start + m.start(), name)
                    break
            self._first_names[key] = found
        return found[1] if found[0] < before else None

    def last_name_before(self, s_start: int) -> str | None:
        """The last name in the 500 characters before s_start; looked for once per sentence start."""
        if s_start not in self._last_names:
            segment_start = max(0, s_start - 500)
            segment = self.text[segment_start:s_start]
            names = (name for m in reversed(list(_ENTITY.finditer(segment)))
                     if (name := self._name(segment_start, segment, m)))
            self._last_names[s_start] = next(names, None)
        return self._last_names[s_start]

    def _name(self, segment_start: int, segment: str, m: re.Match) -> str | None:
        """_name of a match, once per place: the 500-character windows before sentences overlap.

        What _name reads: the match (its place and end) and the 6 characters before it in the
        segment, which are the text's unless the match starts closer than that to the segment.
        """
        at = m.start()
        key = (segment_start + at, segment_start + m.end(), min(at, 7))
        if key not in self._names:
            self._names[key] = _name(self, segment_start, segment, m)
        return self._names[key]

    def lowered(self) -> str | None:
        """The text lower-cased, once; None when that moves characters ("İ" becomes two).

        Lower-cased 64 KB at a time: str.lower() of non-ASCII text allocates 12 bytes a character
        while it works. (Only a final sigma depends on its neighbours, and all we look for is ASCII.)
        """
        if self._lowered is None:
            text = self.text
            lowered = text.lower() if text.isascii() else "".join(
                text[i:i + 65536].lower() for i in range(0, len(text), 65536))
            self._lowered = lowered if len(lowered) == len(text) else ""
        return self._lowered or None

    def may_hold(self, words: tuple[str, ...], start: int, end: int) -> bool:
        """False when text[start:end] holds none of words (lower-case literals), ignoring case;
        True when it may.

        A pattern that cannot match without one of its literal words need not be tried where none
        is: each word is found once per text (str.find on the lower-cased text, in C), then a
        range is a bisect. Texts where ignoring case reaches beyond lower-casing ("ſ" matches "s",
        "ı" matches "i") always answer True, so the pattern is tried as before.
        """
        if words not in self._triggers:
            lowered = self.lowered()
            if lowered is None or (not self.text.isascii() and any(c in self.text for c in _FOLDS_TO_ASCII)):
                self._triggers[words] = None
            else:
                self._triggers[words] = sorted(i for w in words for i in _find_all(lowered, w))
        positions = self._triggers[words]
        if positions is None:
            return True
        i = bisect.bisect_left(positions, start)
        return i < len(positions) and positions[i] < end

    def keywords(self, start: int, end: int) -> set[str]:
        """The topic keywords text[start:end] holds, lower-cased: every keyword that lies wholly
        inside the range, found by one Aho-Corasick pass over it (_keywords_in); a range asked for
        again (a sentence's, for its next figure) is not read again."""
        if (start, end) in self._keyword_sets:
            return self._keyword_sets[start, end]
        lowered = self.lowered()
        if lowered is None:
            return _keywords_in(self.text[start:end].lower())
        found = self._keyword_sets[start, end] = _keywords_in(lowered[start:end])
        return found

    def metric_keywords(self, metric: str | None) -> set[str]:
        """The topic keywords a metric holds, lower-cased; once per metric (row labels repeat)."""
        if metric not in self._metric_keywords:
            self._metric_keywords[metric] = _keywords_in(metric.lower()) if metric else set()
        return self._metric_keywords[metric]

    def is_proper(self, word: str, pos: int) -> bool:
        """True when word (capitalized) also appears capitalized mid-sentence within 4,000
        characters of pos ("... of Compliance"): a name, not a sentence opener."""
        if self._capitalized is None:  # one scan, on first use: where each capitalized word appears mid-sentence
            self._capitalized = {}
            for m in _MID_SENTENCE_CAPITAL.finditer(self.text):
                self._capitalized.setdefault(m.group(1), []).append(m.start(1))
        text = self.text
        key = _ALNUM_RUN.match(word)
        positions = self._capitalized.get(key.group(0), ()) if key else ()
        lo, hi = max(0, pos - _NEARBY) + 2, min(len(text), pos + _NEARBY) - len(word)
        return any(text.startswith(word, at) and not text[at + len(word):at + len(word) + 1].isalnum()
                   for at in positions[bisect.bisect_left(positions, lo):bisect.bisect_right(positions, hi)])


# --------------------------------------------------------------------------------------------
# Extraction


def extract_figures(text: str) -> list[Figure]:
    """Every quantitative figure in text, in order, with offsets relative to text."""
    ctx = _Context(text)
    figures: list[Figure] = []
    taken_until = -1
    pos = 0
    numeric, single = (_NUMERIC_ASCII, _NUMERIC_SINGLE_ASCII) if text.isascii() else (_NUMERIC, _NUMERIC_SINGLE)
    while (m := numeric.search(text, pos)) is not None:
        if m.group("num2") and not _is_range(m):
            m = single.match(text, m.start())
        pos = m.end()
        if m.start() < taken_until:
            continue
        fig = _numeric_figure(ctx, m)
        if fig is not None:
            figures.append(fig)
            taken_until = fig.char_end
    extra = []
    for m in _number_words(ctx):
        fig = _word_figure(ctx, m)
        if fig is not None:
            extra.append(fig)
    if "half" in text or "third" in text or "quarter" in text:
        for m in _fractions(ctx):
            fig = _fraction_figure(ctx, m)
            if fig is not None:
                extra.append(fig)
    if extra:
        figures = _merge(figures, extra)
    return _inherit_metrics(figures)


_SENTENCE_BREAK = re.compile(r"[.!?][\"”’)\]]*\s+(?=[A-Z\"“(])|\n\s*\n")


def clause_around(view: str, lo: int, hi: int, start: int, end: int) -> tuple[str, str]:
    """The words of a figure's sentence before it (up to 120 characters) and after it (up to 80)."""
    before = view[max(lo, start - 120):start]
    cut = [m.end() for m in _SENTENCE_BREAK.finditer(before)]
    after = view[end:min(hi, end + 80)]
    stop = _SENTENCE_BREAK.search(after)
    return before[cut[-1]:] if cut else before, after[:stop.start() + 1] if stop else after


def _inherit_metrics(figures: list[Figure]) -> list[Figure]:
    """A figure whose words name no metric ("..., compared with 1,174 Mt in 2022") measures what
    the figure before it in the same sentence, in the same unit, does."""
    out: list[Figure] = []
    for fig in figures:
        prev = out[-1] if out else None
        if fig.metric is None and prev is not None and prev.metric and prev.sentence == fig.sentence \
                and prev.unit_normalized == fig.unit_normalized:
            fig = replace(fig, metric=prev.metric)
        out.append(fig)
    return out


# Number words are rare: find where one starts (str.find on the lower-cased text, fast), then try
# the pattern there alone. Same matches as finditer, which would try the pattern everywhere.


def _number_words(ctx: _Context) -> Iterator[re.Match]:
    """_WORD_NUMBER.finditer(ctx.text)."""
    lowered = ctx.lowered()
    if not lowered:
        return _matches(_WORD_NUMBER, ctx.text, None)
    # where any number word starts, overlapping ones included: one pass for all of them
    return _matches(_WORD_NUMBER, ctx.text, (i for _, i, _ in _NUMBER_WORD_SEARCH(lowered)))


_NUMBER_WORD_SEARCH = _ascii_word_finder(_NUMBER_WORDS)


def _fractions(ctx: _Context) -> Iterator[re.Match]:
    """_FRACTION.finditer(ctx.text)."""
    lowered = ctx.lowered()
    starts = (i - before for w, befores in _FRACTION_WORDS.items() if w in lowered for i in _find_all(lowered, w)
              for before in befores) if lowered else None
    return _matches(_FRACTION, ctx.text, starts)


def _matches(pattern: re.Pattern, text: str, starts: Iterable[int] | None) -> Iterator[re.Match]:
    """pattern.finditer(text), trying pattern only at starts: every position where it can match."""
    if starts is None:
        yield from pattern.finditer(text)
        return
    end = 0
    for i in sorted(set(starts)):
        if i >= end and (m := pattern.match(text, i)):
            yield m
            end = m.end()


def _merge(figures: list[Figure], extra: list[Figure]) -> list[Figure]:
    """figures, plus each extra figure (leftmost and longest first) that overlaps none taken, by start."""
    spans = sorted((f.char_start, f.char_end) for f in figures)
    starts = [a for a, _ in spans]
    reach = list(itertools.accumulate((b for _, b in spans), max))  # furthest end of the spans so far
    merged, extra_reach = list(figures), -1
    for fig in sorted(extra, key=lambda f: (f.char_start, -f.char_end)):
        i = bisect.bisect_left(starts, fig.char_end)  # figures that start before this one ends
        if (i and reach[i - 1] > fig.char_start) or extra_reach > fig.char_start:
            continue  # extra figures come by start: one taken overlaps this one when it ends after its start
        merged.append(fig)
        extra_reach = max(extra_reach, fig.char_end)
    merged.sort(key=lambda f: f.char_start)
    return merged


def _is_range(m: re.Match) -> bool:
    """A range joins two values of one kind: not a year and a value, not a falling pair."""
    low, high = m.group("num"), m.group("num2")
    if _is_year(low) != _is_year(high):
        return False
    if m.group("range") == "to" and not (m.group("scale") or m.group("unit")):
        return False  # "from 1% to 14%" is two figures
    return _number(high) >= _number(low)


def _number(s: str) -> float:
    return float(s.replace(",", "").replace("\u00a0", "").replace("\u202f", "").replace("\u2009", ""))


def _is_year(num: str) -> bool:
    return len(num) == 4 and num.isdigit() and 1900 <= int(num) <= 2100


_GHG_AFTER = re.compile(r"(?i:[ \t]*(?:of[ \t]*)?(?:CO2|CO₂|carbon dioxide|GHG|greenhouse|emission|carbon\b|offsets?|credits?|reduction)|[^.;\n]{0,25}\bCO2)")
_OF_OTHER = re.compile(r"(?i:[ \t]*(?:\n[ \t]*)?of[ \t]+(?!CO2|CO₂|carbon|GHG|greenhouse|emission|offset|credit|reduction)[a-z])")
_GHG_BEFORE = re.compile(r"(?i:emission|GHG|greenhouse|CO2|carbon|offset|credit|footprint|scope[ \t]*\d)")
_NOT_GHG_BEFORE = re.compile(r"(?i:methane|waste|food|material|plastic|steel|coal|ash|CCR|hydrocarbon|oil|water|paper|packag|"
                             r"NOx|NO2|SOx|SO2|SO 2|NO X|PM2|PM10|particulate|VOC|mercury|ammonia|pollutant)")
_GHG_WORD = re.compile(r"(?i:CO2|CO₂|GHG|greenhouse|carbon|emission)")
TO_GHG = {"t": "tCO2e", "kt": "ktCO2e", "Mt": "MtCO2e", "kg": "kgCO2e", "g": "gCO2e"}


def _unit_of(token: str, after: str, before: str) -> tuple[str, str] | None:
    """(code, kind) for a unit as written; tonnes of CO2 (said after, or by the sentence) are GHG."""
    found = _CASED_UNITS.get(token) or _UNITS.get(token.lower()) or _UNITS.get(" ".join(token.lower().split()))
    if found is None:
        return None
    code, kind = found
    if code == "MtCO2e" and not token.startswith("Mt"):
        code = "tCO2e"  # "MT" and "mt" are metric tonnes in reports ("336,124 mtCO2e"); megatonnes are written "Mt"
    if kind == "mass" and code in TO_GHG:
        if _GHG_AFTER.match(after) or (
            not _OF_OTHER.match(after) and code in ("t", "kt", "Mt")
            and _GHG_BEFORE.search(before) and not _NOT_GHG_BEFORE.search(before)
        ):
            return TO_GHG[code], "ghg"
    if code == "GtCO2e" and token.lower().startswith("giga") and not _GHG_WORD.search(after[:60]):
        return "Gt", "mass"
    return code, kind


# Patterns the rules below read around a figure, compiled once (re's cache lookup costs more
# than a short search).
_YEAR_COMMA_BEFORE = re.compile(r"(?<!\d)(?:19|20)\d\d,$")
_LOWER_WORD_BEFORE = re.compile(r"[a-z]{2}$")
_WORD_HYPHEN_BEFORE = re.compile(r"[A-Za-z]-$")
_DOMAIN_AFTER = re.compile(r"\.[A-Za-z]")
_VERSION_AFTER = re.compile(r"(?:\.\d|:\d|/\d|-\d{1,2}\b)")
_DATE_PART_BEFORE = re.compile(r"\d[:/]$|(?:19|20)\d\d[-–]$")  # at most 5 characters: searched on the last 5
_OPEN_BRACKET_BEFORE = re.compile(r"[(\[][ \t]*$")
_CLOSE_BRACKET_AFTER = re.compile(r"[ \t]*[)\]]")
_IN_BRACKETS_BEFORE = re.compile(r"\[[^\]\n]{0,40}$")
_IN_BRACKETS_AFTER = re.compile(r"[^\[\n]{0,40}\]")
_LINE_START_BEFORE = re.compile(r"(?:^|\n)[ \t|]*$")
_LIST_MARKER_AFTER = re.compile(r"[.)][ \t]")
_HEADING_AFTER = re.compile(r"[ \t]+(?:[A-Z]|\d)")
_ARTICLE_BEFORE = re.compile(r"\b" + _one_of(("the", "a", "an", "our", "its", "their"), ignore_case=True) + r"[ \t]+$", re.I)
_CAPITAL_AFTER = re.compile(r"[ \t]+[A-Z]")
_SENTENCE_END_BEFORE = re.compile(r"[a-z)\]”\"'’][ \t]*[.!?][ \t]+$")
_PLUS_DIGIT_AFTER = re.compile(r"\+[ \t]*\d")
_ONE_IN_BEFORE = re.compile(r"\b\d+[ \t]+in[ \t]+$")
_SENTENCE_MARKS = frozenset(".!?")


def _at_line_start(before: str) -> bool:
    """_LINE_START_BEFORE.search(before) is not None: only blanks and "|" after the string's start
    or its last line break."""
    rest = before.rstrip(" \t|")
    return not rest or rest[-1] == "\n"
_LABEL_END_AFTER = re.compile(r"[ \t]*(?:[.;,)\n]|$)")
_SENTENCE_AFTER = re.compile(r"\.[ \t]+[A-Z]")
_CAPS_HEADING_AFTER = re.compile(r"[ \t]*[A-Z]{2,}[ \t]+[A-Z]{2,}")
_NAME_WORD_BEFORE = re.compile(r"\b[A-Z][A-Za-z]+[ \t]$")
_OPENING_WORD_BEFORE = re.compile(r"(?:^|[.!?:;\n])[ \t]*[A-Z][A-Za-z]+[ \t]$")
_QUANTITY_WORD_BEFORE = re.compile(r"\b(?:Over|About|Around|Approximately|Nearly|Some|With|Almost|More|Than|Total|Top|All|Only|Just|Of)[ \t]$")
_THREE_LETTERS = re.compile(r"[A-Za-z]{3}")
_BASELINE_WORD = re.compile(r"(?i:compared|from|than|since|versus)")
_HYPHEN_UNIT_AFTER = re.compile(r"(?i:-(year|month|week|day|hour|minute)s?\b)")
_UNIT_WORD_AFTER = re.compile(r"(?i:[ \t]+(years?|months?|weeks?|days?|hours?|minutes?|percent|per cent)\b)")
_ORDINAL_BEFORE = re.compile(r"(?i:\b(?:the|first|second|third|only|no)[ \t]+)$")
_PLURAL_AFTER = re.compile(r"\s+(?:[a-z][a-z-]+\s+){0,2}?([a-z][a-z-]+s|[A-Z]{2,}s)\b")
_PART_OF_TIME_BEFORE = re.compile(r"(?i:\b(?:first|second|latter|other|the)[ \t]*)$")
_METRIC_BREAK = re.compile(r"(?=[;:()\[\]\n|.,iatwohc])(?:[;:()\[\]\n|]|[.,](?!\d)|"
                           r"\b(?:in|and|that|which|to|the|we|our|its|their|has|have|had|will|can|helped)\b)")


def _numeric_figure(ctx: _Context, m: re.Match) -> Figure | None:
    text = ctx.text
    num, num2, scale, unit_tok = m.group("num"), m.group("num2"), m.group("scale"), m.group("unit")
    start = m.start("num")
    # a sign attached to the number and preceded by a space, "(" or a cell: "by -5%", "| -24.5%"
    negative = start > 0 and text[start - 1] in "-−" and (start < 2 or text[start - 2] in " \t\n(|:=[")
    num_end = m.end("num2") if num2 else m.end("num")
    prev = text[start - 1] if start else ""
    if prev in ".," and start >= 2 and text[start - 2].isdigit() and not (
        prev == "," and _YEAR_COMMA_BEFORE.search(text[max(0, start - 6):start])
    ):
        return None  # the tail of "1.2.3" or "1,0 35" (but "In 2023,0.7 million tonnes" is glued text)
    if ctx.in_url(start):
        return None
    # currency before the number ("RMB399", "invested$7.9", "Rs. 206")
    before = text[max(0, start - 80):start]
    currency = None
    cur = _CURRENCY_BEFORE.search(before[-6:]) if before and _may_name_currency(before[-6:]) else None
    if cur and not negative:
        currency = _CURRENCY_CODES.get(cur.group(0).strip())
        start -= len(cur.group(0))
        before = text[max(0, start - 80):start]
        prev = text[start - 1] if start else ""
    end = num_end
    # the scale word: single letters only glued to the number, k/m/b only for money or when glued
    if scale:
        glued = m.start("scale") == num_end
        if len(scale) == 1 and not glued:
            scale = None
        elif scale in ("m", "k", "b") and not glued:
            scale = None
    if scale:
        end = m.end("scale")
    unit = None
    if unit_tok and not (scale is None and m.group("scale")):
        sentence_start, _ = ctx.sentence(m.start(), m.end())
        unit = _unit_of(unit_tok, text[m.end("unit"):m.end("unit") + 60], text[max(sentence_start, m.start() - 100):m.start()])
        if unit:
            end = m.end("unit")
    elif unit_tok and scale is None and m.group("scale"):
        unit = None
    if m.group("cur_word") and (scale or unit is None):
        word = m.group("cur_word")
        currency = currency or _CURRENCY_WORDS.get(word.lower()) or _CURRENCY_CODES.get(word)
        end = m.end("cur_word")
    after = text[end:end + 80]
    next_char = text[end] if end < len(text) else ""
    bare = currency is None and unit is None and scale is None
    tail = before[-36:]  # "$"-anchored patterns are searched on a short tail: much faster

    # ---- not figures --------------------------------------------------------------------
    if prev and (prev.isalpha() or prev == "_") and currency is None:
        # glued to a word: "FY2023", "P148", "Carbon88", "CO2", "Scope1", "donated21"
        if bare or _is_year(num) or (prev.isupper() and not _LOWER_WORD_BEFORE.search(tail)):
            return None
    if prev == "-" and _WORD_HYPHEN_BEFORE.search(tail):
        return None  # "COVID-19", "ISO-14001"
    if bare and next_char and (next_char.isalpha() or next_char in "_"):
        return None  # "15th", "2022a", "365program"
    if _DOMAIN_AFTER.match(after) and bare:
        return None  # "1688.com"
    if _VERSION_AFTER.match(text[num_end:num_end + 4]) or _DATE_PART_BEFORE.search(tail[-5:]):
        return None  # versions, times, ratios, dates: "4.0.1", "10:30", "2:1", "31/03", "2023-24"
    if unit is None and currency is None and _is_year(num) and (num2 is None or _is_year(num2) or len(num2) <= 2):
        if not (unit_tok and m.group("unit") == "%"):
            return None  # a year, or a span of years, used as a time reference
    if bare and _ID_BEFORE.search(tail):
        return None  # "Scope 1 and 2", "Chapter 1.3", "sources 7-8", "Paragraph 3", "Q3"
    if bare:
        if _OPEN_BRACKET_BEFORE.search(tail) and _CLOSE_BRACKET_AFTER.match(after):
            return None  # footnote "(5)" or "[3]"
        if _IN_BRACKETS_BEFORE.search(before) and _IN_BRACKETS_AFTER.match(after):
            return None  # "[P180]"
        tail_end = len(tail.rstrip(" \t\n"))  # where trailing blanks start: "$"-anchored matches end there
        if _MONTH_BEFORE.search(tail, max(0, tail_end - 10)) or _MONTH_AFTER.match(after):
            return None  # the day of a date
        line_start = _at_line_start(tail if len(before) > len(tail) else before)
        if line_start and _LIST_MARKER_AFTER.match(after):
            return None  # a list marker "1." / "2)"
        if line_start and _HEADING_AFTER.match(after):
            return None  # footnote text, a numbered heading or a page footer: "4 GreenGov.SG ..."
        if tail[tail_end - 1:tail_end] in _SENTENCE_MARKS and _SENTENCE_END_BEFORE.search(tail) and _CAPITAL_AFTER.match(after):
            return None  # a footnote number opening a sentence: "... lines . 15 Starbucks does not ..."
        if _ARTICLE_BEFORE.search(tail, max(0, tail_end - 5)) and _CAPITAL_AFTER.match(after):
            return None  # "the 2022 Apsara", "our 365 Program"
        cell = ctx.table_cell(start, end) if "|" in tail or after[:8].lstrip(" \t").startswith("|") else None
        if cell is not None:
            value = -_number(num) if negative else _number(num)
            unit_code, unit_kind, label = cell
            return _finish(ctx, start - (1 if negative else 0), end, value, None, unit_code, unit_kind,
                           before, after, metric=label, bounds=ctx.rows.get(start))
        if after.startswith("+") and not _PLUS_DIGIT_AFTER.match(after):
            return _finish(ctx, start, end, _number(num), None, "count", "count", before, after)  # "1,000+"
        times = _TIMES.match(after)
        if times:
            return _finish(ctx, start, end + times.end(), _number(num), None, "times", "ratio", before, text[end + times.end():end + 80])
        if "." in num and _VALUE_INTRO.search(tail) and _VALUE_OUTRO.match(after):
            return _finish(ctx, start, end, _number(num), None, "number", "number", before, after)  # "from 95.6 in 2022 to 98.7"
        if tail[tail_end - 2:tail_end] == "in" and _ONE_IN_BEFORE.search(tail):
            return None  # "1 in 5 employees": a ratio, not a count
        label = _LABEL_BEFORE.search(tail) if tail[tail_end - 1:tail_end] == ":" else None
        if label and _LABEL_END_AFTER.match(after) and not _SENTENCE_AFTER.match(after) \
                and not _ID_BEFORE.search(tail):
            return _finish(ctx, start, end, _number(num), None, "count", "count", before, after,
                           metric=label.group(1).strip())  # "Employees: 12,345"
        noun = _NOUN_AFTER.match(after)
        if noun is None or noun.start() == noun.end(1) - len(noun.group(1)) and after[:1] not in " \t":
            noun = None
        if noun is None:
            noun = _NOUN_NEXT_LINE.match(after)
        if noun is None or noun.group(1).lower() in _NOT_COUNTED:
            return None  # a bare number counts something only when a noun follows it
        word = noun.group(1)
        if word.isupper() and len(word) > 1 and _CAPS_HEADING_AFTER.match(after):
            return None  # an all-caps heading follows: table residue
        if _NAME_WORD_BEFORE.search(tail) and not _OPENING_WORD_BEFORE.search(tail if len(before) > len(tail) else before) and not _QUANTITY_WORD_BEFORE.search(tail):
            return None  # "Digital Village 365", "Windows 10": a number in a name
    if not bare and prev.isalpha() and prev.isupper() and unit is None and currency is None and scale is None:
        return None

    # ---- value and unit -----------------------------------------------------------------
    value = _number(num)
    value_high = _number(num2) if num2 else None
    if negative:
        value, value_high = -value, (-value_high if value_high is not None else None)
        start -= 1
    factor = _SCALES.get(scale.lower(), 1.0) if scale else 1.0
    if scale == "MM":
        factor = 1e6
    value *= factor
    if value_high is not None:
        value_high *= factor
    if unit is not None and unit[0] == "%" and _is_year(num[:4]) and len(num) in (5, 6) and "," not in num and "." not in num:
        # "by 203050%": a year glued to a percentage by PDF extraction
        start += 4
        value = _number(num[4:])
    if currency:
        code, kind = currency, "money"
    elif unit:
        code, kind = unit
    else:
        code, kind = "count", "count"
    # intensities: "112.6 kWh/m2", "0.380 kilograms per person per day", "74 grams of CO2e per MJ"
    if kind not in ("count", "percent", "duration"):
        gas = _GAS_PHRASE.match(text, end) if kind == "ghg" else None
        per = _PER.match(text, gas.end() if gas else end)
        if per:
            words = _PER_SEPARATOR.split(per.group(1).rstrip("."))
            denominators = [_DENOMINATORS.get(w.lower(), None) for w in words]
            if denominators and all(denominators):
                code = f"{code}/{'/'.join(denominators)}"
                if not gas:
                    end = per.end() - (len(per.group(1)) - len(per.group(1).rstrip(".")))
                after = text[end:end + 80]
    label = None
    if "|" in tail or "|" in after[:8]:
        cell = ctx.table_cell(start, end)
        label = cell[2] if cell else None
    return _finish(ctx, start, end, value, value_high, code, kind, before, after, metric=label,
                   bounds=ctx.rows.get(start))


_WORD_SEPARATOR = re.compile(r"[\s-]+")


def _word_value(words: str) -> tuple[float, bool]:
    """Value of a run of number words, and whether it holds a scale word (thousand and up)."""
    total, current, scaled = 0.0, 0.0, False
    for word in _WORD_SEPARATOR.split(words.lower()):
        if word == "and":
            continue
        if word == "hundred":
            current = (current or 1) * 100
        elif word == "dozen":
            current = (current or 1) * 12
        elif word in ("thousand", "million", "billion"):
            total += (current or 1) * _SCALES[word]
            current, scaled = 0.0, True
        else:
            current += _NUMBER_WORDS[word]
    return total + current, scaled


def _word_figure(ctx: _Context, m: re.Match) -> Figure | None:
    """Number words: 'fifteen years', 'six basic principles', 'two million', 'nearly half'."""
    text = ctx.text
    start, end = m.span()
    if start and (text[start - 1].isalpha() or text[start - 1] in "-"):
        return None
    value, scaled = _word_value(m.group(0))
    scale = scaled or None
    before = text[max(0, start - 80):start]
    after = text[end:end + 80]
    hyphen_unit = _HYPHEN_UNIT_AFTER.match(after)
    unit_word = _UNIT_WORD_AFTER.match(after)
    if hyphen_unit or unit_word:
        found = hyphen_unit or unit_word
        code, kind = _UNITS[found.group(1).lower()]
        end += found.end()
        return _finish(ctx, start, end, value, None, code, kind, before, text[end:end + 80])
    if ctx.in_url(start) or _ID_BEFORE.search(before[-36:]):
        return None
    if _IDIOM_AFTER.match(after) or _ORDINAL_BEFORE.search(before[-12:]):
        return None  # "one of", "one-stop", "three-in-one", "the one", "no one"
    if scale:
        return _finish(ctx, start, end, value, None, "count", "count", before, after)
    if value < 3 and not _PER_NOUN.match(after):
        return None  # "one", "two" quantify text structure far more often than data ("one per village" aside)
    if _PER_NOUN.match(after):
        return _finish(ctx, start, end, value, None, "count", "count", before, after)
    noun = _PLURAL_AFTER.match(after)
    if not noun or noun.group(1) in _NOT_COUNTED or noun.group(1) in ("times", "ways", "aspects", "others", "ones"):
        return None
    return _finish(ctx, start, end, value, None, "count", "count", before, after)


def _fraction_figure(ctx: _Context, m: re.Match) -> Figure | None:
    text = ctx.text
    start, end = m.span()
    before = text[max(0, start - 80):start]
    if (start and text[start - 1].isalpha()) or _PART_OF_TIME_BEFORE.search(before[-12:]):
        return None  # "the first half of 2023" is a time, not a share
    value = _FRACTIONS[" ".join(m.group(0).lower().split())]
    return _finish(ctx, start, end, value, None, "fraction", "fraction", before, text[end:end + 80])


# --------------------------------------------------------------------------------------------
# Attributes: qualifier, year, entity, metric, topic


def _qualifier(before: str, after: str, unit: str) -> str:
    before = before[-30:]
    if unit in ("year", "month", "week", "day") and _OVER_PERIOD.search(before):
        return "exact"  # "over 15 years" = across a period, not "more than"
    # a qualifier is at most _LONGEST_QUALIFIER characters, then blanks: only look there
    nearest = max(0, len(before.rstrip()) - _LONGEST_QUALIFIER)
    if _ANY_QUALIFIER.search(before, nearest):
        for name, pattern in _QUALIFIERS:
            if pattern.search(before, nearest):
                return name
    if after.startswith("+"):
        return "at_least"
    return "exact"


_YEAR_LABEL = re.compile(r"(?:^|[(\[;:,|\n])[ \t]*(?:FY)?((?:19|20)\d\d)[ \t]*(?::|—|–|-)[ \t]*$")
_DIRECT_YEAR_GAP = re.compile(r"[^\d.;!?\n]{0,45}")


_YEAR_BEFORE = re.compile(r"(?i:\b(?:in|for|during|as of|as at|FY)[ \t]*)((?:19|20)\d\d)[ \t]*[:,–—-]?[ \t]*$")
_SCOPE_IN_GAP = re.compile(r"(?i:scopes?[ \t]*\d(?:[ \t]*(?:,|and|&|\+|/)[ \t]*(?:scope[ \t]*)?\d)*|"
                           r"\b(?:CO2e?|CO₂e?|CH4|N2O|SO2|NO2|PM2\.5|PM10|tCO2e?)(?:-?eq(?:uivalent)?)?)")
_CLAUSE_WORDS = r"(?i:compared (?:with|to)|versus|vs\.?|while|whereas|against|up from|down from)\b"
# ";" or a clause word after blanks (and a comma): each alternative opens with a literal, so the
# engine skips in C to the next ";", ",", blank or tab instead of trying every position
_CLAUSE_EDGE = re.compile(rf";|,[ \t]+{_CLAUSE_WORDS}| [ \t]*{_CLAUSE_WORDS}|\t[ \t]*{_CLAUSE_WORDS}")
_BY_BEFORE = re.compile(r"(?i:\bby[ \t]+(?:the[ \t]+end[ \t]+of[ \t]+)?(?:FY)?$)")  # a target year: "by 2030"
_ASIDE = re.compile(r"\([^()\n]{0,40}\)")  # "(CO2e)", "(market-based)": read past, not a clause of its own
# a year right after another number ("... from 1.19 in 2022 to 1.18") is that number's
_OWNED_YEAR = re.compile(r"\d[\d,.]*(?:[ \t]*[A-Za-z%$€£₂]+){0,4}[ \t]+(?:in|for|during)[ \t]+(?:FY)?$")
_COMPARISON = re.compile(r"(?i:compared (?:with|to)|versus|\bvs\b|against|up from|down from)")
_TARGET_WORDS = re.compile(r"(?i:\b(?:targets?(?:ing|ed)?|goals?|aim(?:s|ed|ing)?[ \t]+(?:to|for)|ambitions?|commit(?:s|ted|ment)?[ \t]+to|"
                           r"pledge[sd]?|plan(?:s|ned)?[ \t]+to|intend(?:s|ed)?[ \t]+to|strive|seek(?:s|ing)?[ \t]+to|"
                           r"will|shall|by[ \t]+(?:the[ \t]+end[ \t]+of[ \t]+)?(?:FY)?20\d\d)\b)")
# every _TARGET_WORDS match holds one of these (lower-cased)
_TARGET_LITERALS = ("target", "goal", "aim", "ambition", "commit", "pledge", "plan", "intend", "strive", "seek",
                    "will", "shall", "by")
_ACHIEVED_WORDS = re.compile(r"(?i:\b(?:achieved|reached|met|exceeded|was|were|had|have|has|fell|rose|decreased|increased|"
                             r"reduced|dropped|grew|delivered|completed|recorded|reported|so far|to date|already)\b)")


def _year(ctx: _Context, s_start: int, s_end: int, fig_start: int, fig_end: int) -> tuple[int | None, str | None]:
    """The year a figure refers to, as the text states it, and how it was stated.

    In order: a label right before it ("(2022: 14.1%)", "In 2019 336,124 mtCO2e"); a year stated
    right after it ("569 Mt in 2021", "50% by 2030": how = "by" for a target year); the year of
    its own clause ("In 2023, emissions were 50 Mt, compared with 1,174 Mt in 2022": 50 Mt is
    2023's); the surest, nearest year of its sentence; the latest year stated earlier in the same
    block of text; the one year the whole text states. Baselines ("vs FY19", "from a 2019
    baseline") are never a figure's year.
    """
    text = ctx.text
    label = _YEAR_LABEL.search(text, max(0, fig_start - 12), fig_start) or _YEAR_BEFORE.search(
        text, max(s_start, fig_start - 16), fig_start)
    if label:
        return int(label.group(1)), "label"  # "(2022: 14.1%)", "2023 — 12,000 tCO2e", "In 2019 336,124"
    known = ctx.years()
    years, positions = known.found, known.positions
    if not years:
        return None, None
    nxt = bisect.bisect_left(positions, fig_end)
    if nxt < len(years) and years[nxt][0] < s_end:
        gap = _ASIDE.sub("", _SCOPE_IN_GAP.sub("scope", text[fig_end:years[nxt][0]]))  # "cut in Scope 1 and 2 emissions by 2030"
        if _DIRECT_YEAR_GAP.fullmatch(gap) and not _BASELINE_WORD.search(gap) and not _CLAUSE_EDGE.search(gap):
            return years[nxt][1], ("by" if _BY_BEFORE.search(text[max(fig_end, years[nxt][0] - 24):years[nxt][0]])
                                   else "after")
    lo, hi = bisect.bisect_left(positions, s_start), bisect.bisect_left(positions, s_end)

    def owned_by_another(y: tuple) -> bool:
        owner = ctx.year_owner(y[0])
        return owner is not None and not (fig_start <= owner < fig_end)

    in_sentence = [y for y in years[lo:hi] if not owned_by_another(y)]
    if in_sentence:
        c_start, c_end = _clause(text, s_start, s_end, fig_start, fig_end)
        in_clause = [y for y in in_sentence if c_start <= y[0] < c_end]
        if in_clause:
            return min(in_clause, key=lambda y: (y[2], abs(y[0] - fig_start)))[1], "clause"
        own = [y for y in in_sentence if not _CLAUSE_EDGE.search(text, min(y[0], fig_start), max(y[0], fig_end))
               or y[0] < c_start and not _COMPARISON.search(text, y[0], c_start)]
        if own:  # a year of another clause counts unless that clause is a comparison ("compared with 2022")
            return min(own, key=lambda y: (y[2], abs(y[0] - fig_start)))[1], "sentence"
    block_start = max(text.rfind("\n\n", max(0, s_start - 800), s_start), s_start - 800, 0)
    earlier = [y for y in years[bisect.bisect_left(positions, block_start):lo]
               if y[2] < 3 and y[1] >= known.recent and not owned_by_another(y)]
    if earlier:
        return earlier[-1][1], "block"
    return (next(iter(known.stated)), "text") if len(known.stated) == 1 else (None, None)


def _clause(text: str, s_start: int, s_end: int, fig_start: int, fig_end: int) -> tuple[int, int]:
    """Bounds of the clause of a sentence that holds a figure: cut at ";", "compared with",
    "while", "versus", parentheses."""
    start, end = s_start, s_end
    for m in _CLAUSE_EDGE.finditer(text, max(s_start, fig_start - 200), fig_start):
        start = m.end()
    m = _CLAUSE_EDGE.search(text, fig_end, min(s_end, fig_end + 200))
    if m:
        end = m.start()
    return start, end


def _is_target(ctx: _Context, s_start: int, fig_start: int, how: str | None) -> bool:
    """A target or goal: its year is a "by 2030", or target words govern it in its clause
    ("We aim to cut ... 42%", "Our target is ... 50%") with no word of an achievement between."""
    text = ctx.text
    lo = max(s_start, fig_start - 120)
    if how != "by" and not ctx.may_hold(_TARGET_LITERALS, lo, fig_start):
        return False  # no target word before it: nothing to govern it
    before = text[lo:fig_start]
    cut = [m.end() for m in _CLAUSE_EDGE.finditer(before)]
    before = before[cut[-1]:] if cut else before
    word = None
    for word in _TARGET_WORDS.finditer(before):
        pass
    if how == "by":
        return not _ACHIEVED_WORDS.search(before) or bool(word and not _ACHIEVED_WORDS.search(before[word.end():]))
    return word is not None and not _ACHIEVED_WORDS.search(before[word.end():])


def _name(ctx: _Context, segment_start: int, segment: str, m: re.Match) -> str | None:
    """The name an _ENTITY match in a segment of text holds, if it is one."""
    name = _name_words(m.group(1))
    if name is None:
        return None
    if " " not in name:  # one word: a name only where it does not open a sentence, or when a name elsewhere
        at_start = m.start() == 0 or _OPENER.search(segment, max(0, m.start() - 6), m.start()) is not None
        if at_start and not ctx.is_proper(name, segment_start + m.start()):
            return None  # a capitalized sentence opener ("Compliance"), not a name
    return name


@lru_cache(maxsize=1 << 16)
def _name_words(phrase: str) -> str | None:
    """The name a run of capitalized words holds once the words around a name are dropped, or
    None: decided by the words alone, so once per phrase (the same names recur in every text)."""
    words = _POSSESSIVE.sub("", phrase).strip(" .-").split()
    while words and (words[0] in _NOT_ENTITY or _NOT_NAME_WORD.fullmatch(words[0]) or not words[0][0].isupper()):
        words = words[1:]
    while words and (words[-1] in _NOT_ENTITY or words[-1] in _UNIT_WORDS or _NOT_NAME_WORD.fullmatch(words[-1])
                     or words[-1].lower() in ("and", "of", "for", "de", "&")):
        words = words[:-1]
    if not words or len(words) > 6 or any(_FOOTNOTE_GLUED.fullmatch(w) for w in words):
        return None  # running headers, footnote markers glued to words ("Scope1", "PPAs1")
    if len(words) == 1 and (len(words[0]) < 3 or words[0] in _UNIT_WORDS):
        return None
    name = " ".join(words)
    if any(map(str.isdigit, name)) and not _THREE_LETTERS.search(name):
        return None
    if name.endswith(("CO2", "CO2e", "kWh", "GWh")):
        return None
    return name


_POSSESSIVE = re.compile(r"(?:’s|'s|’|')$")
_FOOTNOTE_GLUED = re.compile(r"[A-Za-z]+\d{1,2}(?:\.\d+)?")
_OPENER = re.compile(r"(?:[.!?:\n•|]|^)[ \t\"“(\-–]*$")
_UNIT_WORDS = frozenset(list(_CURRENCY_CODES) + ["kWh", "MWh", "GWh", "TWh", "GJ", "MW", "GW", "kW", "CO", "CO2", "CO2e", "GHG", "PV", "No", "Top",
                         "tCO2e", "MtCO2e", "API", "PPA", "RNG", "EUI", "WEI", "KPI", "KPIs"])
_NOT_NAME_WORD = re.compile(r"FY\d*|[\d.,]+|[A-Z]{1,2}\d.*")


def _entity(ctx: _Context, s_start: int, s_end: int, fig_start: int) -> str | None:
    """The first name in the sentence if it comes before the figure (its subject), else the last
    name in the 500 characters before the sentence."""
    return ctx.first_name(s_start, s_end, fig_start) or ctx.last_name_before(s_start)


_METRIC_STOP = re.compile(
    r"\b(?:" + _one_of((
        "in", "by", "for", "to", "across", "from", "compared", "as", "at", "on", "with", "which", "that", "since",
        "during", "while", "and", "through", "per", "over", "under", "within", "than", "this", "were", "was", "is",
        "are", "has", "have", "had", "will", "would", "can", "of the", "drove", "reached", "totalled", "totaled",
        "rose", "fell", "grew", "saved", "used", "generated", "consumed"), ignore_case=True)
    + r")\b|[;:()\[\]\n|]|[.,](?!\d)|(?<=\s)\d",
    re.I,
)
_METRIC_LEAD = re.compile(r"[ \t+]*(?:\n[ \t]*)?(?:of[ \t]+(?:the[ \t]+|its[ \t]+|their[ \t]+|our[ \t]+|total[ \t]+)?)?", re.I)
# the characters _METRIC_TAIL can match: blanks and letters, ASCII or equal to one ignoring case
_TAIL_CHARACTERS = string.ascii_letters + " \t" + _FOLDS_TO_ASCII
# The words that end a metric phrase before a figure, one per word: "a total of" is "a" and
# "total of", "of about" is "of" and "about", so each tail reads one way only (with both, a
# repeated phrase was tried every way: exponential time).
_METRIC_TAIL = re.compile(
    r"(?:\b(?:" + _one_of((
        "by", "of", "to", "at", "was", "were", "is", "are", "totaled", "totalled", "reached", "exceeding", "surpassing",
        "over", "about", "around", "approximately", "nearly", "more than", "up to", "within", "total of", "some",
        "with", "had", "has", "have", "involved", "an", "a", "the", "be", "being", "been", "increased", "decreased",
        "reduced", "rose", "fell"), ignore_case=True) + r")\b[ \t]*)+$",
    re.I,
)


def _metric(text: str, start: int, end: int, unit: str) -> str | None:
    """A short label of what is measured: the noun phrase after the figure, else before it."""
    after = text[end:end + 120]
    lead = _METRIC_LEAD.match(after)
    rest = after[lead.end():]
    has_of = "of" in lead.group(0).lower()
    marker = _FOOTNOTE_LEAD.match(rest)  # "2.4GW1 of solar": the 1 is a footnote marker, not a word
    if marker:
        rest = rest[marker.end():]
        has_of = has_of or marker.group(0).rstrip().endswith("of")
    stop = _METRIC_STOP.search(rest)
    words = rest[: stop.start() if stop else 60].split()[:6]
    while words and not any(ch.isalpha() for ch in words[0]):
        words = words[1:]  # "- In 2021 ...": a list dash, not a word
    if words and (unit not in ("%", "fraction") or has_of) and unit.split("/")[0] not in ("year", "month", "day", "hour", "minute", "week"):
        return " ".join(words)
    before = text[max(0, start - 120):start].rstrip()
    # drop the words that end it ("... was approximately"): letters and blanks after its last other character
    tail = _METRIC_TAIL.search(before, len(before.rstrip(_TAIL_CHARACTERS)))
    before = (before[:tail.start()] if tail else before).rstrip()
    parts = _METRIC_BREAK.split(before)
    tail = parts[-1].strip() if parts else ""
    numbers = [m for m in _NUMBER_TOKEN.finditer(tail) if not _ID_WORD_BEFORE.search(tail, 0, m.start())]
    if numbers:  # only what follows the last number: "336,124 mtCO2e - In 2021" names nothing
        tail = tail[numbers[-1].end():]
    label = " ".join(tail.strip(" -–—:,|").split()[-5:])
    if label.lower() in _CONNECTIVES or not any(ch.isalpha() for ch in label):
        label = ""  # "compared with 1,174 Mt": the figure measures what the one before it does
    return label or (" ".join(words) if words else None)


_FOOTNOTE_LEAD = re.compile(r"\d{1,2}(?:[ \t]+of)?[ \t]+(?=[A-Za-z])")
_NUMBER_TOKEN = re.compile(r"\S*\d\S*")
_CONNECTIVES = frozenset("compared versus vs while whereas and or from to than against up down including of which "
                         "they it this these those that he she we".split())
_ID_WORD_BEFORE = re.compile(r"(?i:\b(?:scopes?|categor(?:y|ies)|cat\.?|phase|tier|level)[ \t]*(?:\d+[ \t]*(?:and|&|\+|,|/)[ \t]*)*$)")


_CLAUSE_BREAK = re.compile(r"[;:(.!?](?:(?<=[;:(])|(?=\s))")  # ";", ":", "(", or ".!?" before a blank
# (each opens with a lookahead on the letters a match can start with, under the same flags: a
# position that cannot start one fails one class test instead of every alternative)
_GHG_CONTEXT = re.compile(r"(?i:(?=[ecgndomc])(?:emission|carbon|co2|ghg|greenhouse|net[- ]zero|decarboni|offset|credit|methane|climate))")
_LEVEL_INTRO = re.compile(r"(?i:\b(?:from|to|at)[ \t]*$)")  # "fell from 51 Mt ... to 50 Mt": levels, not reductions
_REDUCTION = re.compile(r"(?i:(?=[radlocfs])(?:reduc|avoid|abat|decarboni|low[- ]carbon|offset|\bcut|lower|decreas|\bfell|declin|captur|sequest))")


_KEYWORD_TOPIC = {w: (topic, weight) for topic, words in _TOPIC_KEYWORDS.items() for w, weight in words}
_KEYWORDS = list(_KEYWORD_TOPIC)
_KEYWORD_SEARCH = _ascii_word_finder(_KEYWORDS)


def _keywords_in(lowered: str) -> set[str]:
    """The topic keywords a lower-cased string holds: every one found anywhere in it."""
    return {_KEYWORDS[i] for i, _, _ in _KEYWORD_SEARCH(lowered)}


_BOOST = {"ghg": "ghg_emissions", "energy": "energy", "water": "water", "power": "energy"}  # kind -> topic


def topic_of(metric: str | None, window: str, sentence: str, kind: str) -> str:
    """The topic of a figure known by its words alone (a table cell: its labels and its row)."""
    found = (_keywords_in((metric or "").lower()), _keywords_in(window.lower()), _keywords_in(sentence.lower()))
    return _topic(found, metric, "", window, sentence, kind)


def _topic(found: tuple[set[str], set[str], set[str]], metric: str | None, before: str, window: str,
           sentence: str, kind: str) -> str:
    """Topic from weighted keywords of the metric, the words around the figure and the sentence.

    found: the keywords each of those three holds (_keywords_in of each, lower-cased).
    """
    near, close = (metric or "").lower(), window.lower()
    in_near, in_close, in_far = found
    scores: dict[str, float] = {}
    for w in in_near | in_close | in_far:
        topic, weight = _KEYWORD_TOPIC[w]
        scores[topic] = scores.get(topic, 0) + weight * (3 * (w in in_near) + 1.5 * (w in in_close) + (w in in_far))
    if "emissions_reduction" in scores and not _GHG_CONTEXT.search(sentence):
        del scores["emissions_reduction"]  # "water use fell 4%" is about water, not emissions
    boost = _BOOST.get(kind)
    if boost:
        scores[boost] = scores.get(boost, 0) + 6
    if kind == "ghg":
        # an amount of GHG is a reduction only when the reduction words govern it
        if (_REDUCTION.search(before) or _REDUCTION.search(near)) and not _LEVEL_INTRO.search(before):
            scores["emissions_reduction"] = scores.get("emissions_reduction", 0) + scores["ghg_emissions"]
        else:
            scores.pop("emissions_reduction", None)
    elif scores.get("ghg_emissions", 0) >= 4 and scores.get("emissions_reduction") and _REDUCTION.search(close):
        scores["emissions_reduction"] += scores["ghg_emissions"]
    if not scores:
        return "other"
    return max(scores.items(), key=lambda kv: (kv[1], -_TOPIC_RANK[kv[0]]))[0]


def _finish(ctx: _Context, start: int, end: int, value: float, value_high: float | None, unit: str,
            kind: str, before: str, after: str, metric: str | None = None,
            bounds: tuple[int, int] | None = None) -> Figure:
    text = ctx.text
    s_start, s_end = ctx.capped(*bounds, start, end) if bounds else ctx.sentence(start, end)  # a table cell's: its row
    sentence = text[s_start:s_end].strip()
    base_unit, _, per = unit.partition("/")
    unit_normalized, factor = conversion(base_unit)
    if per:
        unit_normalized = f"{unit_normalized}/{per}"
    metric = metric or _metric(text, start, end, unit)
    w_start, w_end = max(s_start, start - 70), min(s_end, end + 50)
    window = text[w_start:w_end]
    clause = text[max(s_start, start - 120):start]
    cut = [m.end() for m in _CLAUSE_BREAK.finditer(clause)]
    clause = clause[cut[-1]:] if cut else clause  # the reduction verb must govern the figure
    lead = s_end - s_start - len(text[s_start:s_end].lstrip())  # where the stripped sentence starts
    found = (ctx.metric_keywords(metric), ctx.keywords(w_start, w_end),
             ctx.keywords(s_start + lead, s_start + lead + len(sentence)))
    topic = _topic(found, metric, clause, window, sentence, kind)
    if topic == "other" and s_start > 0:  # "It ranged from 0.01% to 0.6%": the previous sentence says what
        p_start, _ = ctx.sentence(max(0, s_start - 2), max(0, s_start - 1))
        topic = _topic((set(), set(), ctx.keywords(p_start, s_start)), None, "", "",
                       text[p_start:s_start], kind)
    year, how = _year(ctx, s_start, s_end, start, end)
    return _figure(
        char_start=start,
        char_end=end,
        surface=text[start:end],
        sentence=sentence,
        value=value,
        value_high=value_high,
        unit=unit,
        value_normalized=float(f"{value * factor:.12g}"),  # drop the float noise of unit factors
        unit_normalized=unit_normalized,
        qualifier=_qualifier(before, after, unit),
        year=year,
        entity=_entity(ctx, s_start, s_end, start),
        metric=metric,
        pillar=_PILLAR[topic],
        topic=topic,
        is_target=_is_target(ctx, s_start, start, how),
    )
