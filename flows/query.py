"""Read-only SQL over the warehouse, with limits: what `esg query` runs (and a SQL box could).

``run_query(warehouse, sql, max_rows=..., timeout_seconds=...)`` returns a ``QueryResult`` or
raises a ``QueryError`` (or ``WarehouseError`` when the warehouse cannot be opened). Before the
SQL runs, the connection is read-only and locked down (``LOCKDOWN``): no writes to the
warehouse, no file access (``COPY ... TO``, ``EXPORT DATABASE``, ``ATTACH``, ``read_csv``,
``glob``), no extension installs or loads, no settings changes; memory is bounded and nothing
spills to disk. A query is interrupted after ``timeout_seconds``, and at most ``max_rows`` rows
(and about ``max_result_bytes`` of values) are fetched: the result says when rows were cut.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

DEFAULT_MAX_ROWS = 10_000
DEFAULT_TIMEOUT_SECONDS = 60.0
MEMORY_LIMIT = "1GB"  # DuckDB's working memory for one query; it fails rather than spill
MAX_RESULT_BYTES = 256 * 1024 * 1024  # rows fetched into Python stop about here

# Applied in this order before the user's SQL. The spill folder goes first: DuckDB keeps its temp
# directory (<warehouse>.tmp/) writable even with external access off, so COPY ... TO and EXPORT
# DATABASE could write there and fill the disk. Without one, a query that needs more than
# memory_limit fails instead of spilling. lock_configuration last, so the SQL cannot undo any.
LOCKDOWN = (
    ("memory_limit", MEMORY_LIMIT),
    ("temp_directory", ""),
    ("enable_external_access", False),
    ("autoinstall_known_extensions", False),
    ("autoload_known_extensions", False),
    ("lock_configuration", True),
)


class QueryError(Exception):
    """The query could not run, or failed; the message is one line saying why."""


class EmptyQuery(QueryError):
    """No statement in the SQL (empty, blank or only comments)."""


class QueryRefused(QueryError):
    """The SQL tries to write, touch files, load extensions or change settings."""


class QueryFailed(QueryError):
    """DuckDB rejected or failed the SQL (a syntax error, an unknown column, ...)."""


class QueryTimeout(QueryError):
    """The query ran longer than its time limit and was stopped."""


class QueryTooBig(QueryError):
    """The query needed more memory than it may use."""


@dataclass(frozen=True)
class QueryResult:
    """The columns and rows of the last statement; truncated when rows were cut (see cut_reason)."""

    columns: list[str]
    rows: list[tuple]
    truncated: bool = False
    cut_reason: str | None = None  # e.g. "the result has more than 10,000 rows"


def _lock_down(con: duckdb.DuckDBPyConnection) -> None:
    for name, value in LOCKDOWN:
        con.execute(f"SET {name} = ?", [value]) if isinstance(value, str) else con.execute(
            f"SET {name} = {str(value).lower()}")


def _size(row: tuple) -> int:
    return sum(len(v) if isinstance(v, (str, bytes)) else 16 for v in row)


def _fetch(cursor: duckdb.DuckDBPyConnection, max_rows: int, max_result_bytes: int
           ) -> tuple[list[tuple], str | None]:
    """Up to max_rows rows (0: no limit) and about max_result_bytes; the reason when rows were cut."""
    rows: list[tuple] = []
    size = 0
    while True:
        want = 1000 if not max_rows else min(1000, max_rows + 1 - len(rows))
        chunk = cursor.fetchmany(want)
        if not chunk:
            return rows, None
        for row in chunk:
            if max_rows and len(rows) == max_rows:
                return rows, f"the result has more than {max_rows:,} rows"
            size += _size(row)
            if rows and size > max_result_bytes:
                return rows, f"the first {len(rows):,} rows already hold {max_result_bytes / 2**20:,.0f} MiB"
            rows.append(row)


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


_REFUSALS = ("read-only mode", "configuration has been locked", "disabled by configuration",
             "disabled through configuration")


def _execute(con: duckdb.DuckDBPyConnection, sql: str, max_rows: int, max_result_bytes: int) -> QueryResult:
    cursor = con.execute(sql)
    if cursor is None:  # only comments or semicolons
        raise EmptyQuery("no SQL statement in the query (only comments or semicolons)")
    if cursor.description is None:
        return QueryResult([], [])
    columns = [d[0] for d in cursor.description]
    rows, cut_reason = _fetch(cursor, max_rows, max_result_bytes)
    return QueryResult(columns, rows, cut_reason is not None, cut_reason)


def _explain(err: BaseException, warehouse: Path) -> BaseException:
    """A DuckDB error from the user's SQL as the QueryError (or WarehouseError) to raise."""
    from flows import load

    if isinstance(err, QueryError):
        return err
    if isinstance(err, duckdb.OutOfMemoryException):
        return QueryTooBig(f"the query needs more than {MEMORY_LIMIT} of memory; narrow it (a WHERE, fewer "
                           "columns, a LIMIT), or `esg export` and query the Parquet files")
    if isinstance(err, duckdb.IOException):
        return load.warehouse_error(warehouse, err)
    if isinstance(err, duckdb.Error):
        line = _first_line(err)
        if isinstance(err, duckdb.PermissionException) or any(r in line for r in _REFUSALS):
            return QueryRefused("refused: queries are read-only (no writes, files, extensions or settings "
                                f"changes): {line}")
        return QueryFailed(f"query failed: {line}")
    return err


def run_query(warehouse: Path, sql: str, *, max_rows: int = DEFAULT_MAX_ROWS,
              timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
              max_result_bytes: int = MAX_RESULT_BYTES) -> QueryResult:
    """Run sql read-only against the warehouse; the result of its last statement.

    max_rows 0 and timeout_seconds 0 mean no limit. The SQL runs in a worker thread while the
    caller's thread waits, so the time limit holds and Ctrl-C (KeyboardInterrupt, in the main
    thread) stops the query and is raised again: DuckDB itself does not look for Ctrl-C while it
    computes. Raises EmptyQuery, QueryRefused, QueryFailed, QueryTimeout, QueryTooBig, or
    load.WarehouseError (no warehouse, a busy or damaged one).
    """
    from flows import load

    if not sql.strip():
        raise EmptyQuery('no SQL given; e.g. esg query "select count(*) from figures"')
    warehouse = Path(warehouse)
    con = load.connect(warehouse, read_only=True)
    outcome: dict[str, object] = {}
    done = threading.Event()  # not Thread.is_alive(): a join() cut short by Ctrl-C can leave it wrong

    def work() -> None:
        try:
            _lock_down(con)
            outcome["result"] = _execute(con, sql, max_rows, max_result_bytes)
        except BaseException as err:  # handed to the waiting thread
            outcome["error"] = err
        finally:
            done.set()

    threading.Thread(target=work, name="esg-query", daemon=True).start()
    try:
        finished = done.wait(timeout_seconds or None)
    except KeyboardInterrupt:
        _stop(con, done)
        raise
    if not finished:
        _stop(con, done)
        raise QueryTimeout(f"the query was stopped after {timeout_seconds:g} s; allow it longer with "
                           "--timeout SECONDS (0: no limit)")
    con.close()
    if "error" in outcome:
        raise _explain(outcome["error"], warehouse) from None
    return outcome["result"]


def _stop(con: duckdb.DuckDBPyConnection, done: threading.Event) -> None:
    """Interrupt the running query; close the connection once it has stopped (if DuckDB does not
    stop within 10 s, the connection is left to the process's exit)."""
    con.interrupt()
    if done.wait(10):
        con.close()
