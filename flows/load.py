"""Write validated rows into the DuckDB warehouse: one transaction per batch of documents, idempotent.

The warehouse is the system of record. Tables are created from the pandera models in
``schemas/``; a ``schema_info`` table holds the schema version. DuckDB lets one process write a
file at a time, and an ``esg run`` holds its connection for the whole run, so a second run on the
same warehouse gets a clear ``WarehouseBusy`` error instead of interleaving writes.

A warehouse older than this code is migrated when opened for writing (``MIGRATIONS``); a newer
one is refused with what to do.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Callable

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from flows.ledger import (  # noqa: F401 (a run's bookkeeping, part of this module's interface)
    abandon_run,
    clear_rejections,
    finish_run,
    known_documents,
    mark_seen,
    missing_documents,
    record_file_rejection,
    run_report,
    start_run,
    table_counts,
)
from flows.rows import DATA_TABLES, ProcessedBatch, ProcessedDocument, ProcessedFile, frame, to_arrow
from flows.settings import SCHEMA_VERSION
from flows.warehouse import (  # noqa: F401 (opening the warehouse, part of this module's interface)
    READERS_GRACE_SECONDS,
    DiskFull,
    WarehouseBusy,
    WarehouseDamaged,
    WarehouseError,
    damaged,
    lock_holder,
    open_warehouse,
    process_command,
    rollback,
    schema_version,
    warehouse_fault,
)
from flows.warehouse import tables as _tables
from schemas import PRIMARY_KEYS, TABLES


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


# The tables whose key DuckDB enforces with a PRIMARY KEY: one row per document, file rejection
# or run, so their indexes stay small. The others' keys (figure_id, paragraph_id, ...) are unique
# without an index: each starts with its document_id, pandera checks them unique in a batch
# (unique=True in schemas/), load_batch deletes a document's old rows before it appends its new
# ones in one transaction, and LINEAGE_CHECKS counts duplicates. An index there costs what the
# warehouse holds: DuckDB loads a table's whole primary-key index into memory to append to it, and
# it cannot evict it before the next checkpoint (140 MB at 10,000 generated documents, growing with
# every document, so the writer's memory grew with the warehouse and a 512 MB limit would run out
# at about 35,000).
INDEXED_KEYS = frozenset({"documents", "rejections", "runs"})


def table_ddl(table: str) -> str:
    """CREATE TABLE statement for a table, derived from its pandera model."""
    model, key = TABLES[table]
    columns = []
    for name, column in model.to_schema().columns.items():
        not_null = "" if column.nullable else " NOT NULL"
        primary = " PRIMARY KEY" if name == key and table in INDEXED_KEYS else ""
        columns.append(f'    "{name}" {_sql_type(column.dtype)}{not_null}{primary}')
    return f"CREATE TABLE IF NOT EXISTS {table} (\n" + ",\n".join(columns) + "\n)"


def connect(path: Path, *, read_only: bool = False, wait_seconds: float = 0.0,
            notify: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse with its schema checked (read-only) or brought up to date (writing).

    A file held by another process raises WarehouseBusy with what to do; with wait_seconds, a
    busy warehouse is retried until then. notify(message) is told when the waiting starts and
    when an older warehouse was migrated, so a caller can say so (flows/warehouse.py).
    """
    path = Path(path)
    con = open_warehouse(path, read_only=read_only, wait_seconds=wait_seconds, notify=notify)
    try:
        if read_only:
            check_schema_version(con, path)
            return con
        changes = ensure_schema(con, path)
    except duckdb.Error as err:  # the catalog cannot be read back, or a migration step failed
        con.close()
        fault = warehouse_fault(path, err)
        if fault is not None:
            raise fault from None
        line = str(err).strip().splitlines()[0]
        raise WarehouseError(
            f"{path}: could not migrate the warehouse to schema version {SCHEMA_VERSION} ({line}); it was left "
            "as it was. If you added indexes or views of your own, drop them and run again; else move the "
            "warehouse aside and run `esg run` to rebuild it from raw/") from None
    except BaseException:
        con.close()
        raise
    if changes and notify:
        notify(f"{path}: migrated to schema version {SCHEMA_VERSION} ({'; '.join(changes)})")
    return con


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()]


