"""The PDF reader: a PDF's text layer, in reading order, as one `Document` (see flows/document.py).

PDFium (pypdfium2) reads the text layer; everything else is geometry over it:

- Words: PDFium's text for a page, split at whitespace; for each word the loose boxes of its first
  and last characters and its font weight (once per text object) are fetched: a handful of calls
  per word, never per character. The font size is the loose box's height (FPDFText_GetFontSize
  leaves out the text matrix). Rotated words (side tabs, table stubs) are kept apart.
- Furniture: segments of lines in the top or bottom band of a page (and rotated lines) whose text,
  digits masked, repeats on several pages, and bare page numbers; they are laid out first
  (headers) and last (footers, side tabs) on their page as `furniture` blocks.
- Reading order: words are grouped into rows; a gutter is a vertical gap at least 0.7 em wide
  that runs down through 3 or more consecutive rows with text on both sides. The gutter with most
  text beside it cuts the page into what is above it, its left, its right and what is below it,
  each laid out again the same way (so 2 and 3 columns, a full-width title above them, a figure
  between two column blocks); a part without a gutter is read row by row. A paragraph that runs
  from the foot of one column to the top of the next (no sentence end, same style) is one block.
- Tables: where several gutters run through the same rows and the cells past the first column are
  short and mostly numbers (not years), with row labels, the rows are a table: one line per row
  with `` | `` between cells; the rows above the first row of values are the header (a name
  wrapped over lines is one cell, a name over several columns a cell with a col_span); a row label
  alone is a section row; a label wrapped over lines is put back together; a footnote or a new
  header of names ends the table; the line just above is its caption. Charts' data labels and
  prose beside numbers are not tables.
- Headings: paragraphs of at most 3 lines, all larger (x1.18) or bolder (+150) than the body text
  (the most common size and weight), short, not sentences; levels by size, largest first.
"""

from __future__ import annotations

import ctypes
import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from operator import attrgetter

from flows.document import (
    Block,
    Cell,
    Document,
    EncryptedReport,
    Heading,
    MalformedReport,
    NoTextLayer,
    Page,
    ReportInfo,
    Table,
)
from flows.readers.charts import add_charts

# --------------------------------------------------------------------------------------------
# Vocabularies (data, not branches)

# Bullets and enumerators that start a list item.
LIST_ITEM = re.compile(r"^(?:[\u2022\u2023\u25aa\u25ab\u25a0\u25a1\u25cf\u25cb\u25e6\u2043\u2219\u00b7\u2013\u2014\u27a2\u2713\u2714\u25b6\u25ba\u2192\uf0b7\uf0a7\uf0d8\uf076\uf0fc*+-]"
                       r"|\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)](?=\s))\s*", re.I)
# A word that is only a bullet or an item number.
MARKER = re.compile(r"^(?:[\u2022\u2023\u25aa\u25ab\u25a0\u25a1\u25cf\u25cb\u25e6\u2043\u2219\u00b7\u2013\u2014\u27a2\u2713\u2714\u25b6\u25ba\u2192\uf0b7\uf0a7\uf0d8\uf076\uf0fc*+-]"
                    r"|\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)])$", re.I)
# A numbered section title: "1.17 Compliance ...", "Note 3. Water", "A.2 Scope".
NUMBERED = re.compile(r"^(?:(?:note|section|chapter|part|appendix)\s+)?(?:\d{1,2}|[A-Z])(?:\.\d{1,2}){0,3}\.?\s+[A-Z]", re.I)
# What opens a footnote under a table.
FOOTNOTE = re.compile(r"^(?:[*\u2020\u2021\u00a7\u00b9\u00b2\u00b3\u2070-\u2079]|\d{1,2}\)\s|(?:sources?|notes?)\b)", re.I)
# Words that open a table or figure caption.
CAPTION_START = re.compile(r"^(?:(?:figure|fig\.|table|exhibit|chart|graph|diagram|map)\s*[\dA-Z][\w.-]*[:.]?\s|(?:source|sources|note|notes)\s*:)", re.I)
# A bare page number, or "Page 3", "3 of 45", "3/45".
PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
# Metadata titles that are not titles.
JUNK_TITLE = re.compile(r"^(?:untitled|document\d*|layout\s*\d*|slide\s*\d*|powerpoint presentation|"
                        r"microsoft (?:word|powerpoint|excel)\b.*|title|pdf|print|none|unknown|\W*)$", re.I)
FILE_NAME = re.compile(r"\.(?:indd|indt|idml|docx?|dotx?|pptx?|xlsx?|pdf|qxp|qxd|ai|eps|psd|pages|key|rtf|txt|html?)\s*$", re.I)
# Words that end an organisation's name ("Alfa Laval AB", "BlackRock, Inc.").
ORGANISATION = re.compile(r"\b(?:inc|incorporated|corp|corporation|company|co|ltd|limited|plc|llc|lp|llp|ag|se|sa|s\.a|nv|n\.v|bv|"
                          r"gmbh|ab|asa|as|oyj|spa|s\.p\.a|kk|k\.k|holdings?|group|bank|trust|foundation|association|"
                          r"authority|agency|ministry|university)\.?$", re.I)
YEAR_CELL = re.compile(r"^(?:FY|CY)?\s?(?:19|20)\d{2}(?:\s?[/-]\s?(?:\d{2}|\d{4}))?[*\u2020\u2021\u00a7\u00b9\u00b2\u00b3a-z]{0,3}$", re.I)
NUMERIC_CELL = re.compile(r"^[(\[]?[-\u2013\u2212+<>~\u2248]?\s*[$\u20ac\u00a3\u00a5]?\s*(?:\d[\d,.\s]*\d|\d)(?:\s*%|\s*[a-z]{1,3})?[)\]]?[*\u2020\u2021\u00a7\u00b9\u00b2\u00b3a-z,]{0,6}$"
                          r"|^(?:[-\u2013\u2014\u2212]|n/?a|n\.a\.|nm|\u2013\s*)$", re.I)
TERMINAL = re.compile(r"[.!?:;][\"'\u201d\u2019)\]]*[\d\u00b9\u00b2\u00b3\u2070-\u2079]*$")
WHITESPACE = frozenset(" \t\r\n\x0b\x0c\xa0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u3000\x00")
WORD = re.compile(r"[^\s\x00\xa0\u2000-\u200a\u3000]+")

# Weights that a font's name gives (when its descriptor gives none), first match wins.
FONT_NAME_WEIGHTS = (("extrabold", 800), ("ultrabold", 800), ("heavy", 800), ("black", 900), ("semibold", 600),
                     ("demibold", 600), ("demi", 600), ("bold", 700), ("medium", 500), ("light", 300), ("thin", 200))
BAND = 0.075              # top and bottom bands of a page where running headers and footers sit
SIDE_BAND = 0.06          # left and right bands, for rotated side tabs
HEADING_SIZE = 1.18       # a heading is at least this much larger than body text ...
HEADING_WEIGHT = 150      # ... or this much bolder (font weight units)
MAX_HEADING_WORDS = 16
EM_PER_LOOSE_HEIGHT = 0.85  # a font's ascent-to-descent height is about 1.2 em


