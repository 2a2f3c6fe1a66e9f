"""From mentions to facts: metric classification, consolidation, findings and citations, rule by rule,
and on the shipped report."""

from __future__ import annotations

import pytest

from flows.citations import find_citations
from flows.facts import consolidate, rounding_step, values_agree
from flows.metrics import classify
from flows.parse import parse_text
from flows.process import build_rows
from flows.readers.text import read_text


def _rows(text: str, entity: str = "Acme plc") -> dict[str, list[dict]]:
    from flows.document import ReportInfo

    doc = read_text("r.txt", "0" * 64, text)
    return build_rows(doc, "run-1", ReportInfo(reporting_entity=entity, origin={"reporting_entity": "sidecar"}))


@pytest.mark.parametrize("sentence, surface, unit, code, scope, method", [
    ("Our Scope 1 emissions were 1,200 tCO2e in 2023.", "1,200 tCO2e", "tCO2e", "ghg_scope1", "1", None),
    ("Scope 2 (market-based) emissions were 500 tCO2e.", "500 tCO2e", "tCO2e", "ghg_scope2_market", "2", "market"),
    ("Scope 2 emissions, location-based, were 700 tCO2e.", "700 tCO2e", "tCO2e", "ghg_scope2_location", "2", "location"),
    ("Scope 2 emissions were 600 tCO2e.", "600 tCO2e", "tCO2e", "ghg_scope2", "2", None),
    ("Scope 1 and 2 emissions were 58 million tonnes.", "58 million tonnes", "tCO2e", "ghg_scope1_2", "1+2", None),
    ("Business travel (Scope 3) emitted 9,000 tCO2e.", "9,000 tCO2e", "tCO2e", "ghg_scope3_cat06", "3", None),
    ("Water withdrawal was 1.2 million m3.", "1.2 million m3", "m3", "water_withdrawal", None, None),
    ("We donated RMB399 million to charity.", "RMB399 million", "CNY", "community_investment", None, None),
    ("Women were 42% of our workforce.", "42%", "%", "women_share", None, None),
    ("Revenue grew 20% in 2023.", "20%", "%", None, None, None),               # not a share
    ("We reached 1,000 villages.", "1,000", "count", None, None, None),         # unclassified stays null
    ("Helped suppliers reduce emissions by 5 MtCO2e.", "5 MtCO2e", "tCO2e", "ghg_reduction", None, None),
])
def test_metric_classification(sentence, surface, unit, code, scope, method):
    found = classify(unit_normalized=unit, metric=None, sentence=sentence, surface=surface,
                     topic="emissions_reduction" if "reduce" in sentence else "other")
    assert (found.metric_code, found.scope, found.scope2_method) == (code, scope, method)
    assert (found.gri_code or "").startswith("GRI 305") == (code or "").startswith("ghg")


def test_rounding_step_and_values_that_agree():
    assert rounding_step("2.6 million MWh", 2.6e6, 2.6e9) == pytest.approx(1e8)
    assert rounding_step("2,596,498 MWh", 2_596_498, 2_596_498_000) == pytest.approx(1000)
    mwh, gj = 2_596_498_000.0, 9_347_393 * 277.7777777778
    assert values_agree(mwh, 1000, gj, 277.78)  # a table's MWh and a footnote's GJ
    assert not values_agree(1200.0, 1, 1250.0, 1)


def test_repeated_mentions_in_other_units_are_one_fact():
    rows = _rows("Energy\n\nWe consumed 2,596,498 MWh of energy in 2023.\n\n"
                 "In 2023 our energy consumption (9,347,393 GJ) came mostly from the grid.\n")
    (fact,) = [f for f in rows["facts"] if f["metric_code"] == "energy_consumption"]
    assert fact["n_mentions"] == 2 and fact["year"] == 2023 and fact["unit_normalized"] == "kWh"


