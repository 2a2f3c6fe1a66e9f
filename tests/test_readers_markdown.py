"""Markdown reader: the view renders the file character for character; each rule pinned on a small text."""

from __future__ import annotations

import re

import pytest

from flows.document import Document, check_document
from flows.extract import extract_figures
from flows.readers.markdown import read_markdown


def read(source: str) -> Document:
    doc = read_markdown("report.md", "0" * 64, source)
    check_document(doc)
    assert doc.text == source and len(doc.view) == len(source)
    return doc


def view(source: str) -> str:
    return read(source).view


def shown(source: str) -> str:
    """The view with runs of spaces collapsed: what a reader sees."""
    return re.sub(r"[ ]+", " ", view(source)).strip()


def blocks(doc: Document) -> list[tuple[str, str]]:
    return [(b.kind, doc.text[b.char_start:b.char_end]) for b in doc.blocks]


def figures(source: str) -> list[tuple[float, str]]:
    return [(f.value, f.unit) for f in extract_figures(view(source))]


# --------------------------------------------------------------------------------------------
# Syntax blanked


@pytest.mark.parametrize("source, rendered", [
    ("**12%** and __bold__ and *it* and _it_", "12% and bold and it and it"),
    ("snake_case_name and 2 * 3 * 4 stay", "snake_case_name and 2 * 3 * 4 stay"),
    ("a lone * and 1,234* stay", "a lone * and 1,234* stay"),
    ("~~old~~ new", "old new"),
    ("[the report](https://example.org/a_b_c) and <https://example.org>", "the report and https://example.org"),
    ("[ref style][1] link", "ref style link"),
    ("before ![chart](img/p2.png) after", "before after"),
    ("![Figure 2: Energy by source](img/f2.png)", "Figure 2: Energy by source"),
    ("fell 12%[^3] in 2023", "fell 12% in 2023"),
    ("a <!-- page 4 --> b <span class='x'>c</span> d<br/>e", "a b c d e"),
    ("use `x_1 * y` here", "use x_1 * y here"),
    ("R&amp;D &lt;5% and 5&#37;", "R& D <5% and 5%"),  # a character sits against the number it belongs to
    (r"not \*emphasis\* and 2\. and \# and \[x\]", "not *emphasis* and 2. and # and [x]"),
])
def test_inline_syntax_is_blanked(source, rendered):
    assert shown(source) == rendered


def test_view_keeps_line_breaks_and_length():
    source = "# T\r\n\r\n> quoted **text**\r\n> more\r\n"
    v = view(source)
    assert [m.start() for m in re.finditer(r"[\r\n]", v)] == [m.start() for m in re.finditer(r"[\r\n]", source)]
    assert v.split("\r\n")[2].strip() == "quoted   text"


# --------------------------------------------------------------------------------------------
# Headings


def test_atx_headings_span_their_title_only():
    doc = read("# Climate\n\n## Scope 1 and 2 ##\n\n### **Water** use\n\n####### not a heading\n")
    assert [(h.level, doc.text[h.char_start:h.char_end]) for h in doc.headings] == [
        (1, "Climate"), (2, "Scope 1 and 2"), (3, "**Water** use")]
    h2 = doc.headings[1]
    assert doc.text[h2.line_start:h2.line_end] == "## Scope 1 and 2 ##"
    assert doc.view[h2.line_start:h2.line_end].strip() == "Scope 1 and 2"
    assert blocks(doc) == [("text", "####### not a heading")]


def test_heading_title_leaves_out_anchor_tags():
    doc = read('# <span id="page-3-0"></span>Climate <a id="x"></a>\n\n<span id="page-4-1"></span>Text.\n')
    assert [doc.text[h.char_start:h.char_end] for h in doc.headings] == ["Climate"]
    assert blocks(doc) == [("text", "Text.")]