# --------------------------------------------------------------------------------------------
# Geometry


class Word:
    __slots__ = ("text", "x0", "x1", "top", "bottom", "size", "weight", "ci", "ce", "rotated", "cy")

    def __init__(self, text, x0, x1, top, bottom, size, weight, ci, ce, rotated=False):
        self.text, self.x0, self.x1, self.top, self.bottom = text, x0, x1, top, bottom
        self.size, self.weight, self.ci, self.ce, self.rotated = size, weight, ci, ce, rotated
        self.cy = (top + bottom) / 2

    def __repr__(self) -> str:
        return f"W({self.text!r} {self.x0:.0f}-{self.x1:.0f} {self.top:.0f}-{self.bottom:.0f} {self.size:.1f}/{self.weight})"


class Line:
    """Words on one baseline, left to right, and the text they make (spacing as the text layer has it)."""

    __slots__ = ("words", "text", "x0", "x1", "top", "bottom", "size", "weight", "region")

    def __init__(self, words: list[Word], page_text: str, region: int = 0):
        self.words = words
        parts = [words[0].text]
        for a, b in zip(words, words[1:]):
            parts.append(_space_between(a, b, page_text))
            parts.append(b.text)
        self.text = "".join(parts)
        self.x0 = words[0].x0
        x1, top, bottom = words[0].x1, words[0].top, words[0].bottom
        sizes: dict[float, int] = {}
        weights: dict[int, int] = {}
        for w in words:
            if w.x1 > x1:
                x1 = w.x1
            if w.top < top:
                top = w.top
            if w.bottom > bottom:
                bottom = w.bottom
            n = len(w.text)
            k = round(w.size * 2) / 2
            sizes[k] = sizes.get(k, 0) + n
            weights[w.weight] = weights.get(w.weight, 0) + n
        self.x1, self.top, self.bottom = x1, top, bottom
        self.size = max(sizes, key=sizes.__getitem__) if len(sizes) > 1 else k
        self.weight = max(weights, key=weights.__getitem__) if len(weights) > 1 else words[0].weight
        self.region = region

    def __repr__(self) -> str:
        return f"L({self.text!r} {self.x0:.0f}-{self.x1:.0f} {self.top:.0f}-{self.bottom:.0f} {self.size}/{self.weight})"


def _space_between(a: Word, b: Word, page_text: str) -> str:
    """The whitespace the text layer has between two words that follow each other, else one space."""
    if 0 < b.ci - a.ce <= 3:
        gap = page_text[a.ce:b.ci]
        if all(c in WHITESPACE for c in gap):
            return " " if ("\n" in gap or "\r" in gap) else gap.replace("\t", " ").replace("\x00", " ")
    return " "


_by_cy = attrgetter("cy", "x0")
_by_x0 = attrgetter("x0")


def _rows(words: list[Word]) -> list[list[Word]]:
    """Words grouped into rows (one baseline each), top to bottom, each row left to right."""
    rows: list[list[Word]] = []
    seed_top = seed_bottom = None
    for w in sorted(words, key=_by_cy):
        cy = w.cy
        if rows and seed_top <= cy <= seed_bottom:
            rows[-1].append(w)
        else:
            rows.append([w])
            seed_top, seed_bottom = w.top, w.bottom
    for row in rows:
        row.sort(key=_by_x0)
    return rows


def _split_row(row: list[Word], factor: float) -> list[list[Word]]:
    """A row cut where the gap between two words exceeds factor x the font size."""
    parts = [[row[0]]]
    for a, b in zip(row, row[1:]):
        if b.x0 - a.x1 > factor * max(a.size, b.size):
            parts.append([b])
        else:
            parts[-1].append(b)
    return parts


def _free_intervals(words: list[Word], x0: float, x1: float) -> list[tuple[float, float]]:
    """The x intervals in [x0, x1] no word covers (words sorted by x0)."""
    free = []
    edge = x0
    for w in words:
        if w.x0 > edge:
            free.append((edge, w.x0))
        edge = max(edge, w.x1)
    if edge < x1:
        free.append((edge, x1))
    return free


@dataclass
class TableRow:
    cells: list[tuple[int, int, str]]  # (col, col_span, text)
    header: bool = False


@dataclass
class TableItem:
    rows: list[TableRow]
    n_cols: int
    caption: Line | None = None
    before: list[Word] = field(default_factory=list)  # words above the table that were given to it
    after: list[Word] = field(default_factory=list)  # and below it


# --------------------------------------------------------------------------------------------
# Reading order


class Strip:
    """A vertical gap between words that runs down through consecutive rows: a gutter, when it has
    text on both sides."""

    __slots__ = ("lo", "hi", "first", "last", "both")

    def __init__(self, lo, hi, first, last, both):
        self.lo, self.hi, self.first, self.last, self.both = lo, hi, first, last, both

    def __repr__(self) -> str:
        return f"Strip({self.lo:.0f}-{self.hi:.0f} rows {self.first}-{self.last}, {self.both} with text both sides)"


def _strips(rows: list[list[Word]], x_lo: float, x_hi: float, size: float) -> list[Strip]:
    """The vertical gaps at least 0.7 em wide that run through 3 or more consecutive rows with text on
    both sides in 2 or more of them."""
    min_width = 0.7 * size
    done: list[Strip] = []
    active: list[Strip] = []  # sorted by lo, disjoint
    extents = [(row[0].x0, max(w.x1 for w in row), min(w.top for w in row), max(w.bottom for w in row)) for row in rows]
    for r, row in enumerate(rows):
        free = [iv for iv in _free_intervals(row, x_lo, x_hi) if iv[1] - iv[0] >= min_width]
        # text beside a gap counts in the rows that overlap this one (a label set against
        # figures centred on its two lines)
        row_lo, row_hi, top, bottom = extents[r]
        for k in (r - 1, r + 1):
            if 0 <= k < len(rows) and extents[k][2] < bottom and top < extents[k][3]:
                row_lo, row_hi = min(row_lo, extents[k][0]), max(row_hi, extents[k][1])
        nxt: list[Strip] = []
        i = j = 0
        continued = [False] * len(active)
        while i < len(active) and j < len(free):
            st = active[i]
            lo, hi = free[j]
            lo2, hi2 = (lo if lo > st.lo else st.lo), (hi if hi < st.hi else st.hi)
            if hi2 - lo2 >= min_width:
                nxt.append(Strip(lo2, hi2, st.first, r, st.both + (row_lo < lo2 and row_hi > hi2)))
                continued[i] = True
            if st.hi < hi:
                i += 1
            else:
                j += 1
        for st, went_on in zip(active, continued):
            if not went_on:
                done.append(st)
        # a free interval not yet covered starts a strip of its own
        for lo, hi in free:
            if not any(n.lo < hi and lo < n.hi for n in nxt):
                nxt.append(Strip(lo, hi, r, r, int(row_lo < lo and row_hi > hi)))
        nxt.sort(key=lambda st: st.lo)
        active = _disjoint_strips(nxt)
    done.extend(active)
    best: dict[tuple[int, int], Strip] = {}
    for st in done:
        if st.both >= 2 and st.last - st.first >= 2 and st.lo > x_lo + 0.5 and st.hi < x_hi - 0.5:
            key = (st.first, st.last)
            # of the strips over the same rows, keep the widest in each place
            best_key = (st.first, st.last, round(st.lo))
            if best_key not in best or (st.hi - st.lo) > (best[best_key].hi - best[best_key].lo):
                best[best_key] = st
    # drop a strip inside a longer one at the same place
    out = []
    for st in sorted(best.values(), key=lambda s: (-(s.last - s.first), -s.both)):
        if any(o.first <= st.first and st.last <= o.last and o.lo < st.hi and st.lo < o.hi for o in out):
            continue
        out.append(st)
    return out


