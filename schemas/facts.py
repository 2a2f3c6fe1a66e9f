"""The `facts` and `fact_mentions` tables: distinct facts, and every figure that states each."""

import pandera.pandas as pa
from pandera.typing import Series


class FactSchema(pa.DataFrameModel):
    """A distinct fact of a document: the figures that state the same thing with the same value, consolidated."""

    fact_id: Series[str] = pa.Field(unique=True, description="Stable id: `<document_id>:fact<char_start of the first mention>`.")
    document_id: Series[str] = pa.Field(description="The document that states the fact.")
    reporting_entity: Series[str] = pa.Field(nullable=True, description="The document's reporting entity.")
    entity: Series[str] = pa.Field(nullable=True, description="Who the fact is about: the reporting entity or a named part of it.")
    metric_code: Series[str] = pa.Field(nullable=True, description="The standard metric (schemas/vocab/metrics.csv), null when unclassified.")
    metric: Series[str] = pa.Field(nullable=True, description="The standard metric's title, else the first mention's label.")
    scope: Series[str] = pa.Field(nullable=True, isin=["1", "2", "3", "1+2", "1+2+3"], description="GHG scope: 1, 2, 3, 1+2 or 1+2+3.")
    scope2_method: Series[str] = pa.Field(nullable=True, isin=["location", "market"], description="Scope 2 method: location or market.")
    value: Series[float] = pa.Field(description="The value as stated by the most precise mention, scale applied, in its own unit.")
    unit: Series[str] = pa.Field(nullable=True, description="That mention's unit.")
    value_normalized: Series[float] = pa.Field(nullable=True, description="The value in unit_normalized (from the most precise mention).")
    unit_normalized: Series[str] = pa.Field(nullable=True, description="Normalized unit: tCO2e, kWh, t, m3, %, count, a currency, ...")
    qualifier: Series[str] = pa.Field(description="exact | approximately | at_least | at_most (of the most precise mention).")
    year: Series[pa.Int64] = pa.Field(nullable=True, ge=1900, le=2100, description="The year most mentions state (a restated_period finding says when they differ).")
    is_target: Series[bool] = pa.Field(description="A target or goal, not an achievement.")
    pillar: Series[str] = pa.Field(isin=["E", "S", "G"], description="ESG pillar.")
    topic: Series[str] = pa.Field(description="Topic (the most common among its mentions).")
    gri_code: Series[str] = pa.Field(nullable=True, description="GRI disclosure(s) of the metric, e.g. GRI 305-1.")
    n_mentions: Series[int] = pa.Field(ge=1, description="How many figures state it (see fact_mentions).")
    first_figure_id: Series[str] = pa.Field(description="The first figure that states it.")
    first_char_start: Series[int] = pa.Field(ge=0, description="Offset of the first mention in documents.text.")
    first_char_end: Series[int] = pa.Field(ge=0, description="End offset (exclusive) of the first mention.")
    first_page_number: Series[pa.Int64] = pa.Field(nullable=True, ge=1, description="Page of the first mention.")
    fact_key: Series[str] = pa.Field(nullable=True, description="Links the same fact across documents: reporting entity, entity (if a part of it), metric code, Scope 2 method and year; null for unclassified facts and targets.")
    run_id: Series[str] = pa.Field(description="Run that loaded this row.")

    class Config:
        strict = True
        coerce = True


class FactMentionSchema(pa.DataFrameModel):
    """A figure that states a fact."""

    mention_id: Series[str] = pa.Field(unique=True, description="Stable id: the figure_id (a figure states one fact).")
    fact_id: Series[str] = pa.Field(description="The fact.")
    figure_id: Series[str] = pa.Field(unique=True, description="A figure that states it.")
    document_id: Series[str] = pa.Field(description="The document both are in.")
    run_id: Series[str] = pa.Field(description="Run that loaded this row.")

    class Config:
        strict = True
        coerce = True
