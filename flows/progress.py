"""What a person watching `esg run` sees while it works, on stderr.

On a terminal: one live bar across the run ([rich](https://rich.readthedocs.io), installed with
Prefect), first over the files of raw/ as they are read and hashed, then over the documents to
load: documents loaded (and processed), documents/s and time left. Elsewhere (a log, a pipe): a
plain line at every tenth of the documents loaded. Nothing for a run of five documents or fewer.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

SHOWN_ABOVE = 5  # documents: a smaller run finishes before a bar is worth reading


class RunProgress:
    """The progress of one run: scan (files read), then processing and loading (documents)."""

    def __init__(self, enabled: bool, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and self.stream.isatty()
        self.total = self.processed_count = self.loaded_count = 0
        self._bar = self._task = None
        self._last_scan = 0.0

    def _start_bar(self, description: str, total: int) -> None:
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:,.1f}/s" if speed else "", style="progress.data.speed")

        self._bar = Progress(TextColumn("  {task.description}"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.fields[unit]}"), Rate(), TextColumn("{task.fields[note]}"),
                             TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                             console=Console(file=self.stream), transient=False)
        self._bar.start()
        self._task = self._bar.add_task(description, total=total, unit="files", note="")

    def scanning(self, done: int, total: int) -> None:
        """done of total files in raw/ read and hashed (a terminal only: the scan is quick)."""
        if not self.tty or total <= SHOWN_ABOVE:
            return
        now = time.monotonic()
        if self._bar is None:
            self._start_bar("scan raw/", total)
        elif done < total and now - self._last_scan < 0.1:
            return
        self._last_scan = now
        self._bar.update(self._task, completed=done)

    def loading(self, total: int) -> None:
        """The scan decided: total documents to process and load."""
        self.total = total
        if not self.enabled or total <= SHOWN_ABOVE:
            self.enabled = self.tty = False
            self.close()
            return
        if self.tty:
            if self._bar is None:
                self._start_bar("process+load", total)
            else:
                self._bar.reset(self._task, total=total, description="process+load")
            self._bar.update(self._task, unit="documents", note="")

    def processed(self, n: int) -> None:
        self.processed_count += n
        if self.tty:
            self._bar.update(self._task, note=f"({self.processed_count:,} processed)")

    def loaded(self, n: int) -> None:
        before, self.loaded_count = self.loaded_count, self.loaded_count + n
        if not self.enabled:
            return
        if self.tty:
            self._bar.update(self._task, advance=n)
            return
        step = max(1, self.total // 10)
        if self.loaded_count == self.total or self.loaded_count // step > before // step:
            print(f"  loaded {self.loaded_count:,}/{self.total:,} documents", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
