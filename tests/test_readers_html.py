"""HTML reader: each rule pinned on a small page; malformed pages read without crashing."""

from __future__ import annotations

import pytest

from flows.document import Document, check_document
from flows.extract import extract_figures
from flows.readers.html import guess_header_rows, place_cells, read_html, render_superscript


def read(page: str) -> Document:
    doc = read_html("page.html", "0" * 64, page)
    check_document(doc)
    assert doc.view == doc.text
    return doc


def spans(doc: Document, kind: str | None = None) -> list[str]:
    return [doc.text[b.char_start:b.char_end] for b in doc.blocks if kind is None or b.kind == kind]


def cells(doc: Document, table: int = 0) -> dict[tuple[int, int], tuple[str, bool, int, int]]:
    t = doc.tables[table]
    return {(c.row, c.col): (doc.text[c.char_start:c.char_end], c.header, c.row_span, c.col_span) for c in t.cells}


# --------------------------------------------------------------------------------------------
# Main content


def test_page_furniture_is_stripped_and_main_preferred():
    doc = read("""<html><head><title>T</title><style>.a{b:c}</style><script>var n = 12;</script></head><body>
        <div class="cookie-notice">We use cookies</div>
        <header><nav><a href="/">Home</a> <a href="/x">Our 40 sites</a></nav></header>
        <aside>Related: 7 stories</aside>
        <main><h1>Report</h1><p>Emissions fell 12% in 2023.</p>
          <noscript>Enable JavaScript</noscript><template><p>Hidden 9 MWh</p></template>
          <svg><text>5 GW</text></svg><form><input value="x"><button>Go</button></form></main>
        <p>Outside main: 3 awards.</p>
        <footer>Copyright 2024</footer></body></html>""")
    assert doc.text == "Report\n\nEmissions fell 12% in 2023."


def test_without_main_the_body_is_read_minus_navigation():
    doc = read("""<body><nav>Menu 1 2 3</nav><div id="content"><h2>Water</h2><p>We used 5 ML.</p></div>
        <div class="site-footer">Footer 2024</div></body>""")
    assert doc.text == "Water\n\nWe used 5 ML."


def test_a_tiny_main_is_not_trusted():
    body = "<p>" + "Our report text with 5% figures. " * 20 + "</p>"
    doc = read(f"<body><main><p>Hi</p></main>{body}</body>")
    assert doc.text.startswith("Hi\n\nOur report text with 5% figures.")


def test_a_page_inside_one_form_is_kept():
    """ASP.NET pages wrap everything in <form>: a wrapper holding most of the text is not furniture."""
    doc = read("<body><form id='aspnetForm'><h1>Report</h1><p>" + "Scope 1 fell 4%. " * 10 + "</p></form></body>")
    assert doc.text.startswith("Report\n\nScope 1 fell 4%.")


def test_hidden_elements_are_left_out_but_closed_panels_are_read():
    doc = read("""<main><p>Shown 1%</p><div role="tabpanel" hidden><p>FY2022 tab 2%</p></div>
        <p style="display: none">Hidden 3%</p><p aria-hidden="true">Hidden 4%</p></main>""")
    assert spans(doc) == ["Shown 1%", "FY2022 tab 2%"]


def test_boilerplate_is_named_by_whole_class_names():
    doc = read("""<main><div class="share-bar">Share 3</div><div class="social-links">Follow 2</div>
        <nav class="breadcrumb">Home / ESG</nav><div id="cookie_banner">OK</div><div class="modal fade">x</div>
        <section id="social"><h2>Social</h2><p>Women hold 41% of roles.</p></section>
        <p class="market-share">Our market share is 12%.</p><div class="menu-of-options">Menu</div></main>""")
    assert spans(doc) == ["Women hold 41% of roles.", "Our market share is 12%."]


def test_a_page_header_holding_the_title_is_kept():
    doc = read("<body><header><h1>Climate Report 2023</h1></header><div><p>Text 5%.</p></div>"
               "<header><a href='/'>Logo</a><nav>Menu</nav><h1>Site</h1></header></body>")
    assert [doc.text[h.char_start:h.char_end] for h in doc.headings] == ["Climate Report 2023"]


def test_header_inside_an_article_is_content():
    doc = read("<article><header><h1>Climate report</h1></header><p>Text 5%.</p></article>")
    assert [doc.text[h.char_start:h.char_end] for h in doc.headings] == ["Climate report"]


# --------------------------------------------------------------------------------------------
# Text