def _disjoint_strips(strips: list[Strip]) -> list[Strip]:
    """Of overlapping strips (sorted by lo), the one that started highest."""
    out: list[Strip] = []
    for st in strips:
        if out and st.lo < out[-1].hi:
            if st.first < out[-1].first:
                out[-1] = st
        else:
            out.append(st)
    return out


class Layout:
    """Reading order of one page's words: a list of Lines and TableItems, with region numbers."""

    def __init__(self, page_text: str, body_size: float):
        self.page_text = page_text
        self.body_size = body_size
        self.items: list[Line | TableItem] = []
        self.region = 0
        self.leaf = False  # the last thing laid out was read line by line (its region goes on)

    def order(self, words: list[Word], depth: int = 0) -> None:
        """Lay out words: cut at the gutter with most text beside it into what is above it, its left,
        its right and what is below it (each laid out the same way); no gutter: line by line."""
        if not words:
            return
        rows = _rows(words)
        x_lo = min(w.x0 for w in words)
        x_hi = max(w.x1 for w in words)
        size = statistics.median(w.size for w in words) if len(words) < 200 else self.body_size
        strips = _strips(rows, x_lo, x_hi, size) if depth < 8 and len(rows) >= 3 else []
        strips = [st for st in strips if not self._marker_column(rows, st)]
        if not strips:
            if not self.leaf:
                self.region += 1
            self.leaf = True
            for row in rows:
                self.items.append(Line(row, self.page_text, self.region))
            return
        best = max(strips, key=lambda st: (st.both, st.last - st.first, st.hi - st.lo))
        # a table: several gutters over the same rows, short cells, mostly numbers
        side = [st for st in strips if min(st.last, best.last) - max(st.first, best.first) + 1
                >= 0.5 * min(st.last - st.first + 1, best.last - best.first + 1)]
        first = min(st.first for st in side)
        last = max(st.last for st in side)
        gutters = _disjoint([(st.lo, st.hi) for st in side])
        first = max(first - 2, 0)  # the lines above may be the table's title
        table_words = [w for row in rows[first:last + 1] for w in row]
        table = _table(table_words, gutters, self.page_text)
        if table is not None:
            self.order([w for row in rows[:first] for w in row] + table.before, depth + 1)
            self.region += 1
            self.leaf = False
            if table.caption is not None:
                table.caption.region = self.region
            self.items.append(table)
            self.leaf = False
            self.order(table.after + [w for row in rows[last + 1:] for w in row], depth + 1)
            return
        middle = [w for row in rows[best.first:best.last + 1] for w in row]
        self.order([w for row in rows[:best.first] for w in row], depth + 1)
        self.order([w for w in middle if w.x1 <= best.lo + 0.01], depth + 1)
        self.leaf = False  # the right column is a region of its own
        self.order([w for w in middle if w.x1 > best.lo + 0.01], depth + 1)
        self.leaf = False
        self.order([w for row in rows[best.last + 1:] for w in row], depth + 1)

    @staticmethod
    def _marker_column(rows: list[list[Word]], st: Strip) -> bool:
        """A strip that only has bullets or item numbers to its left is part of a list, not a gutter."""
        left = [w for row in rows[st.first:st.last + 1] for w in row if w.x1 <= st.lo + 0.01]
        return bool(left) and all(MARKER.match(w.text) for w in left) or (
            bool(left) and max(w.x1 for w in left) - min(w.x0 for w in left) < 2.5 * left[0].size
            and sum(bool(MARKER.match(w.text)) for w in left) >= 0.5 * len(left))


