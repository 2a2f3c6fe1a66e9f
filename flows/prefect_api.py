"""The Prefect API a run reports to, shared with the worker processes it starts.

With PREFECT_API_URL set, that server. Without it, Prefect would start a temporary API server
for the run's process, and every process-pool or Dask worker process would start its own
(seconds each, its task runs recorded apart). So RunAPI starts that one temporary server itself,
in the background while the caller imports the pipeline, and points the workers at it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class RunAPI:
    """Where a run's flow and task runs are recorded; start it early, enter active() to use it."""

    def __init__(self):
        from prefect.settings import get_current_settings

        self.url: str | None = get_current_settings().api.url
        self._server = None
        self._error: BaseException | None = None
        self._starting: threading.Thread | None = None
        if not self.url:
            from prefect.server.api.server import SubprocessASGIServer

            self._server = SubprocessASGIServer()
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
                yield self.url
        finally:
            if self._server is not None:
                _drain_prefect_workers()  # send queued logs and events while the server still listens
                self._server.stop()
                self._server = None


@contextmanager
def use_api(url: str, extra: dict | None = None) -> Iterator[str]:
    """Point this process (its Prefect settings) and every process it starts (the environment)
    at the Prefect API at url; extra: more settings to change meanwhile."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    saved = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        with temporary_settings(updates={PREFECT_API_URL: url, **(extra or {})}):
            yield url
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
