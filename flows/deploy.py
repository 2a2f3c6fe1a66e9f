"""Schedules in one place: `esg serve` serves ingest_reports as a Prefect deployment.

Scheduling needs a real Prefect server: the temporary (ephemeral) API that `esg run` uses runs
no scheduler. So `esg serve` uses the server at PREFECT_API_URL when one is configured, and
otherwise starts `prefect server start` itself (UI included) and stops it on exit.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager

from flows.settings import Settings

DEPLOYMENT_NAME = "esg-scheduled"
SERVER_START_TIMEOUT = 120.0


class ServeError(Exception):
    """The schedule cannot be served; the message says why and what to do."""


def deployment_parameters(settings: Settings) -> dict:
    """The flow's parameters for every scheduled run; paths absolute, so runs don't depend on a cwd."""
    return {
        "raw_dir": str(settings.raw_dir.resolve()),
        "warehouse": str(settings.warehouse.resolve()),
        "max_bytes": settings.max_bytes,
        "follow_links": settings.follow_links,
        "batch_size": settings.batch_size,
        # an `esg run` by hand may hold the warehouse: wait for it rather than fail the run
        "wait_seconds": settings.serve_wait_seconds,
    }


def _port_free(port: int) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _any_free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def prefect_api(settings: Settings, say: Callable[[str], None]) -> Iterator[str]:
    """The Prefect API URL to serve against: PREFECT_API_URL, or a local server started here."""
    from prefect.settings import get_current_settings

    from flows.prefect_api import use_api

    configured = get_current_settings().api.url
    if configured:
        say(f"  Prefect server: {configured} (PREFECT_API_URL)")
        yield configured
        return
    port = settings.prefect_port if _port_free(settings.prefect_port) else _any_free_port()
    url = f"http://127.0.0.1:{port}/api"
    log_path = settings.warehouse.parent / "prefect-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)  # Ctrl-C stops serving first; the server is stopped after
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise ServeError(f"the Prefect server did not start (see {log_path}); start one with "
                                 "`prefect server start` and set PREFECT_API_URL to it")
            time.sleep(0.25)
        say(f"  Prefect server: started {url} for this session; runs, logs and schedule in its UI at "
            f"http://127.0.0.1:{port} (server log: {log_path})")
        with use_api(url):  # for this process and the ones each run starts
            yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _stop_on_sigterm() -> None:
    """SIGTERM (systemd, docker stop, kill) stops serving the same way Ctrl-C does."""
    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def serve_ingest(settings: Settings, *, interval: float | None = None,
                 say: Callable[[str], None] = print) -> None:
    """Serve ingest_reports on settings.cron (or every interval seconds) until interrupted.

    At most one scheduled run at a time: a run due while the previous one still works is
    cancelled (the next one picks up whatever it would have loaded).
    """
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    from flows.pipeline import ingest_reports, make_task_runner

    flow_ = ingest_reports.with_options(task_runner=make_task_runner(settings.task_runner, settings.dask_address))
    when = f"every {interval:g} s" if interval else f'on cron "{settings.cron}" (UTC)'
    parameters = deployment_parameters(settings)
    say(f"esg serve: ingest_reports/{DEPLOYMENT_NAME} runs {when}, loading new and changed files")
    say(f"  raw: {parameters['raw_dir']}  warehouse: {parameters['warehouse']}  task runner: {settings.task_runner}")
    _stop_on_sigterm()
    with prefect_api(settings, say):
        say(f"  run it now: prefect deployment run 'ingest_reports/{DEPLOYMENT_NAME}'; "
            "see runs: prefect flow-run ls; stop: Ctrl-C")
        try:
            flow_.serve(
                name=DEPLOYMENT_NAME,
                cron=None if interval else settings.cron,
                interval=interval,
                paused=False,
                pause_on_shutdown=True,  # no runs pile up on the server while nothing serves them
                parameters=parameters,
                global_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
                print_starting_message=False,
            )
        except KeyboardInterrupt:
            pass
    say("esg serve: stopped")
