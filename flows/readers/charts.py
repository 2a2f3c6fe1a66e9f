"""Charts flattened into text: a year axis and the series plotted over it, read as a table.

Text taken from a PDF keeps a bar or line chart as runs of numbers: its x axis, a row of
consecutive years ("2014 2015 ... 2022"), next to the values plotted over those years, one a year
("100 94 79 81 49 56 34 62 48"), on the axis line itself, or on the line just above or just below
it (one blank line between them allowed, a page break not). ``chart_series`` finds such pairs and
returns each as a Table (a header row of years, one row of values, no label column), so the table
reader's rules give each value its year, and the chart's title (its caption: the nearest words
above it, past the y axis's tick labels) its unit.

It stays narrow, since a wrong year on a figure is worse than none: the years must follow one
another; the values must be exactly one a year; values in equal steps (tick labels "0 20 40 60",
footnote numbers "1 2 3") are not a series; values both above and below the axis are a guess; and
any other word on those lines means it is not a chart, but for what a PDF ran into the last value
or year (the next title, a sentence), which ends the chart and stays text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from flows.document import Block, Cell, Heading, Table

_TOKEN = re.compile(r"\S+")
_YEAR = re.compile(r"(?:19|20)\d\d")
# what a run of MIN_YEARS years needs on a line: a year token, then a token of exactly four digits
# (the next year, as str(int) writes it), then one that starts with four (the year after, or that
# year run into a title). A line without it has no run: its tokens need not be read.
_YEAR_RUN_HINT = re.compile(r"(?:19|20)\d\d\s+\d\d\d\d\s+\d\d\d\d")
# a plotted value: 63, 2,545, 0.93, -4,755, (1.9), 40%
_VALUE = re.compile(r"\(?[-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\)?%?|\(?[-−]?\d+(?:\.\d+)?\)?%?")
_GLUED = re.compile(f"({_VALUE.pattern})(?=[A-Z][a-z])")  # a value run into the next title: "80Notices"
_WORD_START = re.compile(r"[A-Z][a-z]")
_AXIS_TITLE = re.compile(r"(?i:\((?:fiscal |financial |calendar )?years?\)|\(FY\))")
_SEPARATOR = frozenset({"-", "–", "—", "|"})
MIN_YEARS = 3
MAX_LINE = 2000  # characters: a chart's axis or values line is short; a longer line is prose


def _number(token: str) -> float:
    return float(token.strip("()%").replace(",", "").replace("−", "-"))


def _ticks(values: Sequence[float]) -> bool:
    """Values in equal, non-zero steps: an axis's labels ("0 50 100") or footnote numbers
    ("1 2 3"), not data."""
    if len(values) < 3:
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


def _series(spans: list[tuple[int, int]], n_years: int, text: str) -> list[tuple[int, int]] | None:
    """spans as one series of one value a year, or None when they are not one.

    Exactly one value a year: more could be a second series, but whether it is written series
    by series or year by year, or holds changes or totals, the text does not say.
    """
    if len(spans) != n_years:
        return None
    surfaces = [text[a:b] for a, b in spans]
    if _ticks([_number(s) for s in surfaces]):
        return None
    if len({s.endswith("%") for s in surfaces}) > 1:
        return None  # "18 40%" run together as "1840%": one series is written one way
    if all(_YEAR.fullmatch(s) for s in surfaces):
        return None  # another axis ("2019 2020 2021   2019 2020 2021"), not values
    return spans


_TICK = re.compile(r"[-−]?[\d.,]+%?")
CAPTION_REACH = 12  # lines above a chart searched for its title (past its axis's tick labels)
SUBTITLE_LENGTH = 60  # a title and the unit line under it are short: prose lines are longer
TITLE_LENGTH = 120
_CLAUSE_ENDS = (".", ",", ";", ":")


def _title_like(line) -> bool:
    """A line that can be a chart's title: words, short, not ending like a sentence or clause."""
    return any(ch.isalpha() for ch in line.s) and len(line.s) <= TITLE_LENGTH and not line.s.endswith(_CLAUSE_ENDS)


def chart_caption(lines: Sequence, first: int, not_caption: set[int], used: set[int] = frozenset()
                  ) -> tuple[int, int] | None:
    """The title of the chart whose first line is first: the nearest line above it with words,
    past blank lines and the y axis's tick labels (a number alone on a line), on the same page,
    if it reads as a title (short, not a sentence); with the line above it too when both are
    short (a title over its unit line). A heading can be a chart's title; lines in not_caption
    (running headers, tables) or used (other charts) cannot."""
    x = first - 1
    while x >= 0 and first - x <= CAPTION_REACH and (lines[x].blank or _TICK.fullmatch(lines[x].s)):
        x -= 1
    if x < 0 or first - x > CAPTION_REACH or x in not_caption or x in used or lines[x].page != lines[first].page \
            or not _title_like(lines[x]):
        return None
    top = x
    above = x - 1
    if len(lines[x].s) <= SUBTITLE_LENGTH and above >= 0 and above not in not_caption and above not in used \
            and not lines[above].blank and lines[above].page == lines[x].page and _title_like(lines[above]) \
            and len(lines[above].s) <= SUBTITLE_LENGTH:
        top = above  # a title over its unit line: "WATER WITHDRAWAL" over "(million m3)"
    return lines[top].s_start, lines[x].s_start + len(lines[x].s)


