"""The `rejections` table: every file or row that did not go in, with why."""

import pandera.pandas as pa
from pandera.typing import Series


class RejectionSchema(pa.DataFrameModel):
    """A rejected file or row, kept with its reason and lineage so nothing is silently dropped."""

    rejection_id: Series[str] = pa.Field(unique=True, description="Stable id from the source, table, check and row.")
    run_id: Series[str] = pa.Field(description="Run that rejected it.")
    source_path: Series[str] = pa.Field(description="The file it came from, relative to the raw directory.")
    document_id: Series[str] = pa.Field(nullable=True, description="The document, when the file could be read.")
    table_name: Series[str] = pa.Field(description="Table the row was meant for (`documents` for a whole file).")
    check: Series[str] = pa.Field(description="The check that failed (e.g. not_utf8, isin(...), lineage).")
    reason: Series[str] = pa.Field(description="What was wrong and what to do, in words.")
    char_start: Series[pa.Int64] = pa.Field(nullable=True, description="Offset in documents.text of the rejected row, if it has one.")
    char_end: Series[pa.Int64] = pa.Field(nullable=True, description="End offset of the rejected row, if it has one.")
    row_json: Series[str] = pa.Field(nullable=True, description="The rejected row as JSON.")

    class Config:
        strict = True
        coerce = True
