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
    "to conserve marine habitats by 2030.",
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
            assert not re.fullmatch(r"(?:FY)?(?:19|20)\d{2}", f.surface.strip()), f"{path.name}: bare year {f.surface}"


# --- real-world PDF mess (patterns from ../shared/corpus), each pinned on a text written here ----

@pytest.mark.parametrize("text, surface, value, unit", [
    ("In 2023, we invested$7.9 billionin low-carbon energy", "$7.9 billion", 7.9e9, "USD"),
    ("the remaining$2.3 billionwas invested in chemicals", "$2.3 billion", 2.3e9, "USD"),
    ("emissions were 517 million tonnes carbon dioxide equivalent (CO2e)", "517 million tonnes", 517e6, "tCO2e"),
    ("Scope 1 and 2 emissions were\n57 milliontonnes on a CO2equivalent basis", "57 milliontonnes", 57e6, "tCO2e"),
    ("| Vehicles | 1,408.3 | 1,532.3 | -8.1%", "-8.1%", -8.1, "%"),
    ("The EUI in FY2023 was 112.6 kWh/m2, which was lower", "112.6 kWh/m2", 112.6, "kWh/m2"),
    ("donations received\nApproximately\n$6.6MM\nin donations", "$6.6MM", 6.6e6, "USD"),
    ("45,213 MT CO2e discharge of emissions", "45,213 MT CO2e", 45213, "tCO2e"),
    ("Rs. 206 Mn spent for conservation", "Rs. 206 Mn", 206e6, "LKR"),
    ("planted >19.9m trees since 2015", "19.9m", 19.9e6, "count"),
    ("achieve 100% electrification of our vehicle fleet by 203050% carbon", "50%", 50, "%"),
    ("a total capacity of 635.5 kWp on the roofs", "635.5 kWp", 635.5, "kWp"),
    ("the impact over 20 years is more than 80 times greater than CO2", "80 times", 80, "times"),
])
def test_pdf_mess_value_unit_and_surface(text, surface, value, unit):
    figures = [f for f in extract_figures(text) if f.surface == surface]
    assert len(figures) == 1, [f.surface for f in extract_figures(text)]
    assert figures[0].unit == unit and figures[0].value == pytest.approx(value)


@pytest.mark.parametrize("text", [
    "1 Inclusive of all monetary, in-kind, and Team NRG donations.",
    "the end of the page.\n25 ShellSustainability Report 2023\n",
    "  87 NRG’s climate goals\n  88  Progress reducing greenhouse",
    "Scope 2 emissions (market-based method) [D]\n100\n80 b 11 12 11 10\n60 8 8\n",
    "See the 2023 Annual Report, pages 12-14.",
    "Giving Tuesday: NRG matched employee donations 2:1, allowing more",
    "In 2023, the 2022–23 season and FY2022-23 ended.",
    "contact esg@example.com or call 555 0100",
])
def test_pdf_mess_not_figures(text):
    assert extract_figures(text) == [], [f.surface for f in extract_figures(text)]


def test_intensity_converts_the_numerator_only():
    fig = only("waste per capita was 0.380 kilograms per person per day, a drop")
    assert (fig.unit, fig.unit_normalized) == ("kg/person/day", "t/person/day")
    assert fig.value_normalized == pytest.approx(0.00038)


def test_plus_suffix_counts_as_at_least():
    fig = only("impacted 1,000+\ncharitable organizations")
    assert (fig.surface, fig.value, fig.unit, fig.qualifier) == ("1,000", 1000, "count", "at_least")


@pytest.mark.parametrize("text, qualifier", [
    ("With ~1,200 NRG employees in attendance", "approximately"),
    ("remained below <5% of revenue", "at_most"),
    ("and ≥90% of supplier sites", "at_least"),
    ("within fifteen years of the plan", "at_most"),
])
def test_symbol_and_word_qualifiers(text, qualifier):
    assert only(text).qualifier == qualifier


