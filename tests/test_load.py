"""load: one transaction per document, idempotent, replaces a changed file, never half-written."""

from __future__ import annotations

import pytest

from flows import load
from flows.process import process_reports
from flows.read import decode_report


def _doc(path: str, text: str, run_id: str = "run-1"):
    (doc,) = process_reports([decode_report(path, text.encode(), 10**6)], run_id)
    return doc


def _counts(con):
    return {t: n for t, n in load.table_counts(con).items() if t != "runs"}


def test_load_twice_changes_nothing(warehouse):
    con = load.connect(warehouse)
    doc = _doc("a.txt", "Sub header: S\nWe gave 300 meals to 12 schools.\n")
    load.load_document(con, doc, "run-1")
    before = con.execute("SELECT * FROM figures ORDER BY figure_id").fetchall()
    load.load_document(con, doc, "run-1")
    assert con.execute("SELECT * FROM figures ORDER BY figure_id").fetchall() == before
    assert _counts(con) == {"documents": 1, "sections": 1, "paragraphs": 1, "figures": 2, "rejections": 0}


def test_changed_file_replaces_its_rows(warehouse):
    con = load.connect(warehouse)
    load.load_document(con, _doc("a.txt", "Sub header: S\nWe gave 300 meals to 12 schools.\n"), "run-1")
    load.load_document(con, _doc("a.txt", "Sub header: S\nWe gave 400 meals.\n", "run-2"), "run-2")
    assert _counts(con)["documents"] == 1
    assert con.execute("SELECT surface, run_id FROM figures").fetchall() == [("400", "run-2")]


def test_failed_load_rolls_back_to_before_the_document(warehouse, monkeypatch):
    con = load.connect(warehouse)
    load.load_document(con, _doc("a.txt", "Sub header: S\nWe gave 300 meals.\n"), "run-1")
    before = con.execute("SELECT * FROM figures").fetchall()
    original = load._insert

    def crash_on_figures(con_, table, df):
        if table == "figures":
            raise RuntimeError("disk on fire")
        original(con_, table, df)

    monkeypatch.setattr(load, "_insert", crash_on_figures)
    with pytest.raises(RuntimeError):
        load.load_document(con, _doc("a.txt", "Sub header: S\nWe gave 999 meals.\n", "run-2"), "run-2")
    assert con.execute("SELECT * FROM figures").fetchall() == before
    assert _counts(con)["documents"] == 1


def test_second_writer_gets_a_clear_busy_error(warehouse, tmp_path):
    import subprocess
    import sys
    import textwrap

    load.connect(warehouse).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(warehouse)!r}); print("locked", flush=True); time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(load.WarehouseBusy, match="in use by another process"):
            load.connect(warehouse)
    finally:
        holder.kill()
        holder.wait()


def test_schema_version_from_the_future_is_refused(warehouse):
    con = load.connect(warehouse)
    con.execute("UPDATE schema_info SET value = '99'")
    con.close()
    with pytest.raises(load.WarehouseError, match="upgrade esg-pipeline"):
        load.connect(warehouse)


def test_tables_are_created_from_the_pandera_models(warehouse):
    from schemas import TABLES

    con = load.connect(warehouse)
    for table, (model, _) in TABLES.items():
        columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        assert columns == list(model.to_schema().columns)


def test_rows_failing_pandera_land_in_the_rejections_table(warehouse, monkeypatch):
    import dataclasses
    import json

    from flows import process

    real_extract = process.extract_figures

    def extract_with_a_bad_row(text):
        figures = real_extract(text)
        return figures[:1] + [dataclasses.replace(f, topic="astrology") for f in figures[1:]]

    monkeypatch.setattr(process, "extract_figures", extract_with_a_bad_row)
    doc = _doc("a.txt", "Sub header: S\nWe gave 300 meals to 12 schools.\n")
    con = load.connect(warehouse)
    written = load.load_document(con, doc, "run-1")
    assert (written["figures"], written["rejections"]) == (1, 1)
    assert con.execute("SELECT surface FROM figures").fetchall() == [("300",)]
    source, table, check, reason, start, row = con.execute(
        'SELECT source_path, table_name, "check", reason, char_start, row_json FROM rejections').fetchone()
    assert (source, table) == ("a.txt", "figures") and check.startswith("isin")
    assert "astrology" in reason and json.loads(row)["surface"] == "12"
    text = con.execute("SELECT text FROM documents").fetchone()[0]
    assert text[start:start + 2] == "12"
