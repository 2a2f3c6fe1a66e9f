"""`esg bench --scale N`: the full flow on N generated report-like documents, timed and checked.

Each document is the shipped report with its sections and their paragraphs shuffled, about a
third of its numbers changed and a unique id appended, so no two share content: the unchanged
check and the task cache cannot skip work on the first run. Every timed run is a fresh Python
process running what `esg run` runs, so Prefect's start-up is in the figures.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flows.settings import Settings, batch_size_for

SHIPPED_REPORT = Path(__file__).resolve().parents[1] / "raw" / "alibaba_esg_fy2023.txt"
_SECTION = re.compile(r"(?m)^(?=[ \t]*Sub header:)")
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_NUMBER = re.compile(r"\d+")
SAMPLE_DOCUMENTS = 40  # documents timed on one core for the ideal (at least a batch)


def _letters(i: int) -> str:
    """i in base 26, letters only, so the id adds no figure to the document."""
    out = ""
    while True:
        i, r = divmod(i, 26)
        out = chr(ord("a") + r) + out
        if i == 0:
            return out


def vary_report(text: str, i: int) -> str:
    """Document i of a benchmark: text with sections and paragraphs shuffled, numbers changed, an id added."""
    rng = random.Random(i)
    head, *sections = _SECTION.split(text)
    varied = []
    for section in sections:
        title, _, body = section.partition("\n")
        paragraphs = [p for p in _BLANK_LINES.split(body) if p.strip()]
        rng.shuffle(paragraphs)
        varied.append(title + "\n" + "\n\n".join(p.strip("\n") for p in paragraphs) + "\n\n")
    rng.shuffle(varied)
    out = head + "".join(varied)
    out = _NUMBER.sub(lambda m: m.group()[:-1] + str(rng.randrange(10)) if rng.random() < 0.3 else m.group(), out)
    return out + f"\nBenchmark copy {_letters(i)}.\n"


def generate_documents(source: str, n: int, out_dir: Path) -> int:
    """Write n varied copies of source into out_dir; return the bytes written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(n):
        data = vary_report(source, i).encode("utf-8")
        (out_dir / f"bench_{i:06d}.txt").write_bytes(data)
        total += len(data)
    return total


def _timed_run(raw: Path, warehouse: Path) -> tuple[float, dict]:
    """(wall seconds, flow summary) of one run in a fresh process."""
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": os.environ.get("PREFECT_LOGGING_LEVEL", "CRITICAL")}
    started = time.perf_counter()
    child = subprocess.run([sys.executable, "-m", "flows.bench_scale", str(raw), str(warehouse)],
                           env=env, stdout=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"the benchmark run failed (exit code {child.returncode}); see the error above")
    return wall, json.loads(child.stdout.strip().splitlines()[-1])


def _check(warehouse: Path) -> tuple[int, int, dict[str, int]]:
    """(documents, figures, lineage check -> bad rows) in the benchmark warehouse."""
    from flows import load

    con = load.connect(warehouse, read_only=True)
    try:
        documents = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        figures = con.execute("SELECT count(*) FROM figures").fetchone()[0]
        return documents, figures, load.check_lineage(con)
    finally:
        con.close()


