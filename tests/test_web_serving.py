"""esg web never stands in the way of the pipeline: real `esg run` and `esg serve` cycles succeed
while a real `esg web` serves the same warehouse and is browsed without pause."""

from __future__ import annotations

import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from contextlib import closing

from tests.conftest import esg_env, finish, start_esg, write_small_reports
from tests.test_deploy import _wait_for_run


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser(threading.Thread):
    """Reads pages back to back and keeps (time, url, status, body) of every answer."""

    PAGES = ("/", "/facts", "/findings", "/downloads", "/sql?q=select+count(*)+from+figures")

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base, self.answers, self.stop = base, [], threading.Event()

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def run(self):
        i = 0
        while not self.stop.is_set():
            path = self.PAGES[i % len(self.PAGES)]
            status, body = self.get(path)
            self.answers.append((time.monotonic(), path, status, body))
            i += 1

    def during(self, start: float, end: float) -> list[tuple]:
        return [a for a in self.answers if start <= a[0] <= end]


def _wait_for_cycle(warehouse, known: set[str], timeout: float = 240) -> tuple:
    """The first completed run not in known that loaded a document (polls the runs ledger)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = _wait_for_run(warehouse, loaded=0, timeout=timeout)
        new = [r for r in runs if r[0] not in known and r[1] == "completed" and r[2] > 0]
        failed = [r for r in runs if r[0] not in known and r[1] == "failed"]
        assert not failed, failed
        if new:
            return new[0]
        time.sleep(1)
    raise AssertionError(f"no scheduled cycle loaded a file within {timeout} s")


def test_runs_and_scheduled_cycles_succeed_while_the_web_view_is_browsed(tmp_path, raw_dir, warehouse, prefect_api_url):
    port = _free_port()
    web = start_esg("web", "--warehouse", str(warehouse), "--port", str(port), cwd=tmp_path, env=esg_env())
    browser = Browser(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        browser.start()
        runs = []
        write_small_reports(raw_dir, 2)
        for new_file in (None, "later.txt", None):  # loads 2, then the new one, then nothing
            if new_file:
                (raw_dir / new_file).write_text("Sub header: Water\nWe saved 3 megalitres in 2023.\n", encoding="utf-8")
            started = time.monotonic()
            code, out, err = finish(start_esg("run", "--raw", str(raw_dir), "--warehouse", str(warehouse),
                                              cwd=tmp_path, env=esg_env(prefect_api_url)))
            runs.append((started, time.monotonic()))
            assert code == 0, err
            assert "Traceback" not in out + err
        assert "0 loaded, 3 unchanged" in out

        (raw_dir / "scheduled.txt").write_text("Sub header: Waste\nWe recycled 40 t of paper in 2023.\n", encoding="utf-8")
        env = esg_env(None, PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_RUNNER_POLL_FREQUENCY="1",
                      ESG_PREFECT_PORT=str(_free_port()))
        manual = {r[0] for r in _wait_for_run(warehouse, loaded=0, timeout=60)}
        assert len(manual) == 3
        serve_started = time.monotonic()
        serve = start_esg("serve", "--interval", "5", "--raw", str(raw_dir), "--warehouse", str(warehouse),
                          cwd=tmp_path, env=env)
        try:
            first = _wait_for_cycle(warehouse, manual)  # a scheduled cycle loaded scheduled.txt
            (raw_dir / "scheduled 2.txt").write_text("Sub header: Waste\nWe recycled 50 t of glass in 2023.\n",
                                                     encoding="utf-8")
            second = _wait_for_cycle(warehouse, manual | {first[0]})  # a later one the next file
            cycles = [first, second]
        finally:
            serve.send_signal(signal.SIGTERM)
            serve_code, serve_out, serve_err = finish(serve, timeout=120)
        serve_ended = time.monotonic()
        assert serve_code == 0, serve_err
        assert [(c[2], c[3]) for c in cycles] == [(1, 3), (1, 4)]  # each loaded its new file, skipped the rest

        time.sleep(1)
        status, final = browser.get("/")
    finally:
        browser.stop.set()
        browser.join(60)
        web.send_signal(signal.SIGINT)
        web_code, _, web_err = finish(web, timeout=60)

    assert web_code in (0, 130), web_err
    assert "Traceback" not in web_err
    # the view answered throughout: pages, or "being written" while a run wrote, never an error
    statuses = {a[2] for a in browser.answers}
    assert statuses <= {200, 503}, statuses
    busy = [a[3] for a in browser.answers if a[2] == 503]
    assert all("The warehouse is being written, try again in a moment." in b or "no warehouse here yet" in b
               or "not an esg warehouse" in b for b in busy)
    for start, end in runs + [(serve_started, serve_ended)]:
        assert browser.during(start, end), "the view was not browsed during a run"
    assert sum(1 for a in browser.answers if a[2] == 200) > 20
    assert status == 200 and final.count("<tr data-document-id=") == 5  # all five files, as loaded
