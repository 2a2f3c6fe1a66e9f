"""The Prefect API a run reports to, shared with the worker processes it starts.

With PREFECT_API_URL set, that server. Without it, Prefect would start a temporary API server
for the run's process, and every process-pool or Dask worker process would start its own
(seconds each, its task runs recorded apart). So RunAPI starts that one temporary server itself,
in the background while the caller imports the pipeline, and points the workers at it.

That server dies with the run, even one killed with SIGKILL: it runs under a watchdog on its
parent (``python -m flows.prefect_api --parent PID -- UVICORN_ARGS``), and a record of it (a
small JSON file in the runtime folder, ``runtime_dir()``) lets a later run stop any server a run
left all the same (``stop_orphaned_servers``). Linux's PR_SET_PDEATHSIG would not do: it fires when
the *thread* that started the server ends, and RunAPI starts it from a short-lived thread.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class RunAPI:
    """Where a run's flow and task runs are recorded; start it early, enter active() to use it."""

    def __init__(self):
        from prefect.settings import get_current_settings

        self.url: str | None = get_current_settings().api.url
        self._server = None
        self._error: BaseException | None = None
        self._starting: threading.Thread | None = None
        if not self.url:
            stop_orphaned_servers()
            self._server = TemporaryServer()
            self._starting = threading.Thread(target=self._start, name="esg-prefect-api", daemon=True)
            self._starting.start()

    def _start(self) -> None:
        try:
            self._server.start()
        except BaseException as err:  # re-raised by active(), in the caller's thread
            self._error = err

    @contextmanager
    def active(self) -> Iterator[str]:
        """Use this API for the flow and its workers; a temporary server stops on exit.

        A temporary server dies with the run, so flow-run heartbeats (crash detection for a
        server that outlives the run) are off: they would only add up to a second at the end.
        """
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY

        extra = {}
        if self._server is not None:
            self._starting.join()
            if self._error is not None:
                raise self._error
            self.url = self._server.api_url
            extra = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
        try:
            with use_api(self.url, extra):
                try:
                    yield self.url
                finally:
                    if self._server is not None:
                        # send queued logs and events while the server still listens, and while
                        # Prefect's threads still see it (else they would start a server of their own)
                        _drain_prefect_workers()
        finally:
            if self._server is not None:
                self._server.stop()
                self._server = None


