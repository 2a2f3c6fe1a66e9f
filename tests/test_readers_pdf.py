"""The PDF reader (flows/readers/pdf.py): small PDFs written here pin each rule; the three real
reports in ../shared/corpus/pdf check it on what publishers print (facts below read by eye from
the rendered pages)."""

from __future__ import annotations

import hashlib

import pytest

from flows.document import EncryptedReport, MalformedReport, NoTextLayer, check_document
from flows.readers.pdf import read_pdf
from tests.conftest import CORPUS_DIR

PDF_DIR = CORPUS_DIR / "pdf"

# --------------------------------------------------------------------------------------------
# A tiny PDF writer: text in Helvetica / Helvetica-Bold at given places, optional metadata and
# the standard security handler (RC4, 40-bit) with a user password.

_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for c in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(c ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[tuple]], size=(595, 842), info: dict | None = None,
             user_password: str | None = None, rotate: int = 0) -> bytes:
    """A PDF whose pages hold (x, y from the top, font size, text[, bold]) items, as displayed;
    with rotate=90 the page is stored turned (its text drawn turned, /Rotate 90 turns it back)."""
    width, height = size
    objs: list[bytes | None] = []

    def add(body):
        objs.append(body)
        return len(objs)

    catalog, pages_id = add(None), add(None)
    regular = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    kids = []
    for items in pages:
        ops = []
        for x, y, font_size, text, *rest in items:
            font = "F2" if rest and rest[0] else "F1"
            if rotate == 90:  # displayed (x, y down) is stored at (y, x) and drawn turned
                ops.append(f"BT /{font} {font_size} Tf 0 1 -1 0 {y} {x} Tm ({_literal(text)}) Tj ET")
            else:
                ops.append(f"BT /{font} {font_size} Tf {x} {height - y} Td ({_literal(text)}) Tj ET")
        stream = "\n".join(ops).encode("cp1252")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        box = f"[0 0 {height} {width}] /Rotate 90" if rotate == 90 else f"[0 0 {width} {height}]"
        kids.append(add(f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox {box} /Resources "
                        f"<< /Font << /F1 {regular} 0 R /F2 {bold} 0 R >> >> /Contents {content} 0 R >>".encode()))
    objs[catalog - 1] = f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode()
    objs[pages_id - 1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    trailer = b""
    if info:
        fields = " ".join(f"/{k} ({_literal(v)})" for k, v in info.items())
        trailer += f" /Info {add(f'<< {fields} >>'.encode())} 0 R".encode()
    if user_password is not None:
        file_id = hashlib.md5(b"esg-test").digest()
        owner_pad, user_pad = (b"owner" + _PAD)[:32], (user_password.encode() + _PAD)[:32]
        o = _rc4(hashlib.md5(owner_pad).digest()[:5], user_pad)
        permissions = -44
        key = hashlib.md5(user_pad + o + permissions.to_bytes(4, "little", signed=True) + file_id).digest()[:5]
        encrypt = add(f"<< /Filter /Standard /V 1 /R 2 /O <{o.hex()}> /U <{_rc4(key, _PAD).hex()}> "
                      f"/P {permissions} >>".encode())
        trailer += f" /Encrypt {encrypt} 0 R /ID [<{file_id.hex()}> <{file_id.hex()}>]".encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R" % (len(objs) + 1, catalog) + trailer
    out += b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def read(data: bytes, name: str = "test.pdf"):
    doc = read_pdf(name, hashlib.sha256(data).hexdigest(), data)
    check_document(doc)
    return doc


def blocks_of(doc, kind: str) -> list[str]:
    return [doc.text[b.char_start:b.char_end] for b in doc.blocks if b.kind == kind]


def heading_texts(doc) -> dict[str, int]:
    return {doc.text[h.char_start:h.char_end]: h.level for h in doc.headings}


# Two columns of body text; the sentence "... reached 42 percent of all electricity ..." runs
# from the foot of the left column to the top of the right one.
LEFT = ["Our climate programme began in 2019 and has grown", "every year since. We report on emissions,",
        "energy and water across all sites. In 2023 the", "share of renewable power reached 42 percent"]
RIGHT = ["of all electricity bought by the group. Next year", "we plan to extend the programme to the",
         "suppliers in our value chain and to report", "their emissions under Scope 3 as well."]


def two_column_page(title: str = "Energy and climate") -> list[tuple]:
    items = [(50, 60, 20, title, True)]
    for i, (left, right) in enumerate(zip(LEFT, RIGHT)):
        items.append((50, 110 + 14 * i, 10, left))
        items.append((320, 110 + 14 * i, 10, right))
    return items


def test_two_columns_are_read_column_by_column_and_a_sentence_across_them_stays_whole():
    doc = read(make_pdf([two_column_page()]))
    assert "reached 42 percent\nof all electricity bought by the group." in doc.text
    left_text, right_text = doc.text.index(LEFT[0]), doc.text.index(RIGHT[0])
    assert left_text < doc.text.index(LEFT[-1]) < right_text  # the whole left column first
    for left in LEFT:  # no line mixes the columns
        assert any(line == left for line in doc.text.split("\n"))
    paragraph = [t for t in blocks_of(doc, "text") if "42 percent" in t]
    assert len(paragraph) == 1 and LEFT[0] in paragraph[0] and RIGHT[-1] in paragraph[0]


def test_a_larger_bold_line_is_a_heading_and_not_a_block():
    items = [(50, 60, 22, "Environment", True), (50, 100, 14, "Water use", True),
             (50, 130, 10, "We withdrew 1,200 megalitres of water in 2023, down 4 percent on 2022."),
             (50, 160, 14, "Waste", True), (50, 190, 10, "Waste sent to landfill fell to 310 tonnes in the year.")]
    doc = read(make_pdf([items]))
    levels = heading_texts(doc)
    assert levels == {"Environment": 1, "Water use": 2, "Waste": 2}
    assert not any("Environment" in t or "Water use" in t for t in blocks_of(doc, "text"))
    assert blocks_of(doc, "text") == ["We withdrew 1,200 megalitres of water in 2023, down 4 percent on 2022.",
                                      "Waste sent to landfill fell to 310 tonnes in the year."]


def test_running_footers_and_page_numbers_are_furniture():
    pages = []
    for n in range(1, 5):
        items = two_column_page(f"Section {n}")
        items.append((50, 815, 8, "Acme Group Sustainability Report 2023"))
        items.append((530, 815, 8, str(n + 1)))
        pages.append(items)
    doc = read(make_pdf(pages))
    furniture = blocks_of(doc, "furniture")
    assert furniture.count("Acme Group Sustainability Report 2023") == 4
    assert [t for t in furniture if t.isdigit()] == ["2", "3", "4", "5"]
    for kind in ("text", "list", "caption"):
        assert not any("Acme Group" in t for t in blocks_of(doc, kind))
    # each footer sits on its own page
    for page in doc.pages:
        assert "Acme Group Sustainability Report 2023" in doc.text[page.char_start:page.char_end]


def test_a_table_of_figures_becomes_rows_with_cells_and_a_header():
    items = [(50, 60, 10, "We report our emissions every year, as the table below shows in full."),
             (50, 100, 10, "Table 2: Greenhouse gas emissions (tCO2e)", True),
             (50, 125, 9, "Scope", True), (300, 125, 9, "2022", True), (400, 125, 9, "2023", True)]
    rows = [("Scope 1", "12,400", "11,950"), ("Scope 2 (market-based)", "8,310", "6,020"),
            ("Scope 3", "140,200", "151,000")]
    for i, (label, a, b) in enumerate(rows):
        items += [(50, 145 + 16 * i, 9, label), (300, 145 + 16 * i, 9, a), (400, 145 + 16 * i, 9, b)]
    items.append((50, 230, 10, "Scope 3 grew because more suppliers reported their own data this year."))
    doc = read(make_pdf([items]))
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert (table.n_rows, table.n_cols, table.header_rows) == (4, 3, 1)
    assert doc.text[table.caption_start:table.caption_end] == "Table 2: Greenhouse gas emissions (tCO2e)"
    cells = {(c.row, c.col): doc.text[c.char_start:c.char_end] for c in table.cells}
    assert cells[(0, 1)] == "2022" and cells[(2, 0)] == "Scope 2 (market-based)" and cells[(3, 2)] == "151,000"
    assert all(c.header == (c.row == 0) for c in table.cells)
    assert "Scope 2 (market-based) | 8,310 | 6,020" in doc.text
    table_blocks = [b for b in doc.blocks if b.kind == "table"]
    assert [(b.char_start, b.char_end) for b in table_blocks] == [(table.char_start, table.char_end)]
    assert any("more suppliers reported" in t for t in blocks_of(doc, "text"))  # prose stays prose


def test_prose_beside_short_lines_is_not_a_table():
    # a label column and a prose column: gaps line up, but the right column is sentences
    items = []
    for i, (label, prose) in enumerate([("Energy", "We cut energy use by replacing old boilers"),
                                        ("Water", "and we now reuse water at three sites, which"),
                                        ("Waste", "halved the volume sent to treatment plants."),
                                        ("People", "Training hours per employee rose again.")]):
        items += [(50, 100 + 14 * i, 10, label), (200, 100 + 14 * i, 10, prose)]
    doc = read(make_pdf([items]))
    assert doc.tables == []


def test_metadata_title_and_organisation_are_kept_and_junk_titles_are_not():
    page = [[(50, 60, 10, "Some text on the page about our sustainability work in 2023.")]]
    doc = read(make_pdf(page, info={"Title": "Acme Sustainability Report 2023", "Author": "Acme Holdings Ltd"}))
    assert doc.info.report_title == "Acme Sustainability Report 2023"
    assert doc.info.reporting_entity == "Acme Holdings Ltd"
    assert doc.info.origin == {"report_title": "pdf metadata", "reporting_entity": "pdf metadata (Author)"}
    for junk in ("Untitled", "report_final_v3.indd", "Microsoft Word - esg.docx"):
        doc = read(make_pdf(page, info={"Title": junk, "Author": "Jane Smith"}))
        assert doc.info.report_title is None and doc.info.reporting_entity is None and doc.info.origin == {}


def test_a_pdf_without_a_text_layer_is_rejected_with_the_fix():
    with pytest.raises(NoTextLayer, match="scan.pdf: no text layer: OCR it first"):
        read_pdf("scan.pdf", "0" * 64, make_pdf([[], []]))


def test_an_encrypted_pdf_is_rejected_with_the_fix():
    data = make_pdf([[(50, 60, 10, "Secret figures")]], user_password="s3cret")
    with pytest.raises(EncryptedReport, match=r"locked.pdf: encrypted: .*remove the password"):
        read_pdf("locked.pdf", "0" * 64, data)


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.1])
def test_a_truncated_pdf_is_malformed_with_pdfiums_reason(cut):
    data = make_pdf([two_column_page()])
    with pytest.raises(MalformedReport, match=r"broken.pdf: PDFium cannot read it \(.+\)"):
        read_pdf("broken.pdf", "0" * 64, data[: int(len(data) * cut)])


