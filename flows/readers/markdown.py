"""Read a Markdown file (as PDF converters write it) into a `Document`.

``text`` is the file's text as is, so every offset points into the file. ``view`` is the same text
as it renders, character for character (same length): what is syntax, not content, is blanked to
spaces (line breaks are kept), and what renders differently from its source is written over it.

Blanked: heading ``#``\\ s and setext underlines; emphasis ``**`` ``__`` ``*`` ``_`` ``~~``; link
and image syntax (``[text](url)`` keeps ``text``; an image is wholly blank unless its alt text is
a caption such as "Figure 2: ..."); footnote references ``[^1]`` and the ``[^`` ``]:`` of a
footnote's definition; link reference definitions; HTML comments and tags (``<sup>1</sup>``
after a word or a number, a footnote marker, entirely); code fences and backticks; blockquote
``>``\\ s; table pipes and delimiter rows; YAML front matter; the backslash of an escape (when the
escaped character closes a word it moves onto the backslash: ``2\\.`` reads ``2.``). List
bullets are kept: they render. Written over: an entity renders its one character at its ``&``
(``&amp;`` -> ``&``), or against the digit that follows it (``&lt;5%`` -> ``<5%``);
``X<sub>2</sub>`` and ``m<sup>3</sup>`` put the script right after its base (``CO2``, ``m3``).

Math. OCR converters (MinerU, marker, Nougat, Mathpix) write numbers, units and footnote markers
as LaTeX: ``$3 \\%$``, ``${ }^{1}$``, ``$>0.8$``, ``$25.3^{2}$``, ``$\\mathrm{tCO}_{2}\\mathrm{e}$``.

- Which ``$`` is math. A ``$`` that opens math is never US dollars. ``$...$`` (and ``$$...$$``,
  ``\\(...\\)``, ``\\[...\\]``) is math when its content has LaTeX syntax (a command, ``^``,
  ``_``, braces), or when it is short, tight against its ``$``\\ s (no space inside either), holds
  no word of four letters or more, is not glued to a word before it (``US$5``) and is not
  followed by a digit. The closing ``$`` is the first one after the opening. So "$5 million and
  $3 million" stays money, and ``\\$`` is always a literal dollar.
- What math renders. As LaTeX does: spaces are dropped, except between a number or a word and
  the word after it (``3.6 GJ``, ``mol K``; but ``CO_{2} e`` is ``CO2e``); ``\\%`` is ``%``;
  ``\\mathrm{X}``, ``\\text{X}`` are ``X``; a subscript joins its base (``CO_{2}`` -> ``CO2``);
  ``\\geq``, ``\\leq``, ``\\times``, ``\\sim`` are ``≥ ≤ × ~`` (``_MATH_SYMBOLS``); ``\\,`` between
  digits is a thin space (``1\\,234``); ``\\frac{a}{b}`` is ``a/b``. A superscript after a number,
  a word or on an empty base (``${ }^{1}$``, ``$25.3^{2}$``) is a footnote marker and renders
  nothing; unit exponents (``\\mathrm{m}^{3}`` -> ``m3``), ordinals and ``^{\\circ}`` (``°``)
  render (``render_superscript``, shared with the HTML reader).
- Where it goes. Each rendered character stands for one source character of the math (its
  anchor), in order. A number's digits are written at their own offsets (packed from its first
  digit when the source spreads them out, as in ``2 0 2 3`` or ``1{,}234``); what comes before
  the first number is packed against it (``≥95``); what follows a number is packed right after
  it (``1,234 tCO2e``); the rest of the math is blank. So ``$1,234 \\mathrm{tCO}_{2}\\mathrm{e}$``
  reads `` 1,234 tCO2e`` with the number at its own digits, and a surface cut from ``text`` at a
  figure's offsets starts with the figure's digits.

Structure comes from markdown-it-py's CommonMark block parser (with GFM tables), which gives
each block its lines; spans are then measured in the source. Headings (ATX and setext) span their
title characters. Blocks: paragraphs and blockquote paragraphs are ``text`` (``caption`` when
they start "Table 3:", "Figure 2." and the like), a list is one ``list`` block, a pipe table or
an HTML ``<table>`` (converters emit both; cells measured in the Markdown source, rowspan and
colspan respected) is a ``table``; footnote definitions and everything under a References /
Notes / Sources heading are ``references``. A table's caption is its ``<caption>``, or the
heading or short line right above it. Code: fenced code is left out of the blocks (code is not
prose and its numbers are not statements); an indented "code" block is kept as ``text``,
because converters indent prose, not code. A pipe table that markdown-it refused (cell counts
off) is still read as a table.
"""

from __future__ import annotations

import bisect
import functools
import html
import re
import unicodedata
from dataclasses import dataclass

from markdown_it import MarkdownIt

from flows.document import Block, Cell, Document, Heading, ReportInfo, Table
from flows.readers.html import CAPTION_LABEL, REFERENCE_HEADING, guess_header_rows, place_cells, render_superscript

# Only the block structure is wanted (inline Markdown is rendered here, with offsets): the inline rules are off.
_MARKDOWN = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])

# --------------------------------------------------------------------------------------------
# Vocabulary: how LaTeX renders

_MATH_SYMBOLS = {
    "%": "%", "$": "$", "&": "&", "#": "#", "_": "_", "{": "{", "}": "}", "|": "‖",
    "geq": "≥", "ge": "≥", "geqslant": "≥", "leq": "≤", "le": "≤", "leqslant": "≤", "gg": "≫", "ll": "≪",
    "times": "×", "cdot": "·", "cdotp": "·", "pm": "±", "mp": "∓", "approx": "≈", "sim": "~",
    "simeq": "≃", "neq": "≠", "ne": "≠", "lt": "<", "gt": ">", "circ": "°", "degree": "°",
    "textdegree": "°", "prime": "′", "to": "→", "rightarrow": "→", "leftarrow": "←",
    "uparrow": "↑", "downarrow": "↓", "ldots": "…", "cdots": "…", "dots": "…", "mu": "µ",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "Delta": "Δ", "pi": "π", "sigma": "σ",
    "Sigma": "Σ", "sum": "Σ", "infty": "∞", "euro": "€", "pounds": "£", "yen": "¥",
    "textperthousand": "‰", "permil": "‰", "div": "÷", "ast": "*", "star": "*", "dagger": "†",
    "ddagger": "‡", "S": "§", "P": "¶", "mid": "|", "vert": "|", "lvert": "|", "rvert": "|",
    "langle": "⟨", "rangle": "⟩", "lbrace": "{", "rbrace": "}", "backslash": "\\", "bullet": "•",
    "checkmark": "✓", "ell": "ℓ", "textless": "<", "textgreater": ">", "minus": "-",
    "textasciitilde": "~", "colon": ":",
}
_MATH_SPACES = {",": "thin", ";": " ", ":": " ", " ": " ", "quad": " ", "qquad": " ",
                "enspace": " ", "thinspace": "thin", "space": " ", "\\": " ", "newline": " "}