def test_from_to_gives_two_figures_not_a_range():
    figures = extract_figures("renewables will rise from 1% to 14% of the portfolio")
    assert [(f.surface, f.value, f.value_high) for f in figures] == [("1%", 1, None), ("14%", 14, None)]


@pytest.mark.parametrize("text, years", [
    ("Emissions were 517 million tonnes CO2e in 2023 and 569 million tonnes CO2e in 2021.", [2023, 2021]),
    ("We set a target to reduce emissions by 50% by 2030, compared with 2016 levels.", [2030]),
    ("By March 31, 2023, this program had involved 23 brands.", [2023]),
    ("In 2023, we invested $7.9 billion. Of this, we invested $5.6 billion in wind.", [2023, 2023]),
    ("Water use fell 4.0% from FY2022 and 5.6% from the FY2018-FY2020 average in FY2023.", [2023, 2023]),
    ("Customers saved 12 GWh compared with 2019.", [None]),
])
def test_year_the_figure_refers_to(text, years):
    assert [f.year for f in extract_figures(text)] == years


@pytest.mark.parametrize("text, topic", [
    ("In FY2023, DingTalk helped clients reduce emissions by 1,175.8 MtCO2e.", "emissions_reduction"),
    ("reducing emissions throughout the operation (Scope 1 and 2) of its campuses (21,409.4 MtCO2e).", "ghg_emissions"),
    ("The center sourced a total of 540 million kWh of clean energy in FY2023.", "energy"),
    ("Alibaba donated a total of RMB399 million to various philanthropic causes.", "philanthropy"),
    ("Total water use was 33.4 billion litres, a 0.4% decrease from FY2022.", "water"),
    ("sales from 160 national key counties for rural revitalization surpassing RMB4.3 billion", "rural_economy"),
    ("The platform resolves food safety-related refund requests within 30 minutes.", "consumer"),
])
def test_topic(text, topic):
    assert extract_figures(text)[-1].topic == topic


def test_entity_metric_and_pillar():
    fig = only("In FY2023, DingTalk helped clients reduce emissions by 1,175.8 MtCO2e.")
    assert (fig.entity, fig.pillar) == ("DingTalk", "E")
    fig = only("The Zhangbei Data Center sourced a total of 540 million kWh of clean energy in FY2023.")
    assert fig.metric == "clean energy" and fig.entity == "Zhangbei Data Center"


def test_flattened_table_cells_take_their_unit_from_the_row_or_header():
    text = ("Material Type | Unit | Data\nTea | MT | 5,769.3\nGlue | MT | 17.4\n\n"
            "Energy Source | Energy DCTC (GJ) | Total 2024/25 (GJ) | Y-O-Y change (%)\n"
            "Generators | 944.6 | 1,365.8 | -24.5%\n")
    figures = extract_figures(text)
    assert [(f.surface, f.unit, f.metric) for f in figures] == [
        ("5,769.3", "t", "Tea"), ("17.4", "t", "Glue"),
        ("944.6", "GJ", "Generators"), ("1,365.8", "GJ", "Generators"), ("-24.5%", "%", "Generators")]
    assert figures[2].unit_normalized == "kWh" and figures[2].value_normalized == pytest.approx(944.6 / 0.0036)
    assert figures[4].value == -24.5


def test_table_cell_without_any_unit_is_a_plain_number():
    (fig,) = extract_figures("Site | Value\nPlant A | 12.5\n")
    assert (fig.surface, fig.unit, fig.metric) == ("12.5", "number", "Plant A")


