"""The plain-text reader: a decoded .txt report in, a Document out.

A text file carries its structure in its layout, so this reader reads the layout:

- **Pages**: a form feed (``\\f``, as ``pdftotext`` writes between pages) starts a new page. A text
  without form feeds has no pages.
- **Headings**: a line starting ``Sub header:`` is a heading (its title is the rest of the line).
  A text that marks its headings that way is taken at its word; any other text gets its headings
  from the lines that read as headings: short (at most 12 words), not ending like a sentence
  (``.``, ``,``, ``;``, ``:``), starting with a capital or a section number (``3.2 Water
  stewardship``), mostly letters, standing on its own line after a sentence has ended (or a blank
  line, or the start of a page), and followed by body text (possibly after one or two more heading
  lines: a stack of headings). Numbered headings nest by their number (``3.2`` under ``3``); a line
  in capitals ranks above one in sentence or title case; in a stack, each line ranks above the next.
- **Blocks**: blank lines separate blocks; in text with no blank lines (PDF extractions), a line
  that ends a sentence well short of the lines around it ends a paragraph. A leading
  ``Paragraph N:`` label is kept as the block's label, not its content; a ``Title:`` line is
  structure and left out; a block starting ``References:`` (or ``Bibliography:``, ``Sources:``)
  and the blocks under a heading such as "References" are ``references``; runs of bulleted or
  numbered lines are ``list``s; lines of ``|``-separated cells are a ``table`` (and a Table with
  its cells); a short line repeated verbatim across the text (a running header or footer) is
  ``furniture``.
"""

from __future__ import annotations

import re
from collections import Counter

from flows.document import Block, Cell, Document, Heading, Page, Table
from flows.readers.charts import chart_series

SECTION_MARKER = "Sub header:"
LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_PARAGRAPH_LABEL = re.compile(r"[ \t]*(Paragraph[ \t]+\d+)[ \t]*:[ \t]*")
_TITLE_LINE = re.compile(r"[ \t]*Title[ \t]*:")
_REFERENCES_LINE = re.compile(r"[ \t]*(?:References|Bibliography|Sources|Works cited)[ \t]*(?::|$)", re.I)
_REFERENCES_HEADING = re.compile(r"(?:\d+(?:\.\d+)*\.?\s+)?(?:references|bibliography|sources|works cited|"
                                 r"endnotes|notes and references|footnotes)\s*", re.I)
_BACK_MATTER = re.compile(r"(?i:references|bibliography|sources|works cited|notes|endnotes|glossary|abbreviations|"
                          r"acronyms|appendix(?:\s+\w+)?|annex(?:\s+\w+)?|acknowledg(?:e)?ments|about this report|"
                          r"gri (?:content )?index|contact(?:s| us)?)\s*")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-–•*·▪●◦■□➢✓]|\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)])[ \t]+\S")
_NUMBERED = re.compile(r"((?:\d{1,2}\.)*\d{1,2})\.?[ \t]+(?=[A-Z])")
_SENTENCE_END = re.compile(r"""[.!?:;]["'”’)\]]*$""")
_HEADING_BAD_END = re.compile(r"""[.,;:!?\-–—/&(]["'”’]?$|\b(?:and|or|of|the|to|in|for|with|a|an|by|on|at|from|as|per)$""", re.I)
_BAD_END_REACH = 6  # a _HEADING_BAD_END match is at most 5 characters long (a word of 4 and a boundary)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_NUMERIC_CELL = re.compile(r"[-−–(]?[$€£¥]?\d[\d.,\s]*%?\)?")
_MD_RULE_CELL = re.compile(r":?-{2,}:?")

MAX_HEADING_WORDS = 12
MAX_HEADING_CHARS = 90
MAX_STACK = 2  # heading lines in a row (a title over a subtitle)


class _Line:
    __slots__ = ("start", "end", "raw", "s", "s_start", "blank", "page")

    def __init__(self, start: int, raw: str, page: int):
        self.start = start  # offset of the line in the text
        self.raw = raw  # the line without its line break
        self.end = start + len(raw)
        stripped = raw.strip()
        self.s = stripped
        self.s_start = start + (len(raw) - len(raw.lstrip())) if stripped else start
        self.blank = not stripped
        self.page = page


