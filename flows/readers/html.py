"""Read an HTML page into a `Document`: the main content's text, headings, blocks and tables.

The page is parsed with the standard library's ``html.parser`` into a small tree (built with the
HTML5 rules that matter for text: implied end tags of ``p``, ``li``, ``td``/``th``, ``tr``; end
tags that close nothing are ignored; nesting is capped), so malformed pages never crash it.

What is read:

- the main content: ``<main>``, else ``role="main"``, else the page's only ``<article>``, else
  ``<body>`` (a candidate holding under a tenth of the page's text is not trusted);
- minus what is not the report: scripts, styles, templates, SVG, ``noscript``, forms, buttons,
  navigation, site header and footer (``<header>``/``<footer>`` outside an article or section;
  a header holding the page's ``<h1>`` and no navigation is the title and stays), ``<aside>``,
  elements hidden with ``aria-hidden`` or an inline ``display:none`` (the ``hidden`` attribute is
  not enough: tab panels and accordions hide report text until clicked), and boilerplate named by
  class or id (cookie banners, share bars, breadcrumbs; see ``BOILERPLATE_NAMES``). A structural
  element holding most of the page's text is a wrapper, not boilerplate, and is kept (an ASP.NET
  page lives inside one ``<form>``).

``text`` is built from that DOM: entities decoded, whitespace collapsed inside each block, blocks
separated by a blank line, each heading on its own line, list items one per line, ``<br>`` a
newline (two in a row end the block), each table row one line with `` | `` between its cells
(a spanned cell appears once). A footnote marker (``<sup>1</sup>``, a link to ``#fn1``) is left
out so it does not glue onto the number before it; ``m<sup>3</sup>`` reads ``m3`` and
``CO<sub>2</sub>`` reads ``CO2``. ``view`` is ``text``.

Blocks: ``text`` paragraphs, ``list``\\ s (``ul``/``ol``/``dl``), ``caption`` (``<caption>``,
``<figcaption>``, or a ``Table 2: ...`` line right above a table), ``table``, ``references``
(everything under a heading such as References or Notes up to the next heading of the same or a
higher level, and footnote lists: ``role="doc-endnotes"``, class ``footnotes``, list items with
``fn``-style ids) and ``furniture`` (an article's own ``<footer>``).

Tables: ``<th>`` cells and ``<thead>`` rows are headers; ``header_rows`` counts the header rows at
the top. A table with no ``<th>`` nor ``<thead>`` at all (common in exported and converted HTML)
has its top rows taken as headers when they hold labels and years but no other numbers and a row
below them holds data (``guess_header_rows``). A table used for layout (``role=presentation``, a nested
table, a cell of more than 1,000 characters, or a heading beside a cell of more than 200) is
read as ordinary content. A table's caption is its ``<caption>``, its figure's ``<figcaption>``, or the
heading or short single line right above it.

``info`` comes from ``<title>`` (report_title), ``og:site_name``, ``author`` or ``publisher`` meta
tags (reporting_entity) and ``<link rel=canonical>`` or ``og:url`` (source_url), each with origin
"html meta".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from flows.document import Block, Cell, Document, Heading, ReportInfo, Table

# --------------------------------------------------------------------------------------------
# Vocabulary

_VOID = frozenset("area base basefont bgsound br col embed frame hr img input keygen link meta "
                  "param source track wbr".split())
# Never text of the report, wherever they are.
_ALWAYS_DROPPED = frozenset("script style noscript template svg iframe object embed "
                            "canvas audio video picture map button select option optgroup datalist "
                            "textarea input title meta link base noembed noframes dialog".split())
# Page furniture: dropped unless the element is a wrapper holding most of the page's text.
_STRUCTURAL_DROPPED = frozenset("nav aside form".split())
_LANDMARK_ROLES = frozenset("navigation banner contentinfo complementary search menu menubar "
                            "toolbar dialog alertdialog tablist".split())
# Class names and ids of boilerplate, each matched whole (after lower-casing) against one class
# name or the id. Compound names only where the bare word is also report language: "share" is a
# share bar but "market-share" is not, "social" may be the report's Social section.
BOILERPLATE_NAMES = (
    r"(?:[a-z0-9]+[-_])*(?:cookies?|cookiebanner|consent|gdpr|breadcrumbs?)(?:[-_][a-z0-9]+)*",
    r"(?:[a-z0-9]+[-_])*(?:nav|navbar|navigation|menu|mainmenu|megamenu|offcanvas|masthead)(?:[-_][a-z0-9]+)*",
    r"(?:[a-z0-9]+[-_])*(?:advert|advertisement|ads|popup|modal|toolbar|pagination)(?:[-_][a-z0-9]+)*",
    r"(?:[a-z0-9]+[-_])*(?:newsletter|subscribe|subscription)(?:[-_][a-z0-9]+)*",
    r"share|sharing|sharebar|share[-_]?(?:bar|buttons?|links?|tools?|icons?|widget|this|page)(?:[-_][a-z0-9]+)*",
    r"(?:[a-z0-9]+[-_])*social[-_]?(?:share|sharing|media|links?|icons?|follow|buttons?|networks?)(?:[-_][a-z0-9]+)*",
    r"addthis.*|sharethis.*|skip[-_]?(?:link|links|to[-_]?content|to[-_]?main|nav|navigation)",
    r"(?:[a-z0-9]+[-_])*(?:sidebar)(?:[-_][a-z0-9]+)*",
    r"(?:site|page|global|main|top|bottom)[-_]?(?:header|footer|banner)(?:[-_][a-z0-9]+)*",
)
_BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in BOILERPLATE_NAMES))
# Footnote containers: kept (even in an aside or footer) and read as references.
_NOTE_ROLES = frozenset({"doc-endnotes", "doc-footnotes", "doc-bibliography"})
_NOTE_TOKENS = frozenset("footnotes footnote endnotes endnote bibliography references citations".split())
_NOTE_ID = re.compile(r"^(?:fn|footnote|endnote|note|cite_note|ftn|_ftn|edn|_edn|ref)[-_:.]?\w*$", re.I)
_NOTE_REF_HREF = re.compile(r"^#(?:fn|footnote|endnote|note|cite_note|ftn|_ftn|edn|_edn)", re.I)

_BLOCK_TAGS = frozenset("""
address article aside blockquote body center dd details dialog dir div dl dt fieldset figcaption
figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav ol p pre section
summary table tbody thead tfoot tr td th caption ul legend noscript
""".split())
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_CLOSES_P = frozenset("""
address article aside blockquote center details dialog dir div dl fieldset figcaption figure
footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section summary table ul
li dd dt
""".split())
_SCOPE_BARRIERS = frozenset("html table td th caption marquee object applet template button".split())
_TABLE_SECTIONS = frozenset({"thead", "tbody", "tfoot"})
_TABLE_INTERNAL = frozenset({"td", "th", "tr", "thead", "tbody", "tfoot", "caption", "colgroup", "col"})
_MAX_DEPTH = 150  # deeper nesting (a page of unclosed tags) is flattened into the 150th element

# Headings whose section is cited sources, not statements.
REFERENCE_HEADING = re.compile(
    r"^(?:[\dIVX]+(?:\.\d+)*\.?\s+)?(?:references?|bibliography|sources?|notes|end\s?notes|foot\s?notes|"
    r"citations|works cited|reference list|literature|notes and references|sources and notes|"
    r"references and notes|notes and sources)\s*:?$", re.I)
# A line that names a table or figure: "Table 3: ...", "Figure 2. ...", "Exhibit A - ...".
CAPTION_LABEL = re.compile(r"^(?:Table|Figure|Fig\.|Chart|Graph|Exhibit|Diagram|Map)\s*[A-Z]?\d+[A-Za-z]?(?:\.\d+)*"
                           r"\s*[:.\-–—]?(?:\s|$)", re.I)
_CAPTION_MAX = 150  # a line above a table longer than this is prose, not its title

# Superscripts: exponents of units ("m<sup>3</sup>", "kg m^{-2}") are content; markers are not.
_LENGTH_BASES = frozenset({"m", "km", "cm", "mm", "ft", "yd", "mi"})
_UNIT_BASES = _LENGTH_BASES | frozenset({"s", "h", "g", "kg", "t", "l", "L", "yr", "ha", "W", "kW", "J"})
_FOOTNOTE_MARK = re.compile(r"^[\[(]?(?:\d{1,3}|[ivx]{1,4}|[a-zA-Z]|[*†‡§¶#]+)(?:\s*[,–-]\s*(?:\d{1,3}|[a-z]))*[\])]?$")
_ORDINAL = frozenset({"st", "nd", "rd", "th"})


def render_superscript(before: str, script: str) -> str:
    """What a superscript reads as after `before`: '' for a footnote marker, else its characters.

    ``m`` + ``3`` -> "3" (m3), ``25.3`` + ``2`` -> "" (a footnote marker), ``25`` + ``°`` -> "°",
    ``2`` + ``nd`` -> "nd", ``× 10`` + ``6`` -> "^6", a word + ``1`` -> "".
    """
    s = script.strip()
    if not s:
        return ""
    before = before.rstrip()
    if s in ("°", "o", "\\circ", "∘") and before[-1:].isdigit():
        return "°"
    word = re.search(r"([A-Za-z]+)$", before)
    if word:
        base = word.group(1)
        if re.fullmatch(r"[23]", s) and base in _LENGTH_BASES:
            return s
        if re.fullmatch(r"[-−][1-3]", s) and base in _UNIT_BASES:
            return s
    if before[-1:].isdigit():
        if re.search(r"[×x·]\s*10$", before):
            return "^" + s
        if s.lower() in _ORDINAL:
            return s
    if _FOOTNOTE_MARK.match(s):
        return ""
    return s


# --------------------------------------------------------------------------------------------
# Tables (shared with the Markdown reader)


def place_cells(spans: list[list[tuple[int, int]]]) -> list[list[tuple[int, int, int, int]]]:
    """Grid places of a table's cells: rows of (rowspan, colspan) in, rows of (row, col, rowspan, colspan) out.

    A cell takes the first column not covered by a rowspan from above; spans are clamped (rowspan
    to the rows left, 0 meaning all of them; colspan to 1..1000) so a malformed table stays small.
    """
    n_rows = len(spans)
    covered: list[list[tuple[int, int]]] = [[] for _ in range(n_rows)]  # per row: (col_start, col_end)
    placed = []
    for r, row in enumerate(spans):
        c = 0
        out = []
        for rowspan, colspan in row:
            moved = True
            while moved:
                moved = False
                for a, b in covered[r]:
                    if a <= c < b:
                        c, moved = b, True
            rowspan = n_rows - r if rowspan <= 0 else min(rowspan, n_rows - r, 1000)
            colspan = max(1, min(colspan, 1000))
            out.append((r, c, rowspan, colspan))
            for rr in range(r + 1, r + rowspan):
                covered[rr].append((c, c + colspan))
            c += colspan
        placed.append(out)
    return placed


_DATA_NUMBER = re.compile(r"(?<![\w.])[-−+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?(?![\w])")
_YEARISH = re.compile(r"^(?:FY\s?)?(?:19|20)\d\d(?:\s*[/–-]\s*(?:19|20)?\d\d)?$", re.I)


def _has_data_number(cell: str) -> bool:
    """A number in a cell that is a value, not a year or a label's digit ("Scope 1")."""
    s = cell.strip()
    if not s or _YEARISH.match(s):
        return False
    for m in _DATA_NUMBER.finditer(s):
        if _YEARISH.match(m.group().lstrip("+-−")):
            continue
        before = s[:m.start()].rstrip()
        if re.search(r"(?i:scope|tier|category|phase|level|class|grade|sdg|goal|no\.?|#)$", before):
            continue
        return True
    return False


