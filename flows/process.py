"""Reports in, the rows of every table out: parse, extract, then validate (no I/O, no Prefect)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from flows.extract import extract_figures
from flows.parse import parse_document
from flows.read import Report
from flows.validate import check_lineage, rejection, validate_table
from flows.version import CODE_VERSION
from schemas import TABLES

DATA_TABLES = ("documents", "sections", "paragraphs", "figures")


@dataclass
class ProcessedDocument:
    """Validated rows of one document, ready to load, and what was rejected on the way."""

    source_path: str
    document_id: str
    sha256: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    rejections: list[dict] = field(default_factory=list)


def build_rows(report: Report, run_id: str) -> dict[str, list[dict]]:
    """The documents, sections, paragraphs and figures rows of one report, before validation."""
    text, doc_id = report.text, report.document_id
    sections, paragraphs = parse_document(text)
    section_ids = {s.section_index: f"{doc_id}:s{s.section_index}" for s in sections}
    section_rows = [
        {
            "section_id": section_ids[s.section_index], "document_id": doc_id,
            "section_index": s.section_index, "title": s.title,
            "title_char_start": s.title_char_start, "title_char_end": s.title_char_end,
            "char_start": s.char_start, "char_end": s.char_end, "run_id": run_id,
        }
        for s in sections
    ]
    paragraph_rows, figure_rows = [], []
    for p in paragraphs:
        section_id = section_ids[p.section_index]
        paragraph_id = f"{section_id}:p{p.paragraph_index}"
        paragraph_rows.append({
            "paragraph_id": paragraph_id, "section_id": section_id, "document_id": doc_id,
            "paragraph_index": p.paragraph_index, "label": p.label, "kind": p.kind,
            "char_start": p.char_start, "char_end": p.char_end, "text": p.text, "run_id": run_id,
        })
        if p.kind != "text":
            continue
        for f in extract_figures(p.text):
            start, end = p.char_start + f.char_start, p.char_start + f.char_end
            figure_rows.append({
                "figure_id": f"{doc_id}:f{start}-{end}", "document_id": doc_id,
                "section_id": section_id, "paragraph_id": paragraph_id,
                "char_start": start, "char_end": end, "surface": f.surface, "sentence": f.sentence,
                "value": f.value, "value_high": f.value_high, "unit": f.unit,
                "value_normalized": f.value_normalized, "unit_normalized": f.unit_normalized,
                "qualifier": f.qualifier, "year": f.year, "entity": f.entity, "metric": f.metric,
                "pillar": f.pillar, "topic": f.topic, "run_id": run_id,
            })
    document_row = {
        "document_id": doc_id, "source_path": report.source_path, "sha256": report.sha256,
        "n_chars": len(text), "text": text, "first_seen_run_id": run_id, "loaded_run_id": run_id,
        "last_seen_run_id": run_id, "code_version": CODE_VERSION,
    }
    return {"documents": [document_row], "sections": section_rows, "paragraphs": paragraph_rows,
            "figures": figure_rows}


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """rows as a DataFrame with the table's columns, in schema order."""
    return pd.DataFrame(rows, columns=list(TABLES[table][0].to_schema().columns))


def process_reports(reports: list[Report], run_id: str,
                    timings: dict[str, float] | None = None) -> list[ProcessedDocument]:
    """Parse, extract and validate a batch of reports; invalid rows go to rejections with why.

    Validation runs once per table for the whole batch: pandera's fixed cost per call dominates
    on small documents. If timings is given, CPU seconds spent (this thread's) are added to its
    "parse_extract" and "validate" entries.
    """
    clock = time.thread_time  # CPU, not wall: honest whether batches share a core or not
    spent = {"parse_extract": 0.0, "validate": 0.0}
    out = {r.document_id: ProcessedDocument(r.source_path, r.document_id, r.sha256) for r in reports}
    source_paths = {r.document_id: r.source_path for r in reports}
    rows: dict[str, list[pd.DataFrame]] = {t: [] for t in DATA_TABLES}
    for report in reports:
        context = {"run_id": run_id, "source_path": report.source_path, "document_id": report.document_id}
        started = clock()
        try:
            built = build_rows(report, run_id)
        except Exception as err:  # a bug on one file must not stop the others loading
            out[report.document_id].rejections.append(rejection(
                run_id, report.source_path, report.document_id, "documents", "processing_error",
                f"parsing or extracting this file failed ({type(err).__name__}: {err}); "
                "the other files still load; please report this file as a bug"))
            continue
        finally:
            checked = clock()
            spent["parse_extract"] += checked - started
        for table, table_rows in built.items():
            df = frame(table, table_rows)
            if table in ("paragraphs", "figures"):
                text_column = "text" if table == "paragraphs" else "surface"
                df, rejected = check_lineage(report.text, table, df, text_column, **context)
                out[report.document_id].rejections += rejected
            rows[table].append(df)
        spent["validate"] += clock() - checked
    started = clock()
    for table in DATA_TABLES:
        combined = pd.concat(rows[table], ignore_index=True) if rows[table] else frame(table, [])
        valid, rejected = validate_table(table, combined, run_id=run_id, source_paths=source_paths)
        for r in rejected:
            out[r["document_id"]].rejections.append(r)
        for doc_id, part in valid.groupby("document_id", sort=False):
            out[doc_id].tables[table] = part
        for doc in out.values():
            doc.tables.setdefault(table, valid.iloc[0:0])
    spent["validate"] += clock() - started
    if timings is not None:
        for key, seconds in spent.items():
            timings[key] = timings.get(key, 0.0) + seconds
    # a document whose own row was rejected loads nothing but its rejections
    return list(out.values())
