"""The shape of the code: one way through, models that never import the code filling them."""

from __future__ import annotations

import ast

from flows.version import processing_modules
from tests.conftest import ROOT


def _imported(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_schemas_never_import_flows():
    for path in (ROOT / "schemas").glob("*.py"):
        assert not any(n == "flows" or n.startswith("flows.") for n in _imported(path)), path.name


def test_loading_never_imports_the_processing_step():
    assert not {"flows.process", "flows.extract", "flows.parse", "flows.readers"} & _imported(ROOT / "flows" / "load.py")


def test_code_version_covers_every_module_processing_reaches():
    modules, libraries = processing_modules()
    for name in ("flows.process", "flows.extract", "flows.parse", "flows.readers", "flows.readers.text",
                 "flows.report_info", "flows.entity", "flows.validate", "schemas.vocabulary"):
        assert name in modules, name
    assert {"pandas", "pandera"} <= libraries and "flows.load" not in modules


def test_vocabulary_tables_are_well_formed():
    """Every row of every vocabulary has its header's fields (a regex with a comma must be quoted)."""
    import csv
    import re

    for path in (ROOT / "schemas" / "vocab").glob("*.csv"):
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert all(len(row) == len(rows[0]) for row in rows), path.name
        for row in csv.DictReader(open(path, encoding="utf-8", newline="")):
            for column in ("phrases", "excludes", "unless"):
                if row.get(column):
                    re.compile(row[column])