def _disjoint(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Intervals sorted, overlapping ones reduced to their common part."""
    out: list[tuple[float, float]] = []
    for lo, hi in sorted(intervals):
        if out and lo < out[-1][1]:
            out[-1] = (max(out[-1][0], lo), min(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


# --------------------------------------------------------------------------------------------
# Tables


def _is_numeric(text: str) -> bool:
    return bool(NUMERIC_CELL.match(text.strip()))


def _is_year(text: str) -> bool:
    return bool(YEAR_CELL.match(text.strip()))


def _table(words: list[Word], gutters: list[tuple[float, float]], page_text: str) -> TableItem | None:
    """The table these words make, if they make one: aligned columns of short, mostly numeric
    cells, under a header of column names (years count as names)."""
    rows = _rows(words)
    if len(rows) < 3 or not gutters:
        return None
    cuts = [(lo + hi) / 2 for lo, hi in gutters]
    n_cols = len(cuts) + 1

    def col_of(x: float) -> int:
        k = 0
        while k < len(cuts) and x > cuts[k]:
            k += 1
        return k

    grid: list[dict[int, list[Word]]] = []
    for row in rows:
        cells: dict[int, list[Word]] = defaultdict(list)
        for w in row:
            cells[col_of((w.x0 + w.x1) / 2)].append(w)
        grid.append(cells)

    # the table starts at the first row with cells on both sides of a gutter, ends at the last
    # rows of cells: two or more runs of words apart (a title running over a gutter is one run)
    multi = [i for i, cells in enumerate(grid) if len(cells) >= 2 and len(_split_row(rows[i], 0.8)) >= 2]
    if len(multi) < 3:
        return None
    first, last = multi[0], multi[-1]
    # a row that runs across a gutter as one phrase (a sentence) is not in the table
    for i in range(first, last + 1):
        if _runs_across(rows[i], cuts):
            if i - first < 2:
                first = i + 1
            else:
                last = i - 1
                break
    while first <= last and (len(grid[first]) < 2 or len(_split_row(rows[first], 0.8)) < 2):
        first += 1
    body_multi = [i for i in range(first, last + 1) if len(grid[i]) >= 2]
    if len(body_multi) < 3 or len(body_multi) < 0.5 * (last - first + 1):
        return None  # mostly lines of one cell: text beside a chart, not a table
    labels = [_text(grid[i][0]) for i in body_multi if 0 in grid[i]]
    if labels and (sum(len(t.split()) for t in labels) / len(labels) > 10
                   or sum(_is_numeric(t) and not _is_year(t) for t in labels) > 0.5 * len(labels)
                   or sum(t[:1].islower() for t in labels) > 0.3 * len(labels)):
        return None  # prose beside numbers, or a chart's axis
    # a name wrapped over lines above the first row (column headers only) belongs to the header
    while first > 0 and 0 not in grid[first - 1] and grid[first - 1] and \
            rows[first][0].top - max(w.bottom for w in rows[first - 1]) < 1.5 * rows[first][0].size:
        first -= 1
    # cells away from the first column: short, and mostly numbers
    other = [_text(ws) for i in body_multi for c, ws in grid[i].items() if c > 0]
    numeric = [t for t in other if _is_numeric(t)]
    words_per_cell = sum(len(t.split()) for t in other) / max(len(other), 1)
    if len(numeric) < 0.5 * len(other) or words_per_cell > 3.5 or len(numeric) < 3:
        return None
    if n_cols == 2 and len(numeric) < 0.8 * len(other):
        return None
    # a row of values: a number that is not a year in a column past the first
    values = [i for i in body_multi
              if any(_is_numeric(_text(ws)) and not _is_year(_text(ws)) for c, ws in grid[i].items() if c > 0)]
    if len(values) < 2:
        return None
    # a footnote under the values, or a new header of names, ends the table (what follows is laid
    # out again: another table, or text)
    for i in range(values[0] + 1, last + 1):
        if i in values:
            continue
        label = _text(grid[i][0]) if 0 in grid[i] else ""
        names = [_text(ws) for c, ws in grid[i].items() if c > 0]
        in_header = i - 1 not in values and len(grid[i - 1]) >= 2 and _is_header_row(grid[i - 1])
        if FOOTNOTE.match(label) or (len(names) >= 2 and not in_header
                                     and not any(_is_numeric(t) or _is_year(t) for t in names)):
            last = i - 1
            values = [v for v in values if v <= last]
            break
    if len(values) < 2:
        return None
    def label_of(i: int) -> list[Word] | None:
        """The row label of a row of values: in the row, or alone on a line that overlaps it."""
        if 0 in grid[i]:
            return grid[i][0]
        for k in (i - 1, i + 1):
            if first <= k <= last and list(grid[k]) == [0] and rows[k][0].top < rows[i][0].bottom \
                    and rows[i][0].top < rows[k][0].bottom:
                return grid[k][0]
        return None

    labelled = sum((lab := label_of(i)) is not None and not _is_numeric(_text(lab)) for i in values)
    filled = sum(len(grid[i]) + (0 not in grid[i] and label_of(i) is not None) for i in values) / (len(values) * n_cols)
    if filled < 0.65:
        return None  # rows of values with most columns empty: a chart's labels, not a table
    if labelled < 0.5 * len(values):
        return None  # values without row labels: a chart's data labels, not a table
    centres = []  # where each column's values sit
    for c in range(n_cols):
        xs = [(ws[0].x0 + ws[-1].x1) / 2 for i in values for cc, ws in grid[i].items() if cc == c]
        centres.append(statistics.median(xs) if xs else None)
    # the title line just above the table is its caption; a title wrapped over two lines, both
    caption = None
    caption_rows = 0
    if first > 0 and _is_caption(rows, first - 1, rows[first][0], col_of):
        caption_rows = 1
        above, title = rows[first - 2] if first > 1 else None, rows[first - 1]
        if above is not None and len(_split_row(above, 0.8)) == 1 and abs(above[0].x0 - title[0].x0) < 1 \
                and abs(above[0].size - title[0].size) < 0.1 * title[0].size and above[0].weight == title[0].weight \
                and title[0].top - max(w.bottom for w in above) < 0.5 * title[0].size and not TERMINAL.search(above[-1].text):
            caption_rows = 2
        caption = Line([w for r in rows[first - caption_rows:first] for w in r], page_text)
    out: list[TableRow] = []
    body: list[dict[int, list[Word]]] = []  # body rows being built (flushed into out)

    def flush():
        for cells in body:
            out.append(TableRow(_cells(cells, page_text)))
        body.clear()

    i = first
    while i <= last:
        cells = grid[i]
        section = len(cells) == 1 and 0 in cells  # a row label alone ("Scope 3")
        if (i < values[0] and not (section and out)) or (i not in values and len(cells) >= 2 and _is_header_row(cells)):
            # a header: the rows down to the next row of values, merged by column
            flush()
            nxt = min((v for v in values if v > i), default=last + 1)
            while nxt - 1 > i and len(grid[nxt - 1]) == 1 and 0 in grid[nxt - 1]:
                nxt -= 1  # a section row under the header ("Scope 3") is a row of the body
            out.extend(_header(rows[i:nxt], col_of, centres, page_text))
            i = nxt
            continue
        if len(cells) == 1 and 0 in cells:
            label = cells[0]
            nxt = grid[i + 1] if i + 1 <= last else None
            prev = body[-1] if body else None
            size = label[0].size
            if nxt is not None and 0 not in nxt and rows[i + 1][0].top - label[-1].bottom < 0.5 * size:
                # values centred against a label wrapped over lines: they share a row
                merged = {0: list(label)}
                merged.update({c: list(ws) for c, ws in nxt.items()})
                body.append(merged)
                i += 2
                continue
            if prev is not None and 0 in prev and _continues(prev[0], label) \
                    and label[0].top - max(w.bottom for ws in prev.values() for w in ws) < 0.6 * size:
                prev[0].extend(label)
                i += 1
                continue
            if nxt is not None and 0 in nxt and _continues(label, nxt[0]) \
                    and rows[i + 1][0].top - label[-1].bottom < 0.6 * size:
                merged = {c: list(ws) for c, ws in nxt.items()}
                merged[0] = list(label) + merged[0]
                body.append(merged)
                i += 2
                continue
        elif 0 not in cells and body and len(body[-1]) == 1 and 0 in body[-1]:
            body[-1].update({c: list(ws) for c, ws in cells.items()})
            i += 1
            continue
        body.append({c: list(ws) for c, ws in cells.items()})
        i += 1
    flush()
    header_rows = 0
    for row in out:
        if not row.header:
            break
        header_rows += 1
    if len(out) - header_rows < 2:
        return None
    top = first - caption_rows
    return TableItem(out, n_cols, caption, [w for r in rows[:top] for w in r], [w for r in rows[last + 1:] for w in r])


def _is_caption(rows: list[list[Word]], i: int, below: Word, col_of) -> bool:
    """Whether row i, just above a table, is its title: one run of words from the first column,
    close above the table, not a footnote, and not the last line of a paragraph above it."""
    row = rows[i]
    if len(_split_row(row, 0.8)) != 1 or col_of(row[0].x0 + 0.5) != 0 or FOOTNOTE.match(row[0].text):
        return False
    if below.top - max(w.bottom for w in row) >= 2.5 * below.size:
        return False
    if i > 0 and not CAPTION_START.match(row[0].text + " "):
        above = rows[i - 1]
        same_style = abs(above[0].size - row[0].size) < 0.1 * row[0].size and above[0].weight == row[0].weight
        if same_style and row[0].top - max(w.bottom for w in above) < 0.5 * row[0].size and \
                -1 < above[0].x0 - row[0].x0 < 3 * row[0].size and TERMINAL.search(row[-1].text):
            return False  # the end of a paragraph
    return True


def _text(ws: list[Word]) -> str:
    return " ".join(w.text for w in ws)


def _runs_across(row: list[Word], cuts: list[float]) -> bool:
    """Whether a row's words run across a column boundary as one phrase (word gaps only)."""
    for a, b in zip(row, row[1:]):
        if b.x0 - a.x1 < 0.5 * max(a.size, b.size) and any(a.x1 <= c <= b.x0 or a.x0 < c < a.x1 for c in cuts):
            # a spanning cell has at most a few words; a sentence has many
            if len(row) > 6:
                return True
    return False


def _is_header_row(cells: dict[int, list[Word]]) -> bool:
    """A row of column names inside a table: no values, names (or years) past the first column."""
    texts = [_text(ws) for c, ws in cells.items() if c > 0]
    return len(texts) >= 2 and all(_is_year(t) or not _is_numeric(t) for t in texts) and any(_is_year(t) for t in texts)


def _header(rows: list[list[Word]], col_of, centres, page_text: str) -> list[TableRow]:
    """Header rows: names that run over several columns (group headers) each make a row of their
    own; the other lines are merged column by column into one row (a name wrapped over lines is
    one cell)."""
    groups: list[TableRow] = []
    merged: dict[int, list[Word]] = defaultdict(list)
    for row in rows:
        segments = _split_row(row, 0.8)
        spans = []
        for seg in segments:
            over = [c for c, x in enumerate(centres) if x is not None and seg[0].x0 - 1 <= x <= seg[-1].x1 + 1]
            if len(over) >= 2:
                spans.append((over[0], over[-1], seg))
            else:
                c = col_of((seg[0].x0 + seg[-1].x1) / 2)
                spans.append((c, c, seg))
        if any(c1 > c0 for c0, c1, _ in spans) and len(row) <= 12:
            groups.append(TableRow([(c0, c1 - c0 + 1, Line(seg, page_text).text) for c0, c1, seg in spans], header=True))
        else:
            for seg in segments:
                merged[col_of((seg[0].x0 + seg[-1].x1) / 2)].extend(seg)
    if merged:
        groups.append(TableRow(_cells(merged, page_text), header=True))
    return groups


def _continues(label: list[Word], more: list[Word]) -> bool:
    """Whether a label line goes on in the line below it (a wrapped row label)."""
    last = label[-1].text
    first = more[0].text
    return not TERMINAL.search(last) and (first[:1].islower() or first[:1] in "(&-\u2013"
                                          or last.endswith((",", "-", "\u2013", "and", "of", "for", "/", "(", "the", "in", "to")))


def _cells(cells: dict[int, list[Word]], page_text: str) -> list[tuple[int, int, str]]:
    out = []
    for col in sorted(cells):
        ws = cells[col]
        lines = _rows(ws)
        text = " ".join(Line(r, page_text).text for r in lines)
        out.append((col, 1, text))
    return out


# --------------------------------------------------------------------------------------------
# Reading a PDF


@dataclass
class PageWords:
    number: int
    width: float
    height: float
    text: str
    words: list[Word] = field(default_factory=list)
    rotated: list[Word] = field(default_factory=list)


def _read_page(pdf, index: int, raw) -> PageWords:
    page = pdf[index]
    try:
        width, height = page.get_size()  # as displayed (rotation applied)
        rotation = page.get_rotation() % 360
        textpage = page.get_textpage()
        try:
            return _page_words(textpage.raw, raw, index + 1, width, height, rotation)
        finally:
            textpage.close()
    finally:
        page.close()


_RECT = None


def _displayed(rotation: int, width: float, height: float):
    """A function from a box in the page's own space (left, top, right, bottom; y up) to the box as
    the page is displayed (a page with /Rotate), or None when the page is not rotated."""
    if rotation == 90:
        return lambda l, t, r, b: (b, height - l, t, height - r)
    if rotation == 180:
        return lambda l, t, r, b: (width - r, height - b, width - l, height - t)
    if rotation == 270:
        return lambda l, t, r, b: (width - t, r, width - b, l)
    return None


def _page_words(tp, raw, number: int, width: float, height: float, rotation: int = 0) -> PageWords:
    n = raw.FPDFText_CountChars(tp)
    if n <= 0:
        return PageWords(number, width, height, "")
    buf = ctypes.create_string_buffer((n + 1) * 2)
    raw.FPDFText_GetText(tp, 0, n, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)))
    text = buf.raw[: n * 2].decode("utf-16-le", errors="replace")
    if len(text) != n:  # characters outside the BMP: one code unit each is no longer true
        text = "".join(chr(raw.FPDFText_GetUnicode(tp, i) or 0xFFFD) for i in range(n))
    # PDFium marks a hyphen that ends a line as U+0002 (U+FFFE in GetText): it is the '-' printed,
    # and PDFium runs the word on into the next line; the word is cut after it (two words, two lines)
    marked = text.replace("\x02", "\ufffe")
    text = marked.replace("\ufffe", "-")
    rect = raw.FS_RECTF()
    prect = ctypes.byref(rect)
    loose = raw.FPDFText_GetLooseCharBox
    font_weight = raw.FPDFText_GetFontWeight
    font_info = raw.FPDFText_GetFontInfo
    name_buf = ctypes.create_string_buffer(96)
    flags = ctypes.c_int()
    pflags = ctypes.byref(flags)
    object_weight: dict[int | None, int] = {}
    text_object = _text_object_address(raw)
    out = PageWords(number, width, height, text)
    words, rotated = out.words, out.rotated
    turn = _displayed(rotation, width, height)
    for m in WORD.finditer(marked):
        i, j = m.start(), m.end() - 1
        hyphen = marked.find("\ufffe", i, j)
        if hyphen != -1:  # a line-end hyphen inside the run: cut after it
            words.extend(_split_at_hyphens(tp, raw, text, marked, i, j + 1, height))
            continue
        if not loose(tp, i, prect):
            continue
        l0, t0, r0, b0 = rect.left, rect.top, rect.right, rect.bottom
        if j > i:
            loose(tp, j, prect)
            l1, t1, r1, b1 = rect.left, rect.top, rect.right, rect.bottom
        else:
            l1, t1, r1, b1 = l0, t0, r0, b0
        if turn is not None:
            l0, t0, r0, b0 = turn(l0, t0, r0, b0)
            l1, t1, r1, b1 = turn(l1, t1, r1, b1)
        # the weight, once per text object: from the font descriptor, else from the font's name
        obj = text_object(tp, i)
        weight = object_weight.get(obj)
        if weight is None:
            weight = font_weight(tp, i)
            if weight <= 0 or weight == 400:  # no weight in the descriptor (a standard font, say)
                font_info(tp, i, name_buf, 96, pflags)
                weight = _weight_from_name(name_buf.value.decode("latin-1")) if weight <= 0 or b"old" in name_buf.value \
                    or b"emi" in name_buf.value or b"eavy" in name_buf.value or b"lack" in name_buf.value else 400
            object_weight[obj] = weight
        top, bottom = height - t0, height - b0
        # the font size: FPDFText_GetFontSize leaves out the text matrix, the loose box (the font's
        # ascent to descent at its rendered size) does not
        size = (t0 - b0) * EM_PER_LOOSE_HEIGHT
        if j > i and abs((t1 + b1) - (t0 + b0)) > abs((l1 + r1) - (l0 + r0)) and abs(t1 - t0) > 0.5 * max(size, r0 - l0):
            size = max(r0 - l0, r1 - l1) * EM_PER_LOOSE_HEIGHT
            rotated.append(Word(m.group(), min(l0, l1), max(r0, r1), height - max(t0, t1), height - min(b0, b1),
                                size, weight, m.start(), m.end(), True))
            continue
        if size <= 0.5:
            continue  # a character with no extent (an invisible or degenerate glyph)
        x1 = max(r0, r1)
        if x1 - l0 > (j - i + 2) * size and j > i:
            words.extend(_split_word(tp, raw, text, i, j + 1, height, size, weight))
            continue
        words.append(Word(text[i:j + 1], l0, x1, top, bottom, size, weight, i, j + 1))
    return out


