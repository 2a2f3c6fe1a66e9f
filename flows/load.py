"""Write validated rows into the DuckDB warehouse: one transaction per document, idempotent.

The warehouse is the system of record. Tables are created from the pandera models in
``schemas/``; a ``schema_info`` table holds the schema version. DuckDB lets one process write a
file at a time, and an ``esg run`` holds its connection for the whole run, so a second run on the
same warehouse gets a clear ``WarehouseBusy`` error instead of interleaving writes.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from flows.process import ProcessedDocument, frame
from flows.settings import SCHEMA_VERSION
from schemas import TABLES

DATA_TABLES = ("documents", "sections", "paragraphs", "figures")


class WarehouseError(Exception):
    """The warehouse cannot be used as asked; the message says why and what to do."""


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse."""


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


def connect(path: Path, *, read_only: bool = False, wait_seconds: float = 0.0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a file held by another process raises WarehouseBusy with what to do."""
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseError(f"{path}: no warehouse here yet; run `esg run` first (or pass --warehouse)")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as err:
            message = str(err)
            if "lock" not in message.lower():
                raise WarehouseError(f"{path}: cannot open the warehouse: {message.splitlines()[0]}") from None
            if time.monotonic() < deadline:
                time.sleep(0.5)
                continue
            pid = re.search(r"PID (\d+)", message)
            holder = f" (PID {pid.group(1)})" if pid else ""
            raise WarehouseBusy(
                f"{path}: the warehouse is in use by another process{holder}, most likely another "
                "`esg run`; wait for it to finish, pass --wait SECONDS, or use another --warehouse"
            ) from None
        except duckdb.Error as err:
            raise WarehouseError(
                f"{path}: not a readable DuckDB warehouse ({str(err).splitlines()[0]}); "
                "move it aside and run `esg run` to rebuild it from raw/"
            ) from None
    if not read_only:
        ensure_schema(con, path)
    else:
        check_schema_version(con, path)
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection, path: Path | str = "warehouse") -> None:
    """Create missing tables and record the schema version; refuse a warehouse from the future."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_info (key VARCHAR PRIMARY KEY, value VARCHAR)")
    found = schema_version(con)
    if found is not None and found > SCHEMA_VERSION:
        raise WarehouseError(
            f"{path}: warehouse schema version {found} is newer than this esg-pipeline "
            f"({SCHEMA_VERSION}); upgrade esg-pipeline"
        )
    for table in TABLES:
        con.execute(table_ddl(table))
    if found is None:
        con.execute("INSERT INTO schema_info VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


def schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_info'"
    ).fetchone()[0]
    if not exists:
        return None
    row = con.execute("SELECT value FROM schema_info WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else None


def check_schema_version(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    found = schema_version(con)
    if found != SCHEMA_VERSION:
        raise WarehouseError(
            f"{path}: warehouse schema version {found} does not match esg-pipeline's "
            f"({SCHEMA_VERSION}); run `esg run` once to migrate it"
        )


def _insert(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
    if df.empty:
        return
    columns = ", ".join(f'"{c}"' for c in df.columns)
    con.register("_rows", df)
    try:
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _rows")
    finally:
        con.unregister("_rows")


def known_documents(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """source_path -> (document_id, sha256) of every document in the warehouse."""
    rows = con.execute("SELECT source_path, document_id, sha256 FROM documents").fetchall()
    return {path: (doc_id, sha) for path, doc_id, sha in rows}


def load_document(con: duckdb.DuckDBPyConnection, doc: ProcessedDocument, run_id: str) -> dict[str, int]:
    """Replace one document's rows (and its file's old rejections) in a single transaction."""
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
        if loadable and old_ids:
            for table in reversed(DATA_TABLES):
                con.execute(f"DELETE FROM {table} WHERE document_id IN (SELECT unnest(?))", [old_ids])
        con.execute("DELETE FROM rejections WHERE source_path = ?", [doc.source_path])
        if loadable:
            for table in DATA_TABLES:
                df = doc.tables[table]
                if table == "documents" and first_seen is not None:
                    df = df.assign(first_seen_run_id=first_seen)
                _insert(con, table, df)
        rejections = frame("rejections", doc.rejections).drop_duplicates("rejection_id")
        _insert(con, "rejections", rejections)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    counts = counts if loadable else {t: 0 for t in DATA_TABLES}
    counts["rejections"] = len(rejections)
    return counts


def record_file_rejection(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    """Replace the rejections of a file that could not be read with this one."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM rejections WHERE source_path = ?", [row["source_path"]])
        _insert(con, "rejections", frame("rejections", [row]))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
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