def _sample(raw: Path, sample: int) -> list[Path]:
    """sample files evenly spread over raw/ (the same ones for every measurement of a run)."""
    files = sorted(raw.iterdir())
    return files[::max(1, len(files) // sample)][:sample]


def measure_processing(raw: Path, sample: int = SAMPLE_DOCUMENTS, batch_size: int = 25) -> dict:
    """Single-core throughput of the processing step, as a worker runs it (read, parse, extract,
    validate, encode: process_files and encode_batch, in batches of batch_size), on sample
    documents evenly spread over raw/, in this process (one thread), after one document to warm up."""
    from flows.process import process_files
    from flows.read import source_file
    from flows.rows import encode_batch

    sources = [source_file(p.name, p.read_bytes(), 10**9) for p in _sample(raw, sample)]
    encode_batch(process_files(sources[:1], "warm-up"))
    started = time.perf_counter()
    for i in range(0, len(sources), batch_size):
        encode_batch(process_files(sources[i:i + batch_size], "sample"))
    seconds = time.perf_counter() - started
    n_bytes = sum(len(s.data) for s in sources)
    return {"documents": len(sources), "bytes": n_bytes, "seconds": seconds, "bytes_per_second": n_bytes / seconds}


def measure_extraction(raw: Path, sample: int = SAMPLE_DOCUMENTS) -> dict:
    """Single-core throughput of extraction alone, as `esg bench` times it (split into paragraphs,
    extract each: flows.bench._ours), on the same sample documents as measure_processing."""
    from flows.bench import _ours

    texts = [p.read_text(encoding="utf-8") for p in _sample(raw, sample)]
    _ours(texts[0])
    started = time.perf_counter()
    for text in texts:
        _ours(text)
    seconds = time.perf_counter() - started
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    return {"documents": len(texts), "bytes": n_bytes, "seconds": seconds, "bytes_per_second": n_bytes / seconds}


def run_scale_bench(n: int, *, runs: int = 1, warehouse: Path | None = None,
                    settings: Settings | None = None, say=None, as_json: bool = False) -> int:
    """Generate n documents, run the flow on them, re-run it unchanged; print the figures (or,
    as_json, one JSON object). 0 if all checks hold."""
    settings = settings or Settings.from_env()
    out = say or (lambda line: print(line, flush=True))  # in order with the runs' progress on stderr
    say = (lambda line: None) if as_json else out
    source_path = SHIPPED_REPORT if SHIPPED_REPORT.exists() else settings.raw_dir / SHIPPED_REPORT.name
    if not source_path.exists():
        print(f"esg bench: error: {source_path} not found; run from a clone of esg-pipeline", file=sys.stderr)
        return 1
    if warehouse is not None and Path(warehouse).exists():
        print(f"esg bench: error: {warehouse} exists; give a new path (the benchmark never reuses a warehouse)",
              file=sys.stderr)
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    tmp = Path(tempfile.mkdtemp(prefix="esg-bench-"))
    try:
        raw = tmp / "raw"
        wh = Path(warehouse) if warehouse is not None else tmp / "warehouse" / "esg.duckdb"
        started = time.perf_counter()
        n_bytes = generate_documents(source_path.read_text(encoding="utf-8"), n, raw)
        batch_size = settings.batch_size or batch_size_for(n, cores)
        say(f"esg bench --scale {n}: {cores} cores, task runner {settings.task_runner}, "
            f"batches of {batch_size}")
        say(f"  generated {n:,} documents, {n_bytes / 1e6:.1f} MB, from {source_path.name} in "
            f"{time.perf_counter() - started:.1f} s (sections and paragraphs shuffled, numbers changed, an id each)")
        one_core = measure_processing(raw, min(n, max(SAMPLE_DOCUMENTS, batch_size)), batch_size)
        ideal = n_bytes / (cores * one_core["bytes_per_second"])
        extraction = measure_extraction(raw, min(n, max(SAMPLE_DOCUMENTS, batch_size)))
        ideal_extraction = n_bytes / (cores * extraction["bytes_per_second"])
        wall, first = _timed_run(raw, wh)
        peak_any = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # Linux: KiB
        peak_flow = first["peak_rss_bytes"]
        s = first["seconds"]
        say(f"  first run:        {wall:6.1f} s end to end: {first['loaded'] / wall:.1f} documents/s, "
            f"{n_bytes / 1e6 / wall:.2f} MB/s, {first['figures'] / wall:,.0f} figures/s; "
            f"peak memory {peak_any / 1e9:.2f} GB (largest process; the flow's {peak_flow / 1e9:.2f} GB)")
        say(f"    where it went:  {wall - s['flow']:.1f} s Python and Prefect start-up/shut-down, "
            f"{s['flow']:.1f} s in the flow: scan {s['scan']:.1f} s; parse+extract {s['parse_extract']:.1f} s "
            f"and validate {s['validate']:.1f} s of CPU in {len(first['workers'])} worker process(es); "
            f"the flow process waited {s['wait']:.1f} s for batches (reading results included) and "
            f"loaded for {s['load']:.1f} s")
        say(f"  ideal:            {ideal:6.1f} s = {n_bytes / 1e6:.1f} MB / ({cores} cores x "
            f"{one_core['bytes_per_second'] / 1e6:.2f} MB/s, processing on one core, measured on "
            f"{one_core['documents']} of the documents); end to end is {wall / ideal:.2f}x the ideal")
        say(f"  by extraction:    {ideal_extraction:6.1f} s = {n_bytes / 1e6:.1f} MB / ({cores} cores x "
            f"{extraction['bytes_per_second'] / 1e6:.2f} MB/s, parse + extract alone on one core, as `esg bench` "
            f"times it); end to end is {wall / ideal_extraction:.2f}x that")
        from flows.batch_cache import BatchCache

        entries, cache_bytes = BatchCache(wh.parent / "cache", first["code_version"]).size()
        say(f"  processing cache: {entries:,} batches, {cache_bytes / 1e6:.1f} MB "
            f"({cache_bytes / max(1, first['loaded']) / 1e3:.0f} KB per document)")
        reruns = [_timed_run(raw, wh) for _ in range(runs)]
        times = ", ".join(f"{w:.1f}" for w, _ in reruns)
        last = reruns[-1][1]
        how = "decided before Prefect started" if last.get("unchanged_path") else "through the Prefect flow"
        say(f"  unchanged re-run: {min(w for w, _ in reruns):6.1f} s ({last['skipped']:,} unchanged, "
            f"{last['loaded']} loaded; {how}" + (f"; runs: {times} s" if runs > 1 else "") + ")")
        documents, figures, lineage = _check(wh)
        held = sum(1 for bad in lineage.values() if bad == 0)
        ok = documents == n and first["loaded"] == n and held == len(lineage) and last["loaded"] == 0
        say(f"  check: {documents:,}/{n:,} documents loaded, {figures:,} figures, {first['rejected']} rejected; "
            f"lineage: {held}/{len(lineage)} SQL checks hold" + ("" if ok else "  <- FAILED"))
        for name, bad in lineage.items():
            if bad:
                say(f"    lineage check failed: {name} ({bad} rows)")
        if as_json:
            out(json.dumps({
                "documents": n, "bytes": n_bytes, "cores": cores, "task_runner": settings.task_runner,
                "batch_size": batch_size,
                "first_run": {"seconds": wall, "documents_per_second": first["loaded"] / wall,
                              "megabytes_per_second": n_bytes / 1e6 / wall, "figures_per_second": first["figures"] / wall,
                              "flow_seconds": s, "workers": len(first["workers"]),
                              "peak_rss_bytes": {"largest_process": peak_any, "flow_process": peak_flow}},
                "ideal": {"seconds": ideal, "ratio": wall / ideal, "one_core": one_core},
                "ideal_by_extraction": {"seconds": ideal_extraction, "ratio": wall / ideal_extraction,
                                        "one_core": extraction},
                "processing_cache": {"entries": entries, "bytes": cache_bytes},
                "unchanged_rerun": {"seconds": min(w for w, _ in reruns), "runs": [w for w, _ in reruns],
                                    "skipped": last["skipped"], "loaded": last["loaded"],
                                    "before_prefect": bool(last.get("unchanged_path"))},
                "check": {"documents": documents, "figures": figures, "rejected": first["rejected"],
                          "lineage_failed": {k: v for k, v in lineage.items() if v}, "ok": ok},
            }))
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _child(raw: str, warehouse: str) -> None:
    """One timed run: what `esg run` runs, with its summary as JSON on stdout (and this process's
    peak memory, and the processing code's version)."""
    from dataclasses import replace

    from flows.unchanged import esg_run
    from flows.version import CODE_VERSION

    settings = replace(Settings.from_env(), raw_dir=Path(raw), warehouse=Path(warehouse))
    summary = esg_run(settings, show_progress=True)
    summary["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    summary["code_version"] = CODE_VERSION
    print(json.dumps(summary))


if __name__ == "__main__":
    _child(*sys.argv[1:3])
