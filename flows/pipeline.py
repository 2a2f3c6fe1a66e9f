"""The Prefect flow `ingest_reports`: thin tasks around the pure steps in read/process/load.

raw -> scan (what changed) -> process batches (parse, extract, validate; fanned out on the task
runner) -> load (one writer, one transaction per document) -> runs ledger.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE, CacheKeyFnPolicy
from prefect.runtime import flow_run
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from flows import load
from flows.prefect_api import RunAPI
from flows.process import process_sources
from flows.read import BadMetadata, Scan, scan_raw
from flows.readers import SourceFile
from flows.rows import ProcessedDocument
from flows.settings import TASK_RUNNERS, Settings
from flows.validate import rejection
from flows.version import CODE_VERSION

_DEFAULTS = Settings()
CACHE_EXPIRATION = timedelta(days=7)


def batch_cache_key(context, parameters: dict) -> str:
    """A batch's cache key: its files (path and content sha256) and the processing code, not the run."""
    digest = hashlib.sha256(CODE_VERSION.encode())
    for source in parameters["sources"]:
        digest.update(f"\0{source.source_path}\0{source.sha256}\0{source.info.given_json()}".encode())
    return f"process-batch-{digest.hexdigest()}"


@dataclass
class ProcessedBatch:
    """What a process-batch task hands back to the flow."""

    documents: list[ProcessedDocument]
    seconds: dict[str, float]  # parse_extract / validate, as measured where the batch ran
    worker: str  # host:pid of the process that ran it


