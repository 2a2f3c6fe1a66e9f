"""unchanged: a run that finds nothing changed is decided and recorded with DuckDB alone."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import duckdb

from flows.settings import Settings
from flows.unchanged import unchanged_run
from tests.conftest import ROOT, write_small_reports


def _loaded(raw_dir, warehouse):
    from flows.pipeline import ingest_reports

    return ingest_reports(raw_dir=raw_dir, warehouse=warehouse)


def _settings(raw_dir, warehouse) -> Settings:
    return replace(Settings(), raw_dir=raw_dir, warehouse=warehouse)


def test_nothing_changed_is_recorded_as_a_run_with_the_flows_summary(raw_dir, warehouse, prefect_harness):
    write_small_reports(raw_dir, 3)
    (raw_dir / "empty.txt").write_bytes(b"")
    first = _loaded(raw_dir, warehouse)
    (raw_dir / "report_002.txt").unlink()  # gone: its rows stay, and it is counted missing
    summary = unchanged_run(_settings(raw_dir, warehouse))
    assert summary is not None and summary["unchanged_path"]
    assert (summary["files"], summary["loaded"], summary["skipped"], summary["rejected"], summary["missing"]) == (3, 0, 2, 1, 1)
    assert summary["totals"]["documents"] == 3 and summary["rejected_files"] == [("empty.txt", summary["rejected_files"][0][1])]
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT run_id, status, n_files, n_documents_loaded, n_documents_skipped, n_documents_rejected "
                       "FROM runs ORDER BY started_at").fetchall() == [
        (first["run_id"], "completed", 4, 3, 0, 1), (summary["run_id"], "completed", 3, 0, 2, 1)]
    assert dict(con.execute("SELECT source_path, last_seen_run_id FROM documents").fetchall()) == {
        "report_000.txt": summary["run_id"], "report_001.txt": summary["run_id"], "report_002.txt": first["run_id"]}
    assert con.execute("SELECT source_path, run_id FROM rejections").fetchall() == [("empty.txt", summary["run_id"])]


def test_anything_to_do_goes_to_the_flow(raw_dir, warehouse, prefect_harness, tmp_path):
    settings = _settings(raw_dir, warehouse)
    write_small_reports(raw_dir, 2)
    assert unchanged_run(settings) is None  # no warehouse yet
    _loaded(raw_dir, warehouse)
    assert unchanged_run(settings) is not None
    (raw_dir / "report_001.txt").write_text("Sub header: S\nWe gave 5 meals.\n", encoding="utf-8")
    assert unchanged_run(settings) is None  # a changed file
    _loaded(raw_dir, warehouse)
    (raw_dir / "report_001.txt.meta.json").write_text(json.dumps({"company": "Acme plc"}), encoding="utf-8")
    assert unchanged_run(settings) is None  # a sidecar says something new
    _loaded(raw_dir, warehouse)
    assert unchanged_run(settings) is not None
    con = duckdb.connect(str(warehouse))
    con.execute("UPDATE documents SET code_version = 'older-code' WHERE source_path = 'report_000.txt'")
    con.close()
    assert unchanged_run(settings) is None  # made by other processing code
    _loaded(raw_dir, warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute("UPDATE runs SET status = 'running' WHERE run_id = (SELECT max_by(run_id, started_at) FROM runs)")
    con.close()
    assert unchanged_run(settings) is None  # the last run died: the flow finishes its work
    _loaded(raw_dir, warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute("UPDATE schema_info SET value = '2'")
    con.close()
    assert unchanged_run(settings) is None  # an older warehouse: the flow migrates it
    runs = duckdb.connect(str(warehouse), read_only=True).execute("SELECT count(*) FROM runs").fetchone()[0]
    assert runs == 7  # the flow's five runs and the two unchanged ones, nothing else recorded


def test_an_unchanged_run_imports_neither_prefect_nor_pandas_nor_pandera(raw_dir, warehouse, prefect_harness):
    write_small_reports(raw_dir, 2)
    _loaded(raw_dir, warehouse)
    script = (f"import sys; from dataclasses import replace; from pathlib import Path\n"
              f"from flows.settings import Settings; from flows.unchanged import esg_run\n"
              f"s = esg_run(replace(Settings(), raw_dir=Path({str(raw_dir)!r}), warehouse=Path({str(warehouse)!r})))\n"
              f"heavy = sorted(m for m in ('prefect', 'pandas', 'pandera', 'pyarrow') if m in sys.modules)\n"
              f"print(s['skipped'], s['loaded'], heavy)")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2 0 []"


def test_a_file_processing_rejected_keeps_later_runs_on_the_cheap_path(raw_dir, warehouse, prefect_harness):
    """A scanned PDF has no documents row; the cache remembers processing rejected it, so a run
    where nothing else changed is still the no-op run, and records its rejection again."""
    from flows.batch_cache import BatchCache
    from flows.version import CODE_VERSION
    from tests.test_readers_pdf import make_pdf

    write_small_reports(raw_dir, 2)
    (raw_dir / "scan.pdf").write_bytes(make_pdf([[], []]))
    first = _loaded(raw_dir, warehouse)
    assert (first["loaded"], first["rejected"]) == (2, 1)
    settings = _settings(raw_dir, warehouse)
    summary = unchanged_run(settings)
    assert summary is not None and summary["unchanged_path"]
    assert (summary["files"], summary["loaded"], summary["skipped"], summary["rejected"]) == (3, 0, 2, 1)
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute('SELECT source_path, "check", run_id FROM rejections').fetchall()
    con.close()
    assert rows == [("scan.pdf", "no_text_layer", summary["run_id"])]

    # the same file under a new name, or changed, is processed again: the flow runs
    (raw_dir / "scan.pdf").rename(raw_dir / "scan2.pdf")
    assert unchanged_run(settings) is None
    (raw_dir / "scan2.pdf").rename(raw_dir / "scan.pdf")
    assert unchanged_run(settings) is not None
    (raw_dir / "scan.pdf").write_bytes(make_pdf([[], [], []]))
    assert unchanged_run(settings) is None
    # forgotten with the cache (deleting it is always safe): the flow runs and remembers it again
    _loaded(raw_dir, warehouse)
    cache = BatchCache(settings.cache_dir, CODE_VERSION)
    for path in cache.here.glob("*.rejected"):
        path.unlink()
    assert unchanged_run(settings) is None
    _loaded(raw_dir, warehouse)
    assert unchanged_run(settings) is not None