def chart_series(text: str, lines: Sequence, skip: set[int], not_caption: set[int] = frozenset()
                 ) -> list[tuple[int, int, Table]]:
    """(first line, last line, Table) of each chart found: lines are the reader's (offset, raw and
    stripped text of each line, page); lines in skip (headings, furniture, tables) are left alone,
    and lines in not_caption are never a chart's title.

    A chart's table ends with its last value or year: what a PDF ran into it on the same line
    (the next title, a sentence) is not part of it, and stays text (``Table.char_end`` is then
    before the end of its last line).
    """
    found: list[tuple[int, int, Table]] = []
    used: set[int] = set()

    def content(i: int, step: int) -> int | None:
        """The line next to line i (going by step) that is not blank, one blank line at most
        passed over (a PDF's text runs are a blank line apart) and never a page break, if it
        can hold a chart's values."""
        x = i + step
        if 0 <= x < len(lines) and lines[x].blank:
            x += step
        if not (0 <= x < len(lines)) or x in skip or x in used or lines[x].blank or len(lines[x].s) > MAX_LINE:
            return None
        if any(lines[y].page != lines[i].page for y in range(min(i, x), max(i, x) + 1)):
            return None
        return x

    for i, line in enumerate(lines):
        if i in skip or i in used or line.blank or len(line.s) > MAX_LINE or not any(ch.isdigit() for ch in line.s[:8]) \
                or not _YEAR_RUN_HINT.search(line.raw):
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
        if before and after:
            continue  # numbers on both sides of the axis: which are the values is a guess
        series, lines_used = None, [i]
        if before or after:  # the values share the axis's line
            spans = before or _values(after, line.start)
            series = _series(spans, len(years), text) if spans else None
        else:  # on the line just above or just below it, not both
            candidates = []
            for x in (content(i, -1), content(i, 1)):
                if x is not None:
                    spans = _values(list(_TOKEN.finditer(lines[x].raw)), lines[x].start)
                    if spans and _series(spans, len(years), text):
                        candidates.append((x, spans))
            if len(candidates) == 1:
                (x, series), = candidates
                lines_used = sorted([i, x])
        if not series:
            continue
        used.update(lines_used)
        header = [(line.start + m.start(), line.start + m.start() + 4) for m in years]
        cells = tuple(Cell(row=0, col=c, char_start=a, char_end=b, header=True) for c, (a, b) in enumerate(header))
        cells += tuple(Cell(row=1, col=c, char_start=a, char_end=b) for c, (a, b) in enumerate(series))
        top, bottom = lines[lines_used[0]], lines[lines_used[-1]]
        end, line_end = max(c.char_end for c in cells), bottom.s_start + len(bottom.s)
        rest = text[end:line_end].strip()
        if not rest or _AXIS_TITLE.fullmatch(rest):
            end = line_end  # the axis's own title is the chart's; anything else run into it is not
        caption = chart_caption(lines, lines_used[0], not_caption, used)
        found.append((lines_used[0], lines_used[-1], Table(
            char_start=top.s_start, char_end=end, n_rows=2, n_cols=len(years),
            header_rows=1, cells=cells, caption_start=caption[0] if caption else None,
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
    def lines_of(start: int, end: int) -> range:
        return range(bisect.bisect_right(starts, start) - 1, bisect.bisect_right(starts, max(start, end - 1)))

    # lines no chart may use: headings, furniture, tables, references; of those, all but
    # headings can never be a chart's title either
    not_caption = {x for b in blocks if b.kind not in ("text", "list", "caption") for x in lines_of(b.char_start, b.char_end)}
    taken = not_caption | {x for h in headings for x in lines_of(h.char_start, h.char_end)}
    tables = list(tables)
    blocks = sorted(blocks, key=lambda b: b.char_start)
    block_starts = [b.char_start for b in blocks]
    gone: set[int] = set()  # indexes of blocks a chart took the place of
    added: list[Block] = []
    for _, _, chart in chart_series(text, lines, taken, not_caption):
        lo = max(0, bisect.bisect_right(block_starts, chart.char_start) - 1)
        hi = bisect.bisect_left(block_starts, chart.char_end)
        inside = [k for k in range(lo, hi) if blocks[k].char_end > chart.char_start]
        if any(blocks[k].char_start < chart.char_start or blocks[k].char_end > chart.char_end for k in inside):
            continue  # it would cut a block in two: left as it is
        gone.update(inside)
        added.append(Block("table", chart.char_start, chart.char_end))
        tables.append(chart)
    blocks = sorted([b for k, b in enumerate(blocks) if k not in gone] + added, key=lambda b: b.char_start)
    tables.sort(key=lambda t: t.char_start)
    return blocks, tables
