"""The `documents` table: one row per loaded report file."""

import pandera.pandas as pa
from pandera.typing import Series

from schemas.vocabulary import FORMATS


class DocumentSchema(pa.DataFrameModel):
    """A report as loaded: its identity, where it came from and its full decoded text."""

    document_id: Series[str] = pa.Field(unique=True, str_length={"min_value": 16, "max_value": 16},
                                        description="Stable id: first 16 hex digits of the content sha256.")
    source_path: Series[str] = pa.Field(description="Path of the file, relative to the raw directory.")
    format: Series[str] = pa.Field(isin=list(FORMATS), description="What the file was read as, from its content: txt, md, html or pdf.")
    sha256: Series[str] = pa.Field(str_matches=r"^[0-9a-f]{64}$", description="sha256 of the file's bytes.")
    n_chars: Series[int] = pa.Field(gt=0, description="Length of `text` in characters (Python str length).")
    text: Series[str] = pa.Field(description="The text the pipeline read (for a PDF its text layer, a form feed between pages; for HTML its main content); every offset in the warehouse points into it.")
    n_pages: Series[int] = pa.Field(ge=0, description="Pages (see the pages table); 0 for a format without pages.")
    reporting_entity: Series[str] = pa.Field(nullable=True, description="The organisation whose report this is: from a sidecar or raw/manifest.csv, else the file's metadata, else the organisation the text names most.")
    report_title: Series[str] = pa.Field(nullable=True, description="The report's title: given, from the file's metadata, or its first heading.")
    reporting_period: Series[str] = pa.Field(nullable=True, description="The period the report covers, as stated: FY2023, 2023, 2024/25 or 2023-04-01..2024-03-31.")
    source_url: Series[str] = pa.Field(nullable=True, description="Where the report was published, when given or stated in the file.")
    info_origin: Series[str] = pa.Field(nullable=True, description="JSON: where each of reporting_entity, report_title, reporting_period and source_url came from (sidecar, manifest, pdf metadata, html meta, text).")
    info_override: Series[str] = pa.Field(nullable=True, description="JSON: what raw/<file>.meta.json or raw/manifest.csv said about this file, if anything; a change re-processes it.")
    first_seen_run_id: Series[str] = pa.Field(description="Run that first loaded this content.")
    loaded_run_id: Series[str] = pa.Field(description="Run that loaded the rows now in the warehouse.")
    last_seen_run_id: Series[str] = pa.Field(description="Latest run that found this file in the raw directory.")
    code_version: Series[str] = pa.Field(description="Version of the processing code (parse, extract, validate, schemas and their libraries) that made this document's rows; a run with another version processes the file again.")

    @pa.dataframe_check(description="n_chars is the length of text")
    def n_chars_matches_text(cls, df):
        return df["text"].str.len() == df["n_chars"]

    class Config:
        strict = True
        coerce = True
