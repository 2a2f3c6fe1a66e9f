"""load: one transaction per document, idempotent, replaces a changed file, never half-written."""

from __future__ import annotations

import os
import signal

import duckdb
import pytest

from flows import load
from flows.process import process_sources
from flows.read import source_file


def _doc(path: str, text: str, run_id: str = "run-1"):
    (doc,) = process_sources([source_file(path, text.encode(), 10**6)], run_id)
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
    assert _counts(con) == {"documents": 1, "sections": 1, "pages": 0, "paragraphs": 1, "tables": 0, "facts": 2,
                            "fact_mentions": 2, "findings": 0, "finding_figures": 0, "citations": 0, "figures": 2, "rejections": 0}


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
    original = load._append

    def crash_on_figures(con_, table, rows):
        if table == "figures":
            raise RuntimeError("disk on fire")
        original(con_, table, rows)

    monkeypatch.setattr(load, "_append", crash_on_figures)
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
        with pytest.raises(load.WarehouseBusy, match=rf"in use by PID {holder.pid} \(\S*python\S* -c import duckdb"):
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
        columns = [r[0] for r in con.execute(f"DESCRIBE main.{table}").fetchall()]
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
    # the figure, and the fact and fact mention that hung on it (rejected with it as orphans)
    assert (written["figures"], written["rejections"]) == (1, 3)
    assert con.execute("SELECT surface FROM figures").fetchall() == [("300",)]
    assert sorted(con.execute('SELECT table_name, "check" FROM rejections WHERE "check" = \'orphan\'').fetchall()) == [
        ("fact_mentions", "orphan"), ("facts", "orphan")]
    source, table, check, reason, start, row = con.execute(
        'SELECT source_path, table_name, "check", reason, char_start, row_json FROM rejections '
        "WHERE table_name = 'figures'").fetchone()
    assert (source, table) == ("a.txt", "figures") and check.startswith("isin")
    assert "astrology" in reason and json.loads(row)["surface"] == "12"
    text = con.execute("SELECT text FROM documents").fetchone()[0]
    assert text[start:start + 2] == "12"

def _v0_warehouse(path, drop: dict[str, set[str]]):
    """A warehouse as written before schema versions: no schema_info, some columns missing."""
    from schemas import TABLES

    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    for table in TABLES:
        lines = [line for line in load.table_ddl(table).splitlines()
                 if not any(f'"{column}"' in line for column in drop.get(table, ()))]
        con.execute("\n".join(lines).replace(",\n)", "\n)"))
    return con


