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

def test_bench_json_gives_the_same_row_as_data(tmp_path, shipped_text):
    sample = tmp_path / "sample.txt"
    sample.write_text(shipped_text[27000:31000], encoding="utf-8")
    result = esg("bench", "--file", str(sample), "--runs", "2", "--quantulum-runs", "0", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)["extraction"]  # the one JSON object is all of stdout
    assert (row["name"], row["runs"], len(row["seconds"]), row["chars"]) == ("esg-pipeline", 2, 2, 4000)
    assert row["figures"] > 0 and row["megabytes_per_second"] == pytest.approx(row["bytes"] / row["median_seconds"] / 1e6)


def test_prune_removes_what_left_raw_and_says_so(tmp_path, prefect_api_url):
    from tests.conftest import esg_env, finish, start_esg, write_small_reports

    raw = tmp_path / "raw"
    raw.mkdir()
    write_small_reports(raw, 3)
    (raw / "empty.txt").write_bytes(b"")
    env = esg_env(prefect_api_url)
    run = lambda *args: finish(start_esg(*args, cwd=tmp_path, env=env))  # noqa: E731
    assert run("run")[0] == 3  # empty.txt is rejected
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


def test_a_link_out_of_raw_is_rejected_unless_follow_links(tmp_path, prefect_api_url):
    from tests.conftest import esg_env, finish, start_esg

    (tmp_path / "raw").mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("Sub header: S\nWe hid 42 tonnes.\n", encoding="utf-8")
    (tmp_path / "raw" / "p.txt").symlink_to(secret)
    env = esg_env(prefect_api_url)
    code, out, err = finish(start_esg("run", cwd=tmp_path, env=env))
    assert code == 3 and "0 loaded, 0 unchanged, 1 rejected" in out, err
    assert f"rejected raw/p.txt: a link to {secret}, outside raw/" in out
    code, out, err = finish(start_esg("run", "--follow-links", cwd=tmp_path, env=env))
    assert code == 0 and "1 loaded, 0 unchanged, 0 rejected" in out, err


def test_the_summary_needs_no_second_look_at_the_warehouse(tmp_path, prefect_harness):
    """A run reports from what it knew while it held the warehouse: another run that takes the
    warehouse the moment it is released (esg run --wait) cannot make a finished run exit 1."""
    import subprocess
    import textwrap

    from flows.cli import render_summary
    from flows.pipeline import ingest_reports
    from tests.conftest import write_small_reports

    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse" / "esg.duckdb"
    raw.mkdir()
    write_small_reports(raw, 2)
    (raw / "empty.txt").write_bytes(b"")
    summary = ingest_reports(raw_dir=raw, warehouse=warehouse)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, time
        con = duckdb.connect({str(warehouse)!r}); print("locked", flush=True); time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"  # the next writer has it now
        text = render_summary(summary, raw)
    finally:
        holder.kill()
        holder.wait()
    assert f"3 file(s) in {raw}/ - 2 loaded, 0 unchanged, 1 rejected" in text
    assert re.search(r"warehouse now:  2 documents, 4 sections, 8 paragraphs, 14 figures, \d+ facts, \d+ findings, "
                     r"1 rejections", text), text
    assert f"rejected {raw}/empty.txt: the file is empty" in text


def test_query_cannot_write_into_the_spill_folder_even_when_it_exists(project):
    spill = project / "warehouse" / "esg.duckdb.tmp"
    spill.mkdir(exist_ok=True)
    try:
        for sql in (f"copy (select * from documents) to '{spill}/x.csv'", f"export database '{spill}'"):
            result = esg("query", sql, cwd=project)
            assert result.returncode == 1 and result.stdout == "", sql
            assert result.stderr.count("\n") == 1 and "refused: queries are read-only" in result.stderr
        assert list(spill.iterdir()) == []
    finally:
        shutil.rmtree(spill)


