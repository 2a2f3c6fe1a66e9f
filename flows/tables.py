"""Figures from tables: each cell's value with the unit, scale, year and metric its headers give it.

``table_figures(text, view, table, caption_hint)`` is a pure function: a table's cells (from any
reader: pipe tables, Markdown, HTML ``<table>``, PDF tables) in, one ``CellFigure`` per numeric
data cell out, offsets into the document text. How a cell is read:

- **Which cells are figures.** Data cells (below the header rows) that hold a number. Not
  figures: header cells (years in headers included), row labels, a ``Unit`` column's cells,
  footnote markers, ``-``, ``n/a``, ``—``, and years in a column about years.
- **Unit and scale**, first found wins, and where it came from is recorded (``unit_source`` and
  the offsets of the words that gave it): the cell itself (``12%``, ``$5.6bn``); a ``Unit`` column
  in its row; its row label (``Total energy consumption (MWh)``); its column header (``(EUR bn.)``,
  ``Unit: KRW 100 million``, ``'000 t``); the table's caption or the line above it (``in thousand
  tonnes``). A scale in a unit phrase multiplies the value: ``KRW 100 million`` over ``111`` is
  KRW 11,100,000,000. A cell whose unit nothing states keeps ``unit = None``: never a guess.
- **Year.** From the column header (``FY22``, ``2023``, ``2023/24``, ``FY2021/22``, ``Baseline
  2019``; a split year counts as its first year), else the row label. A "Change" / "YoY" / "vs"
  column holds a change, not a value for a year; a "Target" column or row holds targets
  (``is_target``).
- **Metric.** The row label, under its group row when it has one (a label row with no values,
  such as ``Scope 3`` above ``Category 1``), plus the column group when a header spans several
  columns (``Scope 2 (market-based)``); never a bare ``Total``.
- **Entity.** A site / facility / subsidiary column names the row's entity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.document import Table
from flows.extract import TO_GHG, conversion, extract_figures, topic_of
from schemas.vocabulary import CASED_UNITS as _CASED_UNITS
from schemas.vocabulary import CURRENCY_CODES as _CURRENCY_CODES
from schemas.vocabulary import PILLAR as _PILLAR
from schemas.vocabulary import UNITS as _UNITS

# ----------------------------------------------------------------------------------------------
# Unit phrases in labels: "(EUR bn.)", "Unit: KRW 100 million", "'000 t", "in thousand tonnes"

_LABEL_SCALES = {"thousand": 1e3, "thousands": 1e3, "'000": 1e3, "’000": 1e3, "000": 1e3, "000s": 1e3, "k": 1e3,
                 "million": 1e6, "millions": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6, "mm": 1e6,
                 "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12,
                 "lakh": 1e5, "lakhs": 1e5, "crore": 1e7, "crores": 1e7}
_EXTRA_UNITS = {  # spellings seen in table headers, beyond the prose vocabulary
    "t-co2": ("tCO2e", "ghg"), "t-co2e": ("tCO2e", "ghg"), "tco2-eq": ("tCO2e", "ghg"), "t co2-eq": ("tCO2e", "ghg"),
    "tco2eq": ("tCO2e", "ghg"), "t co2eq": ("tCO2e", "ghg"), "mtco2e": ("MtCO2e", "ghg"), "ktco2e": ("ktCO2e", "ghg"),
    "no.": ("count", "count"), "number": ("count", "count"), "headcount": ("count", "count"), "#": ("count", "count"),
    "persons": ("count", "count"), "people": ("count", "count"), "fte": ("count", "count"),
    "m³": ("m3", "water"), "cubic metres": ("m3", "water"),
}
_UNIT_SPELLINGS = sorted({**{k: v for k, v in _UNITS.items()}, **_EXTRA_UNITS}, key=len, reverse=True)
_UNIT_TOKEN = re.compile(
    "(?<![A-Za-z0-9])(?:" + "|".join(re.escape(s) for s in _UNIT_SPELLINGS) + ")(?![A-Za-z0-9])", re.I)
_CASED_TOKEN = re.compile(
    "(?<![A-Za-z0-9])(?:" + "|".join(re.escape(s) for s in sorted(_CASED_UNITS, key=len, reverse=True)) + ")(?![A-Za-z0-9])")
_CURRENCY_TOKEN = re.compile(
    r"(?<![A-Za-z])(?:" + "|".join(re.escape(c) for c in sorted(_CURRENCY_CODES, key=len, reverse=True)
                                   if len(c) > 1 or not c.isalpha()) + r")(?![A-Za-z])")
_SCALE_TOKEN = re.compile(r"(?<![A-Za-z0-9,.])(?:(\d{1,3}(?:,\d{3})*)\s*)?(thousands?|millions?|billions?|trillion|"
                          r"lakhs?|crores?|mln|mn|bn|tn|mm|['’]000|000s?|[kmb])(?![A-Za-z0-9])\.?", re.I)
_MULTIPLIER = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|10+)\s*(?=[A-Za-z'’$€£¥])")
_UNIT_MARKERS = re.compile(r"(?i:\bunits?\s*(?:of\s+measure(?:ment)?)?\s*[:=]\s*|\bin\s+(?=(?:thousand|million|billion|'000|’000|[A-Z]{3}\b|[$€£¥]|tonnes|t\b|mwh|gwh|kwh|gj|m3|%))|\bUoM\s*[:=]?\s*)")


@dataclass(frozen=True)
class UnitSpec:
    """A unit (and scale) that a label names, and where in the document text it is named."""

    code: str | None  # unit code (t, MWh, EUR, %, count, ...); None when the label names only a scale
    kind: str | None
    factor: float  # the scale: 1e9 for "bn", 1e8 for "100 million", 1e3 for "'000"
    char_start: int
    char_end: int


def _unit_phrase(s: str, offset: int, whole: bool) -> UnitSpec | None:
    """The unit a short phrase names ("EUR bn.", "KRW 100 million", "'000 t", "MtCO2e").

    whole: the phrase is a whole label (a Unit column cell), so it must hold nothing but the unit.
    """
    found: list[tuple[int, int]] = []
    code = kind = None
    factor = 1.0
    cur = _CURRENCY_TOKEN.search(s)
    if cur:
        code, kind = _CURRENCY_CODES[cur.group(0)], "money"
        found.append(cur.span())
    unit = _CASED_TOKEN.search(s) or _UNIT_TOKEN.search(s)
    for m in (_CASED_TOKEN.search(s), _UNIT_TOKEN.search(s)):
        if m and (unit is None or (m.end() - m.start()) > (unit.end() - unit.start())):
            unit = m
    if unit and code is None:
        token = unit.group(0)
        spec = _CASED_UNITS.get(token) or _UNITS.get(token.lower()) or _EXTRA_UNITS.get(token.lower())
        if spec:
            code, kind = spec
            found.append(unit.span())
    for m in _SCALE_TOKEN.finditer(s):
        if any(a <= m.start() < b for a, b in found):
            continue
        word = m.group(2).lower().rstrip(".")
        if word in ("m", "k", "b", "mm") and kind != "money":
            continue  # "m" is metres (or nothing) outside money
        factor *= _LABEL_SCALES.get(word, 1.0) * (float(m.group(1).replace(",", "")) if m.group(1) else 1.0)
        found.append(m.span())
        break
    if code is not None or factor != 1.0:
        mult = _MULTIPLIER.search(s)
        if mult and not any(a <= mult.start() < b for a, b in found):
            factor *= float(mult.group(1).replace(",", ""))  # "10,000 t-CO2", "1000 m3"
            found.append(mult.span())
    if not found or (code is None and factor == 1.0):
        return None
    if whole:
        rest = s
        for a, b in sorted(found, reverse=True):
            rest = rest[:a] + rest[b:]
        if re.search(r"[A-Za-z]{2,}", re.sub(r"(?i)\b(?:of|in|per|unit|units)\b", "", rest)):
            return None  # more than a unit: a label that happens to contain one
    start = min(a for a, _ in found)
    end = max(b for _, b in found)
    return UnitSpec(code, kind, factor, offset + start, offset + end)


_PER_LABEL = re.compile(r"(?i:\s*(?:/|\bper\b)\s*(?:(?:US)?\$|€|£)?\s*(?:1\s*)?(?:(million|mn|m|thousand|k|billion|bn)\s+)?"
                        r"(revenue|sales|employee|employees|fte|tonnes?|t|m2|m²|sqm|square (?:metres?|meters?)|mwh|kwh|gj|"
                        r"unit|product|barrel|boe|passenger[- ]km|km|customer|patient|person|capita)(?=[a-z]?\b))")
_PER_CODES = {"employees": "employee", "fte": "employee", "tonne": "t", "tonnes": "t", "m²": "m2", "sqm": "m2",
              "mwh": "MWh", "kwh": "kWh", "gj": "GJ", "boe": "boe", "capita": "person", "sales": "revenue"}


def unit_in_label(label: str, offset: int = 0, *, whole: bool = False) -> UnitSpec | None:
    """The unit a label names: after "Unit:" or "in", in parentheses, at its end, or (whole) as all of it.

    An intensity keeps its denominator: "tCO2e/ $1 million revenue" -> tCO2e/revenue.
    """
    if not label.strip():
        return None
    spec = _unit_in_label(label, offset, whole=whole)
    if spec is None and not whole:  # "... location-based tCO2e/ $1 million revenue": a unit before a "per"
        for m in list(_CASED_TOKEN.finditer(label)) + list(_UNIT_TOKEN.finditer(label)):
            if _PER_LABEL.match(label, m.end()):
                found = _unit_phrase(m.group(0), offset + m.start(), whole=True)
                if found is not None and found.code is not None:
                    spec = found
                    break
    if spec is None or spec.code is None or spec.kind == "money":
        return spec
    per = _PER_LABEL.match(label, spec.char_end - offset)
    if per:
        denominator = per.group(2).lower()
        code = f"{spec.code}/{_PER_CODES.get(denominator, denominator.replace(' ', '-'))}"
        return UnitSpec(code, spec.kind, spec.factor, spec.char_start, offset + per.end())
    return spec


_LEADING_PERCENT = re.compile(r"^[ \t]*(%)(?=[ \t]+of\b)", re.M)  # a line of the label opening "% of ..."


def _unit_in_label(label: str, offset: int, *, whole: bool) -> UnitSpec | None:
    marker = _UNIT_MARKERS.search(label)
    if marker:
        spec = _unit_phrase(label[marker.end():], offset + marker.end(), whole=False)
        if spec:
            return spec
    share = _LEADING_PERCENT.search(label)  # "% of base year", "% of employees"
    if share:
        spec = _unit_phrase("%", offset + share.start(1), whole=True)
        if spec:
            return spec
    for m in reversed(list(re.finditer(r"[(\[]([^()\[\]]{1,40})[)\]]", label))):
        spec = _unit_phrase(m.group(1), offset + m.start(1), whole=False)
        if spec:
            return spec
    commas = [m.start() for m in re.finditer(r",(?!\d{3})", label)]  # not a thousands separator
    comma = commas[-1] if commas else -1
    if 0 < comma and len(label) - comma < 20:
        spec = _unit_phrase(label[comma + 1:], offset + comma + 1, whole=True)
        if spec:
            return spec
    if whole or len(label.split()) <= 3:
        spec = _unit_phrase(label, offset, whole=True)
        if spec is not None or whole:
            return spec
    tail = re.search(r"(\S+)\s*$", label)  # "Scope 1 emissions tCO2e"
    if tail:
        spec = _unit_phrase(tail.group(1), offset + tail.start(1), whole=True)
        if spec and spec.code is not None:
            return spec
    return None


# ----------------------------------------------------------------------------------------------
# Years and roles of headers

_YEAR_IN_HEADER = re.compile(
    r"(?<![\d.,])(?:FY\s?'?|CY\s?)?((?:19|20)\d\d)(?:\s*[/–-]\s*(?:FY)?\d{2,4})?(?![\d%])|(?<![A-Za-z0-9])FY\s?'?(\d\d)(?:/\d\d)?(?!\d)",
    re.I)
_CHANGE = re.compile(r"(?i:\bchange\b|\byoy\b|\by-o-y\b|\bvs\.?(?=\s|$)|\bversus\b|\bvariance\b|Δ|\bgrowth\b|\bdifference\b|"
                     r"\bincrease\s*/\s*decrease\b|\+/-|\bvar\.?\b)")
_TARGET = re.compile(r"(?i:\btarget|\bgoal\b|\bambition\b|\bcommitment\b)")
_BASELINE = re.compile(r"(?i:\bbase(?:line)?\b|\bbase[- ]year\b|\breference year\b)")
_UNIT_HEADER = re.compile(r"(?i:^\s*(?:units?|uom|unit of measure(?:ment)?|measure)\s*$)")
_ENTITY_HEADER = re.compile(r"(?i:\b(?:site|sites|facility|facilities|plant|plants|subsidiary|subsidiaries|"
                            r"company|companies|entity|entities|business unit|operations?|location|data cent(?:er|re))\b)")
_GHG_WORDS = re.compile(r"(?i:emission|co2|ghg|greenhouse|carbon|scope\s*[123])")
_YEAR_COLUMN = re.compile(r"(?i:\byears?\b)(?!\s+(?:of|on)\b)")
_EMPTY_CELL = re.compile(r"(?i:[-–—−‒]+|n\.?\s?a\.?|n/a|nil|none|not applicable|not reported|nr|tbd|\*+|\.+|x|…)?")
_FOOTNOTE_TAIL = re.compile(r"(?:\s*(?:\*+|[†‡§¶]+|\(\s?[a-z0-9]\s?\)|\[\s?\w{1,3}\s?\]|[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\^\s?\d+))+$")
_NUMBER_CELL = re.compile(
    r"(?P<qual>[<>≤≥~]|approx\.?\s|c\.\s?)?\s*(?P<open>\()?\s*(?P<sign>[-−–])?\s*(?P<cur>US\$|[$€£¥₹])?\s*"
    r"(?P<num>\d{1,3}(?:[,\u00a0\u202f ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s*[-–]\s*(?P<num2>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?))?"
    r"\s*(?P<pct>%)?\s*(?P<close>\))?")
_QUALIFIER = {"<": "at_most", "≤": "at_most", ">": "at_least", "≥": "at_least", "~": "approximately",
              "approx.": "approximately", "approx": "approximately", "c.": "approximately", "c": "approximately"}


def header_year(header: str) -> int | None:
    """The year a header names: FY22 -> 2022, 2023/24 -> 2023, Baseline 2019 -> 2019; None for none or several."""
    years = set()
    for m in _YEAR_IN_HEADER.finditer(header):
        years.add(int(m.group(1)) if m.group(1) else 2000 + int(m.group(2)))
    return years.pop() if len(years) == 1 else None


@dataclass(frozen=True)
class CellFigure:
    """A figure read from a table cell; offsets into the document text."""

    char_start: int
    char_end: int
    value: float
    value_high: float | None
    unit: str | None
    value_normalized: float | None
    unit_normalized: str | None
    qualifier: str
    year: int | None
    is_target: bool
    entity: str | None
    metric: str | None
    pillar: str
    topic: str
    row_index: int
    col_index: int
    row_label: str | None
    col_label: str | None
    unit_source: str | None  # cell | unit_column | row_label | column_header | caption
    unit_source_char_start: int | None
    unit_source_char_end: int | None
    sentence: str  # the row, as text


def _parse_number(cell: str) -> tuple[float, float | None, str, str | None, tuple[int, int]] | None:
    """(value, value_high, qualifier, '%' or currency code or None, span) of a cell holding one number."""
    body = _FOOTNOTE_TAIL.sub("", cell)
    if _EMPTY_CELL.fullmatch(body.strip()):
        return None
    m = _NUMBER_CELL.fullmatch(body.strip())
    if not m:
        return None
    lead = len(body) - len(body.lstrip())
    value = float(re.sub(r"[,\u00a0\u202f ]", "", m.group("num")))
    high = float(m.group("num2").replace(",", "")) if m.group("num2") else None
    if m.group("sign") or (m.group("open") and m.group("close")):
        value = -value
    unit = "%" if m.group("pct") else (_CURRENCY_CODES.get(m.group("cur")) if m.group("cur") else None)
    qual = _QUALIFIER.get((m.group("qual") or "").strip().rstrip(), "exact") if m.group("qual") else "exact"
    start = lead + (m.start("sign") if m.group("sign") else (m.start("cur") if m.group("cur") else m.start("num")))
    end = lead + max(m.end("num"), m.end("num2") if m.group("num2") else 0, m.end("pct") if m.group("pct") else 0)
    return value, high, qual, unit, (start, end)


@dataclass
class _Grid:
    rows: list[list[tuple[int, int] | None]]  # cell spans by (row, column); a spanning cell fills each column
    header_rows: int


def _grid(table: Table) -> _Grid:
    rows: list[list[tuple[int, int] | None]] = [[None] * table.n_cols for _ in range(table.n_rows)]
    for cell in table.cells:
        for r in range(cell.row, min(table.n_rows, cell.row + cell.row_span)):
            for c in range(cell.col, min(table.n_cols, cell.col + cell.col_span)):
                rows[r][c] = (cell.char_start, cell.char_end)
    return _Grid(rows, table.header_rows)


def _is_number(text: str) -> bool:
    return _parse_number(text) is not None


def table_figures(text: str, view: str, table: Table, caption: tuple[int, int] | None = None) -> list[CellFigure]:
    """Every figure of a table, each cell's value with the unit, scale, year and metric its headers give."""
    grid = _grid(table)
    n_rows, n_cols, header_rows = table.n_rows, table.n_cols, table.header_rows

    def cell_text(r: int, c: int) -> str:
        span = grid.rows[r][c]
        return view[span[0]:span[1]].strip() if span else ""

    if header_rows == 0 and n_rows > 1:  # a first row with no numbers but years is a header
        first = [cell_text(0, c) for c in range(n_cols)]
        if not any(_is_number(t) and header_year(t) is None for t in first[1:]):
            header_rows = 1
    data = range(header_rows, n_rows)
    column_text = [[cell_text(r, c) for r in data] for c in range(n_cols)]

    def mostly_labels(c: int) -> bool:
        filled = [t for t in column_text[c] if t]
        return bool(filled) and sum(not _is_number(t) for t in filled) >= 0.6 * len(filled)

    headers = [[cell_text(r, c) for r in range(header_rows)] for c in range(n_cols)]

    def header(c: int) -> str:
        parts: list[str] = []
        for t in headers[c]:
            if t and t not in parts:
                parts.append(t)
        return " / ".join(parts)

    unit_cols = {c for c in range(n_cols) if any(_UNIT_HEADER.match(h) for h in headers[c] if h)
                 or (mostly_labels(c) and c > 0 and all(unit_in_label(t, whole=True) for t in column_text[c] if t)
                     and any(column_text[c]))}
    entity_cols = {c for c in range(n_cols) if c not in unit_cols and mostly_labels(c)
                   and any(_ENTITY_HEADER.search(h) for h in headers[c] if h)}
    label_cols = [c for c in range(n_cols) if c not in unit_cols and c not in entity_cols and mostly_labels(c)]
    if not label_cols and n_cols > 1 and not any(_is_number(t) for t in column_text[0] if header_year(t) is None):
        label_cols = [0]
    caption_text = view[caption[0]:caption[1]] if caption else ""
    caption_unit = unit_in_label(caption_text, caption[0]) if caption else None
    # the header over the row labels often names the whole table's unit: "Outstanding (EUR bn.)"
    stub_unit = _column_unit(grid, label_cols[0], header_rows, view) if label_cols else None
    stub_target = bool(label_cols and _TARGET.search(header(label_cols[0])))  # a table of targets
    out: list[CellFigure] = []
    group: str | None = None
    for r in data:
        labels = [cell_text(r, c) for c in label_cols if cell_text(r, c)]
        row_label = " – ".join(dict.fromkeys(labels)) or None
        values = [c for c in range(n_cols) if c not in label_cols and c not in unit_cols and c not in entity_cols
                  and _is_number(cell_text(r, c))]
        if row_label and not values:
            group = row_label.rstrip(" :")  # a group row: "Scope 3" above its categories
            continue
        if values and all(_parse_number(cell_text(r, c))[0] in _YEARS and header_year(cell_text(r, c)) is not None
                          for c in values):
            continue  # a row of years under the header ("In metric tons | 2021 | 2022"): a header, not data
        row_span = (min(s[0] for s in grid.rows[r] if s), max(s[1] for s in grid.rows[r] if s)) \
            if any(grid.rows[r]) else (table.char_start, table.char_start)
        sentence = " | ".join(cell_text(r, c) for c in range(n_cols) if cell_text(r, c))
        label_span = next((grid.rows[r][c] for c in label_cols if grid.rows[r][c] and cell_text(r, c)), None)
        row_unit = unit_in_label(view[label_span[0]:label_span[1]], label_span[0]) if label_span else None
        unit_col = next((c for c in sorted(unit_cols) if cell_text(r, c)), None)
        unit_cell = None
        if unit_col is not None:
            span = grid.rows[r][unit_col]
            unit_cell = unit_in_label(view[span[0]:span[1]], span[0], whole=True)
        entity = next((cell_text(r, c) for c in sorted(entity_cols) if cell_text(r, c)), None)
        row_year = header_year(row_label) if row_label and len(row_label) <= 12 else None
        row_target = bool(row_label and _TARGET.search(row_label))
        for c in values:
            span = grid.rows[r][c]
            if (c > 0 and grid.rows[r][c - 1] == span) or (r > header_rows and grid.rows[r - 1][c] == span):
                continue  # a cell spanning several columns or rows is read once, where it starts
            parsed = _parse_number(view[span[0]:span[1]])
            value, high, qualifier, own_unit, (a, b) = parsed
            col_header = header(c)
            col_year = header_year(col_header)
            if col_header and col_year is not None and _is_year_column(col_header) and value == col_year:
                continue
            if _YEAR_COLUMN.search(col_header or "") and float(value).is_integer() and 1900 <= value <= 2100 and not own_unit:
                continue  # a year in a column of years ("Target year"): a date, not a figure
            start, end = span[0] + a, span[0] + b
            cell_fig = _cell_own_unit(view, span, start, end)
            unit = spec = None
            source = None
            if cell_fig is not None:
                unit, value, high, start, end = cell_fig
                source = "cell"
            elif own_unit:
                unit, source = own_unit, "cell"
            else:
                for where, candidate in (("unit_column", unit_cell), ("row_label", row_unit),
                                         ("column_header", _column_unit(grid, c, header_rows, view)),
                                         ("column_header", stub_unit), ("caption", caption_unit)):
                    if candidate is not None and candidate.code is not None:
                        spec, source = candidate, where
                        break
                scale = next((s for s in (unit_cell, row_unit, _column_unit(grid, c, header_rows, view), stub_unit,
                                          caption_unit)
                              if s is not None and s.code is None), None)
                if spec is not None:
                    unit = spec.code
                    value *= spec.factor
                    high = high * spec.factor if high is not None else None
                elif scale is not None:
                    spec, source = scale, None  # a scale with no unit: "(in thousands)"
                    value *= scale.factor
                    high = high * scale.factor if high is not None else None
            if unit in TO_GHG and _GHG_WORDS.search(f"{row_label or ''} {group or ''} {col_header} {caption_text}"):
                unit = TO_GHG[unit]  # tonnes in an emissions table are tonnes of CO2e
            kind = _kind(unit)
            unit_normalized, factor = (conversion(unit) if unit else (None, 1.0))
            is_change = bool(_CHANGE.search(col_header or ""))
            year = None if is_change else (col_year if col_year is not None else row_year)
            is_target = bool(_TARGET.search(col_header or "")) or row_target or stub_target
            metric = _metric(row_label, group, col_header, caption_text, is_change)
            topic = topic_of(metric, sentence, f"{caption_text} {sentence}", kind or "count")
            out.append(CellFigure(
                char_start=start, char_end=end, value=value, value_high=high, unit=unit,
                value_normalized=float(f"{value * factor:.12g}") if unit else None,
                unit_normalized=unit_normalized if unit else None, qualifier=qualifier, year=year,
                is_target=is_target, entity=entity, metric=metric, pillar=_PILLAR[topic], topic=topic,
                row_index=r, col_index=c, row_label=row_label, col_label=col_header or None,
                unit_source=source if unit else None,
                unit_source_char_start=spec.char_start if (spec is not None and unit and source != "cell") else None,
                unit_source_char_end=spec.char_end if (spec is not None and unit and source != "cell") else None,
                sentence=sentence[:400],
            ))
    return out


