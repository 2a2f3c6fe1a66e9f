"""read: bad files get a typed error that names the file, the place and the fix."""

from __future__ import annotations

import pytest

from flows.read import BinaryReport, EmptyReport, NotUTF8, TooLarge, UnsupportedFormat, read_source, scan_raw, source_file
from flows.readers import decode_text


def test_utf8_with_bom_and_crlf_decodes():
    data = "\ufeffSub header: S\r\nText.\r\n".encode("utf-8")
    assert decode_text("a.txt", data).startswith("Sub header: S\r\n")
    assert len(source_file("a.txt", data, 1000).document_id) == 16


@pytest.mark.parametrize("data, error, words", [
    (b"", EmptyReport, "empty"),
    (b"  \n\n ", EmptyReport, "empty"),
    (b"PK\x03\x04\x00\x00binary", UnsupportedFormat, "a ZIP container"),
    (b"\x01\x02\x00\x00binary", BinaryReport, "NUL byte at byte 2"),
    ("Sub header: caf\u00e9".encode("latin-1"), NotUTF8, "byte 15 (line 1, 0xe9)"),
    (b"x" * 2000, TooLarge, "2,000 bytes"),
])
def test_bad_bytes_raise_a_clear_error(data, error, words):
    with pytest.raises(error) as info:
        source_file("raw/bad.txt", data, 1000)
    assert str(info.value).startswith("raw/bad.txt: ")
    assert words in str(info.value)