def test_garbage_after_the_pdf_header_is_malformed():
    with pytest.raises(MalformedReport, match="junk.pdf"):
        read_pdf("junk.pdf", "0" * 64, b"%PDF-1.7\n" + bytes(range(256)) * 20)


# --------------------------------------------------------------------------------------------
# The real reports

CORPUS = {"blackrock_2023_tcfd_report.pdf": 45, "alfa_laval_2023_sustainability_notes.pdf": 14,
          "ntt_data_2014_csr_report_highlights.pdf": 36}
_DOCS: dict = {}


def corpus_doc(name: str):
    path = PDF_DIR / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    if name not in _DOCS:
        _DOCS[name] = read(path.read_bytes(), str(path))
    return _DOCS[name]


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_pages_tile_the_text_with_form_feeds_between_them(name):
    doc = corpus_doc(name)
    check_document(doc)
    assert [p.page_number for p in doc.pages] == list(range(1, CORPUS[name] + 1))
    assert doc.pages[0].char_start == 0 and doc.pages[-1].char_end == len(doc.text)
    for page, following in zip(doc.pages, doc.pages[1:]):
        assert doc.text[page.char_end] == "\f" and following.char_start == page.char_end + 1
    assert doc.text.count("\f") == CORPUS[name] - 1
    assert doc.format == "pdf" and doc.view == doc.text


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_blocks_and_headings_do_not_overlap_each_other(name):
    doc = corpus_doc(name)
    spans = sorted([(b.char_start, b.char_end) for b in doc.blocks] + [(h.char_start, h.char_end) for h in doc.headings])
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        assert e1 <= s2, (doc.text[s1:e1], doc.text[s2:e2])
    for span in spans:
        assert "\f" not in doc.text[span[0]:span[1]]


