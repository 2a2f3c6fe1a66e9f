"""Text cut into pieces at stored offsets, for drawing <mark>s; a table's text drawn as a grid.

Pure functions: text in, pieces out. Offsets are absolute positions in documents.text
(end-exclusive), as the warehouse stores them; ``base`` is where the given text starts. The web
view escapes every piece and wraps the marked ones in ``<mark class="...">``, so what is
highlighted is the text at the stored offsets, never a copy of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

Span = tuple[int, int, str]  # (char_start, char_end, what it is: "figure", "unit", ...)


@dataclass(frozen=True)
class Piece:
    """A run of text and the kinds of the spans covering it (none: plain text)."""

    text: str
    marks: tuple[str, ...] = ()


def pieces(text: str, base: int, spans: Iterable[Span]) -> list[Piece]:
    """text (starting at offset base) cut where the spans start and end; spans outside it are ignored."""
    end = base + len(text)
    clipped = [(max(s, base), min(e, end), kind) for s, e, kind in spans if s is not None and e is not None]
    clipped = [(s, e, kind) for s, e, kind in clipped if s < e]
    cuts = sorted({base, end, *(s for s, _, _ in clipped), *(e for _, e, _ in clipped)})
    out: list[Piece] = []
    for a, b in zip(cuts, cuts[1:]):
        marks = tuple(sorted({kind for s, e, kind in clipped if s <= a and b <= e}))
        if out and out[-1].marks == marks:
            out[-1] = Piece(out[-1].text + text[a - base:b - base], marks)
        else:
            out.append(Piece(text[a - base:b - base], marks))
    return out


@dataclass(frozen=True)
class Cell:
    pieces: list[Piece]
    header: bool
    marks: tuple[str, ...]  # the kinds of spans inside the cell, to highlight the cell itself


# a Markdown table's rule line: | --- | :---: |
_RULE = re.compile(r"\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*")
_SPACES = re.compile(r"\t+| {2,}")


def _cell_bounds(line: str) -> list[tuple[int, int]]:
    """(start, end) of each cell's text in a table line: cells between pipes, else between tabs or
    runs of two or more spaces; one cell when the line has neither."""
    if "|" in line:
        edges = [-1] + [i for i, ch in enumerate(line) if ch == "|"] + [len(line)]
        bounds = [(a + 1, b) for a, b in zip(edges, edges[1:])]
        if line.lstrip().startswith("|"):
            bounds = bounds[1:]
        if line.rstrip().endswith("|"):
            bounds = bounds[:-1]
    else:
        bounds, start = [], 0
        for gap in _SPACES.finditer(line):
            bounds.append((start, gap.start()))
            start = gap.end()
        bounds.append((start, len(line)))
    trimmed = []
    for a, b in bounds:
        cell = line[a:b]
        a += len(cell) - len(cell.lstrip())
        b -= len(cell) - len(cell.rstrip())
        trimmed.append((a, max(a, b)))
    return trimmed


def table_rows(text: str, base: int, header_rows: int, spans: Iterable[Span]) -> list[list[Cell]]:
    """A table's text (starting at offset base) as rows of cells, each cut into pieces at the spans.

    Only for drawing: rows are the text's lines (blank and Markdown rule lines left out), cells
    are split at pipes, tabs or wide spaces; the first header_rows rows are headers. Rows are
    padded to the widest, so columns line up.
    """
    spans = list(spans)
    rows: list[list[Cell]] = []
    position = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        start = base + position
        position += len(line)
        if not body.strip() or _RULE.fullmatch(body):
            continue
        header = len(rows) < header_rows
        row = []
        for a, b in _cell_bounds(body):
            cut = pieces(body[a:b], start + a, spans)
            row.append(Cell(cut, header, tuple(sorted({m for p in cut for m in p.marks}))))
        rows.append(row)
    width = max((len(r) for r in rows), default=0)
    return [r + [Cell([], r[0].header if r else False, ())] * (width - len(r)) for r in rows]
