"""The Prefect flow `ingest_reports`: thin tasks around the pure steps in read/process/load.

raw -> scan (what changed; hashes, keeps no bytes) -> process batches (parse, extract, validate;
fanned out on the task runner, a bounded number in flight, each batch's bytes read as it is sent)
-> load (one writer, one transaction per batch, overlapping the processing of the next batches)
-> runs ledger.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.runtime import flow_run
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from flows import load
from flows.batch_cache import BatchCache, batch_key
from flows.ledger import rejection
from flows.prefect_api import RunAPI
from flows.process import process_files
from flows.progress import RunProgress
from flows.read import BadMetadata, ChangedFile, Scan, read_source, scan_raw
from flows.readers import SourceFile
from flows.rows import BadBlob, ProcessedBatch, decode_batch, encode_batch
from flows.settings import TASK_RUNNERS, CodeMismatch, Settings, batch_size_for
from flows.version import CODE_VERSION

_DEFAULTS = Settings()
MAX_IN_FLIGHT = 64  # batches sent out and not yet loaded, at most (bounds the flow's memory)
WRITER_MEMORY = 256 * 2**20  # the writer's DuckDB memory limit while loading (see ingest_reports)


def writer_memory(batch: ProcessedBatch, floor: int = WRITER_MEMORY) -> int:
    """DuckDB's memory limit for loading batch: floor, or twice the batch's rows (their Arrow
    bytes) when that is more. A batch of very large documents needs about 1.5x its rows to commit
    (six 60 MB texts: 343 MB of rows fail under a 343 MB limit, commit under 514 MB)."""
    return max(floor, 2 * sum(rows.nbytes for rows in batch.tables.values()))


@task(name="scan-raw", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def scan_raw_task(raw_dir: Path, known: dict[str, tuple[str, str, str | None]], max_bytes: int,
                  follow_links: bool = False, on_file=None) -> Scan:
    """Read raw/ and decide what is unchanged before anything fans out (retried: it is I/O)."""
    return scan_raw(raw_dir, known, max_bytes, follow_links=follow_links, on_file=on_file)


class Parcel:
    """A batch's files as one task parameter that neither Prefect (looking for futures to wait
    for) nor Dask (looking for its own tasks) walks into: plain lists, tuples, dataclasses and
    Prefect's opaque() annotation (a namedtuple, which Dask turns into a bare tuple) they would."""

    __slots__ = ("sources",)

    def __init__(self, sources: list[SourceFile]):
        self.sources = sources


@task(name="process-batch", retries=0, cache_policy=NO_CACHE)
def process_batch(parcel: Parcel, run_id: str) -> bytes:
    """Read, parse, extract and validate a batch of documents (no retries: a bad file stays bad);
    the rows come back as one compressed blob (flows/rows.py: encode_batch)."""
    seconds: dict[str, float] = {}
    batch = process_files(parcel.sources, run_id, seconds)
    batch.seconds, batch.worker = seconds, f"{socket.gethostname()}:{os.getpid()}"
    return encode_batch(batch)