# Commands whose one argument renders as is; the "text" ones keep the spaces inside it.
_MATH_TEXT_ARG = frozenset("""
mathrm mathbf mathit mathsf mathtt mathbb mathcal mathfrak mathscr mathnormal operatorname
boldsymbol bm pmb underline overline widetilde widehat hat bar vec tilde dot ddot num
mathring check breve acute grave displaystyle
""".split())
_TEXT_MODE_ARG = frozenset("text textrm textnormal textbf textit textsf texttt textup textsc mbox hbox emph".split())
_MATH_SKIP_ARG = frozenset("phantom hphantom vphantom color label tag hspace vspace mathstrut "
                           "textcolor_first begin end ref eqref".split())
_MATH_DELIMITER_SIZES = frozenset("left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr "
                                  "Biggl Biggr middle".split())

_LATEX_SYNTAX = re.compile(r"\\[A-Za-z]{2,}|\\[%,;:!{}$&# |]|[\^_{}]")
_PLAIN_MATH = re.compile(r"[\w\s.,:;+\-−–=<>≤≥×·/()%*'|!?\[\]]+")
_NUMBER_RUN = re.compile(r"\d+(?:[.,\u2009]\d+)*")
_SOFT = "\x00soft"  # a space in math: dropped unless it parts a number from a word
_THIN = "\x00thin"  # \, : a thin space between digits (1\,234), a space elsewhere
_MAX_BRACE_DEPTH = 40


@dataclass
class _Piece:
    anchor: int  # the source index this rendered character stands for
    ch: str
    script: bool = False


class _Latex:
    """Renders the LaTeX in w[lo:hi] to characters anchored at source indexes."""

    def __init__(self, w: str, lo: int, hi: int):
        self.w, self.i, self.hi = w, lo, hi
        self.pieces: list[_Piece] = []
        self.depth = 0
        self.text_mode = False

    def render(self) -> list[_Piece]:
        self._sequence(stop_at_brace=False)
        return self._resolve_spaces()

    # -- parsing
    def _emit(self, anchor: int, s: str, script: bool = False) -> None:
        for k, ch in enumerate(s):
            self.pieces.append(_Piece(anchor + k, ch, script))

    def _sequence(self, stop_at_brace: bool) -> None:
        while self.i < self.hi:
            if self.w[self.i] == "}":
                self.i += 1
                if stop_at_brace:
                    return
                continue
            self._atom()

    def _group(self) -> None:
        self.i += 1  # the "{"
        if self.depth >= _MAX_BRACE_DEPTH:
            return  # read on flat: the braces are dropped, their content still renders
        self.depth += 1
        self._sequence(stop_at_brace=True)
        self.depth -= 1

    def _argument(self) -> None:
        while self.i < self.hi and self.w[self.i] in " \t\r\n":
            self.i += 1
        if self.i >= self.hi:
            return
        if self.w[self.i] == "{":
            self._group()
        else:
            self._atom()

    def _skip_argument(self) -> None:
        while self.i < self.hi and self.w[self.i] in " \t\r\n":
            self.i += 1
        if self.i >= self.hi:
            return
        if self.w[self.i] == "{":
            depth = 0
            while self.i < self.hi:
                c = self.w[self.i]
                self.i += 1
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                    if depth == 0:
                        return
        elif self.w[self.i] == "\\":
            self.i += 1
            while self.i < self.hi and self.w[self.i].isascii() and self.w[self.i].isalpha():
                self.i += 1
        else:
            self.i += 1

    def _atom(self) -> None:
        c = self.w[self.i]
        if c == "{":
            self._group()
        elif c == "\\":
            self._command()
        elif c in "^_":
            self._script(c)
        elif c in " \t\r\n":
            self.pieces.append(_Piece(self.i, " " if self.text_mode else _SOFT))
            self.i += 1
        elif c in "~&":
            self.pieces.append(_Piece(self.i, " "))
            self.i += 1
        elif c == "$":
            self.i += 1
        else:
            self._emit(self.i, c)
            self.i += 1

    def _command(self) -> None:
        start = self.i
        if start + 1 >= self.hi:
            self.i += 1
            return
        nxt = self.w[start + 1]
        if nxt.isascii() and nxt.isalpha():
            j = start + 1
            while j < self.hi and self.w[j].isascii() and self.w[j].isalpha():
                j += 1
            name, self.i = self.w[start + 1:j], j
        else:
            name, self.i = nxt, start + 2
        if name in _MATH_SPACES:
            self.pieces.append(_Piece(start, _THIN if _MATH_SPACES[name] == "thin" else " "))
        elif name in _MATH_SYMBOLS:
            self._emit(start, _MATH_SYMBOLS[name])
        elif name in _MATH_TEXT_ARG or name in _TEXT_MODE_ARG:
            saved = self.text_mode
            self.text_mode = name in _TEXT_MODE_ARG
            self._argument()
            self.text_mode = saved
        elif name in ("frac", "dfrac", "tfrac", "cfrac"):
            self._argument()
            if self.w[self.i - 1] == "}":
                self._emit(self.i - 1, "/")
            self._argument()
        elif name == "sqrt":
            if self.i < self.hi and self.w[self.i] == "[":
                end = self.w.find("]", self.i, self.hi)
                self.i = end + 1 if end >= 0 else self.i
            self._emit(start, "√")
            self._argument()
        elif name in ("SI", "qty"):
            self._argument()
            if self.w[self.i - 1] == "}":
                self.pieces.append(_Piece(self.i - 1, " "))
            saved, self.text_mode = self.text_mode, True
            self._argument()
            self.text_mode = saved
        elif name == "textcolor":
            self._skip_argument()
            self._argument()
        elif name in _MATH_SKIP_ARG:
            self._skip_argument()
            if name == "begin" and self.i < self.hi and self.w[self.i] == "{":
                self._skip_argument()  # an array's column spec
        elif name in _MATH_DELIMITER_SIZES:
            while self.i < self.hi and self.w[self.i] in " \t":
                self.i += 1
            if self.i < self.hi and self.w[self.i] == ".":
                self.i += 1  # \left. is no delimiter
        # any other command (a font switch, \displaystyle, one we do not know) renders nothing

    def _script(self, mark: str) -> None:
        at = self.i
        self.i += 1
        outer, self.pieces = self.pieces, []
        self._argument()
        inner, self.pieces = self.pieces, outer
        inner = [p for p in inner if p.ch not in (_SOFT, _THIN)]
        if mark == "_":
            self.pieces.extend(_Piece(p.anchor, p.ch, True) for p in inner)
            return
        script = "".join(p.ch for p in inner).strip()
        before = "".join(p.ch for p in self.pieces if p.ch not in (_SOFT, _THIN))
        rendered = render_superscript(before, script)
        if not rendered:
            return
        if rendered == "°":
            self._emit(inner[0].anchor if inner else at, "°")
        elif rendered == "^" + script:
            self.pieces.append(_Piece(at, "^"))
            self.pieces.extend(_Piece(p.anchor, p.ch, True) for p in inner)
        else:
            self.pieces.extend(_Piece(p.anchor, p.ch, True) for p in inner)

    # -- spaces and order
    def _resolve_spaces(self) -> list[_Piece]:
        pieces = self.pieces
        real = [k for k, p in enumerate(pieces) if p.ch not in (_SOFT, _THIN, " ")]
        out: list[_Piece] = []
        r = 0  # index into real of the next real piece
        prev = None  # the last piece written that is not a space
        for k, p in enumerate(pieces):
            while r < len(real) and real[r] <= k:
                r += 1
            nxt = pieces[real[r]] if r < len(real) else None
            if out and out[-1].ch not in (" ", "\u2009"):
                prev = out[-1]
            if p.ch == _SOFT:  # kept between a number or a word and the word after it: "3.6 GJ", "mol K"
                if prev and nxt and (prev.ch.isdigit() or prev.ch.isalpha()) and not prev.script and nxt.ch.isalpha():
                    out.append(_Piece(p.anchor, " "))
            elif p.ch == _THIN:
                digits = prev and nxt and prev.ch.isdigit() and nxt.ch.isdigit()
                out.append(_Piece(p.anchor, "\u2009" if digits else " "))
            else:
                out.append(p)
        cleaned: list[_Piece] = []
        last_anchor = -1
        for p in out:
            if p.ch == " " and (not cleaned or cleaned[-1].ch in (" ", "\u2009")):
                continue
            if p.anchor <= last_anchor:
                continue  # keeps anchors strictly increasing whatever the input
            cleaned.append(p)
            last_anchor = p.anchor
        while cleaned and cleaned[-1].ch == " ":
            cleaned.pop()
        return cleaned


