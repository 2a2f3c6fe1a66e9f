"""`esg bench`: extraction throughput and peak memory, side by side with quantulum3.

Without ``--file`` it also shows that extraction time grows linearly with the text (MB/s for one
paragraph of 0.1 to 20 MB made of the shipped report's text) and measures every corpus text in
``../shared/corpus`` when it is there.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
import tracemalloc
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from flows.evaluate import Score, read_answer_key, score_figures
from flows.extract import extract_figures
from flows.parse import parse_text
from flows.process import EXTRACTED_KINDS

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REPORT = ROOT / "raw" / "alibaba_esg_fy2023.txt"
ANSWER_KEY = ROOT / "tests" / "data" / "alibaba_esg_fy2023_answer_key.csv"
CORPUS_DIR = ROOT.parent / "shared" / "corpus"
LINEARITY_MB = (0.1, 0.4, 1.6, 6.4, 20.0)


@dataclass
class BenchResult:
    name: str
    n_chars: int
    n_bytes: int
    n_figures: int
    seconds: list[float]
    peak_bytes: int
    score: Score | None
    cpu_seconds: list[float] = field(default_factory=list)  # this thread's CPU time of each run

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_seconds) if self.cpu_seconds else self.median

    @property
    def cpu_megabytes_per_second(self) -> float:
        """MB/s over the median CPU time: what one core does, whatever else shares the machine."""
        return self.n_bytes / self.cpu_median / 1e6

    @property
    def chars_per_second(self) -> float:
        return self.n_chars / self.median

    @property
    def megabytes_per_second(self) -> float:
        return self.n_bytes / self.median / 1e6

    @property
    def figures_per_second(self) -> float:
        return self.n_figures / self.median


@dataclass
class PdfReadResult:
    text: str
    n_pages: int
    n_bytes: int
    seconds: list[float]

    @property
    def pages_per_second(self) -> float:
        return self.n_pages / statistics.median(self.seconds)

    @property
    def megabytes_per_second(self) -> float:
        return self.n_bytes / statistics.median(self.seconds) / 1e6


def measure_pdf_read(path: Path, data: bytes, runs: int = 3) -> PdfReadResult:
    """Median wall time of reading a PDF's bytes into a Document (flows.readers.pdf.read_pdf)."""
    import hashlib

    from flows.readers.pdf import read_pdf

    sha = hashlib.sha256(data).hexdigest()
    doc = read_pdf(str(path), sha, data)  # warm-up: imports, PDFium
    seconds = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        read_pdf(str(path), sha, data)
        seconds.append(time.perf_counter() - start)
    return PdfReadResult(doc.text, len(doc.pages), len(data), seconds)


def _pin_to_one_core() -> str:
    """Run on one core, so the figures are per core whatever else the machine does."""
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        return "pinned to 1 core"
    except (AttributeError, OSError):
        return "single-threaded (could not pin to a core on this OS)"