def split_lines(text: str) -> list[_Line]:
    """Every line with its offset; a form feed ends a line and starts a page."""
    lines, pos, page = [], 0, 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip(LINE_BREAKS)
        lines.append(_Line(pos, body, page))
        if "\x0c" in raw[len(body):]:
            page += 1
        pos += len(raw)
    return lines


def _pages(text: str) -> list[Page]:
    if "\x0c" not in text:
        return []
    pages, start = [], 0
    for number, part in enumerate(text.split("\x0c"), start=1):
        pages.append(Page(number, start, start + len(part)))
        start += len(part) + 1
    return pages


def _bad_end(s: str) -> bool:
    """_HEADING_BAD_END.search(s), tried only where a match can start: its last few characters."""
    return _HEADING_BAD_END.search(s, max(0, len(s) - _BAD_END_REACH)) is not None


def _is_heading_line(s: str) -> tuple[bool, int | None, bool]:
    """(reads as a heading, its number depth if numbered, whether it is in capitals)."""
    if not s or len(s) > MAX_HEADING_CHARS or "|" in s or "\t" in s:
        return False, None, False
    depth = None
    body = s
    numbered = _NUMBERED.match(s)
    if numbered:
        number = numbered.group(1)
        body = s[numbered.end():]
        bare = "." not in s[:numbered.end()]  # "2 Includes ...": a footnote as often as a heading
        if bare and (int(number) > 30 or not _title_case(body)):
            return False, None, False
        depth = number.count(".") + 1
    if not body or not body[0].isupper():
        return False, None, False
    if _bad_end(body) or _LIST_ITEM.match(s) and not numbered:
        return False, None, False
    words = _WORD.findall(body)
    if not words or len(body.split()) > MAX_HEADING_WORDS:
        return False, None, False
    letters = sum(ch.isalpha() for ch in body)
    visible = sum(not ch.isspace() for ch in body)
    if letters < 0.6 * visible or letters < 3:
        return False, None, False
    if re.search(r"[.!?]\s+[A-Z]", body) or body.count(",") > 2 or "http" in body or "@" in body:
        return False, None, False  # two sentences, a list of things, an address
    if sum(ch.isdigit() for ch in body) > 8:
        return False, None, False
    caps = sum(1 for ch in body if ch.isupper()) >= 0.8 * letters and letters >= 4
    if len(words) == 1 and not caps and depth is None and len(words[0]) < 4:
        return False, None, False
    return True, depth, caps


def _title_case(s: str) -> bool:
    """Most words capitalized, small words aside: "Water Stewardship and Biodiversity"."""
    words = [w for w in _WORD.findall(s) if w.lower() not in _SMALL_WORDS]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.75 * len(words)


_SMALL_WORDS = frozenset("a an and as at by for from in into of on or per the to with vs via".split())


def _marked_headings(text: str, lines: list[_Line]) -> list[tuple[_Line, int, int]]:
    """(line, title start, title end) of every `Sub header:` line."""
    found = []
    for line in lines:
        if line.s.startswith(SECTION_MARKER):
            start = line.s_start + len(SECTION_MARKER)
            end = line.end
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            found.append((line, start, end))
    return found


