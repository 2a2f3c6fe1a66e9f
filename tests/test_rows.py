"""rows: a processed batch travels as one compact blob and comes back the same."""

from __future__ import annotations

import pytest

from flows.process import process_files
from flows.read import source_file
from flows.rows import DATA_TABLES, BadBlob, arrow_schema, decode_batch, encode_batch


def _batch():
    sources = [source_file("a.txt", b"Sub header: S\nWe gave 300 meals to 12 schools in 2023.\n", 10**6),
               source_file("b.txt", b"Sub header: T\nWe planted 40 trees.\n", 10**6)]
    return process_files(sources, "run-1")


def test_a_batch_comes_back_from_its_blob_table_for_table():
    batch = _batch()
    batch.seconds, batch.worker = {"parse_extract": 0.5}, "host:1"
    back = decode_batch(encode_batch(batch))
    assert back.files == batch.files and back.rejections == batch.rejections
    assert (back.seconds, back.worker) == ({"parse_extract": 0.5}, "host:1")
    assert set(back.tables) == set(DATA_TABLES)
    for table in DATA_TABLES:
        assert back.tables[table].equals(batch.tables[table]), table
        assert back.tables[table].schema.equals(arrow_schema(table)), table
    assert sorted(back.tables["figures"].column("surface").to_pylist()) == ["12", "300", "40"]
    assert back.loaded_ids == {f.document_id for f in batch.files}


def test_the_blob_of_a_report_is_compressed(shipped_text):
    batch = process_files([source_file("r.txt", shipped_text.encode(), 10**6)], "run-1")
    raw_bytes = sum(t.nbytes for t in batch.tables.values())
    assert raw_bytes > len(shipped_text) and len(encode_batch(batch)) < raw_bytes / 3


@pytest.mark.parametrize("blob", [b"", b"\x00" * 8 + b"not zstd", b"garbage that is not a batch at all"])
def test_a_blob_that_is_not_a_batch_says_so(blob):
    with pytest.raises(BadBlob, match="not a processed batch"):
        decode_batch(blob)


def test_a_blob_of_another_format_is_refused(monkeypatch):
    from flows import rows

    monkeypatch.setattr(rows, "BLOB_FORMAT", 0)
    blob = encode_batch(_batch())
    monkeypatch.setattr(rows, "BLOB_FORMAT", 1)
    with pytest.raises(BadBlob, match="blob format 0"):
        decode_batch(blob)
