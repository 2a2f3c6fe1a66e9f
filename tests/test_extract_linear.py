"""extract: what keeps extraction linear in the text's length, pinned without timing.

Each test counts work (scans of the whole text, splits of a table line), bounds what one figure
reads, or checks a fast path against the plain computation it stands for. Speed itself is
measured by `esg bench` (the linearity and corpus tables), never here.
"""

from __future__ import annotations

import dataclasses
import random
import re

import pytest

from flows import extract
from flows.bench import one_paragraph
from flows.extract import _Context, extract_figures
from flows.parse import parse_text


class CountingPattern:
    """A compiled pattern that counts its finditer calls (the whole-text scans)."""

    def __init__(self, pattern: re.Pattern):
        self.pattern, self.scans, self.starts = pattern, 0, []

    def finditer(self, string, *bounds):
        self.scans += 1
        self.starts.append(bounds[0] if bounds else None)
        return self.pattern.finditer(string, *bounds)

    def __getattr__(self, name):
        return getattr(self.pattern, name)


def _report_like(copies: int) -> str:
    """One paragraph of figures, years, names and sentence openers, repeated."""
    unit = ("In FY2023, Alibaba donated RMB399 million to 23 charities. Compliance rose 5% in 2022, "
            "as the board of Compliance noted. The campus used 540 million kWh of clean energy. ")
    return unit * copies


@pytest.mark.parametrize("name", ["_YEAR_TOKEN", "_FY_YEAR_TOKEN", "_SENTENCE_END", "_MID_SENTENCE_CAPITAL"])
def test_per_text_scans_run_once_whatever_the_number_of_figures(monkeypatch, name):
    """Years, sentence ends and capitalized words are found once per text, not per figure."""
    counting = CountingPattern(getattr(extract, name))
    monkeypatch.setattr(extract, name, counting)
    figures = extract_figures(_report_like(40))
    assert len(figures) >= 120
    assert counting.scans == 1


def test_year_positions_are_computed_once_per_text():
    ctx = _Context(_report_like(10))
    years = ctx.years()
    assert years is ctx.years()  # the same object: positions, median and set built once
    assert years.positions == [y[0] for y in years.found] == sorted(years.positions)
    assert years.stated == {2022, 2023}


def test_keywords_are_looked_for_in_bounded_ranges_once_each(monkeypatch):
    """Each figure's keywords come from its own window and sentence (capped), each range read
    once: the keyword search's work grows with the figures, not with the text around them."""
    sizes = []
    search = extract._KEYWORD_SEARCH

    def counting(text):
        sizes.append(len(text))
        return search(text)

    monkeypatch.setattr(extract, "_KEYWORD_SEARCH", counting)
    for copies in (10, 40):
        sizes.clear()
        figures = extract_figures(_report_like(copies))
        assert len(figures) >= 3 * copies
        assert max(sizes) <= 2 * extract._MAX_SENTENCE + 20
        assert len(sizes) <= 4 * len(figures)


def test_each_table_line_is_split_once(monkeypatch):
    splits = []

    class CountingRow(extract._Row):
        def __init__(self, text, start, end):
            splits.append((start, end))
            super().__init__(text, start, end)

    monkeypatch.setattr(extract, "_Row", CountingRow)
    rows = [f"Site {i} | {i}.5 | {i},100 | {i}%" for i in range(30)]
    text = "Site | Energy (GJ) | Water (m3) | Change\n" + "\n".join(rows) + "\n"
    figures = extract_figures(text)
    assert len(figures) == 90
    assert len(splits) == len(set(splits)) == 31  # each row once, the header once (not once per row)


def test_a_figure_reads_a_bounded_sentence_on_one_long_line():
    """A 'row' that is a whole long line is capped like any sentence: per-figure work stays bounded."""
    text = "Tea | MT | " + " | ".join(f"{i}.5" for i in range(3000))
    figures = extract_figures(text)
    assert len(figures) == 3000 and all(f.unit == "t" for f in figures)
    assert max(len(f.sentence) for f in figures) <= 2 * extract._MAX_SENTENCE + 10


@pytest.mark.parametrize("text", [
    "Twenty-five trees, one hundred and five people, someone often done, Three hundred and fifty.",
    "one two three ONE Two-thirds of half a third of İstanbul's two hundred staff",  # İ: no fast path
    "nineteen  eighty-four,  twelve dozen, a quarter of the three quarters being one-third of",
])
def test_number_words_and_fractions_are_found_where_finditer_finds_them(text):
    ctx = _Context(text)
    assert [m.span() for m in extract._number_words(ctx)] == [m.span() for m in extract._WORD_NUMBER.finditer(text)]
    assert [m.span() for m in extract._fractions(ctx)] == [m.span() for m in extract._FRACTION.finditer(text)]


