"""The `citations` table: what each paragraph (and so each figure in it) cites, and what that resolves to."""

import pandera.pandas as pa
from pandera.typing import Series


class CitationSchema(pa.DataFrameModel):
    """A citation in a paragraph: its characters, its kind, and the reference entry, footnote or URL it resolves to."""

    citation_id: Series[str] = pa.Field(unique=True, description="Stable id: `<document_id>:c<char_start>`.")
    paragraph_id: Series[str] = pa.Field(description="The paragraph that cites (join figures on paragraph_id to see what a figure cites).")
    document_id: Series[str] = pa.Field(description="The document.")
    char_start: Series[int] = pa.Field(ge=0, description="Offset of the citation in documents.text.")
    char_end: Series[int] = pa.Field(ge=0, description="End offset (exclusive).")
    surface: Series[str] = pa.Field(description="The citation as written: documents.text at those offsets.")
    kind: Series[str] = pa.Field(isin=["url", "author_year", "numbered_source", "footnote", "cross_reference", "source_note"], description="url, author_year, numbered_source, footnote, cross_reference or source_note.")
    target: Series[str] = pa.Field(description="What it points at, as written: a URL, 'Alibaba 2023d', '7-8', 'A', 'Chapter 1.3'.")
    resolved_reference: Series[str] = pa.Field(nullable=True, description="The reference-list entry or footnote text it resolves to in this document; null if none.")
    resolved_char_start: Series[pa.Int64] = pa.Field(nullable=True, ge=0, description="Offset of that entry in documents.text.")
    resolved_char_end: Series[pa.Int64] = pa.Field(nullable=True, ge=0, description="End offset (exclusive) of that entry.")
    run_id: Series[str] = pa.Field(description="Run that loaded this row.")

    class Config:
        strict = True
        coerce = True
