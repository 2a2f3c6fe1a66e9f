"""Whose report it is and which period: the user's word first, then the file's metadata, then the text."""

from __future__ import annotations

import json

import pytest

from flows.document import Document, ReportInfo
from flows.entity import figure_entity
from flows.read import scan_raw
from flows.readers.text import read_text
from flows.report_info import detect_reporting_entity, detect_reporting_period, resolve_report_info


def _doc(text: str) -> Document:
    return read_text("r.txt", "0" * 64, text)


ACME = ("Acme Group Sustainability Report 2023\n\nAt Acme, we make parts. Acme Group employs 5,000 people.\n\n"
        "Acme's emissions fell. Acme plans more. In Germany and France, Acme works with Siemens.\n\n"
        "Acme Group reports under GRI. The CEO said Acme will grow.\n")


def test_the_organisation_the_text_names_most_prefers_its_fuller_name():
    assert detect_reporting_entity(_doc(ACME)) == "Acme Group"


def test_no_organisation_is_made_up_from_a_text_that_names_none():
    assert detect_reporting_entity(_doc("We planted trees. The trees grew well in the sun.\n")) is None


@pytest.mark.parametrize("text, period", [
    ("Our fiscal year 2023 ended March 31, 2023. We grew.\n", "FY2023"),
    ("Annual Report 2024/25\n\nIn 2024/25 we did more. 2024/25 was good. 2024/25 ended well.\n", "2024/25"),
    ("Press release\n\nThe report covers 1 April 2023 to 31 March 2024 for the public sector.\n", "2023-04-01..2024-03-31"),
    ("In FY22 we did this. In FY22 we did that.\n", "FY2022"),
    ("In 2023, we cut waste. In 2023, we hired. In 2022 we started.\n", "2023"),
])
def test_reporting_period_as_the_text_states_it(text, period):
    assert detect_reporting_period(_doc(text), None) == period


def test_the_users_word_beats_the_file_which_beats_the_text():
    doc = _doc(ACME)
    doc.info = ReportInfo(report_title="From the PDF", reporting_entity="Acme AG", origin={
        "report_title": "pdf metadata", "reporting_entity": "pdf metadata"})
    info = resolve_report_info(doc, ReportInfo(reporting_entity="Acme Holdings", origin={"reporting_entity": "sidecar"}))
    assert (info.reporting_entity, info.report_title, info.reporting_period) == ("Acme Holdings", "From the PDF", "2023")
    assert info.origin == {"reporting_entity": "sidecar", "report_title": "pdf metadata", "reporting_period": "text"}


@pytest.mark.parametrize("named, expected", [
    (None, "Alibaba Group"),                          # the sentence names no one
    ("Alibaba", "Alibaba Group"),                     # a short form of the reporting entity
    ("Alibaba Cloud", "Alibaba Cloud"),               # a named part of it
    ("Suwon Data Center", "Suwon Data Center"),       # a site
    ("Ministry of Health", "Ministry of Health"),     # another organisation
    ("China", "Alibaba Group"),                       # a place
    ("Powering", "Alibaba Group"),                    # a page header word
    ("NRG ELECTRICITY SUPPLY BY FUEL TYPE", "Alibaba Group"),  # a chart title in capitals
    ("LP Gas", "Alibaba Group"),                      # a legal form only counts as the last word
])
def test_figure_entity(named, expected):
    assert figure_entity(named, "Alibaba Group") == expected


