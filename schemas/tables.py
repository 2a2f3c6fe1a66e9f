"""The `tables` table: every table found in a document, with its place and shape."""

import pandera.pandas as pa
from pandera.typing import Series


class TableSchema(pa.DataFrameModel):
    """A table of a document: where it is, its caption and its shape; its cells' figures are in figures."""

    table_id: Series[str] = pa.Field(unique=True, description="Stable id: `<document_id>:t<char_start>`.")
    document_id: Series[str] = pa.Field(description="The document the table is in.")
    section_id: Series[str] = pa.Field(description="The section the table is in.")
    paragraph_id: Series[str] = pa.Field(description="The paragraph (of kind table) that holds the table's rows.")
    page_number: Series[pa.Int64] = pa.Field(nullable=True, ge=1, description="The page the table starts on; null for a format without pages.")
    char_start: Series[int] = pa.Field(ge=0, description="Offset of the table in documents.text.")
    char_end: Series[int] = pa.Field(ge=0, description="End offset (exclusive) of the table.")
    caption: Series[str] = pa.Field(nullable=True, description="The caption or title line that names the table, as written; null if none.")
    caption_char_start: Series[pa.Int64] = pa.Field(nullable=True, ge=0, description="Offset of the caption in documents.text.")
    caption_char_end: Series[pa.Int64] = pa.Field(nullable=True, ge=0, description="End offset (exclusive) of the caption.")
    n_rows: Series[int] = pa.Field(ge=1, description="Rows, header rows included.")
    n_cols: Series[int] = pa.Field(ge=1, description="Columns.")
    header_rows: Series[int] = pa.Field(ge=0, description="How many rows at the top are headers.")
    run_id: Series[str] = pa.Field(description="Run that loaded this row.")

    @pa.dataframe_check(description="a table is an ordered span")
    def span_is_ordered(cls, df):
        return df["char_end"] > df["char_start"]

    class Config:
        strict = True
        coerce = True
