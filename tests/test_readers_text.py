"""The plain-text reader: pages, headings, blocks and tables from a text's layout, on small texts."""

from __future__ import annotations

import pytest

from flows.document import check_document
from flows.parse import parse_document
from flows.readers.text import read_text


def _read(text: str):
    doc = read_text("t.txt", "0" * 64, text)
    check_document(doc)
    return doc


def _headings(doc):
    return [(h.level, doc.text[h.char_start:h.char_end]) for h in doc.headings]


def _blocks(doc, kind=None):
    return [doc.text[b.char_start:b.char_end] for b in doc.blocks if kind is None or b.kind == kind]


def test_sub_header_lines_are_the_headings_when_a_text_marks_them():
    doc = _read("Sub header: Energy \nShort line\nWe used 5 GWh.\n\nSub header: Water\nWe saved 3 ML.\n")
    assert _headings(doc) == [(1, "Energy"), (1, "Water")]  # "Short line" is not guessed at
    assert _blocks(doc) == ["Short line\nWe used 5 GWh.", "We saved 3 ML."]


def test_lines_that_read_as_headings_become_nested_headings():
    text = ("1 INTRODUCTION\n\nThis report covers our year.\n\n2 ENVIRONMENT\n\n2.1 Water stewardship\n\n"
            "We withdrew 1,200 megalitres of water in 2023, down 4%.\n\n2.2 Waste\n\nWe sent 40 tonnes to landfill.\n")
    doc = _read(text)
    assert _headings(doc) == [(1, "1 INTRODUCTION"), (1, "2 ENVIRONMENT"), (2, "2.1 Water stewardship"), (2, "2.2 Waste")]
    sections = parse_document(doc).sections
    parent = {s.title: s.parent_index for s in sections}
    index = {s.title: s.section_index for s in sections}
    assert parent["2.1 Water stewardship"] == index["2 ENVIRONMENT"] and parent["2 ENVIRONMENT"] is None


@pytest.mark.parametrize("line", [
    "We reduced emissions by 12% this year.",      # a sentence
    "and continued to invest in renewable energy",  # lower case: a wrapped line
    "Scope 1 emissions, Scope 2 emissions, Scope 3 emissions, and more",  # a list of things
    "1,234 | 5,678 | 9,012",                          # a table row
    "- Energy efficiency",                            # a list item
    "2 Includes employee-reported giving and matching",  # a footnote, not "2 Includes ..."
])
def test_lines_that_do_not_read_as_headings(line):
    doc = _read(f"Opening paragraph ends here.\n\n{line}\n\nThe body of the section goes on for a while here.\n")
    assert _headings(doc) == []


def test_in_wrapped_text_a_heading_stands_after_a_sentence_and_is_short():
    text = ("Our approach to water is set out below and covers every site that we operate around the world.\n"
            "Water stewardship\n"
            "We withdrew 1,200 megalitres of water in 2023 and returned most of it to the rivers it came\n"
            "from, cleaner than we took it. Our target is a 10% cut by 2030 against a 2019 baseline that we set.\n"
            "Waste and circularity\n"
            "We sent 40 tonnes of waste to landfill, and recycled the rest of what our sites produced this year.\n")
    doc = _read(text)
    assert _headings(doc) == [(1, "Water stewardship"), (1, "Waste and circularity")]
    assert all("Water stewardship" not in b for b in _blocks(doc))


def test_a_stack_of_headings_ranks_the_first_above_the_second():
    text = "Climate\nDelivering our targets\nWe cut emissions by 5% in 2023, as planned in our transition plan.\n"
    assert _headings(_read(text)) == [(1, "Climate"), (2, "Delivering our targets")]


def test_form_feeds_make_pages_and_repeated_page_lines_are_furniture():
    page = "Acme plc Sustainability Report 2023\nWe planted {n} trees on site {n} this year, as promised.\n{n}\n"
    text = "\f".join(page.format(n=n) for n in range(1, 5))
    doc = _read(text)
    assert [(p.page_number, text[p.char_start:p.char_end]) for p in doc.pages] == [
        (n, page.format(n=n)) for n in range(1, 5)]
    furniture = _blocks(doc, "furniture")
    assert furniture.count("Acme plc Sustainability Report 2023") == 4 and "3" in furniture
    assert all("Acme plc" not in b for b in _blocks(doc, "text"))
    assert doc.page_at(text.index("planted 3")) == 3


def test_pipe_rows_make_a_table_with_header_cells():
    text = "Energy use\n\nSource | 2022 | 2023\nGrid (MWh) | 1,200 | 1,100\nSolar (MWh) | 300 | 450\n\nAfter.\n"
    doc = _read(text)
    (table,) = doc.tables
    assert (table.n_rows, table.n_cols, table.header_rows) == (3, 3, 1)
    cells = {(c.row, c.col): text[c.char_start:c.char_end] for c in table.cells}
    assert cells[(0, 1)] == "2022" and cells[(2, 0)] == "Solar (MWh)" and cells[(2, 2)] == "450"
    assert [c.header for c in table.cells if c.row == 0] == [True, True, True]
    assert text[table.caption_start:table.caption_end] == "Energy use"
    assert _blocks(doc, "table") == [text[table.char_start:table.char_end]]


def test_pipes_in_navigation_lines_are_not_a_table():
    text = "More in this report|Our targets|Letter from the CEO\nMore on our websites|Our approach\nBody text.\n"
    assert _read(text).tables == []


def test_references_lists_and_paragraph_labels():
    text = ("Paragraph 1: We gave RMB399 million.\n\n- first point\n- second point\n\n"
            "References:\nAcme (2023). Report.\n\nReferences\n\nSmith, J. (2021). A paper. Journal 4, 1-10.\n")
    doc = _read(text)
    labelled = [b for b in doc.blocks if b.label]
    assert [(b.label, doc.text[b.char_start:b.char_end]) for b in labelled] == [("Paragraph 1", "We gave RMB399 million.")]
    assert _blocks(doc, "list") == ["- first point\n- second point"]
    assert len(_blocks(doc, "references")) == 2  # a "References:" block, and the blocks under a References heading


def test_corpus_texts_get_titled_nested_sections(corpus_files):
    for path in corpus_files:
        doc = _read(path.read_text(encoding="utf-8"))
        sections = parse_document(doc).sections
        titled = [s for s in sections if s.title]
        assert len(titled) >= 5, path.name
        assert sum(s.title is None for s in sections) <= 1
        assert any(s.parent_index is not None for s in sections) or len({s.level for s in titled}) == 1, path.name
