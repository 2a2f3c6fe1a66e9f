"""Write validated rows into the DuckDB warehouse: one transaction per document, idempotent.

The warehouse is the system of record. Tables are created from the pandera models in
``schemas/``; a ``schema_info`` table holds the schema version. DuckDB lets one process write a
file at a time, and an ``esg run`` holds its connection for the whole run, so a second run on the
same warehouse gets a clear ``WarehouseBusy`` error instead of interleaving writes.

A warehouse older than this code is migrated when opened for writing (``MIGRATIONS``); a newer
one is refused with what to do.
"""

from __future__ import annotations

import errno
import os
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb
import numpy as np
import pandas as pd

from flows.process import DATA_TABLES, ProcessedDocument, frame
from flows.settings import SCHEMA_VERSION
from schemas import TABLES



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


def abandon_run(con: duckdb.DuckDBPyConnection, run_id: str, counts: dict[str, int],
                err: BaseException) -> None:
    """After a run failed with err: mark it failed and close the warehouse as far as possible,
    never raising, so err stays the error reported (on a full disk even the mark may fail; the
    run then stays `running` until the next run marks it failed)."""
    message = "interrupted (Ctrl-C)" if isinstance(err, KeyboardInterrupt) else f"{type(err).__name__}: {err}"
    try:
        finish_run(con, run_id, "failed", counts, message)
    except Exception:
        pass
    try:
        con.close()
    except Exception:
        pass


def _damaged(path: Path | str, line: str) -> "WarehouseDamaged":
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
        return _damaged(path, line)
    return None


def _sql_type(dtype) -> str:
    name = str(dtype).lower()
    if "int" in name:
        return "BIGINT"
    if "float" in name:
        return "DOUBLE"
    if "datetime" in name:
        return "TIMESTAMP"
    if "bool" in name:
        return "BOOLEAN"
    return "VARCHAR"


def table_ddl(table: str) -> str:
    """CREATE TABLE statement for a table, derived from its pandera model."""
    model, key = TABLES[table]
    columns = []
    for name, column in model.to_schema().columns.items():
        not_null = "" if column.nullable else " NOT NULL"
        primary = " PRIMARY KEY" if name == key else ""
        columns.append(f'    "{name}" {_sql_type(column.dtype)}{not_null}{primary}')
    return f"CREATE TABLE IF NOT EXISTS {table} (\n" + ",\n".join(columns) + "\n)"


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


def connect(path: Path, *, read_only: bool = False, wait_seconds: float = 0.0,
            notify: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a file held by another process raises WarehouseBusy with what to do.

    With wait_seconds, a busy warehouse is retried until then. notify(message) is told when the
    waiting starts and when an older warehouse was migrated, so a caller can say so.
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
            con = duckdb.connect(str(path), read_only=read_only)
            break
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
            raise _damaged(path, str(err).strip().splitlines()[0]) from None
    try:
        if read_only:
            check_schema_version(con, path)
            return con
        changes = ensure_schema(con, path)
    except duckdb.Error as err:  # the catalog cannot be read back
        con.close()
        raise (warehouse_fault(path, err) or _damaged(path, str(err).strip().splitlines()[0])) from None
    except BaseException:
        con.close()
        raise
    if changes and notify:
        notify(f"{path}: migrated to schema version {SCHEMA_VERSION} ({'; '.join(changes)})")
    return con


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()]


# Values for columns a migrated table lacks; the rest get NULL, 0 or '' by type and nullability.
_FILL = {
    ("documents", "first_seen_run_id"): '"loaded_run_id"',
    ("documents", "last_seen_run_id"): '"loaded_run_id"',
    ("documents", "code_version"): "''",  # made by an unknown version: processed again next run
}


def _fill_value(table: str, name: str, column, have: list[str]) -> str:
    fill = _FILL.get((table, name))
    if fill is not None and fill.strip('"') in have:
        return fill
    if column.nullable:
        return "NULL"
    return {"BIGINT": "0", "DOUBLE": "0", "BOOLEAN": "false"}.get(_sql_type(column.dtype), "''")