def guess_header_rows(rows: list[list[str]], first_row_spans: int = 1) -> int:
    """Header rows at the top of a table whose markup does not say: label rows above data rows.

    The top rows are headers while they hold no value (labels and years only) and a row below holds
    values; the first row's rowspans can extend the header down. 0 when the first row holds values.
    """
    data_rows = [any(_has_data_number(c) for c in row) for row in rows]
    if len(rows) < 2 or data_rows[0] or not any(data_rows) or not any(c.strip() for c in rows[0]):
        return 0
    n = 1
    while n < len(rows) and n < max(first_row_spans, 1) and not data_rows[n]:
        n += 1
    return n


# --------------------------------------------------------------------------------------------
# Parsing: a lenient tree builder over html.parser


class _Node:
    __slots__ = ("tag", "attrs", "children", "size")

    def __init__(self, tag: str, attrs: dict[str, str]):
        self.tag = tag
        self.attrs = attrs
        self.children: list[_Node | str] = []
        self.size = 0  # characters of text below, filled in by _measure

    def attr(self, name: str) -> str:
        return self.attrs.get(name) or ""


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {})
        self.stack = [self.root]

    # -- helpers
    def _find(self, tags: frozenset[str] | set[str], barriers: frozenset[str] | set[str]) -> int:
        for k in range(len(self.stack) - 1, 0, -1):
            tag = self.stack[k].tag
            if tag in tags:
                return k
            if tag in barriers:
                return -1
        return -1

    def _pop_to(self, k: int) -> None:
        """Close the element at stack index k and everything opened inside it."""
        if k > 0:
            del self.stack[k:]

    def _close_implied(self, tag: str) -> None:
        if tag in _CLOSES_P:
            self._pop_to(self._find({"p"}, _SCOPE_BARRIERS))
        if tag == "li":
            self._pop_to(self._find({"li"}, _SCOPE_BARRIERS | {"ul", "ol", "menu", "dir"}))
        elif tag in ("dt", "dd"):
            self._pop_to(self._find({"dt", "dd"}, _SCOPE_BARRIERS | {"dl"}))
        elif tag in ("td", "th"):
            self._pop_to(self._find({"td", "th"}, {"table", "tr"}))
        elif tag == "tr":
            self._pop_to(self._find({"tr"}, {"table"}))
        elif tag in _TABLE_SECTIONS or tag in ("caption", "colgroup"):
            k = self._find({"table"}, set())
            if k > 0:
                del self.stack[k + 1:]
        elif tag in _HEADINGS and self.stack[-1].tag in _HEADINGS:
            self.stack.pop()
        elif tag == "body":
            self._pop_to(self._find({"head"}, set()))
        elif tag == "a":
            self._pop_to(self._find({"a"}, _SCOPE_BARRIERS))

    # -- html.parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr_map: dict[str, str] = {}
        for name, value in attrs:
            attr_map.setdefault(name, value if value is not None else "")
        self._close_implied(tag)
        if tag in ("td", "th") and self._find({"tr"}, {"table"}) < 0 and self._find({"table"}, set()) > 0:
            row = _Node("tr", {})  # a cell straight in a table has an implied row
            self.stack[-1].children.append(row)
            self.stack.append(row)
        node = _Node(tag, attr_map)
        self.stack[-1].children.append(node)
        if tag not in _VOID and len(self.stack) < _MAX_DEPTH:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":
            self.handle_starttag("br", [])
            return
        if tag in ("body", "html"):
            return  # content after </body> still belongs to the body
        if tag in _TABLE_INTERNAL:
            barriers = {"table"}
        elif tag == "table":
            barriers = set()
        elif tag == "li":
            barriers = _SCOPE_BARRIERS | {"ul", "ol"}
        else:
            barriers = _SCOPE_BARRIERS
        if tag in _HEADINGS:
            k = self._find(set(_HEADINGS), barriers)
        else:
            k = self._find({tag}, barriers)
        self._pop_to(k)

    def handle_data(self, data: str) -> None:
        children = self.stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)