def test_blackrock_three_columns_read_in_order():
    doc = corpus_doc("blackrock_2023_tcfd_report.pdf")
    # p.14: column 2 ends "... employs an interdisciplinary toolkit to", column 3 begins
    # "construct portfolios addressing clients' needs and helping"
    sentence = "employs an interdisciplinary toolkit to\nconstruct portfolios addressing clients’ needs and helping"
    assert sentence in doc.text
    start = doc.text.index(sentence)
    assert doc.page_at(start) == 14
    block = [b for b in doc.blocks if b.char_start <= start < b.char_end]
    assert len(block) == 1 and block[0].kind == "text"
    assert doc.text[block[0].char_start:].startswith("Fundamental equity. In fundamental active equities")
    # p.4: the call-out figures beside the text are not mixed into its lines
    assert ("BlackRock is a publicly traded investment management firm that provides a\nbroad range of "
            "investment management and technology services to\ninstitutional and retail clients worldwide.") in doc.text
    assert "$802 bn\nAUM in sustainable" in doc.text


def test_blackrock_headings():
    doc = corpus_doc("blackrock_2023_tcfd_report.pdf")
    found = {(doc.text[h.char_start:h.char_end], doc.page_at(h.char_start)): h.level for h in doc.headings}
    for title, page in [("Governance", 9), ("Board oversight", 9), ("Management oversight", 9),
                        ("Corporate GHG emissions", 32), ("Executive summary", 4),
                        ("BlackRock’s approach to the low-\ncarbon transition", 4)]:
        assert (title, page) in found, title
    assert found[("Governance", 9)] < found[("Board oversight", 9)]
    assert found[("Executive summary", 4)] < found[("BlackRock’s approach to the low-\ncarbon transition", 4)]
    assert found[("Board oversight", 9)] == found[("Management oversight", 9)]