def _place_math(pieces: list[_Piece]) -> list[tuple[int, str]]:
    """Where each rendered character of a math span goes: numbers at their digits, the rest packed to them."""
    if not pieces:
        return []
    chars = "".join(p.ch for p in pieces)
    positions: list[int | None] = [None] * len(pieces)
    # a number: digits not written as a script and not the end of a word (the 2 of CO2)
    runs = [m.span() for m in _NUMBER_RUN.finditer(chars)
            if not pieces[m.start()].script and not (m.start() and chars[m.start() - 1].isalpha())]
    for s, e in runs:
        first = pieces[s].anchor
        if all(pieces[k].anchor == first + (k - s) for k in range(s, e)):
            positions[s:e] = [pieces[k].anchor for k in range(s, e)]
        else:
            positions[s:e] = list(range(first, first + (e - s)))
    k = 0
    n = len(pieces)
    while k < n:
        if positions[k] is not None:
            k += 1
            continue
        j = k
        while j < n and positions[j] is None:
            j += 1
        if k > 0:
            start = positions[k - 1] + 1  # after a number: packed right behind it
        elif j < n:
            start = positions[j] - (j - k)  # before the first number: packed against it
        else:
            start = pieces[0].anchor  # no number at all
        for offset, idx in enumerate(range(k, j)):
            positions[idx] = start + offset
        k = j
    return [(positions[k], pieces[k].ch) for k in range(n)]


# --------------------------------------------------------------------------------------------
# Inline rendering


_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_AUTOLINK = re.compile(r"<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]{0,2000}|[^\s@<>]{1,200}@[^\s@<>]{1,200})>")
_HTML_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]{0,2000})?/?>")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\s]{1,40}\]")
_SPECIAL = re.compile(r"[`\\$<!\[&*_~]")  # where an inline construct can start
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


@functools.lru_cache(maxsize=16)
def _backtick_run(ticks: int) -> re.Pattern:
    return re.compile(r"(?<!`)`{%d}(?!`)" % ticks)


def _is_punct(ch: str) -> bool:
    return ch in _ASCII_PUNCT or unicodedata.category(ch).startswith(("P", "S"))


