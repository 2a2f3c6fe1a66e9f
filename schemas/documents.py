"""The `documents` table: one row per loaded report file."""

import pandera.pandas as pa
from pandera.typing import Series


class DocumentSchema(pa.DataFrameModel):
    """A report as loaded: its identity, where it came from and its full decoded text."""

    document_id: Series[str] = pa.Field(unique=True, str_length={"min_value": 16, "max_value": 16},
                                        description="Stable id: first 16 hex digits of the content sha256.")
    source_path: Series[str] = pa.Field(description="Path of the file, relative to the raw directory.")
    sha256: Series[str] = pa.Field(str_matches=r"^[0-9a-f]{64}$", description="sha256 of the file's bytes.")
    n_chars: Series[int] = pa.Field(gt=0, description="Length of `text` in characters (Python str length).")
    text: Series[str] = pa.Field(description="The full decoded text; every offset in the warehouse points into it.")
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