def test_alfa_laval_headings():
    doc = corpus_doc("alfa_laval_2023_sustainability_notes.pdf")
    found = {(doc.text[h.char_start:h.char_end], doc.page_at(h.char_start)): h.level for h in doc.headings}
    assert ("Note 2. Climate", 4) in found
    assert ("1.19 Collective bargaining agreements (GRI 2-30).", 4) in found
    assert found[("Note 2. Climate", 4)] < found[("1.19 Collective bargaining agreements (GRI 2-30).", 4)]


@pytest.mark.parametrize("name, footer, pages", [
    ("blackrock_2023_tcfd_report.pdf", "BlackRock 2023 TCFD Report", 40),
    ("alfa_laval_2023_sustainability_notes.pdf", "Sustainability notes", 8),
])
def test_corpus_running_footers_are_furniture_and_never_body_text(name, footer, pages):
    doc = corpus_doc(name)
    furniture = [b for b in doc.blocks if b.kind == "furniture" and doc.text[b.char_start:b.char_end] == footer]
    assert len({doc.page_at(b.char_start) for b in furniture}) >= pages
    for b in doc.blocks:
        if b.kind != "furniture":
            assert doc.text[b.char_start:b.char_end].strip() != footer
            assert footer not in doc.text[b.char_start:b.char_end].split("\n")


