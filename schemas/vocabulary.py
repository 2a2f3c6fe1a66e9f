"""Vocabularies shared by the processing code (flows/) and the table models (schemas/).

Both import them from here, so a model never imports the code that fills its table. The
vocabularies are data: the tables in ``schemas/vocab/`` (units, currencies, topics, metrics,
organisation words, findings rules), read once, here or by the module that uses them.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

VOCAB = Path(__file__).resolve().parent / "vocab"

# What a block of a document is (flows/document.py); the first three are read as prose.
BLOCK_KINDS = ("text", "list", "caption", "table", "references", "furniture")
PROSE_KINDS = frozenset({"text", "list", "caption"})
FORMATS = ("txt", "md", "html", "pdf")
QUALIFIERS = ("exact", "approximately", "at_least", "at_most")


def read_vocab(name: str) -> list[dict[str, str]]:
    """The rows of schemas/vocab/<name>.csv."""
    with open(VOCAB / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


_UNIT_ROWS = read_vocab("units")
# unit as written -> (unit code, kind); lower-case keys, then spellings whose case carries meaning
UNITS: dict[str, tuple[str, str]] = {
    s.lower(): (r["code"], r["kind"]) for r in _UNIT_ROWS for s in r["spellings"].split("|") if s}
CASED_UNITS: dict[str, tuple[str, str]] = {
    s: (r["code"], r["kind"]) for r in _UNIT_ROWS for s in r["cased_spellings"].split("|") if s}
# unit code -> the code it normalizes to (GHG -> tCO2e, energy -> kWh, mass -> t, water -> m3, ...)
NORMALIZES_TO: dict[str, str] = {r["code"]: r["normalizes_to"] for r in _UNIT_ROWS}
PINT_NAMES: dict[str, str] = {r["code"]: r["pint_name"] for r in _UNIT_ROWS if r["pint_name"]}

_CURRENCY_ROWS = read_vocab("currencies")
CURRENCY_CODES: dict[str, str] = {r["written"]: r["code"] for r in _CURRENCY_ROWS if r["kind"] == "symbol_or_code"}
CURRENCY_WORDS: dict[str, str] = {r["written"]: r["code"] for r in _CURRENCY_ROWS if r["kind"] == "word"}

PILLAR: dict[str, str] = {r["topic"]: r["pillar"] for r in read_vocab("topics")}
TOPICS = tuple(PILLAR)

_BASE_UNITS = sorted({code for code, _ in UNITS.values()} | {c for c, _ in CASED_UNITS.values()}
                     | set(CURRENCY_CODES.values()) | set(NORMALIZES_TO.values())
                     | {"count", "fraction", "number", "times"})
UNIT_PATTERN = r"^(?:" + "|".join(re.escape(u) for u in _BASE_UNITS) + r")(?:/[A-Za-z0-9 ²³.-]{1,24})*$"
"""Valid unit codes: a base code, optionally per something (``kWh/m2``, ``tCO2e/tonne``)."""
