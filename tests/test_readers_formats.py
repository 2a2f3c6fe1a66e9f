"""One report written three ways (text, Markdown, HTML) reads the same: prose figures, headings, table.

tests/data/formats/northwind_2023.{txt,md,html} are one small report in our own words. The HTML
version wraps its <main> in navigation, scripts, styles, a cookie banner and a footer that all hold
numbers; the Markdown version is written the way PDF converters write it (LaTeX cells and units,
footnote markers, an image, a setext heading with an escaped number).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from flows.document import PROSE_KINDS, Document, check_document
from flows.extract import extract_figures
from flows.readers import SourceFile, read_document, sniff_format

FORMATS = Path(__file__).parent / "data" / "formats"
REPORT = "northwind_2023"


def read(suffix: str) -> Document:
    path = FORMATS / f"{REPORT}.{suffix}"
    data = path.read_bytes()
    source = SourceFile(str(path), hashlib.sha256(data).hexdigest(), data, sniff_format(path.name, data))
    return read_document(source)  # dispatches to the format's reader and runs check_document


def prose_figures(doc: Document) -> list[list[tuple[float, str]]]:
    """(value, unit) of each prose block's figures, read from the view; blocks without figures left out."""
    out = []
    for block in doc.blocks:
        if block.kind in PROSE_KINDS:
            figures = extract_figures(doc.view[block.char_start:block.char_end])
            if figures:
                out.append([(f.value, f.unit) for f in figures])
    return out


def text_version_figures() -> list[list[tuple[float, str]]]:
    """The .txt version read trivially: blank-line chunks, minus the table and the references."""
    text = (FORMATS / f"{REPORT}.txt").read_text(encoding="utf-8")
    out = []
    for chunk in re.split(r"\n[ \t]*\n", text):
        if chunk.strip() == "References":
            break
        lines = chunk.splitlines()
        if sum(len(re.findall(r"\S {2,}\S", line)) >= 2 for line in lines) >= 2:
            continue  # the table, laid out in columns
        figures = extract_figures(chunk)
        if figures:
            out.append([(f.value, f.unit) for f in figures])
    return out


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    return {"md": read("md"), "html": read("html")}


def test_formats_are_sniffed_and_read(docs):
    assert docs["md"].format == "md" and docs["html"].format == "html"
    for doc in docs.values():
        check_document(doc)
        assert len(doc.view) == len(doc.text)
    assert docs["md"].text == (FORMATS / f"{REPORT}.md").read_text(encoding="utf-8")


def test_prose_figures_are_the_same_in_every_format(docs):
    expected = text_version_figures()
    assert len(expected) == 5  # five prose blocks hold figures in the text version
    assert prose_figures(docs["md"]) == expected
    assert prose_figures(docs["html"]) == expected


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_numbers_sit_at_their_own_digits(docs, fmt):
    """A figure's number in the view is the same characters in the text, so surfaces cut from text hold it."""
    doc = docs[fmt]
    checked = 0
    for block in doc.blocks:
        if block.kind not in PROSE_KINDS:
            continue
        view = doc.view[block.char_start:block.char_end]
        for fig in extract_figures(view):
            number = re.search(r"\d[\d,.]*\d|\d", view[fig.char_start:fig.char_end])
            start = block.char_start + fig.char_start + number.start()
            surface = doc.text[block.char_start + fig.char_start:block.char_start + fig.char_end]
            assert doc.text[start:start + len(number.group())] == number.group(), surface
            checked += 1
    assert checked == 15  # every prose figure of the report


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_headings_nest(docs, fmt):
    doc = docs[fmt]
    titles = [(h.level, re.sub(r"\s+", " ", doc.view[h.char_start:h.char_end]).strip()) for h in doc.headings]
    assert titles == [
        (1, "Northwind Components Sustainability Report 2023"),
        (2, "1. Climate"),
        (3, "1.1 Emissions"),
        (3, "1.2 Targets"),
        (2, "2. Water and waste"),
        (2, "References"),
    ]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_ghg_table(docs, fmt):
    doc = docs[fmt]
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert (table.n_rows, table.n_cols, table.header_rows) == (4, 4, 1)
    grid = {(c.row, c.col): doc.view[c.char_start:c.char_end].strip() for c in table.cells}
    assert [grid[0, c] for c in range(4)] == ["Scope", "2021", "2022", "2023"]
    assert [grid[r, 3] for r in range(1, 4)] == ["1,234", "2,870", "38,200"]  # LaTeX and footnote marker read
    assert grid[3, 0] == "Scope 3 (purchased goods)"
    assert {c.col for c in table.cells if c.row == 0 and c.header} == {0, 1, 2, 3}
    assert not any(c.header for c in table.cells if c.row > 0 and c.col > 0)
    assert doc.text[table.caption_start:table.caption_end] == "Table 1: Greenhouse gas emissions (tCO2e)"
    assert [b.kind for b in doc.blocks if b.char_end <= table.char_start][-1] == "caption"


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_references_and_footnotes_are_not_prose(docs, fmt):
    doc = docs[fmt]
    references = [doc.view[b.char_start:b.char_end] for b in doc.blocks if b.kind == "references"]
    assert any("GHG Protocol Corporate Standard" in r for r in references)
    assert any("supplier-specific emission factors" in r for r in references)
    prose = " ".join(doc.view[b.char_start:b.char_end] for b in doc.blocks if b.kind in PROSE_KINDS)
    assert "GHG Protocol" not in prose and "supplier-specific" not in prose


def test_html_page_noise_is_left_out(docs):
    text = docs["html"].text
    for noise in ("cookies", "offices", "Skip to content", "employees", "Subscribe", "Injected", "fake",
                  "Share this page", "visitors", "font-family"):
        assert noise not in text
    assert "Published 2 April 2024" in text  # the article's own footer stays, as furniture
    furniture = [text[b.char_start:b.char_end] for b in docs["html"].blocks if b.kind == "furniture"]
    assert furniture == ["Published 2 April 2024 · 6 min read"]


def test_html_report_info(docs):
    info = docs["html"].info
    assert info.report_title == "Sustainability Report 2023 | Northwind Components"
    assert info.reporting_entity == "Northwind Components"
    assert info.source_url == "https://northwind.example/sustainability/2023"
    assert set(info.origin.values()) == {"html meta"}


def test_the_three_formats_load_the_same_figures_facts_and_sections():
    """Through the whole processing step: what an analyst queries is the same whatever the format."""
    from flows.process import process_sources
    from flows.read import source_file

    loaded = {}
    for suffix in ("txt", "md", "html"):
        path = FORMATS / f"northwind_2023.{suffix}"
        (doc,) = process_sources([source_file(path.name, path.read_bytes(), 10**8)], "run-1")
        assert doc.rejections == []
        figures = doc.tables["figures"]
        loaded[suffix] = (
            sorted(zip(figures["value"], figures["unit"], figures["year"].fillna(0).astype(int),
                       figures["metric_code"].fillna(""))),
            [(level, title) for level, title in zip(doc.tables["sections"]["level"],
                                                    doc.tables["sections"]["title"].fillna("").str.replace("\\", ""))],
            len(doc.tables["tables"]),
        )
    assert loaded["txt"] == loaded["md"] == loaded["html"]
    figures, sections, n_tables = loaded["txt"]
    assert n_tables == 1 and len(figures) == 24
    assert (1234.0, "tCO2e", 2023, "ghg_scope1") in figures and (3120.0, "tCO2e", 2022, "ghg_scope2_market") in figures
