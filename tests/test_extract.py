"""extract: each rule pinned on a small text; the real report and corpus checked as a whole."""

from __future__ import annotations

import re

import pytest

from flows.extract import extract_figures


def only(text):
    figures = extract_figures(text)
    assert len(figures) == 1, [f.surface for f in figures]
    return figures[0]


@pytest.mark.parametrize("text, surface, value, unit", [
    ("Donations totaled RMB399 million in FY2023.", "RMB399 million", 399e6, "CNY"),
    ("users can avoid 85.5% of emissions", "85.5%", 85.5, "%"),
    ("The center sourced 540 million kWh of clean energy.", "540 million kWh", 540e6, "kWh"),
    ("campuses (21,409.4 MtCO2e).", "21,409.4 MtCO2e", 21409.4, "MtCO2e"),
    ("facilitate 1.5 gigatons of GHG emission reduction", "1.5 gigatons", 1.5, "GtCO2e"),
    ("with 1.91 million products participating", "1.91 million", 1.91e6, "count"),
    ("this program had involved 23 brands", "23", 23, "count"),
    ("resolves requests within 30 minutes", "30 minutes", 30, "minute"),
    ("sales exceeding RMB130 billion and more", "RMB130 billion", 130e9, "CNY"),
    ("we invested $7.9 billion in low-carbon energy", "$7.9 billion", 7.9e9, "USD"),
    ("a budget of 300 million yuan for schools", "300 million yuan", 300e6, "CNY"),
    ("they raised €12.5 million", "€12.5 million", 12.5e6, "EUR"),
    ("within fifteen years (report)", "fifteen years", 15, "year"),
    ("focuses on six basic principles to upgrade", "six", 6, "count"),
    ("over a fifteen-year period", "fifteen-year", 15, "year"),
    ("conserve 30 percent of the planet", "30 percent", 30, "%"),
])
def test_value_unit_and_surface(text, surface, value, unit):
    fig = only(text)
    assert (fig.surface, fig.unit) == (surface, unit)
    assert fig.value == pytest.approx(value)
    assert text[fig.char_start:fig.char_end] == fig.surface


@pytest.mark.parametrize("text, value_normalized, unit_normalized", [
    ("campuses (21,409.4 MtCO2e).", 21409.4e6, "tCO2e"),
    ("facilitate 1.5 gigatons of GHG emission reduction", 1.5e9, "tCO2e"),
    ("consumed 3.2 GWh of electricity", 3.2e6, "kWh"),
    ("Donations totaled RMB399 million.", 399e6, "CNY"),
    ("we withdrew 1.2 megalitres of water", 1200.0, "m3"),
])
def test_normalization(text, value_normalized, unit_normalized):
    fig = only(text)
    assert fig.unit_normalized == unit_normalized
    assert fig.value_normalized == pytest.approx(value_normalized)


@pytest.mark.parametrize("text, qualifier", [
    ("enabled over 118,746 seniors to be screened", "at_least"),
    ("with the support of more than 600 volunteers", "at_least"),
    ("approximately 187 million users adopted", "approximately"),
    ("around 80 million searches were guided", "approximately"),
    ("resolves refunds within 30 minutes", "at_most"),
    ("up to 40 tonnes of waste", "at_most"),
    ("this program had involved 23 brands", "exact"),
    ("facilitate reductions over 15 years", "exact"),
])
def test_qualifier(text, qualifier):
    assert only(text).qualifier == qualifier


@pytest.mark.parametrize("text", [
    "In FY2023, the company launched a program.",
    "The OKR system was introduced in 2022.",
    "By March 31, 2023, the program ended.",
    "peaking carbon emissions before 2030",
    "at the 2022 Apsara Conference",
    "operations (Scope 1 and 2) of its campuses",
    'the concept of "Scope 3+" represents',
    "focusing primarily on COVID-19 relief",
    "platforms like Parcel365 and Shopla365",
    "the Carbon88 ledger platform",
    'the "Digital Village 365" program',
    "principles set forth at the 15th Conference of Parties",
    "enabling seamless business (Chapter 1.3).",
    "revitalizing the tourism industry (P148).",
    "Technological innovations for social challenges [P180]).",
    "biodiversity surveys (Appendix I).",
    "cutting-edge research (source 12).",
    "digital platforms demonstrate impact (sources 7-8).",
    "improve the quality of existing jobs (1).",
    "(Paragraph 3 for further details)",
    "Visit <https://www.gov.cn/zhengce/202305/content_6876215.htm> now",
    "one of the initiatives",
    "One such initiative by Alibaba",
    "two leading companies in digital economy",
    "an intelligent one-stop platform",
    "the three-in-one system consisting of OKR",
])
def test_not_figures(text):
    assert extract_figures(text) == [], [f.surface for f in extract_figures(text)]


def test_list_marker_is_not_a_figure_but_the_figure_after_it_is():
    figures = extract_figures("1. Carbon: we cut 20% of emissions.\n2. Water: nothing.")
    assert [f.surface for f in figures] == ["20%"]


def test_range_keeps_both_ends():
    fig = only("reduce customer emissions by 15–20% by 2030")
    assert (fig.value, fig.value_high, fig.unit, fig.surface) == (15, 20, "%", "15–20%")


def test_year_from_sentence():
    figs = extract_figures("In FY2023, approximately 187 million users adopted low-carbon behaviors.")
    assert figs[0].year == 2023


def test_nearly_half_is_a_fraction():
    fig = only("the ecosystem supported many jobs, with nearly half being jobs directly related")
    assert (fig.surface, fig.value, fig.unit, fig.qualifier) == ("half", 0.5, "fraction", "approximately")


def test_offsets_hold_on_the_shipped_report(shipped_text):
    figures = extract_figures(shipped_text)
    assert len(figures) > 40
    for f in figures:
        assert shipped_text[f.char_start:f.char_end] == f.surface
        assert not re.fullmatch(r"(19|20)\d{2}", f.surface)


def test_corpus_texts_extract_cleanly(corpus_files):
    url = re.compile(r"https?://\S+|www\.\S+")
    for path in corpus_files:
        text = path.read_text(encoding="utf-8")
        urls = [m.span() for m in url.finditer(text)]
        figures = extract_figures(text)
        assert figures, f"{path.name}: no figures at all"
        for f in figures:
            assert text[f.char_start:f.char_end] == f.surface, path.name
            assert not any(a <= f.char_start < b for a, b in urls), f"{path.name}: {f.surface} in a URL"
            assert not (f.unit == "count" and re.fullmatch(r"(19|20)\d{2}", f.surface)), f"{path.name}: bare year {f.surface}"