def test_entities_are_decoded_and_whitespace_collapsed():
    doc = read("<p>R&amp;D   spend\n\t rose &gt; 5&#37; to &euro;3&nbsp;million &mdash; &#x2265;2</p>")
    assert doc.text == "R&D spend rose > 5% to €3 million — ≥2"


def test_a_no_break_space_grouping_digits_is_kept():
    doc = read("<p>We planted 12&nbsp;345 trees.</p>")
    assert doc.text == "We planted 12\u00a0345 trees."


def test_blocks_headings_lists_and_breaks():
    doc = read("""<main><h1>Top</h1><h2>Sub</h2><h5>Deep</h5><h6>Deeper</h6>
        <p>Line one<br>line two</p><div>Block <span>inline</span> text</div>
        <p>Para<br><br>after two breaks</p>
        <ul><li>First</li><li>Second<ul><li>Nested</li></ul></li></ul>
        <ol><li><p>Item with a paragraph</p></li><li>Next</ol></main>""")
    assert [(h.level, doc.text[h.char_start:h.char_end]) for h in doc.headings] == [
        (1, "Top"), (2, "Sub"), (5, "Deep"), (6, "Deeper")]
    assert spans(doc) == ["Line one\nline two", "Block inline text", "Para", "after two breaks",
                          "First\nSecond\nNested", "Item with a paragraph\nNext"]
    assert [b.kind for b in doc.blocks] == ["text", "text", "text", "text", "list", "list"]
    assert "\n\nTop\n\nSub\n\n" not in doc.text and doc.text.startswith("Top\n\nSub\n\nDeep")


def test_scripts_and_subscripts():
    doc = read("<p>We emitted 1,234 tCO<sub>2</sub>e<sup>1</sup> and used 5,000 m<sup>3</sup> of water"
               "<sup><a href='#fn2'>2</a></sup>; the 2<sup>nd</sup> plant ran at 25<sup>o</sup>C.</p>")
    assert doc.text == "We emitted 1,234 tCO2e and used 5,000 m3 of water; the 2nd plant ran at 25°C."
    assert [(f.value, f.unit) for f in extract_figures(doc.text)][:2] == [(1234, "tCO2e"), (5000, "m3")]


@pytest.mark.parametrize("before, script, rendered", [
    ("5,000 m", "3", "3"), ("area in km", "2", "2"), ("emissions", "1", ""), ("25.3", "2", ""),
    ("1,234", "a", ""), ("total", "*", ""), ("25", "°", "°"), ("3 × 10", "6", "^6"), ("2", "nd", "nd"),
    ("Brand", "TM", "TM"), ("kg m", "-2", "-2"), ("see note", "[12]", ""),
])
def test_superscripts(before, script, rendered):
    assert render_superscript(before, script) == rendered


def test_footnote_links_are_left_out_and_footnote_lists_are_references():
    doc = read("""<main><p>Scope 2 was 870 tCO2e<a href="#fn1" class="footnote-ref" role="doc-noteref"><sup>1</sup></a>.</p>
        <section class="footnotes"><ol><li id="fn1">Market-based. <a href="#fnref1" role="doc-backlink">↩</a></li></ol></section>
        <ol><li id="fn-2">Another note</li></ol></main>""")
    assert spans(doc) == ["Scope 2 was 870 tCO2e.", "Market-based.", "Another note"]
    assert [b.kind for b in doc.blocks] == ["text", "references", "references"]


def test_sections_under_a_references_heading_are_references():
    doc = read("""<h2>Results</h2><p>Waste fell 8%.</p><h2>References</h2><p>IEA (2023), 45 pp.</p>
        <h3>Web sources</h3><ul><li>Site A</li></ul><h2>Appendix</h2><p>More 3%.</p>""")
    assert [b.kind for b in doc.blocks] == ["text", "references", "references", "text"]


def test_an_articles_own_footer_is_furniture():
    doc = read("<article><p>Text 1%.</p><footer>5 min read</footer></article>")
    assert [(b.kind, doc.text[b.char_start:b.char_end]) for b in doc.blocks] == [
        ("text", "Text 1%."), ("furniture", "5 min read")]


def test_figcaption_is_a_caption():
    doc = read("<figure><img src=a.png alt='x'><figcaption>Figure 2: Energy use 2019-2023</figcaption></figure>")
    assert [(b.kind, doc.text[b.char_start:b.char_end]) for b in doc.blocks] == [
        ("caption", "Figure 2: Energy use 2019-2023")]


