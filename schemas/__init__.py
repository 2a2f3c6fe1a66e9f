"""pandera models, one per warehouse table; the DuckDB DDL is derived from them.

The models (and pandera) are imported on first use of TABLES or a model name, so code that only
needs the shared vocabularies (``schemas.vocabulary``) stays light.
"""

from __future__ import annotations

import importlib

# table name -> (module, model class, primary key), in load order
_TABLES = (
    ("documents", "schemas.documents", "DocumentSchema", "document_id"),
    ("sections", "schemas.sections", "SectionSchema", "section_id"),
    ("pages", "schemas.pages", "PageSchema", "page_id"),
    ("paragraphs", "schemas.paragraphs", "ParagraphSchema", "paragraph_id"),
    ("tables", "schemas.tables", "TableSchema", "table_id"),
    ("figures", "schemas.figures", "FigureSchema", "figure_id"),
    ("facts", "schemas.facts", "FactSchema", "fact_id"),
    ("fact_mentions", "schemas.facts", "FactMentionSchema", "mention_id"),
    ("findings", "schemas.findings", "FindingSchema", "finding_id"),
    ("finding_figures", "schemas.findings", "FindingFigureSchema", "finding_figure_id"),
    ("citations", "schemas.citations", "CitationSchema", "citation_id"),
    ("rejections", "schemas.rejections", "RejectionSchema", "rejection_id"),
    ("runs", "schemas.runs", "RunSchema", "run_id"),
)
TABLE_NAMES = tuple(name for name, *_ in _TABLES)
PRIMARY_KEYS = {name: key for name, _, _, key in _TABLES}

__all__ = ["TABLES", "TABLE_NAMES", "PRIMARY_KEYS"] + [model for _, _, model, _ in _TABLES]


def __getattr__(name: str):
    if name == "TABLES":
        tables = {table: (getattr(importlib.import_module(module), model), key) for table, module, model, key in _TABLES}
        globals()["TABLES"] = tables
        return tables
    for _, module, model, _ in _TABLES:
        if name == model:
            return getattr(importlib.import_module(module), model)
    raise AttributeError(f"module 'schemas' has no attribute {name!r}")