def _detect_headings(lines: list[_Line], furniture: set[int]) -> dict[int, int]:
    """line index -> heading level, for the lines that read as headings in their context."""
    n = len(lines)
    info = [_is_heading_line(line.s) if not line.blank and i not in furniture else (False, None, False)
            for i, line in enumerate(lines)]
    content = [i for i, line in enumerate(lines) if not line.blank and i not in furniture]
    position = {i: k for k, i in enumerate(content)}

    def after_break(i: int) -> bool:
        """The line starts fresh: after a blank line, a page break, the start, or an ended sentence."""
        k = position[i]
        if k == 0:
            return True
        prev = content[k - 1]
        if prev != i - 1 or lines[prev].page != lines[i].page:
            return True  # blank lines (or furniture) between, or a new page
        return bool(_SENTENCE_END.search(lines[prev].s)) or info[prev][0]

    wrapped = not any(line.blank for line in lines[1:-1])  # PDF extractions: no blank lines at all
    widths = sorted(len(lines[i].s) for i in content)
    typical = widths[int(len(widths) * 0.8)] if widths else 0

    def standalone(i: int) -> bool:
        """Not a wrapped line of a paragraph: short of the text's width, not continued in lower case."""
        nxt = i + 1
        if nxt < n and not lines[nxt].blank and lines[nxt].s[:1].islower():
            return False
        return not wrapped or len(lines[i].s) <= 0.7 * typical

    def body(i: int) -> bool:
        """A line of body text: not a heading candidate."""
        return not info[i][0]

    headings: dict[int, int] = {}
    k = 0
    while k < len(content):
        i = content[k]
        if not info[i][0] or not after_break(i) or not standalone(i):
            k += 1
            continue
        stack = [i]
        max_stack = MAX_STACK if wrapped else MAX_STACK + 1  # blank-line texts set headings apart
        while len(stack) < max_stack + 1 and k + len(stack) < len(content):
            j = content[k + len(stack)]
            if not info[j][0] or not standalone(j):
                break
            stack.append(j)
        follower = k + len(stack)
        if len(stack) > max_stack or follower >= len(content) or not body(content[follower]):
            k += len(stack)
            continue  # a run of short lines (a list, a chart's labels), or nothing after it
        if not _reads_as_body(lines, content, follower):
            k += len(stack)
            continue  # followed by a fragment (a chart label, a number), not by body text
        levels = []
        for line_index in stack:
            _, depth, caps = info[line_index]
            levels.append(depth if depth is not None else (1 if caps else 2))
        for x in range(len(levels) - 2, -1, -1):  # in a stack, each line ranks above the next
            if info[stack[x]][1] is None:
                levels[x] = min(levels[x], max(1, levels[x + 1] - 1))
        for line_index, level in zip(stack, levels):
            headings[line_index] = level
        k = follower
    if any(info[i][1] == 1 for i in headings):  # back matter sits beside numbered chapters
        for i in headings:
            if info[i][1] is None and _BACK_MATTER.fullmatch(lines[i].s):
                headings[i] = 1
    if headings and content and content[0] in headings and info[content[0]][1] is None \
            and any(info[i][1] == 1 for i in headings):
        headings[content[0]] = 0  # the document's title, over its numbered chapters
    if headings:  # levels 1.. without gaps
        used = sorted(set(headings.values()))
        rank = {level: r + 1 for r, level in enumerate(used)}
        headings = {i: rank[level] for i, level in headings.items()}
    return headings


def _reads_as_body(lines: list[_Line], content: list[int], k: int) -> bool:
    """The content line content[k] opens body text: a sentence, or a long line that goes on."""
    s = lines[content[k]].s
    if _SENTENCE_END.search(s) or len(s.split()) >= 6:
        return True
    nxt = content[k + 1] if k + 1 < len(content) else None
    return nxt is not None and nxt == content[k] + 1 and lines[nxt].s[:1].islower() and len(s.split()) >= 3


_DIGIT_RUN = re.compile(r"\d+")