def test_setext_headings():
    doc = read("Annual Report\n=============\n\nEnergy *use*\n---\n\nText.\n")
    assert [(h.level, doc.text[h.char_start:h.char_end]) for h in doc.headings] == [
        (1, "Annual Report"), (2, "Energy *use*")]
    assert "=" not in doc.view and "-" not in doc.view


# --------------------------------------------------------------------------------------------
# Math


@pytest.mark.parametrize("source, rendered", [
    (r"$3 \%$", "3%"),
    (r"${ }^{1}$", ""),
    (r"$>0.8$", ">0.8"),
    (r"$25.3^{2}$", "25.3"),
    (r"$\mathrm{tCO}_{2}\mathrm{e}$", "tCO2e"),
    (r"$\text{tCO}_2\text{e}$", "tCO2e"),
    (r"$1,234$", "1,234"),
    (r"$1,234 \mathrm{tCO}_{2}\mathrm{e}$", "1,234 tCO2e"),
    (r"$\geq 95 \%$", "≥95%"),
    (r"$\leq 5 \mathrm{~mg}$", "≤5 mg"),
    (r"$CO_{2}$", "CO2"),
    (r"$\mathrm{m}^{3}$", "m3"),
    (r"$25^{\circ} \mathrm{C}$", "25°C"),
    (r"$2 0 2 3$", "2023"),
    (r"$1{,}234$", "1,234"),
    (r"$1\,234$", "1\u2009234"),
    (r"$-5.2 \%$", "-5.2%"),
    (r"$\sim 50 \%$", "~50%"),
    (r"$$1.5 \times 10^{6}$$", "1.5× 10^6"),
    (r"\(12.5 \%\)", "12.5%"),
])
def test_latex_renders_as_text(source, rendered):
    assert re.sub(" +", " ", view(source)).strip() == rendered


def test_a_number_in_math_sits_at_its_own_digits():
    source = r"Scope 1 was $1,234 \mathrm{tCO}_{2}\mathrm{e}$ and $12.5 \%$."
    v = view(source)
    for number in ("1,234", "12.5"):
        at = source.index(number)
        assert v[at:at + len(number)] == number
    assert figures(source) == [(1234, "tCO2e"), (12.5, "%")]


def test_footnote_markers_in_math_do_not_glue_onto_numbers():
    assert figures(r"We used $25.3^{2}$ MWh and sent 1,200 tonnes${ }^{1}$ of waste to landfill.") == [
        (25.3, "MWh"), (1200, "t")]


@pytest.mark.parametrize("source, rendered", [
    ("We spent $5 million and $3 million.", "We spent $5 million and $3 million."),
    ("It cost US$5 and US$6 per unit.", "It cost US$5 and US$6 per unit."),
    (r"A \$5 fee and \$6 fee", "A $5 fee and $6 fee"),
    (r"Capex of $5 million; a $3 \%$ share", "Capex of $5 million; a 3% share"),
    ("from $5 to $10", "from $5 to $10"),
    ("$5m/$3m", "$5m/$3m"),
])
def test_dollar_math_is_told_from_money(source, rendered):
    assert shown(source) == rendered
    money = [f.value for f in extract_figures(view(source)) if f.unit == "USD"]
    assert money and money == [f.value for f in extract_figures(rendered) if f.unit == "USD"]


def test_math_dollars_are_never_money():
    source = r"Renewables were $3 \%$ and $45 \%$ of supply, a ratio of $0.8$."
    assert "$" not in view(source)
    assert figures(source) == [(3, "%"), (45, "%")]


def test_code_keeps_dollars():
    assert view("`$x$` and\n\n```\n$3 \\%$\n```\n").splitlines()[3] == "$3 \\%$"


# --------------------------------------------------------------------------------------------
# Blocks