def test_query_limits_rows_and_time_and_says_so(project):
    table = esg("query", "select * from range(100)", "--max-rows", "3", cwd=project)
    assert table.returncode == 0
    assert table.stdout.splitlines()[2:] == ["0", "1", "2", "(3 rows shown: the result has more than 3 rows; "
                                             "--max-rows N shows more, 0 all)"]
    csv_out = esg("query", "select * from range(100)", "--max-rows", "3", "--format", "csv", cwd=project)
    assert csv_out.stdout.splitlines() == ["range", "0", "1", "2"]  # the note goes to stderr, not into the data
    assert "printed 3 rows: the result has more than 3 rows" in csv_out.stderr
    everything = esg("query", "select * from range(20000)", "--max-rows", "0", "--format", "csv", cwd=project)
    assert len(everything.stdout.splitlines()) == 20001 and everything.stderr == ""
    slow = esg("query", "select count(*) from range(10000000000000)", "--timeout", "1", cwd=project)
    assert slow.returncode == 1 and slow.stdout == ""
    assert slow.stderr == ("esg query: error: the query was stopped after 1 s; allow it longer with "
                           "--timeout SECONDS (0: no limit)\n")


@pytest.mark.parametrize("sql, words", [
    ("", "no SQL given"),
    ("-- nothing", "no SQL statement in the query"),
])
def test_query_without_a_statement_says_so_in_one_line(project, sql, words):
    result = esg("query", sql, cwd=project)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and words in result.stderr