def test_version_0_warehouse_is_migrated_and_keeps_its_rows(warehouse):
    from schemas import TABLES

    from flows.settings import SCHEMA_VERSION

    con = _v0_warehouse(warehouse, {
        "documents": {"first_seen_run_id", "last_seen_run_id", "code_version", "format", "n_pages",
                      "reporting_entity", "report_title", "reporting_period", "source_url", "info_origin",
                      "info_override"},
        "sections": {"level", "parent_section_id", "page_number"},
        "paragraphs": {"page_number"}, "runs": {"n_documents_skipped"},
        "figures": {"page_number", "is_target", "table_id", "row_index", "col_index", "row_label", "col_label",
                    "unit_source", "unit_source_char_start", "unit_source_char_end"}})
    con.execute("DROP TABLE pages")  # version 0 had neither
    con.execute("DROP TABLE main.tables")
    con.execute("INSERT INTO documents VALUES ('0123456789abcdef', 'a.txt', ?, 3, 'abc', 'run-0')", ["f" * 64])
    con.execute("INSERT INTO sections VALUES ('0123456789abcdef:s0', '0123456789abcdef', 0, 'T', 0, 1, 0, 3, 'run-0')")
    con.execute("INSERT INTO runs VALUES ('run-0', now(), now(), 'completed', 'raw', 1, 1, 0, 0, 0, 0, 0, NULL)")
    con.close()

    with pytest.raises(load.WarehouseError, match=r"version 0 is older .* run `esg run` once to migrate it"):
        load.connect(warehouse, read_only=True)
    told = []
    con = load.connect(warehouse, notify=told.append)
    assert load.schema_version(con) == SCHEMA_VERSION
    for table, (model, _) in TABLES.items():  # every column, in whatever order the steps added them
        assert {r[0] for r in con.execute(f"DESCRIBE main.{table}").fetchall()} == set(model.to_schema().columns)
    assert con.execute("SELECT source_path, first_seen_run_id, loaded_run_id, last_seen_run_id, code_version, "
                       "format, n_pages FROM documents").fetchall() == [("a.txt", "run-0", "run-0", "run-0", "", "txt", 0)]
    assert con.execute("SELECT title, level, parent_section_id FROM sections").fetchall() == [("T", 1, None)]
    assert con.execute("SELECT status, n_documents_skipped FROM runs").fetchall() == [("completed", 0)]
    assert told == [f"{warehouse}: migrated to schema version {SCHEMA_VERSION} (documents: added "
                    "first_seen_run_id, last_seen_run_id; runs: added n_documents_skipped; documents: added "
                    "code_version; documents: added format, n_pages, reporting_entity, report_title, "
                    "reporting_period, source_url, info_origin, info_override; sections: added level, "
                    "parent_section_id, page_number; paragraphs: added page_number; figures: added page_number, "
                    "is_target, table_id, row_index, col_index, row_label, col_label, unit_source, "
                    "unit_source_char_start, unit_source_char_end)"]
    con.close()
    load.connect(warehouse, read_only=True).close()  # readable as a current warehouse now