_BAD_MARKED_SECTION = re.compile(r"<!\[(?!CDATA\[|if\b|endif\b|else\b)", re.I)


def parse_html(text: str) -> _Node:
    """The page's element tree; never raises on malformed markup."""
    builder = _TreeBuilder()
    # html.parser raises on "<![" sections it does not know; browsers read them as bogus comments.
    source = _BAD_MARKED_SECTION.sub("&lt;![", text)
    try:
        builder.feed(source)
        builder.close()
    except Exception:  # a parser bug on pathological input: read what is left as text
        builder = _TreeBuilder()
        builder.feed(re.sub(r"<!(?!--)", "&lt;!", source))
        builder.close()
    return builder.root


def _iter_nodes(root: _Node, skip: frozenset[str] = frozenset()):
    """The elements below root (root included), in document order; subtrees of `skip` tags left out."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        if node.tag not in skip or node is root:
            stack.extend(c for c in reversed(node.children) if isinstance(c, _Node))


def _measure(root: _Node) -> None:
    """Fill each node's size: the characters of visible text below it."""
    order = list(_iter_nodes(root))
    for node in reversed(order):
        if node.tag in _ALWAYS_DROPPED:
            node.size = 0
            continue
        node.size = sum(len(c.strip()) if isinstance(c, str) else c.size for c in node.children)


