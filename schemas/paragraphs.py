"""The `paragraphs` table: the blocks of each section (paragraphs, lists, tables, ...), labels left out."""

import pandera.pandas as pa
from pandera.typing import Series

from schemas.vocabulary import BLOCK_KINDS


class ParagraphSchema(pa.DataFrameModel):
    """A paragraph: its exact text and where it lies in the document."""

    paragraph_id: Series[str] = pa.Field(unique=True, description="Stable id: `<section_id>:p<paragraph_index>`.")
    section_id: Series[str] = pa.Field(description="The section this paragraph lies in.")
    document_id: Series[str] = pa.Field(description="The document this paragraph lies in.")
    paragraph_index: Series[int] = pa.Field(ge=0, description="0-based position of the paragraph in its section.")
    label: Series[str] = pa.Field(nullable=True, description="The `Paragraph N` label that preceded it, if any (not part of text).")
    kind: Series[str] = pa.Field(isin=list(BLOCK_KINDS), description="text, list or caption (prose: figures are taken from it), table (a table's rows), references (a reference list: no figures), furniture (running headers and footers, page numbers: no figures, no entities).")
    char_start: Series[int] = pa.Field(ge=0, description="Offset of the paragraph in documents.text.")
    char_end: Series[int] = pa.Field(ge=0, description="End offset (exclusive) in documents.text.")
    text: Series[str] = pa.Field(str_length={"min_value": 1}, description="The paragraph text, equal to documents.text at those offsets.")
    page_number: Series[pa.Int64] = pa.Field(nullable=True, ge=1, description="The page the paragraph starts on; null for a format without pages.")
    run_id: Series[str] = pa.Field(description="Run that loaded this row.")

    @pa.dataframe_check(description="text is as long as its span")
    def text_fills_span(cls, df):
        return df["text"].str.len() == df["char_end"] - df["char_start"]

    class Config:
        strict = True
        coerce = True