def test_blackrock_job_numbers_in_the_footer_are_furniture():
    doc = corpus_doc("blackrock_2023_tcfd_report.pdf")
    job = [b for b in doc.blocks if "NM0424U-3488987" in doc.text[b.char_start:b.char_end]]
    assert len(job) == 45 and all(b.kind == "furniture" for b in job)
    assert doc.text[job[31].char_start:job[31].char_end] == "NM0424U-3488987-32/45"


def _table_lookup(doc, table) -> dict[tuple[str, str], str]:
    """(row label, column header) -> cell text, for the rows below the header."""
    cells = {(c.row, c.col): doc.text[c.char_start:c.char_end] for c in table.cells}
    header = {c.col: doc.text[c.char_start:c.char_end] for c in table.cells if c.row == table.header_rows - 1}
    return {(cells[(r, 0)], header[col]): text for (r, col), text in cells.items()
            if r >= table.header_rows and col > 0 and (r, 0) in cells and col in header}


def test_blackrock_ghg_table_cells():
    doc = corpus_doc("blackrock_2023_tcfd_report.pdf")
    tables = [t for t in doc.tables if t.caption_start is not None
              and doc.text[t.caption_start:t.caption_end] == "Exhibit M.2: Corporate GHG emissions"]
    assert len(tables) == 1
    table = tables[0]
    assert doc.page_at(table.char_start) == 32 and table.n_cols == 6 and table.header_rows == 1
    lookup = _table_lookup(doc, table)
    for label, column, value in [("Scope 1", "2019* (baseline)", "5,882"), ("Scope 1", "2022", "5,765§"),
                                 ("6. Business travelg,i", "2021", "3,079§"),
                                 ("Total electricity consumed (MWh)o", "% Change from 2019*", "7%"),
                                 ("Percent renewable electricityp", "2022", "100%"),
                                 ("2. Capital goodsb,c,d", "2020*", "2,337")]:
        assert lookup[(label, column)] == value, (label, column)
    # a label wrapped over two lines is one cell; the table's rows are one `table` block
    assert ("3. Fuel- and energy-related activities (location-based)**,e", "2021") in lookup
    assert [b.kind for b in doc.blocks if b.char_start <= table.char_start < b.char_end] == ["table"]


def test_blackrock_table_with_figures_centred_against_two_line_labels():
    # p.38, Exhibit M.5: labels in two lines, the figures centred between them
    doc = corpus_doc("blackrock_2023_tcfd_report.pdf")
    tables = [t for t in doc.tables if doc.page_at(t.char_start) == 38]
    assert len(tables) == 1
    lookup = _table_lookup(doc, tables[0])
    assert lookup[("Absolute emissions (million tCO2e)", "2022‡")] == "332.3"
    assert lookup[("Unadjusted carbon footprint", "2021†")] == "50"
    assert lookup[("Adjusted carbon footprint", "2022‡")] == "62"


def test_alfa_laval_headcount_table_cells():
    doc = corpus_doc("alfa_laval_2023_sustainability_notes.pdf")
    tables = [t for t in doc.tables if doc.page_at(t.char_start) == 3
              and doc.text[t.char_start:t.char_end].startswith("Headcount per December 31, 2023* | Asia")]
    assert tables
    lookup = _table_lookup(doc, tables[0])
    assert lookup[("Number of temporary employees", "Nordic")] == "516"
    assert lookup[("Number of part-time employees", "Total")] == "521"
    assert lookup[("Number of employees", "Central & Eastern Europe")] == "735"  # a header over 3 lines
    assert lookup[("Number of permanent employees", "Western Europe")] == "2 393"


