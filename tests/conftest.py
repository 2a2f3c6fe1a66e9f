"""Shared fixtures: the shipped report, the real-world corpus, a temp warehouse, Prefect's harness."""

from __future__ import annotations

from pathlib import Path

import pytest

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