# --------------------------------------------------------------------------------------------
# Which elements are content


def _class_tokens(node: _Node) -> set[str]:
    return {t.lower() for t in re.split(r"[\s_-]+", node.attr("class") + " " + node.attr("id")) if t}


def _is_hidden(node: _Node) -> bool:
    if not node.attrs:
        return False
    if node.attr("aria-hidden").lower() == "true":
        return True
    style = node.attr("style").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _holds_title(header: _Node) -> bool:
    """A page header holding the page's <h1> and no navigation: the report's title, not the site's banner."""
    tags = {n.tag for n in _iter_nodes(header)}
    return "h1" in tags and "nav" not in tags


def _is_notes(node: _Node) -> bool:
    if not node.attrs and node.tag not in ("ol", "ul"):
        return False
    if node.attr("role").lower() in _NOTE_ROLES or _class_tokens(node) & _NOTE_TOKENS:
        return True
    if node.tag in ("ol", "ul"):
        items = [c for c in node.children if isinstance(c, _Node) and c.tag == "li"]
        return bool(items) and all(_NOTE_ID.match(li.attr("id")) for li in items)
    return False


def _is_note_marker(node: _Node) -> bool:
    """A footnote reference in the text: a link to a note whose text is a marker, or a doc-noteref."""
    if not node.attrs:
        return False
    role = node.attr("role").lower()
    if role in ("doc-noteref", "doc-backlink"):
        return True
    if node.tag == "a":
        href = node.attr("href")
        if _NOTE_REF_HREF.match(href) or "footnote-ref" in node.attr("class") or "footnote-back" in node.attr("class"):
            return bool(_FOOTNOTE_MARK.match(_plain_text(node).strip()) or _plain_text(node).strip() in ("↩", "↩︎", "^"))
    return False