def _add_column(con: duckdb.DuckDBPyConnection, table: str, column: str, sql_type: str,
                fill: str | None = None, not_null: bool = False) -> str | None:
    """Add a column if the table lacks it, filled with the SQL expression fill; return its name if added."""
    if column in _columns(con, table):
        return None
    # NOT NULL comes with the column (a default for the rows already there): DuckDB cannot add the
    # constraint later in a transaction that has updated the table
    default = {"VARCHAR": "''", "BIGINT": "0", "DOUBLE": "0", "BOOLEAN": "false"}[sql_type]
    constraint = f" NOT NULL DEFAULT {default}" if not_null else ""
    con.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {sql_type}{constraint}')
    if fill is not None:
        con.execute(f'UPDATE {table} SET "{column}" = {fill}')
    return column


def _require_keys(con: duckdb.DuckDBPyConnection, path: Path | str) -> None:
    """A table without its key column cannot be migrated: refuse, changing nothing."""
    existing = _tables(con)
    for table, key in PRIMARY_KEYS.items():
        if table in existing and key not in _columns(con, table):
            raise WarehouseError(
                f"{path}: table {table} has no {key} column, so it cannot be migrated; move the "
                "warehouse aside and run `esg run` to rebuild it from raw/")


def _said(changes: dict[str, list[str]]) -> list[str]:
    return [f"{table}: added {', '.join(columns)}" for table, columns in changes.items() if columns]


def _migrate_0_to_1(con: duckdb.DuckDBPyConnection, path: Path | str) -> list[str]:
    """Version 0 (written before schema versions were recorded) -> 1: documents remember the runs
    that first and last saw them (filled from loaded_run_id); runs count skipped documents."""
    _require_keys(con, path)
    tables = _tables(con)
    added: dict[str, list[str]] = {"documents": [], "runs": []}
    if "documents" in tables:
        for column in ("first_seen_run_id", "last_seen_run_id"):
            if _add_column(con, "documents", column, "VARCHAR", '"loaded_run_id"', not_null=True):
                added["documents"].append(column)
    if "runs" in tables and _add_column(con, "runs", "n_documents_skipped", "BIGINT", "0", not_null=True):
        added["runs"].append("n_documents_skipped")
    return _said(added)


def _migrate_1_to_2(con: duckdb.DuckDBPyConnection, path: Path | str) -> list[str]:
    """1 -> 2: documents.code_version. Existing documents get '' (made by an unknown version), so
    the next run processes them again with the current code."""
    _require_keys(con, path)
    if "documents" not in _tables(con):
        return []
    return _said({"documents": ["code_version"] if _add_column(
        con, "documents", "code_version", "VARCHAR", "''", not_null=True) else []})


