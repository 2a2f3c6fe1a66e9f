"""Export every warehouse table to Parquet and CSV, with a manifest; DuckDB stays the system of record.

``pd.read_parquet`` gives each column the dtype of its pandera model: a nullable integer column
(``year``, ``page_number``, ...) comes back as pandas ``Int64``, not as floats, because each file
carries the pandas metadata that says so. With ``partition_by="document_id"`` the Parquet files of
every table that has a document_id on every row are Hive-partitioned
(``facts/document_id=<id>/data_0.parquet``); the others, and empty tables, stay one file each.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from flows.settings import SCHEMA_VERSION
from schemas import TABLES

PARTITION_COLUMNS = ("document_id",)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


STAGING_PREFIX = ".export-"  # + the exporting process's pid + a random part


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_abandoned_staging(out_dir: Path) -> list[Path]:
    """Remove the staging folders exports killed mid-way left in out_dir (their process is gone,
    or they predate staging names holding a pid); return them."""
    removed = []
    for folder in sorted(Path(out_dir).glob(STAGING_PREFIX + "*")):
        pid = folder.name[len(STAGING_PREFIX):].split("-", 1)[0]
        if folder.is_dir() and not (pid.isdigit() and _running(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _literal(text: str) -> str:
    """text as an SQL string literal (COPY takes literals, not parameters)."""
    return "'" + text.replace("'", "''") + "'"


def pandas_metadata(table: str, leave_out: tuple[str, ...] = ()) -> str:
    """The `pandas` key-value metadata of a table's Parquet files, as JSON: the model's nullable
    integer columns are Int64, so pyarrow turns them into pandas Int64 instead of float64."""
    model, _ = TABLES[table]
    columns = [{"name": name, "field_name": name, "pandas_type": "int64", "numpy_type": "Int64", "metadata": None}
               for name, column in model.to_schema().columns.items()
               if str(column.dtype) == "Int64" and name not in leave_out]
    return json.dumps({"index_columns": [], "column_indexes": [], "columns": columns}, sort_keys=True)


def partitionable(table: str, column: str) -> bool:
    """Whether a table can be partitioned by column: it has it, and never null (a null would
    come back from the folder name as the text 'NULL')."""
    model, _ = TABLES[table]
    found = model.to_schema().columns.get(column)
    return found is not None and not found.nullable


def _parquet_rows(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    return con.execute(f"SELECT count(*) FROM read_parquet({_literal(path.as_posix())})").fetchone()[0]


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path, *, partition_by: str | None = None) -> dict:
    """Write every table as Parquet (<table>.parquet, or <table>/ partitioned) and <table>.csv,
    plus manifest.json, into out_dir; return the manifest.

    The manifest lists each table (its Parquet file or folder and its rows) and every file written
    (path relative to out_dir, table, format, rows, sha256). Rows are written in primary-key order,
    so unchanged data gives byte-identical files. Files are written to a temporary folder first and
    moved into place, the manifest last; files an earlier export listed that this one does not
    write (say, after switching --partition-by) are removed, and so are the staging folders that
    killed exports left.
    """
    if partition_by is not None and partition_by not in PARTITION_COLUMNS:
        raise ValueError(f"cannot partition by {partition_by!r}; choose one of {', '.join(PARTITION_COLUMNS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_abandoned_staging(out_dir)
    previous = _read_manifest(out_dir)
    last_run = con.execute(
        "SELECT run_id FROM runs WHERE status = 'completed' ORDER BY finished_at DESC, run_id LIMIT 1"
    ).fetchone()
    manifest = {"schema_version": SCHEMA_VERSION, "run_id": last_run[0] if last_run else None,
                "partition_by": partition_by, "tables": [], "files": []}
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=out_dir))
    try:
        for table, (model, key) in TABLES.items():
            names = list(model.to_schema().columns)  # the model's order, migrated or not
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            select = f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in names)} FROM {table} ORDER BY \"{key}\""
            # an empty table stays one (empty) file: an empty folder is no dataset pandas can read
            split = partition_by if partition_by and rows and partitionable(table, partition_by) else None
            metadata = _literal(pandas_metadata(table, (split,) if split else ()))
            options = f"FORMAT parquet, COMPRESSION zstd, KV_METADATA {{pandas: {metadata}}}"
            files: list[tuple[Path, int]] = []
            if split:
                target = staging / table
                con.execute(f"COPY ({select}) TO {_literal(target.as_posix())} ({options}, PARTITION_BY (\"{split}\"))")
                files = [(p, _parquet_rows(con, p)) for p in sorted(target.rglob("*.parquet"))]
                entry = {"table": table, "file": f"{table}/", "rows": rows, "partition_by": split}
            else:
                target = staging / f"{table}.parquet"
                con.execute(f"COPY ({select}) TO {_literal(target.as_posix())} ({options})")
                files = [(target, rows)]
                entry = {"table": table, "file": target.name, "rows": rows, "sha256": _sha256_file(target)}
            csv = staging / f"{table}.csv"
            con.execute(f"COPY ({select}) TO {_literal(csv.as_posix())} (FORMAT csv, HEADER true)")
            entry["csv"] = csv.name
            manifest["tables"].append(entry)
            for path, n in files + [(csv, rows)]:
                manifest["files"].append({"file": path.relative_to(staging).as_posix(), "table": table,
                                          "format": path.suffix[1:], "rows": n, "sha256": _sha256_file(path)})
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        tops = [e["file"].rstrip("/") for e in manifest["tables"]] + [e["csv"] for e in manifest["tables"]]
        for name in tops:
            if (staging / name).is_dir():
                if (out_dir / name).is_dir() and not (out_dir / name).is_symlink():
                    os.replace(out_dir / name, staging / f".old-{name}")
                elif (out_dir / name).exists() or (out_dir / name).is_symlink():
                    (out_dir / name).unlink()
            os.replace(staging / name, out_dir / name)
        _remove_stale(out_dir, previous, set(tops))
        os.replace(staging / "manifest.json", out_dir / "manifest.json")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _read_manifest(out_dir: Path) -> dict:
    try:
        return json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _remove_stale(out_dir: Path, previous: dict, kept: set[str]) -> None:
    """Remove what an earlier manifest listed at the top of out_dir and this export did not write."""
    listed = set()
    for entry in previous.get("tables", []):
        listed.update(name for name in (str(entry.get("file", "")).rstrip("/"), entry.get("csv")) if name)
    for name in sorted(listed - kept):
        path = out_dir / name
        if "/" in name or name.startswith(".") or not (path.exists() or path.is_symlink()):
            continue  # only plain names this module writes, never a path out of out_dir
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
