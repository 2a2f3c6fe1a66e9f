"""Source files in, the rows of every table out: read, parse, extract, then validate (no I/O, no Prefect)."""

from __future__ import annotations

import json
import time

import pandas as pd

from flows.citations import find_citations
from flows.document import Document, ReportError, ReportInfo
from flows.entity import figure_entity
from flows.extract import clause_around, extract_figures
from flows.facts import consolidate
from flows.metrics import classify
from flows.parse import parse_document
from flows.readers import SourceFile, read_document
from flows.report_info import resolve_report_info
from flows.rows import DATA_TABLES, ProcessedBatch, ProcessedDocument, ProcessedFile, frame, to_arrow
from flows.tables import header_year, table_figures
from flows.validate import row_dict, check_lineage, rejection, validate_table, warning_findings
from flows.version import CODE_VERSION
from schemas import PRIMARY_KEYS
from schemas.vocabulary import PROSE_KINDS

# Blocks whose figures are extracted: prose, and tables (read as `|`-separated rows).
EXTRACTED_KINDS = PROSE_KINDS | {"table"}


def build_rows(doc: Document, run_id: str, given: ReportInfo | None = None) -> dict[str, list[dict]]:
    """The rows of one document for every data table, before validation."""
    text, view, doc_id = doc.text, doc.view, doc.document_id
    info = resolve_report_info(doc, given)
    parsed = parse_document(doc)
    section_ids = {s.section_index: f"{doc_id}:s{s.section_index}" for s in parsed.sections}
    section_rows = [
        {
            "section_id": section_ids[s.section_index], "document_id": doc_id,
            "section_index": s.section_index, "level": s.level,
            "parent_section_id": section_ids.get(s.parent_index) if s.parent_index is not None else None,
            "title": s.title, "title_char_start": s.title_char_start, "title_char_end": s.title_char_end,
            "char_start": s.char_start, "char_end": s.char_end, "page_number": s.page_number, "run_id": run_id,
        }
        for s in parsed.sections
    ]
    page_rows = [
        {"page_id": f"{doc_id}:pg{p.page_number}", "document_id": doc_id, "page_number": p.page_number,
         "char_start": p.char_start, "char_end": p.char_end, "run_id": run_id}
        for p in doc.pages
    ]
    paragraph_rows, table_rows, figure_rows = [], [], []
    heading_years: dict[int, int | None] = {}
    for section in parsed.sections:  # the year a section's heading (or an enclosing one) states
        own = header_year(section.title) if section.title else None
        heading_years[section.section_index] = own if own is not None else heading_years.get(section.parent_index)

    def figure_row(start: int, end: int, f, section_id: str, paragraph_id: str, **cell) -> dict:
        return {
            "figure_id": f"{doc_id}:f{start}-{end}", "document_id": doc_id, "section_id": section_id,
            "paragraph_id": paragraph_id, "page_number": doc.page_at(start), "char_start": start, "char_end": end,
            "surface": text[start:end], "sentence": f.sentence, "value": f.value, "value_high": f.value_high,
            "unit": f.unit, "value_normalized": f.value_normalized, "unit_normalized": f.unit_normalized,
            "qualifier": f.qualifier, "year": f.year, "is_target": getattr(f, "is_target", False),
            "entity": figure_entity(f.entity, info.reporting_entity, f.sentence), "metric": f.metric,
            "pillar": f.pillar, "topic": f.topic, "table_id": None, "row_index": None, "col_index": None,
            "row_label": None, "col_label": None, "unit_source": None, "unit_source_char_start": None,
            "unit_source_char_end": None, "metric_code": None, "scope": None, "scope2_method": None,
            "gri_code": None, "run_id": run_id, **cell,
        }

    for p in parsed.paragraphs:
        section_id = section_ids[p.section_index]
        paragraph_id = f"{section_id}:p{p.paragraph_index}"
        paragraph_rows.append({
            "paragraph_id": paragraph_id, "section_id": section_id, "document_id": doc_id,
            "paragraph_index": p.paragraph_index, "label": p.label, "kind": p.kind,
            "char_start": p.char_start, "char_end": p.char_end, "text": p.text,
            "page_number": p.page_number, "run_id": run_id,
        })
        if p.kind not in EXTRACTED_KINDS:
            continue  # references and furniture: cited or repeated, not stated
        tables = [t for t in doc.tables if p.char_start <= t.char_start < p.char_end] if p.kind == "table" else []
        for table in tables:
            table_id = f"{doc_id}:t{table.char_start}"
            caption = (table.caption_start, table.caption_end) if table.caption_start is not None else None
            table_rows.append({
                "table_id": table_id, "document_id": doc_id, "section_id": section_id, "paragraph_id": paragraph_id,
                "page_number": doc.page_at(table.char_start), "char_start": table.char_start,
                "char_end": table.char_end, "caption": text[caption[0]:caption[1]] if caption else None,
                "caption_char_start": caption[0] if caption else None, "caption_char_end": caption[1] if caption else None,
                "n_rows": table.n_rows, "n_cols": table.n_cols, "header_rows": table.header_rows, "run_id": run_id,
            })
            for f in table_figures(text, view, table, caption):
                cell = {"table_id": table_id, "row_index": f.row_index, "col_index": f.col_index,
                        "row_label": f.row_label, "col_label": f.col_label, "unit_source": f.unit_source,
                        "unit_source_char_start": f.unit_source_char_start,
                        "unit_source_char_end": f.unit_source_char_end}
                row = figure_row(f.char_start, f.char_end, f, section_id, paragraph_id, **cell)
                if f.entity is None:
                    row["entity"] = info.reporting_entity
                figure_rows.append(row)
        if tables:
            continue
        for f in extract_figures(view[p.char_start:p.char_end]):
            start, end = p.char_start + f.char_start, p.char_start + f.char_end
            row = figure_row(start, end, f, section_id, paragraph_id)
            if row["year"] is None:  # nothing in its text: a year its heading states ("2022 at a glance")
                row["year"] = heading_years.get(p.section_index)
            row["_before"], row["_after"] = clause_around(view, p.char_start, p.char_end, start, end)
            figure_rows.append(row)
    captions = {t["table_id"]: t["caption"] for t in table_rows}
    for row in figure_rows:
        found = classify(unit_normalized=row["unit_normalized"], metric=row["metric"], sentence=row["sentence"],
                         surface=row["surface"], topic=row["topic"], row_label=row["row_label"],
                         col_label=row["col_label"], caption=captions.get(row["table_id"]),
                         before=row.get("_before"), after=row.get("_after"))
        row.update(metric_code=found.metric_code, scope=found.scope, scope2_method=found.scope2_method,
                   gri_code=found.gri_code)
    facts, fact_mentions, findings, finding_figures = consolidate(figure_rows, doc_id, info.reporting_entity)
    paragraph_ids = [row["paragraph_id"] for row in paragraph_rows]
    citation_rows = [
        {"citation_id": f"{doc_id}:c{c.char_start}", "paragraph_id": paragraph_ids[c.paragraph_index],
         "document_id": doc_id, "char_start": c.char_start, "char_end": c.char_end, "surface": c.surface,
         "kind": c.kind, "target": c.target, "resolved_reference": c.resolved_reference,
         "resolved_char_start": c.resolved_char_start, "resolved_char_end": c.resolved_char_end}
        for c in find_citations(text, parsed.paragraphs)
    ]
    for rows in (facts, fact_mentions, findings, finding_figures, citation_rows):
        for row in rows:
            row["run_id"] = run_id
    document_row = {
        "document_id": doc_id, "source_path": doc.source_path, "format": doc.format, "sha256": doc.sha256,
        "n_chars": len(text), "text": text, "n_pages": len(doc.pages),
        "reporting_entity": info.reporting_entity, "report_title": info.report_title,
        "reporting_period": info.reporting_period, "source_url": info.source_url,
        "info_origin": json.dumps(info.origin, sort_keys=True) if info.origin else None,
        "info_override": given.given_json() if given else None,
        "first_seen_run_id": run_id, "loaded_run_id": run_id, "last_seen_run_id": run_id,
        "code_version": CODE_VERSION,
    }
    return {"documents": [document_row], "sections": section_rows, "pages": page_rows,
            "paragraphs": paragraph_rows, "tables": table_rows, "figures": figure_rows, "facts": facts,
            "fact_mentions": fact_mentions, "findings": findings, "finding_figures": finding_figures,
            "citations": citation_rows}