def _plain_text(node: _Node) -> str:
    """All the text below an element, in order (scripts and the like left out)."""
    parts: list[str] = []
    stack: list[_Node | str] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
        elif item is node or item.tag not in _ALWAYS_DROPPED:
            stack.extend(reversed(item.children))
    return "".join(parts)


def _choose_content(root: _Node) -> _Node:
    """The element holding the report: <main>, role=main, the only <article>, else <body>."""
    nodes = list(_iter_nodes(root))
    body = next((n for n in nodes if n.tag == "body"), root)
    total = max(body.size, 1)
    mains = [n for n in nodes if (n.tag == "main" or n.attr("role").lower() == "main") and not _is_hidden(n)]
    articles = [n for n in nodes if n.tag == "article" and not _is_hidden(n)]
    candidates = sorted(mains, key=lambda n: -n.size)
    if len(articles) == 1:
        candidates.append(articles[0])
    for node in candidates:
        if node.size * 10 >= total:
            return node
    return body


# --------------------------------------------------------------------------------------------
# Building text


_SPACES = re.compile(r"[ \t\n\r\f\v]+")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_LOOSE_NBSP = re.compile(r"(?<!\d)[\u00a0\u202f\u2009]|[\u00a0\u202f\u2009](?!\d{3}(?!\d))")


def _collapse(s: str) -> str:
    """Whitespace collapsed; a no-break space kept only where it groups digits (12 345)."""
    s = _INVISIBLE.sub("", s)
    s = _LOOSE_NBSP.sub(" ", s)
    return _SPACES.sub(" ", s).strip()


@dataclass
class _RawTable:
    rows: list[list[tuple[str, bool, int, int]]]  # per row: (text, is_th, rowspan, colspan)
    thead_rows: set[int]


@dataclass
class _Unit:
    kind: str  # a block kind, or "heading"
    lines: list[str]
    level: int = 0
    table: _RawTable | None = None
    caption: _Unit | None = None
    start: int = 0
    end: int = 0
    line_cells: list[list[tuple[int, int]]] = field(default_factory=list)


