"""From mentions to facts: one row per distinct fact, its mentions, and what is wrong with them.

``consolidate(figures, document_id, reporting_entity)`` is a pure function: the figure rows of one
document in, its facts, fact mentions, findings and finding figures out.

**Which mentions state one fact.** Two figures are mentions of one fact when they are about the
same entity, the same thing and the same kind of quantity, and their values agree:

- the same thing: the same standard metric (``metric_code``), or, for an unclassified figure, the
  same counted noun or label head word and topic ("70 million employment opportunities" and "70
  million employment chances" are both jobs_supported; "1,000 villages" and "1,000 people" differ);
- the same scope and Scope 2 method (market- and location-based Scope 2 never merge), and both
  targets or both not (a target and an achievement never merge);
- values that agree once normalized, within rounding: each value's rounding step is what its
  written precision allows ("2.6 million MWh" is 2.6 ± 0.05 million), and two values agree when
  they differ by no more than half the coarser step (plus 0.01% for unit conversions):
  "2,596,498 MWh" and "9,347,393 GJ" are one fact.

The fact's value is its most precise mention's; its year the year most of its mentions state.

**Findings** (the rules and ranges are data: ``schemas/vocab/findings.csv``):

- ``restated_period``: one fact stated with different years or dates ("as of March 30, 2023" and
  "as of March 31, 2023");
- ``conflicting_values``: the same metric, entity and year stated with different values;
- ``implausible_magnitude``: a value outside the sanity range of its metric or unit (one company's
  annual emissions above 1 GtCO2e; a share above 100 %); cumulative figures ("over 15 years") and
  figures about a country or the world are not held to a company's annual range;
- ``inconsistent_parts``: parts that exceed or fail to add up to their stated whole (Scope 1 +
  Scope 2 against a stated Scope 1+2 total, beyond rounding; a part larger than its whole).

``restated_value`` (a later report states a different value for the same fact) compares documents,
so it is found where all documents are: when the warehouse is loaded (flows/load.py).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

from flows.metrics import dimension, metric_titles
from schemas.vocabulary import read_vocab

_NUMBER = re.compile(r"\d[\d,\u00a0\u202f]*(?:\.\d+)?")
_MONTHS = {m: i + 1 for i, m in enumerate("january february march april may june july august september "
                                           "october november december".split())}
_DATE = re.compile(r"(?i:\b(?:as of|as at|at|on|by|until|through|end(?:ing|ed)?(?: on)?)\s+(?:the end of\s+)?"
                   r"(?:(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)|([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?)\s+((?:19|20)\d\d))")
_STOP = frozenset("a an the of our its their total over about around nearly more than some approximately "
                  "in to for and by with on at from as".split())


@dataclass(frozen=True)
class Rule:
    kind: str
    severity: str
    metric_code: str | None
    dimension: str | None
    minimum: float | None
    maximum: float | None
    unless: re.Pattern | None
    why: str


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """The sanity ranges, from schemas/vocab/findings.csv."""
    return tuple(Rule(r["kind"], r["severity"], r["metric_code"] or None, r["dimension"] or None,
                      float(r["min"]) if r["min"] else None, float(r["max"]) if r["max"] else None,
                      re.compile(f"(?i:{r['unless']})") if r["unless"] else None, r["why"])
                 for r in read_vocab("findings"))


def rounding_step(surface: str, value: float, value_normalized: float | None) -> float:
    """How far off a normalized value may be from what its written precision allows (the last digit's unit)."""
    if value_normalized is None:
        return 0.0
    m = _NUMBER.search(surface)
    if not m:
        return 0.0
    written = m.group(0).replace(",", "").replace("\u00a0", "").replace("\u202f", "")
    try:
        number = float(written)
    except ValueError:
        return 0.0
    if number == 0 or value == 0:
        return 0.0
    decimals = len(written.split(".")[1]) if "." in written else 0
    return 10.0 ** -decimals * abs(value_normalized / number)


def values_agree(a: float, step_a: float, b: float, step_b: float) -> bool:
    """Equal within rounding: no further apart than half the coarser step, plus 0.01% for conversions."""
    return abs(a - b) <= max(step_a, step_b) / 2 + 1e-4 * max(abs(a), abs(b))


def stated_date(sentence: str, surface: str) -> str | None:
    """The date a figure's sentence states for it ("as of March 31, 2023" -> 2023-03-31), if any."""
    at = sentence.find(surface)
    window = sentence[at:at + len(surface) + 120] if at >= 0 else sentence
    m = _DATE.search(window)
    if not m:
        return None
    day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
    number = _MONTHS.get(month.lower())
    if not number:
        return None
    return f"{m.group(5)}-{number:02d}-{int(day):02d}"


def _words(metric: str | None) -> frozenset[str]:
    """The content words of a label, lower case and singular: "rural villages" -> {rural, village}."""
    words = set()
    for word in re.findall(r"[a-z][a-z-]+", (metric or "").lower()):
        if word not in _STOP:
            words.add(word[:-1] if word.endswith("s") and not word.endswith("ss") else word)
    return frozenset(words)


def _identity(f: dict) -> tuple:
    """What a figure is about, but for its label: a classified figure's metric code says it all;
    unclassified figures of one topic are told apart by their labels when clustered."""
    what = f["metric_code"] or f"unclassified|{f['topic']}"
    return (f["entity"], what, dimension(f["unit_normalized"]) or f["unit"], bool(f["is_target"]))


def _same_thing(f: dict, cluster: list[dict]) -> bool:
    """The same scope and Scope 2 method where both mentions state one (a mention that states
    none may be either); then a classified figure is what its code says, and an unclassified one
    must share a label word with the cluster ("items available" and "items"; never "villages"
    and "people")."""
    for field in ("scope", "scope2_method"):
        stated = {g[field] for g in cluster if g[field]}
        if f[field] and stated and stated != {f[field]}:
            return False
    if f["metric_code"]:
        return True
    words = _words(f["metric"])
    return any(words & _words(g["metric"]) for g in cluster)


def _where(f: dict) -> str:
    page = f.get("page_number")
    page = f"page {int(page)}, " if page is not None and not (isinstance(page, float) and math.isnan(page)) else ""
    return f"'{f['surface']}' ({page}offset {f['char_start']:,})"


def _finding(document_id: str, kind: str, severity: str, message: str, figures: list[dict],
             fact_id: str | None) -> tuple[dict, list[dict]]:
    ids = sorted(f["figure_id"] for f in figures)
    finding_id = f"{document_id}:{kind}:" + hashlib.sha256("\x1f".join(ids).encode()).hexdigest()[:12]
    row = {"finding_id": finding_id, "document_id": document_id, "kind": kind, "severity": severity,
           "message": message, "fact_id": fact_id}
    return row, [{"finding_figure_id": f"{finding_id}|{i}", "finding_id": finding_id, "figure_id": i,
                  "document_id": document_id} for i in ids]


def _year(value) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def consolidate(figures: list[dict], document_id: str, reporting_entity: str | None
                ) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """(facts, fact_mentions, findings, finding_figures) of one document's figure rows."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for f in sorted(figures, key=lambda f: f["char_start"]):
        after = f.get("_after")
        f = dict(f, _year=_year(f.get("year")), _step=rounding_step(f["surface"], f["value"], f["value_normalized"]),
                 _date=stated_date(f["surface"] + after, f["surface"]) if after is not None
                 else stated_date(f.get("sentence") or "", f["surface"]))
        groups[_identity(f)].append(f)
    facts, mentions, findings, finding_figures = [], [], [], []

    def add_finding(kind, severity, message, figs, fact_id=None):
        row, links = _finding(document_id, kind, severity, message, figs, fact_id)
        if row["finding_id"] not in seen_findings:
            seen_findings.add(row["finding_id"])
            findings.append(row)
            finding_figures.extend(links)

    seen_findings: set[str] = set()
    by_code: dict[tuple, list[dict]] = defaultdict(list)  # (entity, code, year, target) -> facts
    for key, members in groups.items():
        clusters: list[list[dict]] = []
        for f in members:
            for cluster in clusters:
                head = cluster[0]
                if f["value_normalized"] is None or head["value_normalized"] is None:
                    same = f["value"] == head["value"] and f["unit"] == head["unit"]
                else:
                    same = values_agree(f["value_normalized"], f["_step"], head["value_normalized"], head["_step"])
                if same and _same_thing(f, cluster):
                    cluster.append(f)
                    break
            else:
                clusters.append([f])
        group_facts = []
        for cluster in clusters:
            first = cluster[0]
            precise = min(cluster, key=lambda f: (f["_step"] if f["value_normalized"] is not None else math.inf, f["char_start"]))
            years = Counter(f["_year"] for f in cluster if f["_year"] is not None)
            year = max(years.items(), key=lambda kv: (kv[1], -[f["_year"] for f in cluster].index(kv[0])))[0] if years else None
            code = first["metric_code"]
            fact_id = f"{document_id}:fact{first['char_start']}"
            fact = {
                "fact_id": fact_id, "document_id": document_id, "reporting_entity": reporting_entity,
                "entity": first["entity"], "metric_code": code,
                "metric": metric_titles()[code].title if code else first["metric"],
                "scope": next((f["scope"] for f in cluster if f["scope"]), None),
                "scope2_method": next((f["scope2_method"] for f in cluster if f["scope2_method"]), None),
                "value_normalized": precise["value_normalized"] if precise["value_normalized"] is not None else None,
                "value": precise["value"], "unit": precise["unit"], "unit_normalized": precise["unit_normalized"],
                "qualifier": precise["qualifier"], "year": year, "is_target": bool(first["is_target"]),
                "pillar": Counter(f["pillar"] for f in cluster).most_common(1)[0][0],
                "topic": Counter(f["topic"] for f in cluster).most_common(1)[0][0],
                "gri_code": first["gri_code"], "n_mentions": len(cluster),
                "first_figure_id": first["figure_id"], "first_char_start": first["char_start"],
                "first_char_end": first["char_end"], "first_page_number": first.get("page_number"),
                "fact_key": _fact_key(reporting_entity, first, year),
            }
            facts.append(fact)
            group_facts.append((fact, cluster))
            mentions.extend({"mention_id": f["figure_id"], "fact_id": fact_id, "figure_id": f["figure_id"],
                             "document_id": document_id} for f in cluster)
            periods = {f["_date"] or f["_year"] for f in cluster if (f["_date"] or f["_year"]) is not None}
            dated = {f["_date"] for f in cluster if f["_date"]}
            if (len({f["_year"] for f in cluster if f["_year"] is not None}) > 1 or len(dated) > 1) \
                    and _distinctive(cluster):
                by_period = defaultdict(list)
                for f in cluster:
                    by_period[f["_date"] or f["_year"]].append(f)
                parts = "; ".join(f"{p if p is not None else 'no date'}: {', '.join(_where(f) for f in fs)}"
                                  for p, fs in sorted(by_period.items(), key=lambda kv: str(kv[0])))
                add_finding("restated_period", "warning",
                            f"The same value, {first['surface']} ({fact['metric']}), is stated for "
                            f"{len(periods)} different periods — {parts}. Check which period it belongs to.",
                            cluster, fact_id)
            if code and not fact["is_target"]:
                by_code[(fact["entity"], code, fact["scope2_method"], year)].append((fact, cluster))
        if key[1] and len(group_facts) > 1 and group_facts[0][0]["metric_code"] and key[2] != "percent":
            by_year = defaultdict(list)
            for fact, cluster in group_facts:
                if fact["year"] is not None:
                    by_year[(fact["year"], fact["scope"], fact["scope2_method"])].append((fact, cluster))
            for (year, _, _), stated in by_year.items():
                stated = _same_label(stated)
                if len(stated) > 1:
                    desc = "; ".join(f"{fact['value']:,.6g} {fact['unit'] or ''} at {_where(cluster[0])}".replace("  ", " ")
                                     for fact, cluster in stated)
                    add_finding("conflicting_values", "warning",
                                f"{stated[0][0]['metric']} of {stated[0][0]['entity'] or 'the reporting entity'} "
                                f"for {year} is stated with {len(stated)} different values: {desc}.",
                                [f for _, cluster in stated for f in cluster], stated[0][0]["fact_id"])
    mentions_of = defaultdict(list)
    for m in mentions:
        mentions_of[m["fact_id"]].append(m["figure_id"])
    by_id = {f["figure_id"]: f for f in figures}
    for fact in facts:
        _check_magnitude(fact, [by_id[i] for i in mentions_of[fact["fact_id"]]], add_finding)
    _check_parts(by_code, add_finding)
    return facts, mentions, findings, finding_figures


def _distinctive(cluster: list[dict]) -> bool:
    """Whether one value stated for several periods says something: not a table's time series
    repeating a value across its year columns (100% renewable every year), and not a small count
    (four pillars, 11 recommendations), which repeats by chance."""
    columns: dict[str, set] = defaultdict(set)
    for f in cluster:
        if f.get("table_id"):
            columns[f["table_id"]].add(f.get("col_index"))
    if any(len(c) > 1 for c in columns.values()):
        return False  # a table's time series
    first = cluster[0]
    if first["unit_normalized"] == "%" and first["value"] in (0, 100):
        return False  # 0% and 100% repeat by nature
    return not (first["unit_normalized"] in ("count", "number", None) and abs(first["value"]) < 100)


def _label(f: dict) -> frozenset[str]:
    return _words(f.get("row_label") or f.get("metric"))


def _same_label(stated: list[tuple[dict, list[dict]]]) -> list[tuple[dict, list[dict]]]:
    """The facts whose own words say the same thing (half their label words shared): one metric
    code covers different things ("women in the workforce" and "women in management")."""
    first = _label(stated[0][1][0])
    alike = [stated[0]]
    for fact, cluster in stated[1:]:
        words = _label(cluster[0])
        if not first or not words or len(first & words) >= 0.5 * len(first | words):  # no words: the code decides
            alike.append((fact, cluster))
    return alike


def _fact_key(reporting_entity: str | None, f: dict, year: int | None) -> str | None:
    """What links the same fact across documents: reporting entity, metric, scope, method, year."""
    if not (reporting_entity and f["metric_code"] and year is not None) or f["is_target"]:
        return None
    entity = f["entity"] if f["entity"] != reporting_entity else ""
    return "|".join([reporting_entity, entity or "", f["metric_code"], f["scope2_method"] or "", str(year)])


def _check_magnitude(fact: dict, first: list[dict], add_finding) -> None:
    value = fact["value_normalized"]
    if value is None or not first:
        return
    figure = next(f for f in first if f["figure_id"] == fact["first_figure_id"])
    sentences = " ".join(f.get("sentence") or "" for f in first)  # what any mention says of it
    for rule in rules():
        if rule.kind != "implausible_magnitude":
            continue
        if rule.metric_code and not (fact["metric_code"] or "").startswith(rule.metric_code):
            continue
        if rule.dimension and dimension(fact["unit_normalized"]) != rule.dimension:
            continue
        if rule.unless and rule.unless.search(sentences):
            continue  # a cumulative figure, or one about a country or the world
        low, high = rule.minimum, rule.maximum
        if (high is not None and value > high) or (low is not None and value < low):
            bound = f"above {high:,.6g}" if high is not None and value > high else f"below {low:,.6g}"
            add_finding("implausible_magnitude", rule.severity,
                        f"{_where(figure)} is {value:,.6g} {fact['unit_normalized']}, {bound} {fact['unit_normalized']}: "
                        f"{rule.why}. Check the unit and the scale as printed.", [figure], fact["fact_id"])
            return


def _stated_together(a: list[dict], b: list[dict]) -> bool:
    """Whether two facts are stated in one table or one section: only then is one a part of the
    other (a corporate Scope 1 on page 32 is no part of a portfolio's emissions on page 38)."""
    tables = {f.get("table_id") for f in a} & {f.get("table_id") for f in b}
    sections = {f.get("section_id") for f in a} & {f.get("section_id") for f in b}
    return bool(tables - {None}) or bool(sections - {None})


def _check_parts(by_code: dict[tuple, list], add_finding) -> None:
    """Scope 1 + Scope 2 against a stated Scope 1+2 total; no part larger than its whole."""
    index: dict[tuple, list] = defaultdict(list)
    for (entity, code, method, year), stated in by_code.items():
        index[(entity, year)].append((code, method, stated))

    def value(fact):
        return fact["value_normalized"]

    def step(cluster):
        return max(f["_step"] for f in cluster)

    for (entity, year), codes in index.items():
        if year is None:
            continue
        by = defaultdict(list)
        for code, method, stated in codes:
            for fact, cluster in stated:
                if value(fact) is not None:
                    by[code].append((fact, cluster))
        wholes = [("ghg_scope1_2", ["ghg_scope1"]), ("ghg_scope1_2", ["ghg_scope2_market", "ghg_scope2_location", "ghg_scope2"]),
                  ("ghg_scope3", [f"ghg_scope3_cat{n:02d}" for n in range(1, 16)]),
                  ("ghg_total", ["ghg_scope1_2", "ghg_scope1", "ghg_scope3"])]
        for whole_code, part_codes in wholes:
            for whole, whole_cluster in by.get(whole_code, []):
                for part_code in part_codes:
                    for part, part_cluster in by.get(part_code, []):
                        if None not in (part["scope2_method"], whole["scope2_method"]) \
                                and part["scope2_method"] != whole["scope2_method"]:
                            continue  # location-based Scope 2 is no part of a market-based total
                        if not _stated_together(part_cluster, whole_cluster):
                            continue  # a part and a whole from different parts of the report
                        if value(part) > value(whole) + (step(part_cluster) + step(whole_cluster)) / 2 + 1e-4 * value(whole):
                            add_finding("inconsistent_parts", "error",
                                        f"{part['metric']} ({value(part):,.6g} {part['unit_normalized']} at "
                                        f"{_where(part_cluster[0])}) is larger than {whole['metric']} "
                                        f"({value(whole):,.6g} at {_where(whole_cluster[0])}) for {year}.",
                                        part_cluster + whole_cluster, whole["fact_id"])
        for total, total_cluster in by.get("ghg_scope1_2", []):
            scope1 = [(f, c) for f, c in by.get("ghg_scope1", []) if _stated_together(c, total_cluster)]
            if not scope1:
                continue
            method = total["scope2_method"]
            candidates = [p for code in ("ghg_scope2_market", "ghg_scope2_location", "ghg_scope2") for p in by.get(code, [])
                          if (method is None or p[0]["scope2_method"] in (method, None))
                          and _stated_together(p[1], total_cluster)]
            if not candidates:
                continue
            sums = []
            adds_up = False
            for s1, s1_cluster in scope1:
                for s2, s2_cluster in candidates:
                    tolerance = (step(s1_cluster) + step(s2_cluster) + step(total_cluster)) / 2 + 1e-3 * value(total)
                    sums.append((s1, s1_cluster, s2, s2_cluster))
                    if abs(value(s1) + value(s2) - value(total)) <= tolerance:
                        adds_up = True
            if not adds_up:
                s1, s1_cluster, s2, s2_cluster = sums[0]
                add_finding("inconsistent_parts", "warning",
                            f"Scope 1 ({value(s1):,.6g} at {_where(s1_cluster[0])}) + {s2['metric']} "
                            f"({value(s2):,.6g} at {_where(s2_cluster[0])}) = {value(s1) + value(s2):,.6g} "
                            f"{total['unit_normalized']}, but Scope 1 and 2 is stated as {value(total):,.6g} at "
                            f"{_where(total_cluster[0])} for {year}: the parts do not add up to the whole beyond rounding.",
                            s1_cluster + s2_cluster + total_cluster, total["fact_id"])