def _conform_tables(con: duckdb.DuckDBPyConnection, path: Path | str) -> list[str]:
    """Rebuild every table whose columns differ from its pandera model; return what changed.

    A table is rebuilt (create, copy, drop, rename) rather than altered so constraints and column
    order end up exactly as a fresh warehouse has them. Missing columns are filled (_FILL);
    extra columns are kept out; a missing primary key cannot be invented and is refused.
    """
    changes = []
    existing = _tables(con)
    for table, (model, key) in TABLES.items():
        if table not in existing:
            continue
        have = _columns(con, table)
        want = model.to_schema().columns
        if have == list(want):
            continue
        if key not in have:
            raise WarehouseError(
                f"{path}: table {table} has no {key} column, so it cannot be migrated; move the "
                "warehouse aside and run `esg run` to rebuild it from raw/")
        select = ", ".join(f'"{n}"' if n in have else f'{_fill_value(table, n, c, have)} AS "{n}"'
                           for n, c in want.items())
        con.execute(f"ALTER TABLE {table} RENAME TO _old_{table}")
        con.execute(table_ddl(table))
        con.execute(f"INSERT INTO {table} SELECT {select} FROM _old_{table}")
        con.execute(f"DROP TABLE _old_{table}")
        added = [n for n in want if n not in have]
        dropped = [n for n in have if n not in want]
        changes.append(f"{table}: " + "; ".join(
            part for part in (f"added {', '.join(added)}" if added else "",
                              f"dropped {', '.join(dropped)}" if dropped else "",
                              "reordered columns" if not added and not dropped else "") if part))
    return changes


def _migrate_0_to_1(con: duckdb.DuckDBPyConnection, path: Path | str) -> list[str]:
    """Version 0: a warehouse written before schema versions were recorded. Bring every table to
    the version-1 models (missing columns added and filled, see _FILL)."""
    return _conform_tables(con, path)


# MIGRATIONS[v] brings a version-v warehouse to version v + 1, inside one transaction.
def _migrate_1_to_2(con: duckdb.DuckDBPyConnection, path: Path | str) -> list[str]:
    """Version 2 adds documents.code_version; existing documents get '' and so are processed
    again, by the current code, on the next run."""
    return _conform_tables(con, path)


MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection, Path | str], list[str]]] = {
    0: _migrate_0_to_1,
    1: _migrate_1_to_2,
}


