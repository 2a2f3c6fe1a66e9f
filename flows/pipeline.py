"""The Prefect flow `ingest_reports`: thin tasks around the pure steps in read/process/load.

raw -> scan (what changed) -> process batches (parse, extract, validate; fanned out on the task
runner) -> load (one writer, one transaction per document) -> runs ledger.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows import load
from flows.process import ProcessedDocument, process_reports
from flows.read import Report, Scan, scan_raw
from flows.settings import Settings
from flows.validate import rejection

_DEFAULTS = Settings()


@task(name="scan-raw", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def scan_raw_task(raw_dir: Path, known: dict[str, tuple[str, str]], max_bytes: int) -> Scan:
    """Read raw/ and decide what is unchanged before anything fans out (retried: it is I/O)."""
    return scan_raw(raw_dir, known, max_bytes)


@task(name="process-batch", cache_policy=NO_CACHE)
def process_batch(reports: list[Report], run_id: str) -> list[ProcessedDocument]:
    """Parse, extract and validate a batch of documents (no retries: a bad file stays bad)."""
    return process_reports(reports, run_id)


def _batches(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


class _Progress:
    """Progress on stderr for runs of more than a handful of documents."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.done = total, 0
        self.enabled = enabled and total > 5
        self.tty = sys.stderr.isatty()

    def step(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        if self.tty:
            print(f"\r  loaded {self.done:,}/{self.total:,} documents", end="", file=sys.stderr, flush=True)
            if self.done >= self.total:
                print(file=sys.stderr)
        elif self.done == self.total or self.done % max(1, self.total // 10) < n:
            print(f"  loaded {self.done:,}/{self.total:,} documents", file=sys.stderr, flush=True)


@flow(name="ingest_reports", log_prints=False)
def ingest_reports(
    raw_dir: Path = _DEFAULTS.raw_dir,
    warehouse: Path = _DEFAULTS.warehouse,
    max_bytes: int = _DEFAULTS.max_bytes,
    batch_size: int = _DEFAULTS.batch_size,
    wait_seconds: float = 0.0,
    show_progress: bool = False,
) -> dict:
    """Load every report in raw_dir into the warehouse; unchanged files are skipped."""
    run_id = flow_run.get_id() or str(uuid.uuid4())
    con = load.connect(Path(warehouse), wait_seconds=wait_seconds)
    counts = {"files": 0, "loaded": 0, "skipped": 0, "rejected": 0, "sections": 0, "paragraphs": 0,
              "figures": 0, "rejections": 0}
    try:
        load.start_run(con, run_id, str(raw_dir))
        scan = scan_raw_task(Path(raw_dir), load.known_documents(con), max_bytes)
        counts["files"], counts["skipped"] = len(scan.files), len(scan.unchanged)
        load.mark_seen(con, scan.unchanged, run_id)
        for err in scan.rejected:
            load.record_file_rejection(con, rejection(run_id, err.source_path, None, "documents", err.check, err.reason))
            counts["rejected"] += 1
            counts["rejections"] += 1
        progress = _Progress(len(scan.reports), show_progress)
        futures = [process_batch.submit(batch, run_id) for batch in _batches(scan.reports, batch_size)]
        for future in futures:
            for doc in future.result():
                written = load.load_document(con, doc, run_id)
                counts["loaded" if written["documents"] else "rejected"] += 1
                for table in ("sections", "paragraphs", "figures", "rejections"):
                    counts[table] += written[table]
                progress.step()
        load.finish_run(con, run_id, "completed", counts)
    except BaseException as err:
        load.finish_run(con, run_id, "failed", counts, f"{type(err).__name__}: {err}")
        raise
    finally:
        con.close()
    return {"run_id": run_id, "warehouse": str(warehouse), **counts}