def test_sidecar_and_manifest_override_and_are_not_reports(tmp_path):
    (tmp_path / "a.txt").write_text("We planted 40 trees.\n", encoding="utf-8")
    (tmp_path / "b.pdf.txt").write_text("We planted 50 trees.\n", encoding="utf-8")
    (tmp_path / "manifest.csv").write_text("file,company,period,source_url\na.txt,Acme plc,FY2023,https://acme.example/r\n"
                                           "b.pdf.txt,Beta AG,2022,\n", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text(json.dumps({"period": "2023"}), encoding="utf-8")
    scan = scan_raw(tmp_path, {}, 10**6)
    assert scan.files == ["a.txt", "b.pdf.txt"] and scan.rejected == []
    info = {s.source_path: s.info for s in scan.sources}
    assert (info["a.txt"].reporting_entity, info["a.txt"].reporting_period, info["a.txt"].source_url) == (
        "Acme plc", "2023", "https://acme.example/r")
    assert info["a.txt"].origin == {"reporting_entity": "manifest", "reporting_period": "sidecar", "source_url": "manifest"}
    assert info["b.pdf.txt"].reporting_entity == "Beta AG"
    # unchanged file, unchanged word: skipped; a changed sidecar makes the file count as changed
    known = {s.source_path: (s.document_id, s.sha256, s.info.given_json()) for s in scan.sources}
    assert scan_raw(tmp_path, known, 10**6).sources == []
    (tmp_path / "a.meta.json").write_text(json.dumps({"period": "FY2024"}), encoding="utf-8")
    assert [s.source_path for s in scan_raw(tmp_path, known, 10**6).sources] == ["a.txt"]


def test_a_broken_sidecar_is_rejected_with_what_to_write(tmp_path):
    (tmp_path / "a.txt").write_text("We planted 40 trees.\n", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "manifest.csv").write_text("file,colour\na.txt,blue\n", encoding="utf-8")
    scan = scan_raw(tmp_path, {}, 10**6)
    assert [s.source_path for s in scan.sources] == ["a.txt"]  # the report still loads
    reasons = {e.source_path.split(" ")[0]: (e.check, e.reason) for e in scan.rejected}
    assert reasons["a.meta.json"][0] == "bad_metadata" and "JSON object" in reasons["a.meta.json"][1]
    assert reasons["manifest.csv"][0] == "bad_metadata" and "unknown key 'colour'" in reasons["manifest.csv"][1]


def test_the_fast_whole_report_patterns_find_what_their_plain_word_boundary_forms_find(shipped_text):
    """The scans of a whole report open on a letter or "/" (the leading word boundary checked just
    after it), for speed; they must match exactly what the plain "\\b" patterns match."""
    import random
    import re

    from flows import report_info

    suffix = report_info._ORG_SUFFIX
    word = r"[A-Za-z0-9&.\-]*[A-Za-z0-9]"
    plain = {
        "_CAPITALIZED_RUN": rf"\b([A-Z]{word}(?:[ \t]+(?:&[ \t]+)?[A-Z]{word}){{0,3}})",
        "_POSSESSIVE": rf"\b([A-Z]{word}(?:[ \t]+[A-Z]{word}){{0,2}})(?:'s|’s)\b",
        "_WITH_SUFFIX": rf"\b((?:[A-Z][A-Za-z0-9&.\-]*[ \t]+){{1,3}}{suffix})(?![A-Za-z])",
        "_FY_TOKEN": r"\bFY\s?((?:19|20)\d\d|\d\d)\b",
        "_SPLIT_YEAR": r"\b((?:19|20)\d\d)/(\d\d)\b",
        "_STATED_YEAR": r"\b(?:[Ii]n|[Dd]uring|[Tt]hroughout)\s+((?:19|20)\d\d)\b(?![/-])",
    }
    pieces = ["Acme", "Group", "plc", " ", "\t", "\n", "'s", "’s", "&", "_", "é", "x", "FY", "2019", "20",
              "23", "/", "-", "In ", "in ", "During ", "throughout ", "Tin ", "S.A.", "Co.", "A/S", "Bank", "1"]
    rng = random.Random(7)
    texts = [shipped_text] + ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
                                     for _ in range(20000)]
    for name, pattern in plain.items():
        fast, reference = getattr(report_info, name), re.compile(pattern)
        for text in texts:
            assert fast.findall(text) == reference.findall(text), (name, text)