def ensure_schema(con: duckdb.DuckDBPyConnection, path: Path | str = "warehouse") -> list[str]:
    """Create missing tables, migrate an older warehouse, refuse a newer one; return what changed.

    A warehouse with esg tables but no schema version is version 0. Everything happens in one
    transaction: a failed migration leaves the warehouse as it was.
    """
    found = schema_version(con)
    if found is None and _tables(con) & set(TABLES):
        found = 0
    if found is not None and found > SCHEMA_VERSION:
        raise WarehouseError(
            f"{path}: warehouse schema version {found} is newer than this esg-pipeline "
            f"({SCHEMA_VERSION}); upgrade esg-pipeline"
        )
    changes: list[str] = []
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE TABLE IF NOT EXISTS schema_info (key VARCHAR PRIMARY KEY, value VARCHAR)")
        for version in range(found if found is not None else SCHEMA_VERSION, SCHEMA_VERSION):
            changes += MIGRATIONS[version](con, path)
        for table in TABLES:
            con.execute(table_ddl(table))
        if found != SCHEMA_VERSION:
            con.execute("DELETE FROM schema_info WHERE key = 'schema_version'")
            con.execute("INSERT INTO schema_info VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise
    return changes


def schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    if "schema_info" not in _tables(con):
        return None
    row = con.execute("SELECT value FROM schema_info WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else None


def check_schema_version(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    found = schema_version(con)
    if found is None and _tables(con) & set(TABLES):
        found = 0
    if found is None:
        raise WarehouseError(f"{path}: not an esg warehouse (no esg tables); run `esg run` to create one")
    if found > SCHEMA_VERSION:
        raise WarehouseError(
            f"{path}: warehouse schema version {found} is newer than this esg-pipeline "
            f"({SCHEMA_VERSION}); upgrade esg-pipeline"
        )
    if found < SCHEMA_VERSION:
        raise WarehouseError(
            f"{path}: warehouse schema version {found} is older than esg-pipeline's "
            f"({SCHEMA_VERSION}); run `esg run` once to migrate it (its rows are kept)"
        )


def _arrays(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """df's columns as numpy arrays, missing values as None (NULL) outside plain int/float columns.

    DuckDB scans a dict of numpy arrays faster than the DataFrame itself (pandas' string dtype).
    """
    return {
        column: (values.to_numpy() if isinstance(values.dtype, np.dtype) and values.dtype.kind in "if"
                 else values.to_numpy(dtype=object, na_value=None))
        for column, values in df.items()
    }


def _insert(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame,
            stamp: dict[str, str] | None = None) -> None:
    """Insert df's rows into table; stamp sets columns to one value on every row."""
    if df.empty:
        return
    _esg_rows = _arrays(df)
    for column, value in (stamp or {}).items():
        _esg_rows[column] = np.full(len(df), value, dtype=object)
    columns = ", ".join(f'"{c}"' for c in df.columns)
    # DuckDB finds _esg_rows among this function's locals (a replacement scan): about 1 ms a
    # statement faster than con.register(), which this insert would call four times per document.
    con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _esg_rows")


def known_documents(con: duckdb.DuckDBPyConnection, code_version: str | None = None
                    ) -> dict[str, tuple[str, str]]:
    """source_path -> (document_id, sha256) of the documents in the warehouse.

    With code_version, only documents whose rows that version of the processing code made: the
    others count as changed, so a run after an upgrade processes them again.
    """
    if code_version is None:
        rows = con.execute("SELECT source_path, document_id, sha256 FROM documents").fetchall()
    else:
        rows = con.execute("SELECT source_path, document_id, sha256 FROM documents WHERE code_version = ?",
                           [code_version]).fetchall()
    return {path: (doc_id, sha) for path, doc_id, sha in rows}


# Test hook (see README, "Test hooks"): hold the transaction of the document from this file open,
# so tests can kill a run, or start a second one, in the middle of a load.
STALL_ENV, RELEASE_ENV = "ESG_TEST_STALL_BEFORE_COMMIT", "ESG_TEST_STALL_RELEASE"


def _test_stall(source_path: str) -> None:
    if os.environ.get(STALL_ENV) != source_path:
        return
    print(f"esg: test hook: holding the transaction of {source_path}", file=sys.stderr, flush=True)
    release = os.environ.get(RELEASE_ENV)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and not (release and Path(release).exists()):
        time.sleep(0.05)


def _stamp(table: str, run_id: str, first_seen: str | None) -> dict[str, str]:
    """The run columns of a table's rows as this run loads them (processing may be cached)."""
    if table == "documents":
        return {"first_seen_run_id": first_seen or run_id, "loaded_run_id": run_id, "last_seen_run_id": run_id}
    return {"run_id": run_id}


def load_document(con: duckdb.DuckDBPyConnection, doc: ProcessedDocument, run_id: str) -> dict[str, int]:
    """Replace one document's rows (and its file's old rejections) in a single transaction.

    Every row is stamped with run_id here, so rows processed by an earlier run (a cache hit)
    still say which run loaded them. A crash before COMMIT leaves the warehouse as it was.
    """
    counts = {t: len(doc.tables.get(t, ())) for t in DATA_TABLES}
    loadable = counts["documents"] == 1
    con.execute("BEGIN TRANSACTION")
    try:
        previous = con.execute(
            "SELECT document_id, first_seen_run_id FROM documents WHERE source_path = ? OR document_id = ?",
            [doc.source_path, doc.document_id],
        ).fetchall()
        old_ids = [row[0] for row in previous]
        first_seen = next((row[1] for row in previous if row[0] == doc.document_id), None)
        if loadable and old_ids:  # a brand-new document has nothing to delete
            for table in reversed(DATA_TABLES):
                con.execute(f"DELETE FROM {table} WHERE document_id IN (SELECT unnest(?))", [old_ids])
        con.execute("DELETE FROM rejections WHERE source_path = ?", [doc.source_path])
        if loadable:
            for table in DATA_TABLES:
                _insert(con, table, doc.tables[table], _stamp(table, run_id, first_seen))
        n_rejections = 0
        if doc.rejections:
            rejections = frame("rejections", doc.rejections).drop_duplicates("rejection_id")
            _insert(con, "rejections", rejections, {"run_id": run_id})
            n_rejections = len(rejections)
        _test_stall(doc.source_path)
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise
    counts = counts if loadable else {t: 0 for t in DATA_TABLES}
    counts["rejections"] = n_rejections
    return counts


def record_file_rejection(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    """Replace the rejections of a file that could not be read with this one."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM rejections WHERE source_path = ?", [row["source_path"]])
        _insert(con, "rejections", frame("rejections", [row]))
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise


def mark_seen(con: duckdb.DuckDBPyConnection, document_ids: list[str], run_id: str) -> None:
    """Record that this run found these (unchanged) documents in the raw directory."""
    if document_ids:
        con.execute(
            "UPDATE documents SET last_seen_run_id = ? WHERE document_id IN (SELECT unnest(?))",
            [run_id, document_ids],
        )


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, raw_dir: str) -> None:
    """Open a run in the ledger; runs left `running` by a killed process are marked failed."""
    con.execute(
        "UPDATE runs SET status = 'failed', message = 'did not finish: the process was killed or crashed' "
        "WHERE status = 'running'"
    )
    con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
    con.execute(
        "INSERT INTO runs VALUES (?, ?, NULL, 'running', ?, 0, 0, 0, 0, 0, 0, 0, 0, NULL)",
        [run_id, _now(), raw_dir],
    )


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, counts: dict[str, int],
               message: str | None = None) -> None:
    """Close a run in the ledger with its status and counts."""
    con.execute(
        """UPDATE runs SET finished_at = ?, status = ?, n_files = ?, n_documents_loaded = ?,
           n_documents_skipped = ?, n_documents_rejected = ?, n_sections = ?, n_paragraphs = ?,
           n_figures = ?, n_rejections = ?, message = ? WHERE run_id = ?""",
        [_now(), status, counts.get("files", 0), counts.get("loaded", 0), counts.get("skipped", 0),
         counts.get("rejected", 0), counts.get("sections", 0), counts.get("paragraphs", 0),
         counts.get("figures", 0), counts.get("rejections", 0), message, run_id],
    )


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def run_report(con: duckdb.DuckDBPyConnection, run_id: str, n_files: int = 5) -> dict:
    """What a run's summary shows beyond its own counts, read while the run still holds the
    warehouse: the tables' totals, the first n_files rejected files (source_path, reason) and
    the rows this run rejected by validation."""
    return {
        "totals": table_counts(con),
        "rejected_files": [tuple(row) for row in con.execute(
            "SELECT source_path, reason FROM rejections WHERE run_id = ? AND table_name = 'documents' "
            "ORDER BY source_path LIMIT ?", [run_id, n_files]).fetchall()],
        "row_rejections": con.execute(
            "SELECT count(*) FROM rejections WHERE run_id = ? AND table_name <> 'documents'", [run_id]
        ).fetchone()[0],
    }


def missing_documents(con: duckdb.DuckDBPyConnection, present: set[str]) -> list[tuple[str, str, str]]:
    """(source_path, document_id, last_seen_run_id) of documents whose file is not in present."""
    rows = con.execute(
        "SELECT source_path, document_id, last_seen_run_id FROM documents ORDER BY source_path").fetchall()
    return [row for row in rows if row[0] not in present]


def prune(con: duckdb.DuckDBPyConnection, present: set[str], *, dry_run: bool = False) -> dict:
    """Delete the rows of documents (and rejections) whose file is no longer in present.

    One transaction: either every such document goes, or none. Returns what was (or, with
    dry_run, would be) removed: documents as (source_path, document_id, last_seen_run_id, rows),
    and the source paths of rejections.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        documents = []
        for source_path, document_id, last_seen in missing_documents(con, present):
            rows = sum(con.execute(f"SELECT count(*) FROM {t} WHERE document_id = ?", [document_id]).fetchone()[0]
                       for t in DATA_TABLES)
            documents.append((source_path, document_id, last_seen, rows))
        rejected = sorted({r[0] for r in con.execute("SELECT DISTINCT source_path FROM rejections").fetchall()}
                          - present)
        n_rejections = con.execute(
            "SELECT count(*) FROM rejections WHERE source_path IN (SELECT unnest(?))", [rejected]).fetchone()[0]
        if not dry_run:
            ids = [d[1] for d in documents]
            for table in reversed(DATA_TABLES):
                con.execute(f"DELETE FROM {table} WHERE document_id IN (SELECT unnest(?))", [ids])
            con.execute("DELETE FROM rejections WHERE source_path IN (SELECT unnest(?))", [rejected])
            con.execute("DELETE FROM rejections WHERE document_id IN (SELECT unnest(?))", [ids])
        con.execute("ROLLBACK" if dry_run else "COMMIT")
    except BaseException:
        rollback(con)
        raise
    return {"documents": documents, "rejection_files": rejected, "rejections": n_rejections}


# Lineage, as SQL over the warehouse: each query counts the rows that break it (expect 0).
LINEAGE_CHECKS = {
    "figure surface is the text at its offsets": """
        SELECT count(*) FROM figures f JOIN documents d USING (document_id)
        WHERE substr(d.text, f.char_start + 1, f.char_end - f.char_start) <> f.surface""",
    "paragraph text is the text at its offsets": """
        SELECT count(*) FROM paragraphs p JOIN documents d USING (document_id)
        WHERE substr(d.text, p.char_start + 1, p.char_end - p.char_start) <> p.text""",
    "section title is the text at its offsets": """
        SELECT count(*) FROM sections s JOIN documents d USING (document_id)
        WHERE s.title IS NOT NULL
          AND substr(d.text, s.title_char_start + 1, s.title_char_end - s.title_char_start) <> s.title""",
    "figure lies inside its paragraph": """
        SELECT count(*) FROM figures f JOIN paragraphs p USING (paragraph_id)
        WHERE f.char_start < p.char_start OR f.char_end > p.char_end OR f.section_id <> p.section_id""",
    "paragraph lies inside its section": """
        SELECT count(*) FROM paragraphs p JOIN sections s USING (section_id)
        WHERE p.char_start < s.char_start OR p.char_end > s.char_end OR p.document_id <> s.document_id""",
    "section lies inside its document": """
        SELECT count(*) FROM sections s JOIN documents d USING (document_id)
        WHERE s.char_start < 0 OR s.char_end > d.n_chars""",
    "no orphan figure": """
        SELECT count(*) FROM figures f LEFT JOIN paragraphs p USING (paragraph_id) WHERE p.paragraph_id IS NULL""",
    "no orphan paragraph": """
        SELECT count(*) FROM paragraphs p LEFT JOIN sections s USING (section_id) WHERE s.section_id IS NULL""",
    "no orphan section": """
        SELECT count(*) FROM sections s LEFT JOIN documents d USING (document_id) WHERE d.document_id IS NULL""",
}


def check_lineage(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows breaking each lineage check (all 0 in a sound warehouse)."""
    return {name: con.execute(sql).fetchone()[0] for name, sql in LINEAGE_CHECKS.items()}
