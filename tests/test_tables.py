"""Tables read as tables: each cell's unit, scale, year and metric from its headers, on small tables
and on real report tables (BlackRock's 2023 GHG table, read from the published PDF)."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.readers.text import read_text
from flows.tables import header_year, table_figures, unit_in_label
from tests.conftest import CORPUS_DIR


def _cells(text: str) -> dict[tuple[str, str | None], object]:
    """(row label, column label) -> the figure read from that cell."""
    doc = read_text("t.txt", "0" * 64, text)
    out = {}
    for table in doc.tables:
        caption = (table.caption_start, table.caption_end) if table.caption_start is not None else None
        for f in table_figures(doc.text, doc.view, table, caption):
            out[(f.row_label, f.col_label)] = (doc.text[f.char_start:f.char_end], f)
    return out


@pytest.mark.parametrize("label, code, factor", [
    ("(EUR bn.)", "EUR", 1e9),
    ("Unit: KRW 100 million", "KRW", 1e8),
    ("'000 t", "t", 1e3),
    ("Emissions in thousand tonnes", "t", 1e3),
    ("Total energy consumption (MWh)", "MWh", 1),
    ("Scope 1 and 2 (MtCO2e)", "MtCO2e", 1),
    ("10,000 t-CO2", "tCO2e", 1e4),
    ("Water withdrawal, m3", "m3", 1),
    ("Scope 1 and Scope 2 tCO2e/ $1 million revenue", "tCO2e/revenue", 1),
    ("% of employees", "%", 1),
    ("PERFORMANCE RECORD\n% of base year (lower is better)", "%", 1),
])
def test_units_and_scales_named_in_labels(label, code, factor):
    spec = unit_in_label(label)
    assert (spec.code, spec.factor) == (code, factor)
    assert spec.char_start >= 0 and spec.char_end <= len(label)


@pytest.mark.parametrize("label", ["Scope 2 (market-based)", "Business travel", "2023", "Category 6"])
def test_labels_without_units(label):
    assert unit_in_label(label) is None


@pytest.mark.parametrize("header, year", [
    ("FY22", 2022), ("2023", 2023), ("2023/24", 2023), ("FY2021/22", 2021), ("Baseline 2019", 2019),
    ("2019* (baseline)", 2019), ("Change", None), ("2022 vs 2021", None),
])
def test_years_in_headers(header, year):
    assert header_year(header) == year


def test_a_ghg_table_with_years_a_change_column_and_a_group_row():
    cells = _cells("GHG emissions (tCO2e)\n\nScope | FY22 | FY21 | Change\nScope 1 | 1,200 | 1,300 | -8%\n"
                   "Scope 3 | | |\nCategory 1 | 10,000 | 9,000 | 11%\nTotal | 11,700 | 10,950 | 7%\n")
    surface, f = cells[("Scope 1", "FY22")]
    assert (surface, f.value, f.unit, f.year, f.unit_source) == ("1,200", 1200, "tCO2e", 2022, "caption")
    surface, f = cells[("Scope 1", "Change")]
    assert (surface, f.unit, f.year, f.metric) == ("-8%", "%", None, "change in Scope 1")
    assert cells[("Category 1", "FY21")][1].metric == "Scope 3 – Category 1"
    assert cells[("Total", "FY22")][1].metric != "Total"  # never a bare "Total"


def test_a_unit_column_with_a_scale_and_an_unknown_unit_kept_null():
    cells = _cells("Item | Unit | 2023\nRevenue | KRW 100 million | 111\nWater | '000 m3 | 45.2\nBoxes | | 7\n")
    surface, revenue = cells[("Revenue", "2023")]
    assert (surface, revenue.value, revenue.unit, revenue.unit_source) == ("111", 11_100_000_000, "KRW", "unit_column")
    assert cells[("Water", "2023")][1].value_normalized == 45_200
    boxes = cells[("Boxes", "2023")][1]
    assert (boxes.unit, boxes.value_normalized, boxes.unit_source) == (None, None, None)  # never guessed
    assert "KRW" not in {s for s, _ in cells.values()}  # a unit is never a figure


def test_row_label_unit_beats_the_caption_and_a_site_column_names_the_entity():
    cells = _cells("Energy use (GJ)\n\nSite | Electricity (MWh) | Gas\nSuwon Data Center | 1,234 | 56\n")
    elec = cells[("Suwon Data Center", "Electricity (MWh)")][1]
    gas = cells[("Suwon Data Center", "Gas")][1]
    assert (elec.unit, elec.unit_source, elec.entity) == ("MWh", "column_header", "Suwon Data Center")
    assert (gas.unit, gas.unit_source) == ("GJ", "caption")


def test_years_footnotes_dashes_and_year_columns_are_not_figures():
    cells = _cells("Target | Target year | 2023\nNet zero | 2050 | -\nRenewables | 2030 | 45%*\n")
    assert [s for s, _ in cells.values()] == ["45%"]
    assert cells[("Renewables", "2023")][1].is_target is True  # a target row


@pytest.fixture(scope="module")
def blackrock_ghg():
    path = CORPUS_DIR / "pdf" / "blackrock_2023_tcfd_report.pdf"
    if not path.exists():
        pytest.skip(f"{path} is not here")
    from flows.process import process_sources
    from flows.read import source_file

    (doc,) = process_sources([source_file(path.name, path.read_bytes(), 10**8)], "t")
    tables = doc.tables["tables"]
    (table_id,) = tables.loc[tables["caption"].str.contains("Corporate GHG emissions", na=False), "table_id"]
    figures = doc.tables["figures"]
    return figures[figures["table_id"] == table_id], tables[tables["table_id"] == table_id].iloc[0]


# Exhibit M.2 on page 32 of BlackRock's 2023 TCFD report, read by eye: (row starts with, column
# starts with, value as printed, metric_code, year)
BLACKROCK_CELLS = [
    ("Scope 1", "2019", "5,882", "ghg_scope1", 2019),
    ("Scope 1", "2022", "5,765", "ghg_scope1", 2022),
    ("Scope 2 (location-based)", "2021", "18,637", "ghg_scope2_location", 2021),
    ("Scope 2 (market-based)", "2022", "3,239", "ghg_scope2_market", 2022),
    ("Total Scope 1 and Scope 2 (market-based)", "2022", "9,004", "ghg_scope1_2", 2022),
    ("1. Purchased goods and services", "2022", "250,345", "ghg_scope3_cat01", 2022),
    ("6. Business travel", "2019", "39,116", "ghg_scope3_cat06", 2019),
    ("15. Investments", "2021", "80,868", "ghg_scope3_cat15", 2021),
    ("Total electricity consumed (MWh)", "2022", "75,760", "energy_consumption", 2022),
]


@pytest.mark.parametrize("row, column, surface, code, year", BLACKROCK_CELLS)
def test_blackrock_ghg_table_cells_read_as_printed(blackrock_ghg, row, column, surface, code, year):
    figures, table = blackrock_ghg
    assert table["page_number"] == 32
    cell = figures[figures["row_label"].str.startswith(row) & figures["col_label"].str.startswith(column)
                   & (figures["surface"] == surface)]
    assert len(cell) == 1, (row, column, surface)
    cell = cell.iloc[0]
    assert (cell["metric_code"], cell["year"], cell["page_number"]) == (code, year, 32)
    assert cell["unit"] is not None


def test_blackrock_ghg_table_every_cell_has_a_unit_and_change_cells_no_year(blackrock_ghg):
    figures, _ = blackrock_ghg
    assert figures["unit"].notna().all()
    change = figures[figures["col_label"].str.contains("Change", na=False)]
    assert len(change) > 10 and change["year"].isna().all() and (change["unit"] == "%").all()
    market = figures[figures["row_label"].str.startswith("Scope 2 (market") & (figures["unit"] == "tCO2e")]
    assert len(market) == 4 and market["scope2_method"].eq("market").all()


# Tables of a corpus text (Dilmah's Natural Capital chapter, 2024/25, a PDF extraction with
# `|` rows), read by eye: (row label starts with, column label, value as printed, unit, year).
DILMAH_CELLS = [
    ("Generators", "Energy DCTC (GJ)", "944.6", "GJ", None),
    ("Generators", "Total Energy (GJ) 2024/25", "1,365.8", "GJ", 2024),
    ("Generators", "Total Energy (GJ) 2023/24", "1,809.3", "GJ", 2023),
    ("Generators", "Y-O-Y change (%)", "-24.5%", "%", None),
    ("Electricity Purchased", "Total Energy (GJ) 2024/25", "15,444.8", "GJ", 2024),
    ("Volume of Water withdrawn", "2024/25", "35.93", "ML", 2024),
    ("Water Discharged to the WWTP", "2023/24", "41.11", "ML", 2023),
    ("Tea", "Data", "5,769.3", "t", None),
]


@pytest.fixture(scope="module")
def dilmah_cells():
    path = CORPUS_DIR / "dilmah_2024_25_natural_capital.txt"
    if not path.exists():
        pytest.skip(f"{path} is not here")
    from flows.process import process_sources
    from flows.read import source_file

    (doc,) = process_sources([source_file(path.name, path.read_bytes(), 10**8)], "t")
    figures = doc.tables["figures"]
    return figures[figures["table_id"].notna()]


@pytest.mark.parametrize("row, column, surface, unit, year", DILMAH_CELLS)
def test_dilmah_table_cells_read_as_printed(dilmah_cells, row, column, surface, unit, year):
    cell = dilmah_cells[dilmah_cells["row_label"].str.startswith(row) & (dilmah_cells["col_label"] == column)
                        & (dilmah_cells["surface"] == surface)]
    assert len(cell) == 1, (row, column, surface)
    got_year = cell.iloc[0]["year"]
    assert cell.iloc[0]["unit"] == unit and (None if pd.isna(got_year) else int(got_year)) == year