def test_paragraphs_lists_quotes_and_code():
    doc = read("Intro 5%.\nsame paragraph.\n\n- one 1%\n- two 2%\n  1. nested\n\n> quoted 3%\n> still\n\n"
               "```python\nx = 4\n```\n\n    indented 7%\n")
    assert blocks(doc) == [("text", "Intro 5%.\nsame paragraph."), ("list", "- one 1%\n- two 2%\n  1. nested"),
                           ("text", "quoted 3%\n> still"), ("text", "indented 7%")]
    assert doc.view.count(">") == 0 and "```" not in doc.view and "x = 4" in doc.view


def test_references_under_a_heading_and_footnote_definitions():
    doc = read("# Results\n\nFell 4%[^1].\n\n## References\n\n1. IEA, 2023.\n2. WRI, 2004.\n\n"
               "# Annex\n\nAnnex 3%.\n\n[^1]: https://example.org/source\n[^2]: Location-based, 12 sites.\n")
    assert blocks(doc) == [("text", "Fell 4%[^1]."), ("references", "1. IEA, 2023.\n2. WRI, 2004."),
                           ("text", "Annex 3%."), ("references", "1]: https://example.org/source"),
                           ("references", "2]: Location-based, 12 sites.")]
    assert re.sub(" +", " ", doc.view.splitlines()[-1]).strip() == "2 Location-based, 12 sites."


def test_link_definitions_and_front_matter_are_blank():
    doc = read("---\ntitle: Acme ESG Report 2023\norganization: Acme plc\nurl: https://acme.example/esg\n---\n\n"
               "Text 5%.\n\n[site]: https://acme.example\n")
    assert doc.view.strip() == "Text 5%."
    assert blocks(doc) == [("text", "Text 5%.")]
    assert (doc.info.report_title, doc.info.reporting_entity, doc.info.source_url) == (
        "Acme ESG Report 2023", "Acme plc", "https://acme.example/esg")
    assert doc.info.origin["report_title"] == "markdown front matter"


def test_report_title_from_the_first_top_heading():
    doc = read("Cover text\n\n# Sustainability Report *2023*\n\n# Other\n")
    assert doc.info.report_title == "Sustainability Report 2023"
    assert doc.info.origin == {"report_title": "markdown heading"}


def test_caption_lines_are_captions():
    doc = read("Figure 4: Water withdrawal by site, 2023\n\nTable 2. Waste (t)\n\n| Site | t |\n|---|---|\n| A | 3 |\n")
    assert blocks(doc)[:2] == [("caption", "Figure 4: Water withdrawal by site, 2023"), ("caption", "Table 2. Waste (t)")]
    table = doc.tables[0]
    assert doc.text[table.caption_start:table.caption_end] == "Table 2. Waste (t)"


# --------------------------------------------------------------------------------------------
# Tables


def test_pipe_table_cells_are_trimmed_spans_of_the_source():
    source = ("| Metric | 2022 | 2023 |\n|:---|---:|:---:|\n| Scope 1 (tCO2e) | 1,400 | $1,234$ |\n"
              "| Water \\| waste | | **7** |\n")
    doc = read(source)
    table = doc.tables[0]
    assert (table.n_rows, table.n_cols, table.header_rows) == (3, 3, 1)
    grid = {(c.row, c.col): (source[c.char_start:c.char_end], c.header) for c in table.cells}
    assert grid[0, 0] == ("Metric", True)
    assert grid[1, 2] == ("$1,234$", False)
    assert grid[2, 0] == ("Water \\| waste", False)
    assert grid[2, 1] == ("", False)
    assert grid[2, 2] == ("**7**", False)
    assert doc.view.splitlines()[1].strip() == ""  # the delimiter row is not a row
    assert "|" not in doc.view.replace("\\|", "").replace(" | ", "")  # pipes blanked, the escaped one kept
    assert blocks(doc) == [("table", source.rstrip("\n"))]