def test_a_migration_that_cannot_work_changes_nothing_and_says_what_to_do(warehouse):
    con = _v0_warehouse(warehouse, {"figures": {"figure_id"}})
    con.close()
    with pytest.raises(load.WarehouseError, match="figures has no figure_id column.*rebuild it from raw/"):
        load.connect(warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    assert "schema_info" not in {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    assert "figure_id" not in [r[0] for r in con.execute("DESCRIBE figures").fetchall()]


def _primary_keys(con) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'").fetchall()}


def test_only_one_row_per_file_tables_have_an_index_and_keys_stay_unique_without_one(warehouse):
    con = load.connect(warehouse)
    assert _primary_keys(con) == {"documents", "rejections", "runs", "schema_info"}
    text = "Sub header: S\nWe gave 300 meals to 12 schools.\n"
    load.load_document(con, _doc("a.txt", text), "run-1")
    load.load_document(con, _doc("copy.txt", text, "run-2"), "run-2")  # the same content under a new name
    load.load_document(con, _doc("copy.txt", text, "run-3"), "run-3")
    assert con.execute("SELECT source_path FROM documents").fetchall() == [("copy.txt",)]
    assert _counts(con)["figures"] == 2 and _counts(con)["paragraphs"] == 1
    assert load.check_lineage(con)["every key is unique"] == 0
    con.execute("INSERT INTO figures SELECT * FROM figures LIMIT 1")  # what an index would have refused
    con.execute("INSERT INTO paragraphs SELECT * FROM paragraphs")
    assert load.check_lineage(con)["every key is unique"] == 2


def _version_3_warehouse(warehouse, monkeypatch, text: str):
    """A warehouse as version 3 made it (a primary key on every table) holding a.txt; open."""
    from schemas import PRIMARY_KEYS

    with monkeypatch.context() as version_3:
        version_3.setattr(load, "SCHEMA_VERSION", 3)
        version_3.setattr(load, "INDEXED_KEYS", frozenset(PRIMARY_KEYS))
        con = load.connect(warehouse)
    load.load_document(con, _doc("a.txt", text), "run-1")
    return con


def test_version_3_warehouse_loses_its_row_indexes_and_keeps_every_row_and_column(warehouse, monkeypatch):
    from schemas import PRIMARY_KEYS

    describe = ("SELECT table_name, column_name, data_type, is_nullable, column_default, comment "
                "FROM duckdb_columns() WHERE schema_name = 'main' ORDER BY table_name, column_index")
    con = _version_3_warehouse(warehouse, monkeypatch, "Sub header: S\nWe gave 300 meals to 12 schools.\n")
    assert _primary_keys(con) == set(PRIMARY_KEYS) | {"schema_info"}
    rows = {t: sorted(con.execute(f"SELECT * FROM main.{t}").fetchall(), key=repr) for t in PRIMARY_KEYS}
    columns = con.execute(describe).fetchall()
    con.close()
    told = []
    con = load.connect(warehouse, notify=told.append)
    assert told == [f"{warehouse}: migrated to schema version 4 (primary-key indexes dropped from sections, "
                    "pages, paragraphs, tables, figures, facts, fact_mentions, findings, finding_figures, "
                    "citations (keys stay unique))"]
    assert _primary_keys(con) == {"documents", "rejections", "runs", "schema_info"}
    assert {t: sorted(con.execute(f"SELECT * FROM main.{t}").fetchall(), key=repr) for t in PRIMARY_KEYS} == rows
    assert con.execute(describe).fetchall() == columns  # types, NOT NULL, order and descriptions
    assert sum(load.check_lineage(con).values()) == 0
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO figures (figure_id) VALUES (NULL)")
    con.close()
    load.connect(warehouse, read_only=True).close()


def test_version_3_warehouse_with_an_index_of_your_own_is_left_as_it_was(warehouse, monkeypatch):
    from schemas import PRIMARY_KEYS

    con = _version_3_warehouse(warehouse, monkeypatch, "Sub header: S\nWe gave 300 meals.\n")
    con.execute("CREATE INDEX my_topics ON figures (topic)")
    con.close()
    with pytest.raises(load.WarehouseError, match=r"indexes of your own .*\(my_topics on figures\).*DROP INDEX"):
        load.connect(warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    assert load.schema_version(con) == 3 and _primary_keys(con) == set(PRIMARY_KEYS) | {"schema_info"}
    assert con.execute("SELECT count(*) FROM figures").fetchone()[0] == 1


def test_prune_removes_only_documents_whose_file_is_gone_in_one_transaction(warehouse):
    con = load.connect(warehouse)
    load.load_document(con, _doc("keep.txt", "Sub header: S\nWe gave 300 meals.\n"), "run-1")
    load.load_document(con, _doc("gone.txt", "Sub header: S\nWe planted 40 trees.\n"), "run-1")
    load.record_file_rejection(con, {"rejection_id": "r1", "run_id": "run-1", "source_path": "old.txt",
                                     "document_id": None, "table_name": "documents", "check": "empty_file",
                                     "reason": "empty", "char_start": None, "char_end": None, "row_json": None})
    dry = load.prune(con, {"keep.txt"}, dry_run=True)
    assert [d[0] for d in dry["documents"]] == ["gone.txt"] and _counts(con)["documents"] == 2
    removed = load.prune(con, {"keep.txt"})
    assert [(d[0], d[2], d[3]) for d in removed["documents"]] == [("gone.txt", "run-1", 6)]
    assert removed["rejection_files"] == ["old.txt"]
    assert con.execute("SELECT source_path FROM documents").fetchall() == [("keep.txt",)]
    assert con.execute("SELECT count(*) FROM figures f JOIN documents d USING (document_id) "
                       "WHERE d.source_path = 'gone.txt'").fetchone()[0] == 0
    assert _counts(con)["rejections"] == 0


# --- real processes: a killed run, two runs at once -------------------------------------------

def _expected_counts(raw_dir, names):
    """Rows each document should have once loaded, from processing it here."""
    reports = [source_file(n, (raw_dir / n).read_bytes(), 10**6) for n in names]
    return {doc.source_path: tuple(len(doc.tables[t]) for t in ("sections", "paragraphs", "figures"))
            for doc in process_sources(reports, "expected")}


def _loaded_counts(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("""
            SELECT d.source_path,
                   (SELECT count(*) FROM sections s WHERE s.document_id = d.document_id),
                   (SELECT count(*) FROM paragraphs p WHERE p.document_id = d.document_id),
                   (SELECT count(*) FROM figures f WHERE f.document_id = d.document_id)
            FROM documents d""").fetchall()
        lineage = load.check_lineage(con)
        runs = con.execute("SELECT run_id, status, message FROM runs ORDER BY started_at").fetchall()
    finally:
        con.close()
    return {r[0]: tuple(r[1:]) for r in rows}, lineage, runs


def test_a_run_killed_mid_load_leaves_whole_documents_and_the_next_run_completes(
        tmp_path, raw_dir, warehouse, prefect_api_url):
    from tests.conftest import esg_env, finish, start_esg, wait_for_stderr, write_small_reports

    names = write_small_reports(raw_dir, 40)  # two batches: the second runs while the first loads
    expected = _expected_counts(raw_dir, names)
    victim = names[30]  # in the second batch (25 documents each), committed whole or not at all
    run = start_esg("run", "--raw", str(raw_dir), "--warehouse", str(warehouse), cwd=tmp_path,
                    env=esg_env(prefect_api_url, ESG_TEST_STALL_BEFORE_COMMIT=victim))
    try:
        wait_for_stderr(run, f"holding the transaction of {victim}")
    finally:
        os.killpg(run.pid, signal.SIGKILL)  # the run and every process it started
        run.wait(timeout=30)
    assert run.returncode == -signal.SIGKILL

    loaded, lineage, runs = _loaded_counts(warehouse)
    assert sorted(loaded) == names[:25]  # the whole first batch; nothing of the victim's batch
    assert loaded == {name: expected[name] for name in names[:25]}  # each one whole
    assert set(lineage.values()) == {0}, lineage
    assert [status for _, status, _ in runs] == ["running"]  # killed: nobody could say otherwise

    again = start_esg("run", "--raw", str(raw_dir), "--warehouse", str(warehouse), cwd=tmp_path,
                      env=esg_env(prefect_api_url))
    code, out, err = finish(again)
    assert code == 0, err
    assert "15 loaded, 25 unchanged, 0 rejected" in out
    loaded, lineage, runs = _loaded_counts(warehouse)
    assert loaded == expected and set(lineage.values()) == {0}
    assert [(status, message) for _, status, message in runs] == [
        ("failed", "did not finish: the process was killed or crashed"), ("completed", None)]


def test_two_runs_at_once_one_waits_one_is_told_and_the_warehouse_is_intact(
        tmp_path, raw_dir, warehouse, prefect_api_url):
    from tests.conftest import esg_env, finish, start_esg, wait_for_stderr, write_small_reports

    names = write_small_reports(raw_dir, 8)
    release = tmp_path / "release"
    args = ("run", "--raw", str(raw_dir), "--warehouse", str(warehouse))
    first = start_esg(*args, cwd=tmp_path, env=esg_env(
        prefect_api_url, ESG_TEST_STALL_BEFORE_COMMIT=names[3], ESG_TEST_STALL_RELEASE=str(release)))
    try:
        wait_for_stderr(first, f"holding the transaction of {names[3]}")
        impatient = start_esg(*args, cwd=tmp_path, env=esg_env(prefect_api_url))
        patient = start_esg(*args, "--wait", "240", cwd=tmp_path, env=esg_env(prefect_api_url))
        code, out, err = finish(impatient)
        assert code == 1 and out == ""
        (line,) = err.strip().splitlines()  # names the holder: its PID and command line
        assert line.startswith(f"esg run: error: {warehouse}: the warehouse is in use by PID {first.pid} (esg run --raw ")
        assert line.endswith("); wait for it to finish, pass --wait SECONDS, or use another --warehouse")
        wait_for_stderr(patient, rf"in use by PID {first.pid} \(esg run .*; waiting up to 240 s")
    finally:
        release.touch()
    code, out, err = finish(first)
    assert code == 0 and "8 loaded, 0 unchanged" in out, err
    code, out, err = finish(patient)
    assert code == 0 and "0 loaded, 8 unchanged" in out, err
    loaded, lineage, runs = _loaded_counts(warehouse)
    assert loaded == _expected_counts(raw_dir, names) and set(lineage.values()) == {0}
    assert [status for _, status, _ in runs] == ["completed", "completed"]


def test_missing_values_load_as_null_not_nan(warehouse):
    con = load.connect(warehouse)
    doc = _doc("a.txt", "Sub header: S\nWe gave 300 meals.\n")
    figures = doc.tables["figures"]
    assert figures["value_high"].isna().all() and figures["year"].isna().all() and figures["entity"].isna().all()
    load.load_document(con, doc, "run-1")
    assert con.execute("SELECT value_high IS NULL, year IS NULL, entity IS NULL, isnan(value) FROM figures"
                       ).fetchall() == [(True, True, True, False)]
    assert con.execute("SELECT title IS NULL, title_char_start IS NULL FROM sections").fetchall() == [(False, False)]


def _row_groups(con, table: str) -> list[int]:
    """Rows in each row group of table, as stored (deleted rows included)."""
    return con.execute(f"""
        SELECT coalesce(list(rows ORDER BY row_group_id), []) FROM (
            SELECT row_group_id, sum(count) AS rows FROM pragma_storage_info('{table}')
            WHERE column_name = 'document_id' AND segment_type = 'VARCHAR' GROUP BY row_group_id)""").fetchone()[0]


def test_a_checkpoint_writes_only_what_is_new_never_merging_row_groups(warehouse):
    """The writer's DuckDB never merges (rewrites) row groups earlier checkpoints wrote: that
    rewrote every document's text again as the warehouse doubled (WRITER_CONFIG). A reloaded
    document's old row group, all deleted, is still dropped; and so after reopening the file."""
    con = load.connect(warehouse)
    assert con.execute("SELECT current_setting('max_vacuum_tasks')").fetchone()[0] == 0
    for i in range(4):
        load.load_document(con, _doc(f"{i}.txt", f"Sub header: S\nWe gave {300 + i} meals.\n"), "run-1")
        con.execute("CHECKPOINT")
    assert _row_groups(con, "documents") == [1, 1, 1, 1]  # DuckDB's default merges them into one
    load.load_document(con, _doc("0.txt", "Sub header: S\nWe gave 999 meals.\n", "run-2"), "run-2")
    con.execute("CHECKPOINT")
    assert _row_groups(con, "documents") == [1, 1, 1, 1]
    assert _counts(con)["documents"] == 4
    con.close()
    con = load.connect(warehouse)
    load.load_document(con, _doc("4.txt", "Sub header: S\nWe gave 5 meals.\n"), "run-3")
    con.close()
    con = load.connect(warehouse, read_only=True)
    assert _row_groups(con, "documents") == [1, 1, 1, 1, 1]
    assert con.execute("SELECT count(*), count(DISTINCT document_id) FROM documents").fetchone() == (5, 5)


def test_version_1_warehouse_gains_code_version_and_its_documents_are_processed_again(warehouse):
    from flows.version import CODE_VERSION

    con = load.connect(warehouse)
    load.load_document(con, _doc("a.txt", "Sub header: S\nWe gave 300 meals.\n"), "run-1")
    assert load.known_documents(con, CODE_VERSION).keys() == {"a.txt"}
    for column in ("code_version", "format", "n_pages", "reporting_entity", "report_title", "reporting_period",
                   "source_url", "info_origin", "info_override"):  # as version 1 wrote it
        con.execute(f"ALTER TABLE documents DROP COLUMN {column}")
    for table, column in (("sections", "level"), ("sections", "parent_section_id"), ("sections", "page_number"),
                          ("paragraphs", "page_number"), ("figures", "page_number"), ("figures", "is_target"),
                          ("figures", "table_id"), ("figures", "row_index"), ("figures", "col_index"),
                          ("figures", "row_label"), ("figures", "col_label"), ("figures", "unit_source"),
                          ("figures", "unit_source_char_start"), ("figures", "unit_source_char_end")):
        con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    con.execute("DROP TABLE pages")
    con.execute("DROP TABLE main.tables")
    con.execute("UPDATE schema_info SET value = '1'")
    con.close()
    told = []
    con = load.connect(warehouse, notify=told.append)
    assert "documents: added code_version" in told[0]
    assert con.execute("SELECT source_path, code_version FROM documents").fetchall() == [("a.txt", "")]
    assert load.known_documents(con).keys() == {"a.txt"}
    assert load.known_documents(con, CODE_VERSION) == {}  # made by an unknown version: processed again


def test_a_failure_that_ends_the_transaction_itself_is_the_error_raised(warehouse, monkeypatch):
    """On a full disk DuckDB ends the transaction itself; the ROLLBACK after it must not replace
    "No space left on device" with "cannot rollback - no transaction is active"."""
    con = load.connect(warehouse)
    load.load_document(con, _doc("a.txt", "Sub header: S\nWe gave 300 meals.\n"), "run-1")
    original = load._append

    def disk_full_on_figures(con_, table, rows):
        if table == "figures":
            con_.execute("ROLLBACK")  # as DuckDB does when a write fails
            raise duckdb.IOException('IO Error: Could not write file "esg.duckdb.wal": No space left on device')
        original(con_, table, rows)

    monkeypatch.setattr(load, "_append", disk_full_on_figures)
    with pytest.raises(duckdb.IOException, match="No space left on device"):
        load.load_document(con, _doc("a.txt", "Sub header: S\nWe gave 999 meals.\n", "run-2"), "run-2")
    assert con.execute("SELECT surface FROM figures").fetchall() == [("300",)]
    error = load.warehouse_fault(warehouse, duckdb.IOException("IO Error: write: No space left on device"))
    assert isinstance(error, load.DiskFull) and "free some space" in str(error)


@pytest.mark.parametrize("damage", ["truncate", "overwrite", "garbage"])
def test_a_damaged_warehouse_says_so_and_how_to_rebuild_it(warehouse, damage):
    con = load.connect(warehouse)
    load.load_document(con, _doc("a.txt", "Sub header: S\nWe gave 300 meals.\n"), "run-1")
    con.close()
    data = warehouse.read_bytes()
    damaged = {"truncate": data[:len(data) // 2], "garbage": os.urandom(100),
               "overwrite": data[:12288] + os.urandom(20 * 4096) + data[12288 + 20 * 4096:]}[damage]
    warehouse.write_bytes(damaged)
    for read_only in (True, False):
        with pytest.raises(load.WarehouseDamaged) as info:
            load.connect(warehouse, read_only=read_only)
        message = str(info.value)
        assert message.startswith(f"{warehouse}: the warehouse file is damaged (")
        assert message.endswith("it is derived from raw/, so delete it (or move it aside) and run `esg run` "
                                "to rebuild it")
    assert warehouse.read_bytes() == damaged  # left as it was, for the user to look at


def test_second_writer_fails_at_once_when_a_writer_holds_it(warehouse):
    """The readers' grace is for readers only: a run that holds the warehouse is reported without delay."""
    import subprocess
    import sys
    import textwrap
    import time

    load.connect(warehouse).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, time
        con = duckdb.connect({str(warehouse)!r}); print("locked", flush=True); time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(load.WarehouseBusy):
            load.connect(warehouse)
        assert time.monotonic() - started < load.READERS_GRACE_SECONDS / 2
    finally:
        holder.kill()
        holder.wait()


def test_a_writer_waits_for_readers_to_let_go(warehouse):
    """esg web, esg query and esg export hold the warehouse read-only for a moment; a run waits for them."""
    import subprocess
    import sys
    import textwrap

    load.connect(warehouse).close()
    reader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, time
        con = duckdb.connect({str(warehouse)!r}, read_only=True); print("reading", flush=True)
        time.sleep(2); con.close(); print("done", flush=True); time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "reading"
        with pytest.raises(duckdb.IOException, match="read-only mode"):  # held by a reader right now
            duckdb.connect(str(warehouse)).close()
        con = load.connect(warehouse)  # waits, then writes
        assert reader.stdout.readline().strip() == "done"
        con.execute("INSERT INTO schema_info VALUES ('written', 'yes')")
        con.close()
    finally:
        reader.kill()
        reader.wait()


def test_every_table_and_column_carries_its_description_in_duckdb(warehouse):
    """COMMENT ON from the same source as the README's table reference, set when the schema is made
    and mended when a description changed."""
    from flows.docs import table_descriptions

    load.connect(warehouse).close()
    described = table_descriptions()
    con = duckdb.connect(str(warehouse))
    tables = dict(con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main'").fetchall())
    assert tables == {t: about for t, (about, _) in described.items()}
    columns = {(t, c): comment for t, c, comment in con.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'main' "
        "AND table_name IN (SELECT table_name FROM duckdb_tables())").fetchall()}
    assert columns == {(t, c): d for t, (_, cols) in described.items() for c, d in cols.items()}
    assert columns[("facts", "year")].startswith("The year most mentions state")
    con.execute("COMMENT ON COLUMN facts.year IS 'stale'")
    con.execute("COMMENT ON TABLE facts IS NULL")
    con.close()
    con = load.connect(warehouse)
    assert con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 'facts' AND column_name = 'year'"
                       ).fetchone()[0] == described["facts"][1]["year"]
    assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'facts'").fetchone()[0] == described["facts"][0]


def test_a_batch_larger_than_the_writers_memory_limit_loads_under_the_limit_it_is_given(warehouse):
    """The flow's writer runs DuckDB under a small memory limit (WRITER_MEMORY); a batch of very
    large documents gets twice its rows' bytes (writer_memory), without which it cannot commit.
    Here scaled down: a 32 MiB floor and six documents of 8 MB text."""
    import pyarrow as pa

    from flows.pipeline import writer_memory

    docs = [_doc(f"{i}.txt", f"Sub header: S\nWe gave {300 + i} meals.\n") for i in range(6)]
    batch = load.batch_of(docs)
    documents = batch.tables["documents"]
    big = [str(i) * 8_000_000 for i in range(6)]
    batch.tables["documents"] = documents.set_column(
        documents.schema.get_field_index("text"), "text", pa.array(big, pa.large_string()))
    floor = 32 * 2**20
    assert writer_memory(load.batch_of(docs[:1]), floor) == floor
    limit = writer_memory(batch, floor)
    assert limit > 2 * 48_000_000
    con = load.connect(warehouse)
    con.execute("SET threads = 1")
    con.execute(f"SET memory_limit = '{floor // 2**20}MiB'")
    with pytest.raises(duckdb.Error, match="failed to pin block"):  # and DuckDB gives up on the database
        load.load_batch(con, batch, "run-1")
    con.close()
    con = load.connect(warehouse)
    assert _counts(con)["documents"] == 0  # nothing of the batch
    con.execute("SET threads = 1")
    con.execute(f"SET memory_limit = '{-(-limit // 2**20)}MiB'")
    assert load.load_batch(con, batch, "run-1")["documents"] == 6
    assert con.execute("SELECT sum(length(text)) FROM documents").fetchone()[0] == 48_000_000
