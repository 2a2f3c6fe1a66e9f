"""parse: sections and paragraphs with exact offsets, on small texts that pin each rule."""

from __future__ import annotations

import re

import pytest

from flows.parse import parse_text


def parse_document(text):
    parsed = parse_text(text)
    return parsed.sections, parsed.paragraphs


def _check_offsets(text, sections, paragraphs):
    for s in sections:
        assert 0 <= s.char_start < s.char_end <= len(text)
        if s.title is not None:
            assert text[s.title_char_start:s.title_char_end] == s.title
    for p in paragraphs:
        assert text[p.char_start:p.char_end] == p.text
        s = sections[p.section_index]
        assert s.char_start <= p.char_start < p.char_end <= s.char_end


def test_sections_split_on_sub_header_lines_and_keep_titles_exactly():
    text = "Sub header: Carbon 1 \nBody one.\n  Sub header: equitable\nBody two.\n"
    sections, paragraphs = parse_document(text)
    assert [s.title for s in sections] == ["Carbon 1", "equitable"]
    assert [p.text for p in paragraphs] == ["Body one.", "Body two."]
    assert text[sections[1].char_start:].startswith("Sub header: equitable")
    _check_offsets(text, sections, paragraphs)


def test_paragraph_label_is_structure_not_content():
    text = "Sub header: S\n  Paragraph 1: First para.\n\nParagraph 12:\nSecond para\ncontinues.\n"
    sections, paragraphs = parse_document(text)
    assert [p.text for p in paragraphs] == ["First para.", "Second para\ncontinues."]
    assert [p.label for p in paragraphs] == ["Paragraph 1", "Paragraph 12"]
    _check_offsets(text, sections, paragraphs)


def test_title_line_is_structure_not_content():
    text = "Sub header: S\n  Title: A Big Title\n\nReal text here.\n\nTitle: Only a title\n"
    sections, paragraphs = parse_document(text)
    assert [p.text for p in paragraphs] == ["Real text here."]
    _check_offsets(text, sections, paragraphs)


def test_title_line_followed_by_text_in_same_block_keeps_the_text():
    text = "Sub header: S\nTitle: T\nText right under it.\n"
    _, paragraphs = parse_document(text)
    assert [p.text for p in paragraphs] == ["Text right under it."]


def test_numbered_list_items_keep_their_markers_and_offsets():
    text = "Sub header: S\nIntro:\n\n1. First item: 5 things.\n\n2. Second item.\n3. Third item on next line.\n"
    sections, paragraphs = parse_document(text)
    assert [p.text for p in paragraphs] == [
        "Intro:", "1. First item: 5 things.", "2. Second item.\n3. Third item on next line."]
    _check_offsets(text, sections, paragraphs)


def test_reference_list_is_one_paragraph_of_kind_references():
    text = ("Sub header: S\nBody 2023.\n\nReferences:\n- A. (2023a) Thing. Retrieved from <https://x.org/a>\n"
            "- B. (2022). Other. https://y.org\n")
    sections, paragraphs = parse_document(text)
    assert [p.kind for p in paragraphs] == ["text", "references"]
    assert paragraphs[1].text.startswith("References:") and paragraphs[1].text.endswith("https://y.org")
    _check_offsets(text, sections, paragraphs)


def test_section_with_no_paragraphs():
    text = "Sub header: Empty one \n\n Sub header: Full\nText.\n"
    sections, paragraphs = parse_document(text)
    assert [s.title for s in sections] == ["Empty one", "Full"]
    assert [(p.section_index, p.text) for p in paragraphs] == [(1, "Text.")]
    _check_offsets(text, sections, paragraphs)


def test_text_without_sub_headers_is_one_implicit_section():
    text = "\n\nJust a report.\n\nWith two paragraphs.\n"
    sections, paragraphs = parse_document(text)
    assert len(sections) == 1 and sections[0].title is None
    assert [p.text for p in paragraphs] == ["Just a report.", "With two paragraphs."]
    _check_offsets(text, sections, paragraphs)


def test_preamble_before_first_header_is_its_own_section():
    text = "Cover page text.\nSub header: One\nBody.\n"
    sections, _ = parse_document(text)
    assert [s.title for s in sections] == [None, "One"]


def test_windows_line_endings_keep_exact_offsets():
    text = "Sub header: S\r\nParagraph 1: One.\r\n\r\nTwo\r\nlines.\r\n"
    sections, paragraphs = parse_document(text)
    assert sections[0].title == "S"
    assert [p.text for p in paragraphs] == ["One.", "Two\r\nlines."]
    _check_offsets(text, sections, paragraphs)


def test_shipped_report_has_its_25_sections_with_titles_as_written(shipped_text):
    sections, paragraphs = parse_document(shipped_text)
    header_lines = [l.strip() for l in shipped_text.splitlines() if l.strip().startswith("Sub header:")]
    assert len(sections) == 25
    assert [s.title for s in sections] == [l[len("Sub header:"):].strip() for l in header_lines]
    assert sections[5].title == "equitable"
    assert sections[23].title == "but with different specific focuses. If this is not the case"
    _check_offsets(shipped_text, sections, paragraphs)


def test_shipped_report_keeps_every_non_structural_line(shipped_text):
    """Every non-blank line is inside a paragraph, except section headers and Title: lines."""
    sections, paragraphs = parse_document(shipped_text)
    covered = [False] * len(shipped_text)
    for p in paragraphs:
        covered[p.char_start:p.char_end] = [True] * (p.char_end - p.char_start)
    pos = 0
    for line in shipped_text.splitlines(keepends=True):
        body = line.strip()
        if body and not body.startswith(("Sub header:", "Title:")) and not re.fullmatch(r"Paragraph \d+:", body):
            first = pos + line.index(body[0]) + (len(re.match(r"\s*(Paragraph \d+:\s*)?", line).group(0)) - line.index(body[0]))
            assert covered[first], f"line not in any paragraph: {body[:60]!r}"
        pos += len(line)
    assert not any(p.text.startswith(("Paragraph ", "Title:")) for p in paragraphs)


@pytest.mark.parametrize("text", ["", "   \n\n  ", "Sub header:"])
def test_degenerate_texts_do_not_break_parsing(text):
    sections, paragraphs = parse_document(text)
    assert paragraphs == []
    assert all(s.char_end <= len(text) for s in sections)


@pytest.mark.parametrize("text", ["Sub header: A\rText one.\r\rText two.\r", "Sub header: A\u2028Text one.\u2028\u2028Text two."])
def test_old_mac_and_unicode_line_breaks_keep_the_body(text):
    sections, paragraphs = parse_document(text)
    assert [s.title for s in sections] == ["A"]
    assert [p.text for p in paragraphs] == ["Text one.", "Text two."]
    _check_offsets(text, sections, paragraphs)


def test_references_on_the_same_line_or_after_a_label_are_references():
    text = ("Sub header: S\nReferences: [1] Smith 2020, 45 pages.\n\nParagraph 3: References:\n- X (2021)\n\n"
            "Sources of data are many.\n")
    _, paragraphs = parse_document(text)
    assert [p.kind for p in paragraphs] == ["references", "references", "text"]
