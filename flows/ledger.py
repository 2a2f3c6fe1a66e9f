"""A run's bookkeeping in the warehouse, whatever it loads: the `runs` ledger, the rejections of
files that could not be read, which documents the warehouse holds and which this run saw, and
the counts a run's summary shows.

DuckDB only (no pandas, no pandera, no Prefect): a run that finds nothing changed records itself
with these alone (flows/unchanged.py); the flow uses the same functions (flows/pipeline.py).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import duckdb

from schemas import TABLE_NAMES

REJECTION_COLUMNS = ("rejection_id", "run_id", "source_path", "document_id", "table_name", "check", "reason",
                     "char_start", "char_end", "row_json")


def rejection(run_id: str, source_path: str, document_id: str | None, table_name: str, check: str,
              reason: str, row: dict | None = None) -> dict:
    """One rejections row; its id is stable for the same source, table, check and row.

    The row's run_id is left out of row_json (the rejection carries its own), so the same bad
    row gets the same id in every run.
    """
    if row is not None:
        row = {k: v for k, v in row.items() if k != "run_id"}
    row_json = json.dumps(row, default=str, sort_keys=True, ensure_ascii=False) if row is not None else None
    key = "\x1f".join([source_path, table_name, check, row_json or ""])
    return {
        "rejection_id": hashlib.sha256(key.encode()).hexdigest()[:16],
        "run_id": run_id,
        "source_path": source_path,
        "document_id": document_id,
        "table_name": table_name,
        "check": check,
        "reason": reason,
        "char_start": (row or {}).get("char_start"),
        "char_end": (row or {}).get("char_end"),
        "row_json": row_json,
    }


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, raw_dir: str) -> bool:
    """Open a run in the ledger; runs left `running` by a killed process are marked failed.

    Returns whether the run before this one completed (a run that died may have loaded documents
    without the work that follows loading, which the next run then does).
    """
    last = con.execute("SELECT status FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
    con.execute(
        "UPDATE runs SET status = 'failed', message = 'did not finish: the process was killed or crashed' "
        "WHERE status = 'running'"
    )
    con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
    con.execute(
        "INSERT INTO runs VALUES (?, ?, NULL, 'running', ?, 0, 0, 0, 0, 0, 0, 0, 0, NULL)",
        [run_id, _now(), raw_dir],
    )
    return last is None or last[0] == "completed"


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


def known_documents(con: duckdb.DuckDBPyConnection, code_version: str | None = None
                    ) -> dict[str, tuple[str, str, str | None]]:
    """source_path -> (document_id, sha256, info_override) of the documents in the warehouse.

    With code_version, only documents whose rows that version of the processing code made: the
    others count as changed, so a run after an upgrade processes them again.
    """
    sql = "SELECT source_path, document_id, sha256, info_override FROM documents"
    rows = con.execute(sql + (" WHERE code_version = ?" if code_version is not None else ""),
                       [code_version] if code_version is not None else []).fetchall()
    return {path: (doc_id, sha, override) for path, doc_id, sha, override in rows}


def missing_documents(con: duckdb.DuckDBPyConnection, present: set[str]) -> list[tuple[str, str, str]]:
    """(source_path, document_id, last_seen_run_id) of documents whose file is not in present."""
    rows = con.execute(
        "SELECT source_path, document_id, last_seen_run_id FROM documents ORDER BY source_path").fetchall()
    return [row for row in rows if row[0] not in present]


def mark_seen(con: duckdb.DuckDBPyConnection, document_ids: list[str], run_id: str) -> None:
    """Record that this run found these (unchanged) documents in the raw directory."""
    if document_ids:
        con.execute(
            "UPDATE documents SET last_seen_run_id = ? WHERE document_id IN (SELECT unnest(?))",
            [run_id, document_ids],
        )


def record_file_rejection(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    """Replace the rejections of a file that could not be read with this one (a rejection())."""
    record_file_rejections(con, row["source_path"], [row])


def record_file_rejections(con: duckdb.DuckDBPyConnection, source_path: str, rows: list[dict],
                           run_id: str | None = None) -> None:
    """Replace the rejections of the file at source_path with rows (rejection()s), in one
    transaction; with run_id, the rows say that run recorded them."""
    columns = ", ".join(f'"{c}"' for c in REJECTION_COLUMNS)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM rejections WHERE source_path = ?", [source_path])
        if rows:
            con.executemany(f"INSERT INTO rejections ({columns}) VALUES ({', '.join('?' * len(REJECTION_COLUMNS))})",
                            [[run_id if c == "run_id" and run_id else row.get(c) for c in REJECTION_COLUMNS]
                             for row in rows])
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        raise


def clear_rejections(con: duckdb.DuckDBPyConnection, check: str, keep: set[str]) -> None:
    """Forget the rejections of this check for files not in keep (they were mended)."""
    con.execute(f"DELETE FROM rejections WHERE \"check\" = ? AND source_path NOT IN (SELECT unnest(?::VARCHAR[]))",
                [check, sorted(keep)])


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM main.{t}").fetchone()[0] for t in TABLE_NAMES}


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
        # what this run wrote beyond its counts: facts, findings by severity, table cells whose unit
        # nothing states (kept with unit null, never guessed)
        "facts": con.execute("SELECT count(*) FROM facts WHERE run_id = ?", [run_id]).fetchone()[0],
        "findings": dict(con.execute("SELECT severity, count(*) FROM findings WHERE run_id = ? GROUP BY 1",
                                     [run_id]).fetchall()),
        "cells_without_unit": con.execute(
            "SELECT count(*) FROM figures WHERE run_id = ? AND table_id IS NOT NULL AND unit IS NULL", [run_id]
        ).fetchone()[0],
    }
