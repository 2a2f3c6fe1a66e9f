"""The temporary Prefect API server of `esg run` dies with the run, even a kill -9 of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import esg_env, finish, start_esg, wait_for_stderr, write_small_reports


def _children(pid: int) -> list[int]:
    """Processes whose parent is pid."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _gone(pid: int) -> bool:
    """pid has exited (a zombie nobody reaped yet counts as gone)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _wait_gone(pids: list[int], timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(_gone(p) for p in pids):
        time.sleep(0.2)
    return [p for p in pids if not _gone(p)]


def test_a_run_killed_with_sigkill_takes_its_prefect_server_with_it(tmp_path, raw_dir, warehouse):
    # 60 documents: batches processed by worker processes, whose messages Prefect forwards from a
    # thread of its own; it must use the run's server, not start another (unwatched) one
    names = write_small_reports(raw_dir, 60)
    env = esg_env(None, ESG_TEST_STALL_BEFORE_COMMIT=names[30], ESG_RUNTIME_DIR=str(tmp_path / "esg-runtime"))
    run = start_esg("run", "--raw", str(raw_dir), "--warehouse", str(warehouse), cwd=tmp_path, env=env)
    servers = []
    try:
        wait_for_stderr(run, f"holding the transaction of {names[30]}")  # mid-run, its server up
        servers = [p for p in _children(run.pid) if "create_app" in _cmdline(p)]
        assert len(servers) == 1, [(p, _cmdline(p)) for p in _children(run.pid)]
        assert "flows.prefect_api --parent" in _cmdline(servers[0])  # the watched one
        os.kill(run.pid, signal.SIGKILL)  # the run alone, as `kill -9 PID` does
        run.wait(timeout=30)
        assert _wait_gone(servers) == []
    finally:
        for pid in servers:
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
        os.killpg(run.pid, signal.SIGKILL)


def test_a_later_run_stops_a_server_an_earlier_run_left(tmp_path, raw_dir, warehouse):
    from flows import prefect_api

    write_small_reports(raw_dir, 1)
    # a server an earlier run left (its watchdog could not act): alive, its parent long gone
    leftover = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    try:
        prefect_api.record_server(leftover.pid, parent_pid=dead.pid, folder=tmp_path / "esg-runtime")
        env = esg_env(None, ESG_RUNTIME_DIR=str(tmp_path / "esg-runtime"))
        code, out, err = finish(start_esg("run", "--raw", str(raw_dir), "--warehouse", str(warehouse),
                                          cwd=tmp_path, env=env))
        assert code == 0 and "1 loaded" in out, err
        assert leftover.wait(timeout=30) == -signal.SIGTERM
        assert list((tmp_path / "esg-runtime").iterdir()) == []  # its record went with it, and the run's own
    finally:
        leftover.kill()
        leftover.wait()


def test_a_record_of_a_live_run_or_a_recycled_pid_is_left_alone(tmp_path):
    from flows import prefect_api

    runtime = tmp_path / "esg-runtime"
    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        prefect_api.record_server(server.pid, parent_pid=os.getpid(), folder=runtime)  # its run is alive
        assert prefect_api.stop_orphaned_servers(runtime) == [] and server.poll() is None
        for record in runtime.iterdir():
            record.unlink()
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        prefect_api.record_server(server.pid, parent_pid=dead.pid, folder=runtime, server_started=1)
        assert prefect_api.stop_orphaned_servers(runtime) == []  # same pid, another process: not ours
        assert server.poll() is None and list(runtime.iterdir()) == []
    finally:
        server.kill()
        server.wait()


def test_threads_prefect_starts_itself_see_the_runs_api():
    """Prefect's own threads (the process pool's message forwarder, its events worker) do not
    inherit the caller's context; inside use_api they must still see the run's API, or they
    start a temporary server of their own that no watchdog stops."""
    import threading

    from prefect.settings import PREFECT_API_URL

    from flows.prefect_api import use_api

    seen = {}

    def look(key):
        seen[key] = PREFECT_API_URL.value()

    outside = PREFECT_API_URL.value()
    with use_api("http://127.0.0.1:9/api"):
        thread = threading.Thread(target=look, args=("inside",))
        thread.start()
        thread.join()
    thread = threading.Thread(target=look, args=("after",))
    thread.start()
    thread.join()
    assert seen == {"inside": "http://127.0.0.1:9/api", "after": outside}