@pytest.mark.parametrize("text", [
    "We reached 1,000 villages in 2023. We trained 1,000 people in 2023.",          # villages vs people
    "We aim to cut emissions by 30% by 2030. In 2023 Scope 1 emissions fell 30%.",   # a target vs an achievement
    "Scope 2 (market-based) was 500 tCO2e in 2023 and Scope 2 (location-based) was 500 tCO2e in 2023.",
])
def test_different_things_that_share_a_number_never_merge(text):
    rows = _rows(f"Report\n\n{text}\n")
    assert all(f["n_mentions"] == 1 for f in rows["facts"]), [(f["metric"], f["n_mentions"]) for f in rows["facts"]]


def _kinds(rows):
    return sorted(f["kind"] for f in rows["findings"] if f["kind"] != "schema_warning")


def test_restated_period_fires_for_one_value_stated_for_two_dates_only():
    assert _kinds(_rows("Shop\n\nWe listed 2 billion items as of March 30, 2023. "
                        "Buyers saw 2 billion items as of March 31, 2023.\n")) == ["restated_period"]
    assert _kinds(_rows("Shop\n\nWe listed 2 billion items as of March 31, 2023. "
                        "Buyers saw 2 billion items as of March 31, 2023.\n")) == []


def test_conflicting_values_for_the_same_metric_and_year():
    rows = _rows("Emissions\n\nIn 2023 our Scope 1 emissions were 1,200 tCO2e.\n\n"
                 "Scope 1 emissions in 2023 totalled 1,450 tCO2e.\n")
    assert _kinds(rows) == ["conflicting_values"]
    (finding,) = [f for f in rows["findings"] if f["kind"] == "conflicting_values"]
    assert "1,200" in finding["message"] and "1,450" in finding["message"] and "offset" in finding["message"]


def test_implausible_magnitude_and_its_exceptions():
    assert _kinds(_rows("Climate\n\nIn 2023 our Scope 1 emissions were 21,409.4 MtCO2e.\n")) == ["implausible_magnitude"]
    assert _kinds(_rows("Climate\n\nIn 2023 our Scope 1 emissions were 21.4 MtCO2e.\n")) == []
    # a national figure is not one company's: "China's national emissions"
    assert _kinds(_rows("Climate\n\nChina's national emissions were 11,400 MtCO2e in 2022.\n")) == []


def test_parts_that_do_not_add_up_to_their_stated_whole():
    table = ("GHG emissions (tCO2e)\n\nScope | 2023\nScope 1 | 1,200\nScope 2 (market-based) | 500\n"
             "Scope 1 and 2 (market-based) | {total}\n")
    assert _kinds(_rows(table.format(total="1,700"))) == []
    assert _kinds(_rows(table.format(total="2,700"))) == ["inconsistent_parts"]
    assert "inconsistent_parts" in _kinds(_rows(table.format(total="1,000")))  # a part larger than its whole


def test_citations_of_every_kind_resolve_to_their_entries():
    text = ("Report\n\nWe gave RMB 5 million (Acme, 2023d). See (Chapter 1.3) and (source 2) and the data "
            "(datasource: <https://example.org/data>). Emissions fell [A].\n[A] Excludes divestments.\n\n"
            "References:\n1. Smith (2021) Water.\n2. Jones (2022) Carbon.\n- Acme. (2023d). Annual report.\n")
    parsed = parse_text(text)
    found = {c.kind: c for c in find_citations(text, parsed.paragraphs)}
    assert set(found) == {"author_year", "cross_reference", "numbered_source", "url", "footnote"}
    assert found["author_year"].resolved_reference.startswith("Acme. (2023d)")
    assert found["numbered_source"].resolved_reference == "Jones (2022) Carbon."
    assert found["footnote"].resolved_reference == "Excludes divestments."
    assert found["url"].target == "https://example.org/data"
    for c in found.values():
        assert text[c.char_start:c.char_end] == c.surface
        if c.resolved_char_start is not None:
            assert text[c.resolved_char_start:c.resolved_char_end] == c.resolved_reference


@pytest.fixture(scope="module")
def shipped():
    from flows.process import process_sources
    from flows.read import source_file
    from tests.conftest import SHIPPED_REPORT

    (doc,) = process_sources([source_file(SHIPPED_REPORT.name, SHIPPED_REPORT.read_bytes(), 10**8)], "t")
    return doc.tables


