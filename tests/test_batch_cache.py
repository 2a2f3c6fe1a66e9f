"""batch_cache: processed batches by content, for one code version; pruned of what cannot be used."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

from flows.batch_cache import EXPIRES_AFTER, BatchCache, batch_key
from flows.document import ReportInfo


def _file(path, sha, company=None):
    return SimpleNamespace(source_path=path, sha256=sha, info=ReportInfo(reporting_entity=company))


def test_the_key_is_the_files_content_and_the_code_version():
    files = [_file("a.txt", "1" * 64), _file("b.txt", "2" * 64)]
    key = batch_key("v1", files)
    assert key == batch_key("v1", [_file("a.txt", "1" * 64), _file("b.txt", "2" * 64)])
    assert key != batch_key("v2", files)  # other processing code
    assert key != batch_key("v1", [_file("a.txt", "3" * 64), files[1]])  # other content
    assert key != batch_key("v1", [_file("c.txt", "1" * 64), files[1]])  # another name
    assert key != batch_key("v1", [_file("a.txt", "1" * 64, "Acme plc"), files[1]])  # a sidecar says more
    assert key != batch_key("v1", files[:1])


def test_an_entry_is_kept_whole_and_read_back(tmp_path):
    cache = BatchCache(tmp_path / "cache", "v1")
    assert cache.get("k") is None
    cache.put("k", b"blob")
    assert cache.get("k") == b"blob"
    assert [p.name for p in (tmp_path / "cache" / "v1").iterdir()] == ["k.batch"]  # no temporary left
    assert cache.size() == (1, 4)
    cache.discard("k")
    assert cache.get("k") is None


def test_a_cache_that_cannot_be_written_is_passed_over(tmp_path):
    (tmp_path / "cache").write_text("a file where the folder should be")
    cache = BatchCache(tmp_path / "cache", "v1")
    cache.put("k", b"blob")
    assert cache.get("k") is None


def test_prune_keeps_only_what_this_code_can_use(tmp_path):
    folder = tmp_path / "cache"
    old_version, current = BatchCache(folder, "v0"), BatchCache(folder, "v1")
    old_version.put("k", b"x" * 100)
    current.put("fresh", b"y" * 10)
    current.put("unused", b"z" * 10)
    (folder / "process-batch-0123abcd").write_bytes(b"a Prefect result of an older esg-pipeline")
    (folder / "v1" / ".died.batch.123").write_bytes(b"half written")
    week_ago = time.time() - EXPIRES_AFTER - 60
    os.utime(folder / "v1" / "unused.batch", (week_ago, week_ago))
    os.utime(folder / "v1" / ".died.batch.123", (week_ago, week_ago))
    assert current.get("fresh") == b"y" * 10
    files, size = current.prune()
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == ["v1", "v1/fresh.batch"]
    assert files == 4 and size == 100 + 10 + len(b"a Prefect result of an older esg-pipeline") + len(b"half written")


def test_a_file_rejected_whole_is_remembered_as_it_was_and_pruned_like_a_batch(tmp_path):
    cache = BatchCache(tmp_path / "cache", "v1")
    scan = _file("scan.pdf", "1" * 64)
    rows = [{"rejection_id": "r1", "source_path": "scan.pdf", "check": "no_text_layer", "run_id": "run-1"}]
    assert cache.rejected(scan) is None
    cache.remember_rejected(scan, rows)
    assert cache.rejected(_file("scan.pdf", "1" * 64)) == rows
    assert cache.rejected(_file("scan.pdf", "2" * 64)) is None  # changed since
    assert cache.rejected(_file("other.pdf", "1" * 64)) is None  # another name
    assert cache.rejected(_file("scan.pdf", "1" * 64, "Acme plc")) is None  # a sidecar says more
    assert BatchCache(tmp_path / "cache", "v2").rejected(scan) is None  # other processing code
    (marker,) = (tmp_path / "cache" / "v1").glob("*.rejected")
    assert cache.prune() == (0, 0)  # used: kept
    week_ago = time.time() - EXPIRES_AFTER - 60
    os.utime(marker, (week_ago, week_ago))
    assert cache.prune()[0] == 1 and cache.rejected(scan) is None
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("not json")  # damaged: as if absent
    assert cache.rejected(scan) is None
    marker.write_text("[]")  # a note of no rejections is no note
    assert cache.rejected(scan) is None
    cache.remember_rejected(scan, [{**rows[0], "char_start": object()}])  # not JSON: written as text, no error
    assert cache.rejected(scan)[0]["rejection_id"] == "r1"
