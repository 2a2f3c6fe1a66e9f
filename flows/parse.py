"""A Document in, its sections and paragraphs out, with exact character offsets.

Rules (offsets are Python ``str`` indexes into ``Document.text``):

- Each heading starts a section that runs to the next heading, whatever its level; the
  section's ``title`` is the heading's title characters. Text before the first heading (or a
  whole document without headings) forms an implicit section with no title, at level 0.
- Sections nest by level: a section's parent is the nearest section before it with a lower
  level (0 for none: the implicit section is no one's parent). A section's span is its own text,
  up to the next heading; its subsections follow it, linked by ``parent_section_id``.
- Each block of the document is a paragraph of the section it starts in, with its kind (text,
  list, caption, table, references, furniture) and the page it starts on.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from flows.document import Document


@dataclass(frozen=True)
class Section:
    section_index: int
    level: int  # 0 for the implicit section before the first heading, else the heading's level
    parent_index: int | None  # section_index of the enclosing section
    title: str | None
    title_char_start: int | None
    title_char_end: int | None
    char_start: int
    char_end: int
    page_number: int | None = None


@dataclass(frozen=True)
class Paragraph:
    section_index: int
    paragraph_index: int
    label: str | None
    kind: str
    char_start: int
    char_end: int
    text: str
    page_number: int | None = None


@dataclass(frozen=True)
class ParsedDocument:
    document: Document
    sections: list[Section]
    paragraphs: list[Paragraph]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) to drop surrounding whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sections(doc: Document) -> list[Section]:
    """Sections of a document, in order; they tile its non-blank text."""
    text = doc.text
    headings = sorted(doc.headings, key=lambda h: h.char_start)
    starts = [h.line_start if h.line_start is not None else h.char_start for h in headings]
    sections: list[Section] = []
    pre_start, pre_end = _trim(text, 0, starts[0] if headings else len(text))
    if pre_end > pre_start:
        sections.append(Section(0, 0, None, None, None, None, pre_start, pre_end, doc.page_at(pre_start)))
    open_sections: list[Section] = []  # the chain of enclosing sections
    for i, heading in enumerate(headings):
        next_start = starts[i + 1] if i + 1 < len(headings) else len(text)
        start, end = _trim(text, starts[i], next_start)
        end = max(end, heading.char_end)
        while open_sections and open_sections[-1].level >= heading.level:
            open_sections.pop()
        section = Section(
            section_index=len(sections), level=heading.level,
            parent_index=open_sections[-1].section_index if open_sections else None,
            title=text[heading.char_start:heading.char_end],
            title_char_start=heading.char_start, title_char_end=heading.char_end,
            char_start=start, char_end=end, page_number=doc.page_at(start),
        )
        sections.append(section)
        open_sections.append(section)
    return sections


def split_paragraphs(doc: Document, sections: list[Section]) -> list[Paragraph]:
    """One paragraph per block, in the section it starts in, numbered within that section."""
    starts = [s.char_start for s in sections]
    counts: dict[int, int] = {}
    paragraphs = []
    for block in sorted(doc.blocks, key=lambda b: b.char_start):
        if block.char_end <= block.char_start or not sections:
            continue
        section = sections[max(0, bisect.bisect_right(starts, block.char_start) - 1)]
        index = counts.get(section.section_index, 0)
        counts[section.section_index] = index + 1
        paragraphs.append(Paragraph(
            section.section_index, index, block.label, block.kind, block.char_start, block.char_end,
            doc.text[block.char_start:block.char_end], doc.page_at(block.char_start)))
    return paragraphs


def parse_document(doc: Document) -> ParsedDocument:
    """Sections and paragraphs of a whole document."""
    sections = split_sections(doc)
    return ParsedDocument(doc, sections, split_paragraphs(doc, sections))


def parse_text(text: str, source_path: str = "text.txt") -> ParsedDocument:
    """parse_document of a plain text, read by the text reader (for tests and the benchmark)."""
    from flows.readers.text import read_text

    return parse_document(read_text(source_path, "0" * 64, text))
