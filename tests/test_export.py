"""export: one Parquet file per table plus a manifest; byte-identical when nothing changed."""

from __future__ import annotations

import hashlib
import json

from flows import load
from flows.export import export_parquet
from flows.process import process_sources
from flows.read import source_file
from schemas import TABLE_NAMES


def test_export_writes_every_table_and_a_true_manifest(warehouse, tmp_path):
    con = load.connect(warehouse)
    (doc,) = process_sources([source_file("a.txt", b"Sub header: S\nWe gave 300 meals to 12 schools.\n", 10**6)], "run-1")
    load.load_document(con, doc, "run-1")
    out = tmp_path / "it's exports"  # a quote in the path must not break the COPY statement
    manifest = export_parquet(con, out)
    assert json.loads((out / "manifest.json").read_text()) == manifest
    tables = {t["table"]: t for t in manifest["tables"]}
    assert set(tables) == set(TABLE_NAMES)
    for table, entry in tables.items():
        path = out / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        quoted = str(path).replace("'", "''")
        assert con.execute(f"SELECT count(*) FROM '{quoted}'").fetchone()[0] == entry["rows"]
    assert tables["figures"]["rows"] == 2
    assert not [p for p in out.iterdir() if p.name.startswith(".export-")]  # no staging left behind
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