def _split_at_hyphens(tp, raw, text: str, marked: str, start: int, end: int, height: float) -> list[Word]:
    """A run of characters that holds line-end hyphens, as one word per line."""
    rect = raw.FS_RECTF()
    out = []
    s = start
    while s < end:
        k = marked.find("\ufffe", s, end - 1)
        e = k + 1 if k != -1 else end
        raw.FPDFText_GetLooseCharBox(tp, s, ctypes.byref(rect))
        l0, t0, r0, b0 = rect.left, rect.top, rect.right, rect.bottom
        raw.FPDFText_GetLooseCharBox(tp, e - 1, ctypes.byref(rect))
        size = (t0 - b0) * EM_PER_LOOSE_HEIGHT
        weight = raw.FPDFText_GetFontWeight(tp, s)
        if size > 0.5:
            out.append(Word(text[s:e], l0, max(r0, rect.right), height - t0, height - b0, size,
                            weight if weight > 0 else 400, s, e))
        s = e
    return out


_TEXT_OBJECT = None


def _text_object_address(raw):
    """FPDFText_GetTextObject returning the object's address as an int (a cheap dictionary key)."""
    global _TEXT_OBJECT
    if _TEXT_OBJECT is None:
        address = ctypes.cast(raw.FPDFText_GetTextObject, ctypes.c_void_p).value
        _TEXT_OBJECT = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)(address)
    return _TEXT_OBJECT


