"""export: every table as Parquet and CSV plus a manifest of every file; byte-identical when nothing
changed; pandas reads the files back with the models' dtypes; Hive partitions by document."""

from __future__ import annotations

import csv
import hashlib
import json

import pandas as pd
import pytest

from flows import load
from flows.export import export_parquet
from flows.process import process_sources
from flows.read import source_file
from schemas import TABLE_NAMES, TABLES
from tests.conftest import ROOT

NORTHWIND = ROOT / "tests" / "data" / "formats" / "northwind_2023.txt"


@pytest.fixture
def con(warehouse):
    con = load.connect(warehouse)
    sources = [source_file("a.txt", b"Sub header: S\nWe gave 300 meals to 12 schools.\n", 10**6),
               source_file("northwind_2023.txt", NORTHWIND.read_bytes(), 10**6)]
    for doc in process_sources(sources, "run-1"):
        load.load_document(con, doc, "run-1")
    yield con
    con.close()


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_export_writes_every_table_and_a_true_manifest(con, tmp_path):
    out = tmp_path / "it's exports"  # a quote in the path must not break the COPY statement
    manifest = export_parquet(con, out)
    assert json.loads((out / "manifest.json").read_text()) == manifest
    tables = {t["table"]: t for t in manifest["tables"]}
    assert set(tables) == set(TABLE_NAMES)
    for table, entry in tables.items():
        path = out / entry["file"]
        assert _sha256(path) == entry["sha256"]
        quoted = str(path).replace("'", "''")
        assert con.execute(f"SELECT count(*) FROM '{quoted}'").fetchone()[0] == entry["rows"]
        assert entry["rows"] == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    assert tables["figures"]["rows"] > 2
    # every file is listed once, with its true rows and sha256, and nothing else is there
    listed = {f["file"]: f for f in manifest["files"]}
    assert len(listed) == len(manifest["files"]) == 2 * len(TABLE_NAMES)
    assert sorted(p.name for p in out.iterdir()) == sorted(list(listed) + ["manifest.json"])
    for name, f in listed.items():
        assert _sha256(out / name) == f["sha256"]
        assert f["rows"] == tables[f["table"]]["rows"]
        if f["format"] == "csv":
            with open(out / name, newline="", encoding="utf-8") as fh:
                assert sum(1 for _ in csv.reader(fh)) == f["rows"] + 1  # a header, then whole rows
    again = export_parquet(con, out)
    assert again == manifest


def test_staging_folders_left_by_killed_exports_are_removed_by_the_next(warehouse, tmp_path):
    import os
    import subprocess
    import sys

    con = load.connect(warehouse)
    out = tmp_path / "exports"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    killed = out / f".export-{dead.pid}-k1ll3d"        # an export killed mid-way
    older = out / ".export-q7x_2mzp"                    # one from before staging names held a pid
    running = out / f".export-{os.getppid()}-busy"      # an export still running: not ours to remove
    for folder in (killed, older, running):
        folder.mkdir(parents=True)
        (folder / "figures.parquet").write_bytes(b"half written")
    export_parquet(con, out)
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".export-")) == [running.name]


def test_pandas_reads_every_table_back_with_its_models_dtypes(con, tmp_path):
    """Nullable integer columns (year, page_number, row_index...) come back as Int64, not float64."""
    export_parquet(con, tmp_path / "out")
    expected = {"Int64": "Int64", "int64": "int64", "float64": "float64", "bool": "bool", "datetime64[ns]": "datetime64"}
    checked = 0
    for table, (model, _) in TABLES.items():
        df = pd.read_parquet(tmp_path / "out" / f"{table}.parquet")
        assert list(df.columns) == list(model.to_schema().columns)
        for name, column in model.to_schema().columns.items():
            want = expected.get(str(column.dtype))
            if want:
                assert str(df[name].dtype).startswith(want), f"{table}.{name}: {df[name].dtype}, model {column.dtype}"
                checked += 1
    assert checked > 40
    figures = pd.read_parquet(tmp_path / "out" / "figures.parquet")
    years = dict(con.execute("SELECT figure_id, year FROM figures").fetchall())
    assert figures["year"].isna().any() and figures["row_index"].notna().any()  # both kinds are there to check
    assert {r.figure_id: (None if pd.isna(r.year) else r.year) for r in figures.itertuples()} == years


def test_partitioned_export_splits_by_document_lists_every_file_and_repeats_byte_for_byte(con, tmp_path):
    out = tmp_path / "out"
    export_parquet(con, out)  # an unpartitioned export first: switching must leave no stale file
    manifest = export_parquet(con, out, partition_by="document_id")
    documents = {r[0] for r in con.execute("SELECT document_id FROM documents").fetchall()}
    assert len(documents) == 2
    tables = {t["table"]: t for t in manifest["tables"]}
    for table, entry in tables.items():
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        files = [f for f in manifest["files"] if f["table"] == table and f["format"] == "parquet"]
        assert sum(f["rows"] for f in files) == rows == entry["rows"]
        if entry["file"].endswith("/"):  # partitioned: one folder per document, as pandas reads them
            assert {f["file"].split("/")[1] for f in files} <= {f"document_id={d}" for d in documents}
            df = pd.read_parquet(out / entry["file"])
            assert len(df) == rows and set(df["document_id"].astype(str)) <= documents
            if "year" in df.columns:
                assert str(df["year"].dtype) == "Int64"
        else:
            assert table in ("rejections", "runs") or rows == 0, table  # no document_id on every row, or empty
            assert not (out / table).exists()
    assert tables["figures"]["file"] == "figures/" and tables["runs"]["file"] == "runs.parquet"
    for f in manifest["files"]:
        assert _sha256(out / f["file"]) == f["sha256"]
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == {f["file"] for f in manifest["files"]} | {"manifest.json"}  # the old single files are gone
    assert export_parquet(con, out, partition_by="document_id") == manifest  # same bytes again
    export_parquet(con, out)
    assert not (out / "figures").exists() and (out / "figures.parquet").exists()


def test_an_unknown_partition_column_is_refused(con, tmp_path):
    with pytest.raises(ValueError, match="cannot partition by 'topic'"):
        export_parquet(con, tmp_path / "out", partition_by="topic")