def test_scan_sorts_files_into_unchanged_changed_and_rejected(tmp_path):
    (tmp_path / "a.txt").write_text("Sub header: A\nText 1.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Sub header: B\nText 2.\n", encoding="utf-8")
    (tmp_path / "copy of a.txt").write_text("Sub header: A\nText 1.\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / ".hidden").write_text("ignored", encoding="utf-8")
    first = scan_raw(tmp_path, {}, 10**6)
    assert first.files == ["a.txt", "b.txt", "copy of a.txt", "empty.txt"]
    assert [r.source_path for r in first.sources] == ["a.txt", "b.txt"]
    assert {e.source_path: e.check for e in first.rejected} == {
        "copy of a.txt": "duplicate_content", "empty.txt": "empty_file"}
    known = {r.source_path: (r.document_id, r.sha256, None) for r in first.sources}
    second = scan_raw(tmp_path, known, 10**6)
    assert second.sources == [] and sorted(second.unchanged) == sorted(v[0] for v in known.values())


def test_scan_of_missing_dir_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such directory"):
        scan_raw(tmp_path / "nope", {}, 10)


def test_a_new_copy_of_a_loaded_file_does_not_take_its_place(tmp_path):
    (tmp_path / "b.txt").write_text("Sub header: B\nText 2.\n", encoding="utf-8")
    first = scan_raw(tmp_path, {}, 10**6)
    known = {r.source_path: (r.document_id, r.sha256, None) for r in first.sources}
    (tmp_path / "a_copy.txt").write_text("Sub header: B\nText 2.\n", encoding="utf-8")
    second = scan_raw(tmp_path, known, 10**6)
    assert second.sources == [] and len(second.unchanged) == 1
    assert [(e.source_path, e.check) for e in second.rejected] == [("a_copy.txt", "duplicate_content")]
    assert "same content as b.txt" in second.rejected[0].reason


def test_a_duplicate_names_the_document_it_duplicates(tmp_path):
    (tmp_path / "a.txt").write_text("Sub header: A\nText 1.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Sub header: A\nText 1.\n", encoding="utf-8")
    scan = scan_raw(tmp_path, {}, 10**6)
    (dup,) = scan.rejected
    assert dup.document_id == scan.sources[0].document_id


@pytest.mark.parametrize("name, data, fmt", [
    ("report.txt", b"Plain text report.\n", "txt"),
    ("report", b"Plain text report, no extension.\n", "txt"),
    ("report.md", b"Plain text in a .md file.\n", "md"),
    ("notes.txt", b"# Title\n\nText\n\n## Part\n\nMore\n", "md"),           # Markdown by its content
    ("page.txt", b"<!DOCTYPE html><html><body><p>Hi</p></body></html>", "html"),  # HTML by its content
    ("page.htm", b"<p>A fragment, named .htm</p>", "html"),
    ("report.bin", b"%PDF-1.7\n...", "pdf"),                                 # a PDF by its magic bytes
    ("utf16.txt", "\ufeffText from Windows.\r\n".encode("utf-16-le"), "txt"),
])
def test_formats_are_recognised_by_content(name, data, fmt):
    assert source_file(name, data, 10**6).format == fmt


@pytest.mark.parametrize("name, data, check, words", [
    ("deck.pptx", b"PK\x03\x04rest", "unsupported_format", "ZIP container"),
    ("scan.png", b"\x89PNG\r\n\x1a\nrest", "unsupported_format", "OCR it first"),
    ("data.csv", b"a,b\n1,2\n", "unsupported_format", ".csv files are not reports"),
    ("fake.pdf", b"Not really a PDF\n", "unsupported_format", "no %PDF- header"),
    ("bom.txt", b"\xef\xbb\xbf  \n", "empty_file", "empty"),
    ("bad16.txt", b"\xff\xfe\x00\xd8", "not_utf8", "UTF-16-LE byte-order mark"),
])
def test_what_is_not_a_report_is_rejected_with_its_reason(name, data, check, words):
    with pytest.raises(Exception) as info:
        from flows.readers import read_document
        read_document(source_file(name, data, 10**6))
    assert info.value.check == check and words in str(info.value) and str(info.value).startswith(name)


def test_a_file_name_that_is_not_utf8_is_rejected_with_its_name_escaped(tmp_path):
    (tmp_path / "a.txt").write_text("Sub header: A\nText 1.\n", encoding="utf-8")
    with open(bytes(tmp_path) + b"/zz\xff.txt", "wb") as fh:
        fh.write(b"Sub header: B\nText 2.\n")
    scan = scan_raw(tmp_path, {}, 10**6)
    assert [r.source_path for r in scan.sources] == ["a.txt"]
    ((source_path, check, reason),) = [(e.source_path, e.check, e.reason) for e in scan.rejected]
    assert (source_path, check) == ("zz\\xff.txt", "bad_file_name")
    assert "not valid UTF-8" in reason and "rename" in reason
    assert source_path.encode("utf-8")  # storable: no lone surrogates
    assert sorted(scan.files) == ["a.txt", "zz\\xff.txt"]


def _odd_tree(tmp_path):
    """raw/ with every kind of link and special file; returns (raw, the file outside raw/)."""
    import os

    raw, outside = tmp_path / "raw", tmp_path / "outside.txt"
    (raw / "sub").mkdir(parents=True)
    (raw / "locked").mkdir()
    outside.write_text("Sub header: Secret\nNot a report of ours: 42 tonnes.\n", encoding="utf-8")
    (raw / "a.txt").write_text("Sub header: A\nText 1.\n", encoding="utf-8")
    (raw / "sub" / "real.txt").write_text("Sub header: R\nText 2.\n", encoding="utf-8")
    (raw / "locked" / "hidden from us.txt").write_text("Sub header: L\nText 3.\n", encoding="utf-8")
    (raw / "p.txt").symlink_to(outside)                     # leaves raw/
    (raw / "to real.txt").symlink_to("sub/real.txt")        # stays inside raw/
    (raw / "loop.txt").symlink_to("loop.txt")               # a loop
    (raw / "dangling.txt").symlink_to("nowhere.txt")        # a dangling link
    (raw / "dirlink").symlink_to("sub")                     # a folder inside raw/
    (raw / "sub" / "back").symlink_to("..")                 # the folder it lies in
    os.mkfifo(raw / "fifo.txt")                             # would block a plain read forever
    return raw, outside


def _no_listing(monkeypatch, folder):
    """Make listing `folder` fail as it does for a user without permission (root reads anything)."""
    import os

    from flows import listing

    os.chmod(folder, 0)
    real_scandir = os.scandir

    def scandir(path):
        if os.fspath(path) == os.fspath(folder):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(listing.os, "scandir", scandir)


def test_links_loops_special_files_and_unreadable_folders_are_rejected_with_why(tmp_path, monkeypatch):
    raw, outside = _odd_tree(tmp_path)
    _no_listing(monkeypatch, raw / "locked")
    scan = scan_raw(raw, {}, 10**6)
    assert [r.source_path for r in scan.sources] == ["a.txt", "sub/real.txt"]
    checks = {e.source_path: e.check for e in scan.rejected}
    assert checks == {
        "p.txt": "link_outside_raw", "loop.txt": "link_loop", "dangling.txt": "dangling_link",
        "dirlink": "folder_link", "sub/back": "link_loop", "fifo.txt": "not_a_file",
        "locked/": "unreadable_folder", "to real.txt": "duplicate_content"}
    reasons = {e.source_path: e.reason for e in scan.rejected}
    assert str(outside) in reasons["p.txt"] and "--follow-links" in reasons["p.txt"]
    assert "nowhere.txt" in reasons["dangling.txt"] and "named pipe" in reasons["fifo.txt"]
    assert "chmod" in reasons["locked/"]
    assert sorted(scan.files) == sorted(["a.txt", "sub/real.txt"] + list(checks))


def test_follow_links_reads_links_out_of_raw_and_into_folders_but_never_loops(tmp_path, monkeypatch):
    raw, outside = _odd_tree(tmp_path)
    _no_listing(monkeypatch, raw / "locked")
    scan = scan_raw(raw, {}, 10**6, follow_links=True)
    # first in name order loads: dirlink/real.txt, and the real path is the duplicate
    assert [r.source_path for r in scan.sources] == ["a.txt", "dirlink/real.txt", "p.txt"]
    assert read_source(scan.sources[2], 10**6).data == outside.read_bytes()
    checks = {e.source_path: e.check for e in scan.rejected}
    assert checks["sub/back"] == "link_loop" and checks["dirlink/back"] == "link_loop"
    assert checks["sub/real.txt"] == checks["to real.txt"] == "duplicate_content"
    assert checks["loop.txt"] == "link_loop" and checks["fifo.txt"] == "not_a_file"


# --- the scan keeps no bytes; a changed file's bytes are read again when its batch is sent -----

def test_the_scan_keeps_hashes_not_bytes_and_its_files_are_read_again_as_they_were(tmp_path):
    from flows.read import sha256_bytes

    data = "Sub header: A\nWe gave 300 meals.\n".encode("utf-8")
    (tmp_path / "a.txt").write_bytes(data)
    (changed,) = scan_raw(tmp_path, {}, 10**6).sources
    assert not any(isinstance(v, bytes) for v in vars(changed).values())
    assert (changed.sha256, changed.format, changed.size) == (sha256_bytes(data), "txt", len(data))
    source = read_source(changed, 10**6)
    assert (source.source_path, source.sha256, source.data, source.format) == ("a.txt", changed.sha256, data, "txt")


def test_a_file_that_changes_after_the_scan_is_not_loaded_with_the_wrong_hash(tmp_path):
    from flows.read import ChangedDuringRun

    (tmp_path / "a.txt").write_text("Sub header: A\nWe gave 300 meals.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Sub header: B\nWe gave 40 meals.\n", encoding="utf-8")
    a, b = scan_raw(tmp_path, {}, 10**6).sources
    (tmp_path / "a.txt").write_text("Sub header: A\nWe gave 999 meals.\n", encoding="utf-8")
    (tmp_path / "b.txt").unlink()
    with pytest.raises(ChangedDuringRun) as changed:
        read_source(a, 10**6)
    assert changed.value.check == "changed_during_run" and changed.value.document_id == a.document_id
    assert "the next run loads it" in changed.value.reason
    with pytest.raises(Exception) as gone:
        read_source(b, 10**6)
    assert gone.value.source_path == "b.txt" and "cannot read the file" in gone.value.reason
    (tmp_path / "a.txt").write_bytes(b"x" * 2000)
    with pytest.raises(TooLarge):
        read_source(a, 1000)


def test_a_scan_told_to_stop_at_the_first_change_stops_there(tmp_path):
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(f"Sub header: {name}\nWe gave 300 meals.\n", encoding="utf-8")
    first = scan_raw(tmp_path, {}, 10**6)
    known = {r.source_path: (r.document_id, r.sha256, None) for r in first.sources}
    assert first.complete and len(first.sources) == 3
    (tmp_path / "b.txt").write_text("Sub header: B\nWe gave 301 meals.\n", encoding="utf-8")
    seen = []
    stopped = scan_raw(tmp_path, known, 10**6, stop_when_changed=True, on_file=lambda done, total: seen.append(done))
    assert not stopped.complete and [s.source_path for s in stopped.sources] == ["b.txt"]
    assert seen == [1, 2]  # c.txt was not read
    unchanged = scan_raw(tmp_path, {**known, "b.txt": (stopped.sources[0].document_id, stopped.sources[0].sha256, None)},
                         10**6, stop_when_changed=True)
    assert unchanged.complete and unchanged.sources == [] and len(unchanged.unchanged) == 3