class _Inline:
    """Renders one run of inline Markdown (a paragraph, a title, a cell) over its own copy."""

    def __init__(self, w: str):
        self.w = w
        self.n = len(w)
        self.out = list(w)
        self.done = bytearray(self.n)  # 1 where a construct has decided the character
        self.delimiters: list[tuple[int, int, str, bool, bool]] = []
        self._pairs: dict[int, int] | None = None
        self._no_closer: dict[str, int] = {}  # a closer searched for from here on is known absent

    def blank(self, a: int, b: int) -> None:
        for i in range(max(a, 0), min(b, self.n)):
            if self.out[i] not in "\r\n":
                self.out[i] = " "
            self.done[i] = 1

    def keep(self, a: int, b: int) -> None:
        for i in range(max(a, 0), min(b, self.n)):
            self.done[i] = 1

    def write(self, at: int, s: str) -> None:
        for k, ch in enumerate(s):
            if at + k < self.n:
                self.out[at + k] = ch

    def render(self) -> list[str]:
        i = 0
        w = self.w
        while i < self.n:
            m = _SPECIAL.search(w, i)
            if not m:
                break
            i = m.start()
            if self.done[i]:
                i += 1
                continue
            c = w[i]
            if c == "`":
                i = self._code_span(i)
            elif c == "\\":
                i = self._backslash(i)
            elif c == "$":
                i = self._dollar(i)
            elif c == "<":
                i = self._angle(i)
            elif c == "!" and w.startswith("[", i + 1):
                i = self._image(i)
            elif c == "[":
                i = self._bracket(i)
            elif c == "&":
                i = self._entity(i)
            elif c in "*_~":
                i = self._delimiter_run(i)
            else:
                i += 1
        self._emphasis()
        return self.out

    # -- constructs
    def _code_span(self, i: int) -> int:
        k = i
        while k < self.n and self.w[k] == "`":
            k += 1
        ticks = k - i
        m = None if self._no_closer.get("`" * ticks, self.n + 1) <= k else _backtick_run(ticks).search(self.w, k)
        if not m:
            self._no_closer["`" * ticks] = k
            self.keep(i, k)
            return k
        self.blank(i, k)
        self.keep(k, m.start())
        self.blank(m.start(), m.end())
        return m.end()

    def _backslash(self, i: int) -> int:
        nxt = self.w[i + 1] if i + 1 < self.n else ""
        if nxt in ("(", "["):
            closer = "\\)" if nxt == "(" else "\\]"
            j = self.w.find(closer, i + 2)
            if j > i + 2 and _LATEX_SYNTAX.search(self.w, i + 2, j):
                self._math(i, i + 2, j, j + 2)
                return j + 2
        if nxt and nxt in _ASCII_PUNCT:
            after = self.w[i + 2:i + 3]
            if i > 0 and not self.w[i - 1].isspace() and not after.isalnum():
                self.out[i] = nxt  # "2\." reads "2." : the character joins what it follows
                self.blank(i + 1, i + 2)
                self.keep(i, i + 1)
            else:
                self.blank(i, i + 1)
                self.keep(i + 1, i + 2)
            return i + 2
        if nxt == "\n" or nxt == "\r":
            self.blank(i, i + 1)
        return i + 1

    def _dollar(self, i: int) -> int:
        w = self.w
        if w.startswith("$$", i):
            j = self._unescaped(w, "$$", i + 2)
            if j > i + 2 and w[i + 2:j].strip():
                self._math(i, i + 2, j, j + 2)
                return j + 2
            self.keep(i, i + 2)
            return i + 2
        j = self._unescaped(w, "$", i + 1)
        if j > i + 1 and self._is_math(i, j):
            self._math(i, i + 1, j, j + 1)
            return j + 1
        self.keep(i, i + 1)  # a dollar sign
        return i + 1

    @staticmethod
    def _unescaped(w: str, s: str, start: int) -> int:
        j = w.find(s, start)
        while j > 0 and w[j - 1] == "\\":
            j = w.find(s, j + 1)
        return j

    def _is_math(self, i: int, j: int) -> bool:
        """Whether $...$ at i..j is math, not two dollar amounts (see the module docstring)."""
        w = self.w
        content = w[i + 1:j]
        if not content.strip() or "\n\n" in content or j + 1 < self.n and w[j + 1].isdigit():
            return False
        if _LATEX_SYNTAX.search(content):
            return len(content) <= 2000
        if content[0].isspace() or content[-1].isspace():
            return False
        if i > 0 and w[i - 1].isalnum():
            return False
        if len(content) > 60 or re.search(r"[A-Za-z]{4,}", content):
            return False
        return bool(_PLAIN_MATH.fullmatch(content))

    def _math(self, open_at: int, lo: int, hi: int, close_end: int) -> None:
        placed = _place_math(_Latex(self.w, lo, hi).render())
        self.blank(open_at, close_end)
        for pos, ch in placed:
            self.out[pos] = ch

    def _angle(self, i: int) -> int:
        w = self.w
        if w.startswith("<!--", i):
            j = -1 if self._no_closer.get("-->", self.n + 1) <= i else w.find("-->", i + 4)
            if j < 0:
                self._no_closer["-->"] = i
                return i + 1
            self.blank(i, j + 3)
            return j + 3
        m = _AUTOLINK.match(w, i)
        if m:
            self.blank(i, i + 1)
            self.keep(i + 1, m.end() - 1)
            self.blank(m.end() - 1, m.end())
            return m.end()
        m = _HTML_TAG.match(w, i)
        if not m:
            return i + 1
        tag = m.group(1).lower()
        if tag in ("sup", "sub") and not m.group().startswith("</"):
            close = re.compile(r"</%s\s*>" % tag, re.I).search(w, m.end(), m.end() + 300)
            if close:
                inner = _Inline(w[m.end():close.start()])
                script = re.sub(r"\s+", " ", "".join(inner.render())).strip()
                if tag == "sup":
                    before = "".join(self.out[max(0, i - 30):i])
                    script = render_superscript(before, script)
                self.blank(i, close.end())
                self.write(i, script[:close.end() - i])
                return close.end()
        self.blank(i, m.end())
        return m.end()

    def _matching(self) -> dict[int, int]:
        """Each "[" and "(" mapped to the "]" or ")" that closes it (escapes skipped), found in one pass."""
        if self._pairs is None:
            pairs: dict[int, int] = {}
            stacks: dict[str, list[int]] = {"[": [], "(": []}
            closers = {"]": "[", ")": "("}
            for m in re.finditer(r"\\.|[\[\]()]", self.w, re.S):
                c = m.group()
                if c in stacks:
                    stacks[c].append(m.start())
                elif c in closers and stacks[closers[c]]:
                    pairs[stacks[closers[c]].pop()] = m.start()
            self._pairs = pairs
        return self._pairs

    def _link_end(self, i: int) -> tuple[int, int] | None:
        """For "[" at i: the index of its "]" and the end of the "(...)" or "[...]" right after it."""
        pairs = self._matching()
        close = pairs.get(i)
        if close is None:
            return None
        after = close + 1
        if after < self.n and self.w[after] in "([" and after in pairs:
            end = pairs[after]
            if "\n\n" not in self.w[after:end] or self.w[after] == "[":
                return close, end + 1
        return None

    def _image(self, i: int) -> int:
        found = self._link_end(i + 1)
        if not found:
            return i + 1
        close, end = found
        alt = self.w[i + 2:close]
        if CAPTION_LABEL.match(alt.strip()):
            self.blank(i, i + 2)
            self.blank(close, end)
            return i + 2
        self.blank(i, end)
        return end

    def _bracket(self, i: int) -> int:
        m = _FOOTNOTE_REF.match(self.w, i)
        if m:
            self.blank(i, m.end())
            return m.end()
        found = self._link_end(i)
        if not found:
            return i + 1
        close, end = found
        self.blank(i, i + 1)
        self.blank(close, end)
        return i + 1

    def _entity(self, i: int) -> int:
        m = _ENTITY.match(self.w, i)
        if not m:
            return i + 1
        decoded = html.unescape(m.group())
        if decoded == m.group() or len(decoded) > len(m.group()):
            return i + 1
        if decoded in ("\u00a0", "\u202f"):
            between_digits = self.w[i - 1:i].isdigit() and self.w[m.end():m.end() + 1].isdigit()
            decoded = decoded if between_digits else " "
        self.blank(i, m.end())
        # the character sits against what it belongs to: "&lt;5%" -> "<5%", "5&#37;" -> "5%"
        self.write(m.end() - len(decoded) if self.w[m.end():m.end() + 1].isdigit() else i, decoded)
        return m.end()

    def _delimiter_run(self, i: int) -> int:
        w = self.w
        c = w[i]
        k = i
        while k < self.n and w[k] == c:
            k += 1
        if c == "~" and k - i != 2:
            return k
        prev = w[i - 1] if i > 0 else " "
        nxt = w[k] if k < self.n else " "
        left = not nxt.isspace() and (not _is_punct(nxt) or prev.isspace() or _is_punct(prev))
        right = not prev.isspace() and (not _is_punct(prev) or nxt.isspace() or _is_punct(nxt))
        if c == "_":
            can_open = left and (not right or _is_punct(prev))
            can_close = right and (not left or _is_punct(nxt))
        else:
            can_open, can_close = left, right
        self.delimiters.append((i, k - i, c, can_open, can_close))
        return k

    def _emphasis(self) -> None:
        """Pair delimiter runs (a closer with the nearest opener of its character) and blank them."""
        openers: dict[str, list[tuple[int, int]]] = {"*": [], "_": [], "~": []}
        for pos, length, c, can_open, can_close in self.delimiters:
            stack = openers[c]
            if can_close and stack:
                o_pos, o_len = stack.pop()
                n = min(o_len, length)
                self.blank(o_pos + o_len - n, o_pos + o_len)
                self.blank(pos, pos + n)
            elif can_open:
                stack.append((pos, length))