def test_ctrl_c_stops_a_query_with_one_line_and_exit_130(project):
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "query", "select count(*) from range(10000000000000)"],
                            cwd=project, env={k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as in a terminal
    _wait_until_it_holds(project / "warehouse" / "esg.duckdb", proc.pid)
    time.sleep(0.5)  # into the query itself
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and out == ""
    assert err == "esg query: interrupted (Ctrl-C); the query was stopped; nothing was changed\n"


def _wait_until_it_holds(warehouse: Path, pid: int, timeout: float = 180) -> None:
    """Return once process pid has warehouse open (read from /proc, so the test never takes the
    file's lock itself: a probe that opened it could make pid find it busy and give up)."""
    import time

    target = os.path.realpath(warehouse)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            fds = []
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return
            except OSError:
                continue
        time.sleep(0.1)
    raise AssertionError(f"PID {pid} did not open {warehouse} within {timeout} s")


def test_a_run_blocked_by_a_long_query_names_it(tmp_path, project, prefect_api_url):
    from tests.conftest import esg_env, finish, start_esg

    shutil.copytree(project / "raw", tmp_path / "raw")
    shutil.copytree(project / "warehouse", tmp_path / "warehouse", ignore=shutil.ignore_patterns("exports"))
    query = start_esg("query", "select count(*) from range(10000000000000)", cwd=tmp_path, env=esg_env())
    try:
        _wait_until_it_holds(tmp_path / "warehouse" / "esg.duckdb", query.pid)
        code, out, err = finish(start_esg("run", cwd=tmp_path, env=esg_env(prefect_api_url)))
    finally:
        query.kill()
        query.wait()
    assert code == 1 and out == ""
    assert err == (f"esg run: error: warehouse/esg.duckdb: the warehouse is in use by PID {query.pid} (esg query "
                   "select count(*) from range(10000000000000)); wait for it to finish, pass --wait SECONDS, "
                   "or use another --warehouse\n")


def _damage_a_data_block(warehouse: Path) -> None:
    """Overwrite a block of the documents table: the file opens, and fails when its rows are read."""
    import duckdb

    data = warehouse.read_bytes()
    for offset in range(2 * 262144, len(data), 262144):
        warehouse.write_bytes(data[:offset] + os.urandom(4096) + data[offset + 4096:])
        try:
            con = duckdb.connect(str(warehouse), read_only=True)
        except duckdb.Error:
            continue
        try:
            con.execute("select sum(hash(t)) from documents t").fetchall()
        except duckdb.Error:
            return  # opens, but the documents' rows cannot be read
        finally:
            con.close()
    raise AssertionError("no data block of the documents table to damage")


@pytest.mark.parametrize("damage", ["truncate", "data block"])
def test_a_damaged_warehouse_is_named_damaged_with_how_to_rebuild_it(tmp_path, project, prefect_api_url, damage):
    from tests.conftest import esg_env, finish, start_esg

    shutil.copytree(project / "raw", tmp_path / "raw")
    for i in range(20):  # a warehouse of several blocks
        (tmp_path / "raw" / f"copy {i}.txt").write_text(SHIPPED_REPORT.read_text(encoding="utf-8") + f"\n{i}\n",
                                                       encoding="utf-8")
    env = esg_env(prefect_api_url)
    assert finish(start_esg("run", cwd=tmp_path, env=env))[0] == 0
    warehouse = tmp_path / "warehouse" / "esg.duckdb"
    if damage == "truncate":
        warehouse.write_bytes(warehouse.read_bytes()[:warehouse.stat().st_size // 2])
    else:
        _damage_a_data_block(warehouse)
    # a run reads every table only when the file is truncated: a damaged block of document text
    # is met by what reads it (a query, an export), not by a run that finds nothing changed
    commands = (("query", "select sum(length(text)) from documents"), ("export",))
    for args in commands + ((("run",),) if damage == "truncate" else ()):
        code, out, err = finish(start_esg(*args, cwd=tmp_path, env=env))
        assert code == 1 and out == "", (args, err)
        (line,) = err.strip().splitlines()
        assert line.startswith(f"esg {args[0]}: error: warehouse/esg.duckdb: the warehouse file is damaged ("), line
        assert line.endswith("it is derived from raw/, so delete it (or move it aside) and run `esg run` to rebuild it")


def _tmpfs(path: Path, size: str) -> bool:
    """Mount a tmpfs of size at path (a small disk to fill); False where that is not allowed."""
    path.mkdir()
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_a_full_disk_is_the_error_shown(tmp_path, prefect_api_url):
    from tests.conftest import esg_env, finish, start_esg

    disk = tmp_path / "disk"
    if not _tmpfs(disk, "3m"):
        pytest.skip("cannot mount a small tmpfs here (needs root); test_load fakes a full disk instead")
    try:
        (tmp_path / "raw").mkdir()
        text = SHIPPED_REPORT.read_text(encoding="utf-8")
        for i in range(30):
            (tmp_path / "raw" / f"r{i:02d}.txt").write_text(f"{text}\nid {i}\n", encoding="utf-8")
        code, out, err = finish(start_esg("run", "--warehouse", str(disk / "esg.duckdb"), cwd=tmp_path,
                                          env=esg_env(prefect_api_url)))
        assert code == 1 and out == ""
        (line,) = err.strip().splitlines()
        assert "no space left on the disk (" in line and "free some space" in line, line
        assert "rollback" not in line
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_run_exit_code_tells_a_script_whether_files_were_rejected(tmp_path, prefect_api_url):
    from tests.conftest import esg_env, finish, start_esg, write_small_reports

    (tmp_path / "raw").mkdir()
    write_small_reports(tmp_path / "raw", 2)
    (tmp_path / "raw" / "empty.txt").write_bytes(b"")
    env = esg_env(prefect_api_url)
    code, out, err = finish(start_esg("run", cwd=tmp_path, env=env))
    assert code == 3 and "2 loaded, 0 unchanged, 1 rejected" in out and err == ""
    (tmp_path / "raw" / "empty.txt").unlink()
    code, out, err = finish(start_esg("run", cwd=tmp_path, env=env))
    assert code == 0 and "0 loaded, 2 unchanged, 0 rejected" in out
    assert "3    esg run: done, but some files were rejected" in esg("run", "--help", cwd=tmp_path).stdout


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