def _weight_from_name(name: str) -> int:
    """A font weight from a font's name ("Helvetica-Bold" 700), 400 when it names none."""
    name = name.split("+")[-1].lower()
    for pattern, weight in FONT_NAME_WEIGHTS:
        if pattern in name:
            return weight
    return 400


def _split_word(tp, raw, text, start, end, height, size, weight) -> list[Word]:
    """A run of characters with no space but wide gaps (table cells PDFium did not space): split at the gaps."""
    rect = raw.FS_RECTF()
    boxes = []
    for k in range(start, end):
        raw.FPDFText_GetLooseCharBox(tp, k, ctypes.byref(rect))
        boxes.append((rect.left, rect.top, rect.right, rect.bottom))
    out = []
    s = start
    for k in range(start + 1, end + 1):
        if k == end or boxes[k - start][0] - boxes[k - 1 - start][2] > 0.5 * size:
            l0, t0, _, b0 = boxes[s - start]
            r1 = max(b[2] for b in boxes[s - start:k - start])
            out.append(Word(text[s:k], l0, r1, height - t0, height - b0, size, weight, s, k))
            s = k
    return out


def read_pdf(source_path: str, sha256: str, data: bytes) -> Document:
    """The Document of a PDF's text layer; raise NoTextLayer, EncryptedReport or MalformedReport."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        raise _open_error(source_path, err, raw) from None
    except Exception as err:  # noqa: BLE001 - a library error must not escape as itself
        raise MalformedReport(source_path, f"PDFium could not open it ({type(err).__name__}: {err}); "
                                           "the file is damaged or not a PDF: fetch or export it again") from None
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise MalformedReport(source_path, "the PDF has no pages; fetch or export it again")
        pages = []
        for index in range(n_pages):
            try:
                pages.append(_read_page(pdf, index, raw))
            except pdfium.PdfiumError as err:
                raise MalformedReport(source_path, f"page {index + 1} cannot be read (PDFium: {err}); "
                                                   "the file is damaged: fetch or export it again") from None
        info = _report_info(pdf)
    finally:
        pdf.close()
    n_words = sum(len(p.words) + len(p.rotated) for p in pages)
    if n_words < 3 * n_pages:  # fewer than 3 words a page: a scan (perhaps with a stamp on it)
        raise NoTextLayer(source_path, f"no text layer: OCR it first (its {n_pages} page(s) hold "
                                       f"{n_words} word(s) of text: a scan or images of text)")
    return _document(source_path, sha256, pages, info)


def _open_error(source_path: str, err, raw) -> Exception:
    code = getattr(err, "err_code", None)
    reason = str(err)
    m = re.search(r"\(PDFium: ([^)]*)\)", reason)
    reason = m.group(1) if m else reason
    if code == raw.FPDF_ERR_PASSWORD:
        return EncryptedReport(source_path, "encrypted: it needs a password to open; remove the password "
                                            "(save an unprotected copy) and drop that in raw/")
    if code == raw.FPDF_ERR_SECURITY:
        return EncryptedReport(source_path, "encrypted with an unsupported security handler; remove the "
                                            "password (save an unprotected copy) and drop that in raw/")
    return MalformedReport(source_path, f"PDFium cannot read it ({reason}); the file is damaged or truncated: "
                                        "fetch or export it again")


def _meta(pdf, key: str) -> str:
    try:
        value = pdf.get_metadata_value(key)
    except Exception:  # noqa: BLE001 - metadata is optional
        return ""
    return " ".join((value or "").replace("\x00", " ").split())


def _report_info(pdf) -> ReportInfo:
    """Title (and organisation, when Author or Subject names one) from the PDF's metadata."""
    title = _meta(pdf, "Title")
    fields: dict[str, str] = {}
    origin: dict[str, str] = {}
    if title and not JUNK_TITLE.match(title) and not FILE_NAME.search(title) and sum(c.isalpha() for c in title) >= 4:
        fields["report_title"] = title
        origin["report_title"] = "pdf metadata"
    for key in ("Author", "Subject"):
        value = _meta(pdf, key)
        if value and len(value.split()) <= 8 and ORGANISATION.search(value.rstrip(".,")):
            fields["reporting_entity"] = value
            origin["reporting_entity"] = f"pdf metadata ({key})"
            break
    return ReportInfo(origin=origin, **fields)