def test_a_second_header_row_when_it_is_evident():
    doc = read("| | Group | | Site | |\n|---|---|---|---|---|\n| | 2022 | 2023 | 2022 | 2023 |\n"
               "| Scope 1 | 5 | 6 | 1 | 2 |\n")
    assert doc.tables[0].header_rows == 2
    doc = read("| Scope | 2022 | 2023 |\n|---|---|---|\n| Scope 1 | 5 | 6 |\n| Scope 2 | 7 | 8 |\n")
    assert doc.tables[0].header_rows == 1


def test_a_table_markdown_it_refuses_is_still_a_table():
    doc = read("Text above.\n| A | B |\n|---|---|---|\n| 1 | 2 |\n")
    assert [b.kind for b in doc.blocks] == ["text", "table"]
    assert doc.tables[0].n_rows == 2


def test_html_table_inside_markdown():
    source = ("Intro.\n\n<html><body><table><caption>Table 5: Energy</caption>"
              "<tr><td rowspan=\"2\">Source</td><td colspan=\"2\">GWh</td></tr>\n\n"
              "<tr><td>2022</td><td>2023</td></tr><tr><td>Solar &amp; wind</td><td>$1,234$</td>"
              "<td><b>1,500</b><sup>1</sup></td></tr></table></body></html>\n\nAfter 5%.\n")
    doc = read(source)
    table = doc.tables[0]
    assert (table.n_rows, table.n_cols, table.header_rows) == (3, 3, 2)
    grid = {(c.row, c.col): (source[c.char_start:c.char_end], c.row_span, c.col_span, c.header) for c in table.cells}
    assert grid[0, 0] == ("Source", 2, 1, True)
    assert grid[0, 1] == ("GWh", 1, 2, True)
    assert grid[2, 0] == ("Solar &amp; wind", 1, 1, False)
    assert grid[2, 1] == ("$1,234$", 1, 1, False)
    assert grid[2, 2][0] == "1,500</b><sup>1"  # the cell's characters, edge tags trimmed
    cell_views = {(c.row, c.col): doc.view[c.char_start:c.char_end].strip() for c in table.cells}
    assert (cell_views[2, 0], cell_views[2, 1], cell_views[2, 2]) == ("Solar &     wind", "1,234", "1,500")
    assert "<" not in doc.view and ">" not in doc.view
    assert doc.text[table.caption_start:table.caption_end] == "Table 5: Energy"
    assert [k for k, _ in blocks(doc)] == ["text", "caption", "table", "text"]


def test_an_unclosed_html_table_ends_at_a_blank_line():
    doc = read("<table><tr><td>Site</td><td>2023</td></tr><tr><td>A</td><td>5 ML</td>\n\nAfter the table 7%.\n")
    assert [k for k, _ in blocks(doc)] == ["table", "text"]
    assert doc.tables[0].n_rows == 2 and doc.view.rstrip().endswith("After the table 7%.")


def test_html_table_with_th_markup():
    doc = read("<table><thead><tr><th>Site</th><th>2023</th></tr></thead><tr><td>A</td><td>5</td></tr></table>\n")
    assert doc.tables[0].header_rows == 1
    assert [c.header for c in doc.tables[0].cells] == [True, True, False, False]


def test_table_in_a_list_belongs_to_the_list_block():
    doc = read("- item\n\n  | A | B |\n  |---|---|\n  | 1 | 2 |\n- next\n")
    assert [k for k, _ in blocks(doc)] == ["list"]
    assert len(doc.tables) == 1 and doc.tables[0].n_rows == 2


def test_malformed_markdown_reads():
    for source in ["$", "$$", "[", "![", "<", "`", "**", "| a |\n|---|", "<table><tr><td>x",
                   "$\\frac{$", "${{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{x$",
                   "\\", "[^1]:", "---\ntitle: x\n", "&#99999999;", "<sup>1", "\x00 text"]:
        read(source)
    big = ("Emissions fell $12 \\%$ to **1,234** tCO2e in [FY2023](x). " * 40 + "\n\n") * 300
    doc = read(big)
    assert len(doc.blocks) == 300
