"""The flow end to end on a temp warehouse: lineage holds in SQL, re-runs change nothing."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from flows.export import export_parquet
from flows.pipeline import ingest_reports
from tests.conftest import SHIPPED_REPORT

LINEAGE_SQL = {
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
}


@pytest.fixture
def loaded(raw_dir, warehouse, prefect_harness):
    shutil.copy(SHIPPED_REPORT, raw_dir / SHIPPED_REPORT.name)
    (raw_dir / "notes ünïcode.txt").write_text(
        "Sub header: Water\r\nParagraph 1: We saved 1.2 megalitres of water in FY2024.\r\n", encoding="utf-8")
    (raw_dir / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    summary = ingest_reports(raw_dir=raw_dir, warehouse=warehouse)
    return summary


def _counts(con):
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("documents", "sections", "paragraphs", "figures", "rejections")}


def test_flow_loads_the_shipped_report_with_lineage(loaded, warehouse):
    assert loaded["loaded"] == 2 and loaded["rejected"] == 1
    con = duckdb.connect(str(warehouse), read_only=True)
    for name, sql in LINEAGE_SQL.items():
        assert con.execute(sql).fetchone()[0] == 0, name
    (doc_id,) = con.execute(
        "SELECT document_id FROM documents WHERE source_path = 'alibaba_esg_fy2023.txt'").fetchone()
    titles = [r[0] for r in con.execute(
        "SELECT title FROM sections WHERE document_id = ? ORDER BY section_index", [doc_id]).fetchall()]
    text = SHIPPED_REPORT.read_text(encoding="utf-8")
    assert titles == [l.strip()[len("Sub header:"):].strip() for l in text.splitlines()
                      if l.strip().startswith("Sub header:")]
    assert len(titles) == 25
    assert con.execute("SELECT count(*) FROM figures WHERE document_id = ?", [doc_id]).fetchone()[0] >= 40
    assert con.execute(
        "SELECT value, unit FROM figures WHERE surface = 'RMB399 million' LIMIT 1").fetchone() == (399e6, "CNY")
    (run_status,) = con.execute("SELECT status FROM runs WHERE run_id = ?", [loaded["run_id"]]).fetchone()
    assert run_status == "completed"


def test_bad_file_is_recorded_in_rejections_and_others_still_load(loaded, warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("SELECT source_path, table_name, \"check\", reason FROM rejections").fetchall()
    assert rows == [("photo.txt", "documents", "binary_file", rows[0][3])]
    assert "NUL byte" in rows[0][3]
    assert con.execute(
        "SELECT value_normalized, unit_normalized, year FROM figures f JOIN documents d USING (document_id) "
        "WHERE d.source_path = 'notes ünïcode.txt'").fetchall() == [(1200.0, "m3", 2024)]


def test_rerun_changes_no_data_table_and_export_is_identical(loaded, raw_dir, warehouse, tmp_path):
    con = duckdb.connect(str(warehouse), read_only=True)
    before = _counts(con)
    ids_before = con.execute("SELECT figure_id FROM figures ORDER BY 1").fetchall()
    con.close()
    second = ingest_reports(raw_dir=raw_dir, warehouse=warehouse)
    assert (second["loaded"], second["skipped"]) == (0, 2)
    con = duckdb.connect(str(warehouse), read_only=True)
    assert _counts(con) == before
    assert con.execute("SELECT figure_id FROM figures ORDER BY 1").fetchall() == ids_before
    assert con.execute("SELECT count(*) FROM runs WHERE status = 'completed'").fetchone()[0] == 2
    first = export_parquet(con, tmp_path / "exports")
    again = export_parquet(con, tmp_path / "exports")
    assert first == again
    assert {t["table"] for t in first["tables"]} == {"documents", "sections", "paragraphs", "figures", "rejections", "runs"}
    assert first["run_id"] == second["run_id"]
    parquet_rows = con.execute(f"SELECT count(*) FROM '{tmp_path / 'exports' / 'figures.parquet'}'").fetchone()[0]
    assert parquet_rows == before["figures"]


def test_changed_file_replaces_its_rows_in_place(loaded, raw_dir, warehouse):
    (raw_dir / "notes ünïcode.txt").write_text("Sub header: Water\nWe saved 3 megalitres in FY2025.\n", encoding="utf-8")
    summary = ingest_reports(raw_dir=raw_dir, warehouse=warehouse)
    assert (summary["loaded"], summary["skipped"]) == (1, 1)
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute(
        "SELECT f.surface, f.year FROM figures f JOIN documents d USING (document_id) "
        "WHERE d.source_path = 'notes ünïcode.txt'").fetchall() == [("3 megalitres", 2025)]
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 2
