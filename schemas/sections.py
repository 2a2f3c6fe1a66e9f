"""The `sections` table: the `Sub header:` sections of each document."""

import pandera.pandas as pa
from pandera.typing import Series


class SectionSchema(pa.DataFrameModel):
    """A section of a document, from its `Sub header:` line to the next one."""

    section_id: Series[str] = pa.Field(unique=True, description="Stable id: `<document_id>:s<section_index>`.")
    document_id: Series[str] = pa.Field(description="The document this section belongs to.")
    section_index: Series[int] = pa.Field(ge=0, description="0-based position of the section in the document.")
    title: Series[str] = pa.Field(nullable=True, description="Text after `Sub header:`, stripped; null for an implicit section.")
    title_char_start: Series[pa.Int64] = pa.Field(nullable=True, ge=0, description="Offset of the title in documents.text.")
    title_char_end: Series[pa.Int64] = pa.Field(nullable=True, ge=0, description="End offset (exclusive) of the title.")
    char_start: Series[int] = pa.Field(ge=0, description="Offset of the section start in documents.text.")
    char_end: Series[int] = pa.Field(ge=0, description="End offset (exclusive) of the section in documents.text.")
    run_id: Series[str] = pa.Field(description="Run that loaded this row.")

    @pa.dataframe_check(description="a section is a non-empty span")
    def span_is_ordered(cls, df):
        return df["char_end"] > df["char_start"]

    class Config:
        strict = True
        coerce = True