def _is_year_column(header: str) -> bool:
    return bool(re.fullmatch(r"\s*(?:FY\s?)?(?:19|20)\d\d(?:\s*[/–-]\s*\d{2,4})?\s*", _FOOTNOTE_TAIL.sub("", header)))


def _column_unit(grid: _Grid, c: int, header_rows: int, view: str) -> UnitSpec | None:
    """The unit the column's header cells name, the lowest header row first."""
    for r in range(header_rows - 1, -1, -1):
        span = grid.rows[r][c]
        if span:
            spec = unit_in_label(view[span[0]:span[1]], span[0])
            if spec is not None:
                return spec
    return None


def _cell_own_unit(view: str, span: tuple[int, int], start: int, end: int):
    """(unit, value, value_high, start, end) when the cell states its own unit ("1,234 MWh", "$5.6bn")."""
    cell = view[span[0]:span[1]]
    found = [f for f in extract_figures(cell) if f.unit not in ("count", "number")]
    if len(found) != 1:
        return None
    f = found[0]
    return f.unit, f.value, f.value_high, span[0] + f.char_start, span[0] + f.char_end


_KIND_OF = {**{code: kind for code, kind in [*_UNITS.values(), *_CASED_UNITS.values(), *_EXTRA_UNITS.values()]},
            **{code: "money" for code in _CURRENCY_CODES.values()}, "count": "count", "%": "percent"}


