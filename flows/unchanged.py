"""What `esg run` runs: first a check, with DuckDB alone, of whether anything changed; only when
something did, the Prefect flow `ingest_reports` (flows/pipeline.py).

Most runs find nothing new (an hourly schedule over a folder that changes once a week), and a
full run costs seconds before it looks at raw/: importing Prefect, pandas and pandera and booting
Prefect's temporary API server. So `unchanged_run` first opens the warehouse (waiting for it as a
run would), hashes raw/ and compares it with the warehouse exactly as the flow's scan does (path,
sha256, what a sidecar or the manifest says, the version of the processing code), stopping at
the first file to process. A file that processing rejected whole before (a scanned PDF), as it
is now, is not one: the processing cache remembers it (flows/batch_cache.py). When there is none, it records the run in `runs` (a generated run id:
there is no Prefect flow run), marks the documents seen, re-records the files it rejects (and
the rejections of those files processing rejected), and
returns the same summary the flow would; nothing else starts. When there is one, or the warehouse
is missing, older than this code (it needs migrating) or its last run did not complete (the next
full run finishes that run's work), it returns None and the flow runs.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Callable

import duckdb

from flows.batch_cache import BatchCache
from flows.ledger import (abandon_run, clear_rejections, finish_run, known_documents, mark_seen,
                          missing_documents, record_file_rejection, record_file_rejections, rejection,
                          run_report, start_run)
from flows.read import BadMetadata, scan_raw
from flows.settings import SCHEMA_VERSION, Settings
from flows.warehouse import open_warehouse, schema_version


def unchanged_run(settings: Settings, *, wait_seconds: float = 0.0,
                  notify: Callable[[str], None] | None = None) -> dict | None:
    """The summary of a run that found nothing to process, recorded in the warehouse; None when
    the flow must run (see the module's docstring)."""
    from flows.version import CODE_VERSION

    started = time.perf_counter()
    warehouse = Path(settings.warehouse)
    if not warehouse.is_file() or not Path(settings.raw_dir).is_dir():
        return None
    con = open_warehouse(warehouse, wait_seconds=wait_seconds, notify=notify)
    run_id = None
    counts = {"files": 0, "loaded": 0, "skipped": 0, "rejected": 0, "missing": 0, "from_cache": 0,
              "sections": 0, "pages": 0, "paragraphs": 0, "figures": 0, "rejections": 0}
    try:
        try:
            if schema_version(con) != SCHEMA_VERSION:
                return None
            last = con.execute("SELECT status FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
        except duckdb.Error:  # damaged, or not an esg warehouse: the flow says what it is
            return None
        if last is not None and last[0] != "completed":
            return None
        cache = BatchCache(settings.cache_dir, CODE_VERSION)
        scan = scan_raw(Path(settings.raw_dir), known_documents(con, CODE_VERSION), settings.max_bytes,
                        follow_links=settings.follow_links, stop_when_changed=True,
                        rejected_before=cache.rejected)
        if scan.sources:
            return None
        run_id = str(uuid.uuid4())
        start_run(con, run_id, str(settings.raw_dir))
        counts["files"], counts["skipped"] = len(scan.files), len(scan.unchanged)
        counts["missing"] = len(missing_documents(con, set(scan.files)))
        mark_seen(con, scan.unchanged, run_id)
        clear_rejections(con, BadMetadata.check, keep={e.source_path for e in scan.rejected})
        for err in scan.rejected:
            record_file_rejection(con, rejection(run_id, err.source_path, err.document_id, "documents",
                                                 err.check, err.reason))
            counts["rejected"] += 1
            counts["rejections"] += 1
        for changed, rows in scan.settled:  # rejected by processing before, as they are now
            record_file_rejections(con, changed.source_path, rows, run_id)
            counts["rejected"] += 1
            counts["rejections"] += len(rows)
        finish_run(con, run_id, "completed", counts)
        report = run_report(con, run_id)
    except BaseException as err:
        if run_id is not None:
            abandon_run(con, run_id, counts, err)  # never raises: err stays the error reported
        raise
    finally:
        try:
            con.close()
        except Exception:
            pass
    return {"run_id": run_id, "warehouse": str(warehouse), **counts, **report, "workers": [],
            "task_runner": settings.task_runner, "unchanged_path": True,
            "seconds": {"flow": time.perf_counter() - started}}


def esg_run(settings: Settings, *, wait_seconds: float = 0.0, show_progress: bool = False,
            notify: Callable[[str], None] | None = None) -> dict:
    """What `esg run` does, and returns its summary: unchanged_run, else the flow, on the task
    runner the settings name (Prefect is imported, and its API started, only then)."""
    from flows.prefect_api import stop_orphaned_servers

    stop_orphaned_servers()  # a temporary Prefect server whose run was killed
    summary = unchanged_run(settings, wait_seconds=wait_seconds, notify=notify)
    if summary is not None:
        return summary
    from flows.prefect_api import RunAPI

    api = RunAPI()  # a temporary Prefect API boots while the pipeline imports
    from flows.pipeline import run_ingest

    return run_ingest(settings, wait_seconds=wait_seconds, show_progress=show_progress, api=api)
