"""The flow end to end on a temp warehouse: lineage holds in SQL, re-runs change nothing."""

from __future__ import annotations

import shutil

import duckdb

from schemas import TABLE_NAMES
import pytest

from flows.export import export_parquet
from flows.load import LINEAGE_CHECKS
from flows.pipeline import ingest_reports
from tests.conftest import SHIPPED_REPORT

LINEAGE_SQL = LINEAGE_CHECKS  # the README's lineage queries, and a few more


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
    assert rows == [("photo.txt", "documents", "unsupported_format", rows[0][3])]
    assert "a PNG image" in rows[0][3] and "OCR it first" in rows[0][3]
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
    assert {t["table"] for t in first["tables"]} == set(TABLE_NAMES)
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


# --- bad input and re-runs: every file loads correctly or is rejected with why; the rest load ----

def test_every_kind_of_bad_file_is_loaded_or_rejected_and_the_others_load(raw_dir, warehouse, prefect_harness):
    shutil.copy(SHIPPED_REPORT, raw_dir / SHIPPED_REPORT.name)
    (raw_dir / "empty.txt").write_bytes(b"")
    (raw_dir / "blank.txt").write_bytes(b" \r\n\t\n")
    (raw_dir / "scan.txt").write_bytes(b"%PDF-1.7\n\x00\x01binary")  # a PDF by its content, and broken
    (raw_dir / "blob.txt").write_bytes(b"\x01\x02\x00\x00binary")
    (raw_dir / "bom only.txt").write_bytes(b"\xef\xbb\xbf \n")
    (raw_dir / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (raw_dir / "windows utf16.txt").write_bytes("\ufeffSub header: Waste\r\nWe recycled 75% of 300 tonnes.\r\n".encode("utf-16-le"))
    (raw_dir / "latin1.txt").write_bytes("Sub header: Eau\nNous avons \u00e9conomis\u00e9 5 m3.\n".encode("latin-1"))
    with open(raw_dir / "huge.txt", "wb") as f:  # 200 MB, sparse: rejected on its size, never read
        f.truncate(200 * 1024 * 1024)
    (raw_dir / "no headers.txt").write_text("Intro line.\n\nWe recycled 120 tonnes of packaging in 2023.\n",
                                            encoding="utf-8")
    (raw_dir / "windows bom.txt").write_bytes(
        "\ufeffSub header: Energy\r\nParagraph 1: We used 540 million kWh in FY2023.\r\n\r\n"
        "Paragraph 2: Solar gave 12% of it.\r\n".encode("utf-8"))
    (raw_dir / "rapport d\u2019\u00e9t\u00e9 \u6c34.txt").write_text("Sub header: Water\nWe saved 3 megalitres.\n",
                                                          encoding="utf-8")
    (raw_dir / "~copy.txt").write_bytes((raw_dir / "no headers.txt").read_bytes())

    summary = ingest_reports(raw_dir=raw_dir, warehouse=warehouse)
    (raw_dir / "huge.txt").unlink()

    con = duckdb.connect(str(warehouse), read_only=True)
    rejected = dict(con.execute('SELECT source_path, "check" FROM rejections WHERE table_name = \'documents\'').fetchall())
    assert rejected == {"empty.txt": "empty_file", "blank.txt": "empty_file", "scan.txt": "malformed_file",
                        "blob.txt": "binary_file", "bom only.txt": "empty_file", "notes.csv": "unsupported_format",
                        "latin1.txt": "not_utf8", "huge.txt": "too_large", "~copy.txt": "duplicate_content"}
    reasons = dict(con.execute("SELECT source_path, reason FROM rejections").fetchall())
    assert "209,715,200 bytes is over the 67,108,864-byte limit" in reasons["huge.txt"]
    assert "not UTF-8 at byte 27 (line 2, 0xe9)" in reasons["latin1.txt"]
    assert "same content as no headers.txt" in reasons["~copy.txt"]
    loaded = {r[0] for r in con.execute("SELECT source_path FROM documents").fetchall()}
    assert loaded == {SHIPPED_REPORT.name, "no headers.txt", "windows bom.txt", "windows utf16.txt",
                      "rapport d\u2019\u00e9t\u00e9 \u6c34.txt"}
    assert (summary["files"], summary["loaded"], summary["rejected"]) == (14, 5, 9)
    for name, sql in LINEAGE_CHECKS.items():
        assert con.execute(sql).fetchone()[0] == 0, name

    # no `Sub header:` at all: one implicit section, untitled, holding both paragraphs
    assert con.execute("""SELECT s.title, s.char_start, count(p.paragraph_id) FROM sections s
        JOIN documents d USING (document_id) JOIN paragraphs p USING (section_id)
        WHERE d.source_path = 'no headers.txt' GROUP BY ALL""").fetchall() == [(None, 0, 2)]
    # BOM dropped, CRLF kept in the text, titles and offsets still exact
    text, n_chars = con.execute("SELECT text, n_chars FROM documents WHERE source_path = 'windows bom.txt'").fetchone()
    assert not text.startswith("\ufeff") and "\r\n" in text and n_chars == len(text)
    assert con.execute("""SELECT title FROM sections JOIN documents USING (document_id)
        WHERE source_path = 'windows bom.txt'""").fetchall() == [("Energy",)]
    assert sorted(con.execute("""SELECT surface FROM figures JOIN documents USING (document_id)
        WHERE source_path = 'windows bom.txt'""").fetchall()) == [("12%",), ("540 million kWh",)]
    (n_files, n_loaded, n_rejected, status), = con.execute(
        "SELECT n_files, n_documents_loaded, n_documents_rejected, status FROM runs").fetchall()
    assert (n_files, n_loaded, n_rejected, status) == (14, 5, 9, "completed")
    # UTF-16 with a BOM (a Windows export) is decoded, not called binary
    assert con.execute("""SELECT surface FROM figures JOIN documents USING (document_id)
        WHERE source_path = 'windows utf16.txt' ORDER BY char_start""").fetchall() == [("75%",), ("300 tonnes",)]


def test_skipped_files_are_counted_and_removed_files_keep_their_rows(raw_dir, warehouse, prefect_harness):
    (raw_dir / "a.txt").write_text("Sub header: A\nWe gave 300 meals.\n", encoding="utf-8")
    (raw_dir / "b.txt").write_text("Sub header: B\nWe planted 40 trees.\n", encoding="utf-8")
    first = ingest_reports(raw_dir=raw_dir, warehouse=warehouse)
    (raw_dir / "b.txt").unlink()
    second = ingest_reports(raw_dir=raw_dir, warehouse=warehouse)
    assert (second["loaded"], second["skipped"], second["missing"]) == (0, 1, 1)

    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT run_id, n_documents_loaded, n_documents_skipped FROM runs ORDER BY started_at"
                       ).fetchall() == [(first["run_id"], 2, 0), (second["run_id"], 0, 1)]
    assert con.execute("SELECT source_path, loaded_run_id, last_seen_run_id FROM documents ORDER BY 1").fetchall() == [
        ("a.txt", first["run_id"], second["run_id"]),  # still there: seen by the second run
        ("b.txt", first["run_id"], first["run_id"]),   # gone from raw/: rows kept, last seen by the first
    ]
    assert con.execute("SELECT count(*) FROM figures f JOIN documents d USING (document_id) "
                       "WHERE d.source_path = 'b.txt'").fetchone()[0] == 1


