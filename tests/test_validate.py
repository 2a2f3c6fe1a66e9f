"""validate: pandera models reject bad rows into rejections, with reason and lineage."""

from __future__ import annotations

import json


from flows.process import build_rows, process_sources
from flows.rows import frame
from flows.read import source_file
from flows.readers import read_document
from flows.validate import check_lineage, validate_table


def _figures(report_text: str):
    report = source_file("r.txt", report_text.encode(), 10**6)
    doc = read_document(report)
    return doc, frame("figures", build_rows(doc, "run-1")["figures"])


def test_bad_figure_rows_are_rejected_with_reason_and_lineage():
    report, df = _figures("Sub header: S\nWe gave RMB5 million and 300 meals to 12 schools.\n")
    assert len(df) == 3
    df.loc[0, "unit"] = "furlongs"       # not a known unit
    df.loc[1, "qualifier"] = "maybe"     # not a known qualifier
    valid, rejected = validate_table("figures", df, run_id="run-1", source_paths={report.document_id: "r.txt"})
    assert len(valid) == 1 and valid.iloc[0]["surface"] == "12"
    assert len(rejected) == 2
    assert sorted(r["check"].split("(")[0] for r in rejected) == ["isin", "str_matches"]
    unit_rej = next(r for r in rejected if "unit" in r["reason"])
    assert "furlongs" in unit_rej["reason"]
    assert unit_rej["source_path"] == "r.txt" and unit_rej["table_name"] == "figures"
    assert (unit_rej["char_start"], unit_rej["char_end"]) == (df.loc[0, "char_start"], df.loc[0, "char_end"])
    assert json.loads(unit_rej["row_json"])["surface"] == "RMB5 million"


def test_dataframe_level_check_rejects_only_the_offending_row():
    report, df = _figures("Sub header: S\nWe planted 40 trees and 7 gardens.\n")
    df.loc[1, "char_end"] = df.loc[1, "char_end"] + 3  # surface no longer fills its span
    valid, rejected = validate_table("figures", df, run_id="r", source_paths={report.document_id: "r.txt"})
    assert list(valid["surface"]) == ["40"]
    assert [r["check"] for r in rejected] == ["surface_fills_span"]


def test_lineage_check_rejects_rows_whose_text_is_not_at_their_offsets():
    report, df = _figures("Sub header: S\nWe planted 40 trees.\n")
    df.loc[0, "surface"] = "41"
    kept, rejected = check_lineage(report.text, "figures", df.to_dict("records"), "surface", run_id="r",
                                   source_path="r.txt", document_id=report.document_id)
    assert kept == []
    assert rejected[0]["check"] == "lineage" and "r.txt" in rejected[0]["reason"]


def test_a_lineage_rejection_keeps_the_row_as_the_table_has_it():
    import json

    from flows.rows import columns

    row = {"char_start": 3, "char_end": 5, "surface": "41", "_before": "working field of the extractor"}
    kept, rejected = check_lineage("We 40 trees", "figures", [row, {**row, "char_start": None}], "surface",
                                   run_id="r", source_path="r.txt", document_id="d")
    assert kept == [] and len(rejected) == 2  # a missing offset is a lineage failure, not a crash
    kept_columns = set(json.loads(rejected[0]["row_json"]))
    assert "_before" not in kept_columns and {"char_start", "char_end", "surface"} <= kept_columns <= set(columns("figures"))


def test_process_reports_keeps_valid_rows_and_counts_every_row():
    reports = [source_file(f"r{i}.txt", f"Sub header: S{i}\nWe planted {40 + i} trees.\n".encode(), 10**6)
               for i in range(3)]
    docs = process_sources(reports, "run-1")
    assert [len(d.tables["figures"]) for d in docs] == [1, 1, 1]
    assert [d.tables["figures"].iloc[0]["value"] for d in docs] == [40, 41, 42]
    assert all(d.rejections == [] for d in docs)


def test_rejection_ids_are_stable():
    report, df = _figures("Sub header: S\nWe gave 300 meals.\n")
    df.loc[0, "pillar"] = "X"
    ids = [validate_table("figures", df.copy(), run_id=run, source_paths={report.document_id: "r.txt"})[1][0]["rejection_id"]
           for run in ("a", "b")]
    assert ids[0] == ids[1]


def test_rows_that_hang_on_a_rejected_figure_are_rejected_with_it(monkeypatch):
    """A figure failing its model takes its fact mention (and a fact it alone states) with it,
    each kept in rejections saying why: nothing loads that points at a row that did not."""
    import dataclasses

    from flows import process

    real_extract = process.extract_figures

    def extract_with_a_bad_row(text):
        figures = real_extract(text)
        return figures[:1] + [dataclasses.replace(f, topic="astrology") for f in figures[1:]]

    monkeypatch.setattr(process, "extract_figures", extract_with_a_bad_row)
    (doc,) = process_sources([source_file("r.txt", b"Sub header: S\nWe gave 300 meals to 12 schools.\n", 10**6)], "run-1")
    figures, mentions, facts = doc.tables["figures"], doc.tables["fact_mentions"], doc.tables["facts"]
    assert list(figures["surface"]) == ["300"]
    assert set(mentions["figure_id"]) == set(figures["figure_id"]) and set(facts["fact_id"]) == set(mentions["fact_id"])
    orphans = {(r["table_name"], r["check"]) for r in doc.rejections if r["check"] == "orphan"}
    assert orphans == {("facts", "orphan"), ("fact_mentions", "orphan")}
    assert any("every figure it is about was rejected" in r["reason"] for r in doc.rejections)
