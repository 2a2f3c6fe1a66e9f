"""The one contract between the readers and everything after them: a `Document`.

Each reader (``flows/readers/``: text, Markdown, HTML, PDF) turns a file's bytes into one
``Document``: the text the pipeline read plus typed spans over it. Parse, extract and load read
only this; nothing after the readers knows which format a document came from.

Offsets are Python ``str`` indexes into ``Document.text``, end-exclusive, so
``text[span.char_start:span.char_end]`` is always the characters a span names.

- ``text`` is what the pipeline read: a text or Markdown file's decoded text as is; for HTML the
  main content's text; for a PDF the text layer, in reading order, pages separated by a form feed
  (``\\f``). Table rows that a reader lays out itself (HTML, PDF) put `` | `` between cells.
- ``view`` is the same text as it renders, character for character aligned with ``text``
  (same length): markup that is syntax, not content (Markdown's ``#``, ``**``, ``|``; LaTeX such as
  ``$3 \\%$``) is blanked to spaces. Analysis reads ``view``; every surface is cut from ``text``.
- ``pages``: where each page's text lies (none for formats without pages).
- ``headings``: each heading's title characters and its level (1 = top).
- ``blocks``: paragraphs of body text and what else the document is made of, by kind.
- ``tables``: each table's span, its cells and which rows are headers.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field

from schemas.vocabulary import BLOCK_KINDS, FORMATS, PROSE_KINDS  # noqa: F401 (re-exported)

# Block kinds: text (a paragraph of body text), list (bulleted or numbered), caption (a table or
# figure caption, a chart's labels), table (a table's rows; figures come from its cells),
# references (a reference list or bibliography: cited, not stated), furniture (running headers
# and footers, page numbers: repeated on every page). Only the first three are read as prose.


@dataclass(frozen=True)
class Page:
    page_number: int  # 1-based, as a PDF viewer counts them
    char_start: int
    char_end: int


@dataclass(frozen=True)
class Heading:
    """A heading: its title's characters (markup such as ``#`` or ``Sub header:`` left out)."""

    level: int  # 1 = top level; deeper headings have larger numbers
    char_start: int
    char_end: int
    line_start: int | None = None  # the whole heading line, markup included, when it has one
    line_end: int | None = None


@dataclass(frozen=True)
class Block:
    kind: str  # one of BLOCK_KINDS
    char_start: int
    char_end: int
    label: str | None = None  # a label the text gave the block and that is not its content ("Paragraph 3")


@dataclass(frozen=True)
class Cell:
    row: int  # 0-based, header rows first
    col: int  # 0-based
    char_start: int  # the cell's own characters (trimmed); an empty cell has char_start == char_end
    char_end: int
    header: bool = False
    row_span: int = 1
    col_span: int = 1


@dataclass(frozen=True)
class Table:
    char_start: int
    char_end: int
    n_rows: int
    n_cols: int
    header_rows: int  # how many rows at the top are headers
    cells: tuple[Cell, ...] = ()
    caption_start: int | None = None  # the caption or title line that names the table, if any
    caption_end: int | None = None


@dataclass(frozen=True)
class ReportInfo:
    """Whose report it is and which period it covers, as far as anything tells."""

    reporting_entity: str | None = None
    report_title: str | None = None
    reporting_period: str | None = None  # "FY2022", "2023", or "2023-01-01..2023-12-31"
    source_url: str | None = None
    origin: dict[str, str] = field(default_factory=dict)  # field -> where it came from

    def given_json(self) -> str | None:
        """The fields that are set, as canonical JSON (None when none is): how a sidecar's word is compared."""
        given = {k: getattr(self, k) for k in INFO_FIELDS if getattr(self, k)}
        return json.dumps(given, sort_keys=True, ensure_ascii=False) if given else None


INFO_FIELDS = ("reporting_entity", "report_title", "reporting_period", "source_url")


