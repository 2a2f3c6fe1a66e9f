"""Read a report file from raw/: bytes in, decoded text out, or a typed error saying why not."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from flows import listing

REPORT_SUFFIXES = (".txt", ".md", ".text")


class ReportError(Exception):
    """A report that cannot be loaded; the message names the file, the cause and the fix."""

    check = "unreadable"

    def __init__(self, source_path: str, message: str, document_id: str | None = None):
        super().__init__(f"{source_path}: {message}")
        self.source_path = source_path
        self.reason = message
        self.document_id = document_id  # known when the file could be read


class EmptyReport(ReportError):
    check = "empty_file"


class BinaryReport(ReportError):
    check = "binary_file"


class NotUTF8(ReportError):
    check = "not_utf8"


class TooLarge(ReportError):
    check = "too_large"


@dataclass(frozen=True)
class Report:
    """A decoded report and the facts that identify it."""

    source_path: str
    sha256: str
    text: str

    @property
    def document_id(self) -> str:
        return document_id_for(self.sha256)


def document_id_for(sha256: str) -> str:
    """Stable document id: the first 16 hex digits of the content sha256."""
    return sha256[:16]


def list_reports(raw_dir: Path, *, follow_links: bool = False) -> listing.Listing:
    """Every report file under raw_dir (recursively), hidden files skipped, in a stable order,
    and every name that cannot be one with why (see flows/listing.py)."""
    return listing.list_raw(raw_dir, follow_links=follow_links)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _too_large(source_path: str, size: int, max_bytes: int) -> TooLarge:
    return TooLarge(source_path, f"{size:,} bytes is over the {max_bytes:,}-byte limit; "
                                 "split the report or raise the limit with --max-bytes")


def decode_report(source_path: str, data: bytes, max_bytes: int) -> Report:
    """Decode raw bytes as UTF-8 (a BOM is dropped); raise a ReportError naming what is wrong."""
    if len(data) > max_bytes:
        raise _too_large(source_path, len(data), max_bytes)
    if not data.strip():
        raise EmptyReport(source_path, "the file is empty (or only whitespace); add the report text or remove the file")
    if data.startswith(b"%PDF-"):
        raise BinaryReport(
            source_path,
            "a PDF, not text; extract its text first (e.g. `pdftotext -layout report.pdf report.txt`) "
            "and put the .txt in raw/",
        )
    nul = data.find(b"\x00")
    if nul != -1:
        raise BinaryReport(
            source_path,
            f"binary content (NUL byte at byte {nul:,}); export the report to plain UTF-8 text first",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise NotUTF8(
            source_path,
            f"not UTF-8 at byte {err.start:,} (line {line}, 0x{data[err.start]:02x}); "
            "re-save the file as UTF-8",
        ) from None
    return Report(source_path=source_path, sha256=sha256_bytes(data), text=text)


@dataclass
class Scan:
    """What a run will do with each file in raw/, decided before any work fans out."""

    files: list[str]
    unchanged: list[str]  # document ids of files already loaded with the same content
    reports: list[Report]  # new or changed files, decoded
    rejected: list[ReportError]  # files that cannot be loaded, with why


class DuplicateReport(ReportError):
    check = "duplicate_content"


def scan_raw(raw_dir: Path, known: dict[str, tuple[str, str]], max_bytes: int, *,
             follow_links: bool = False) -> Scan:
    """Read every file in raw_dir and sort it: unchanged (skip), to process, or rejected.

    known maps source_path -> (document_id, sha256) of what the warehouse holds. Two files with
    the same content load once, under the path the warehouse already has for that content (else
    the first in name order); the other is rejected as a duplicate naming it. Links that leave
    raw_dir are rejected unless follow_links (flows/listing.py).
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"{raw_dir}: no such directory; create it and drop report files in it")
    scan = Scan(files=[], unchanged=[], reports=[], rejected=[])
    seen: dict[str, str] = {}  # sha256 -> source_path
    loaded_as = {sha: path for path, (_, sha) in known.items()}
    found = list_reports(raw_dir, follow_links=follow_links)
    scan.files = found.names
    scan.rejected.extend(found.rejected)
    present = set(scan.files)
    for sha, path in loaded_as.items():
        if path in present:
            seen[sha] = path  # this content stays under the name it was loaded with
    for raw_file in found.files:
        source_path = raw_file.source_path
        try:
            with listing.open_report(raw_file) as fh:
                size = os.fstat(fh.fileno()).st_size
                if size > max_bytes:  # decided before reading a huge file into memory
                    raise _too_large(source_path, size, max_bytes)
                data = fh.read()
        except (ReportError, listing.ReportError) as err:
            scan.rejected.append(err)
            continue
        except OSError as err:
            scan.rejected.append(ReportError(source_path, f"cannot read the file ({err.strerror}); check its permissions"))
            continue
        sha = sha256_bytes(data)
        if sha in seen and seen[sha] != source_path:
            scan.rejected.append(DuplicateReport(
                source_path, f"same content as {seen[sha]} (sha256 {sha[:12]}…); loaded once, under {seen[sha]}",
                document_id_for(sha)))
            continue
        seen[sha] = source_path
        if known.get(source_path, (None, None))[1] == sha:
            scan.unchanged.append(document_id_for(sha))
            continue
        try:
            scan.reports.append(decode_report(source_path, data, max_bytes))
        except ReportError as err:
            scan.rejected.append(err)
    return scan