def _kind(unit: str | None) -> str | None:
    return _KIND_OF.get(unit.split("/")[0]) if unit else None


_YEARS = frozenset(float(y) for y in range(1900, 2101))
_GENERIC_HEADERS = frozenset("data value values amount amounts quantity figure figures result results total "
                             "actual actuals performance reported".split())


def _metric(row_label: str | None, group: str | None, col_header: str | None, caption: str, is_change: bool) -> str | None:
    """Row label under its group, plus the column's group header when it is more than a year."""
    label = _FOOTNOTE_TAIL.sub("", row_label or "").strip()
    if group and (not label or re.match(r"(?i:total|of which|category|cat\.|\d|-|–|•|sub)", label) or len(label) < 25):
        label = f"{group} – {label}" if label else group
    column_group = col_header or ""
    for m in list(_YEAR_IN_HEADER.finditer(column_group))[::-1]:
        column_group = column_group[:m.start()] + column_group[m.end():]
    column_group = re.sub(r"\s*/\s*$|^\s*/\s*|[*†‡§¶]+", "", " ".join(column_group.split())).strip(" /–-")
    column_group = re.sub(r"^\((.*)\)$", r"\1", column_group).strip()
    if is_change:
        column_group = _CHANGE.sub("", column_group).strip(" /–-()%")
    if column_group.lower() in _GENERIC_HEADERS:
        column_group = ""
    if column_group and column_group.lower() not in label.lower() and not unit_in_label(column_group, whole=True):
        label = f"{label} ({column_group})" if label else column_group
    if re.fullmatch(r"(?i:total|sum|overall|all)", label.strip()) and caption:
        label = f"{label} – {' '.join(caption.split())[:60]}"
    if is_change:
        label = f"change in {label}" if label else "change"
    return label.strip() or None