@dataclass
class Document:
    """A report as read: its text, how it renders, and typed spans over it."""

    source_path: str
    sha256: str
    format: str
    text: str
    view: str = ""
    pages: list[Page] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    info: ReportInfo = field(default_factory=ReportInfo)

    def __post_init__(self) -> None:
        if not self.view:
            self.view = self.text

    @property
    def document_id(self) -> str:
        return self.sha256[:16]

    def page_at(self, offset: int) -> int | None:
        """The page number the character at offset is on, or None for a format without pages."""
        if not self.pages:
            return None
        if getattr(self, "_page_starts", None) is None or len(self._page_starts) != len(self.pages):
            self._page_starts = [p.char_start for p in self.pages]
        i = max(0, bisect.bisect_right(self._page_starts, offset) - 1)
        return self.pages[i].page_number


class InvalidDocument(ValueError):
    """A reader broke the contract (a bug in the reader, not in the file)."""


def check_document(doc: Document) -> None:
    """Raise InvalidDocument if a span leaves the text, spans overlap, or the view is misaligned."""
    n = len(doc.text)
    problems = []
    if doc.format not in FORMATS:
        problems.append(f"unknown format {doc.format!r}")
    if len(doc.view) != n:
        problems.append(f"view has {len(doc.view)} characters, text {n}")

    def inside(what: str, start: int, end: int) -> None:
        if not 0 <= start <= end <= n:
            problems.append(f"{what} [{start}, {end}) is outside the text (0..{n})")

    for kind, spans in (("page", doc.pages), ("heading", doc.headings), ("block", doc.blocks),
                        ("table", doc.tables)):
        previous_end = 0
        for span in spans:
            inside(kind, span.char_start, span.char_end)
            if span.char_start < previous_end and kind != "page":
                problems.append(f"{kind} at {span.char_start} overlaps the one before it")
            previous_end = max(previous_end, span.char_end)
    heading_starts = [h.char_start for h in doc.headings]
    for block in doc.blocks:
        i = bisect.bisect_right(heading_starts, block.char_start) - 1
        for h in doc.headings[max(0, i):i + 2]:
            if h.char_start < block.char_end and block.char_start < h.char_end:
                problems.append(f"block at {block.char_start} overlaps the heading at {h.char_start}")
        if block.kind not in BLOCK_KINDS:
            problems.append(f"block at {block.char_start} has unknown kind {block.kind!r}")
    for heading in doc.headings:
        if heading.level < 1:
            problems.append(f"heading at {heading.char_start} has level {heading.level}")
    for table in doc.tables:
        for cell in table.cells:
            if not table.char_start <= cell.char_start <= cell.char_end <= table.char_end:
                problems.append(f"cell ({cell.row}, {cell.col}) lies outside its table at {table.char_start}")
            if not (0 <= cell.row < table.n_rows and 0 <= cell.col < table.n_cols):
                problems.append(f"cell ({cell.row}, {cell.col}) is outside the table's {table.n_rows}x{table.n_cols} grid")
    if problems:
        raise InvalidDocument(f"{doc.source_path}: " + "; ".join(problems[:5]))


# --------------------------------------------------------------------------------------------
# What a reader raises when a file cannot become a Document. Each names the file, the cause and
# the fix; `check` is what the rejections table records.


class ReportError(Exception):
    """A report that cannot be loaded; the message names the file, the cause and the fix."""

    check = "unreadable"

    def __init__(self, source_path: str, message: str, document_id: str | None = None):
        super().__init__(f"{source_path}: {message}")
        self.source_path = source_path
        self.reason = message
        self.document_id = document_id  # known when the file could be read


class EmptyReport(ReportError):
    check = "empty_file"


class BinaryReport(ReportError):
    check = "binary_file"


class NotUTF8(ReportError):
    check = "not_utf8"


class TooLarge(ReportError):
    check = "too_large"


class UnsupportedFormat(ReportError):
    check = "unsupported_format"


class DuplicateReport(ReportError):
    check = "duplicate_content"


class NoTextLayer(ReportError):
    check = "no_text_layer"


class EncryptedReport(ReportError):
    check = "encrypted"


class MalformedReport(ReportError):
    check = "malformed_file"