# --------------------------------------------------------------------------------------------
# Block structure


_NEWLINE = re.compile(r"\r\n|\r|\n")
_FENCE_OPEN = re.compile(r"[ ]{0,3}(`{3,}|~{3,})")
_HTML_TABLE_LINE = re.compile(r"[ ]{0,3}(?:<(?:html|body|div|center|figure|p)\b[^>]*>\s*)*<table\b", re.I)
_TABLE_TAG = re.compile(r"<(/?)(table|tr|td|th|thead|tbody|tfoot|caption)\b(?:[^<>\"']|\"[^\"<>]*\"|'[^'<>]*')*>", re.I)
_ANY_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(?:\s(?:[^<>\"']|\"[^\"<>]*\"|'[^'<>]*')*)?/?>", re.S)
_FOOTNOTE_DEF = re.compile(r"[ ]{0,3}(\[\^)([^\]\s]{1,40})(\]:)")
# A link reference definition: a whole line "[label]: destination 'optional title'"
_LINK_DEF = re.compile(r"""[ ]{0,3}\[(?!\^)[^\]]{1,200}\]:[ \t]*(?:<[^>\n]*>|\S+)(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?[ \t]*$""")
_DELIMITER_ROW = re.compile(r"[ \t]*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_QUOTE_OR_SPACE = re.compile(r"[ \t]*")
_BULLET = re.compile(r"(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)[ \t]*")
_ATX = re.compile(r"(#{1,6})(?=[ \t]|$)")
_ATX_CLOSE = re.compile(r"[ \t]+#+[ \t]*$")
_ATTRIBUTE = re.compile(r"""\b(rowspan|colspan)\s*=\s*["']?\s*(\d{1,6})""", re.I)
_FRONT_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.view = list(text)
        self.starts = [0]
        self.ends: list[int] = []
        for m in _NEWLINE.finditer(text):
            self.ends.append(m.start())
            self.starts.append(m.end())
        self.ends.append(len(text))
        self.headings: list[Heading] = []
        self.blocks: list[Block] = []
        self.tables: list[Table] = []
        self.front_matter: dict[str, str] = {}

    # -- view helpers
    def blank(self, a: int, b: int) -> None:
        view = self.view
        for i in range(a, b):
            if view[i] not in "\r\n":
                view[i] = " "

    def render_inline(self, segments: list[tuple[int, int]]) -> None:
        """Render the inline Markdown of segments (one per line) into the view."""
        segments = [(a, b) for a, b in segments if b > a]
        if not segments:
            return
        a, b = segments[0][0], segments[-1][1]
        w = [" "] * (b - a)
        for s, e in segments:
            w[s - a:e - a] = self.text[s:e]
        for k in range(a, b):
            if self.text[k] in "\r\n":
                w[k - a] = self.text[k]
        out = _Inline("".join(w)).render()
        for s, e in segments:
            self.view[s:e] = out[s - a:e - a]

    def visible(self, a: int, b: int) -> tuple[int, int] | None:
        """The span from the first to the last character in a..b that shows in the view."""
        view = self.view
        while a < b and view[a].isspace():
            a += 1
        while b > a and view[b - 1].isspace():
            b -= 1
        return (a, b) if b > a else None

    def trimmed(self, a: int, b: int) -> tuple[int, int] | None:
        """The span a..b without the whitespace at its ends."""
        text = self.text
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        return (a, b) if b > a else None

    def title_span(self, a: int, b: int) -> tuple[int, int] | None:
        """A heading's title characters: whitespace and anchor tags at its ends left out
        (converters write ``# <span id="page-3-0"></span>Climate``)."""
        span = self._trim_cell(a, b)
        return span if span[1] > span[0] else None

    def line_content(self, line: int, quotes: int, bullets: bool) -> int:
        """Where line's content starts, after blockquote markers (blanked) and, on a list item's first line, bullets."""
        i, end = self.starts[line], self.ends[line]
        text = self.text
        while True:
            j = _QUOTE_OR_SPACE.match(text, i, end).end()
            if quotes and j < end and text[j] == ">":
                self.blank(j, j + 1)
                quotes -= 1
                i = j + 1
                continue
            if bullets:
                m = _BULLET.match(text, j, end)
                if m:
                    i = m.end()
                    continue
            return j

    def add_block(self, kind: str, a: int, b: int) -> None:
        span = self.visible(a, b)
        if span:
            self.blocks.append(Block(kind, *span))

    # -- pre-scan: what markdown-it is not shown
    def prescan(self) -> tuple[str, list[tuple[str, int, int]]]:
        """Regions read here, not by markdown-it (front matter, HTML tables, footnote and link
        definitions), and the text markdown-it parses: the same text with those regions blanked."""
        n_lines = len(self.starts)
        regions: list[tuple[str, int, int]] = []  # (kind, first line, end line)
        line = 0
        text = self.text
        if text.startswith("---") and re.match(r"---[ \t]*$", self.line(0)):
            for k in range(1, min(n_lines, 200)):
                if re.match(r"(?:---|\.\.\.)[ \t]*$", self.line(k)):
                    body = [self.line(x) for x in range(1, k)]
                    if body and all(_FRONT_KEY.match(x) or x.startswith((" ", "-", "\t")) or not x.strip() for x in body):
                        regions.append(("front", 0, k + 1))
                        line = k + 1
                    break
        fence = None
        previous_blank = True
        while line < n_lines:
            s = self.line(line)
            if fence:
                if re.match(r"^[ ]{0,3}%s%s*[ \t]*$" % (re.escape(fence[0]), re.escape(fence[0])), s) and \
                        len(s.strip()) >= len(fence):
                    fence = None
                line += 1
                continue
            m = _FENCE_OPEN.match(s)
            if m:
                fence = m.group(1)
                line += 1
                previous_blank = False
                continue
            if _HTML_TABLE_LINE.match(s):
                end_line = self._html_table_end(line)
                regions.append(("html_table", line, end_line))
                line = end_line
                previous_blank = False
                continue
            if _FOOTNOTE_DEF.match(s):
                end_line = line + 1
                while end_line < n_lines:
                    nxt = self.line(end_line)
                    if _FOOTNOTE_DEF.match(nxt):
                        break
                    if not nxt.strip():
                        after = self.line(end_line + 1) if end_line + 1 < n_lines else ""
                        if after.startswith(("    ", "\t")) and after.strip():
                            end_line += 1
                            continue
                        break
                    end_line += 1
                regions.append(("footnote", line, end_line))
                line = end_line
                previous_blank = False
                continue
            if previous_blank and _LINK_DEF.match(s):
                regions.append(("link_def", line, line + 1))
                line += 1
                continue
            previous_blank = not s.strip()
            line += 1
        masked = list(text)
        for _, first, end in regions:
            for i in range(self.starts[first], self.ends[end - 1]):
                if masked[i] not in "\r\n":
                    masked[i] = " "
        return "".join(masked), regions

    def line(self, k: int) -> str:
        return self.text[self.starts[k]:self.ends[k]]

    def _html_table_end(self, line: int) -> int:
        """The line after the one holding the </table> that closes the table starting on line."""
        depth = 0
        for m in _TABLE_TAG.finditer(self.text, self.starts[line]):
            if m.group(2).lower() != "table":
                continue
            depth += -1 if m.group(1) else 1
            if depth == 0:
                return self._line_of(m.end() - 1) + 1
        for k in range(line + 1, len(self.starts)):  # never closed: the table ends at a blank line
            if not self.line(k).strip():
                return k
        return len(self.starts)

    def _line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1

    # -- regions
    def read_region(self, kind: str, first: int, end: int) -> None:
        a, b = self.starts[first], self.ends[end - 1]
        if kind == "front":
            for k in range(first + 1, end - 1):
                m = _FRONT_KEY.match(self.line(k))
                if m:
                    self.front_matter.setdefault(m.group(1).lower(), m.group(2).strip("\"'"))
            self.blank(a, b)
        elif kind == "link_def":
            self.blank(a, b)
        elif kind == "footnote":
            m = _FOOTNOTE_DEF.match(self.text, a, b)
            segments = [(m.end(), self.ends[first])] + [(self.starts[k], self.ends[k]) for k in range(first + 1, end)]
            self.render_inline(segments)
            self.blank(m.start(1), m.end(1))
            self.blank(m.start(3), m.end(3))
            self.add_block("references", a, b)
        elif kind == "html_table":
            self.read_html_table(a, b)

    # -- blocks from markdown-it
    def walk(self, tokens) -> None:
        """Read markdown-it's block tokens: headings, paragraphs, lists, tables, code, HTML."""
        quotes = 0
        list_depth = 0
        list_first = list_last = 0  # the outermost list's first line and the line after its last content
        item_lines: set[int] = set()  # lines where a list item starts (their bullets are not content)
        for tok in tokens:
            t = tok.type
            if t == "blockquote_open":
                quotes += 1
                continue
            if t == "blockquote_close":
                quotes -= 1
                continue
            if t in ("bullet_list_open", "ordered_list_open"):
                if not list_depth:
                    list_first = list_last = tok.map[0]
                list_depth += 1
                continue
            if t in ("bullet_list_close", "ordered_list_close"):
                list_depth -= 1
                if not list_depth and list_last > list_first:
                    self.add_block("list", self.starts[list_first], self.ends[list_last - 1])
                continue
            if t == "list_item_open":
                item_lines.add(tok.map[0])
                continue
            if tok.map is None or t == "inline" or tok.nesting == -1:
                continue
            list_last = max(list_last, tok.map[1])
            first, end = tok.map
            in_list = bool(list_depth)
            if t == "heading_open":
                self.read_heading(tok, quotes, item_lines)
            elif t in ("paragraph_open", "code_block"):
                self.read_paragraph(first, end, quotes, item_lines, in_list)
            elif t == "table_open":
                self.read_pipe_table(first, end, quotes, item_lines, in_list)
            elif t == "fence":
                self.read_fence(first, end, quotes, item_lines)
            elif t == "html_block":
                self.read_html_block(first, end, quotes, item_lines, in_list)
            elif t == "hr":
                for k in range(first, end):
                    self.blank(self.line_content(k, quotes, k in item_lines), self.ends[k])

    def segments(self, first: int, end: int, quotes: int, item_lines: set[int]) -> list[tuple[int, int]]:
        return [(self.line_content(k, quotes, k in item_lines), self.ends[k]) for k in range(first, end)]

    def read_heading(self, tok, quotes: int, item_lines: set[int]) -> None:
        first, end = tok.map
        level = int(tok.tag[1])
        if tok.markup.startswith("#"):
            a, b = self.line_content(first, quotes, first in item_lines), self.ends[first]
            m = _ATX.match(self.text, a, b)
            if not m:
                return
            self.blank(m.start(), m.end())
            title_start = m.end()
            close = _ATX_CLOSE.search(self.text, title_start, b)
            title_end = close.start() if close else b
            if close:
                self.blank(close.start(), close.end())
            self.render_inline([(title_start, title_end)])
            span = self.title_span(title_start, title_end)
        else:
            segments = self.segments(first, end - 1, quotes, item_lines)
            underline = self.line_content(end - 1, quotes, False)
            self.blank(underline, self.ends[end - 1])
            self.render_inline(segments)
            span = self.title_span(segments[0][0], segments[-1][1]) if segments else None
        if span and self.visible(*span):
            self.headings.append(Heading(level, span[0], span[1], self.starts[first], self.ends[end - 1]))

    def read_paragraph(self, first: int, end: int, quotes: int, item_lines: set[int], in_list: bool) -> None:
        for k in range(first + 1, end):  # a pipe table markdown-it refused (its cell counts are off)
            if _DELIMITER_ROW.match(self.line(k)) and "|" in self.line(k) and "|" in self.line(k - 1):
                table_end = k + 1
                while table_end < end and "|" in self.line(table_end):
                    table_end += 1
                if k - 1 > first:
                    self.read_paragraph(first, k - 1, quotes, item_lines, in_list)
                self.read_pipe_table(k - 1, table_end, quotes, item_lines, in_list)
                if table_end < end:
                    self.read_paragraph(table_end, end, quotes, item_lines, in_list)
                return
        segments = self.segments(first, end, quotes, item_lines)
        self.render_inline(segments)
        if not in_list:
            span = self.visible(segments[0][0], segments[-1][1])
            if span:
                shown = "".join(self.view[span[0]:span[1]])
                kind = "caption" if CAPTION_LABEL.match(shown) else "text"
                self.blocks.append(Block(kind, *span))

    def read_fence(self, first: int, end: int, quotes: int, item_lines: set[int]) -> None:
        self.blank(self.line_content(first, quotes, first in item_lines), self.ends[first])
        last = end - 1
        if last > first and re.match(r"^\s*(?:>\s*)*(`{3,}|~{3,})\s*$", self.line(last)):
            self.blank(self.line_content(last, quotes, False), self.ends[last])

    def read_html_block(self, first: int, end: int, quotes: int, item_lines: set[int], in_list: bool) -> None:
        segments = self.segments(first, end, quotes, item_lines)
        self.render_inline(segments)
        if not in_list:
            span = self.visible(segments[0][0], segments[-1][1])
            if span and any(ch.isalnum() for ch in self.view[span[0]:span[1]]):
                shown = "".join(self.view[span[0]:span[1]])
                self.blocks.append(Block("caption" if CAPTION_LABEL.match(shown) else "text", *span))

    # -- tables
    def _split_row(self, a: int, b: int) -> list[tuple[int, int]]:
        """The cell ranges of a pipe-table row a..b, its pipes blanked."""
        text = self.text
        while b > a and text[b - 1] in " \t":
            b -= 1
        pipes = [k for k in range(a, b) if text[k] == "|" and (k == a or text[k - 1] != "\\")]
        for k in pipes:
            self.blank(k, k + 1)
        bounds = [a - 1] + pipes + [b]
        cells = [(bounds[k] + 1, bounds[k + 1]) for k in range(len(bounds) - 1)]
        if pipes and not text[a:pipes[0]].strip():
            cells = cells[1:]
        if pipes and not text[pipes[-1] + 1:b].strip() and pipes[-1] >= a and cells:
            cells = cells[:-1]
        trimmed = []
        for s, e in cells:
            while s < e and text[s] in " \t":
                s += 1
            while e > s and text[e - 1] in " \t":
                e -= 1
            trimmed.append((s, e))
        return trimmed

    def read_pipe_table(self, first: int, end: int, quotes: int, item_lines: set[int], in_list: bool) -> None:
        rows: list[list[tuple[int, int]]] = []
        for k in range(first, end):
            a = self.line_content(k, quotes, k in item_lines)
            if k == first + 1 and _DELIMITER_ROW.match(self.text, a, self.ends[k]):
                self.blank(a, self.ends[k])
                continue
            cells = self._split_row(a, self.ends[k])
            for s, e in cells:
                self.render_inline([(s, e)])
            rows.append(cells)
        rows = [r for r in rows if r]
        if not rows:
            return
        texts = [["".join(self.view[s:e]).strip() for s, e in row] for row in rows]
        header_rows = 1 + self._second_header_row(texts)
        cells = []
        for r, row in enumerate(rows):
            for c, (s, e) in enumerate(row):
                cells.append(Cell(r, c, s, e, header=r < header_rows))
        table_start = min(rows[0][0][0], self.line_content(first, quotes, first in item_lines))
        end_char = self.ends[end - 1]
        while end_char > table_start and self.text[end_char - 1] in " \t":
            end_char -= 1
        end_char = max(end_char, rows[-1][-1][1])
        self.tables.append(Table(table_start, end_char, n_rows=len(rows), n_cols=max(len(r) for r in rows),
                                 header_rows=header_rows, cells=tuple(cells)))
        if not in_list:
            self.blocks.append(Block("table", table_start, end_char))

    @staticmethod
    def _second_header_row(texts: list[list[str]]) -> int:
        """1 when the row under a pipe table's header is evidently a header too (years under group labels)."""
        if len(texts) < 3:
            return 0
        header, second = texts[0], texts[1]
        if not (second and not second[0]) and "" not in header[1:]:
            return 0
        if not any(c for c in second):
            return 0
        return 1 if guess_header_rows(texts[1:]) >= 1 else 0

    def read_html_table(self, a: int, b: int) -> None:
        """An HTML <table> in the Markdown: cells measured in the source, tags blanked."""
        text = self.text
        table_open = re.compile(r"<table\b", re.I).search(text, a, b)
        if not table_open:
            self.blank(a, b)
            return
        rows: list[list[list]] = []  # per row: [content_start, content_end, is_th, rowspan, colspan]
        thead_rows: set[int] = set()
        caption: list[int] | None = None
        depth = 0
        section = ""
        cell: list | None = None
        table_end = b
        for m in _TABLE_TAG.finditer(text, table_open.start(), b):
            closing, tag = m.group(1) == "/", m.group(2).lower()
            if tag == "table":
                depth += -1 if closing else 1
                if depth == 0:
                    if cell is not None:
                        cell[1] = m.start()
                    table_end = m.end()
                    break
                continue
            if depth != 1:
                continue
            if tag in ("td", "th", "tr", "thead", "tbody", "tfoot", "caption") and cell is not None and cell[1] is None:
                cell[1] = m.start()
            if closing:
                if tag in ("td", "th"):
                    cell = None
                elif tag in ("thead", "tbody", "tfoot"):
                    section = ""
                elif tag == "caption" and caption is not None and caption[1] is None:
                    caption[1] = m.start()
                continue
            if tag in ("thead", "tbody", "tfoot"):
                section = tag
            elif tag == "tr":
                rows.append([])
                if section == "thead":
                    thead_rows.add(len(rows) - 1)
                cell = None
            elif tag in ("td", "th"):
                if not rows:
                    rows.append([])
                spans = {k.lower(): int(v) for k, v in _ATTRIBUTE.findall(m.group())}
                cell = [m.end(), None, tag == "th", spans.get("rowspan", 1), spans.get("colspan", 1)]
                rows[-1].append(cell)
            elif tag == "caption":
                caption = [m.end(), None]
                cell = None
        for row in rows:
            for c in row:
                if c[1] is None:
                    c[1] = table_end
        # blank every tag of the region, then render each cell's content
        for m in _ANY_TAG.finditer(text, a, b):
            self.blank(m.start(), m.end())
        rows = [row for row in rows if row]
        for row in rows:
            for c in row:
                self.render_inline([(c[0], c[1])])
        caption_span = None
        if caption is not None and caption[1] is not None:
            self.render_inline([(caption[0], caption[1])])
            caption_span = self.visible(caption[0], caption[1])
            if caption_span:
                self.blocks.append(Block("caption", *caption_span))
        if not rows:
            return
        placed = place_cells([[(c[3], c[4]) for c in row] for row in rows])
        texts = [["".join(self.view[c[0]:c[1]]).strip() for c in row] for row in rows]
        if thead_rows or any(c[2] for row in rows for c in row):
            header_rows = 0
            for r, row in enumerate(rows):
                if r in thead_rows or all(c[2] for c in row):
                    header_rows += 1
                else:
                    break
            header_set = set(range(header_rows)) | thead_rows
        else:
            header_rows = guess_header_rows(texts, max(c[3] for c in rows[0]))
            header_set = set(range(header_rows))
        cells = []
        n_cols = 0
        for r, row in enumerate(rows):
            for c, (row_i, col, rowspan, colspan) in zip(row, placed[r]):
                s, e = self._trim_cell(c[0], c[1])
                cells.append(Cell(row_i, col, s, e, header=c[2] or r in header_set, row_span=rowspan, col_span=colspan))
                n_cols = max(n_cols, col + colspan)
        start = table_open.start()
        block_start = max(start, caption_span[1]) if caption_span else start
        self.tables.append(Table(start, table_end, n_rows=len(rows), n_cols=n_cols, header_rows=header_rows,
                                 cells=tuple(cells),
                                 caption_start=caption_span[0] if caption_span else None,
                                 caption_end=caption_span[1] if caption_span else None))
        self.blocks.append(Block("table", block_start, table_end))

    def _trim_cell(self, s: int, e: int) -> tuple[int, int]:
        """A cell's content without the whitespace and tags at its edges (an empty cell stays where it is)."""
        text = self.text
        start = s
        while True:
            while s < e and text[s].isspace():
                s += 1
            m = _ANY_TAG.match(text, s, e)
            if m and m.end() <= e:
                s = m.end()
                continue
            break
        while e > s:
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s and text[e - 1] == ">":
                k = text.rfind("<", s, e)
                if k >= 0 and _ANY_TAG.fullmatch(text, k, e):
                    e = k
                    continue
            break
        return (s, e) if e > s else (start, start)

    # -- after the walk
    def finish(self) -> None:
        self.blocks.sort(key=lambda b: b.char_start)
        self.tables.sort(key=lambda t: t.char_start)
        self.headings.sort(key=lambda h: h.char_start)
        self._mark_references()
        self._attach_captions()

    def _mark_references(self) -> None:
        items = sorted([(h.char_start, "h", h) for h in self.headings] + [(b.char_start, "b", b) for b in self.blocks],
                       key=lambda x: x[0])
        ref_level = None
        blocks = {}
        for _, what, item in items:
            if what == "h":
                title = self.text[item.char_start:item.char_end]
                shown = "".join(self.view[item.char_start:item.char_end]).strip()
                if REFERENCE_HEADING.match(shown) or REFERENCE_HEADING.match(title.strip()):
                    ref_level = item.level
                elif ref_level is not None and item.level <= ref_level:
                    ref_level = None
            elif ref_level is not None and item.kind in ("text", "list"):
                blocks[item.char_start] = Block("references", item.char_start, item.char_end, item.label)
        self.blocks = [blocks.get(b.char_start, b) for b in self.blocks]

    def _attach_captions(self) -> None:
        """A table is named by its <caption>, else the heading or short line right above it."""
        tables = []
        for table in self.tables:
            if table.caption_start is not None:
                tables.append(table)
                continue
            above = None
            for b in self.blocks:
                if b.char_end <= table.char_start and b.kind in ("text", "caption"):
                    above = (b.char_start, b.char_end, b)
            for h in self.headings:
                if h.char_end <= table.char_start and (above is None or h.char_start > above[0]):
                    above = (h.char_start, h.char_end, None)
            if above is None:
                tables.append(table)
                continue
            start, end, block = above
            between = "".join(self.view[end:table.char_start])
            later_block = any(end <= b.char_start < table.char_start for b in self.blocks)
            one_line = "\n" not in self.text[start:end] and end - start <= 150
            if between.strip() or later_block or (block is not None and not one_line):
                tables.append(table)
                continue
            if block is not None and block.kind == "text" and CAPTION_LABEL.match("".join(self.view[start:end])):
                self.blocks = [Block("caption", b.char_start, b.char_end, b.label) if b is block else b for b in self.blocks]
            tables.append(Table(table.char_start, table.char_end, table.n_rows, table.n_cols, table.header_rows,
                                table.cells, caption_start=start, caption_end=end))
        self.tables = tables

    def report_info(self) -> ReportInfo:
        fm = self.front_matter
        origin: dict[str, str] = {}
        title = fm.get("title") or None
        if title:
            origin["report_title"] = "markdown front matter"
        else:
            first = next((h for h in self.headings if h.level == 1), None)
            if first is not None:
                title = re.sub(r"\s+", " ", "".join(self.view[first.char_start:first.char_end])).strip() or None
                if title:
                    origin["report_title"] = "markdown heading"
        entity = next((fm[k] for k in ("organization", "organisation", "company", "publisher", "author") if fm.get(k)), None)
        if entity:
            origin["reporting_entity"] = "markdown front matter"
        url = next((fm[k] for k in ("url", "source_url", "canonical", "source") if fm.get(k, "").startswith("http")), None)
        if url:
            origin["source_url"] = "markdown front matter"
        return ReportInfo(reporting_entity=entity, report_title=title, source_url=url, origin=origin)


def read_markdown(source_path: str, sha256: str, text: str) -> Document:
    """The Document of a Markdown file: its text as is, how it renders, its headings, blocks and tables."""
    reader = _Reader(text)
    masked, regions = reader.prescan()
    reader.walk(_MARKDOWN.parse(masked))
    for kind, first, end in regions:
        reader.read_region(kind, first, end)
    reader.finish()
    view = "".join(reader.view)
    return Document(source_path=source_path, sha256=sha256, format="md", text=text, view=view, pages=[],
                    headings=reader.headings, blocks=reader.blocks, tables=reader.tables, info=reader.report_info())
