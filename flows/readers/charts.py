"""Charts flattened into text: a year axis and the series plotted over it, read as a table.

Text taken from a PDF keeps a bar or line chart as runs of numbers: its x axis, a row of
consecutive years ("2014 2015 ... 2022"), next to the values plotted over those years, one per
year per series ("100 94 79 81 49 56 34 62 48"), on the axis line itself, or on the line just
above or just below it (a blank line between them aside). ``chart_series`` finds such pairs and returns each as a Table (a header row of years,
a row per series, no label column), so the table reader's rules give each value its year, and
the chart's title (its caption: the nearest words above it, past the y axis's tick labels) its
unit.

It stays narrow, since a wrong year on a figure is worse than none: the years must follow one
another; the values must be exactly one per year for each series (one or more series); a line
of values that climbs or falls in equal steps (an axis's tick labels: "0 20 40 60 80") is not a
series; and any other word on those lines (but a trailing word glued to the last value, as PDF
text often runs a chart's last label into its next title) means it is not a chart.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from flows.document import Block, Cell, Heading, Table

_TOKEN = re.compile(r"\S+")
_YEAR = re.compile(r"(?:19|20)\d\d")
# a plotted value: 63, 2,545, 0.93, -4,755, (1.9), 40%
_VALUE = re.compile(r"\(?[-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\)?%?|\(?[-−]?\d+(?:\.\d+)?\)?%?")
_GLUED = re.compile(r"(\(?[-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\)?%?|\(?[-−]?\d+(?:\.\d+)?\)?%?)(?=[A-Z][a-z])")
_WORD_START = re.compile(r"[A-Z][a-z]")
_AXIS_TITLE = re.compile(r"(?i:\((?:fiscal |financial |calendar )?years?\)|\(FY\))")
_SEPARATOR = frozenset({"-", "–", "—", "|"})
MIN_YEARS = 3
MAX_SERIES = 4
MAX_LINE = 2000  # characters: a chart's axis or values line is short; a longer line is prose


def _number(token: str) -> float:
    return float(token.strip("()%").replace(",", "").replace("−", "-"))


def _ticks(values: Sequence[float]) -> bool:
    """Four or more values in equal, non-zero steps: an axis's labels, not data."""
    if len(values) < 4:
        return False
    step = values[1] - values[0]
    return step != 0 and all(abs((b - a) - step) < 1e-9 for a, b in zip(values, values[1:]))


def _year_run(tokens: list[re.Match]) -> tuple[int, int, bool] | None:
    """(first, end, glued) token indexes of the longest run of consecutive years (2014 2015 ...);
    glued: its last year runs into a capitalized word ("2022Environmental"), which ends the line's
    chart part."""
    best, i = None, 0
    while i < len(tokens):
        if not _YEAR.fullmatch(tokens[i].group()):
            i += 1
            continue
        j, glued = i + 1, False
        while j < len(tokens):
            token, expected = tokens[j].group(), str(int(tokens[j - 1].group()[:4]) + 1)
            if token == expected:
                j += 1
            elif token.startswith(expected) and _WORD_START.match(token, 4):
                j, glued = j + 1, True
                break
            else:
                break
        if j - i >= MIN_YEARS and (best is None or j - i > best[1] - best[0]):
            best = (i, j, glued)
        i = j
    return best


def _values(tokens: list[re.Match], offset: int, allow_glued_end: bool = True) -> list[tuple[int, int]] | None:
    """The spans (offset + …) of tokens that are all plotted values (stand-alone dashes between
    them aside), up to one that runs into a capitalized word (the next title: the rest of the
    line is that title), or None if any other word is there."""
    spans = []
    for n, m in enumerate(tokens):
        token = m.group()
        if token in _SEPARATOR:
            continue
        if _VALUE.fullmatch(token):
            spans.append((offset + m.start(), offset + m.end()))
            continue
        glued = _GLUED.match(token) if allow_glued_end else None
        if glued is None:
            return None
        spans.append((offset + m.start(), offset + m.start() + glued.end(1)))
        break  # the chart's last value ran into the next title: the rest of the line is that title
    return spans


def _series(spans: list[tuple[int, int]], n_years: int, text: str) -> list[list[tuple[int, int]]] | None:
    """spans cut into series of one value a year, or None when they do not make whole series."""
    if not spans or len(spans) % n_years or len(spans) // n_years > MAX_SERIES:
        return None
    rows = [spans[i:i + n_years] for i in range(0, len(spans), n_years)]
    if any(_ticks([_number(text[a:b]) for a, b in row]) for row in rows):
        return None
    if any(len({text[a:b].endswith("%") for a, b in row}) > 1 for row in rows):
        return None  # "18 40%" run together as "1840%": one series is written one way
    return rows


_TICK = re.compile(r"[-−]?[\d.,]+%?")
CAPTION_REACH = 12  # lines above a chart searched for its title (past its axis's tick labels)
SUBTITLE_LENGTH = 60  # a title and the unit line under it are short: prose lines are longer