def test_cached_processing_is_restamped_with_the_run_that_loads_it(raw_dir, warehouse, prefect_harness):
    from flows.pipeline import make_task_runner

    for i in range(3):
        (raw_dir / f"r{i}.txt").write_text(f"Sub header: S\nWe gave {100 + i} meals.\n", encoding="utf-8")
    threads = ingest_reports.with_options(task_runner=make_task_runner("threads", workers=2))
    first = threads(raw_dir=raw_dir, warehouse=warehouse, batch_size=2)
    assert (first["loaded"], first["from_cache"]) == (3, 0)
    from flows.version import CODE_VERSION

    before = {p.name for p in (warehouse.parent / "cache").rglob("*.batch")}
    assert len(before) == 2  # one cached result per batch
    assert {p.parent.name for p in (warehouse.parent / "cache").rglob("*.batch")} == {CODE_VERSION}

    warehouse.unlink()  # a lost warehouse: rebuilt from raw/, processing reused from the cache
    second = threads(raw_dir=raw_dir, warehouse=warehouse, batch_size=2)
    assert (second["loaded"], second["from_cache"]) == (3, 3)
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT DISTINCT loaded_run_id, first_seen_run_id FROM documents").fetchall() == [
        (second["run_id"], second["run_id"])]
    assert con.execute("SELECT DISTINCT run_id FROM figures").fetchall() == [(second["run_id"],)]
    assert sorted(r[0] for r in con.execute("SELECT surface FROM figures").fetchall()) == ["100", "101", "102"]

    (raw_dir / "r0.txt").write_text("Sub header: S\nWe gave 999 meals.\n", encoding="utf-8")
    con.close()
    third = threads(raw_dir=raw_dir, warehouse=warehouse, batch_size=2)
    assert (third["loaded"], third["skipped"], third["from_cache"]) == (1, 2, 0)  # new content, new key