def _migrate_2_to_3(con: duckdb.DuckDBPyConnection, path: Path | str) -> list[str]:
    """2 -> 3: formats, pages, nested sections, tables and whose report it is. Documents gain
    format, n_pages, reporting_entity, report_title, reporting_period, source_url, info_origin and
    info_override; sections gain level, parent_section_id and page_number; paragraphs gain
    page_number; figures gain page_number, is_target and their table cell (table_id, row_index,
    col_index, row_label, col_label, unit_source and its offsets) and their standard metric
    (metric_code, scope, scope2_method, gri_code), and a unit may be unknown (null); new tables:
    pages, tables, facts, fact_mentions, findings, finding_figures, citations. Every document is marked for processing again (code_version ''),
    so the next run fills the new columns from the files."""
    _require_keys(con, path)
    tables = _tables(con)
    added: dict[str, list[str]] = {}
    plan = {
        "documents": [("format", "VARCHAR", "'txt'", True), ("n_pages", "BIGINT", "0", True),
                      ("reporting_entity", "VARCHAR", None, False), ("report_title", "VARCHAR", None, False),
                      ("reporting_period", "VARCHAR", None, False), ("source_url", "VARCHAR", None, False),
                      ("info_origin", "VARCHAR", None, False), ("info_override", "VARCHAR", None, False)],
        "sections": [("level", "BIGINT", "CASE WHEN title IS NULL THEN 0 ELSE 1 END", True),
                     ("parent_section_id", "VARCHAR", None, False), ("page_number", "BIGINT", None, False)],
        "paragraphs": [("page_number", "BIGINT", None, False)],
        "figures": [("page_number", "BIGINT", None, False), ("is_target", "BOOLEAN", None, True),
                    ("table_id", "VARCHAR", None, False), ("row_index", "BIGINT", None, False),
                    ("col_index", "BIGINT", None, False), ("row_label", "VARCHAR", None, False),
                    ("col_label", "VARCHAR", None, False), ("unit_source", "VARCHAR", None, False),
                    ("unit_source_char_start", "BIGINT", None, False), ("unit_source_char_end", "BIGINT", None, False),
                    ("metric_code", "VARCHAR", None, False), ("scope", "VARCHAR", None, False),
                    ("scope2_method", "VARCHAR", None, False), ("gri_code", "VARCHAR", None, False)],
    }
    for table, columns in plan.items():
        if table not in tables:
            continue
        added[table] = [c for c, sql_type, fill, not_null in columns
                        if _add_column(con, table, c, sql_type, fill, not_null)]
    if "figures" in tables:
        for column in ("unit", "value_normalized", "unit_normalized"):  # a table cell's unit may be unknown
            con.execute(f'ALTER TABLE figures ALTER COLUMN "{column}" DROP NOT NULL')
    if "documents" in tables:
        con.execute("UPDATE documents SET code_version = ''")
    return _said(added)


def _has_primary_key(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_constraints() WHERE schema_name = 'main' AND table_name = ? "
                       "AND constraint_type = 'PRIMARY KEY'", [table]).fetchone()[0] > 0


