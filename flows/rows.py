"""The rows of one processed document, as the processing step hands them to the loading step.

Its own module so that loading (flows/load.py) never imports the processing code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from schemas import TABLES

# The tables a document's rows go to, in load order (delete in reverse).
DATA_TABLES = ("documents", "sections", "pages", "paragraphs", "tables", "figures", "facts", "fact_mentions",
               "findings", "finding_figures", "citations")


@dataclass
class ProcessedDocument:
    """Validated rows of one document, ready to load, and what was rejected on the way."""

    source_path: str
    document_id: str
    sha256: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    rejections: list[dict] = field(default_factory=list)


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """rows as a DataFrame with the table's columns, in schema order."""
    return pd.DataFrame(rows, columns=list(TABLES[table][0].to_schema().columns))