@pytest.mark.parametrize("text, expected", [
    ("Renewables rose from 45% in 2019 to 60% in 2023.", [("45%", 45, 2019), ("60%", 60, 2023)]),
    ("Emissions fell from 1,500 tCO2e in 2019 to 1,200 tCO2e in 2023.", [("1,500 tCO2e", 1500, 2019), ("1,200 tCO2e", 1200, 2023)]),
    ("Emissions: 2023 — 12,000 tCO2e; 2022 — 13,500 tCO2e.", [("12,000 tCO2e", 12000, 2023), ("13,500 tCO2e", 13500, 2022)]),
    ("Employee turnover was 12.3% in 2023 (2022: 14.1%).", [("12.3%", 12.3, 2023), ("14.1%", 14.1, 2022)]),
    ("Total emissions were 12\u202f345 tCO2e in 2023.", [("12\u202f345 tCO2e", 12345, 2023)]),
    ("We hired two hundred employees in 2023.", [("two hundred", 200, 2023)]),
    ("Three hundred and fifty volunteers joined in 2022.", [("Three hundred and fifty", 350, 2022)]),
])
def test_years_are_never_values_and_values_never_years(text, expected):
    assert [(f.surface, f.value, f.year) for f in extract_figures(text)] == expected


@pytest.mark.parametrize("text, surface, unit, unit_normalized", [
    ("CA$ 2 million raised", "CA$ 2 million", "CAD", "CAD"),
    ("a budget of 5 million USD", "5 million USD", "USD", "USD"),
    ("NOx emissions: 45 t.", "45 t", "t", "t"),
    ("Scope 1 emissions: 45 t.", "45 t", "tCO2e", "tCO2e"),
    ("The EUI was 112.6 kWh/m2.", "112.6 kWh/m2", "kWh/m2", "kWh/m2"),
    ("We emitted 4 gigatonnes of cement.", "4 gigatonnes", "Gt", "t"),
    ("3.2 million litres of diesel were burned", "3.2 million litres", "L", "m3"),
])
def test_units_and_currencies_from_review(text, surface, unit, unit_normalized):
    fig = only(text)
    assert (fig.surface, fig.unit, fig.unit_normalized) == (surface, unit, unit_normalized)


def test_a_sign_attached_to_the_number_is_kept_in_prose():
    assert only("Emissions changed by -5% year on year.").value == -5


def test_table_units_follow_the_row_label_and_metric_tonnes():
    text = ("Source | GHG Emissions (MT CO2e) | Change\nStationary Combustion | 189.38 | -15.6%\n\n"
            "Metric | 2024 | 2023\nEnergy use (GJ) | 100 | 90\nWater use (m3) | 50 | 45\n")
    assert [(f.surface, f.unit) for f in extract_figures(text)] == [
        ("189.38", "tCO2e"), ("-15.6%", "%"), ("100", "GJ"), ("90", "GJ"), ("50", "m3"), ("45", "m3")]


def test_every_corpus_figure_passes_the_figures_schema(corpus_files):
    """What the extractor emits must load: read, parse, extract and validate each corpus text."""
    from flows.process import process_sources
    from flows.read import source_file

    n_figures = 0
    for path in corpus_files:
        (doc,) = process_sources([source_file(path.name, path.read_bytes(), 10**8)], "run-1")
        assert doc.rejections == [], (path.name, doc.rejections[:3])
        n_figures += len(doc.tables["figures"])
    assert n_figures > 300


@pytest.mark.parametrize("text, surface, unit, metric", [
    ("Employees: 12,345.", "12,345", "count", "Employees"),
    ("carbon priced at $50 per tonne", "$50 per tonne", "USD/t", "carbon priced"),
    ("covering 3,000 km² of land", "3,000 km²", "km2", "land"),
    ("a rise of 3 pp in the share", "3 pp", "pp", "a rise"),
    ("250 electric vehicles drove far", "250", "count", "electric vehicles"),
])
def test_labels_intensities_and_metrics(text, surface, unit, metric):
    fig = only(text)
    assert (fig.surface, fig.unit, fig.metric) == (surface, unit, metric)


@pytest.mark.parametrize("text", ["1 in 5 employees volunteered", "Investment of JPY 500 million was made"])
def test_no_entity_or_figure_from_noise(text):
    figures = extract_figures(text)
    assert all(f.entity is None for f in figures) and all(f.surface != "5" for f in figures)


