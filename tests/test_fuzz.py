"""Property-based tests (hypothesis): random and mutated report text through parse and extract,
random file names and raw/ trees through scan_raw. No exception, and every invariant holds.

A few examples per property by default (profile `ci`); many with HYPOTHESIS_PROFILE=long
(profiles in tests/conftest.py). Failing examples are kept in .hypothesis/ and replayed first.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from flows.document import ReportError
from flows.process import build_rows
from flows.read import scan_raw, sha256_bytes
from flows.readers import SourceFile, read_document
from tests.conftest import CORPUS_DIR, SHIPPED_REPORT

# --- report text ------------------------------------------------------------------------------

LINE_ENDS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\u2028", "\u2029", "\x85", "\x1c", "\n\n", "\r\n\r\n", "\n \n"]
NUMBERS = st.one_of(
    st.integers(-10**12, 10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda x: f"{x:,.2f}"),
    st.from_regex(r"[$€£¥]?-?[0-9]{1,3}(,[0-9]{3}){0,3}(\.[0-9]{1,4})?", fullmatch=True),
    st.from_regex(r"~?[0-9]{1,4}(\.[0-9]+)?[–-][0-9]{1,4}(\.[0-9]+)? ?(%|per cent|tCO2e|MWh|kWh|m3|GJ)",
                  fullmatch=True),
    st.sampled_from(["RMB399 million", "1.5 gigatons", "85.5%", "over 1,000+ sites", "FY2023", "2:1",
                     "10:30", "Scope 1 and 2", "(1)", "P148", "one-third", "nearly half of", "3.2x",
                     "₹ 206 Mn", "-0", "0.", ".5", "1e9", "1,2,3", "12.34.56", "١٢٣", "１２３", "½", "²"]),
)
STRUCTURE = st.sampled_from([
    "Sub header:", "Sub header: Emissions", "  Sub header:   ", "Paragraph 1:", "Paragraph 22: ",
    "Title:", "Title: A title", "References:", "Sources", "Bibliography:", "|", "||", "| |", " | ",
    "| Metric | Unit | 2022 | 2023 |", "|---|---|", "Tea | MT | 5,769.3", "Energy (GJ) | 12 | 13",
    "| 5", "5 |", "|-|-|-|", ":", "•", "- ", "1.", "(a)", "\t", "\u00a0", "\ufeff", "\u200b",
])
WORDS = st.sampled_from([
    "we", "reduced", "emissions", "by", "to", "tonnes", "of", "CO2e", "in", "water", "employees",
    "hours", "approximately", "more than", "up to", "compared with", "million", "billion", "kWh",
    "renewable", "energy", "the Group", "Alibaba", "per", "/", "%", "and", "from", ".", ",", ";",
])
TOKENS = st.one_of(NUMBERS, STRUCTURE, WORDS, st.text(max_size=12), st.sampled_from(LINE_ENDS))


@st.composite
def report_texts(draw) -> str:
    """Report-like text: numbers everywhere, structure lines, broken tables, every kind of line
    break, random Unicode, and now and then one very long line or paragraph."""
    parts = draw(st.lists(TOKENS, max_size=80))
    joiners = draw(st.lists(st.sampled_from([" ", "", " | ", *LINE_ENDS]), min_size=len(parts), max_size=len(parts)))
    text = "".join(p + j for p, j in zip(parts, joiners))
    if draw(st.booleans()):
        piece = draw(st.one_of(NUMBERS, STRUCTURE, WORDS)) + draw(st.sampled_from([" ", "", " | ", ", "]))
        long_run = piece * draw(st.integers(200, 3000))  # one very long line (or paragraph)
        at = draw(st.integers(0, len(text)))
        text = text[:at] + long_run + text[at:]
    return text


def _real_texts() -> list[str]:
    texts = [SHIPPED_REPORT.read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in sorted(CORPUS_DIR.glob("*.txt"))]
    return texts


REAL_TEXTS = _real_texts()


@st.composite
def mutated_reports(draw) -> str:
    """A window of a real report (the shipped one, or the corpus when present) with mutations:
    spans deleted, duplicated or replaced by random tokens, line breaks swapped."""
    source = draw(st.sampled_from(REAL_TEXTS))
    start = draw(st.integers(0, max(0, len(source) - 1)))
    text = source[start:start + draw(st.integers(0, 6000))]
    for _ in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, len(text)))
        end = min(len(text), at + draw(st.integers(0, 200)))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "line breaks"]))
        if action == "delete":
            text = text[:at] + text[end:]
        elif action == "duplicate":
            text = text[:end] + text[at:end] + text[end:]
        elif action == "insert":
            text = text[:at] + draw(TOKENS) + text[at:]
        else:
            text = text[:at] + text[at:end].replace("\n", draw(st.sampled_from(LINE_ENDS))) + text[end:]
    return text


def assert_lineage(text: str) -> None:
    """Read as text, Markdown and HTML, then parse, extract, tabulate and consolidate: nothing
    raises but a ReportError, and every offset of every row is true."""
    data = text.encode("utf-8")
    for fmt in ("txt", "md", "html"):
        try:
            doc = read_document(SourceFile(f"f.{fmt}", sha256_bytes(data), data, fmt))
        except ReportError:
            continue  # empty, or not text: a rejection, not a crash
        rows = build_rows(doc, "run-1")
        t = doc.text
        sections = {r["section_id"]: r for r in rows["sections"]}
        previous_end = 0
        for r in rows["sections"]:
            assert previous_end <= r["char_start"] <= r["char_end"] <= len(t), "sections overlap or leave the text"
            previous_end = r["char_end"]
            if r["title"] is not None:
                assert t[r["title_char_start"]:r["title_char_end"]] == r["title"]
                assert r["char_start"] <= r["title_char_start"] <= r["title_char_end"] <= r["char_end"]
        paragraphs = {r["paragraph_id"]: r for r in rows["paragraphs"]}
        for p in rows["paragraphs"]:
            section = sections[p["section_id"]]
            assert section["char_start"] <= p["char_start"] < p["char_end"] <= section["char_end"]
            assert t[p["char_start"]:p["char_end"]] == p["text"]
        tables = {r["table_id"]: r for r in rows["tables"]}
        for f in rows["figures"]:
            p = paragraphs[f["paragraph_id"]]
            assert p["char_start"] <= f["char_start"] < f["char_end"] <= p["char_end"], "figure outside its paragraph"
            assert t[f["char_start"]:f["char_end"]] == f["surface"]
            if f["table_id"]:
                table = tables[f["table_id"]]
                assert table["char_start"] <= f["char_start"] < f["char_end"] <= table["char_end"]
        for c in rows["citations"]:
            assert t[c["char_start"]:c["char_end"]] == c["surface"]
        mentioned = {m["figure_id"] for m in rows["fact_mentions"]}
        assert mentioned == {f["figure_id"] for f in rows["figures"]}, "a figure states no fact, or two"


@given(report_texts())
def test_random_report_text_parses_and_extracts_with_true_offsets(text):
    assert_lineage(text)


@given(mutated_reports())
def test_mutated_real_reports_parse_and_extract_with_true_offsets(text):
    assert_lineage(text)


@given(st.text(max_size=3000))
def test_any_unicode_text_parses_and_extracts_with_true_offsets(text):
    assert_lineage(text)


# --- file names and raw/ trees ----------------------------------------------------------------

NAME_BYTES = st.one_of(
    st.binary(min_size=1, max_size=24),
    st.text(min_size=1, max_size=16).map(lambda t: t.encode("utf-8")),
    st.sampled_from([b"zz\xff.txt", b"\xc3.txt", b"\xed\xa0\x80.txt", b"caf\xe9.txt", b"a\nb.txt", b" ",
                     b"-", b"~copy.txt", b"report.txt", b"\xef\xbb\xbf.txt", b"\x1b[31m.txt", b"..."]),
)
NAMES = NAME_BYTES.map(lambda b: b.replace(b"/", b"_").replace(b"\0", b"_").replace(b"\\", b"_")[:200]).filter(
    lambda b: b not in (b".", b".."))
KINDS = ["file", "file", "file", "dir", "link in", "link out", "link to dir", "link loop", "dangling", "fifo",
         "unreadable file", "unreadable dir"]


def _build(root: bytes, outside: bytes, entries: list[tuple[bytes, str, bytes]]) -> list[bytes]:
    """Create entries (name, kind, content) under root, nesting after each 'dir'; return the
    relative paths of the regular, readable files that are not hidden."""
    files, folder = [], b""
    for name, kind, content in entries:
        path = os.path.join(root, folder, name)
        relative = os.path.join(folder, name)
        if kind in ("file", "unreadable file"):
            with open(path, "wb") as fh:
                fh.write(content)
            if kind == "unreadable file":
                os.chmod(path, 0)
            elif not any(part.startswith(b".") for part in relative.split(b"/")) and _utf8(folder):
                files.append(relative)  # found: in the scan under its shown name (loaded or rejected)
        elif kind in ("dir", "unreadable dir"):
            os.mkdir(path)
            if kind == "dir":
                folder = relative
            else:
                with open(os.path.join(path, b"inside.txt"), "wb") as fh:
                    fh.write(content)
                os.chmod(path, 0)
        elif kind == "link in":
            os.symlink(files[-1] if files else b"nowhere", path)
        elif kind == "link out":
            os.symlink(outside, path)
        elif kind == "link to dir":
            os.symlink(b"." if not folder else b"..", path)
        elif kind == "link loop":
            os.symlink(name, path)
        elif kind == "dangling":
            os.symlink(b"missing-" + name, path)
        elif kind == "fifo":
            os.mkfifo(path)
    return files


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False  # a folder so named is rejected as a whole
    return True


def _display(relative: bytes) -> str:
    return relative.decode("utf-8", "backslashreplace")


@given(entries=st.lists(st.tuples(NAMES, st.sampled_from(KINDS), st.binary(max_size=300)),
                        max_size=14, unique_by=lambda e: e[0]),
       follow_links=st.booleans())
def test_every_file_in_any_raw_tree_is_found_or_rejected_with_a_reason(entries, follow_links):
    with tempfile.TemporaryDirectory() as tmp:
        root, outside = os.fsencode(tmp) + b"/raw", os.fsencode(tmp) + b"/outside.txt"
        os.mkdir(root)
        with open(outside, "wb") as fh:
            fh.write(b"Sub header: S\nOutside raw/: 42 tonnes.\n")
        try:
            try:
                files = _build(root, outside, entries)
            except OSError:  # a name the file system refuses (too long, ...)
                assume(False)
            scan = scan_raw(Path(os.fsdecode(root)), {}, 10**6, follow_links=follow_links)
        finally:
            for dirpath, dirnames, _ in os.walk(root):  # let the temporary folder be removed
                for d in dirnames:
                    p = os.path.join(dirpath, d)
                    if not os.path.islink(p):
                        os.chmod(p, stat.S_IRWXU)
        reports = [r.source_path for r in scan.sources]
        rejected = [e.source_path for e in scan.rejected]
        assert sorted(reports + rejected) == sorted(scan.files), "every name is loaded or rejected, once"
        assert len(set(scan.files)) == len(scan.files)
        for name in scan.files:
            name.encode("utf-8")  # storable text: no lone surrogates
        for err in scan.rejected:
            assert err.check and err.reason.strip(), err.source_path
        for relative in files:  # every regular file we made is in the scan, under its shown name
            assert _display(relative) in scan.files, relative
        if not follow_links:
            outside_sha = sha256_bytes(b"Sub header: S\nOutside raw/: 42 tonnes.\n")
            assert all(r.sha256 != outside_sha for r in scan.sources), "a link out of raw/ was read"


# --- found by these properties ------------------------------------------------------------------

def test_an_empty_title_at_the_very_end_lies_inside_its_section():
    from flows.parse import parse_text

    (section,) = parse_text("Sub header: ").sections
    assert section.char_start <= section.title_char_start <= section.title_char_end <= section.char_end
