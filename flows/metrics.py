"""Standard metrics: which metric a figure states, its GHG scope and Scope 2 method.

The vocabulary is data: ``schemas/vocab/metrics.csv`` (one row per metric: code, title, unit
dimension, GRI disclosure, scope, Scope 2 method, Scope 3 category, the phrases that name it and
the phrases that rule it out). A figure is classified only when its unit's dimension fits the
metric and its words name it; anything else stays unclassified (``None``): a wrong code is worse
than none.

- GHG amounts are classified by the scope their words state ("Scope 1 and 2", "Scope 2
  (market-based)", "Scope 3, category 6" or "business travel"), else by the metric's phrases
  (``direct emissions``, ``total GHG emissions``); an amount that reduction words govern is a
  reduction (``ghg_reduction``), whatever its scope.
- Other figures take the first metric of their dimension whose phrases match the words closest
  to the figure (its metric label, table row and column labels), then its sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from schemas.vocabulary import read_vocab


_SCOPE_123 = re.compile(r"(?i:scopes?\s*1\s*(?:,|and|&|\+|/)\s*(?:scope\s*)?2\s*(?:,|and|&|\+|/)\s*(?:scope\s*)?3\b)")
_SCOPE_12 = re.compile(r"(?i:scopes?\s*1\s*(?:,|and|&|\+|/)\s*(?:scope\s*)?2\b(?!\s*(?:,|and|&|\+|/)\s*(?:scope\s*)?3))")
_SCOPE_N = re.compile(r"(?i:scope\s*([123])(?![\d.]|\s*(?:,|and|&|\+|/)\s*(?:scope\s*)?[123]\b))")
_MARKET = re.compile(r"(?i:market[- ]?based|\bMBM?\b)")
_LOCATION = re.compile(r"(?i:location[- ]?based|\bLBM?\b)")
_CATEGORY = re.compile(r"(?i:\b(?:category|cat\.?)\s*(\d{1,2})\b)")
_REDUCTION = re.compile(r"(?i:reduc|avoid|abat|\bcut|lower|saved|saving|decreas|offset|mitigat)")
_SHARE_WORDS = re.compile(r"(?i:share|proportion|percentage|ratio|of (?:our|the|total|all))")

_CURRENCIES = frozenset("CNY USD HKD SGD AUD CAD EUR GBP LKR INR JPY MYR CHF SEK NOK DKK KRW BRL ZAR NZD IDR PHP MXN TWD".split())


@dataclass(frozen=True)
class Metric:
    code: str
    title: str
    dimension: str
    gri: str  # "305-1;305-2"
    scope: str | None
    scope2_method: str | None
    scope3_category: int | None
    phrases: re.Pattern | None
    excludes: re.Pattern | None


@dataclass(frozen=True)
class Classification:
    metric_code: str | None
    scope: str | None  # "1", "2", "3", "1+2", "1+2+3"
    scope2_method: str | None  # "location" | "market"
    gri_code: str | None

    @classmethod
    def none(cls, scope: str | None = None, method: str | None = None) -> "Classification":
        return cls(None, scope, method, None)


def _pattern(text: str) -> re.Pattern | None:
    return re.compile(f"(?i:{text})") if text else None


@lru_cache(maxsize=1)
def metrics() -> tuple[Metric, ...]:
    """The metric vocabulary, in priority order (the first metric that fits wins)."""
    return tuple(
        Metric(row["metric_code"], row["title"], row["dimension"],
               ", ".join(f"GRI {g}" for g in row["gri"].split(";") if g),
               row["scope"] or None, row["scope2_method"] or None,
               int(row["scope3_category"]) if row["scope3_category"] else None,
               _pattern(row["phrases"]), _pattern(row["excludes"]))
        for row in read_vocab("metrics"))


@lru_cache(maxsize=1)
def metric_titles() -> dict[str, Metric]:
    return {m.code: m for m in metrics()}


def dimension(unit_normalized: str | None) -> str | None:
    """The kind of quantity a normalized unit measures: ghg, energy, water, mass, percent, count, money, ..."""
    if not unit_normalized:
        return None
    base, _, per = unit_normalized.partition("/")
    kind = {"tCO2e": "ghg", "kWh": "energy", "m3": "water", "t": "mass", "%": "percent", "pp": "percent",
            "count": "count", "MW": "power", "MWp": "power", "ha": "area", "km2": "area"}.get(base)
    if kind is None and base in _CURRENCIES:
        kind = "money"
    if kind is None and base in ("hour", "day", "week", "month", "year", "minute"):
        kind = "duration"
    if kind is None and base in ("number", "times", "fraction"):
        kind = "ratio"
    if per and kind in ("ghg", "energy", "water", "mass") and per not in ("year", "month", "day", "hour"):
        return f"{kind}_intensity"  # per tonne, per employee, per revenue: an intensity; per year is a rate
    return kind


def detect_scope(words: str, nearest_end: bool = False) -> tuple[str | None, str | None, int | None]:
    """(scope, Scope 2 method, Scope 3 category) the words state.

    nearest_end: the words run up to a figure, so the scope named last (nearest the figure) wins
    ("Scope 1 emissions fell 12%, while Scope 2 emissions were 2,870 tCO2e": Scope 2).
    """
    mentions = [(m.end(), "1+2+3", m) for m in _SCOPE_123.finditer(words)]
    mentions += [(m.end(), "1+2", m) for m in _SCOPE_12.finditer(words)]
    combined = [m.span() for _, _, m in mentions]
    mentions += [(m.end(), m.group(1), m) for m in _SCOPE_N.finditer(words)
                 if not any(a <= m.start() < b for a, b in combined)]  # "Scope 2" inside "Scope 1 and Scope 2"
    scope, start = None, 0
    if mentions:
        if nearest_end:
            end, scope, match = max(mentions, key=lambda x: x[0])
            start = match.start()
        elif len({x[1] for x in mentions}) == 1:
            scope = mentions[0][1]
    tail = words[start:] if nearest_end else words
    method = "market" if _MARKET.search(tail) else ("location" if _LOCATION.search(tail) else None)
    if scope is not None and "2" not in scope:
        method = None
    category = None
    m = _CATEGORY.search(tail)
    if m and 1 <= int(m.group(1)) <= 15:
        category = int(m.group(1))
    return scope, method, category


def classify(*, unit_normalized: str | None, metric: str | None, sentence: str, surface: str,
             topic: str, row_label: str | None = None, col_label: str | None = None,
             caption: str | None = None, before: str | None = None, after: str | None = None) -> Classification:
    """The standard metric a figure states, its scope and Scope 2 method; None where unsure.

    before / after: the words of the figure's sentence just before and after it (else they are
    looked up in the sentence, which is ambiguous when the sentence states the same figure twice).
    """
    dim = dimension(unit_normalized)
    near = " ".join(x for x in (metric, row_label, col_label) if x)
    if row_label or col_label:  # a table cell: its labels and the table's caption say what it is
        before = ""
        wide = " ".join(x for x in (near, caption) if x)
    else:  # prose: the words around the figure in its sentence
        if before is None or after is None:
            at = max(0, sentence.find(surface))
            before, after = sentence[max(0, at - 120):at], sentence[at + len(surface):at + len(surface) + 80]
        wide = f"{near} {before[-100:]} {surface} {after}"
    if dim is None:
        return Classification.none()
    if dim == "ghg":
        if row_label or col_label:  # the row says what a cell is; its group and the caption only if it does not
            for words in (row_label, col_label, metric, caption):
                if words and detect_scope(words)[0]:
                    return _classify_ghg(words, wide, topic, "", row_label or "")
            return _classify_ghg(row_label or "", wide, topic, "", row_label or "")
        return _classify_ghg(near, wide, topic, before)
    scope, method, _ = detect_scope(near or wide)
    for m in metrics():
        if m.dimension != dim or m.scope is not None or m.phrases is None:
            continue
        for words in (near, wide):
            if words and m.phrases.search(words) and not (m.excludes and m.excludes.search(near or words)):
                if dim == "percent" and m.code.endswith("_share") and m.code != "ghg_reduction_share" \
                        and not (_SHARE_WORDS.search(wide) or m.phrases.search(near)):
                    break  # "renewable capacity grew 20%" is a change, not a share
                return Classification(m.code, scope if m.code.startswith(("ghg", "methane")) else None,
                                      method if m.code.startswith("ghg") else None, m.gri)
    if dim in ("ghg_intensity", "energy_intensity"):
        m = metric_titles()["ghg_intensity" if dim == "ghg_intensity" else "energy_intensity"]
        return Classification(m.code, scope if dim == "ghg_intensity" else None, None, m.gri)
    return Classification.none()


_LEADING_NUMBER = re.compile(r"\s*(\d{1,2})[.)]\s+[A-Z]")


def _classify_ghg(near: str, wide: str, topic: str, before: str = "", row_label: str = "") -> Classification:
    scope, method, category = detect_scope(near)
    if scope is None and before:
        scope, method, category = detect_scope(before, nearest_end=True)
    if scope is None:
        scope, method, category = detect_scope(wide)
    if topic == "emissions_reduction" or _REDUCTION.search(near):
        m = metric_titles()["ghg_reduction"]
        return Classification(m.code, scope, method, m.gri)
    by_code = metric_titles()
    if re.search(r"(?i:methane|\bch4\b)", near or wide):
        return Classification("methane_emissions", scope, None, by_code["methane_emissions"].gri)
    if scope is not None:
        numbered = _LEADING_NUMBER.match(row_label)
        if scope == "3" and category is None and numbered and 1 <= int(numbered.group(1)) <= 15:
            category = int(numbered.group(1))  # "6. Business travel" in a Scope 3 table
        if scope == "3" and category is None:
            for m in metrics():
                if m.scope3_category and m.phrases and m.phrases.search(near or wide):
                    category = m.scope3_category
                    break
        for m in metrics():
            if m.dimension == "ghg" and m.scope == scope and (m.scope3_category == category if scope == "3" else True) \
                    and (m.scope2_method == method if scope == "2" else True):
                return Classification(m.code, scope, method, m.gri)
        return Classification.none(scope, method)
    for m in metrics():
        if m.dimension == "ghg" and m.scope is not None and m.phrases is not None and m.phrases.search(near or wide) \
                and not (m.excludes and m.excludes.search(near or wide)):
            return Classification(m.code, m.scope, m.scope2_method, m.gri)
    return Classification.none()
