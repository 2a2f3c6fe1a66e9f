"""esg serve: one real scheduled cycle (and a second that picks up a new file), then a clean stop."""

from __future__ import annotations

import signal
import socket
import time
from contextlib import closing

import duckdb

from flows import load
from tests.conftest import esg_env, finish, start_esg, write_small_reports


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_run(warehouse, loaded: int, timeout: float = 240) -> list[tuple]:
    """The runs ledger once a completed run has loaded `loaded` documents (polls; the warehouse may be busy)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if warehouse.exists():
            try:
                con = duckdb.connect(str(warehouse), read_only=True)
            except duckdb.Error:  # a scheduled run is writing right now
                time.sleep(0.5)
                continue
            try:
                runs = con.execute("SELECT run_id, status, n_documents_loaded, n_documents_skipped FROM runs "
                                   "ORDER BY started_at").fetchall()
            except duckdb.Error:  # tables not created yet
                runs = []
            finally:
                con.close()
            if any(status == "completed" and n == loaded for _, status, n, _ in runs):
                return runs
        time.sleep(1)
    raise AssertionError(f"no completed run loading {loaded} document(s) within {timeout} s")


def test_serve_runs_on_its_schedule_and_picks_up_new_files(tmp_path, raw_dir, warehouse):
    write_small_reports(raw_dir, 2)
    env = esg_env(None, PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_RUNNER_POLL_FREQUENCY="1",
                  ESG_PREFECT_PORT=str(_free_port()))
    serve = start_esg("serve", "--interval", "5", "--raw", str(raw_dir), "--warehouse", str(warehouse),
                      cwd=tmp_path, env=env)
    try:
        first = _wait_for_run(warehouse, loaded=2)  # the first scheduled cycle loaded both files
        (raw_dir / "new report.txt").write_text("Sub header: Water\nWe saved 3 megalitres.\n", encoding="utf-8")
        runs = _wait_for_run(warehouse, loaded=1)  # a later cycle picked up the new one only
    finally:
        serve.send_signal(signal.SIGTERM)
        code, out, err = finish(serve, timeout=120)
    assert code == 0, err
    assert "esg serve: ingest_reports/esg-scheduled runs every 5 s" in out
    assert "Prefect server: started http://127.0.0.1:" in out and out.rstrip().endswith("esg serve: stopped")
    assert "Traceback" not in out + err

    assert len(first) >= 1
    later = [r for r in runs if r[2] == 1]
    assert later and later[0][3] == 2  # the two first files were skipped as unchanged
    con = load.connect(warehouse, read_only=True)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 3
    assert set(load.check_lineage(con).values()) == {0}
    assert all(len(run_id) == 36 for run_id, *_ in runs)  # Prefect flow run ids
