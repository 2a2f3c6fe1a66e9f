"""The `findings` and `finding_figures` tables: what is wrong with the figures, and which figures."""

import pandera.pandas as pa
from pandera.typing import Series

FINDING_KINDS = ["implausible_magnitude", "conflicting_values", "restated_period", "inconsistent_parts",
                 "restated_value", "schema_warning"]


class FindingSchema(pa.DataFrameModel):
    """A data-quality finding: a kind, how serious, and a sentence an analyst understands, naming the figures and where they are."""

    finding_id: Series[str] = pa.Field(unique=True, description="Stable id from the document, the kind and the figures involved.")
    document_id: Series[str] = pa.Field(description="The document the finding is about (the later one, for restated_value).")
    kind: Series[str] = pa.Field(isin=FINDING_KINDS, description="implausible_magnitude, conflicting_values, restated_period, inconsistent_parts, restated_value or schema_warning (see README, Data quality).")
    severity: Series[str] = pa.Field(isin=["error", "warning", "info"], description="error | warning | info.")
    message: Series[str] = pa.Field(description="What is wrong, naming the figures and where they are (page, offset), and what to check.")
    fact_id: Series[str] = pa.Field(nullable=True, description="The fact it is about, when one.")
    run_id: Series[str] = pa.Field(description="Run that loaded this row.")

    class Config:
        strict = True
        coerce = True


class FindingFigureSchema(pa.DataFrameModel):
    """A figure a finding is about."""

    finding_figure_id: Series[str] = pa.Field(unique=True, description="Stable id: `<finding_id>|<figure_id>`.")
    finding_id: Series[str] = pa.Field(description="The finding.")
    figure_id: Series[str] = pa.Field(description="A figure it is about.")
    document_id: Series[str] = pa.Field(description="The finding's document.")
    run_id: Series[str] = pa.Field(description="Run that loaded this row.")

    class Config:
        strict = True
        coerce = True
