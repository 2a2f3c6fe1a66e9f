"""The `esg` command as a user runs it: real processes, real output, real exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHIPPED_REPORT


def esg(*args: str, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A user's working folder after `esg run` on the shipped report."""
    root = tmp_path_factory.mktemp("project")
    (root / "raw").mkdir()
    shutil.copy(SHIPPED_REPORT, root / "raw" / SHIPPED_REPORT.name)
    result = esg("run", cwd=root)
    assert result.returncode == 0, result.stderr
    root.joinpath("first_run.out").write_text(result.stdout + "\n--stderr--\n" + result.stderr)
    return root


def test_run_prints_a_short_summary_and_nothing_else(project):
    out, err = project.joinpath("first_run.out").read_text().split("\n--stderr--\n")
    assert "1 loaded, 0 unchanged, 0 rejected" in out
    assert "25 sections" in out and "figures" in out and "warehouse/esg.duckdb" in out
    assert len(out.strip().splitlines()) <= 10
    assert "Traceback" not in out + err and "Warning" not in out + err
    assert err.strip() == ""


def test_second_run_skips_the_unchanged_report(project):
    result = esg("run", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "0 loaded, 1 unchanged, 0 rejected" in result.stdout


def test_query_formats(project):
    sql = "select topic, count(*) as n from figures group by 1 order by 2 desc, 1"
    table = esg("query", sql, cwd=project)
    csv_out = esg("query", sql, "--format", "csv", cwd=project)
    js = esg("query", sql, "--format", "json", cwd=project)
    assert table.returncode == csv_out.returncode == js.returncode == 0
    rows = json.loads(js.stdout)
    assert rows and set(rows[0]) == {"topic", "n"}
    assert csv_out.stdout.splitlines()[0] == "topic,n"
    assert len(csv_out.stdout.splitlines()) == len(rows) + 1
    assert table.stdout.splitlines()[0].split() == ["topic", "n"]
    assert f"({len(rows)} rows)" in table.stdout


@pytest.mark.parametrize("sql, words", [
    ("delete from figures", "read-only"),
    ("copy (select * from documents) to 'leak.csv'", "disabled"),
    ("export database 'dump'", "disabled"),
    ("select * from read_text('/etc/hostname')", "disabled"),
    ("set lock_configuration = false", "locked"),
    ("create table x as select 1", "read-only"),
    ("selec 1", "syntax error"),
    ("select nope from figures", "nope"),
])
def test_query_refuses_writes_and_bad_sql_in_one_line(project, sql, words):
    result = esg("query", sql, cwd=project)
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr


def test_export_writes_parquet_and_manifest_identically_twice(project):
    first = esg("export", cwd=project)
    manifest1 = json.loads((project / "warehouse" / "exports" / "manifest.json").read_text())
    second = esg("export", cwd=project)
    manifest2 = json.loads((project / "warehouse" / "exports" / "manifest.json").read_text())
    assert first.returncode == second.returncode == 0
    assert manifest1 == manifest2
    from flows.settings import SCHEMA_VERSION

    assert manifest1["schema_version"] == SCHEMA_VERSION and manifest1["run_id"]
    for entry in manifest1["tables"]:
        assert (project / "warehouse" / "exports" / entry["file"]).exists()


def test_query_without_a_warehouse_says_what_to_do(tmp_path):
    result = esg("query", "select 1", cwd=tmp_path)
    assert result.returncode == 1 and "run `esg run` first" in result.stderr


def test_run_without_raw_dir_says_what_to_do(tmp_path):
    result = esg("run", "--raw", "nowhere", cwd=tmp_path)
    assert result.returncode == 1 and "nowhere: no such directory" in result.stderr


@pytest.mark.parametrize("command", ["run", "query", "export", "prune", "serve", "bench", "web"])
def test_every_command_has_help_with_an_example(command):
    result = esg(command, "--help", cwd=ROOT)
    assert result.returncode == 0 and "Example:" in result.stdout and "--warehouse" in result.stdout


def test_esg_console_script_is_installed():
    script = Path(sys.executable).parent / "esg"
    assert script.exists() or shutil.which("esg"), "pip install -e . declares the `esg` console script"


def test_bench_prints_throughput_memory_and_the_quantulum3_ratio(tmp_path, shipped_text):
    sample = tmp_path / "sample.txt"
    sample.write_text(shipped_text[27000:31000], encoding="utf-8")
    result = esg("bench", "--file", str(sample), "--runs", "2", "--quantulum-runs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()
            if line.strip().startswith(("esg-pipeline ", "quantulum3 ")) and line.split()[1].isdigit()}
    assert set(rows) == {"esg-pipeline", "quantulum3"}
    runs, mb_s, chars_s, figures, figures_s, peak = rows["esg-pipeline"][1:7]
    assert int(runs) == 2 and float(mb_s) > 0 and int(figures) > 0 and float(peak) > 0
    assert "x the throughput of quantulum3" in result.stdout
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr

def test_prune_removes_what_left_raw_and_says_so(tmp_path, prefect_api_url):
    from tests.conftest import esg_env, finish, start_esg, write_small_reports

    raw = tmp_path / "raw"
    raw.mkdir()
    write_small_reports(raw, 3)
    (raw / "empty.txt").write_bytes(b"")
    env = esg_env(prefect_api_url)
    run = lambda *args: finish(start_esg(*args, cwd=tmp_path, env=env))  # noqa: E731
    assert run("run")[0] == 0
    (raw / "report_001.txt").unlink()
    (raw / "empty.txt").unlink()
    code, out, err = run("run")
    assert code == 0 and "1 document(s) no longer in raw/: rows kept" in out and "`esg prune`" in out, err

    code, out, _ = run("prune", "--dry-run")
    assert code == 0 and "would remove report_001.txt (document " in out and "last seen by run" in out
    assert "would remove 1 document(s), 1 rejection(s) of 1 file(s)" in out
    code, out, _ = run("prune")
    assert code == 0 and "removed report_001.txt" in out
    assert "removed 1 document(s), 1 rejection(s) of 1 file(s) gone from raw/, and the processing cache" in out
    code, out, _ = run("query", "select source_path from documents order by 1", "--format", "csv")
    assert out.splitlines() == ["source_path", "report_000.txt", "report_002.txt"]
    assert not (tmp_path / "warehouse" / "cache").exists()

    (raw / "report_000.txt").unlink()
    (raw / "report_002.txt").unlink()
    code, _, err = run("prune")
    assert code == 1 and "holds none of the warehouse's 2 documents; is --raw right?" in err


def test_run_on_a_local_dask_cluster(tmp_path, prefect_api_url):
    from tests.conftest import esg_env, finish, start_esg, write_small_reports

    raw = tmp_path / "raw"
    raw.mkdir()
    write_small_reports(raw, 30)  # two batches of 25, so there is something to fan out
    proc = start_esg("run", "--task-runner", "dask", cwd=tmp_path, env=esg_env(prefect_api_url))
    code, out, err = finish(proc)
    assert code == 0, err
    assert "30 loaded, 0 unchanged, 0 rejected" in out and "210 figures" in out
    assert re.search(r"processed in [12] worker process\(es\) \(dask task runner\)", out), out
    assert "Traceback" not in out + err and "distributed" not in err


def test_dask_address_needs_the_dask_runner(tmp_path):
    (tmp_path / "raw").mkdir()
    result = esg("run", "--dask-address", "tcp://127.0.0.1:8786", cwd=tmp_path)
    assert result.returncode == 1 and "--dask-address needs --task-runner dask" in result.stderr


def test_query_keeps_long_text_whole_when_asked(project):
    sql = "select sentence from figures order by length(sentence) desc, figure_id limit 1"
    whole = json.loads(esg("query", sql, "--format", "json", cwd=project).stdout)[0]["sentence"]
    assert len(whole) > 60 and "\n" not in whole
    table = esg("query", sql, cwd=project).stdout.splitlines()
    assert table[2] == whole[:59] + "…"  # the default table cuts at 60 characters
    wide = esg("query", sql, "--wide", cwd=project).stdout.splitlines()
    assert wide[2] == whole and wide[-1] == "(1 row)"
    csv_out = esg("query", sql, "--format", "csv", cwd=project).stdout
    assert next(csv.reader(io.StringIO(csv_out), strict=True)) == ["sentence"] and whole in csv_out
