"""The processing cache: processed batches kept by content in cache/ next to the warehouse.

A batch's key is its files (path, content sha256, what a sidecar or the manifest says) and the
version of the processing code (flows/version.py), never the run. Entries are the blobs workers
send back (flows/rows.py: Arrow tables, zstd-compressed), written by the flow, the warehouse's
single writer, whatever runs the processing (a local pool or a remote Dask cluster), in
``cache/<code version>/<key>.batch``.

It also remembers, file by file (``<key>.rejected``: the file's rejections as JSON), each file
that processing rejected whole (a scanned PDF, an encrypted one): such a file has no `documents`
row, so without this every later run would see it as a file to process and start the flow; with
it, a run where nothing else changed stays the cheap no-op run (flows/unchanged.py), which
records the file's rejections again.

It is only a speed-up: it pays off when a run died after processing (the re-run loads what was
processed) or a warehouse is rebuilt from raw/. Rows are stamped with the run that loads them,
loads are idempotent without it, and deleting cache/ is always safe. So it is kept small: after a
run, entries of other code versions (they can never be used again) and entries unused for
``EXPIRES_AFTER`` go (``prune``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

EXPIRES_AFTER = 7 * 24 * 3600.0  # seconds an entry is kept unused
SUFFIX = ".batch"
REJECTED_SUFFIX = ".rejected"


def batch_key(code_version: str, files: Iterable) -> str:
    """The cache key of a batch of files (each with source_path, sha256 and info), for this code."""
    digest = hashlib.sha256(code_version.encode())
    for f in files:
        digest.update(f"\0{f.source_path}\0{f.sha256}\0{f.info.given_json()}".encode())
    return digest.hexdigest()


class BatchCache:
    """Blobs of processed batches by key, for one version of the processing code."""

    def __init__(self, folder: Path, code_version: str):
        self.folder = Path(folder)
        self.code_version = code_version
        self.here = self.folder / code_version

    def _path(self, key: str) -> Path:
        return self.here / (key + SUFFIX)

    def _rejected_path(self, file) -> Path:
        return self.here / (batch_key(self.code_version, [file]) + REJECTED_SUFFIX)

    def get(self, key: str) -> bytes | None:
        """The blob kept for key, or None (marked used, so it does not expire)."""
        path = self._path(key)
        try:
            blob = path.read_bytes()
            os.utime(path)
        except OSError:
            return None
        return blob

    def put(self, key: str, blob: bytes) -> None:
        """Keep blob for key. A cache that cannot be written (a full disk, no permission) is
        passed over: it is only a speed-up, and the warehouse reports a full disk itself."""
        self._write(self._path(key), blob)

    def _write(self, path: Path, blob: bytes) -> None:
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        try:
            self.here.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(blob)
            os.replace(temporary, path)  # whole or absent, even if the run dies meanwhile
        except OSError:
            try:
                temporary.unlink(missing_ok=True)
            except OSError:
                pass

    def remember_rejected(self, file, rejections: list[dict]) -> None:
        """Note that processing rejected file (source_path, sha256, info) whole, with these rows."""
        try:
            blob = json.dumps(rejections, sort_keys=True, default=str).encode("utf-8")
        except (TypeError, ValueError):  # not worth failing a run that has loaded: no note
            return
        self._write(self._rejected_path(file), blob)

    def rejected(self, file) -> list[dict] | None:
        """The rejections processing gave file (this content, under this name and metadata, with
        this code), if it rejected it whole; else None (marked used, so it does not expire)."""
        path = self._rejected_path(file)
        try:
            rows = json.loads(path.read_bytes())
            os.utime(path)
        except (OSError, ValueError):
            return None
        whole = isinstance(rows, list) and rows and all(
            isinstance(r, dict) and isinstance(r.get("rejection_id"), str) and r.get("source_path") == file.source_path
            for r in rows)
        return rows if whole else None  # an empty or damaged note: as if absent

    def discard(self, key: str) -> None:
        """Forget an entry that cannot be read (another blob format, a damaged file)."""
        self._path(key).unlink(missing_ok=True)

    def prune(self, now: float | None = None) -> tuple[int, int]:
        """Remove what cannot or should no longer be used: other code versions' entries, anything
        else in the folder (e.g. results of an older esg-pipeline), temporary files of runs that
        died, and entries unused for EXPIRES_AFTER. Returns (files, bytes) removed."""
        now = time.time() if now is None else now
        removed = [0, 0]

        def drop(path: Path) -> None:
            try:
                files = [path] if not path.is_dir() else [p for p in path.rglob("*") if p.is_file()]
                size = sum(p.stat().st_size for p in files)
                shutil.rmtree(path) if path.is_dir() else path.unlink()
            except OSError:
                return
            removed[0] += len(files)
            removed[1] += size

        if not self.folder.is_dir():
            return (0, 0)
        for path in self.folder.iterdir():
            if path.name != self.code_version:
                drop(path)
        if self.here.is_dir():
            for path in self.here.iterdir():
                try:
                    kept = path.suffix in (SUFFIX, REJECTED_SUFFIX)
                    stale = now - path.stat().st_mtime > (EXPIRES_AFTER if kept else 3600)
                except OSError:
                    continue
                if stale or not (kept or path.name.startswith(".")):
                    drop(path)
        return removed[0], removed[1]

    def size(self) -> tuple[int, int]:
        """(entries, bytes) kept for this code version."""
        entries = list(self.here.glob("*" + SUFFIX)) if self.here.is_dir() else []
        return len(entries), sum(p.stat().st_size for p in entries)