def test_report_info_from_meta():
    doc = read("""<html><head><title> Annual
        Report 2023 </title><meta name="author" content="Acme plc"><meta property="og:url" content="https://acme.example/r">
        </head><body><p>x</p></body></html>""")
    assert (doc.info.report_title, doc.info.reporting_entity, doc.info.source_url) == (
        "Annual Report 2023", "Acme plc", "https://acme.example/r")
    assert doc.info.origin == {"report_title": "html meta", "reporting_entity": "html meta", "source_url": "html meta"}


# --------------------------------------------------------------------------------------------
# Tables


def test_table_rows_are_lines_with_cells_between_bars():
    doc = read("""<table><thead><tr><th>Metric</th><th>2022</th><th>2023</th></tr></thead>
        <tbody><tr><th scope="row">Energy (GJ)</th><td>1,200</td><td> 1,100 </td></tr>
        <tr><td>Water &amp; waste</td><td></td><td>7</td></tr></tbody></table>""")
    assert doc.text == "Metric | 2022 | 2023\nEnergy (GJ) | 1,200 | 1,100\nWater & waste |  | 7"
    table = doc.tables[0]
    assert (table.n_rows, table.n_cols, table.header_rows) == (3, 3, 1)
    grid = cells(doc)
    assert grid[0, 1] == ("2022", True, 1, 1)
    assert grid[1, 0] == ("Energy (GJ)", True, 1, 1)  # a row header cell, in a data row
    assert grid[1, 2] == ("1,100", False, 1, 1)
    assert grid[2, 1] == ("", False, 1, 1)
    assert spans(doc, "table") == [doc.text]


def test_rowspan_and_colspan_place_cells_once():
    doc = read("""<table>
        <tr><th rowspan="2">Scope</th><th colspan="2">Group</th><th>Site</th></tr>
        <tr><th>2022</th><th>2023</th><th>2023</th></tr>
        <tr><td>Scope 1</td><td>10</td><td>9</td><td>4</td></tr>
        <tr><td rowspan=2>Scope 2</td><td colspan=2>n/a</td><td>3</td></tr>
        <tr><td>8</td><td>7</td><td>2</td></tr></table>""")
    table = doc.tables[0]
    assert (table.n_rows, table.n_cols, table.header_rows) == (5, 4, 2)
    grid = cells(doc)
    assert grid[0, 0] == ("Scope", True, 2, 1)
    assert grid[0, 1] == ("Group", True, 1, 2)
    assert grid[0, 3] == ("Site", True, 1, 1)
    assert [grid[1, c][0] for c in (1, 2, 3)] == ["2022", "2023", "2023"]
    assert (1, 0) not in grid  # covered by "Scope"
    assert grid[3, 0] == ("Scope 2", False, 2, 1)
    assert grid[3, 1] == ("n/a", False, 1, 2)
    assert [grid[4, c][0] for c in (1, 2, 3)] == ["8", "7", "2"]
    assert doc.text.splitlines()[4] == "8 | 7 | 2"


def test_place_cells_clamps_spans():
    assert place_cells([[(0, 1), (1, 5000)], [(1, 1)]]) == [[(0, 0, 2, 1), (0, 1, 1, 1000)], [(1, 1, 1, 1)]]


def test_a_table_without_th_guesses_its_header_rows():
    doc = read("""<table><tr><td>Indicator</td><td>FY2022</td><td>FY2023</td></tr>
        <tr><td>Scope 1</td><td>1,400</td><td>1,234</td></tr></table>""")
    assert doc.tables[0].header_rows == 1
    assert cells(doc)[0, 2][1] and not cells(doc)[1, 2][1]


@pytest.mark.parametrize("rows, header_rows", [
    ([["Metric", "2022"], ["Scope 1", "12"]], 1),
    ([["Scope 1", "12"], ["Scope 2", "13"]], 0),
    ([["A", "B"], ["C", "D"]], 0),  # no values anywhere: nothing says which row heads the others
    ([["", "Group", ""], ["", "2022", "2023"], ["Scope 1", "5", "6"]], 1),
])
def test_guess_header_rows(rows, header_rows):
    assert guess_header_rows(rows) == header_rows


def test_table_caption_from_caption_element_or_the_line_above():
    doc = read("""<table><caption>Table 4: Water (ML)</caption><tr><th>Site</th><th>2023</th></tr>
        <tr><td>A</td><td>5</td></tr></table>
        <h3>Waste by type</h3><table><tr><th>Type</th><th>t</th></tr><tr><td>Paper</td><td>3</td></tr></table>
        <p>Table 6 - Energy</p><table><tr><th>Fuel</th><th>GJ</th></tr><tr><td>Gas</td><td>9</td></tr></table>
        <p>A long paragraph that introduces the next table and says a lot more than any title would ever say about it,
        going on and on for well over one hundred and fifty characters in total.</p>
        <table><tr><th>X</th></tr><tr><td>1</td></tr></table>""")
    captions = [doc.text[t.caption_start:t.caption_end] if t.caption_start is not None else None for t in doc.tables]
    assert captions == ["Table 4: Water (ML)", "Waste by type", "Table 6 - Energy", None]
    assert [b.kind for b in doc.blocks if b.kind != "table"] == ["caption", "caption", "text"]


