"""The `runs` table: one row per flow run, the ledger of what each run did."""

import pandera.pandas as pa
from pandera.typing import Series


class RunSchema(pa.DataFrameModel):
    """A run of `ingest_reports`: when, how it ended, and what it loaded."""

    run_id: Series[str] = pa.Field(unique=True, description="The Prefect flow run id (a generated id when run without Prefect).")
    started_at: Series[pa.DateTime] = pa.Field(description="When the run started (UTC).")
    finished_at: Series[pa.DateTime] = pa.Field(nullable=True, description="When it finished (UTC); null while running or if it died.")
    status: Series[str] = pa.Field(isin=["running", "completed", "failed"], description="running | completed | failed.")
    raw_dir: Series[str] = pa.Field(description="The raw directory the run read.")
    n_files: Series[int] = pa.Field(ge=0, description="Files found in the raw directory.")
    n_documents_loaded: Series[int] = pa.Field(ge=0, description="Documents (re)loaded by this run.")
    n_documents_skipped: Series[int] = pa.Field(ge=0, description="Unchanged documents skipped.")
    n_documents_rejected: Series[int] = pa.Field(ge=0, description="Files rejected (see rejections).")
    n_sections: Series[int] = pa.Field(ge=0, description="Section rows written by this run.")
    n_paragraphs: Series[int] = pa.Field(ge=0, description="Paragraph rows written by this run.")
    n_figures: Series[int] = pa.Field(ge=0, description="Figure rows written by this run.")
    n_rejections: Series[int] = pa.Field(ge=0, description="Rejection rows written by this run.")
    message: Series[str] = pa.Field(nullable=True, description="Why a run failed, else null.")

    class Config:
        strict = True
        coerce = True
