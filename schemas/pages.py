"""The `pages` table: where each page of a paged document (a PDF, a text with form feeds) lies."""

import pandera.pandas as pa
from pandera.typing import Series


class PageSchema(pa.DataFrameModel):
    """A page of a document: its number and the span of documents.text it holds."""

    page_id: Series[str] = pa.Field(unique=True, description="Stable id: `<document_id>:pg<page_number>`.")
    document_id: Series[str] = pa.Field(description="The document this page belongs to.")
    page_number: Series[int] = pa.Field(ge=1, description="1-based page number, as a PDF viewer counts pages.")
    char_start: Series[int] = pa.Field(ge=0, description="Offset of the page's text in documents.text.")
    char_end: Series[int] = pa.Field(ge=0, description="End offset (exclusive); the form feed between pages belongs to no page.")
    run_id: Series[str] = pa.Field(description="Run that loaded this row.")

    @pa.dataframe_check(description="a page is an ordered span")
    def span_is_ordered(cls, df):
        return df["char_end"] >= df["char_start"]

    class Config:
        strict = True
        coerce = True