def _rebuild_without_primary_key(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Copy a table into one with the same columns (types, NOT NULL, defaults, order) but no primary
    key (DuckDB cannot drop a constraint), then put the copy in its place."""
    columns = con.execute(
        "SELECT column_name, data_type, is_nullable, column_default FROM duckdb_columns() "
        "WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index", [table]).fetchall()
    spec = ", ".join(f'"{name}" {sql_type}' + ("" if nullable else " NOT NULL")
                     + (f" DEFAULT {default}" if default is not None else "")
                     for name, sql_type, nullable, default in columns)
    copy = f"{table}__rebuilt"
    con.execute(f'CREATE TABLE main."{copy}" ({spec})')
    con.execute(f'INSERT INTO main."{copy}" SELECT * FROM main."{table}"')
    con.execute(f'DROP TABLE main."{table}"')
    con.execute(f'ALTER TABLE main."{copy}" RENAME TO "{table}"')


def _migrate_3_to_4(con: duckdb.DuckDBPyConnection, path: Path | str) -> list[str]:
    """3 -> 4: the tables outside INDEXED_KEYS lose their primary-key index (see INDEXED_KEYS); their
    rows are copied as they are. Keys stay unique, and LINEAGE_CHECKS counts duplicates."""
    _require_keys(con, path)
    existing = _tables(con)
    rebuilt = [t for t in PRIMARY_KEYS if t in existing and t not in INDEXED_KEYS and _has_primary_key(con, t)]
    own = con.execute("SELECT index_name, table_name FROM duckdb_indexes() WHERE schema_name = 'main' "
                      "AND table_name IN (SELECT unnest(?::VARCHAR[])) ORDER BY ALL", [rebuilt]).fetchall()
    if own:  # a copy of the table would not have them: say so rather than drop them unasked
        raise WarehouseError(
            f"{path}: cannot migrate to schema version 4 while indexes of your own are on tables it copies "
            f"({', '.join(f'{index} on {table}' for index, table in own)}); it was left as it was. Drop them "
            "(DROP INDEX name), run again, then create them again if you still want them")
    for table in rebuilt:
        _rebuild_without_primary_key(con, table)
    return [f"primary-key indexes dropped from {', '.join(rebuilt)} (keys stay unique)"] if rebuilt else []


# MIGRATIONS[v] brings a version-v warehouse to version v + 1, inside one transaction. Each step
# moves the data forward by itself; tables the step does not know are created afterwards from
# the models (CREATE TABLE IF NOT EXISTS).
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection, Path | str], list[str]]] = {
    0: _migrate_0_to_1,
    1: _migrate_1_to_2,
    2: _migrate_2_to_3,
    3: _migrate_3_to_4,
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
        _check_columns(con, path)
        _describe(con)
        if found != SCHEMA_VERSION:
            con.execute("DELETE FROM schema_info WHERE key = 'schema_version'")
            con.execute("INSERT INTO schema_info VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise
    return changes


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _describe(con: duckdb.DuckDBPyConnection) -> None:
    """COMMENT ON every table and column whose description (flows/docs.py, from the models) is not
    already there, so duckdb_tables() and duckdb_columns() explain the schema; nothing when they are."""
    from flows.docs import table_descriptions

    have_tables = dict(con.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main'").fetchall())
    have_columns = {(t, c): comment for t, c, comment in con.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'main'").fetchall()}
    for table, (about, columns) in table_descriptions().items():
        if table in have_tables and about and have_tables[table] != about:
            con.execute(f"COMMENT ON TABLE main.{table} IS {_sql_text(about)}")
        for column, description in columns.items():
            if (table, column) in have_columns and description and have_columns[(table, column)] != description:
                con.execute(f'COMMENT ON COLUMN main.{table}."{column}" IS {_sql_text(description)}')


def _check_columns(con: duckdb.DuckDBPyConnection, path: Path | str) -> None:
    """After migrating, every table has exactly its model's columns (in any order), or nothing is kept."""
    for table, (model, _) in TABLES.items():
        have, want = set(_columns(con, table)), set(model.to_schema().columns)
        if have != want:
            raise WarehouseError(
                f"{path}: table {table} does not match this esg-pipeline after migrating (missing "
                f"{sorted(want - have) or 'nothing'}, unexpected {sorted(have - want) or 'nothing'}); move the "
                "warehouse aside and run `esg run` to rebuild it from raw/")


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


def _append(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    """Append an Arrow table's rows to a warehouse table, in one statement (columns by name)."""
    if rows.num_rows == 0:
        return
    columns = ", ".join(f'"{c}"' for c in rows.column_names)
    _esg_rows = rows  # DuckDB reads the Arrow table in place (a replacement scan of this local)
    con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _esg_rows")


def _stamped(rows: pa.Table, values: dict[str, list[str] | str]) -> pa.Table:
    """rows with columns set: a value for every row, or one per row."""
    for column, value in values.items():
        filled = [value] * rows.num_rows if isinstance(value, str) else value
        rows = rows.set_column(rows.schema.get_field_index(column), column, pa.array(filled, pa.large_string()))
    return rows


# Test hook (see README, "Test hooks"): hold the transaction of the batch holding the document
# from this file open, so tests can kill a run, or start a second one, in the middle of a load.
STALL_ENV, RELEASE_ENV = "ESG_TEST_STALL_BEFORE_COMMIT", "ESG_TEST_STALL_RELEASE"


def _test_stall(source_paths: list[str]) -> None:
    held = os.environ.get(STALL_ENV)
    if held is None or held not in source_paths:
        return
    print(f"esg: test hook: holding the transaction of {held}", file=sys.stderr, flush=True)
    release = os.environ.get(RELEASE_ENV)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and not (release and Path(release).exists()):
        time.sleep(0.05)


def load_batch(con: duckdb.DuckDBPyConnection, batch: ProcessedBatch, run_id: str) -> dict[str, int]:
    """Replace the rows of a batch of documents (and their files' old rejections) in a single
    transaction: the whole batch commits, or none of it (a crash before COMMIT leaves the
    warehouse as it was). Returns the rows written per table ("documents": documents loaded).

    A document whose file changed replaces the rows its path had; a document loaded before (the
    same content, processed again by newer code or under a new name) replaces its own. A file that
    did not load keeps whatever rows its path had, and gets its rejections. Every row is stamped
    with run_id here, so rows processed by an earlier run (a cache hit) say which run loaded them.
    """
    loaded = batch.loaded_ids
    loading = [f for f in batch.files if f.document_id in loaded]
    counts = {t: batch.rows(t) for t in DATA_TABLES}
    con.execute("BEGIN TRANSACTION")
    try:
        first_seen: dict[str, str] = {}
        if loading:
            previous = con.execute(
                "SELECT document_id, first_seen_run_id FROM documents "
                "WHERE source_path IN (SELECT unnest(?::VARCHAR[])) OR document_id IN (SELECT unnest(?::VARCHAR[]))",
                [[f.source_path for f in loading], [f.document_id for f in loading]]).fetchall()
            first_seen = dict(previous)
            if previous:  # brand-new documents have nothing to delete
                old_ids = sorted(first_seen)
                for table in reversed(DATA_TABLES):
                    con.execute(f"DELETE FROM {table} WHERE document_id IN (SELECT unnest(?::VARCHAR[]))", [old_ids])
        con.execute("DELETE FROM rejections WHERE source_path IN (SELECT unnest(?::VARCHAR[]))",
                    [[f.source_path for f in batch.files]])
        for table in DATA_TABLES:
            rows = batch.tables.get(table)
            if rows is None or rows.num_rows == 0:
                continue
            if table == "documents":
                ids = rows.column("document_id").to_pylist()
                rows = _stamped(rows, {"first_seen_run_id": [first_seen.get(i) or run_id for i in ids],
                                       "loaded_run_id": run_id, "last_seen_run_id": run_id})
            else:
                rows = _stamped(rows, {"run_id": run_id})
            _append(con, table, rows)
        counts["rejections"] = 0
        if batch.rejections:
            rejections = frame("rejections", batch.rejections).drop_duplicates("rejection_id")
            _insert(con, "rejections", rejections, {"run_id": run_id})
            counts["rejections"] = len(rejections)
        _test_stall([f.source_path for f in batch.files])
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise
    return counts


def batch_of(docs: list[ProcessedDocument]) -> ProcessedBatch:
    """Documents processed one by one (process_sources) as one batch to load."""
    tables: dict[str, list[pd.DataFrame]] = {t: [] for t in DATA_TABLES}
    for doc in docs:
        if len(doc.tables.get("documents", ())) == 1:  # its own row passed validation: it loads
            for table in DATA_TABLES:
                tables[table].append(doc.tables[table])
    return ProcessedBatch(
        [ProcessedFile(d.source_path, d.document_id, d.sha256) for d in docs],
        {t: to_arrow(t, pd.concat(frames, ignore_index=True) if frames else frame(t, []))
         for t, frames in tables.items()},
        [r for d in docs for r in d.rejections])


def load_document(con: duckdb.DuckDBPyConnection, doc: ProcessedDocument, run_id: str) -> dict[str, int]:
    """Replace one document's rows (and its file's old rejections) in a single transaction."""
    return load_batch(con, batch_of([doc]), run_id)


def _period_year(period: str | None) -> int:
    """The (last) year a reporting period names, for ordering reports: FY2023 -> 2023, 2023-04-01..2024-03-31 -> 2024."""
    years = re.findall(r"(?:19|20)\d\d", period or "")
    return int(years[-1]) if years else 0


def refresh_restatements(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Find restated_value findings across documents, anew, in one transaction; return how many.

    Two facts with the same fact_key (reporting entity, metric, Scope 2 method, year) in different
    documents are the same fact; when their values differ beyond rounding (0.5%), the later report
    (by reporting period, then by when it was first loaded) gets an info finding naming both.
    """
    findings: list[dict] = []
    links: list[dict] = []
    found = 0

    def restated(facts: list[tuple]) -> None:
        nonlocal found
        facts.sort(key=lambda r: (_period_year(r[11]), str(r[13] or ""), r[10]))
        for earlier, later in zip(facts, facts[1:]):
            if earlier[2] == later[2] or earlier[3] is None or later[3] is None:
                continue
            if abs(earlier[3] - later[3]) <= 0.005 * max(abs(earlier[3]), abs(later[3])):
                continue
            finding_id = f"{later[2]}:restated_value:{earlier[1]}"
            page = lambda r: f"page {r[9]}, " if r[9] is not None else ""
            message = (f"{later[5]} for {later[6]} is {later[3]:,.6g} {later[4]} in {later[10]} ({page(later)}offset "
                       f"{later[8]:,}) but {earlier[3]:,.6g} {earlier[4]} in {earlier[10]} ({page(earlier)}offset "
                       f"{earlier[8]:,}): the later report restates it.")
            findings.append({"finding_id": finding_id, "document_id": later[2], "kind": "restated_value",
                             "severity": "info", "message": message, "fact_id": later[1], "run_id": run_id})
            for figure_id in (earlier[7], later[7]):
                links.append({"finding_figure_id": f"{finding_id}|{figure_id}", "finding_id": finding_id,
                              "figure_id": figure_id, "document_id": later[2], "run_id": run_id})
            found += 1

    def flush() -> None:
        if findings:
            _insert(con, "findings", frame("findings", findings))
            _insert(con, "finding_figures", frame("finding_figures", links))
            findings.clear()
            links.clear()

    # Read one fact_key at a time from a cursor of its own, and write findings in chunks, so memory
    # stays flat however many reports share a key (thousands of reports of one company).
    reader = con.cursor()
    try:
        reader.execute("""
            SELECT f.fact_key, f.fact_id, f.document_id, f.value_normalized, f.unit_normalized, f.metric, f.year,
                   f.first_figure_id, f.first_char_start, f.first_page_number, d.source_path, d.reporting_period,
                   d.first_seen_run_id, r.started_at
            FROM facts f JOIN documents d USING (document_id) LEFT JOIN runs r ON r.run_id = d.first_seen_run_id
            WHERE f.fact_key IN (SELECT fact_key FROM facts WHERE fact_key IS NOT NULL
                                 GROUP BY fact_key HAVING count(DISTINCT document_id) > 1)
            ORDER BY f.fact_key, f.document_id, f.first_char_start""")
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM finding_figures WHERE finding_id IN "
                        "(SELECT finding_id FROM findings WHERE kind = 'restated_value')")
            con.execute("DELETE FROM findings WHERE kind = 'restated_value'")
            key, group = None, []
            while chunk := reader.fetchmany(10_000):
                for row in chunk:
                    if row[0] != key:
                        restated(group)
                        key, group = row[0], []
                    group.append(row)
                if len(findings) >= 10_000:
                    flush()
            restated(group)
            flush()
            con.execute("COMMIT")
        except BaseException:
            rollback(con)
            raise
    finally:
        reader.close()
    return found


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
    if not dry_run and documents:
        refresh_restatements(con, "prune")  # a restatement of a pruned document's fact is gone too
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
    "page lies inside its document": """
        SELECT count(*) FROM pages g JOIN documents d USING (document_id)
        WHERE g.char_start < 0 OR g.char_end > d.n_chars OR g.char_start > g.char_end""",
    "figure is on the page its page_number names": """
        SELECT count(*) FROM figures f LEFT JOIN pages g ON g.document_id = f.document_id AND g.page_number = f.page_number
        WHERE f.page_number IS NOT NULL AND (g.page_id IS NULL OR f.char_start < g.char_start OR f.char_start > g.char_end)""",
    "paged documents give every figure a page": """
        SELECT count(*) FROM figures f JOIN documents d USING (document_id) WHERE d.n_pages > 0 AND f.page_number IS NULL""",
    "section nests in a section of its document with a lower level": """
        SELECT count(*) FROM sections s JOIN sections p ON p.section_id = s.parent_section_id
        WHERE p.document_id <> s.document_id OR p.level >= s.level OR p.char_start > s.char_start""",
    "table caption is the text at its offsets": """
        SELECT count(*) FROM main.tables t JOIN documents d USING (document_id)
        WHERE t.caption IS NOT NULL
          AND substr(d.text, t.caption_char_start + 1, t.caption_char_end - t.caption_char_start) <> t.caption""",
    "table figure lies inside its table, its unit's words inside its document": """
        SELECT count(*) FROM figures f JOIN main.tables t USING (table_id) JOIN documents d ON d.document_id = f.document_id
        WHERE f.char_start < t.char_start OR f.char_end > t.char_end OR t.document_id <> f.document_id
           OR (f.unit_source_char_start IS NOT NULL AND (f.unit_source_char_start < 0 OR f.unit_source_char_end > d.n_chars))""",
    "citation is the text at its offsets": """
        SELECT count(*) FROM citations c JOIN documents d USING (document_id)
        WHERE substr(d.text, c.char_start + 1, c.char_end - c.char_start) <> c.surface""",
    "every fact mention and finding figure is a figure": """
        SELECT (SELECT count(*) FROM fact_mentions m LEFT JOIN figures f USING (figure_id) WHERE f.figure_id IS NULL)
             + (SELECT count(*) FROM finding_figures g LEFT JOIN figures f USING (figure_id) WHERE f.figure_id IS NULL)""",
    "every fact has its mentions, and they agree on its unit": """
        SELECT count(*) FROM facts x
        WHERE x.n_mentions <> (SELECT count(*) FROM fact_mentions m WHERE m.fact_id = x.fact_id)
           OR EXISTS (SELECT 1 FROM fact_mentions m JOIN figures f USING (figure_id)
                      WHERE m.fact_id = x.fact_id AND f.unit_normalized IS DISTINCT FROM x.unit_normalized)""",
    "section lies inside its document": """
        SELECT count(*) FROM sections s JOIN documents d USING (document_id)
        WHERE s.char_start < 0 OR s.char_end > d.n_chars""",
    "no orphan figure": """
        SELECT count(*) FROM figures f LEFT JOIN paragraphs p USING (paragraph_id) WHERE p.paragraph_id IS NULL""",
    "no orphan paragraph": """
        SELECT count(*) FROM paragraphs p LEFT JOIN sections s USING (section_id) WHERE s.section_id IS NULL""",
    "no orphan section": """
        SELECT count(*) FROM sections s LEFT JOIN documents d USING (document_id) WHERE d.document_id IS NULL""",
    # the keys DuckDB does not enforce (INDEXED_KEYS): rows beyond the first with the same key
    "every key is unique": "SELECT " + "\n         + ".join(
        f"(SELECT count(*) - count(DISTINCT {key}) FROM main.{table})"
        for table, key in PRIMARY_KEYS.items() if table not in INDEXED_KEYS),
}


def check_lineage(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows breaking each lineage check (all 0 in a sound warehouse)."""
    return {name: con.execute(sql).fetchone()[0] for name, sql in LINEAGE_CHECKS.items()}
