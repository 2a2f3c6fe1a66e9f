"""Citations: what each paragraph cites, resolved to the reference entry, footnote or URL it points at.

``find_citations(text, paragraphs)`` is a pure function: a document's text and paragraphs in,
one ``Citation`` per citation out. Kinds, by how reports write them:

- ``url``: a web address, bare, in angle brackets or labelled ("(datasource: <https://…>)");
- ``author_year``: "(Alibaba, 2023d)", "(Renmin University of China, 2023)"; resolved to the
  reference-list entry that starts with that author and states that year;
- ``numbered_source``: "(source 12)", "(sources 7-8)", "[12]"; resolved to the reference entry or
  footnote numbered so;
- ``footnote``: a bracketed marker such as "[A]" or "[1]", or "(4)" closing a sentence; resolved
  to the footnote line that starts with that marker;
- ``cross_reference``: "(Chapter 1.3)", "(see Section 4)", "[P180]": a place in the report;
- ``source_note``: "(Source: Alibaba Group)".

A citation that nothing in the document resolves keeps ``resolved_reference = None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_URL = re.compile(r"<?(?:https?://|www\.)[^\s<>()\"]+[^\s<>()\".,;:]>?")
_LABELLED_URL = re.compile(r"\((?:data\s?source|source|see|link|available at|retrieved from)\s*:?\s*<?((?:https?://|www\.)[^\s<>)]+)>?\)", re.I)
_AUTHOR_YEAR = re.compile(r"\(((?:[A-Z][\w&.’'\-]*)(?:[ \t]+(?:of|and|&|for|the|de|[A-Z][\w&.’'\-]*)){0,8}),[ \t]*((?:19|20)\d\d[a-z]?)\)")
_NUMBERED = re.compile(r"\((?:sources?|refs?\.?|references?|notes?)[ \t]*(\d{1,3}(?:[ \t]*[-–,&][ \t]*\d{1,3})*)\)", re.I)
_BRACKET = re.compile(r"\[(\d{1,3}|[A-Z]{1,2})\]")
_PAGE_REF = re.compile(r"\[(P\d{1,4})\]")
# "(4)" closing a sentence, after a word, "." or ")" and a space; found from its "(" (the space
# before it checked by a lookbehind) so the regex engine skips straight to brackets
_CLOSING_NUMBER = re.compile(r"\((?<=[\w.)][ \t]\()(\d{1,3})\)(?=[.,;:]|[ \t]*$|[ \t]+[A-Z])", re.M)
_CROSS = re.compile(r"\((?:see[ \t]+)?((?:Chapter|Section|Page|Appendix|Annex|Table|Figure|Part|Paragraph)s?[ \t]+[\w.\-–]+[^()\n]{0,40})\)", re.I)
_SOURCE_NOTE = re.compile(r"\((Source|Sources|Data source)[ \t]*:[ \t]*([^()\n]{2,80})\)", re.I)
_ENTRY_NUMBER = re.compile(r"[ \t]*(?:\[(\d{1,3}|[A-Z]{1,2})\]|\((\d{1,3})\)|(\d{1,3})[.)]?(?=[ \t]+[A-Z\"“]))[ \t]*")


@dataclass(frozen=True)
class Citation:
    paragraph_index: int  # index into the paragraphs given
    char_start: int
    char_end: int
    surface: str
    kind: str
    target: str
    resolved_reference: str | None
    resolved_char_start: int | None
    resolved_char_end: int | None


@dataclass(frozen=True)
class _Entry:
    char_start: int
    char_end: int
    text: str
    marker: str | None  # "12", "A"


def _entries(text: str, paragraphs: list) -> list[_Entry]:
    """Reference-list entries (lines of references paragraphs) and footnote lines ("[A] ...", "1 ...")."""
    entries = []
    for p in paragraphs:
        pos = p.char_start
        for line in text[p.char_start:p.char_end].split("\n"):
            start, end = pos, pos + len(line)
            pos = end + 1
            stripped = line.strip()
            if not stripped or re.fullmatch(r"(?i:references|bibliography|sources|works cited|notes)\s*:?", stripped):
                continue
            lead = len(line) - len(line.lstrip())
            body = line.lstrip().lstrip("-•* ").rstrip()
            marker = _ENTRY_NUMBER.match(line)
            number = None
            if marker and (p.kind == "references" or marker.group(1)):
                number = next(g for g in marker.groups() if g)
            elif p.kind != "references":
                continue  # in body text, only "[A] ..." lines are footnote definitions
            body_start = start + (marker.end() if number else lead + (len(line.lstrip()) - len(line.lstrip().lstrip("-•* "))))
            body_end = start + lead + len(line.strip())
            entries.append(_Entry(body_start, body_end, text[body_start:body_end], number))
    return entries


def find_citations(text: str, paragraphs: list) -> list[Citation]:
    """Every citation in the document's prose paragraphs, resolved where the document allows."""
    entries = _entries(text, [p for p in paragraphs if p.kind in ("references", "text", "list", "caption")])
    markers: dict[str, list[_Entry]] = {}
    for e in entries:
        if e.marker:
            markers.setdefault(e.marker, []).append(e)

    def by_marker(marker: str, at: int) -> _Entry | None:
        """The definition of a marker nearest after the citation (footnotes follow their page's
        text), else the nearest before it."""
        found = markers.get(marker, [])
        after = [e for e in found if e.char_start >= at]
        return after[0] if after else (found[-1] if found else None)
    out: list[Citation] = []
    for index, p in enumerate(paragraphs):
        if p.kind not in ("text", "list", "caption", "table"):
            continue
        body = text[p.char_start:p.char_end]
        taken: list[tuple[int, int]] = []

        def add(m: re.Match, kind: str, target: str, entry: _Entry | None, group: int = 0) -> None:
            a, b = m.span(group)
            if any(x < b and a < y for x, y in taken):
                return
            taken.append((a, b))
            out.append(Citation(index, p.char_start + a, p.char_start + b, body[a:b], kind, target,
                                entry.text if entry else None, entry.char_start if entry else None,
                                entry.char_end if entry else None))

        for m in _LABELLED_URL.finditer(body):
            add(m, "url", m.group(1), None)
        for m in _SOURCE_NOTE.finditer(body):
            add(m, "source_note", m.group(2).strip(), None)
        for m in _AUTHOR_YEAR.finditer(body):
            author, year = m.group(1), m.group(2)
            entry = next((e for e in entries if e.text.startswith(author.split(" ")[0])
                          and re.search(rf"\b{re.escape(year)}\b", e.text)), None)
            add(m, "author_year", f"{author} {year}", entry)
        for m in _NUMBERED.finditer(body):
            first = re.match(r"\d+", m.group(1)).group(0)
            add(m, "numbered_source", m.group(1), by_marker(first, p.char_start + m.start()))
        for m in _CROSS.finditer(body):
            add(m, "cross_reference", " ".join(m.group(1).split()), None)
        for m in _PAGE_REF.finditer(body):
            add(m, "cross_reference", m.group(1), None)
        for m in _BRACKET.finditer(body):
            if m.start() == 0 or body[m.start() - 1] == "\n":
                continue  # "[A] ..." opening a line defines a footnote; it does not cite one
            kind = "numbered_source" if m.group(1).isdigit() else "footnote"
            add(m, kind, m.group(1), by_marker(m.group(1), p.char_start + m.start()))
        for m in _CLOSING_NUMBER.finditer(body):
            add(m, "footnote", m.group(1), by_marker(m.group(1), p.char_start + m.start() - 1))
        if "http" in body or "www." in body:  # what every URL holds: most paragraphs skip the scan
            for m in _URL.finditer(body):
                add(m, "url", m.group(0).strip("<>"), None)
    out.sort(key=lambda c: c.char_start)
    return out