# child table -> (column, parent table): a row whose parent was rejected cannot load either
_PARENTS = {
    "paragraphs": (("section_id", "sections"),),
    "tables": (("paragraph_id", "paragraphs"),),
    "figures": (("paragraph_id", "paragraphs"), ("table_id", "tables")),
    "fact_mentions": (("figure_id", "figures"), ("fact_id", "facts")),
    "finding_figures": (("figure_id", "figures"), ("finding_id", "findings")),
    "citations": (("paragraph_id", "paragraphs"),),
}


def _isin(values: pd.Series, keys: set[str]) -> pd.Series:
    """values.isin(keys), by set lookups (pandas' isin on Arrow strings rebuilds the key list each call)."""
    return pd.Series([v in keys for v in values.tolist()], index=values.index, dtype=bool)


def _drop_orphans(table: str, df: pd.DataFrame, kept: dict[str, set[str]], links: pd.DataFrame | None,
                  run_id: str, source_paths: dict[str, str]) -> tuple[pd.DataFrame, list[dict]]:
    """df without the rows whose parent row was rejected (each kept as a rejection saying which);
    facts and findings whose figures were all rejected go too, and facts count what is left."""
    if df.empty:
        return df, []
    mask = pd.Series(True, index=df.index)
    reasons = pd.Series("", index=df.index)
    for column, parent in _PARENTS.get(table, ()):
        if parent not in kept:
            continue
        lost = df[column].notna() & ~_isin(df[column], kept[parent])
        reasons[lost & mask] = f"its {column} was rejected (see the {parent} rejections of this file)"
        mask &= ~lost
    if table in ("facts", "findings") and "figures" in kept and links is not None and not links.empty:
        # links (fact_mentions, finding_figures) are validated after this table: count the ones
        # whose figure passed
        key = "fact_id" if table == "facts" else "finding_id"
        counts = links[_isin(links["figure_id"], kept["figures"])].groupby(key).size()
        lost = ~df[key].isin(counts.index)
        reasons[lost & mask] = "every figure it is about was rejected"
        mask &= ~lost
        if table == "facts":
            df = df.assign(n_mentions=df[key].map(counts).fillna(df["n_mentions"]).astype(int))
    rejected = [rejection(run_id, source_paths.get(row.document_id, "?"), row.document_id, table, "orphan",
                          reasons[i], row_dict(row._asdict()))
                for i, row in zip(df.index[~mask], df[~mask].itertuples(index=False))]
    return df[mask], rejected