# Figures as printed, and the page (as a PDF viewer counts) they were seen on.
FIGURES = [
    ("blackrock_2023_tcfd_report.pdf", "$61 billion", 14),
    ("blackrock_2023_tcfd_report.pdf", "250,345", 32),
    ("blackrock_2023_tcfd_report.pdf", "75,760", 32),
    ("blackrock_2023_tcfd_report.pdf", "$802 bn", 4),
    ("alfa_laval_2023_sustainability_notes.pdf", "16 689", 3),
    ("ntt_data_2014_csr_report_highlights.pdf", "2,803,744t-CO2", 27),
    ("ntt_data_2014_csr_report_highlights.pdf", "48,342", 34),
    ("ntt_data_2014_csr_report_highlights.pdf", "46,132", 34),
]


@pytest.mark.parametrize("name, figure, page", FIGURES)
def test_corpus_figures_are_on_the_page_they_are_printed_on(name, figure, page):
    doc = corpus_doc(name)
    assert doc.page_at(doc.text.index(figure)) == page


def test_corpus_metadata_title():
    assert corpus_doc("blackrock_2023_tcfd_report.pdf").info.report_title == "BlackRock Inc. 2023 TCFD Report"
    assert corpus_doc("blackrock_2023_tcfd_report.pdf").info.reporting_entity is None  # Author is a person
    assert corpus_doc("alfa_laval_2023_sustainability_notes.pdf").info.report_title is None  # no Title


def test_a_page_with_rotate_90_is_read_as_displayed():
    # text drawn turned by 90 degrees on a page displayed turned back (/Rotate 90): upright on screen
    data = make_pdf([two_column_page()], rotate=90)
    doc = read(data)
    assert "reached 42 percent\nof all electricity bought by the group." in doc.text
    assert heading_texts(doc) == {"Energy and climate": 1}


# Figures read by eye on the pages of the published PDFs, with the page a viewer shows them on:
# (file, surface as extracted, page, normalized value, normalized unit). What figures.page_number loads.
PAGES_BY_EYE = [
    ("ntt_data_2014_csr_report_highlights.pdf", "2,803,744t", 27, 2_803_744.0, "tCO2e"),
    ("ntt_data_2014_csr_report_highlights.pdf", "48,342", 34, 483_420_000.0, "kWh"),
    ("blackrock_2023_tcfd_report.pdf", "$13 million", 26, 13_000_000.0, "USD"),
    ("blackrock_2023_tcfd_report.pdf", "5,882", 32, 5_882.0, "tCO2e"),
    ("alfa_laval_2023_sustainability_notes.pdf", "28,926 metric tons", 6, 28_926.0, "t"),
]


@pytest.mark.parametrize("name, surface, page, value, unit", PAGES_BY_EYE)
def test_figures_load_with_the_page_they_are_printed_on(name, surface, page, value, unit):
    from flows.process import process_sources
    from flows.read import source_file

    path = PDF_DIR / name
    if not path.exists():
        pytest.skip(f"{path} is not here")
    (doc,) = process_sources([source_file(name, path.read_bytes(), 10**8)], "t")
    figures = doc.tables["figures"]
    found = figures[figures["surface"] == surface]
    assert not found.empty, surface
    assert (found.iloc[0]["page_number"], found.iloc[0]["value_normalized"], found.iloc[0]["unit_normalized"]) == (
        page, value, unit)
    text = doc.tables["documents"].iloc[0]["text"]
    pages = doc.tables["pages"].set_index("page_number")
    start, end = pages.loc[page, "char_start"], pages.loc[page, "char_end"]
    assert start <= found.iloc[0]["char_start"] < end and text[found.iloc[0]["char_start"]:found.iloc[0]["char_end"]] == surface
