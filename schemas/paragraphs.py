"""The `paragraphs` table: blank-line separated blocks of each section, labels left out."""

import pandera.pandas as pa
from pandera.typing import Series


class ParagraphSchema(pa.DataFrameModel):
    """A paragraph: its exact text and where it lies in the document."""

    paragraph_id: Series[str] = pa.Field(unique=True, description="Stable id: `<section_id>:p<paragraph_index>`.")
    section_id: Series[str] = pa.Field(description="The section this paragraph lies in.")
    document_id: Series[str] = pa.Field(description="The document this paragraph lies in.")
    paragraph_index: Series[int] = pa.Field(ge=0, description="0-based position of the paragraph in its section.")
    label: Series[str] = pa.Field(nullable=True, description="The `Paragraph N` label that preceded it, if any (not part of text).")
    kind: Series[str] = pa.Field(isin=["text", "references"], description="`text`, or `references` for a reference list (no figures taken from it).")
    char_start: Series[int] = pa.Field(ge=0, description="Offset of the paragraph in documents.text.")
    char_end: Series[int] = pa.Field(ge=0, description="End offset (exclusive) in documents.text.")
    text: Series[str] = pa.Field(str_length={"min_value": 1}, description="The paragraph text, equal to documents.text at those offsets.")
    run_id: Series[str] = pa.Field(description="Run that loaded this row.")

    @pa.dataframe_check(description="text is as long as its span")
    def text_fills_span(cls, df):
        return df["text"].str.len() == df["char_end"] - df["char_start"]

    class Config:
        strict = True
        coerce = True