class _Flow:
    """Walks the content tree, turning it into units (blocks, headings, tables) of lines."""

    def __init__(self, content_size: int):
        self.content_size = max(content_size, 1)
        self.units: list[_Unit] = []
        self.lines: list[str] = []
        self.parts: list[str] = []
        self.kind: str | None = None
        self.contexts: list[str] = []  # "caption", "references", "furniture"
        self.list_depth = 0
        self.section_depth = 0  # inside article/section/main: header and footer are not the site's
        self.last_was_br = False

    # -- output
    def _current_kind(self) -> str:
        for ctx in reversed(self.contexts):
            if ctx in ("caption", "references", "furniture"):
                return ctx
        return "list" if self.list_depth else "text"

    def add_text(self, s: str) -> None:
        if not s:
            return
        if self.kind is None and s.strip():
            self.kind = self._current_kind()
        if s.strip():
            self.last_was_br = False
        self.parts.append(s)

    def end_line(self) -> None:
        line = _collapse("".join(self.parts))
        self.parts = []
        if line:
            self.lines.append(line)

    def end_unit(self) -> None:
        self.end_line()
        if self.lines:
            self.units.append(_Unit(self.kind or "text", self.lines))
        self.lines = []
        self.kind = None
        self.last_was_br = False

    def end_block(self) -> None:
        if self.list_depth:
            self.end_line()
        else:
            self.end_unit()

    # -- decisions
    def _dropped(self, node: _Node) -> bool:
        tag = node.tag
        if tag in _ALWAYS_DROPPED or _is_hidden(node):
            return True
        if _is_notes(node):
            return False
        wrapper = node.size * 2 > self.content_size  # holds most of the text: a wrapper, keep it
        if wrapper:
            return False
        if tag in _STRUCTURAL_DROPPED:
            return True
        if tag in ("header", "footer") and not self.section_depth:
            return not (tag == "header" and _holds_title(node))
        if not node.attrs:
            return False
        if node.attr("role").lower() in _LANDMARK_ROLES:
            return True
        if tag not in ("html", "body", "main", "article") and any(
                _BOILERPLATE.fullmatch(name) for name in (node.attr("class") + " " + node.attr("id")).lower().split()):
            return True
        return False

    # -- walking
    def walk(self, node: _Node) -> None:
        for child in node.children:
            if isinstance(child, str):
                self.add_text(child)
            else:
                self.visit(child)

    def visit(self, node: _Node) -> None:
        tag = node.tag
        if self._dropped(node) or _is_note_marker(node):
            return
        if tag == "br":
            if self.last_was_br and not self.list_depth:
                self.end_unit()
            else:
                self.end_line()
                self.last_was_br = True
            return
        if tag in ("sup", "sub"):
            self._script(node)
            return
        if tag in _HEADINGS:
            self.end_unit()
            title = _collapse(inline_text(node))
            if title:
                self.units.append(_Unit("heading", [title], level=_HEADINGS[tag]))
            return
        if tag == "table" and not _is_layout_table(node):
            self.end_unit()
            self._table(node)
            return
        if tag == "pre":
            self.end_block()
            for line in _plain_text(node).split("\n"):
                self.add_text(line)
                self.end_line()
            self.end_block()
            return
        if tag == "figure":
            self._figure(node)
            return
        pushed = self._push_context(node)
        if tag in ("ul", "ol", "dl", "menu", "dir"):
            if not self.list_depth:
                self.end_unit()
            self.list_depth += 1
            self.walk(node)
            self.list_depth -= 1
            if not self.list_depth:
                self.end_unit()
            else:
                self.end_line()
        elif tag in _BLOCK_TAGS or tag == "#root":
            sectioning = tag in ("article", "section", "main")
            self.end_block()
            self.section_depth += sectioning
            self.walk(node)
            self.section_depth -= sectioning
            self.end_block()
        else:
            self.walk(node)
        if pushed:
            self.end_block()
            self.contexts.pop()

    def _push_context(self, node: _Node) -> bool:
        ctx = None
        if node.tag in ("figcaption", "caption"):
            ctx = "caption"
        elif _is_notes(node):
            ctx = "references"
        elif node.tag == "footer":
            ctx = "furniture"
        if ctx is None:
            return False
        self.end_block()
        self.contexts.append(ctx)
        return True

    def _script(self, node: _Node) -> None:
        script = _collapse(inline_text(node))
        if node.tag == "sub":
            self.add_text(script)
            return
        rendered = render_superscript("".join(self.parts[-4:]), script)
        self.add_text(rendered)

    def _figure(self, node: _Node) -> None:
        first = len(self.units)
        self.end_block()
        self.walk(node)
        self.end_block()
        made = self.units[first:]
        tables = [u for u in made if u.kind == "table"]
        captions = [u for u in made if u.kind == "caption"]
        if len(tables) == 1 and tables[0].caption is None and captions:
            tables[0].caption = captions[0]

    def _table(self, node: _Node) -> None:
        caption_unit = None
        rows: list[list[tuple[str, bool, int, int]]] = []
        thead_rows: set[int] = set()
        for child in _table_parts(node):
            if child.tag == "caption":
                text = _collapse(inline_text(child))
                if text and caption_unit is None:
                    caption_unit = _Unit("caption", [text])
                continue
            section, tr = child.attrs.get("#section", ""), child
            cells = []
            for cell in tr.children:
                if isinstance(cell, _Node) and cell.tag in ("td", "th") and not _is_hidden(cell):
                    text = _collapse(inline_text(cell))
                    cells.append((text, cell.tag == "th", _span(cell.attr("rowspan"), 1),
                                  _span(cell.attr("colspan"), 1)))
            if not cells:
                continue
            if section == "thead":
                thead_rows.add(len(rows))
            rows.append(cells)
        if caption_unit is not None:
            self.units.append(caption_unit)
        if rows:
            unit = _Unit("table", [" | ".join(c[0] for c in row) for row in rows],
                         table=_RawTable(rows, thead_rows), caption=caption_unit)
            self.units.append(unit)


