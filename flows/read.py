"""Scan raw/: list the report files, hash them, and decide what a run must do with each.

What is unchanged is decided here, before any work fans out: a file whose path, content sha256
and sidecar/manifest information match what the warehouse holds is skipped. The rest are handed
on as ``ChangedFile``s (sha256, format sniffed from the content, where to read it) or rejected
with a typed error saying why. The scan holds one file's bytes at a time: it hashes each file as
it lists raw/ and keeps no bytes, so its memory does not grow with raw/. A changed file's bytes
are read again when its batch is sent to be processed (``read_source``), and checked against the
sha256 the scan decided on. Reading a file into a Document happens later, where documents are
processed.

A user may say whose report a file is and which period it covers, overriding what the pipeline
reads from the file: a sidecar ``raw/<file name>.meta.json`` (or ``raw/<stem>.meta.json``) such as
``{"company": "Shell plc", "period": "2023", "title": "...", "source_url": "https://..."}``, or
one ``raw/manifest.csv`` with a header ``file,company,period,source_url`` (and optionally
``title``), one row per file (paths relative to raw/). Neither is a report itself.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from flows.document import (  # noqa: F401 (the errors are part of this step's interface)
    BinaryReport,
    DuplicateReport,
    INFO_FIELDS,
    EmptyReport,
    NotUTF8,
    ReportError,
    ReportInfo,
    TooLarge,
    UnsupportedFormat,
)
from flows import listing
from flows.readers import SourceFile, sniff_format

MANIFEST = "manifest.csv"
SIDECAR_SUFFIX = ".meta.json"
# sidecar / manifest key -> ReportInfo field
INFO_KEYS = {"company": "reporting_entity", "reporting_entity": "reporting_entity", "entity": "reporting_entity",
             "period": "reporting_period", "reporting_period": "reporting_period",
             "title": "report_title", "report_title": "report_title",
             "source_url": "source_url", "url": "source_url"}


class BadMetadata(ReportError):
    check = "bad_metadata"


class ChangedDuringRun(ReportError):
    check = "changed_during_run"


def document_id_for(sha256: str) -> str:
    """Stable document id: the first 16 hex digits of the content sha256."""
    return sha256[:16]


def is_metadata_file(relative: str) -> bool:
    """raw/manifest.csv and sidecar *.meta.json files describe reports; they are not reports."""
    return relative == MANIFEST or relative.endswith(SIDECAR_SUFFIX)


def list_reports(raw_dir: Path, *, follow_links: bool = False) -> listing.Listing:
    """Every report file under raw_dir (recursively; hidden names, raw/manifest.csv and sidecars
    skipped) in a stable order, and every name that cannot be one with why (see flows/listing.py)."""
    found = listing.list_raw(raw_dir, follow_links=follow_links)
    found.files = [f for f in found.files if not is_metadata_file(f.source_path)]
    return found


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _too_large(source_path: str, size: int, max_bytes: int) -> TooLarge:
    return TooLarge(source_path, f"{size:,} bytes is over the {max_bytes:,}-byte limit; "
                                 "split the report or raise the limit with --max-bytes")


def source_file(source_path: str, data: bytes, max_bytes: int, info: ReportInfo | None = None) -> SourceFile:
    """A file's bytes as a SourceFile (its format sniffed); raise a ReportError naming what is wrong."""
    if len(data) > max_bytes:
        raise _too_large(source_path, len(data), max_bytes)
    return SourceFile(source_path, sha256_bytes(data), data, sniff_format(source_path, data), info or ReportInfo())


def _info_from(values: dict, origin: str, where: str) -> ReportInfo:
    fields: dict[str, str] = {}
    for key, value in values.items():
        name = INFO_KEYS.get(str(key).strip().lower())
        if name and value is not None and str(value).strip():
            fields[name] = str(value).strip()
        elif name is None and key not in ("file", "path", "notes", "note", ""):
            raise BadMetadata(where, f"unknown key {key!r}; use company, period, title or source_url")
    return ReportInfo(**fields, origin={name: origin for name in fields})


def read_report_infos(raw_dir: Path) -> tuple[dict[str, ReportInfo], list[ReportError]]:
    """What raw/manifest.csv and the sidecars say, per report path; and the metadata files that are broken.

    A sidecar wins over the manifest, field by field.
    """
    infos: dict[str, ReportInfo] = {}
    errors: list[ReportError] = []
    manifest = raw_dir / MANIFEST
    if manifest.is_file():
        try:
            rows = list(csv.DictReader(io.StringIO(manifest.read_text(encoding="utf-8-sig"))))
            for line, row in enumerate(rows, start=2):
                name = (row.get("file") or row.get("path") or "").strip()
                if not name:
                    raise BadMetadata(MANIFEST, f"line {line} has no file; the header must be file,company,period,source_url")
                infos[name] = _info_from(row, "manifest", f"{MANIFEST} line {line}")
        except (OSError, UnicodeDecodeError, csv.Error) as err:
            errors.append(BadMetadata(MANIFEST, f"cannot be read ({err}); save it as UTF-8 CSV with a header "
                                                "file,company,period,source_url"))
        except BadMetadata as err:
            errors.append(err)
    for sidecar in sorted(raw_dir.rglob("*" + SIDECAR_SUFFIX)):
        relative = sidecar.relative_to(raw_dir).as_posix()
        if any(part.startswith(".") for part in sidecar.relative_to(raw_dir).parts):
            continue
        try:
            values = json.loads(sidecar.read_text(encoding="utf-8-sig"))
            if not isinstance(values, dict):
                raise ValueError("it is not a JSON object")
            info = _info_from(values, "sidecar", relative)
        except (OSError, UnicodeDecodeError, ValueError) as err:
            errors.append(BadMetadata(relative, f"not a valid sidecar ({err}); write a JSON object such as "
                                                '{"company": "Acme plc", "period": "FY2023"}'))
            continue
        except BadMetadata as err:
            errors.append(err)
            continue
        stem = relative[: -len(SIDECAR_SUFFIX)]
        for target in (stem, *(stem + suffix for suffix in (".pdf", ".html", ".htm", ".md", ".txt"))):
            base = infos.get(target, ReportInfo())
            merged = {name: getattr(info, name) or getattr(base, name) for name in INFO_FIELDS}
            origin = {**base.origin, **info.origin}
            infos[target] = ReportInfo(**merged, origin={k: v for k, v in origin.items() if merged.get(k)})
    return infos, errors


