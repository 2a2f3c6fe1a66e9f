"""Split a report into sections and paragraphs, keeping exact character offsets.

Rules (text in, rows out; offsets are Python ``str`` indexes into the decoded text):

- A section starts at a line whose stripped text starts with ``Sub header:``; its title is the
  rest of that line, stripped. Text before the first such line (or a whole file without any)
  forms an implicit section with no title.
- Paragraphs are blank-line separated blocks of a section's body. A leading ``Title:`` line and a
  leading ``Paragraph N:`` label are structure, not content: they are left out of the paragraph.
- A block that starts with a ``References:`` (or ``Bibliography:``/``Sources:``) line is kept as
  a paragraph of kind ``references``; the extractor takes no figures from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SECTION_MARKER = "Sub header:"
_PARAGRAPH_LABEL = re.compile(r"\s*(Paragraph\s+\d+)\s*:[ \t]*")
_TITLE_LINE = re.compile(r"\s*Title\s*:")
_REFERENCES_LINE = re.compile(r"\s*(?:References|Bibliography|Sources|Works cited)\s*(?::|$)", re.IGNORECASE)
_LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@dataclass(frozen=True)
class Section:
    section_index: int
    title: str | None
    title_char_start: int | None
    title_char_end: int | None
    char_start: int
    char_end: int


@dataclass(frozen=True)
class Paragraph:
    section_index: int
    paragraph_index: int
    label: str | None
    kind: str  # "text" | "references"
    char_start: int
    char_end: int
    text: str


def _lines(text: str) -> list[tuple[int, str]]:
    """(offset, line without its line break) for every line of text."""
    out, pos = [], 0
    for raw in text.splitlines(keepends=True):
        out.append((pos, raw.rstrip(_LINE_BREAKS)))
        pos += len(raw)
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) to drop surrounding whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sections(text: str) -> list[Section]:
    """Sections of text, in order; every non-blank character belongs to exactly one section."""
    headers = [
        (offset + len(line) - len(line.lstrip()), offset + len(line))
        for offset, line in _lines(text)
        if line.lstrip().startswith(SECTION_MARKER)
    ]
    sections: list[Section] = []
    first_header = headers[0][0] if headers else len(text)
    pre_start, pre_end = _trim(text, 0, first_header)
    if pre_end > pre_start:
        sections.append(Section(0, None, None, None, pre_start, pre_end))
    for i, (start, line_end) in enumerate(headers):
        next_start = headers[i + 1][0] if i + 1 < len(headers) else len(text)
        title_start, title_end = _trim(text, start + len(SECTION_MARKER), line_end)
        _, end = _trim(text, start, next_start)
        sections.append(
            Section(
                section_index=len(sections),
                title=text[title_start:title_end],
                title_char_start=title_start,
                title_char_end=title_end,
                char_start=start,
                char_end=end,
            )
        )
    return sections


def _blocks(text: str, start: int, end: int) -> list[list[tuple[int, str]]]:
    """Blank-line separated blocks of lines within [start, end)."""
    blocks, current = [], []
    for offset, line in _lines(text[start:end]):
        if line.strip():
            current.append((start + offset, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def split_paragraphs(text: str, section: Section) -> list[Paragraph]:
    """Paragraphs of one section, structure labels left out, offsets into text."""
    body_start = section.char_start
    if section.title is not None:  # the body starts after the header line, whatever ends it
        line_end = section.title_char_end
        while line_end < section.char_end and text[line_end] not in _LINE_BREAKS:
            line_end += 1
        body_start = line_end
    paragraphs: list[Paragraph] = []
    for block in _blocks(text, body_start, section.char_end):
        if _TITLE_LINE.match(block[0][1]):
            block = block[1:]
            if not block:
                continue
        offset, line = block[0]
        label, kind = None, "text"
        content_start = offset
        match = _PARAGRAPH_LABEL.match(line)
        if match:
            label = " ".join(match.group(1).split())
            content_start = offset + match.end()
        if _REFERENCES_LINE.match(line, content_start - offset):
            kind = "references"
        last_offset, last_line = block[-1]
        start, end = _trim(text, content_start, last_offset + len(last_line))
        if end <= start:
            continue
        paragraphs.append(
            Paragraph(section.section_index, len(paragraphs), label, kind, start, end, text[start:end])
        )
    return paragraphs


def parse_document(text: str) -> tuple[list[Section], list[Paragraph]]:
    """Sections and paragraphs of a whole document."""
    sections = split_sections(text)
    paragraphs = [p for s in sections for p in split_paragraphs(text, s)]
    return sections, paragraphs