def _span(value: str, default: int) -> int:
    m = re.match(r"\s*(\d{1,6})", value or "")
    return int(m.group(1)) if m else default


def _table_parts(table: _Node) -> list[_Node]:
    """A table's caption and rows, in order (nested tables left inside their cells)."""
    out: list[_Node] = []

    def collect(node: _Node, section: str) -> None:
        for child in node.children:
            if not isinstance(child, _Node):
                continue
            if child.tag == "caption":
                out.append(child)
            elif child.tag == "tr":
                child.attrs["#section"] = section
                out.append(child)
            elif child.tag in _TABLE_SECTIONS:
                collect(child, child.tag)
            elif child.tag not in ("table", "td", "th"):
                collect(child, section)  # a stray wrapper (<form>, <div>) between table and rows

    collect(table, "")
    return out


def _is_layout_table(table: _Node) -> bool:
    """A table that lays out a page rather than holding data: it nests a table, or holds long
    text (a cell over 1,000 characters, or a heading beside a cell over 200)."""
    if table.attr("role").lower() in ("presentation", "none"):
        return True
    heading = False
    longest = 0
    for node in _iter_nodes(table):
        if node is table:
            continue
        if node.tag == "table":
            return True
        heading = heading or node.tag in _HEADINGS
        if node.tag in ("td", "th"):
            longest = max(longest, node.size)
    return longest > 1000 or (heading and longest > 200)


def inline_text(node: _Node) -> str:
    """The text of an element read as one line (a heading, a cell): blocks inside become spaces."""
    parts: list[str] = []

    def collect(n: _Node) -> None:
        for child in n.children:
            if isinstance(child, str):
                parts.append(child)
                continue
            if child.tag in _ALWAYS_DROPPED or _is_hidden(child) or _is_note_marker(child):
                continue
            if child.tag == "br":
                parts.append(" ")
            elif child.tag == "sup":
                parts.append(render_superscript("".join(parts[-4:]), _collapse(inline_text(child))))
            elif child.tag in _BLOCK_TAGS:
                parts.append(" ")
                collect(child)
                parts.append(" ")
            else:
                collect(child)

    collect(node)
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Assembling the Document


def _mark_references(units: list[_Unit]) -> None:
    """Text and lists under a References / Notes heading are references, up to the next heading of its rank."""
    ref_level = None
    for unit in units:
        if unit.kind == "heading":
            if REFERENCE_HEADING.match(unit.lines[0]):
                ref_level = unit.level
            elif ref_level is not None and unit.level <= ref_level:
                ref_level = None
        elif ref_level is not None and unit.kind in ("text", "list"):
            unit.kind = "references"


def _attach_captions(units: list[_Unit]) -> None:
    """A table with no caption of its own is named by the heading or short line right above it."""
    for i, unit in enumerate(units):
        if unit.kind != "table" or unit.caption is not None or i == 0:
            continue
        above = units[i - 1]
        if above.kind == "heading" or (above.kind in ("text", "caption") and len(above.lines) == 1
                                       and len(above.lines[0]) <= _CAPTION_MAX):
            unit.caption = above
            if above.kind == "text" and CAPTION_LABEL.match(above.lines[0]):
                above.kind = "caption"


