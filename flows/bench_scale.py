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

from flows.settings import Settings

SHIPPED_REPORT = Path(__file__).resolve().parents[1] / "raw" / "alibaba_esg_fy2023.txt"
_SECTION = re.compile(r"(?m)^(?=[ \t]*Sub header:)")
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_NUMBER = re.compile(r"\d+")


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


def run_scale_bench(n: int, *, runs: int = 1, warehouse: Path | None = None,
                    settings: Settings | None = None, say=None) -> int:
    """Generate n documents, run the flow on them, re-run it unchanged; print the figures. 0 if all checks hold."""
    settings = settings or Settings.from_env()
    say = say or (lambda line: print(line, flush=True))  # in order with the runs' progress on stderr
    source_path = SHIPPED_REPORT if SHIPPED_REPORT.exists() else settings.raw_dir / SHIPPED_REPORT.name
    if not source_path.exists():
        say(f"esg bench: error: {source_path} not found; run from a clone of esg-pipeline")
        return 1
    if warehouse is not None and Path(warehouse).exists():
        say(f"esg bench: error: {warehouse} exists; give a new path (the benchmark never reuses a warehouse)")
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="esg-bench-"))
    try:
        raw = tmp / "raw"
        wh = Path(warehouse) if warehouse is not None else tmp / "warehouse" / "esg.duckdb"
        started = time.perf_counter()
        n_bytes = generate_documents(source_path.read_text(encoding="utf-8"), n, raw)
        say(f"esg bench --scale {n}: {os.cpu_count()} cores, task runner {settings.task_runner}, "
            f"batches of {settings.batch_size}")
        say(f"  generated {n:,} documents, {n_bytes / 1e6:.1f} MB, from {source_path.name} in "
            f"{time.perf_counter() - started:.1f} s (sections and paragraphs shuffled, numbers changed, an id each)")
        wall, first = _timed_run(raw, wh)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # Linux: KiB
        s = first["seconds"]
        say(f"  first run:        {wall:6.1f} s end to end: {first['loaded'] / wall:.1f} documents/s, "
            f"{n_bytes / 1e6 / wall:.2f} MB/s, {first['figures'] / wall:,.0f} figures/s; "
            f"peak memory {peak / 1e9:.2f} GB (largest process)")
        say(f"    where it went:  {wall - s['flow']:.1f} s Python and Prefect start-up/shut-down, "
            f"{s['flow']:.1f} s in the flow: scan {s['scan']:.1f} s; parse+extract {s['parse_extract']:.1f} s "
            f"and validate {s['validate']:.1f} s of CPU in {len(first['workers'])} worker process(es); "
            f"the flow process waited {s['wait']:.1f} s for batches (reading results included) and "
            f"loaded for {s['load']:.1f} s")
        reruns = [_timed_run(raw, wh) for _ in range(runs)]
        times = ", ".join(f"{w:.1f}" for w, _ in reruns)
        last = reruns[-1][1]
        say(f"  unchanged re-run: {min(w for w, _ in reruns):6.1f} s ({last['skipped']:,} unchanged, "
            f"{last['loaded']} loaded" + (f"; runs: {times} s" if runs > 1 else "") + ")")
        documents, figures, lineage = _check(wh)
        held = sum(1 for bad in lineage.values() if bad == 0)
        ok = documents == n and first["loaded"] == n and held == len(lineage) and last["loaded"] == 0
        say(f"  check: {documents:,}/{n:,} documents loaded, {figures:,} figures, {first['rejected']} rejected; "
            f"lineage: {held}/{len(lineage)} SQL checks hold" + ("" if ok else "  <- FAILED"))
        for name, bad in lineage.items():
            if bad:
                say(f"    lineage check failed: {name} ({bad} rows)")
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _child(raw: str, warehouse: str) -> None:
    """One timed run: what `esg run` runs, with its summary as JSON on stdout."""
    from dataclasses import replace

    from flows.prefect_api import RunAPI

    settings = replace(Settings.from_env(), raw_dir=Path(raw), warehouse=Path(warehouse))
    api = RunAPI()  # as `esg run`: the API boots while the pipeline imports
    from flows.pipeline import run_ingest

    print(json.dumps(run_ingest(settings, show_progress=True, api=api)))


if __name__ == "__main__":
    _child(*sys.argv[1:3])
