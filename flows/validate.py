"""Validate each table's rows with its pandera model; failing rows become rejections, never vanish."""

from __future__ import annotations

import hashlib
import warnings

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaWarning

from flows.ledger import rejection  # noqa: F401 (a rejections row; part of this step's interface)
from flows.rows import columns
from schemas import TABLES



def row_dict(row: pd.Series | dict) -> dict:
    return {k: (None if (not isinstance(v, str) and pd.isna(v)) else v) for k, v in row.items()}


def validate_table(table_name: str, df: pd.DataFrame, *, run_id: str,
                   source_paths: dict[str, str]) -> tuple[pd.DataFrame, list[dict]]:
    """(valid rows, rejections): lazy validation, each failing row rejected with all its reasons.

    df may hold the rows of several documents; source_paths maps their document_id to their file.
    """
    model = TABLES[table_name][0]

    def reject(row: pd.Series, check: str, reason: str) -> dict:
        document_id = row.get("document_id")
        return rejection(run_id, source_paths.get(document_id, "?"), document_id, table_name,
                         check, reason, row_dict(row))

    current = df.reset_index(drop=True)
    rejected: list[dict] = []
    for _ in range(3):  # a row-level pass can unmask a table-level failure: retry on what is left
        try:
            with warnings.catch_warnings():  # warning checks become findings (warning_findings), not noise
                warnings.simplefilter("ignore", SchemaWarning)
                return model.validate(current, lazy=True), rejected
        except pa.errors.SchemaErrors as err:
            cases = err.failure_cases
            by_row = cases[cases["index"].notna()]
            if by_row.empty and "document_id" in current and current["document_id"].nunique() > 1:
                # a failure of the table as a whole: find whose, document by document, so one
                # document's bad rows never cost another document its rows
                parts = [validate_table(table_name, group, run_id=run_id, source_paths=source_paths)
                         for _, group in current.groupby("document_id", sort=False)]
                valid = pd.concat([v for v, _ in parts], ignore_index=True) if parts else current.iloc[0:0]
                return valid, rejected + [r for _, rs in parts for r in rs]
            if by_row.empty:
                reason = "; ".join(
                    f"{c.column or table_name}: {c.check} ({c.failure_case})" for c in cases.itertuples()
                )
                for _, row in current.iterrows():
                    rejected.append(reject(row, "schema", f"table failed validation: {reason}"))
                return current.iloc[0:0], rejected
            for index, group in by_row.groupby("index"):
                row = current.loc[index]
                checks = sorted({str(c) for c in group["check"]})
                reason = "; ".join(
                    f"{c.column}: {c.check} failed on {c.failure_case!r}" for c in group.itertuples()
                )
                rejected.append(reject(row, ", ".join(checks), reason))
            current = current.drop(index=list(by_row["index"].unique())).reset_index(drop=True)
    for _, row in current.iterrows():  # still failing after three passes: keep them, with why
        rejected.append(reject(row, "schema", "rows kept failing validation after three passes"))
    return current.iloc[0:0], rejected


def warning_findings(table_name: str, df: pd.DataFrame, run_id: str) -> tuple[list[dict], list[dict]]:
    """(findings, finding_figures) for the rows that fail a model's warning checks (raise_warning=True).

    Such checks never reject a row: their failures become findings of kind schema_warning, one per
    figure and check, saying which check and why.
    """
    if table_name != "figures" or df.empty:
        return [], []
    findings, links = [], []
    schema = TABLES[table_name][0].to_schema()
    for check in schema.checks:
        if not getattr(check, "raise_warning", False):
            continue
        failed = df[~check(df).check_output.astype(bool)]
        # one finding per table (or paragraph) and check, naming its figures: not one per cell
        for (document_id, place), group in failed.groupby(
                ["document_id", failed["table_id"].fillna(failed["paragraph_id"])], sort=False):
            first = group.iloc[0]
            page = f"page {int(first.page_number)}, " if pd.notna(first.page_number) else ""
            where = "table" if pd.notna(first.table_id) else "paragraph"
            examples = ", ".join(f"'{s}'" for s in group["surface"].head(5))
            finding_id = f"{document_id}:schema_warning:" + hashlib.sha256(f"{check.name}\x1f{place}".encode()).hexdigest()[:12]
            findings.append({
                "finding_id": finding_id, "document_id": document_id, "kind": "schema_warning",
                "severity": "info", "fact_id": None, "run_id": run_id,
                "message": f"{len(group)} figure(s) of the {where} at {page}offset {first.char_start:,} ({examples}"
                           f"{', ...' if len(group) > 5 else ''}) fail a warning check of the figures model: "
                           f"{check.description}."})
            links += [{"finding_figure_id": f"{finding_id}|{figure_id}", "finding_id": finding_id,
                       "figure_id": figure_id, "document_id": document_id, "run_id": run_id}
                      for figure_id in group["figure_id"]]
    return findings, links


def check_lineage(text: str, table_name: str, rows: list[dict], text_column: str, *, run_id: str,
                  source_path: str, document_id: str) -> tuple[list[dict], list[dict]]:
    """(kept, rejections): keep the rows whose text_column equals text[char_start:char_end];
    reject the others. Plain rows, before any DataFrame: it runs once per document."""
    kept, rejected = [], []
    n = len(text)
    for row in rows:
        s, e = row["char_start"], row["char_end"]
        if s is not None and e is not None and 0 <= s <= e <= n and text[s:e] == row[text_column]:
            kept.append(row)
        else:  # the row as the table has it (no working fields of the extractor)
            rejected.append(rejection(run_id, source_path, document_id, table_name, "lineage",
                                      f"{text_column} is not the text at [{s}, {e}) of {source_path}",
                                      row_dict({c: row.get(c) for c in columns(table_name)})))
    return kept, rejected