def _batches(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _slots() -> int:
    """How many batches the flow's task runner processes at once (its workers, or their threads)."""
    context = FlowRunContext.get()
    runner = getattr(context, "task_runner", None)
    workers = getattr(runner, "_max_workers", None)
    client = getattr(runner, "_client", None)  # prefect-dask, once started
    if client is not None:
        try:
            workers = sum(client.nthreads().values())
        except Exception:
            workers = None
    return max(1, workers or os.cpu_count() or 1)


@dataclass
class _Sent:
    """A batch on its way: its files, its cache key, and the future, blob or batch it comes back as."""

    files: list[ChangedFile]
    key: str
    unreadable: list = field(default_factory=list)  # ReportErrors met re-reading its files
    future: object = None
    blob: bytes | None = None
    batch: ProcessedBatch | None = None
    from_cache: bool = False


def _processed(changed: list[ChangedFile], run_id: str, batch_size: int, cache: BatchCache | None,
               max_bytes: int, in_flight: int, seconds: dict[str, float]) -> Iterator[_Sent]:
    """Every batch, processed, in order. A batch the cache holds is read from it; the others are
    read from raw/ (their bytes, now: never all at once) and sent to the task runner, at most
    in_flight at a time, so the workers process the next batches while the flow loads this one.
    A run with a single batch to process runs it in the flow itself (a worker would only add its
    start-up). seconds["wait"] gets the time spent waiting for workers."""
    clock = time.perf_counter
    todo = iter(_batches(changed, batch_size))
    single = len(changed) <= batch_size
    sent: deque[_Sent] = deque()

    def send(files: list[ChangedFile]) -> _Sent:
        item = _Sent(files, batch_key(CODE_VERSION, files))
        blob = cache.get(item.key) if cache else None
        if blob is not None:
            try:
                item.batch, item.from_cache = decode_batch(blob), True
                return item
            except BadBlob:
                cache.discard(item.key)
        sources = []
        for f in files:
            try:
                sources.append(read_source(f, max_bytes))
            except Exception as err:  # a ReportError (ChangedDuringRun, unreadable ...)
                item.unreadable.append(err)
        if not sources:
            item.batch = ProcessedBatch([], {})
        elif single:
            item.blob = process_batch(Parcel(sources), run_id)
        else:
            item.future = process_batch.submit(Parcel(sources), run_id)
        return item

    def top_up() -> None:
        while len(sent) < in_flight:
            files = next(todo, None)
            if files is None:
                return
            sent.append(send(files))

    top_up()
    while sent:
        item = sent.popleft()
        if item.future is not None:
            started = clock()
            item.blob = item.future.result()
            seconds["wait"] += clock() - started
            item.future = None
        top_up()  # keep the workers busy while this batch loads
        if item.blob is not None:
            item.batch = decode_batch(item.blob)
            _check_code_version(item.batch)
            if cache and not item.unreadable:
                cache.put(item.key, item.blob)
            item.blob = None
        yield item


def _check_code_version(batch: ProcessedBatch) -> None:
    """Refuse a batch processed by other code than this run's (see CodeMismatch)."""
    documents = batch.tables.get("documents")
    versions = set(documents.column("code_version").to_pylist()) if documents is not None else set()
    if batch.code_version:  # said by the batch itself, even one whose every file was rejected
        versions.add(batch.code_version)
    for version in sorted(versions - {CODE_VERSION}):
        raise CodeMismatch(
            f"a worker ({batch.worker or 'unknown'}) processed documents with other code (code version "
            f"{version}; this run's: {CODE_VERSION}): install the same esg-pipeline version, with the same "
            "libraries, on every Dask worker; the batches loaded so far stay, the rest load on the next run")


@flow(name="ingest_reports", log_prints=False)
def ingest_reports(
    raw_dir: Path = _DEFAULTS.raw_dir,
    warehouse: Path = _DEFAULTS.warehouse,
    max_bytes: int = _DEFAULTS.max_bytes,
    batch_size: int | None = _DEFAULTS.batch_size,
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
    progress = RunProgress(show_progress)

    def notify(message: str) -> None:
        if show_progress:
            progress.close()
            print(f"esg run: {message}", file=sys.stderr, flush=True)
        logger.info(message)

    con = load.connect(warehouse, wait_seconds=wait_seconds, notify=notify)
    # While loading: appending batches is serial work, and DuckDB's own threads would only contend
    # with the workers for the cores (a third less CPU per document with one thread); a checkpoint
    # every 64 MB of log (about 300 documents), which writes only those documents' rows, as the
    # writer's connection never merges row groups (flows/warehouse.py: WRITER_CONFIG); and a memory
    # limit that the warehouse's size no longer fills: DuckDB holds the rows not yet checkpointed
    # (up to ~2x the log), blocks it wrote or read (evictable) and the documents key (~100 bytes a
    # document), but no primary-key index on the tables with many rows per document (flows/load.py:
    # INDEXED_KEYS), as it loads a whole index to append to it. A batch too large for the limit
    # gets what it needs (writer_memory).
    con.execute("SET threads = 1")
    con.execute("SET checkpoint_threshold = '64MB'")
    memory_limit = WRITER_MEMORY
    con.execute(f"SET memory_limit = '{WRITER_MEMORY // 2**20}MiB'")
    counts = {"files": 0, "loaded": 0, "skipped": 0, "rejected": 0, "missing": 0, "from_cache": 0,
              "sections": 0, "pages": 0, "paragraphs": 0, "figures": 0, "rejections": 0}
    seconds = {"scan": 0.0, "parse_extract": 0.0, "validate": 0.0, "wait": 0.0, "load": 0.0}
    workers: set[str] = set()

    def reject(err) -> None:
        load.record_file_rejection(con, rejection(run_id, err.source_path, err.document_id, "documents",
                                                  err.check, err.reason))
        counts["rejected"] += 1
        counts["rejections"] += 1

    try:
        load.start_run(con, run_id, str(raw_dir))
        scan = scan_raw_task(Path(raw_dir), load.known_documents(con, CODE_VERSION), max_bytes, follow_links,
                             on_file=progress.scanning)
        seconds["scan"] = clock() - started
        counts["files"], counts["skipped"] = len(scan.files), len(scan.unchanged)
        counts["missing"] = len(load.missing_documents(con, set(scan.files)))
        load.mark_seen(con, scan.unchanged, run_id)
        load.clear_rejections(con, BadMetadata.check, keep={e.source_path for e in scan.rejected})
        for err in scan.rejected:
            reject(err)
        progress.loading(len(scan.sources))
        batch_cache = BatchCache(warehouse.parent / "cache", CODE_VERSION) if cache else None
        slots = _slots()
        # from the files in raw/, not the changed ones: a re-run after a crash, or a rebuild from
        # raw/, forms the same batches as the run before, so the cache has them
        batch_size = batch_size or batch_size_for(len(scan.files), slots)
        in_flight = min(MAX_IN_FLIGHT, 2 * slots)
        for item in _processed(scan.sources, run_id, batch_size, batch_cache, max_bytes, in_flight, seconds):
            batch = item.batch
            for err in item.unreadable:
                reject(err)
            if item.from_cache:
                counts["from_cache"] += len(batch.files)
            elif batch.worker:
                workers.add(batch.worker)
                for key, value in batch.seconds.items():
                    seconds[key] += value
            progress.processed(len(item.files))
            loading = clock()
            needed = writer_memory(batch)
            if needed != memory_limit:
                memory_limit = needed
                con.execute(f"SET memory_limit = '{-(-memory_limit // 2**20)}MiB'")
            written = load.load_batch(con, batch, run_id)
            seconds["load"] += clock() - loading
            counts["loaded"] += written["documents"]
            counts["rejected"] += len(batch.files) - written["documents"]
            if batch_cache is not None:  # files rejected whole: a later run need not start the flow for them
                _remember_rejected(batch_cache, item.files, batch)
            for table in ("sections", "pages", "paragraphs", "figures", "rejections"):
                counts[table] += written[table]
            progress.loaded(len(item.files))
        con.execute("RESET threads")
        con.execute("RESET memory_limit")
        counts["restatements"] = load.refresh_restatements(con, run_id)  # across documents: one query
        load.finish_run(con, run_id, "completed", counts)
        report = load.run_report(con, run_id)  # now: once released, another run may take the warehouse
    except BaseException as err:
        progress.close()
        load.abandon_run(con, run_id, counts, err)  # never raises: err stays the error reported
        raise
    progress.close()
    con.close()
    if batch_cache is not None:
        batch_cache.prune()
    seconds["flow"] = clock() - started
    logger.info(f"{counts['files']} file(s): {counts['loaded']} loaded, {counts['skipped']} unchanged, "
                f"{counts['rejected']} rejected, {counts['missing']} gone from {raw_dir}; "
                f"{counts['figures']} figures written to {warehouse}")
    return {"run_id": run_id, "warehouse": str(warehouse), **counts, **report, "workers": sorted(workers),
            "batch_size": batch_size, "seconds": seconds}


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


def _remember_rejected(cache: BatchCache, files: list[ChangedFile], batch: ProcessedBatch) -> None:
    """Note in the cache each file of a batch that processing rejected whole, with its rejections."""
    if batch.code_version != CODE_VERSION:
        return  # a batch from before batches said their code: not proof enough for a lasting note
    loaded = batch.loaded_ids
    by_path = {f.source_path: f for f in batch.files}
    rejections: dict[str, dict[str, dict]] = {}  # source_path -> rejection_id -> its first row, as load_batch keeps
    for r in batch.rejections:
        rejections.setdefault(r["source_path"], {}).setdefault(r["rejection_id"], r)
    for file in files:
        processed = by_path.get(file.source_path)
        if processed is None or processed.document_id in loaded:
            continue  # loaded, or not read this run (it changed meanwhile): nothing to remember
        rows = rejections.get(file.source_path, {})
        if rows and not any(r["check"] == "processing_error" for r in rows.values()):
            cache.remember_rejected(file, list(rows.values()))  # not a crash: it may not happen twice


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
            follow_links=settings.follow_links)
    return {**summary, "task_runner": settings.task_runner}
