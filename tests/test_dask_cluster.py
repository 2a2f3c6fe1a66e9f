"""`esg run` on a real Dask cluster: a scheduler and two workers started as separate processes,
each in its own working directory, with no access to raw/ or the warehouse (an audit hook in
each worker refuses Python's opening or listing of anything under the project folder). The
tables it loads are the same as a local run's (every table but the `runs` ledger)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SHIPPED_REPORT, esg_env, finish, start_esg, write_small_reports

# what a worker may not touch: installed in each worker process before it runs anything
GUARD = '''
import os, sys

_FORBIDDEN = os.path.realpath(os.environ["ESG_TEST_FORBIDDEN"])
_LOG = os.path.join(os.getcwd(), "forbidden-access.log")


def _guard(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.realpath(os.fsdecode(args[0]))
        if path == _FORBIDDEN or path.startswith(_FORBIDDEN + os.sep):
            with open(_LOG, "a") as log:  # outside the project: allowed
                log.write(f"{event} {path}\\n")
            raise PermissionError(f"this worker has no access to {path}")


sys.addaudithook(_guard)
'''

# columns that name the run or the time a row was written: they differ between any two runs
RUN_COLUMNS = ("run_id", "first_seen_run_id", "loaded_run_id", "last_seen_run_id", "loaded_at",
               "created_at", "first_seen_at", "last_seen_at")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Kill what is left of an esg process and its children (after a timeout, say)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _tables(warehouse: Path) -> dict[str, list[tuple]]:
    """Every esg table's rows, without the columns that name a run or a time, in a fixed order."""
    from schemas import TABLE_NAMES

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {}
        for table in TABLE_NAMES:
            if table == "runs":
                continue
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main' "
                "AND NOT internal ORDER BY column_index",
                [table]).fetchall() if c not in RUN_COLUMNS and not c.endswith("_at")]
            listed = ", ".join(f'"{c}"' for c in columns)
            out[table] = con.execute(f"SELECT {listed} FROM {table} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


@pytest.fixture
def cluster(tmp_path):
    """A Dask scheduler and two single-threaded workers, each a process in its own folder."""
    dask = Path(sys.executable).with_name("dask")
    if not dask.exists():
        pytest.fail(f"{dask} not found: distributed (installed with prefect-dask) provides it")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    project = tmp_path / "project"
    project.mkdir()
    guard = tmp_path / "worker_guard.py"
    guard.write_text(GUARD, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ESG_"))}
    env["ESG_TEST_FORBIDDEN"] = str(project)
    procs = []
    folders = {}
    try:
        scheduler_dir = tmp_path / "scheduler"
        scheduler_dir.mkdir()
        procs.append(subprocess.Popen(
            [str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            cwd=scheduler_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for name in ("worker-a", "worker-b"):
            folder = tmp_path / name
            folder.mkdir()
            folders[name] = folder
            procs.append(subprocess.Popen(
                [str(dask), "worker", address, "--name", name, "--nthreads", "1", "--no-nanny",
                 "--no-dashboard", "--local-directory", str(folder), "--preload", str(guard)],
                cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        deadline = time.monotonic() + 120
        while True:
            try:
                with Client(address, timeout=10) as client:
                    client.wait_for_workers(2, timeout=120)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield {"address": address, "project": project, "folders": folders}
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_a_run_on_a_real_dask_cluster_loads_the_same_tables_as_a_local_run(cluster, tmp_path, prefect_api_url):
    project = cluster["project"]
    raw = project / "raw"
    raw.mkdir()
    shutil.copy(SHIPPED_REPORT, raw / SHIPPED_REPORT.name)
    write_small_reports(raw, 99)  # with the shipped report: 4 batches of 25, so both workers get some
    local = tmp_path / "local"
    shutil.copytree(raw, local / "raw")

    proc = start_esg("run", "--task-runner", "dask", "--dask-address", cluster["address"], cwd=project,
                     env=esg_env(prefect_api_url))
    try:
        code, out, err = finish(proc, timeout=900)
    finally:
        _stop(proc)
    assert code == 0, out + err
    assert "100 loaded, 0 unchanged, 0 rejected" in out, out
    assert "processed in 2 worker process(es) (dask task runner)" in out, out
    assert "Traceback" not in out + err

    # the batches ran in the two workers, which never opened anything in the project folder
    for name, folder in cluster["folders"].items():
        assert not (folder / "forbidden-access.log").exists(), (folder / "forbidden-access.log").read_text()
        assert not (folder / "raw").exists() and not (folder / "warehouse").exists()
    con = duckdb.connect(str(project / "warehouse" / "esg.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM rejections").fetchone()[0] == 0
    con.close()

    proc = start_esg("run", cwd=local, env=esg_env(prefect_api_url))
    try:
        code, out, err = finish(proc, timeout=900)
    finally:
        _stop(proc)
    assert code == 0, out + err
    on_cluster = _tables(project / "warehouse" / "esg.duckdb")
    at_home = _tables(local / "warehouse" / "esg.duckdb")
    assert set(on_cluster) == set(at_home)
    for table in at_home:
        assert on_cluster[table] == at_home[table], f"{table} differs between the cluster run and the local run"
    assert len(at_home["figures"]) == 56 + 99 * 7 and len(at_home["facts"]) > 0
