"""Charts flattened into text (a year axis and the values over it) become tables: each value gets
its year and the chart title's unit; axis ticks, sentences and uneven runs are left alone."""

from __future__ import annotations

import pandas as pd

from flows.document import check_document
from flows.process import process_sources
from flows.read import source_file
from flows.readers.text import read_text

INTRO = ("Our operations reduced their environmental footprint again this year, as the charts below show\n"
         "for each of the last five years of reporting.\n\n")


def _read(text: str):
    doc = read_text("t.txt", "0" * 64, text)
    check_document(doc)
    return doc


def _blocks_text(doc, kind: str) -> list[str]:
    return [doc.text[b.char_start:b.char_end] for b in doc.blocks if b.kind == kind]


def _figures(text: str) -> list[tuple]:
    (doc,) = process_sources([source_file("chart.txt", text.encode("utf-8"), 10**6)], "test")
    rows = doc.tables["figures"]
    return [(r.surface, None if pd.isna(r.year) else int(r.year), None if pd.isna(r.unit) else r.unit,
             None if pd.isna(r.value_normalized) else r.value_normalized)
            for r in rows.itertuples() if isinstance(r.table_id, str)]


def test_values_above_the_year_axis_get_its_years_and_the_title_its_unit():
    text = INTRO + ("WATER WITHDRAWAL\n(million m3)\n40\n30\n20\n10\n0\n"
                    " 35.2 31.0 28.4 27.9 25.1\n 2019 2020 2021 2022 2023\n\nThe trend continued.\n")
    doc = _read(text)
    (table,) = doc.tables
    assert (table.n_rows, table.n_cols, table.header_rows) == (2, 5, 1)
    assert text[table.caption_start:table.caption_end] == "WATER WITHDRAWAL\n(million m3)"
    assert _figures(text) == [("35.2", 2019, "m3", 35.2e6), ("31.0", 2020, "m3", 31.0e6), ("28.4", 2021, "m3", 28.4e6),
                              ("27.9", 2022, "m3", 27.9e6), ("25.1", 2023, "m3", 25.1e6)]


def test_values_on_the_axis_line_stop_where_the_next_title_runs_into_the_last_one():
    text = INTRO + ("RECYCLING RATE (%)\n 2019 2020 2021 2022 63 58 62 80Notices of violation and spills\n")
    assert _figures(text) == [("63", 2019, "%", 63.0), ("58", 2020, "%", 58.0), ("62", 2021, "%", 62.0),
                              ("80", 2022, "%", 80.0)]


def test_what_runs_into_a_chart_line_stays_text_and_keeps_its_figures():
    text = INTRO + ("RECYCLING RATE (%)\n 2019 2020 2021 2022 63 58 62 80Notices of violation fell to 3 in 2022, "
                    "and spills to 12 tonnes.\n")
    doc = _read(text)
    (table,) = doc.tables
    assert text[table.char_start:table.char_end] == "2019 2020 2021 2022 63 58 62 80"
    assert "Notices of violation fell to 3 in 2022, and spills to 12 tonnes." in _blocks_text(doc, "text")
    (processed,) = process_sources([source_file("chart.txt", text.encode("utf-8"), 10**6)], "test")
    assert "12 tonnes" in set(processed.tables["figures"].surface)


def test_an_axis_last_year_run_into_a_heading_still_counts():
    text = INTRO + "% of base year\n 100 94 79 81\n 2019 2020 2021 2022Environmental performance\n"
    assert [(s, y, u) for s, y, u, _ in _figures(text)] == [("100", 2019, "%"), ("94", 2020, "%"),
                                                            ("79", 2021, "%"), ("81", 2022, "%")]


def test_what_is_not_a_chart_stays_prose():
    not_charts = [
        " 0 25 50 75\n 2019 2020 2021 2022\n",  # the y axis's tick labels: equal steps
        " 12 14 15\n 2019 2020 2021 2022\n",  # three values for four years
        "We reported in 2019 2020 2021 and 2022 on 4 sites.\n",  # a sentence that lists years
        " 2019 2021 2022\n 5 6 7\n",  # years that do not follow one another
        " 2019 2020 2021 2022 30 23 19 1840%\n",  # one value written unlike the others ("18 40%" run together)
        "Emissions (tCO2e)\n 0 50 100\n 2020 2021 2022\n",  # three tick labels
        "Notes\n1 2 3\n2020 2021 2022\n",  # footnote numbers
        " 2020 2021 2022\n 10 20 11 21 12 23\n",  # two series, or one year by year: the text does not say
        " 2021 2022 2023 120 110 101 5 -8 -9\n",  # values and their changes
        " 10 12 17\n 2020 2021 2022\n 5 7 6\n",  # values above and below the axis: which?
        " 10 12 17\n\x0c 2020 2021 2022\n",  # values and axis on two pages
        " 2019 2020 2021   2019 2020 2021\n",  # two axes side by side
    ]
    for text in not_charts:
        assert _read(INTRO + text).tables == [], text


def test_a_chart_in_a_pdf_becomes_a_table_in_place_of_its_prose_blocks():
    from tests.test_readers_pdf import make_pdf, read

    prose = "Our people worked fewer hours again this year, as the chart of annual working hours shows."
    page = [(50, 60, 10, prose),
            (50, 120, 10, "Annual working hours per employee (Hours)"),
            (60, 160, 10, "1,991 1,996 1,966"),
            (60, 200, 10, "2012 2013 2014 (Fiscal year)"),
            (50, 260, 10, "The trend reflects the work-style reforms introduced across the group in the period.")]
    doc = read(make_pdf([page]))
    (table,) = doc.tables
    assert doc.text[table.caption_start:table.caption_end] == "Annual working hours per employee (Hours)"
    assert [(doc.text[c.char_start:c.char_end], c.row, c.header) for c in table.cells] == [
        ("2012", 0, True), ("2013", 0, True), ("2014", 0, True),
        ("1,991", 1, False), ("1,996", 1, False), ("1,966", 1, False)]
    kinds = [(b.kind, doc.text[b.char_start:b.char_end][:12]) for b in doc.blocks]
    assert ("table", "1,991 1,996 ") in kinds and not any(k == "text" and t.startswith(("1,991", "2012")) for k, t in kinds)
    (processed,) = process_sources([source_file("chart.pdf", make_pdf([page]), 10**6)], "test")
    rows = processed.tables["figures"]
    cells = rows[rows.table_id.notna()]
    assert list(zip(cells.surface, cells.year, cells.unit)) == [("1,991", 2012, "hour"), ("1,996", 2013, "hour"),
                                                                ("1,966", 2014, "hour")]


def test_a_sentence_above_a_chart_is_not_its_title():
    text = INTRO + "All figures in this section are in thousand tonnes (kt).\n\n 12 15 17\n 2020 2021 2022\n"
    (table,) = _read(text).tables
    assert table.caption_start is None
    assert [(s, y, u) for s, y, u, _ in _figures(text)] == [("12", 2020, None), ("15", 2021, None), ("17", 2022, None)]
