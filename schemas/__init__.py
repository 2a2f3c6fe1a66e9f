"""pandera models, one per warehouse table; the DuckDB DDL is derived from them."""

from schemas.documents import DocumentSchema
from schemas.figures import FigureSchema
from schemas.paragraphs import ParagraphSchema
from schemas.rejections import RejectionSchema
from schemas.runs import RunSchema
from schemas.sections import SectionSchema

# table name -> (model, primary key), in load order
TABLES = {
    "documents": (DocumentSchema, "document_id"),
    "sections": (SectionSchema, "section_id"),
    "paragraphs": (ParagraphSchema, "paragraph_id"),
    "figures": (FigureSchema, "figure_id"),
    "rejections": (RejectionSchema, "rejection_id"),
    "runs": (RunSchema, "run_id"),
}

__all__ = ["TABLES", "DocumentSchema", "SectionSchema", "ParagraphSchema", "FigureSchema",
           "RunSchema", "RejectionSchema"]