def _build_table(unit: _Unit) -> Table:
    raw = unit.table
    assert raw is not None
    placed = place_cells([[(c[2], c[3]) for c in row] for row in raw.rows])
    has_markup = bool(raw.thead_rows) or any(c[1] for row in raw.rows for c in row)
    if has_markup:
        header_rows = 0
        for r, row in enumerate(raw.rows):
            if r in raw.thead_rows or all(c[1] for c in row):
                header_rows += 1
            else:
                break
        header_row_set = set(range(header_rows)) | raw.thead_rows
    else:
        spans = max((c[2] for c in raw.rows[0]), default=1)
        header_rows = guess_header_rows([[c[0] for c in row] for row in raw.rows], spans)
        header_row_set = set(range(header_rows))
    cells = []
    n_cols = 0
    for r, row in enumerate(raw.rows):
        for (text, is_th, _, _), (row_i, col, rowspan, colspan), (start, end) in zip(row, placed[r], unit.line_cells[r]):
            cells.append(Cell(row_i, col, start, end, header=is_th or r in header_row_set,
                              row_span=rowspan, col_span=colspan))
            n_cols = max(n_cols, col + colspan)
    caption = unit.caption
    return Table(unit.start, unit.end, n_rows=len(raw.rows), n_cols=n_cols, header_rows=header_rows,
                 cells=tuple(cells), caption_start=caption.start if caption else None,
                 caption_end=caption.end if caption else None)


def _assemble(units: list[_Unit]) -> tuple[str, list[Heading], list[Block], list[Table]]:
    pieces: list[str] = []
    pos = 0
    for unit in units:
        if pieces:
            pieces.append("\n\n")
            pos += 2
        unit.start = pos
        for k, line in enumerate(unit.lines):
            if k:
                pieces.append("\n")
                pos += 1
            if unit.kind == "table":
                assert unit.table is not None
                offsets = []
                cell_pos = pos
                for j, (cell_text, *_rest) in enumerate(unit.table.rows[k]):
                    if j:
                        cell_pos += 3
                    offsets.append((cell_pos, cell_pos + len(cell_text)))
                    cell_pos += len(cell_text)
                unit.line_cells.append(offsets)
            pieces.append(line)
            pos += len(line)
        unit.end = pos
    headings, blocks, tables = [], [], []
    for unit in units:
        if unit.kind == "heading":
            headings.append(Heading(unit.level, unit.start, unit.end, unit.start, unit.end))
        else:
            blocks.append(Block(unit.kind, unit.start, unit.end))
        if unit.kind == "table":
            tables.append(_build_table(unit))
    return "".join(pieces), headings, blocks, tables


def _report_info(root: _Node) -> ReportInfo:
    title = entity = url = None
    metas: dict[str, str] = {}
    canonical = None
    for node in _iter_nodes(root, skip=frozenset({"svg", "body"})):
        if node.tag == "title" and title is None:
            title = _collapse(_plain_text_raw(node)) or None
        elif node.tag == "meta":
            key = (node.attr("property") or node.attr("name")).lower()
            if key and node.attr("content").strip():
                metas.setdefault(key, _collapse(node.attr("content")))
        elif node.tag == "link" and "canonical" in node.attr("rel").lower().split() and canonical is None:
            canonical = node.attr("href").strip() or None
    if title is None:
        title = metas.get("og:title") or metas.get("dc.title")
    for key in ("og:site_name", "author", "publisher", "dc.publisher", "dc.creator", "citation_publisher"):
        if metas.get(key):
            entity = metas[key]
            break
    url = canonical or metas.get("og:url")
    origin = {name: "html meta" for name, value in
              (("report_title", title), ("reporting_entity", entity), ("source_url", url)) if value}
    return ReportInfo(reporting_entity=entity, report_title=title, source_url=url, origin=origin)


def _plain_text_raw(node: _Node) -> str:
    return "".join(c for c in node.children if isinstance(c, str))


def read_html(source_path: str, sha256: str, text: str) -> Document:
    """The Document of an HTML page: its main content's text, headings, blocks and tables."""
    root = parse_html(text)
    _measure(root)
    content = _choose_content(root)
    flow = _Flow(content.size)
    if content.tag in ("main", "article"):
        flow.section_depth = 1
    if content is root:
        flow.walk(root)
    else:
        flow.visit(content)
    flow.end_unit()
    units = flow.units
    _mark_references(units)
    _attach_captions(units)
    body, headings, blocks, tables = _assemble(units)
    return Document(source_path=source_path, sha256=sha256, format="html", text=body, view=body,
                    pages=[], headings=headings, blocks=blocks, tables=tables, info=_report_info(root))
