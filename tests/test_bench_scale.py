"""esg bench --scale: varied documents, the full flow, figures printed and checked."""

from __future__ import annotations

import re

from flows.bench_scale import vary_report
from flows.parse import parse_text
from tests.conftest import esg_env, finish, start_esg


def test_generated_documents_differ_but_keep_the_report_shape(shipped_text):
    a, b = vary_report(shipped_text, 1), vary_report(shipped_text, 2)
    assert a != b and a != shipped_text
    parsed_a = parse_text(a)
    sections_a, paragraphs_a = parsed_a.sections, parsed_a.paragraphs
    parsed_0 = parse_text(shipped_text)
    sections_0, paragraphs_0 = parsed_0.sections, parsed_0.paragraphs
    assert sorted(s.title for s in sections_a) == sorted(s.title for s in sections_0)
    assert len(paragraphs_a) == len(paragraphs_0) + 1  # the appended id line
    assert re.search(r"Benchmark copy [a-z]+\.\n$", a)
    assert vary_report(shipped_text, 1) == a  # reproducible


def test_bench_scale_runs_the_flow_and_checks_what_it_loaded(tmp_path, prefect_api_url):
    proc = start_esg("bench", "--scale", "30", cwd=tmp_path, env=esg_env(prefect_api_url))
    code, out, err = finish(proc)
    assert code == 0, out + err
    assert "generated 30 documents" in out
    assert re.search(r"first run: +[\d.]+ s end to end: [\d.]+ documents/s, [\d.]+ MB/s, [\d,]+ figures/s; "
                     r"peak memory [\d.]+ GB", out), out
    assert re.search(r"where it went: .*parse\+extract [\d.]+ s and validate [\d.]+ s of CPU in \d worker "
                     r"process\(es\); the flow process waited [\d.]+ s .* loaded for [\d.]+ s", out)
    assert re.search(r"ideal: +[\d.]+ s = [\d.]+ MB / \(\d+ cores x [\d.]+ MB/s, processing on one core, measured "
                     r"on 30 of the documents\); end to end is [\d.]+x the ideal", out), out
    assert re.search(r"by extraction: +[\d.]+ s = [\d.]+ MB / \(\d+ cores x [\d.]+ MB/s, parse \+ extract alone on "
                     r"one core, as `esg bench` times it\); end to end is [\d.]+x that", out), out
    assert re.search(r"processing cache: 2 batches, [\d.]+ MB", out), out
    assert re.search(r"unchanged re-run: +[\d.]+ s \(30 unchanged, 0 loaded; decided before Prefect started\)", out)
    assert "check: 30/30 documents loaded" in out and re.search(r"lineage: (\d+)/\1 SQL checks hold", out), out
    assert "FAILED" not in out and "Traceback" not in err


def test_bench_scale_json_is_one_object_with_the_same_figures(tmp_path, prefect_api_url):
    import json

    proc = start_esg("bench", "--scale", "8", "--json", cwd=tmp_path, env=esg_env(prefect_api_url))
    code, out, err = finish(proc)
    assert code == 0, out + err
    report = json.loads(out)  # nothing else on stdout
    assert (report["documents"], report["check"]["documents"], report["check"]["ok"]) == (8, 8, True)
    first, ideal = report["first_run"], report["ideal"]
    assert first["seconds"] > 0 and first["peak_rss_bytes"]["flow_process"] > 0
    assert ideal["one_core"]["documents"] == 8 and ideal["seconds"] > 0
    assert abs(ideal["ratio"] - first["seconds"] / ideal["seconds"]) < 1e-9
    by_extraction = report["ideal_by_extraction"]
    assert by_extraction["one_core"]["documents"] == 8
    assert abs(by_extraction["ratio"] - first["seconds"] / by_extraction["seconds"]) < 1e-9
    assert report["unchanged_rerun"]["skipped"] == 8 and report["unchanged_rerun"]["before_prefect"]
    assert report["processing_cache"]["entries"] == 1  # one batch of 8