@pytest.mark.parametrize("text, expected", [
    # each value takes the year that governs it, not the nearest year token
    ("In 2023, emissions were 50 million tonnes, compared with 1,174 million tonnes in 2022.",
     [("50 million tonnes", 2023, False), ("1,174 million tonnes", 2022, False)]),
    ("In 2022 Scope 1 emissions were 1.2 million tonnes; in 2023 they were 1.1 million tonnes.",
     [("1.2 million tonnes", 2022, False), ("1.1 million tonnes", 2023, False)]),
    # a flattened table: each value gets the year of its own label, not its neighbour's
    ("- In 2019 336,124 mtCO2e - In 2021 350,424 mtCO2e", [("336,124 mtCO2e", 2019, False), ("350,424 mtCO2e", 2021, False)]),
    # targets carry their target year and are marked
    ("We aim to cut emissions 50% by 2030.", [("50%", 2030, True)]),
    ("Our target is net zero by 2050 and a 42% cut in Scope 1 and 2 emissions by 2030.", [("42%", 2030, True)]),
    ("By 2030 we will source 100% renewable electricity.", [("100%", 2030, True)]),
    # a baseline is not the figure's year; an achievement is not a target
    ("Emissions fell 12% vs FY19.", [("12%", None, False)]),
    ("We reduced water use by 20% in 2023 from a 2019 baseline.", [("20%", 2023, False)]),
    ("We achieved our target: emissions fell 30% in 2023.", [("30%", 2023, False)]),
])
def test_the_year_that_governs_a_figure_and_whether_it_is_a_target(text, expected):
    assert [(f.surface, f.year, f.is_target) for f in extract_figures(text)] == expected


@pytest.mark.parametrize("text, surfaces", [
    ("We added 3 lines . 15 Starbucks does not take part.", ["3"]),  # a footnote number opening a sentence
    ("PPAs reached 2.4GW1 of solar capacity.", ["2.4GW"]),            # a footnote digit glued to a unit
])
def test_footnote_markers_are_not_figures(text, surfaces):
    figures = extract_figures(text)
    assert [f.surface for f in figures] == surfaces
    assert all(not (f.metric or "")[:1].isdigit() for f in figures)  # and stay out of metric labels


@pytest.mark.parametrize("token, unit", [("336,124 mtCO2e", "tCO2e"), ("336,124 MTCO2e", "tCO2e"), ("3.4 MtCO2e", "MtCO2e")])
def test_metric_tonnes_and_megatonnes(token, unit):
    (f,) = extract_figures(f"Emissions were {token}.")
    assert f.unit == unit


def test_the_ascii_number_scan_matches_the_unicode_one_on_ascii_text_and_other_text_keeps_it():
    import random

    from flows import extract as E
    from flows.parse import parse_text
    from tests.conftest import SHIPPED_REPORT

    paragraphs = [p.text for p in parse_text(SHIPPED_REPORT.read_text(encoding="utf-8")).paragraphs if p.text.isascii()]
    rng = random.Random(7)
    pieces = list("0123456789 ,.-%$/\n\t") + ["to", "k", "m", "M", "B", " million", " billion", "tonnes", "GWh", "USD", "RMB"]
    generated = ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 25))) for _ in range(20_000)]
    assert len(paragraphs) > 100
    for text in paragraphs + generated:
        for unicode_scan, ascii_scan in ((E._NUMERIC, E._NUMERIC_ASCII), (E._NUMERIC_SINGLE, E._NUMERIC_SINGLE_ASCII)):
            assert ([(m.span(), m.groupdict()) for m in ascii_scan.finditer(text)]
                    == [(m.span(), m.groupdict()) for m in unicode_scan.finditer(text)]), text
    # a text with any other character is scanned for every Unicode digit, as before
    assert E._NUMERIC_ASCII.search("٣٠ tonnes") is None
    assert [f.value for f in extract_figures("We planted ٣٠ trees.")] == [30.0]