# --------------------------------------------------------------------------------------------
# From words to a Document


def _body_style(pages: list[PageWords]) -> tuple[float, int]:
    """The most common font size and weight, by characters: body text."""
    sizes: dict[float, int] = {}
    weights: dict[int, int] = {}
    for p in pages:
        for w in p.words:
            k = round(w.size * 2) / 2
            n = len(w.text)
            sizes[k] = sizes.get(k, 0) + n
            weights[w.weight] = weights.get(w.weight, 0) + n
    if not sizes:
        return 10.0, 400
    return max(sizes, key=sizes.__getitem__), max(weights, key=weights.__getitem__)


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _band_segments(page: PageWords) -> list[tuple[str, list[Word]]]:
    """Candidate running headers and footers: segments of lines in the top and bottom bands, each
    separated from the body by a gap, and rotated lines (side tabs); (where, words)."""
    top_edge, bottom_edge = BAND * page.height, (1 - BAND) * page.height
    top = [w for w in page.words if w.bottom <= top_edge]
    bottom = [w for w in page.words if w.top >= bottom_edge]
    out = []
    for where, words in (("header", top), ("footer", bottom)):
        if not words:
            continue
        # where the body starts below the top band (ends above the bottom band)
        if where == "header":
            body_edge = min((w.top for w in page.words if w.bottom > top_edge), default=math.inf)
        else:
            body_edge = max((w.bottom for w in page.words if w.top < bottom_edge), default=-math.inf)
        for row in _rows(words):
            for seg in _split_row(row, 1.5):
                size = max(w.size for w in seg)
                if where == "header":
                    gap = body_edge - max(w.bottom for w in seg)
                else:
                    gap = min(w.top for w in seg) - body_edge
                out.append((where, seg, gap >= 0.8 * size))
    for line in _rotated_lines(page.rotated):
        out.append(("side", line, True))
    return out