def test_is_proper_answers_as_a_scan_of_the_text_around_the_position(corpus_files):
    def scan(text, word, pos):  # the rule, read directly: word capitalized mid-sentence within 4,000 characters
        lo, hi = max(0, pos - 4000), min(len(text), pos + 4000)
        for m in re.finditer(re.escape(" " + word), text[lo:hi]):
            i, end = m.start(), m.end()
            if i > 0 and text[lo + i - 1] in "abcdefghijklmnopqrstuvwxyz,;:(" and not text[lo + end:lo + end + 1].isalnum():
                return True
        return False

    text = corpus_files[0].read_text(encoding="utf-8")
    ctx = _Context(text)
    rng = random.Random(1)
    words = sorted({m.group(0) for m in re.finditer(r"\b[A-Z][a-z]{2,}\b", text)})
    asked = [(w, rng.randrange(len(text))) for w in rng.sample(words, min(200, len(words)))]
    answers = [ctx.is_proper(w, pos) for w, pos in asked]
    assert answers == [scan(text, w, pos) for w, pos in asked]
    assert any(answers) and not all(answers)


def test_merging_word_figures_keeps_what_a_pairwise_overlap_check_keeps():
    template = extract_figures("We cut 5% of emissions.")[0]
    rng = random.Random(7)
    for _ in range(200):
        def figure():
            start = rng.randrange(200)
            return dataclasses.replace(template, char_start=start, char_end=start + rng.randint(1, 12))
        figures = sorted((figure() for _ in range(rng.randint(0, 15))), key=lambda f: f.char_start)
        extra = [figure() for _ in range(rng.randint(1, 15))]
        kept, spans = list(figures), [(f.char_start, f.char_end) for f in figures]
        for f in sorted(extra, key=lambda f: (f.char_start, -f.char_end)):
            if not any(a < f.char_end and f.char_start < b for a, b in spans):
                kept.append(f)
                spans.append((f.char_start, f.char_end))
        kept.sort(key=lambda f: f.char_start)
        assert extract._merge(figures, extra) == kept


@pytest.mark.parametrize("alternatives, flags", [
    ([re.escape(u) for u in sorted(extract._UNITS, key=len, reverse=True) if len(u) > 2], re.I),
    (extract._ID_WORDS, re.I),
    (["a", "an", "and", "ant", "b", "be", "being", "been", "x"], 0),
])
def test_alternatives_grouped_by_first_letter_match_like_the_plain_list(alternatives, flags):
    grouped = re.compile(f"(?:{extract._one_of(alternatives, ignore_case=bool(flags))})", flags)
    plain = re.compile(f"(?:{'|'.join(alternatives)})", flags)
    assert grouped.pattern != plain.pattern
    rng = random.Random(3)
    pieces = [a.replace("\\", "") for a in alternatives[:80]] + ["", " ", "x", "Q", "1"]
    for _ in range(3000):
        s = "".join(rng.choice(pieces) for _ in range(3))
        s = s.upper() if rng.random() < 0.2 else s
        for i in range(len(s)):
            a, b = grouped.match(s, i), plain.match(s, i)
            assert (a and a.span()) == (b and b.span()), (s, i)


def test_patterns_that_backtracked_read_each_string_one_way():
    """Inputs that took seconds to hours before (a string read every possible way) give their
    answer; a regression here shows as a hang, not as a failed assertion on time."""
    assert extract._ID_BEFORE.search("Scope " + "1" * 30 + " y ") is None
    assert extract._ID_BEFORE.search("Scope" + " 1" * 30 + " y ") is None
    assert extract._ID_BEFORE.search("Scope" + " 1" * 30 + " ")
    assert extract._METRIC_TAIL.sub("", "growth " + "a total of " * 14) == "growth "
    assert extract_figures("1" + " " * 50_000 + "x") == []
    assert extract_figures("<" + "a.bc" * 50_000 + " 5 trees")[0].surface == "5"


def test_the_benchmark_paragraph_is_one_paragraph_of_the_size_asked(shipped_text):
    text = one_paragraph(shipped_text, 300_000)
    paragraphs = parse_text(text).paragraphs
    assert len(text.encode("utf-8")) <= 300_000 < len(text.encode("utf-8")) + 4
    assert len(paragraphs) == 1 and "\n" not in text
