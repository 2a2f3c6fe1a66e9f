"""The one settings object: paths, limits, schedule and task runner shared by the CLI and the deployment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 4
TASK_RUNNERS = ("processes", "threads", "dask")


@dataclass(frozen=True)
class Settings:
    """Where reports come from, where the warehouse lives, and how runs behave."""

    raw_dir: Path = Path("raw")
    warehouse: Path = Path("warehouse/esg.duckdb")
    max_bytes: int = 64 * 1024 * 1024  # larger files are rejected with a reason, not loaded
    follow_links: bool = False  # links in raw/ that lead out of it are rejected unless this is set
    cron: str = "0 * * * *"
    batch_size: int | None = None  # documents per Prefect task; None: batch_size_for() picks it
    task_runner: str = "processes"  # where batches run: see flows.pipeline.make_task_runner
    dask_address: str | None = None  # an existing Dask scheduler; None starts a local cluster
    serve_wait_seconds: float = 600.0  # a scheduled run waits this long for a busy warehouse
    prefect_port: int = 4200  # where `esg serve` starts a Prefect server when PREFECT_API_URL is unset

    @property
    def exports_dir(self) -> Path:
        return self.warehouse.parent / "exports"

    @property
    def cache_dir(self) -> Path:
        """Processed batches cached by content (flows/batch_cache.py; a speed-up only, safe to delete)."""
        return self.warehouse.parent / "cache"

    @classmethod
    def from_env(cls) -> "Settings":
        """Defaults, overridden by ESG_RAW_DIR / ESG_WAREHOUSE / ESG_MAX_BYTES / ESG_CRON /
        ESG_TASK_RUNNER / ESG_DASK_ADDRESS / ESG_PREFECT_PORT."""
        base = cls()
        return cls(
            raw_dir=Path(os.environ.get("ESG_RAW_DIR", base.raw_dir)),
            warehouse=Path(os.environ.get("ESG_WAREHOUSE", base.warehouse)),
            max_bytes=int(os.environ.get("ESG_MAX_BYTES", base.max_bytes)),
            cron=os.environ.get("ESG_CRON", base.cron),
            task_runner=os.environ.get("ESG_TASK_RUNNER", base.task_runner),
            dask_address=os.environ.get("ESG_DASK_ADDRESS") or base.dask_address,
            prefect_port=int(os.environ.get("ESG_PREFECT_PORT", base.prefect_port)),
        )


class CodeMismatch(Exception):
    """Rows processed by other code than this run's (a Dask worker with another esg-pipeline
    or library version): loading them would stamp them with a version they were not made by."""


MIN_BATCH, MAX_BATCH = 25, 100


def batch_size_for(n_documents: int, slots: int) -> int:
    """Documents per batch (one Prefect task, one validation per table, one load transaction):
    about four batches per worker for n_documents, from 25 to 100 documents.

    Each batch has fixed costs: a Prefect task run (~0.3 s of CPU between the flow, the worker and
    Prefect's server) and pandera's validation (~0.4 s a batch: 38 ms of validation per document
    in batches of 25, 23 ms in batches of 100). Smaller batches balance the workers better at the
    end of a run (the last batch may leave the others idle for its length).
    """
    return max(MIN_BATCH, min(MAX_BATCH, -(-n_documents // (4 * max(1, slots)))))