def test_headings_in_header_cells_keep_a_data_table():
    doc = read("<table><tr><th><h4>Metric</h4></th><th><h4>2023</h4></th></tr><tr><td>Water (ML)</td><td>5</td></tr></table>")
    assert len(doc.tables) == 1 and doc.headings == []
    assert doc.text == "Metric | 2023\nWater (ML) | 5"


def test_a_layout_table_is_read_as_content():
    doc = read("""<table role="presentation"><tr><td><h2>Energy</h2><p>We used 40 GWh.</p></td>
        <td><p>Side note 3%.</p></td></tr></table>""")
    assert doc.tables == []
    assert [doc.text[h.char_start:h.char_end] for h in doc.headings] == ["Energy"]
    assert spans(doc) == ["We used 40 GWh.", "Side note 3%."]


def test_figure_caption_names_its_table():
    doc = read("<figure><table><tr><th>A</th></tr><tr><td>1</td></tr></table>"
               "<figcaption>Table 9: Totals</figcaption></figure>")
    table = doc.tables[0]
    assert doc.text[table.caption_start:table.caption_end] == "Table 9: Totals"


# --------------------------------------------------------------------------------------------
# Malformed pages


def test_unclosed_tags_and_stray_end_tags():
    doc = read("<div><p>First 1%<p>Second 2%<ul><li>a<li>b</div></td></tr><h2>Next</h3><p>Third 3%")
    assert spans(doc) == ["First 1%", "Second 2%", "a\nb", "Third 3%"]
    assert [doc.text[h.char_start:h.char_end] for h in doc.headings] == ["Next"]


def test_implied_cell_and_row_ends():
    doc = read("<table><tr><th>A<th>B<tr><td>1<td>2</table><p>after</p>")
    assert doc.text == "A | B\n1 | 2\n\nafter"


def test_table_inside_a_table_cell():
    doc = read("<table><tr><th>Site</th><th>Data</th></tr><tr><td>A</td><td><table><tr><td>x</td><td>9</td></tr>"
               "</table></td></tr><tr><td>B</td><td>4</td></tr></table>")
    # a nested table makes the outer one a layout table: its cells are read as content
    assert "x | 9" in doc.text and "B" in doc.text and "4" in doc.text
    assert len(doc.tables) == 1 and cells(doc)[0, 1][0] == "9"


def test_script_containing_closing_tags():
    doc = read("<main><p>Before 1%</p><script>document.write('</div></main><p>fake 99%</p>');</script>"
               "<p>After 2%</p></main>")
    assert spans(doc) == ["Before 1%", "After 2%"]


def test_a_five_megabyte_single_line():
    page = "<html><body><main>" + "<p>Emissions fell 3% in 2023 &amp; more.</p>" * 120_000 + "</main></body></html>"
    assert len(page) > 5_000_000 and "\n" not in page
    doc = read(page)
    assert len(doc.blocks) == 120_000
    assert doc.text[doc.blocks[-1].char_start:doc.blocks[-1].char_end] == "Emissions fell 3% in 2023 & more."


def test_pathological_markup_does_not_crash():
    deep = "<div>" * 5000 + "<p>Deep 5%</p>" + "</span>" * 10
    for page, expected in [
        (deep, "Deep 5%"),
        ("<p>a <![ weird section ]> b 7%</p>", "b 7%"),
        ("<p>open comment <!-- never closed 9%", "open comment"),
        ('<p class="unclosed>text 4%</p><p>next 6%</p>', None),
        ("<p>a</p><![CDATA[x]]><p>ok 1%</p>", "ok 1%"),
        ("<table><td rowspan=0 colspan=-3>x<td rowspan='99999'>y</table>", "x | y"),
        ("</td></tr></table></li>text 2%", "text 2%"),
        ("<p>&#0; &#xFFFFFF; &bogus; &amp</p>", "&bogus;"),
        ("\x00<p>nul</p>", "nul"),
    ]:
        doc = read(page)
        if expected is not None:
            assert expected in doc.text, (page[:60], doc.text[:200])