def chart_caption(lines: Sequence, first: int, not_caption: set[int]) -> tuple[int, int] | None:
    """The title of the chart whose first line is first: the nearest line above it with words,
    past blank lines and the y axis's tick labels (a number alone on a line); with the line above
    it too when both are short (a title over its unit line), not prose. A heading can be a
    chart's title; lines in not_caption (running headers, tables) cannot."""
    x = first - 1
    while x >= 0 and first - x <= CAPTION_REACH and (lines[x].blank or _TICK.fullmatch(lines[x].s)):
        x -= 1
    if x < 0 or first - x > CAPTION_REACH or x in not_caption or not any(ch.isalpha() for ch in lines[x].s):
        return None
    top = x
    above = x - 1
    if len(lines[x].s) <= SUBTITLE_LENGTH and above >= 0 and above not in not_caption and not lines[above].blank \
            and any(ch.isalpha() for ch in lines[above].s) and len(lines[above].s) <= SUBTITLE_LENGTH \
            and not lines[above].s.endswith((".", ",", ";", ":")):
        top = above  # a title over its unit line: "WATER WITHDRAWAL" over "(million m3)"
    return lines[top].s_start, lines[x].s_start + len(lines[x].s)


def chart_series(text: str, lines: Sequence, skip: set[int], not_caption: set[int] = frozenset()
                 ) -> list[tuple[int, int, Table]]:
    """(first line, last line, Table) of each chart found: lines are the reader's (offset, raw and
    stripped text of each line); lines in skip (headings, furniture, tables) are left alone, and
    lines in not_caption are never a chart's title."""
    found: list[tuple[int, int, Table]] = []
    used: set[int] = set()

    def content(x: int, step: int) -> int | None:
        """The first line from x on (going by step) that is not blank, one blank line at most
        passed over (a PDF's text runs are a blank line apart), if it can hold a chart's values."""
        if 0 <= x < len(lines) and lines[x].blank:
            x += step
        return x if 0 <= x < len(lines) and x not in skip and x not in used and not lines[x].blank \
            and len(lines[x].s) <= MAX_LINE else None

    for i, line in enumerate(lines):
        if i in skip or i in used or line.blank or len(line.s) > MAX_LINE or not any(ch.isdigit() for ch in line.s[:8]):
            continue
        tokens = list(_TOKEN.finditer(line.raw))
        run = _year_run(tokens)
        if run is None:
            continue
        first, end, glued = run
        years = tokens[first:end]
        before = _values(tokens[:first], line.start, allow_glued_end=False) if first else []
        if before is None:
            continue  # words before the axis: a sentence that lists years, not a chart
        after = [] if glued else tokens[end:]
        if after and _AXIS_TITLE.fullmatch(line.raw[after[0].start():].strip()):
            after = []  # the axis's own title: "2012 2013 2014 (Fiscal year)"
        rows, lines_used = None, [i]
        if before and after:
            continue  # numbers on both sides of the axis: which are the values is a guess
        if before or after:  # the values share the axis's line
            spans = before or _values(after, line.start)
            rows = _series(spans, len(years), text) if spans else None
        else:  # on the line just above or just below it
            for x in (content(i - 1, -1), content(i + 1, 1)):
                if x is None:
                    continue
                spans = _values(list(_TOKEN.finditer(lines[x].raw)), lines[x].start)
                rows = _series(spans, len(years), text) if spans else None
                if rows:
                    lines_used = sorted([i, x])
                    break
        if not rows:
            continue
        used.update(lines_used)
        header = [(line.start + m.start(), line.start + m.start() + 4) for m in years]
        cells = tuple(Cell(row=0, col=c, char_start=a, char_end=b, header=True) for c, (a, b) in enumerate(header))
        cells += tuple(Cell(row=r, col=c, char_start=a, char_end=b)
                       for r, row in enumerate(rows, start=1) for c, (a, b) in enumerate(row))
        top, bottom = lines[lines_used[0]], lines[lines_used[-1]]
        caption = chart_caption(lines, lines_used[0], not_caption | used)
        found.append((lines_used[0], lines_used[-1], Table(
            char_start=top.s_start, char_end=bottom.s_start + len(bottom.s), n_rows=1 + len(rows),
            n_cols=len(years), header_rows=1, cells=cells, caption_start=caption[0] if caption else None,
            caption_end=caption[1] if caption else None)))
    return found


def add_charts(text: str, blocks: list[Block], tables: list[Table], headings: Sequence[Heading]
               ) -> tuple[list[Block], list[Table]]:
    """A reader's blocks and tables with the charts of its text added (for readers that lay out
    text themselves, such as the PDF reader): each chart's lines become one table block, in place
    of the prose blocks they were. A chart that would cut a block in two, or take in a heading,
    furniture or a table, is left alone."""
    from flows.readers.text import split_lines

    lines = split_lines(text)
    starts = [line.start for line in lines]
    taken: set[int] = set()  # lines no chart may use: headings, furniture, tables, references
    for start, end in [(h.char_start, h.char_end) for h in headings] + \
            [(b.char_start, b.char_end) for b in blocks if b.kind not in ("text", "list", "caption")]:
        first, last = bisect.bisect_right(starts, start) - 1, bisect.bisect_right(starts, max(start, end - 1)) - 1
        taken.update(range(first, last + 1))
    blocks, tables = list(blocks), list(tables)
    for _, _, chart in chart_series(text, lines, taken, taken):
        inside = [b for b in blocks if b.char_start < chart.char_end and chart.char_start < b.char_end]
        if any(b.char_start < chart.char_start or b.char_end > chart.char_end for b in inside):
            continue
        blocks = [b for b in blocks if b not in inside] + [Block("table", chart.char_start, chart.char_end)]
        tables.append(chart)
    blocks.sort(key=lambda b: b.char_start)
    tables.sort(key=lambda t: t.char_start)
    return blocks, tables