def _validated(sources: list[SourceFile], run_id: str, timings: dict[str, float] | None
               ) -> tuple[dict[str, pd.DataFrame], dict[str, list[dict]]]:
    """Read, parse, extract and validate a batch of files: (table -> its valid rows for the whole
    batch, document id -> its rejections).

    Validation runs once per table for the whole batch (pandera's fixed cost per call dominates
    on small documents); a failure that concerns the table as a whole is validated again document
    by document, so one bad document never costs another its rows. If timings is given, CPU
    seconds spent (this thread's) are added to its "parse_extract" and "validate" entries.
    """
    clock = time.thread_time  # CPU, not wall: honest whether batches share a core or not
    spent = {"parse_extract": 0.0, "validate": 0.0}
    rejections: dict[str, list[dict]] = {s.document_id: [] for s in sources}
    source_paths = {s.document_id: s.source_path for s in sources}
    rows: dict[str, list[dict]] = {t: [] for t in DATA_TABLES}  # the batch's rows, one DataFrame per table later
    for source in sources:
        context = {"run_id": run_id, "source_path": source.source_path, "document_id": source.document_id}
        started = clock()
        try:
            doc = read_document(source)
            built = build_rows(doc, run_id, source.info)
        except ReportError as err:  # a file that cannot be read (a scan, an encrypted PDF, ...)
            rejections[source.document_id].append(rejection(
                run_id, source.source_path, source.document_id, "documents", err.check, err.reason))
            continue
        except Exception as err:  # a bug on one file must not stop the others loading
            rejections[source.document_id].append(rejection(
                run_id, source.source_path, source.document_id, "documents", "processing_error",
                f"reading, parsing or extracting this file failed ({type(err).__name__}: {err}); "
                "the other files still load; please report this file as a bug"))
            continue
        finally:
            checked = clock()
            spent["parse_extract"] += checked - started
        for table, table_rows in built.items():
            if table in ("paragraphs", "figures"):
                text_column = "text" if table == "paragraphs" else "surface"
                table_rows, rejected = check_lineage(doc.text, table, table_rows, text_column, **context)
                rejections[source.document_id] += rejected
            rows[table].extend(table_rows)
        spent["validate"] += clock() - checked
    started = clock()
    kept: dict[str, set[str]] = {}  # table -> the keys of its rows that passed
    valid_tables: dict[str, pd.DataFrame] = {}
    for table in DATA_TABLES:
        combined = frame(table, rows[table])
        link_table = {"facts": "fact_mentions", "findings": "finding_figures"}.get(table)
        links = frame(link_table, rows[link_table]) if link_table and rows[link_table] else None
        combined, orphans = _drop_orphans(table, combined, kept, links, run_id, source_paths)
        valid, rejected = validate_table(table, combined, run_id=run_id, source_paths=source_paths)
        for r in orphans + rejected:
            rejections[r["document_id"]].append(r)
        kept[table] = set(valid[PRIMARY_KEYS[table]].tolist())
        found, links = warning_findings(table, valid, run_id)
        if found:  # warning checks on figures: findings, validated and loaded with the document's own
            rows["findings"].extend(found)
            rows["finding_figures"].extend(links)
        valid_tables[table] = valid
    spent["validate"] += clock() - started
    if timings is not None:
        for key, seconds in spent.items():
            timings[key] = timings.get(key, 0.0) + seconds
    return valid_tables, rejections