def _fact_of(tables, surface):
    figures, mentions, facts = tables["figures"], tables["fact_mentions"], tables["facts"]
    ids = set(mentions[mentions["figure_id"].isin(figures.loc[figures["surface"] == surface, "figure_id"])]["fact_id"])
    return facts[facts["fact_id"].isin(ids)]


def test_shipped_report_donation_is_one_fact_with_three_mentions(shipped):
    facts = _fact_of(shipped, "RMB399 million")
    assert len(facts) == 1 and facts.iloc[0]["n_mentions"] == 3 and facts.iloc[0]["metric_code"] == "community_investment"


def test_shipped_report_70_million_and_2_billion_are_restated_periods(shipped):
    findings, links = shipped["findings"], shipped["finding_figures"]
    for surface, n in (("70 million", 4), ("2 billion", 2)):
        (fact,) = _fact_of(shipped, surface).itertuples()
        assert fact.n_mentions == n
        assert "restated_period" in set(findings.loc[findings["fact_id"] == fact.fact_id, "kind"])


@pytest.mark.parametrize("surface", ["21,409.4 MtCO2e", "8,067.9 MtCO2e", "1,175.8 MtCO2e"])
def test_shipped_report_implausible_emissions_are_flagged(shipped, surface):
    findings, links, figures = shipped["findings"], shipped["finding_figures"], shipped["figures"]
    ids = set(figures.loc[figures["surface"] == surface, "figure_id"])
    flagged = findings[findings["finding_id"].isin(links.loc[links["figure_id"].isin(ids), "finding_id"])]
    assert "implausible_magnitude" in set(flagged["kind"])
    assert "1e+09" in flagged.loc[flagged["kind"] == "implausible_magnitude", "message"].iloc[0]


def test_shipped_report_mentions_agree_and_ghg_facts_carry_gri_305(shipped):
    figures, mentions, facts = shipped["figures"], shipped["fact_mentions"], shipped["facts"]
    joined = mentions.merge(figures, on="figure_id").merge(facts, on="fact_id", suffixes=("", "_fact"))
    assert (joined["unit_normalized"] == joined["unit_normalized_fact"]).all()
    spread = joined.groupby("fact_id")["value_normalized"].agg(lambda v: (v.max() - v.min()) / max(abs(v.max()), 1))
    assert (spread <= 0.01).all()
    ghg = facts[facts["metric_code"].fillna("").str.startswith("ghg")]
    assert len(ghg) >= 3 and ghg["gri_code"].str.contains("GRI 305").all()


def test_a_cumulative_figure_is_not_held_to_a_yearly_range():
    assert _kinds(_rows("Climate\n\nWe aim to help cut 1.5 gigatons of emissions across our ecosystem over 15 years.\n")) == []
    assert _kinds(_rows("Climate\n\nWe aim to reduce 8,067.9 MtCO2e in our value chain emissions.\n")) == ["implausible_magnitude"]


def test_a_later_report_restating_a_value_is_linked_and_flagged(tmp_path):
    """The same reporting entity, metric and year in two reports: linked by fact_key; a different
    value in the later report (by reporting period) is a restated_value finding naming both."""
    import json

    from flows import load
    from flows.process import process_sources
    from flows.read import read_source, scan_raw

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "acme_2023.txt").write_text("Climate\n\nIn 2022 our Scope 1 emissions were 1,200 tCO2e.\n", encoding="utf-8")
    (raw / "acme_2024.txt").write_text("Climate\n\nIn 2022 our Scope 1 emissions were 1,260 tCO2e (restated).\n"
                                       "\nIn 2023 our Scope 1 emissions were 1,100 tCO2e.\n", encoding="utf-8")
    for name, period in (("acme_2023", "2023"), ("acme_2024", "2024")):
        (raw / f"{name}.meta.json").write_text(json.dumps({"company": "Acme plc", "period": period}), encoding="utf-8")
    con = load.connect(tmp_path / "esg.duckdb")
    for doc in process_sources([read_source(c, 10**6) for c in scan_raw(raw, {}, 10**6).sources], "run-1"):
        load.load_document(con, doc, "run-1")
    assert load.refresh_restatements(con, "run-1") == 1
    keys = con.execute("SELECT d.source_path, f.fact_key FROM facts f JOIN documents d USING (document_id) "
                       "WHERE f.year = 2022").fetchall()
    assert len(keys) == 2 and keys[0][1] == keys[1][1] == "Acme plc||ghg_scope1||2022"
    (source, message), = con.execute("SELECT d.source_path, g.message FROM findings g JOIN documents d USING (document_id) "
                                     "WHERE g.kind = 'restated_value'").fetchall()
    assert source == "acme_2024.txt" and "1,260" in message and "1,200" in message and "acme_2023.txt" in message
    assert con.execute("SELECT count(*) FROM finding_figures WHERE finding_id IN "
                       "(SELECT finding_id FROM findings WHERE kind = 'restated_value')").fetchone()[0] == 2
    assert load.refresh_restatements(con, "run-2") == 1  # idempotent: found anew, not added twice
    assert con.execute("SELECT count(*) FROM findings WHERE kind = 'restated_value'").fetchone()[0] == 1