def _rotated_lines(words: list[Word]) -> list[list[Word]]:
    """Rotated words grouped into lines (same x band), each read along its direction."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: ((w.x0 + w.x1) / 2, w.top)):
        cx = (w.x0 + w.x1) / 2
        if lines and abs(cx - (lines[-1][0].x0 + lines[-1][0].x1) / 2) < 0.5 * w.size:
            lines[-1].append(w)
        else:
            lines.append([w])
    for line in lines:
        line.sort(key=lambda w: w.ci)
    return lines


def _find_furniture(pages: list[PageWords]) -> list[list[tuple[str, list[Word]]]]:
    """Per page, the band segments that are furniture: repeated on several pages, or a page number."""
    candidates = [_band_segments(p) for p in pages]
    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    for p, segs in zip(pages, candidates):
        for where, seg, _ in segs:
            seen[(where, _furniture_key(" ".join(w.text for w in seg)))].add(p.number)
    need = 2 if len(pages) <= 4 else 3
    out = []
    for segs in candidates:
        keep = []
        for where, seg, apart in segs:
            text = " ".join(w.text for w in seg)
            if len(text.split()) > 14:
                continue
            n = len(seen[(where, _furniture_key(text))])
            # set apart from the body and repeated, or on most pages whatever is near it
            if (apart and (n >= need or (where != "side" and PAGE_NUMBER.match(text)))) or \
                    (n >= need and n >= 0.5 * len(pages)):
                keep.append((where, seg))
        out.append(keep)
    return out


@dataclass
class Para:
    lines: list[Line]
    kind: str = "text"
    region: int = 0


class TextBuilder:
    def __init__(self):
        self.parts: list[str] = []
        self.pos = 0

    def add(self, s: str) -> tuple[int, int]:
        start = self.pos
        self.parts.append(s)
        self.pos += len(s)
        return start, self.pos

    def text(self) -> str:
        return "".join(self.parts)


def _document(source_path: str, sha256: str, pages: list[PageWords], info: ReportInfo) -> Document:
    body_size, body_weight = _body_style(pages)
    furniture = _find_furniture(pages)
    out = TextBuilder()
    doc_pages: list[Page] = []
    blocks: list[Block] = []
    headings: list[tuple[float, int, int, int]] = []  # (size, weight, start, end)
    tables: list[Table] = []
    for page, furn in zip(pages, furniture):
        if doc_pages:
            out.add("\f")
        page_start = out.pos
        furn_ids = {id(w) for _, seg in furn for w in seg}
        pieces: list[tuple[str, object]] = []  # (kind, payload) in order
        for where, seg in sorted(((w, s) for w, s in furn if w == "header"), key=lambda ws: (min(x.top for x in ws[1]), ws[1][0].x0)):
            pieces.append(("furniture", " ".join(w.text for w in seg) if where == "side" else Line(seg, page.text).text))
        layout = Layout(page.text, body_size)
        layout.order([w for w in page.words if id(w) not in furn_ids])
        paras = _paragraphs(layout.items, body_size, body_weight)
        for para in paras:
            pieces.append(("para", para))
        for line in _rotated_lines([w for w in page.rotated if id(w) not in furn_ids]):
            pieces.append(("caption_text", " ".join(w.text for w in line)))
        for where, seg in sorted(((w, s) for w, s in furn if w != "header"), key=lambda ws: (ws[0] == "side", min(x.top for x in ws[1]), ws[1][0].x0)):
            pieces.append(("furniture", " ".join(w.text for w in seg) if where == "side" else Line(seg, page.text).text))
        first = True
        for kind, payload in pieces:
            if not first:
                out.add("\n\n")
            first = False
            if kind == "furniture":
                s, e = out.add(payload)
                blocks.append(Block("furniture", s, e))
            elif kind == "caption_text":
                s, e = out.add(payload)
                blocks.append(Block("caption", s, e))
            elif isinstance(payload, TableItem):
                _emit_table(out, payload, blocks, tables)
            else:
                para = payload
                if para.kind == "heading":
                    # a title wrapped over lines reads as one line (after a hyphen the break stays)
                    s, e = out.add("".join(line.text + ("\n" if line.text.endswith("-") else " ")
                                           for line in para.lines).rstrip())
                    headings.append((para.lines[0].size, para.lines[0].weight, s, e))
                else:
                    s, e = out.add("\n".join(line.text for line in para.lines))
                    blocks.append(Block(para.kind, s, e))
        doc_pages.append(Page(page.number, page_start, out.pos))
    text = out.text()
    levelled = _levels(headings, body_size)
    blocks, tables = add_charts(text, blocks, tables, levelled)
    return Document(source_path=source_path, sha256=sha256, format="pdf", text=text, pages=doc_pages,
                    headings=levelled, blocks=blocks, tables=tables, info=info)


def _emit_table(out: TextBuilder, item: TableItem, blocks: list[Block], tables: list[Table]) -> None:
    caption = None
    if item.caption is not None:
        caption = out.add(item.caption.text)
        blocks.append(Block("caption", *caption))
        out.add("\n\n")
    start = out.pos
    cells = []
    header_rows = 0
    for r, row in enumerate(item.rows):
        if r:
            out.add("\n")
        if row.header and header_rows == r:
            header_rows += 1
        for k, (col, span, text) in enumerate(row.cells):
            if k:
                out.add(" | ")
            s, e = out.add(text.strip())
            cells.append(Cell(r, col, s, e, header=row.header, col_span=span))
    end = out.pos
    blocks.append(Block("table", start, end))
    tables.append(Table(start, end, len(item.rows), item.n_cols, header_rows, tuple(cells),
                        caption[0] if caption else None, caption[1] if caption else None))


def _style_change(a: Line, b: Line) -> bool:
    return abs(a.size - b.size) > 0.12 * max(a.size, b.size) or abs(a.weight - b.weight) >= HEADING_WEIGHT


def _paragraphs(items: list, body_size: float, body_weight: int) -> list:
    """Lines grouped into paragraphs (and tables passed through), each paragraph given its kind."""
    region_right: dict[int, float] = defaultdict(float)
    for it in items:
        if isinstance(it, Line):
            region_right[it.region] = max(region_right[it.region], it.x1)
    paras: list = []
    current: Para | None = None
    for it in items:
        if isinstance(it, TableItem):
            current = None
            paras.append(it)
            continue
        line = it
        if current is not None:
            a = current.lines[-1]
            if _same_paragraph(a, line, region_right, body_size, body_weight):
                current.lines.append(line)
                continue
        current = Para([line], region=line.region)
        paras.append(current)
    for p in paras:
        if isinstance(p, Para):
            p.kind = _kind(p, body_size, body_weight)
    # a big figure and the words under it (a call-out: "$61 bn" / "of investments in green bonds")
    # make one paragraph
    out: list = []
    for p in paras:
        prev = out[-1] if out else None
        if (isinstance(p, Para) and isinstance(prev, Para) and prev.region == p.region and len(prev.lines) <= 2
                and _is_callout_figure(prev, body_size) and p.kind in ("text", "heading", "caption")
                and -0.6 * p.lines[0].size <= p.lines[0].top - prev.lines[-1].bottom < 1.2 * p.lines[0].size):
            prev.lines.extend(p.lines)
            prev.kind = "text"
            continue
        out.append(p)
    # consecutive list items make one list
    merged: list = []
    for p in out:
        if (isinstance(p, Para) and p.kind == "list" and merged and isinstance(merged[-1], Para)
                and merged[-1].kind == "list" and merged[-1].region == p.region
                and p.lines[0].top - merged[-1].lines[-1].bottom < 1.2 * p.lines[0].size):
            merged[-1].lines.extend(p.lines)
        else:
            merged.append(p)
    return merged


def _same_paragraph(a: Line, b: Line, region_right, body_size, body_weight) -> bool:
    if _style_change(a, b) or LIST_ITEM.match(b.text):
        return False
    if b.region != a.region:
        # a paragraph that runs on at the top of the next column (which starts higher up the page)
        return (b.top < a.top and not TERMINAL.search(a.text) and abs(a.size - body_size) <= 0.12 * body_size
                and a.weight < body_weight + HEADING_WEIGHT)
    size = min(a.size, b.size)
    if b.top - a.bottom > 0.5 * size or b.top < a.top:
        return False
    if TERMINAL.search(a.text) and (b.x0 > a.x0 + 0.8 * size or a.x1 < region_right[a.region] - 4 * size):
        return False
    return True


def _is_callout_figure(p: Para, body_size: float) -> bool:
    text = " ".join(line.text for line in p.lines)
    alnum = [c for c in text if c.isalnum()]
    return (p.lines[0].size >= HEADING_SIZE * body_size and len(text.split()) <= 4
            and sum(c.isdigit() for c in alnum) >= 0.4 * max(len(alnum), 1))


def _kind(p: Para, body_size: float, body_weight: int) -> str:
    text = " ".join(line.text for line in p.lines)
    first = p.lines[0]
    n_words = len(text.split())
    if LIST_ITEM.match(first.text) and n_words > 1:
        return "list"
    if CAPTION_START.match(text) and n_words <= 40:
        return "caption"
    if n_words > MAX_HEADING_WORDS and n_words > 12:
        return "text"
    alnum = [c for c in text if c.isalnum()]
    digits = sum(c.isdigit() for c in alnum)
    letters = len(alnum) - digits
    larger = first.size >= HEADING_SIZE * body_size
    bolder = first.weight >= body_weight + HEADING_WEIGHT and first.size >= 0.92 * body_size
    if larger or bolder:
        # the whole paragraph in the heading's style (a bold lead-in to a sentence is no heading)
        words = [w for line in p.lines for w in line.words]
        styled = sum(len(w.text) for w in words if (w.size >= HEADING_SIZE * body_size if larger
                                                     else w.weight >= body_weight + HEADING_WEIGHT))
        if styled < 0.9 * sum(len(w.text) for w in words):
            larger = bolder = False
    if ((larger or bolder) and len(p.lines) <= 3 and n_words <= MAX_HEADING_WORDS and letters >= 3
            and digits <= 0.3 * len(alnum)
            and not (text.rstrip().endswith(".") and n_words > 5 and not (len(p.lines) == 1 and NUMBERED.match(text)))
            and not re.search(r"[a-z]{2}[.;] +[A-Za-z]", text)):  # a sentence ends inside it: a run-in lead
        return "heading"
    if first.size < 0.88 * body_size and n_words <= 12:
        return "caption"
    if letters < 0.5 * len(alnum) and n_words <= 12:
        return "caption"  # chart labels, axis ticks
    return "text"


def _levels(headings: list[tuple[float, int, int, int]], body_size: float) -> list[Heading]:
    """Heading levels from their sizes: sizes within 12% of each other are one size; the sizes that
    two or more headings use are ranked, largest first, below any larger title (level 1); a size
    only one heading uses, between them, takes the level of the next ranked size below it."""
    counts = Counter(round(h[0] * 2) / 2 for h in headings)
    clusters: list[list[float]] = []  # [top size, count]
    for size in sorted(counts, reverse=True):
        if clusters and size >= clusters[-1][0] * 0.88:
            clusters[-1][1] += counts[size]
        else:
            clusters.append([size, counts[size]])
    repeated = [c[0] for c in clusters if c[1] >= 2]
    ranked = [c[0] for c in clusters if c[1] >= 2 or not repeated or c[0] > repeated[0]]

    def level(size: float) -> int:
        top = next((c[0] for c in clusters if size >= c[0] * 0.88 - 1e-9), clusters[-1][0])
        for i, r in enumerate(ranked):
            if top >= r:
                return min(i + 1, 6)
        return min(len(ranked), 6)

    return [Heading(level(round(size * 2) / 2), s, e) for size, weight, s, e in headings]