def _furniture_lines(lines: list[_Line], n_pages: int) -> set[int]:
    """Lines of running headers and footers: short lines repeated verbatim (page numbers aside)."""
    keys = {i: _DIGIT_RUN.sub("#", line.s) for i, line in enumerate(lines)  # page numbers aside: once a line
            if not line.blank and len(line.s) <= 100}
    counts = Counter(keys.values())
    threshold = max(3, n_pages // 3) if n_pages > 1 else 3
    out = set()
    for i, line in enumerate(lines):
        if line.blank or len(line.s) > 100 or "|" in line.s or _PARAGRAPH_LABEL.fullmatch(line.s):
            continue
        k = keys[i]
        fragment = n_pages <= 1 and (line.s[:1].islower() or _bad_end(line.s))
        if counts[k] >= threshold and (sum(ch.isalpha() for ch in k) >= 3 or n_pages > 1) and not fragment \
                and not line.s.startswith(SECTION_MARKER):
            out.add(i)
        elif n_pages > 1 and re.fullmatch(r"(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?", line.s, re.I):
            out.add(i)  # a bare page number
    return out


def _table_runs(lines: list[_Line], skip: set[int]) -> list[tuple[int, int]]:
    """(first, last) line indexes of runs of `|`-separated rows that make a table."""
    runs, i, n = [], 0, len(lines)
    while i < n:
        if i in skip or lines[i].blank or "|" not in lines[i].s:
            i += 1
            continue
        j = i
        while j + 1 < n and j + 1 not in skip and not lines[j + 1].blank and "|" in lines[j + 1].s:
            j += 1
        rows = [lines[x].s for x in range(i, j + 1)]
        counts = [len(_split_cells(r)) for r in rows]
        numeric = any(_NUMERIC_CELL.fullmatch(c.strip()) for r in rows for c in r.split("|") if c.strip())
        has_rule = any(all(_MD_RULE_CELL.fullmatch(c.strip()) for c in _split_cells(r) if c.strip()) for r in rows)
        if j > i and max(counts) - min(counts) <= 1 and min(counts) >= 2 and (numeric or has_rule):
            runs.append((i, j))
        i = j + 1
    return runs


_GAP = re.compile(r"\t+|[ \u00a0]{2,}")


def _aligned_cells(line: _Line) -> list[tuple[int, int]]:
    """Cells of a line laid out by spacing (two or more spaces, or tabs, between cells): their spans."""
    spans, pos = [], line.s_start
    end = line.s_start + len(line.s)
    if "\t" not in line.s and "  " not in line.s and "\u00a0" not in line.s:
        return [(pos, end)]  # no gap: one cell (most lines; the scan below would find none)
    text = line.raw[line.s_start - line.start:]
    for m in _GAP.finditer(text[:len(line.s)]):
        spans.append((pos, line.s_start + m.start()))
        pos = line.s_start + m.end()
    spans.append((pos, end))
    return spans


def _aligned_runs(lines: list[_Line], skip: set[int]) -> list[tuple[int, int]]:
    """(first, last) line indexes of tables laid out by spacing: at least three rows of the same
    number of cells (the header may have one fewer), short cells, and numbers in most value cells."""
    runs, i, n = [], 0, len(lines)
    while i < n:
        if i in skip or lines[i].blank or "|" in lines[i].s or len(_aligned_cells(lines[i])) < 2:
            i += 1
            continue
        width = len(_aligned_cells(lines[i]))
        j = i
        while j + 1 < n and j + 1 not in skip and not lines[j + 1].blank and "|" not in lines[j + 1].s \
                and len(_aligned_cells(lines[j + 1])) in (width, width + 1):
            j += 1
        rows = [[lines[x].raw[a - lines[x].start:b - lines[x].start] for a, b in _aligned_cells(lines[x])]
                for x in range(i, j + 1)]
        body = [r for r in rows[1:] if len(r) >= 2]
        numeric = sum(1 for r in body for c in r[1:] if _NUMERIC_CELL.fullmatch(c.strip()))
        cells = sum(len(r) - 1 for r in body)
        if j - i >= 2 and cells and numeric >= 0.6 * cells and all(len(c) <= 60 for r in rows for c in r):
            runs.append((i, j))
        i = j + 1
    return runs


def _split_cells(row: str) -> list[str]:
    cells = row.split("|")
    if row.strip().startswith("|"):
        cells = cells[1:]
    if row.strip().endswith("|") and len(cells) > 1:
        cells = cells[:-1]
    return cells


def _table(text: str, lines: list[_Line], first: int, last: int, aligned: bool = False) -> Table:
    """The Table of a run of `|`-separated (or, aligned, space-separated) rows: its cells, and its header rows."""
    rows: list[list[tuple[int, int]]] = []
    # outer pipes are a border only when every row has them: " | 2024/25 | 2023/24" over
    # "Water | 35.93 | 39.15" has an empty first cell, over the row labels
    leading_border = all(lines[x].s.startswith("|") for x in range(first, last + 1))
    trailing_border = all(lines[x].s.endswith("|") for x in range(first, last + 1))
    for x in range(first, last + 1):
        line = lines[x]
        if aligned:
            spans = _aligned_cells(line)
            if x == first and last > first and len(spans) + 1 == len(_aligned_cells(lines[first + 1])):
                spans = [(line.s_start, line.s_start)] + spans  # a header with no cell over the labels
            rows.append(spans)
            continue
        raw = line.raw
        cells_text = raw.split("|")
        pos = line.start
        spans = []
        for c in cells_text:
            a, b = pos, pos + len(c)
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            spans.append((a, b))
            pos += len(c) + 1
        if leading_border:
            spans = spans[1:]
        if trailing_border and len(spans) > 1:
            spans = spans[:-1]
        if spans and all(_MD_RULE_CELL.fullmatch(text[a:b]) for a, b in spans if b > a):
            rows.append([])  # a Markdown delimiter row: marks the end of the header
            continue
        rows.append(spans)
    rule = next((r for r, spans in enumerate(rows) if not spans), None)
    header_rows = rule if rule is not None else 0
    if rule is None:  # headers: rows at the top with no number in any cell but the first
        for spans in rows:
            values = [text[a:b] for a, b in spans[1:]]
            if header_rows and not any(values):
                break  # "Diesel: | | |" under a header: a group row of the body
            if values and not any(_NUMERIC_CELL.fullmatch(v) and not re.fullmatch(r"(?:19|20)\d\d", v) for v in values if v):
                header_rows += 1
            else:
                break
        if header_rows == len(rows):
            header_rows = min(1, len(rows))
    data_rows = [spans for spans in rows if spans]
    n_cols = max(len(spans) for spans in data_rows)
    cells = tuple(
        Cell(row=r, col=c, char_start=a, char_end=b, header=r < header_rows)
        for r, spans in enumerate(data_rows) for c, (a, b) in enumerate(spans)
    )
    caption = _caption_above(text, lines, first)
    return Table(char_start=lines[first].s_start, char_end=lines[last].s_start + len(lines[last].s),
                 n_rows=len(data_rows), n_cols=n_cols, header_rows=header_rows, cells=cells,
                 caption_start=caption[0] if caption else None, caption_end=caption[1] if caption else None)


def _caption_above(text: str, lines: list[_Line], first: int) -> tuple[int, int] | None:
    """The line right above a table (blank lines aside) when it reads as its title."""
    x = first - 1
    while x >= 0 and lines[x].blank:
        x -= 1
    if x < 0 or first - x > 2:
        return None
    s = lines[x].s
    if "|" in s or len(s) > 160 or s.endswith((".", ",")) and len(s) > 60:
        return None
    return lines[x].s_start, lines[x].s_start + len(s)


def read_text(source_path: str, sha256: str, text: str) -> Document:
    """The Document of a plain-text report: pages, headings, blocks and tables from its layout."""
    lines = split_lines(text)
    pages = _pages(text)
    furniture = _furniture_lines(lines, len(pages))
    marked = _marked_headings(text, lines)
    headings: list[Heading] = []
    heading_lines: set[int] = set()
    if marked:
        index = {id(line): i for i, line in enumerate(lines)}
        for line, start, end in marked:
            headings.append(Heading(1, start, end, line.s_start, line.end))
            heading_lines.add(index[id(line)])
        furniture -= heading_lines
    else:
        detected = _detect_headings(lines, furniture)
        for i, level in sorted(detected.items()):
            line = lines[i]
            headings.append(Heading(level, line.s_start, line.s_start + len(line.s), line.s_start, line.s_start + len(line.s)))
            heading_lines.add(i)
    pipe_runs = _table_runs(lines, heading_lines | furniture)
    pipe_lines = {x for a, b in pipe_runs for x in range(a, b + 1)}
    aligned_runs = _aligned_runs(lines, heading_lines | furniture | pipe_lines)
    tables_at = {(a, b): _table(text, lines, a, b, aligned=(a, b) in aligned_runs) for a, b in pipe_runs + aligned_runs}
    table_lines = {x for a, b in tables_at for x in range(a, b + 1)}
    for a, b, chart in chart_series(text, lines, heading_lines | furniture | table_lines, furniture | table_lines):
        tables_at[a, b] = chart
    table_runs = sorted(tables_at)
    table_lines = {x for a, b in table_runs for x in range(a, b + 1)}
    tables = [tables_at[run] for run in table_runs]
    table_ends = {a: tables_at[a, b].char_end for a, b in table_runs}
    blocks = _blocks(text, lines, heading_lines, furniture, table_runs, table_lines, table_ends)
    blocks = _mark_references(text, blocks, headings)
    return Document(source_path=source_path, sha256=sha256, format="txt", text=text, pages=pages,
                    headings=headings, blocks=blocks, tables=tables)


def _blocks(text: str, lines: list[_Line], heading_lines: set[int], furniture: set[int],
            table_runs: list[tuple[int, int]], table_lines: set[int],
            table_ends: dict[int, int] | None = None) -> list[Block]:
    """Blocks between headings: paragraphs, lists, tables, references and furniture, in order.

    table_ends: where a table that ends before its last line does ends (a chart whose line runs
    on into a title or a sentence); the rest of that line is a text block of its own.
    """
    blocks: list[Block] = []
    table_start = {a: b for a, b in table_runs}
    has_blank_lines = any(line.blank for line in lines[1:-1])
    current: list[int] = []

    def flush() -> None:
        if current:
            blocks.extend(_block_of(text, lines, current, has_blank_lines))
            current.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if line.blank or i in heading_lines:
            flush()
            i += 1
            continue
        if i in furniture:
            flush()
            blocks.append(Block("furniture", line.s_start, line.s_start + len(line.s)))
            i += 1
            continue
        if i in table_start:
            flush()
            last = table_start[i]
            line_end = lines[last].s_start + len(lines[last].s)
            end = min((table_ends or {}).get(i, line_end), line_end)
            blocks.append(Block("table", line.s_start, end))
            tail = text[end:line_end]
            if tail.strip():
                blocks.append(Block("text", end + len(tail) - len(tail.lstrip()), line_end))
            i = last + 1
            continue
        if current and lines[current[-1]].page != line.page:
            flush()
        current.append(i)
        i += 1
    flush()
    return blocks


def _block_of(text: str, lines: list[_Line], indexes: list[int], has_blank_lines: bool) -> list[Block]:
    """The blocks of one run of consecutive non-blank lines: its paragraphs and lists."""
    first = lines[indexes[0]]
    if _TITLE_LINE.match(first.raw):
        indexes = indexes[1:]  # "Title: ..." is structure, not content
        if not indexes:
            return []
    groups: list[list[int]] = [[indexes[0]]]
    widest = max(len(lines[i].s) for i in indexes)
    for prev, i in zip(indexes, indexes[1:]):
        line, before = lines[i], lines[prev]
        starts_list = bool(_LIST_ITEM.match(line.raw))
        in_list = bool(_LIST_ITEM.match(lines[groups[-1][0]].raw))
        new = False
        if not has_blank_lines:
            # wrapped text: a paragraph ends on a line that ends a sentence well short of the others
            ends = _SENTENCE_END.search(before.s) and len(before.s) < 0.7 * widest and line.s[:1].isupper()
            new = bool(ends) or (starts_list and not in_list) or (in_list and not starts_list and not line.raw[:1].isspace()
                                                                   and _SENTENCE_END.search(before.s))
        if new:
            groups.append([i])
        else:
            groups[-1].append(i)
    out = []
    for group in groups:
        start_line, end_line = lines[group[0]], lines[group[-1]]
        start = start_line.s_start
        label = None
        match = _PARAGRAPH_LABEL.match(text, start_line.start, start_line.end)
        if match:
            label = " ".join(match.group(1).split())
            start = match.end()
            while start < end_line.end and text[start].isspace():
                start += 1
        end = end_line.s_start + len(end_line.s)
        if end <= start:
            continue
        if _REFERENCES_LINE.match(text, start, end):
            kind = "references"
        elif all(_LIST_ITEM.match(lines[i].raw) or lines[i].raw[:1].isspace() for i in group) and _LIST_ITEM.match(start_line.raw):
            kind = "list"
        else:
            kind = "text"
        out.append(Block(kind, start, end, label))
    return out


def _mark_references(text: str, blocks: list[Block], headings: list[Heading]) -> list[Block]:
    """Blocks under a heading such as "References" or "Notes" are references, up to the next heading."""
    spans = []
    for i, h in enumerate(headings):
        if _REFERENCES_HEADING.fullmatch(text[h.char_start:h.char_end]):
            end = headings[i + 1].char_start if i + 1 < len(headings) else len(text)
            spans.append((h.char_end, end))
    if not spans:
        return blocks
    out = []
    for b in blocks:
        if b.kind in ("text", "list") and any(a <= b.char_start < e for a, e in spans):
            b = Block("references", b.char_start, b.char_end, b.label)
        out.append(b)
    return out
