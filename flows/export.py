"""Export every warehouse table to Parquet, with a manifest; DuckDB stays the system of record."""

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


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path) -> dict:
    """Write <table>.parquet for every table plus manifest.json into out_dir; return the manifest.

    Rows are written in primary-key order, so unchanged data gives byte-identical files. Files
    are written to a temporary folder first and moved into place, the manifest last; staging
    folders that killed exports left are removed first.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_abandoned_staging(out_dir)
    last_run = con.execute(
        "SELECT run_id FROM runs WHERE status = 'completed' ORDER BY finished_at DESC, run_id LIMIT 1"
    ).fetchone()
    manifest = {"schema_version": SCHEMA_VERSION, "run_id": last_run[0] if last_run else None, "tables": []}
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=out_dir))
    try:
        for table, (model, key) in TABLES.items():
            target = staging / f"{table}.parquet"
            quoted = target.as_posix().replace("'", "''")  # COPY takes a literal, not a parameter
            columns = ", ".join(f'"{c}"' for c in model.to_schema().columns)  # the model's order, migrated or not
            con.execute(
                f"COPY (SELECT {columns} FROM {table} ORDER BY \"{key}\") TO '{quoted}' "
                "(FORMAT parquet, COMPRESSION zstd)"
            )
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            manifest["tables"].append(
                {"table": table, "file": target.name, "rows": rows, "sha256": _sha256_file(target)}
            )
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        for entry in manifest["tables"]:
            os.replace(staging / entry["file"], out_dir / entry["file"])
        os.replace(staging / "manifest.json", out_dir / "manifest.json")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