def test_a_file_that_crashes_processing_is_rejected_and_the_others_load(monkeypatch):
    from flows import process
    from flows.read import source_file

    original = process.build_rows

    def crash_on_b(doc, run_id, given=None):
        if doc.source_path == "b.txt":
            raise ZeroDivisionError("division by zero")
        return original(doc, run_id, given)

    monkeypatch.setattr(process, "build_rows", crash_on_b)
    reports = [source_file(n, f"Sub header: S\nWe gave {i} meals.\n".encode(), 10**6)
               for i, n in enumerate(["a.txt", "b.txt", "c.txt"], start=1)]
    a, b, c = process.process_sources(reports, "run-1")
    assert len(a.tables["figures"]) == 1 and len(c.tables["figures"]) == 1
    assert len(b.tables["documents"]) == 0
    (r,) = b.rejections
    assert (r["source_path"], r["check"]) == ("b.txt", "processing_error")
    assert "ZeroDivisionError: division by zero" in r["reason"]


def test_documents_made_by_other_processing_code_are_processed_again(loaded, raw_dir, warehouse):
    con = duckdb.connect(str(warehouse))
    con.execute("UPDATE documents SET code_version = 'older-code' WHERE source_path = 'alibaba_esg_fy2023.txt'")
    figures_before = con.execute("SELECT count(*) FROM figures").fetchone()[0]
    con.close()
    summary = ingest_reports(raw_dir=raw_dir, warehouse=warehouse)
    assert (summary["loaded"], summary["skipped"]) == (1, 1)
    con = duckdb.connect(str(warehouse), read_only=True)
    from flows.version import CODE_VERSION

    assert con.execute("SELECT DISTINCT code_version FROM documents").fetchall() == [(CODE_VERSION,)]
    assert con.execute("SELECT count(*) FROM figures").fetchone()[0] == figures_before


def test_a_file_name_that_is_not_utf8_is_rejected_and_every_other_file_loads(raw_dir, warehouse, prefect_harness):
    (raw_dir / "a.txt").write_text("Sub header: A\nWe gave 300 meals.\n", encoding="utf-8")
    (raw_dir / "b.txt").write_text("Sub header: B\nWe planted 40 trees.\n", encoding="utf-8")
    with open(bytes(raw_dir) + b"/zz\xff.txt", "wb") as fh:  # sorts between the two others
        fh.write(b"x")
    summary = ingest_reports(raw_dir=raw_dir, warehouse=warehouse)
    assert (summary["files"], summary["loaded"], summary["rejected"]) == (3, 2, 1)
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT source_path FROM documents ORDER BY 1").fetchall() == [("a.txt",), ("b.txt",)]
    assert con.execute('SELECT source_path, "check" FROM rejections').fetchall() == [("zz\\xff.txt", "bad_file_name")]


def test_a_batch_made_by_other_processing_code_is_refused_with_why():
    """A Dask worker with another esg-pipeline (or library) version: its rows would be stamped
    with this run's code version, so the flow refuses them before loading or caching them."""
    import pyarrow as pa

    from flows.pipeline import _check_code_version
    from flows.process import process_files
    from flows.read import source_file
    from flows.settings import CodeMismatch

    batch = process_files([source_file("a.txt", b"Sub header: S\nWe planted 40 trees in 2023.\n", 10**6)], "run-1")
    _check_code_version(batch)  # this run's code: fine
    documents = batch.tables["documents"]
    column = documents.schema.get_field_index("code_version")
    batch.tables["documents"] = documents.set_column(column, "code_version", pa.array(["0123456789abcdef"]))
    batch.worker = "node-7:4242"
    with pytest.raises(CodeMismatch, match=r"a worker \(node-7:4242\) processed documents with other code "
                                           r"\(code version 0123456789abcdef; this run's: "):
        _check_code_version(batch)
    # a batch whose every file was rejected has no documents row: the batch says its code itself
    from tests.test_readers_pdf import make_pdf

    rejected = process_files([source_file("scan.pdf", make_pdf([[], []]), 10**6)], "run-1")
    assert "documents" not in rejected.tables or rejected.tables["documents"].num_rows == 0
    _check_code_version(rejected)
    rejected.code_version = "0123456789abcdef"
    with pytest.raises(CodeMismatch, match="code version 0123456789abcdef"):
        _check_code_version(rejected)