def test_a_table_states_each_years_value_apart_even_when_equal():
    rows = _rows("Water\n\nMetric | 2021 | 2022 | 2023\nWater withdrawal (m3) | 5,000 | 5,000 | 4,800\n")
    facts = sorted((f["year"], f["value_normalized"]) for f in rows["facts"] if f["metric_code"] == "water_withdrawal")
    assert facts == [(2021, 5000.0), (2022, 5000.0), (2023, 4800.0)]


def test_intensities_per_different_things_are_different_facts():
    rows = _rows("GHG intensity\n\nMetric | 2022\nScope 1 and 2 tCO2e per employee | 1.4\n"
                 "Scope 1 and 2 tCO2e/ $1 million revenue | 1.4\n")
    units = sorted(f["unit_normalized"] for f in rows["facts"])
    assert units == ["tCO2e/employee", "tCO2e/revenue"]


def test_a_cell_spanning_columns_is_one_figure_and_nothing_is_orphaned():
    from flows.process import process_sources
    from flows.read import source_file

    html = ("<html><body><main><h1>Energy</h1><table><tr><th>Metric</th><th>2022</th><th>2023</th></tr>"
            "<tr><td>Energy use (MWh)</td><td colspan='2'>1,200</td></tr>"
            "<tr><td>Water (m3)</td><td>30</td><td>40</td></tr></table></main></body></html>")
    (doc,) = process_sources([source_file("t.html", html.encode(), 10**6)], "run-1")
    assert doc.rejections == []
    figures = doc.tables["figures"]
    assert sorted(figures["surface"]) == ["1,200", "30", "40"]
    mentions = doc.tables["fact_mentions"]
    assert set(mentions["figure_id"]) == set(figures["figure_id"]) and set(mentions["fact_id"]) == set(doc.tables["facts"]["fact_id"])


def test_pruning_the_earlier_report_removes_its_restatement(tmp_path):
    import json

    from flows import load
    from flows.process import process_sources
    from flows.read import read_source, scan_raw

    raw = tmp_path / "raw"
    raw.mkdir()
    for name, period, value in (("a", "2023", "1,200"), ("b", "2024", "1,260")):
        (raw / f"{name}.txt").write_text(f"Climate\n\nIn 2022 our Scope 1 emissions were {value} tCO2e.\n", encoding="utf-8")
        (raw / f"{name}.meta.json").write_text(json.dumps({"company": "Acme plc", "period": period}), encoding="utf-8")
    con = load.connect(tmp_path / "esg.duckdb")
    for doc in process_sources([read_source(c, 10**6) for c in scan_raw(raw, {}, 10**6).sources], "run-1"):
        load.load_document(con, doc, "run-1")
    assert load.refresh_restatements(con, "run-1") == 1
    load.prune(con, {"b.txt"})
    assert con.execute("SELECT count(*) FROM findings WHERE kind = 'restated_value'").fetchone()[0] == 0
    assert all(n == 0 for n in load.check_lineage(con).values()), load.check_lineage(con)
