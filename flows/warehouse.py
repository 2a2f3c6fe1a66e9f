"""Open the DuckDB warehouse file: who holds it, waiting for it, and what a damaged file or a full
disk look like. DuckDB only (no pandas, no pandera), so a run with nothing to do opens the
warehouse without importing them (flows/unchanged.py); flows/load.py adds the schema on top.

DuckDB lets one process write a file at a time, and an ``esg run`` holds its connection for the
whole run, so a second run on the same warehouse gets a clear ``WarehouseBusy`` error (naming the
process that holds it) instead of interleaving writes.
"""

from __future__ import annotations

import errno
import re
import time
from pathlib import Path
from typing import Callable

import duckdb


class WarehouseError(Exception):
    """The warehouse cannot be used as asked; the message says why and what to do."""


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse."""


class WarehouseDamaged(WarehouseError):
    """The warehouse file cannot be read back: truncated, overwritten or not a DuckDB file."""


class DiskFull(WarehouseError):
    """The disk holding the warehouse (or its cache) is full."""


# What DuckDB says when the file itself is bad (truncated, a block overwritten, not DuckDB at all).
_DAMAGE_SIGNS = ("could not read enough bytes", "corrupt", "checksum", "not a valid duckdb database",
                 "invalid database file", "replaying wal")


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back after a failure, leaving that failure the error raised. When a write fails (a
    full disk) DuckDB ends the transaction itself, and a ROLLBACK then fails with "cannot
    rollback - no transaction is active", which would hide the cause."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def damaged(path: Path | str, line: str) -> WarehouseDamaged:
    return WarehouseDamaged(f"{path}: the warehouse file is damaged ({line}); it is derived from raw/, so "
                            "delete it (or move it aside) and run `esg run` to rebuild it")


def warehouse_fault(path: Path | str, err: BaseException) -> WarehouseError | None:
    """A DuckDB (or OS) error met while using the warehouse, when it is a full disk (DiskFull) or
    a damaged file (WarehouseDamaged), as a one-line error saying what to do; else None."""
    text = str(err).strip()
    line = text.splitlines()[0] if text else type(err).__name__
    if "no space left on device" in text.lower() or getattr(err, "errno", None) == errno.ENOSPC:
        where = getattr(err, "filename", None) or path
        return DiskFull(f"{where}: no space left on the disk ({line}); free some space (or use --warehouse "
                        "on another disk) and run again: documents loaded so far are kept")
    if isinstance(err, duckdb.Error) and any(sign in text.lower() for sign in _DAMAGE_SIGNS):
        return damaged(path, line)
    return None


def process_command(pid: int, width: int = 80) -> str | None:
    """The command line of process pid as a user would type it (`esg query select ...`), from
    /proc; None where there is no /proc or the process is gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    argv = [part.decode("utf-8", "backslashreplace") for part in raw.split(b"\0") if part]
    for i, arg in enumerate(argv):  # `python .../bin/esg ...` or `python -m flows.cli ...` is esg
        if Path(arg).name == "esg":
            argv = ["esg", *argv[i + 1:]]
            break
        if arg == "-m" and argv[i + 1:i + 2] == ["flows.cli"]:
            argv = ["esg", *argv[i + 2:]]
            break
    text = " ".join(" ".join(argv).split())
    return text if len(text) <= width else text[:width - 1] + "…"


def lock_holder(message: str) -> str:
    """Who holds the warehouse, from DuckDB's lock error: `PID 1234 (esg query select 1)`."""
    found = re.search(r"PID (\d+)", message)
    if not found:
        return "another process"
    command = process_command(int(found.group(1)))
    return f"PID {found.group(1)}" + (f" ({command})" if command else "")


# Readers (esg web, esg query, esg export) hold the warehouse for a page or a query at a time; a
# writer that finds only readers there waits this long for them to let go before it says "busy".
READERS_GRACE_SECONDS = 10.0
# DuckDB adds this to its lock error when the holders are readers only.
_HELD_BY_READERS = "would be able to open this database in read-only mode"


# A writer's DuckDB never merges row groups at a checkpoint (its "vacuum"). DuckDB merges the small
# row groups each checkpoint leaves once they add up to twice the last one, rewriting them whole:
# for documents (73 KB of text a row, 122,880 rows a row group) that rewrites every document's
# text again at 2, 4, 8... thousand documents, each time costlier and with memory to match (a
# checkpoint merging 7,200 documents took 4 s of CPU; closing a 10,000-document warehouse with
# vacuum back on took 17 s and 0.85 GB). Without it, a checkpoint writes only what is new. A row
# group whose rows are all deleted (a document reloaded) is still dropped; partly deleted ones
# keep their dead rows' space. Set when the database is opened, so the checkpoint that replays a
# log left by a crash does not merge either.
WRITER_CONFIG = {"max_vacuum_tasks": 0}


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """duckdb.connect; a writer gives readers READERS_GRACE_SECONDS to let go (it retries every
    10 ms, so a reader that opens per request, like esg web, cannot keep it out)."""
    deadline = time.monotonic() + (0.0 if read_only else READERS_GRACE_SECONDS)
    config = {} if read_only else dict(WRITER_CONFIG)
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.IOException as err:
            if _HELD_BY_READERS not in str(err) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def open_warehouse(path: Path, *, read_only: bool = False, wait_seconds: float = 0.0,
                   notify: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse file, its schema unchecked (flows.load.connect checks it).

    A file held by another process raises WarehouseBusy with what to do; with wait_seconds it is
    retried until then, and notify(message) is told when the waiting starts. A file DuckDB
    cannot open raises WarehouseDamaged.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseError(f"{path}: no warehouse here yet; run `esg run` first (or pass --warehouse)")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            return _open(path, read_only)
        except duckdb.IOException as err:
            message = str(err)
            if "could not set lock" not in message.lower():
                raise (warehouse_fault(path, err) or WarehouseError(
                    f"{path}: cannot open the warehouse: {message.splitlines()[0]}")) from None
            holder = lock_holder(message)
            if time.monotonic() < deadline:
                if notify and not told:
                    notify(f"{path} is in use by {holder}; waiting up to {wait_seconds:g} s")
                    told = True
                time.sleep(0.5)
                continue
            raise WarehouseBusy(
                f"{path}: the warehouse is in use by {holder}; wait for it to finish, "
                + ("" if read_only else "pass --wait SECONDS, ") + "or use another --warehouse"
            ) from None
        except duckdb.Error as err:  # the file is not a DuckDB database we can open
            raise damaged(path, str(err).strip().splitlines()[0]) from None


def tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The names of the tables in the warehouse."""
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}


def schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The warehouse's schema version (schema_info), None when it records none."""
    if "schema_info" not in tables(con):
        return None
    row = con.execute("SELECT value FROM schema_info WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else None
