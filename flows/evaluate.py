"""Score figures against a labelled answer key: recall, precision and per-field accuracy."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

FIELDS = ("value", "unit_normalized", "qualifier", "year", "topic", "entity")


@dataclass
class Score:
    """How a set of predicted figures compares to an answer key."""

    n_key: int
    n_predicted: int
    matched: int  # span overlap and equal value
    overlapped: int = 0  # span overlap, any value: the denominator of value accuracy
    field_hits: dict[str, int] = field(default_factory=dict)
    misses: list[dict] = field(default_factory=list)
    false_positives: list[dict] = field(default_factory=list)
    field_errors: list[tuple[str, dict, dict]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.matched / self.n_key if self.n_key else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.n_predicted if self.n_predicted else 1.0

    def accuracy(self, name: str) -> float:
        """Share of matched figures with this field right (value: share of overlapping spans)."""
        total = self.overlapped if name == "value" else self.matched
        return self.field_hits.get(name, 0) / total if total else 0.0

    def summary(self) -> str:
        fields = "  ".join(f"{f} {self.accuracy(f):.3f}" for f in FIELDS)
        return (f"recall {self.recall:.3f}  precision {self.precision:.3f}  "
                f"({self.matched}/{self.n_key} key, {self.n_predicted} found)  {fields}")


def read_answer_key(path: Path) -> list[dict]:
    """Rows of an answer-key CSV, with offsets and value as numbers and year as int or None."""
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            row["char_start"], row["char_end"] = int(row["char_start"]), int(row["char_end"])
            row["value"] = float(row["value"])
            row["year"] = int(row["year"]) if row.get("year") else None
            rows.append(row)
    return rows


def _same_value(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _same(name: str, predicted, expected) -> bool:
    if name == "value":
        return _same_value(float(predicted), float(expected))
    return (predicted or None) == (expected or None)


def score_figures(predicted: list[dict], key: list[dict]) -> Score:
    """Match predictions to the key by span overlap, then compare values and fields.

    A figure counts for recall and precision when its span overlaps a key figure's and its value
    is equal; value accuracy is measured over overlapping spans, the other fields over matches.
    predicted rows need char_start, char_end, value and, for field accuracy, the FIELDS.
    """
    score = Score(n_key=len(key), n_predicted=len(predicted), matched=0,
                  field_hits={f: 0 for f in FIELDS})
    used: set[int] = set()
    for expected in key:
        overlapping = [i for i, p in enumerate(predicted) if i not in used
                       and p["char_start"] < expected["char_end"] and expected["char_start"] < p["char_end"]]
        if not overlapping:
            score.misses.append(expected)
            continue
        hit = next((i for i in overlapping if _same_value(float(predicted[i]["value"]), expected["value"])), None)
        score.overlapped += 1
        if hit is None:
            used.add(overlapping[0])
            score.misses.append(expected)
            score.field_errors.append(("value", predicted[overlapping[0]], expected))
            continue
        used.add(hit)
        score.matched += 1
        for name in FIELDS:
            if name in predicted[hit]:
                if _same(name, predicted[hit][name], expected[name]):
                    score.field_hits[name] += 1
                else:
                    score.field_errors.append((name, predicted[hit], expected))
    score.false_positives = [p for i, p in enumerate(predicted) if i not in used]
    return score