@dataclass(frozen=True)
class ChangedFile:
    """A new or changed file in raw/ to process: what the scan read (its sha256 and format) and
    where to read it again (read_source). Holds no bytes."""

    source_path: str
    sha256: str
    format: str
    info: ReportInfo
    raw_file: listing.RawFile
    size: int

    @property
    def document_id(self) -> str:
        return document_id_for(self.sha256)


def read_source(changed: ChangedFile, max_bytes: int) -> SourceFile:
    """The bytes of a changed file, as the scan decided on them, ready to process; a ReportError
    if the file cannot be read now, or ChangedDuringRun if its content is no longer what the scan
    hashed (the next run loads it)."""
    source_path = changed.source_path
    try:
        with listing.open_report(changed.raw_file) as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > max_bytes:
                raise _too_large(source_path, size, max_bytes)
            data = fh.read()
    except (ReportError, listing.ReportError) as err:
        err.document_id = changed.document_id
        raise
    except OSError as err:
        raise ReportError(source_path, f"cannot read the file ({err.strerror}); check its permissions",
                          changed.document_id) from None
    if sha256_bytes(data) != changed.sha256:
        raise ChangedDuringRun(source_path, "the file changed while this run read raw/, so it was not loaded "
                                            "now; the next run loads it (its earlier rows, if any, are kept)",
                               changed.document_id)
    return SourceFile(source_path, changed.sha256, data, changed.format, changed.info)


@dataclass
class Scan:
    """What a run will do with each file in raw/, decided before any work fans out."""

    files: list[str]
    unchanged: list[str]  # document ids of files already loaded with the same content
    sources: list[ChangedFile]  # new or changed files, to read (read_source) and process
    rejected: list[ReportError]  # files that cannot be loaded, with why
    complete: bool = True  # False when the scan stopped at the first changed file (stop_when_changed)
    # changed files that processing rejected before, as they are now, with those rejections
    # (rejected_before); not in sources
    settled: list[tuple[ChangedFile, list[dict]]] = field(default_factory=list)


def scan_raw(raw_dir: Path, known: dict[str, tuple[str, str, str | None]], max_bytes: int, *,
             follow_links: bool = False, stop_when_changed: bool = False,
             on_file=None, rejected_before=None) -> Scan:
    """Read every file in raw_dir and sort it: unchanged (skip), to process, or rejected.

    known maps source_path -> (document_id, sha256, info_override JSON) of what the warehouse
    holds. Two files with the same content load once, under the path the warehouse already has
    for that content (else the first in name order); the other is rejected as a duplicate naming it. Links that leave
    raw_dir are rejected unless follow_links (flows/listing.py).

    With stop_when_changed, the scan stops at the first file to process (complete is then False):
    enough to tell that a run has work to do. on_file(done, total), if given, is called as files
    are read. rejected_before(changed), if given, returns the rejections processing gave that file
    as it is now (flows/batch_cache.py), or None: such a file goes to settled, not sources.
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"{raw_dir}: no such directory; create it and drop report files in it")
    scan = Scan(files=[], unchanged=[], sources=[], rejected=[])
    infos, scan.rejected = read_report_infos(raw_dir)
    seen: dict[str, str] = {}  # sha256 -> source_path
    loaded_as = {entry[1]: path for path, entry in known.items()}
    found = list_reports(raw_dir, follow_links=follow_links)
    scan.files = found.names
    scan.rejected.extend(found.rejected)
    present = set(scan.files)
    for sha, path in loaded_as.items():
        if path in present:
            seen[sha] = path  # this content stays under the name it was loaded with
    for done, raw_file in enumerate(found.files, start=1):
        if on_file is not None:
            on_file(done, len(found.files))
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
        info = infos.get(source_path, ReportInfo())
        if source_path in known and known[source_path][1:] == (sha, info.given_json()):
            scan.unchanged.append(document_id_for(sha))
            continue
        try:
            file_format = sniff_format(source_path, data)
        except ReportError as err:
            err.document_id = document_id_for(sha)
            scan.rejected.append(err)
            continue
        changed = ChangedFile(source_path, sha, file_format, info, raw_file, len(data))
        rejections = rejected_before(changed) if rejected_before is not None else None
        if rejections is not None:
            scan.settled.append((changed, rejections))
            continue
        scan.sources.append(changed)
        if stop_when_changed:
            scan.complete = False
            break
    return scan
