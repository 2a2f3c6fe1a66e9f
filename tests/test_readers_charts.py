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


def _figures(text: str) -> list[tuple]:
    (doc,) = process_sources([source_file("chart.txt", text.encode("utf-8"), 10**6)], "test")
    rows = doc.tables["figures"]
    return [(r.surface, None if pd.isna(r.year) else int(r.year), r.unit, r.value_normalized)
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


def test_two_series_over_one_axis_are_read_series_by_series():
    text = INTRO + "Energy use (GWh)\n 2020 2021 2022\n 10 11 12 20 21 23\n"
    assert [(s, y) for s, y, _, _ in _figures(text)] == [("10", 2020), ("11", 2021), ("12", 2022),
                                                          ("20", 2020), ("21", 2021), ("23", 2022)]


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
