"""query: read-only SQL with a time limit, a row limit, bounded memory, no spills and no writes."""

from __future__ import annotations

import pytest

from flows import load
from flows.process import process_sources
from flows.query import EmptyQuery, QueryFailed, QueryRefused, QueryTimeout, QueryTooBig, run_query
from flows.read import source_file


@pytest.fixture
def loaded(warehouse):
    con = load.connect(warehouse)
    (doc,) = process_sources([source_file("a.txt", b"Sub header: S\nWe gave 300 meals to 12 schools.\n", 10**6)],
                             "run-1")
    load.load_document(con, doc, "run-1")
    con.close()
    return warehouse


def test_a_query_returns_the_columns_and_rows_of_its_last_statement(loaded):
    result = run_query(loaded, "select 1 as one; select surface, value from figures order by value")
    assert result.columns == ["surface", "value"]
    assert result.rows == [("12", 12.0), ("300", 300.0)] and not result.truncated


def test_rows_past_max_rows_are_cut_and_the_result_says_so(loaded):
    result = run_query(loaded, "select * from range(10000000000000)", max_rows=5)
    assert result.rows == [(i,) for i in range(5)]
    assert result.truncated and result.cut_reason == "the result has more than 5 rows"
    exactly = run_query(loaded, "select * from range(5)", max_rows=5)
    assert len(exactly.rows) == 5 and not exactly.truncated


def test_rows_past_the_result_size_bound_are_cut(loaded):
    result = run_query(loaded, "select repeat('x', 1000) from range(100)", max_rows=0, max_result_bytes=10_000)
    assert len(result.rows) == 10 and result.truncated and "hold" in result.cut_reason


def test_a_query_past_its_time_limit_is_stopped_and_releases_the_warehouse(loaded):
    with pytest.raises(QueryTimeout, match=r"stopped after 1 s; allow it longer with --timeout SECONDS"):
        run_query(loaded, "select count(*) from range(10000000000000)", timeout_seconds=1)
    load.connect(loaded).close()  # a run can write it again


@pytest.mark.parametrize("sql", [
    "copy (select * from documents) to '{spill}/x.csv'",
    "copy (select * from documents) to '{spill}/x.parquet' (format parquet)",
    "export database '{spill}'",
    "export database '{spill}/dump'",
    "attach '{spill}/other.duckdb' as other",
    "select * from read_csv('/etc/passwd')",
    "install httpfs",
    "set memory_limit = '100GB'",
    "set temp_directory = '{spill}'",
    "reset lock_configuration",
    "delete from figures",
    "create table x as select 1",
])
def test_every_write_is_refused_even_into_the_spill_folder_when_it_exists(loaded, sql):
    spill = loaded.parent / (loaded.name + ".tmp")  # DuckDB's default temp folder for this file
    spill.mkdir()
    with pytest.raises(QueryRefused, match="refused: queries are read-only"):
        run_query(loaded, sql.format(spill=spill))
    assert list(spill.iterdir()) == []


def test_memory_is_bounded_and_nothing_spills_to_disk(loaded):
    with pytest.raises(QueryTooBig, match="needs more than 1GB of memory"):
        run_query(loaded, "select list(range) from range(400000000)")
    assert not (loaded.parent / (loaded.name + ".tmp")).exists()


@pytest.mark.parametrize("sql", ["", "   \n", "-- only a comment", ";", " ; ; "])
def test_no_statement_is_a_clear_error(loaded, sql):
    with pytest.raises(EmptyQuery, match="no SQL"):
        run_query(loaded, sql)


def test_bad_sql_says_what_duckdb_said_in_one_line(loaded):
    with pytest.raises(QueryFailed, match=r'^query failed: Binder Error: Referenced column "nope" not found') as info:
        run_query(loaded, "select nope from figures")
    assert "\n" not in str(info.value)
