"""The README stays true: every command, flag and table column is documented."""

from __future__ import annotations

import re

from flows.cli import build_parser
from schemas import TABLES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_cli_command_and_flag_is_in_the_readme():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        assert f"esg {name}" in README, name
        for action in command._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in README, f"esg {name} {flag}"


def test_every_table_and_column_is_in_the_readme():
    for table, (model, _) in TABLES.items():
        assert f"`{table}`" in README, table
        for column in model.to_schema().columns:
            assert f"`{column}`" in README, f"{table}.{column}"


def test_every_column_has_a_description_in_its_schema():
    for table, (model, _) in TABLES.items():
        for name, column in model.to_schema().columns.items():
            assert column.description, f"{table}.{name} has no Field(description=...)"


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second():
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", README, re.S)
    install_run, install_test = blocks[0].strip(), blocks[1].strip()
    assert "esg run" in install_run and "pip install" in install_run
    assert "pytest" in install_test and "pip install" in install_test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert install_test in ci


def test_readme_table_reference_is_generated_from_the_models():
    from flows.docs import readme_with_reference

    assert readme_with_reference(README) == README, "run `python -m flows.docs` to update README.md"
