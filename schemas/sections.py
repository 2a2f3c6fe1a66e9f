"""The `sections` table: the sections of each document, one per heading, nested by level."""

import pandera.pandas as pa
from pandera.typing import Series


class SectionSchema(pa.DataFrameModel):
    """A section of a document: from its heading to the next heading, with its level and parent."""

    section_id: Series[str] = pa.Field(unique=True, description="Stable id: `<document_id>:s<section_index>`.")
    document_id: Series[str] = pa.Field(description="The document this section belongs to.")
    section_index: Series[int] = pa.Field(ge=0, description="0-based position of the section in the document.")
    level: Series[int] = pa.Field(ge=0, description="Heading level: 1 for a top-level heading, 2 under it, ...; 0 for the implicit section before the first heading.")
    parent_section_id: Series[str] = pa.Field(nullable=True, description="The enclosing section: the nearest section before this one with a lower level; null at the top.")
    title: Series[str] = pa.Field(nullable=True, description="The heading's text (markup such as `#` or `Sub header:` left out); null for an implicit section.")
    title_char_start: Series[pa.Int64] = pa.Field(nullable=True, ge=0, description="Offset of the title in documents.text.")
    title_char_end: Series[pa.Int64] = pa.Field(nullable=True, ge=0, description="End offset (exclusive) of the title.")
    char_start: Series[int] = pa.Field(ge=0, description="Offset of the section start in documents.text.")
    char_end: Series[int] = pa.Field(ge=0, description="End offset (exclusive) of the section in documents.text.")
    page_number: Series[pa.Int64] = pa.Field(nullable=True, ge=1, description="The page the section starts on; null for a format without pages.")
    run_id: Series[str] = pa.Field(description="Run that loaded this row.")

    @pa.dataframe_check(description="a section is a non-empty span")
    def span_is_ordered(cls, df):
        return df["char_end"] > df["char_start"]

    class Config:
        strict = True
        coerce = True