def measure(name: str, extract: Callable[[str], list[dict]], text: str, runs: int,
            key: list[dict] | None, warm_up: bool = True) -> BenchResult:
    """Median wall and CPU time of several runs, then one more run under tracemalloc for peak memory."""
    figures = extract(text) if warm_up else []  # warm-up: imports, compiled patterns, caches
    seconds, cpu_seconds = [], []
    for _ in range(runs):
        gc.collect()
        start, cpu_start = time.perf_counter(), time.thread_time()
        extract(text)
        cpu_seconds.append(time.thread_time() - cpu_start)
        seconds.append(time.perf_counter() - start)
    gc.collect()
    tracemalloc.start()
    figures = extract(text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    score = score_figures(figures, key) if key is not None else None
    return BenchResult(name, len(text), len(text.encode("utf-8")), len(figures), seconds, peak, score, cpu_seconds)


def _ours(text: str) -> list[dict]:
    """The pipeline's own path: split into paragraphs, extract each (offsets into the document)."""
    paragraphs = parse_text(text).paragraphs
    return [{"char_start": p.char_start + f.char_start, "char_end": p.char_start + f.char_end,
             "value": f.value, "unit_normalized": f.unit_normalized, "qualifier": f.qualifier,
             "year": f.year, "topic": f.topic}
            for p in paragraphs if p.kind in EXTRACTED_KINDS for f in extract_figures(p.text)]


def _quantulum(text: str) -> list[dict]:
    from quantulum3 import parser

    return [{"char_start": q.span[0], "char_end": q.span[1], "value": q.value} for q in parser.parse(text)]


def run_extraction_bench(file: Path | None = None, runs: int = 7, quantulum_runs: int = 1,
                         out=print) -> list[BenchResult]:
    """Measure extract_figures (and quantulum3 when installed) on one report; print a table."""
    path = Path(file) if file else DEFAULT_REPORT
    data = path.read_bytes()
    pinned = _pin_to_one_core()
    pdf_read = None
    if data[:1024].find(b"%PDF-") != -1:
        pdf_read = measure_pdf_read(path, data, runs=max(3, min(runs, 7)))
        text = pdf_read.text
    else:
        text = data.decode("utf-8-sig")
    key = read_answer_key(ANSWER_KEY) if path.resolve() == DEFAULT_REPORT.resolve() and ANSWER_KEY.exists() else None
    out(f"esg bench: figure extraction on {path} ({len(text):,} chars, {len(text.encode()):,} bytes), {pinned};")
    if pdf_read is not None:
        out(f"  PDF read into a Document (text layer, reading order, headings, furniture, tables): "
            f"{pdf_read.n_pages} pages, {pdf_read.pages_per_second:,.1f} pages/s, "
            f"{pdf_read.megabytes_per_second:.2f} MB/s of PDF (median of {len(pdf_read.seconds)} runs)")
    out("  esg-pipeline is timed as the flow runs it: split into paragraphs, then extract each one")
    results = [measure("esg-pipeline", _ours, text, runs, key)]
    if quantulum_runs > 0:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # quantulum3 warns that its optional classifier is absent
                import quantulum3  # noqa: F401
        except ImportError:
            out("  quantulum3 is not installed: pip install -e '.[bench]' to compare against it")
        else:
            out(f"  timing quantulum3 ({quantulum_runs} run(s); it takes a while)...")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results.append(measure("quantulum3", _quantulum, text, quantulum_runs, key))
    out("")
    out(f"  {'extractor':<14}{'runs':>5}{'MB/s':>10}{'chars/s':>13}{'figures':>9}{'figures/s':>11}{'peak MiB':>10}{'CPU MB/s':>10}"
        + ("   answer key: recall  precision" if key else ""))
    for r in results:
        line = (f"  {r.name:<14}{len(r.seconds):>5}{r.megabytes_per_second:>10.3f}{r.chars_per_second:>13,.0f}"
                f"{r.n_figures:>9}{r.figures_per_second:>11,.0f}{r.peak_bytes / 2**20:>10.2f}"
                f"{r.cpu_megabytes_per_second:>10.3f}")
        if r.score:
            line += f"   {r.score.recall:>17.3f}{r.score.precision:>11.3f}"
        out(line)
    if results[0].score:
        out(f"\n  esg-pipeline vs the answer key: {results[0].score.summary()}")
    if len(results) == 2:
        ratio = results[0].chars_per_second / results[1].chars_per_second
        out(f"\n  esg-pipeline is {ratio:,.0f}x the throughput of quantulum3 on this text "
            "(median wall time, one core; peak = Python allocations during one run; "
            "CPU MB/s = over the median CPU time of this thread)")
    if file is None:
        results += run_linearity_bench(text, out=out)
        if CORPUS_DIR.is_dir():
            results += run_corpus_bench(CORPUS_DIR, runs=runs, out=out)
        else:
            out(f"\n  corpus texts: {CORPUS_DIR} is not here, skipped")
    return results


def one_paragraph(report: str, n_bytes: int) -> str:
    """One paragraph of about n_bytes: the report's text paragraphs repeated, joined into one line."""
    paragraphs = parse_text(report).paragraphs
    unit = " ".join(" ".join(p.text.split()) for p in paragraphs if p.kind == "text")
    copies = -(-n_bytes // len(unit.encode("utf-8")))
    return " ".join([unit] * copies).encode("utf-8")[:n_bytes].decode("utf-8", "ignore")


def run_linearity_bench(report: str, sizes_mb: tuple[float, ...] = LINEARITY_MB, out=print) -> list[BenchResult]:
    """MB/s on one paragraph of growing size: flat when every step is linear in the text's length."""
    out("\n  linearity: one paragraph (one line, no blank line) of the report's text repeated, "
        "as the flow runs it (parse, then extract)")
    out(f"  {'paragraph':>12}{'runs':>6}{'MB/s':>10}{'figures':>10}{'seconds':>10}{'peak MiB':>10}{'CPU MB/s':>10}")
    results = []
    for size in sizes_mb:
        text = one_paragraph(report, int(size * 1e6))
        runs = 3 if size <= 0.5 else 1
        r = measure(f"{size:g} MB", _ours, text, runs, None, warm_up=size <= 0.5)
        out(f"  {r.name:>12}{len(r.seconds):>6}{r.megabytes_per_second:>10.2f}{r.n_figures:>10,}"
            f"{r.median:>10.2f}{r.peak_bytes / 2**20:>10.1f}{r.cpu_megabytes_per_second:>10.2f}")
        results.append(r)
    return results


def _whole(text: str) -> list[dict]:
    """extract_figures on the whole text at once, as tests and library users call it."""
    return [{"char_start": f.char_start, "char_end": f.char_end, "value": f.value} for f in extract_figures(text)]


def run_corpus_bench(corpus_dir: Path, runs: int = 7, out=print) -> list[BenchResult]:
    """MB/s on each real report text of corpus_dir, per paragraph (the flow's path) and whole."""
    out(f"\n  corpus texts in {corpus_dir}: per paragraph (the flow's path) and whole text at once")
    out(f"  {'text':<40}{'KB':>6}{'figures':>9}{'MB/s':>8}{'whole MB/s':>12}{'peak MiB':>10}{'CPU MB/s':>10}{'whole CPU':>11}")
    results = []
    for path in sorted(corpus_dir.glob("*.txt")):
        text = path.read_bytes().decode("utf-8-sig")
        flow = measure(path.stem, _ours, text, runs, None)
        whole = measure(f"{path.stem} (whole)", _whole, text, runs, None)
        out(f"  {path.stem[:39]:<40}{len(text.encode()) / 1e3:>6.1f}{flow.n_figures:>9}"
            f"{flow.megabytes_per_second:>8.2f}{whole.megabytes_per_second:>12.2f}"
            f"{max(flow.peak_bytes, whole.peak_bytes) / 2**20:>10.2f}"
            f"{flow.cpu_megabytes_per_second:>10.2f}{whole.cpu_megabytes_per_second:>11.2f}")
        results += [flow, whole]
    return results


def result_record(r: BenchResult) -> dict:
    """One measurement as plain data, for `esg bench --json`."""
    return {"name": r.name, "runs": len(r.seconds), "seconds": r.seconds, "median_seconds": r.median,
            "chars": r.n_chars, "bytes": r.n_bytes, "figures": r.n_figures,
            "megabytes_per_second": r.megabytes_per_second, "chars_per_second": r.chars_per_second,
            "figures_per_second": r.figures_per_second, "peak_bytes": r.peak_bytes,
            "cpu_seconds": r.cpu_seconds, "median_cpu_seconds": r.cpu_median,
            "cpu_megabytes_per_second": r.cpu_megabytes_per_second,
            "recall": r.score.recall if r.score else None, "precision": r.score.precision if r.score else None}
