"""Shared fixtures: the shipped report, the real-world corpus, a temp warehouse, Prefect's harness."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import flows  # noqa: F401  (its quiet Prefect defaults, telemetry off, before Prefect loads)

# Property-based tests (tests/test_fuzz.py): a few examples by default, many with
# HYPOTHESIS_PROFILE=long. No deadline: tests never assert wall-clock time.
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_REPORT = ROOT / "raw" / "alibaba_esg_fy2023.txt"
CORPUS_DIR = ROOT.parent / "shared" / "corpus"
ANSWER_KEY = ROOT / "tests" / "data" / "alibaba_esg_fy2023_answer_key.csv"


@pytest.fixture(scope="session")
def shipped_text() -> str:
    return SHIPPED_REPORT.read_bytes().decode("utf-8")


@pytest.fixture(scope="session")
def corpus_files() -> list[Path]:
    files = sorted(CORPUS_DIR.glob("*.txt"))
    if not files:
        pytest.skip(f"{CORPUS_DIR} holds no corpus texts")
    return files


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "esg.duckdb"


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    d = tmp_path / "raw"
    d.mkdir()
    return d


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the whole test session (no server to start by hand)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def score_log(request):
    """Collects answer-key scores; they are printed at the end of the test run."""
    if not hasattr(request.config, "_esg_scores"):
        request.config._esg_scores = []
    return request.config._esg_scores


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    scores = getattr(config, "_esg_scores", [])
    if scores:
        terminalreporter.section("answer-key scores (extract_figures vs tests/data)")
        for line in scores:
            terminalreporter.write_line(line)

# --- real `esg` processes, for the fault tests (kill, concurrency, serve, scale-out) ------------

import os  # noqa: E402
import queue  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

SMALL_REPORT = """Sub header: Emissions
Paragraph 1: In FY2023 we cut Scope 1 emissions by {a}% to {b} tCO2e.

Paragraph 2: Renewable electricity reached {c} million kWh.

Sub header: People
Paragraph 1: We trained {d} employees for {e} hours on average.

Paragraph 2: Volunteers gave {f} hours in {g} communities.
"""


def write_small_reports(raw_dir: Path, n: int) -> list[str]:
    """n small distinct reports (7 figures each) in raw_dir; their names, in load order."""
    names = []
    for i in range(n):
        name = f"report_{i:03d}.txt"
        values = {k: 10 + i + j for j, k in enumerate("abcdefg")}
        (raw_dir / name).write_text(SMALL_REPORT.format(**values), encoding="utf-8")
        names.append(name)
    return names


@pytest.fixture(scope="session")
def prefect_api_url(prefect_harness) -> str:
    """The test Prefect API, for `esg` subprocesses (saves each one starting its own)."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def esg_env(api_url: str | None = None, **extra: str) -> dict[str, str]:
    """A user's environment (no PREFECT_ settings of ours), optionally pointed at a Prefect API."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ESG_"))}
    if api_url:
        env["PREFECT_API_URL"] = api_url
    env.update(extra)
    return env


def start_esg(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.Popen:
    """`esg ARGS` as a process in its own session (so a test can kill it and its children)."""
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    proc.stderr_lines = queue.Queue()
    proc.stderr_seen = []

    def pump():
        for line in proc.stderr:
            proc.stderr_lines.put(line)
        proc.stderr_lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return proc


def wait_for_stderr(proc: subprocess.Popen, pattern: str, timeout: float = 180) -> str:
    """The first stderr line of proc matching pattern; fails if proc ends or time runs out first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = proc.stderr_lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if line is None:
            break
        proc.stderr_seen.append(line)
        if re.search(pattern, line):
            return line
    raise AssertionError(f"no stderr line matching {pattern!r}; saw: {''.join(proc.stderr_seen)[-2000:]}")


def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    """(exit code, stdout, rest of stderr) once proc ends."""
    proc.wait(timeout=timeout)  # esg prints a screenful at most: its stdout pipe cannot fill
    out = proc.stdout.read()
    rest = []
    while True:
        line = proc.stderr_lines.get(timeout=10)
        if line is None:
            break
        rest.append(line)
    return proc.returncode, out, "".join(proc.stderr_seen + rest)


# --- a small warehouse for the web view: prose and a table (Northwind), and a report full of markup ---

WEB_NORTHWIND = ROOT / "tests" / "data" / "formats" / "northwind_2023.txt"
WEB_EVIL_REPORT = """Sub header: <script>alert('x')</script> Emissions
In 2023 our Scope 1 emissions were 1,200 tCO2e <b>bold</b> & "quoted".

Our Scope 1 emissions in 2023 were 1,500 tCO2e, see <img src=x onerror=alert(1)>.

Sub header: Water
We withdrew 9,999,999,999 m3 of water in 2023.
"""


def build_web_site(root: Path) -> Path:
    """root/warehouse/esg.duckdb with the two reports loaded by a completed run, exported to
    root/warehouse/exports; returns root."""
    from flows import load
    from flows.export import export_parquet
    from flows.process import process_sources
    from flows.read import source_file

    con = load.connect(root / "warehouse" / "esg.duckdb")
    sources = [source_file("northwind_2023.txt", WEB_NORTHWIND.read_bytes(), 10**6),
               source_file("evil <script>.txt", WEB_EVIL_REPORT.encode(), 10**6)]
    load.start_run(con, "run-1", "raw")
    for doc in process_sources(sources, "run-1"):
        load.load_document(con, doc, "run-1")
    load.finish_run(con, "run-1", "completed", {"loaded": 2})
    export_parquet(con, root / "warehouse" / "exports")
    con.close()
    return root
