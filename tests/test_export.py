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
