"""Whose figure it is: an organisation (or part of one) its sentence names, else the reporting entity.

The extractor proposes a name from the figure's sentence (its subject). That name is kept when
it names an organisation or a part of one: it carries an organisation word
(``schemas/vocab/organisation_words.csv``: Group, plc, Foundation, Data Center, Plant, ...) or
extends the reporting entity's name ("Alibaba Cloud" in Alibaba Group's report). A shorter form
of the reporting entity ("Alibaba") is the reporting entity. Any other name (a person, a place, a
programme, a capitalized heading word) is not whose figure it is: the figure belongs to the
reporting entity.
"""

from __future__ import annotations

import re
from functools import lru_cache

from schemas.vocabulary import read_vocab

_ROLES = frozenset("CEO CFO COO Chair Chairman Board Group Executive Committee Management Report".split())


@lru_cache(maxsize=1)
def organisation_words() -> dict[str, str]:
    """word -> where it must stand in a name: "last" (a legal form: plc, Inc, AG) or "any"."""
    return {row["word"]: row["position"] for row in read_vocab("organisation_words")}


def _core(name: str) -> str:
    """A name without its legal form or "Group": "Shell plc" -> "Shell", "Alibaba Group" -> "Alibaba"."""
    words = name.split()
    while len(words) > 1 and (organisation_words().get(words[-1]) == "last" or words[-1] == "Group"):
        words = words[:-1]
    return " ".join(words)


def names_organisation(name: str) -> bool:
    """Whether a name reads as an organisation or a part of one (a site, a unit): "Suwon Data
    Center", "Ministry of Health", "Acme AG"; a name in capitals (a heading) does not."""
    parts = name.split()
    if len(parts) < 2 or name.isupper():
        return False
    vocab = organisation_words()
    return vocab.get(parts[-1]) == "last" or any(vocab.get(w.strip(",")) == "any" for w in parts)


_SOURCE_BEFORE = re.compile(
    r"(?i:according to|reported by|report by|reports by|data (?:from|by)|source[sd]?\s*:|survey by|stud(?:y|ies) by|"
    r"research by|estimated? by|estimates? from|verified by|certified by|assured by|audited by|assessed by|"
    r"calculated by|cited by|rated by|ranked by|in partnership with|partnered with|together with|"
    r"in collaboration with|with the support of)\W+(?:[\w’'-]+\W+){0,4}?$")
_SOURCE_AFTER = re.compile(r"(?i:^\S*(?:’s|'s)?\s+(?:report|study|survey|research|analysis|data|estimates?|"
                           r"assessment|verification|certification|rating|index)\b)")


def is_source(named: str, sentence: str) -> bool:
    """Whether the sentence names the organisation as a source or partner ("according to a report by
    Renmin University", "Carbon Trust's report"), not as whom the figure is about."""
    at = sentence.find(named)
    while at != -1:
        if _SOURCE_BEFORE.search(sentence[max(0, at - 80):at]) or _SOURCE_AFTER.search(sentence[at + len(named):at + len(named) + 40]):
            return True
        at = sentence.find(named, at + 1)
    return False


def figure_entity(named: str | None, reporting_entity: str | None, sentence: str = "") -> str | None:
    """The entity of a figure, from the name its sentence gives (if any) and the reporting entity."""
    if not named or (sentence and is_source(named, sentence)):
        return reporting_entity
    if reporting_entity:
        core = _core(reporting_entity)
        if named in (reporting_entity, core) or reporting_entity.startswith(named + " ") or core.startswith(named):
            return reporting_entity  # "Alibaba" in Alibaba Group's report
        rest = named[len(core) + 1:] if named.startswith(core + " ") else ""
        if rest and not named.isupper() and all(w[:1].isupper() for w in rest.split()) and rest not in _ROLES:
            return named  # a named part: "Alibaba Cloud", "Shell Polymers Monaca"
    if names_organisation(named):
        return named
    return reporting_entity
