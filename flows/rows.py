"""The rows of processed documents, as the processing step hands them to the loading step.

Its own module so that loading (flows/load.py) never imports the processing code.

A batch of documents travels as one ``ProcessedBatch``: one Arrow table per data table for the
whole batch (what DuckDB appends in one statement per table), its rejections, and which files
it holds. ``encode_batch`` turns it into one compact blob (Arrow IPC inside a pickle, compressed
with zstd as a whole: documents of one batch share much of their wording) that is what a worker
sends back and what the processing cache keeps; ``decode_batch`` reads it back.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd
import pyarrow as pa

from schemas import TABLES

# The tables a document's rows go to, in load order (delete in reverse).
DATA_TABLES = ("documents", "sections", "pages", "paragraphs", "tables", "figures", "facts", "fact_mentions",
               "findings", "finding_figures", "citations")

BLOB_FORMAT = 1  # bump when the blob's layout changes: an older blob is then not read
_CODEC = "zstd"
_LEVEL = 1  # fast; level 3 saves a fifth more and costs twice the time


@dataclass
class ProcessedDocument:
    """Validated rows of one document, ready to load, and what was rejected on the way."""

    source_path: str
    document_id: str
    sha256: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    rejections: list[dict] = field(default_factory=list)


class ProcessedFile(NamedTuple):
    """A file of a batch: whether it loads is whether the batch's documents table holds its row."""

    source_path: str
    document_id: str
    sha256: str


@dataclass
class ProcessedBatch:
    """Validated rows of a batch of documents, ready to load in one transaction.

    tables hold only the rows of documents that load (whose own row passed validation); every
    file of the batch is in files, and what was rejected on the way (whole files or rows) in
    rejections. seconds and worker say where and how long it was processed.
    """

    files: list[ProcessedFile]
    tables: dict[str, pa.Table]
    rejections: list[dict] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    worker: str = ""
    code_version: str = ""  # of the code that processed it ("" in a blob from before this field)

    @property
    def loaded_ids(self) -> set[str]:
        """The ids of the documents of this batch that load."""
        documents = self.tables.get("documents")
        return set(documents.column("document_id").to_pylist()) if documents is not None else set()

    def rows(self, table: str) -> int:
        return self.tables[table].num_rows if table in self.tables else 0


_COLUMNS: dict[str, list[str]] = {}


def columns(table: str) -> list[str]:
    """A table's columns, in schema order."""
    if table not in _COLUMNS:
        _COLUMNS[table] = list(TABLES[table][0].to_schema().columns)
    return _COLUMNS[table]


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """rows as a DataFrame with the table's columns, in schema order (a missing key: null).

    Built column by column: pandas reads a list of dicts far slower (0.5 s for 100 documents'
    rows, whose full texts it scans), into the same frame.
    """
    names = columns(table)
    if not rows:
        return pd.DataFrame(rows, columns=names)
    return pd.DataFrame({name: [row.get(name) for row in rows] for name in names}, columns=names)


def _arrow_type(dtype) -> pa.DataType:
    name = str(dtype).lower()
    if "int" in name:
        return pa.int64()
    if "float" in name:
        return pa.float64()
    if "datetime" in name:
        return pa.timestamp("us")
    if "bool" in name:
        return pa.bool_()
    return pa.large_string()


_SCHEMAS: dict[str, pa.Schema] = {}


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of a table's rows, from its pandera model (the warehouse's types)."""
    if table not in _SCHEMAS:
        columns = TABLES[table][0].to_schema().columns
        _SCHEMAS[table] = pa.schema([(name, _arrow_type(column.dtype)) for name, column in columns.items()])
    return _SCHEMAS[table]


def to_arrow(table: str, df: pd.DataFrame) -> pa.Table:
    """A validated DataFrame of a table as an Arrow table of the table's schema."""
    return pa.Table.from_pandas(df, schema=arrow_schema(table), preserve_index=False)


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def encode_batch(batch: ProcessedBatch) -> bytes:
    """batch as one compressed blob: what a worker sends back and the processing cache keeps."""
    payload = pickle.dumps({
        "format": BLOB_FORMAT, "files": [tuple(f) for f in batch.files], "rejections": batch.rejections,
        "seconds": batch.seconds, "worker": batch.worker, "code_version": batch.code_version,
        "tables": {name: _ipc(table) for name, table in batch.tables.items()},
    }, protocol=pickle.HIGHEST_PROTOCOL)
    compressed = pa.Codec(_CODEC, compression_level=_LEVEL).compress(payload, asbytes=True)
    return len(payload).to_bytes(8, "little") + compressed


class BadBlob(ValueError):
    """A blob that is not an encoded batch of this version (a cache entry of another one)."""


def decode_batch(blob: bytes) -> ProcessedBatch:
    """The batch encode_batch(batch) made blob from; BadBlob if it cannot be read."""
    try:
        size = int.from_bytes(blob[:8], "little")
        payload = pickle.loads(pa.Codec(_CODEC).decompress(blob[8:], decompressed_size=size, asbytes=True))
        if payload.get("format") != BLOB_FORMAT:
            raise BadBlob(f"blob format {payload.get('format')!r}, not {BLOB_FORMAT}")
        tables = {name: pa.ipc.open_stream(data).read_all() for name, data in payload["tables"].items()}
        return ProcessedBatch([ProcessedFile(*f) for f in payload["files"]], tables, payload["rejections"],
                              payload["seconds"], payload["worker"], payload.get("code_version", ""))
    except BadBlob:
        raise
    except Exception as err:  # truncated, from another version, not ours at all
        raise BadBlob(f"not a processed batch ({type(err).__name__}: {err})") from None