def process_files(sources: list[SourceFile], run_id: str, timings: dict[str, float] | None = None
                  ) -> ProcessedBatch:
    """Read, parse, extract and validate a batch of files into one ProcessedBatch (one Arrow
    table per data table), ready to load in one transaction; invalid rows go to rejections with
    why, and a document whose own row was rejected loads nothing but its rejections."""
    valid, rejections = _validated(sources, run_id, timings)
    started = time.thread_time()
    loaded = valid["documents"]["document_id"]
    tables = {table: to_arrow(table, df[df["document_id"].isin(loaded)] if len(df) else df)
              for table, df in valid.items()}
    if timings is not None:
        timings["validate"] = timings.get("validate", 0.0) + time.thread_time() - started
    return ProcessedBatch([ProcessedFile(s.source_path, s.document_id, s.sha256) for s in sources], tables,
                          [r for s in sources for r in rejections[s.document_id]], code_version=CODE_VERSION)


def process_sources(sources: list[SourceFile], run_id: str,
                    timings: dict[str, float] | None = None) -> list[ProcessedDocument]:
    """Read, parse, extract and validate a batch of files, document by document (see
    process_files, which the flow runs; this keeps each document's rows apart, as pandas
    DataFrames, for tests and for loading one document at a time)."""
    valid, rejections = _validated(sources, run_id, timings)
    out = {s.document_id: ProcessedDocument(s.source_path, s.document_id, s.sha256, rejections=rejections[s.document_id])
           for s in sources}
    for table, df in valid.items():
        for doc_id, part in df.groupby("document_id", sort=False):
            out[doc_id].tables[table] = part
        for processed in out.values():
            processed.tables.setdefault(table, df.iloc[0:0])
    # a document whose own row was rejected loads nothing but its rejections
    return list(out.values())
