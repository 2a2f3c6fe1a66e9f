"""The `figures` table: every quantitative figure found, normalized, with its lineage."""

import pandera.pandas as pa
from pandera.typing import Series

from schemas.vocabulary import QUALIFIERS, TOPICS, UNIT_PATTERN


class FigureSchema(pa.DataFrameModel):
    """A figure: where it is (offsets into documents.text), what it says and what it is about."""

    figure_id: Series[str] = pa.Field(unique=True, description="Stable id: `<document_id>:f<char_start>-<char_end>`.")
    document_id: Series[str] = pa.Field(description="The document the figure is in.")
    section_id: Series[str] = pa.Field(description="The section the figure is in.")
    paragraph_id: Series[str] = pa.Field(description="The paragraph the figure is in.")
    page_number: Series[pa.Int64] = pa.Field(nullable=True, ge=1, description="The page the figure is on; null for a format without pages.")
    char_start: Series[int] = pa.Field(ge=0, description="Offset of the figure in documents.text.")
    char_end: Series[int] = pa.Field(ge=0, description="End offset (exclusive) in documents.text.")
    surface: Series[str] = pa.Field(str_length={"min_value": 1}, description="The figure as written: documents.text at those offsets.")
    sentence: Series[str] = pa.Field(description="The sentence the figure is in.")
    value: Series[float] = pa.Field(description="The number with scale words applied (RMB399 million -> 399000000); the low end of a range.")
    value_high: Series[float] = pa.Field(nullable=True, description="The high end of a range (20-30% -> 30), else null.")
    unit: Series[str] = pa.Field(nullable=True, str_matches=UNIT_PATTERN, description="Unit as stated, as a short code: ISO currency (CNY, USD, ...), %, kWh, MWh, GWh, tCO2e, MtCO2e, GtCO2e, t, m3, minute, hour, day, year, count, fraction; an intensity is `<unit>/<per>` (kWh/m2); null for a table cell whose unit nothing states (never guessed).")
    value_normalized: Series[float] = pa.Field(nullable=True, description="value converted to unit_normalized; null when the unit is unknown.")
    unit_normalized: Series[str] = pa.Field(nullable=True, str_matches=UNIT_PATTERN, description="GHG -> tCO2e, energy -> kWh, mass -> t, water -> m3; money, %, counts unchanged; null when the unit is unknown.")
    qualifier: Series[str] = pa.Field(isin=list(QUALIFIERS), description="exact | approximately | at_least | at_most.")
    year: Series[pa.Int64] = pa.Field(nullable=True, ge=1900, le=2100, description="Year the figure refers to, when the text states it: the year that governs it in its sentence, or its table column's (or row's) year; a target's target year.")
    is_target: Series[bool] = pa.Field(description="True for a target or goal (\"50% by 2030\", a Target column), so goals and progress never share a time series.")
    entity: Series[str] = pa.Field(nullable=True, description="Who the figure is about: an organisation or part of one named in its sentence (a subsidiary, a site), else the document's reporting_entity.")
    metric: Series[str] = pa.Field(nullable=True, description="Short label of what is measured.")
    metric_code: Series[str] = pa.Field(nullable=True, description="The standard metric the figure states (schemas/vocab/metrics.csv: ghg_scope1, ghg_scope2_market, water_withdrawal, ...); null when unsure: a wrong code is worse than none.")
    scope: Series[str] = pa.Field(nullable=True, isin=["1", "2", "3", "1+2", "1+2+3"], description="GHG scope the figure's words state: 1, 2, 3, 1+2 or 1+2+3.")
    scope2_method: Series[str] = pa.Field(nullable=True, isin=["location", "market"], description="Scope 2 accounting method the words state: location or market.")
    gri_code: Series[str] = pa.Field(nullable=True, description="GRI disclosure(s) of the metric, e.g. GRI 305-1.")
    pillar: Series[str] = pa.Field(isin=["E", "S", "G"], description="ESG pillar: E, S or G.")
    topic: Series[str] = pa.Field(isin=list(TOPICS), description="Topic, one of: " + ", ".join(TOPICS) + ".")
    table_id: Series[str] = pa.Field(nullable=True, description="The table the figure is a cell of; null for a figure in prose.")
    row_index: Series[pa.Int64] = pa.Field(nullable=True, ge=0, description="The cell's row in its table (0-based, header rows included).")
    col_index: Series[pa.Int64] = pa.Field(nullable=True, ge=0, description="The cell's column in its table (0-based).")
    row_label: Series[str] = pa.Field(nullable=True, description="The cell's row label, as printed.")
    col_label: Series[str] = pa.Field(nullable=True, description="The cell's full column header, header rows joined with ' / '.")
    unit_source: Series[str] = pa.Field(nullable=True, isin=["cell", "unit_column", "row_label", "column_header", "caption"], description="Where a table cell's unit came from: cell, unit_column, row_label, column_header or caption.")
    unit_source_char_start: Series[pa.Int64] = pa.Field(nullable=True, ge=0, description="Offset in documents.text of the words that gave the unit, when not the cell itself.")
    unit_source_char_end: Series[pa.Int64] = pa.Field(nullable=True, ge=0, description="End offset (exclusive) of those words.")
    run_id: Series[str] = pa.Field(description="Run that loaded this row.")

    @pa.dataframe_check(description="surface is as long as its span")
    def surface_fills_span(cls, df):
        return df["surface"].str.len() == df["char_end"] - df["char_start"]

    @pa.dataframe_check(description="values are finite numbers")
    def values_are_finite(cls, df):
        import numpy as np

        return np.isfinite(df["value"]) & (df["value_normalized"].isna() | np.isfinite(df["value_normalized"]))

    @pa.dataframe_check(raise_warning=True, description="its unit is known: a table cell whose unit nothing in the table states is kept with unit null, never given a guessed one")
    def unit_is_known(cls, df):
        return df["unit"].notna()

    @pa.dataframe_check(raise_warning=True, description="an amount of emissions, energy, water or waste is not negative outside a change column (a removal or a sign misread as a minus?)")
    def amount_is_not_negative(cls, df):
        amounts = df["unit_normalized"].isin(["tCO2e", "kWh", "m3", "t"])
        change = df["col_label"].fillna("").str.contains(r"(?i)change|yoy|y-o-y|vs|variance|difference")
        return ~amounts | change | (df["value"] >= 0)

    class Config:
        strict = True
        coerce = True