@task(name="scan-raw", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def scan_raw_task(raw_dir: Path, known: dict[str, tuple[str, str, str | None]], max_bytes: int,
                  follow_links: bool = False) -> Scan:
    """Read raw/ and decide what is unchanged before anything fans out (retried: it is I/O)."""
    return scan_raw(raw_dir, known, max_bytes, follow_links=follow_links)


@task(name="process-batch", retries=0, cache_policy=NO_CACHE)
def process_batch(sources: list[SourceFile], run_id: str) -> ProcessedBatch:
    """Read, parse, extract and validate a batch of documents (no retries: a bad file stays bad)."""
    seconds: dict[str, float] = {}
    documents = process_sources(sources, run_id, seconds)
    return ProcessedBatch(documents, seconds, f"{socket.gethostname()}:{os.getpid()}")


def cached(task_, cache_dir: Path):
    """task_ with its results cached in cache_dir, keyed on content (batch_cache_key).

    Only a speed-up: the rows are re-stamped with the loading run, and loads are idempotent
    without it. Results are read back from disk rather than kept in memory for the whole run.
    """
    return task_.with_options(
        cache_policy=CacheKeyFnPolicy(cache_key_fn=batch_cache_key),
        cache_expiration=CACHE_EXPIRATION,
        persist_result=True,
        result_storage=Path(cache_dir).resolve(),  # a Path: an unsaved local-file-system block
        cache_result_in_memory=False,
    )


def _batches(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _processed(sources: list[SourceFile], run_id: str, batch_size: int, cache_dir: Path | None
               ) -> Iterator[tuple[ProcessedBatch, bool]]:
    """(processed batch, whether it came from the cache), in order. A single batch runs in the
    flow itself (nothing to fan out; a worker would only add start-up time); more batches go to
    the task runner at once."""
    task_ = cached(process_batch, cache_dir) if cache_dir else process_batch
    batches = _batches(sources, batch_size)
    if len(batches) == 1:
        state = task_(batches[0], run_id, return_state=True)
        yield state.result(), state.name == "Cached"
        return
    futures = [task_.submit(batch, run_id) for batch in batches]
    for i, future in enumerate(futures):
        batch = future.result()
        yield batch, future.state.name == "Cached"
        futures[i] = None  # let the loaded batch be freed


def _timed(items: Iterator, seconds: dict[str, float], key: str) -> Iterator:
    """items, adding the time spent getting each one to seconds[key]."""
    items = iter(items)
    while True:
        started = time.perf_counter()
        try:
            item = next(items)
        except StopIteration:
            return
        finally:
            seconds[key] += time.perf_counter() - started
        yield item


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
    cache: bool = True,
    follow_links: bool = False,
) -> dict:
    """Load every report in raw_dir into the warehouse; unchanged files are skipped.

    With cache, processed batches are cached by content in cache/ next to the warehouse. Links
    in raw_dir that lead out of it are rejected unless follow_links.
    """
    clock = time.perf_counter
    started = clock()
    logger = get_run_logger()
    run_id = flow_run.get_id() or str(uuid.uuid4())
    warehouse = Path(warehouse)

    def notify(message: str) -> None:
        if show_progress:
            print(f"esg run: {message}", file=sys.stderr, flush=True)
        logger.info(message)

    con = load.connect(warehouse, wait_seconds=wait_seconds, notify=notify)
    counts = {"files": 0, "loaded": 0, "skipped": 0, "rejected": 0, "missing": 0, "from_cache": 0,
              "sections": 0, "pages": 0, "paragraphs": 0, "figures": 0, "rejections": 0}
    seconds = {"scan": 0.0, "parse_extract": 0.0, "validate": 0.0, "wait": 0.0, "load": 0.0}
    workers: set[str] = set()
    try:
        load.start_run(con, run_id, str(raw_dir))
        scan = scan_raw_task(Path(raw_dir), load.known_documents(con, CODE_VERSION), max_bytes, follow_links)
        seconds["scan"] = clock() - started
        counts["files"], counts["skipped"] = len(scan.files), len(scan.unchanged)
        counts["missing"] = len(load.missing_documents(con, set(scan.files)))
        load.mark_seen(con, scan.unchanged, run_id)
        load.clear_rejections(con, BadMetadata.check, keep={e.source_path for e in scan.rejected})
        for err in scan.rejected:
            load.record_file_rejection(con, rejection(run_id, err.source_path, err.document_id, "documents", err.check, err.reason))
            counts["rejected"] += 1
            counts["rejections"] += 1
        progress = _Progress(len(scan.sources), show_progress)
        cache_dir = warehouse.parent / "cache" if cache else None
        # "wait": for the workers, and to read their results back
        for batch, from_cache in _timed(_processed(scan.sources, run_id, batch_size, cache_dir), seconds, "wait"):
            if from_cache:
                counts["from_cache"] += len(batch.documents)
            else:
                workers.add(batch.worker)
                for key, value in batch.seconds.items():
                    seconds[key] += value
            for doc in batch.documents:
                loading = clock()
                written = load.load_document(con, doc, run_id)
                seconds["load"] += clock() - loading
                counts["loaded" if written["documents"] else "rejected"] += 1
                for table in ("sections", "pages", "paragraphs", "figures", "rejections"):
                    counts[table] += written[table]
                progress.step()
        counts["restatements"] = load.refresh_restatements(con, run_id)  # across documents: one query
        load.finish_run(con, run_id, "completed", counts)
        report = load.run_report(con, run_id)  # now: once released, another run may take the warehouse
    except BaseException as err:
        load.abandon_run(con, run_id, counts, err)  # never raises: err stays the error reported
        raise
    con.close()
    seconds["flow"] = clock() - started
    logger.info(f"{counts['files']} file(s): {counts['loaded']} loaded, {counts['skipped']} unchanged, "
                f"{counts['rejected']} rejected, {counts['missing']} gone from {raw_dir}; "
                f"{counts['figures']} figures written to {warehouse}")
    return {"run_id": run_id, "warehouse": str(warehouse), **counts, **report, "workers": sorted(workers),
            "seconds": seconds}


def make_task_runner(kind: str, dask_address: str | None = None, workers: int | None = None):
    """The Prefect task runner that process-batch tasks fan out on.

    processes: a local process pool (one worker per core); threads: a thread pool (one core,
    Python's GIL); dask: prefect-dask's DaskTaskRunner on the cluster at dask_address, or on a
    local cluster of single-threaded worker processes.
    """
    workers = workers or os.cpu_count() or 1
    if kind == "processes":
        return ProcessPoolTaskRunner(max_workers=workers)
    if kind == "threads":
        return ThreadPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "processes": True,
                                              "threads_per_worker": 1, "dashboard_address": None})
    raise ValueError(f"unknown task runner {kind!r}; choose one of {', '.join(TASK_RUNNERS)}")


def run_ingest(settings: Settings, *, wait_seconds: float = 0.0, show_progress: bool = False,
               api: RunAPI | None = None) -> dict:
    """What `esg run` does: ingest_reports on the task runner the settings name.

    api: the Prefect API to report to, if the caller started it early (see flows.prefect_api).
    """
    runner = make_task_runner(settings.task_runner, settings.dask_address)
    with (api or RunAPI()).active():
        summary = ingest_reports.with_options(task_runner=runner)(
            raw_dir=settings.raw_dir, warehouse=settings.warehouse, max_bytes=settings.max_bytes,
            batch_size=settings.batch_size, wait_seconds=wait_seconds, show_progress=show_progress,
            cache=settings.cache_results, follow_links=settings.follow_links)
    return {**summary, "task_runner": settings.task_runner}