@contextmanager
def use_api(url: str, extra: dict | None = None) -> Iterator[str]:
    """Point this process (its Prefect settings) and every process it starts (the environment)
    at the Prefect API at url; extra: more settings to change meanwhile."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    import prefect.context

    saved = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings(updates={PREFECT_API_URL: url, **(extra or {})}):
            # Threads Prefect starts itself (the process pool's message forwarder, its events and
            # log workers) do not inherit this context: they read the process-wide settings,
            # which would have them start a temporary server of their own (unwatched). So those
            # settings change too, for as long as this lasts. Process-wide: calls must nest (one
            # run per process does; `esg serve` runs each flow run in a process of its own).
            prior = prefect.context.GLOBAL_SETTINGS_CONTEXT
            prefect.context.GLOBAL_SETTINGS_CONTEXT = prefect.context.SettingsContext.get()
            try:
                yield url
            finally:
                prefect.context.GLOBAL_SETTINGS_CONTEXT = prior
    finally:
        if saved is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = saved


def _drain_prefect_workers(timeout: float = 10.0) -> None:
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=timeout)


# --- the temporary server: started under a watchdog, recorded, and stopped if a run left it ----

def runtime_dir() -> Path:
    """Where records of running temporary servers live: ESG_RUNTIME_DIR, else $XDG_RUNTIME_DIR/esg,
    else esg-<uid> in the temporary folder."""
    if os.environ.get("ESG_RUNTIME_DIR"):
        return Path(os.environ["ESG_RUNTIME_DIR"])
    if os.environ.get("XDG_RUNTIME_DIR"):
        return Path(os.environ["XDG_RUNTIME_DIR"]) / "esg"
    return Path(tempfile.gettempdir()) / f"esg-{os.getuid()}"


def _started(pid: int) -> int | None:
    """When process pid started (clock ticks since boot, from /proc): with the pid, it names one
    process, not whichever later gets the same number. None if it is gone (or has no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else int(fields[19])


def record_server(server_pid: int, *, parent_pid: int | None = None, folder: Path | None = None,
                  server_started: int | None = None) -> Path:
    """Note in folder (default runtime_dir()) that server_pid is a temporary server of the run
    parent_pid (default: this process)."""
    parent_pid = os.getpid() if parent_pid is None else parent_pid
    folder = folder or runtime_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    record = folder / f"prefect-api-{server_pid}.json"
    record.write_text(json.dumps({
        "server_pid": server_pid, "server_started": server_started or _started(server_pid),
        "parent_pid": parent_pid, "parent_started": _started(parent_pid)}), encoding="utf-8")
    return record


def stop_orphaned_servers(folder: Path | None = None) -> list[int]:
    """Stop every recorded temporary server whose run is gone; return their pids.

    A record whose run is alive is left alone; one whose server is gone, or whose pid now names
    another process (its start time differs), is only removed.
    """
    folder = folder or runtime_dir()
    stopped = []
    for record in sorted(folder.glob("prefect-api-*.json")) if folder.is_dir() else []:
        try:
            info = json.loads(record.read_text(encoding="utf-8"))
            server, parent = int(info["server_pid"]), int(info["parent_pid"])
        except (OSError, ValueError, KeyError, TypeError):
            record.unlink(missing_ok=True)  # unreadable: nothing to go on
            continue
        if info.get("parent_started") is not None and _started(parent) == info["parent_started"]:
            continue  # its run is still going
        if info.get("server_started") is not None and _started(server) == info["server_started"]:
            _terminate(server)
            stopped.append(server)
        record.unlink(missing_ok=True)
    return stopped


def _terminate(pid: int, grace: float = 5.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and _started(pid) is not None:
            time.sleep(0.1)
        if _started(pid) is not None:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class TemporaryServer:
    """Prefect's temporary API server (what Prefect itself would start for a run without
    PREFECT_API_URL: uvicorn serving prefect.server.api.server:create_app on 127.0.0.1, its UI
    off), started under flows.prefect_api's watchdog and recorded (see the module's docstring).

    Started here rather than with Prefect's SubprocessASGIServer, whose module imports the whole
    server (~1.5 s of CPU) into the run's process only to start another process.
    """

    def __init__(self):
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self.records: list[Path] = []

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _popen(self) -> subprocess.Popen:
        import prefect
        from prefect.settings import get_current_settings

        process = subprocess.Popen(
            args=[sys.executable, "-m", "flows.prefect_api", "--parent", str(os.getpid()), "--",
                  "--app-dir", str(prefect.__module_path__.parent),
                  "--factory", "prefect.server.api.server:create_app",
                  "--host", "127.0.0.1", "--port", str(self.port),
                  "--log-level", "error", "--lifespan", "on"],
            env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                 "PREFECT__SERVER_FINAL": "1",
                 **get_current_settings().to_environment_variables(exclude_unset=True)},
        )
        try:
            self.records.append(record_server(process.pid))
        except OSError:  # no runtime folder: the watchdog still stops the server with the run
            pass
        return process

    def start(self) -> None:
        """Start the server and return once it answers /health (Prefect's startup timeout)."""
        import urllib.request

        from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

        self.port = _free_port()
        self.process = self._popen()
        deadline = time.monotonic() + PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code == 3:  # uvicorn: the port was taken meanwhile
                self.port = _free_port()
                self.process = self._popen()
                continue
            if code is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("Timed out while attempting to connect to ephemeral Prefect API server"
                           + (f" (it exited with code {code})" if code is not None else ""))

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        for record in self.records:
            record.unlink(missing_ok=True)
        self.records.clear()


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _watch_parent(parent_pid: int, every: float = 0.5) -> None:
    """Stop this process (SIGTERM: uvicorn shuts down cleanly) once parent_pid is no longer its
    parent, i.e. the run that started it is gone; force it 10 s later."""
    while os.getppid() == parent_pid:
        time.sleep(every)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(10)
    os._exit(1)


def _serve(argv: list[str]) -> None:
    """python -m flows.prefect_api --parent PID -- UVICORN_ARGS: uvicorn, for as long as PID lives."""
    import runpy

    if len(argv) < 3 or argv[0] != "--parent" or argv[2] != "--":
        raise SystemExit("usage: python -m flows.prefect_api --parent PID -- UVICORN_ARGS")
    threading.Thread(target=_watch_parent, args=(int(argv[1]),), name="esg-watch-parent", daemon=True).start()
    sys.argv = ["uvicorn", *argv[3:]]
    runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _serve(sys.argv[1:])
