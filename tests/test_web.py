"""esg web, page by page (Starlette's test client, and raw HTTP to a real server): counts, filters,
highlights drawn from stored offsets, escaping, downloads, the SQL box, and every refused request."""

from __future__ import annotations

import hashlib
import html
import io
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from contextlib import closing
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():  # starlette 1.x would rather have httpx2; httpx works the same here
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from flows import load, web
from flows.highlight import Piece, pieces, table_rows
from tests.conftest import ROOT, build_web_site

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_web_site(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def client(site):
    with TestClient(web.create_app(site / "warehouse" / "esg.duckdb")) as c:
        yield c


def _sql(site, sql, params=()):
    con = duckdb.connect(str(site / "warehouse" / "esg.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _marks(page: str, kind: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", m)) for m in
            re.findall(rf'<mark class="[^"]*\b{kind}\b[^"]*">(.*?)</mark>', page, re.S)]


def _cells(row_html: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)]


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- highlight: pure rules ------------------------------------------------------------------------

def test_pieces_cut_text_at_absolute_offsets_and_ignore_spans_outside():
    text = "We emitted 1,234 tCO2e in 2023."  # starts at offset 100 of its document
    got = pieces(text, 100, [(111, 122, "figure"), (117, 122, "unit"), (5, 20, "figure"), (200, 210, "unit")])
    assert got == [Piece("We emitted "), Piece("1,234 ", ("figure",)), Piece("tCO2e", ("figure", "unit")),
                   Piece(" in 2023.")]
    assert "".join(p.text for p in got) == text


def test_table_rows_split_pipes_spaces_and_markdown_and_mark_cells():
    text = "| Scope | 2022 | 2023 |\n|:--|--:|--:|\n| Scope 1 | 1,402 | 1,234 |"
    start = text.index("1,234")
    rows = table_rows(text, 50, 1, [(50 + start, 50 + start + 5, "figure")])
    assert [["".join(p.text for p in c.pieces) for c in r] for r in rows] == [["Scope", "2022", "2023"],
                                                                            ["Scope 1", "1,402", "1,234"]]
    assert rows[0][0].header and not rows[1][0].header
    assert rows[1][2].marks == ("figure",) and rows[1][2].pieces == [Piece("1,234", ("figure",))]
    spaced = table_rows("Fuel     2022    2023\nDiesel   10.5    9.8\nTotal", 0, 1, [])
    assert [len(r) for r in spaced] == [3, 3, 3]  # a short row is padded so columns line up
    assert "".join(p.text for p in spaced[1][1].pieces) == "10.5"


# --- pages ----------------------------------------------------------------------------------------

def test_documents_page_counts_what_the_warehouse_holds(client, site):
    page = client.get("/").text
    for document_id, source_path in _sql(site, "SELECT document_id, source_path FROM documents"):
        row = re.search(rf'<tr data-document-id="{document_id}">(.*?)</tr>', page, re.S).group(1)
        cells = _cells(row)
        assert cells[0] == source_path
        want = [_sql(site, f"SELECT count(*) FROM {t} WHERE document_id = ?", [document_id])[0][0]
                for t in ("sections", "pages", "main.tables", "figures", "facts", "findings")]
        assert [int(c) for c in cells[5:11]] == want
    assert page.count("<tr data-document-id=") == 2


def test_facts_page_filters_and_sorts(client, site):
    (document_id,) = _sql(site, "SELECT document_id FROM documents WHERE source_path = 'northwind_2023.txt'")[0]
    everything = client.get(f"/documents/{document_id}").text
    total = _sql(site, "SELECT count(*) FROM facts WHERE document_id = ?", [document_id])[0][0]
    assert f"{total} facts" in everything
    page = client.get(f"/documents/{document_id}", params={"topic": "ghg_emissions", "sort": "value", "order": "desc"}).text
    rows = re.findall(r'<tr data-fact-id="([^"]+)">(.*?)</tr>', page, re.S)
    want = _sql(site, "SELECT fact_id FROM facts WHERE document_id = ? AND topic = 'ghg_emissions' "
                      "ORDER BY value DESC, fact_id", [document_id])
    assert [r[0] for r in rows] == [w[0] for w in want] and 0 < len(rows) < total
    assert all(_cells(r[1])[7] == "ghg_emissions" for r in rows)
    year = client.get(f"/documents/{document_id}", params={"year": "2021", "scope": "1"}).text
    assert re.findall(r'data-fact-id="([^"]+)"', year) == [r[0] for r in _sql(
        site, "SELECT fact_id FROM facts WHERE document_id = ? AND year = 2021 AND scope = '1' ORDER BY first_char_start",
        [document_id])]
    assert client.get(f"/documents/{document_id}", params={"year": "not a year", "sort": "1; drop table facts"}).status_code == 200
    with_finding = client.get("/facts", params={"finding": "conflicting_values"}).text
    assert re.findall(r'data-fact-id="([^"]+)"', with_finding) == [r[0] for r in _sql(
        site, "SELECT DISTINCT x.fact_id, x.document_id, x.first_char_start FROM facts x JOIN findings k ON k.fact_id = x.fact_id "
              "OR k.finding_id IN (SELECT finding_id FROM finding_figures g JOIN fact_mentions m USING (figure_id) "
              "WHERE m.fact_id = x.fact_id) WHERE k.kind = 'conflicting_values' ORDER BY x.document_id, x.first_char_start")]


def test_fact_page_marks_every_mention_at_its_offsets(client, site):
    facts = _sql(site, "SELECT fact_id FROM facts")
    for (fact_id,) in facts:
        page = client.get(f"/facts/{fact_id}").text
        surfaces = [r[0] for r in _sql(site, "SELECT f.surface FROM fact_mentions m JOIN figures f USING (figure_id) "
                                             "WHERE m.fact_id = ? ORDER BY f.char_start", [fact_id])]
        assert _marks(page, "figure") == surfaces, fact_id
    two = _sql(site, "SELECT fact_id FROM facts WHERE n_mentions = 2 AND year = 2023 AND metric_code = 'ghg_scope1' "
                     "AND document_id IN (SELECT document_id FROM documents WHERE source_path = 'northwind_2023.txt')")
    page = client.get(f"/facts/{two[0][0]}").text
    assert '<table class="source-table">' in page and 'class="figure"><mark class="figure">1,234</mark></td>' in page
    assert "GRI 305-1" in page and "Scope 1" in page


def test_table_figure_page_draws_the_table_and_marks_the_unit_words(client, site):
    rows = _sql(site, """SELECT f.figure_id, f.surface, substr(d.text, f.unit_source_char_start + 1,
                                f.unit_source_char_end - f.unit_source_char_start), f.unit_source
                         FROM figures f JOIN documents d USING (document_id)
                         WHERE f.table_id IS NOT NULL AND f.unit_source_char_start IS NOT NULL""")
    assert rows
    for figure_id, surface, unit_words, source in rows:
        page = client.get(f"/figures/{figure_id}").text
        grid = page[page.index('<table class="source-table">'):page.index("</table>")]
        assert _marks(grid, "figure") == [surface]
        assert unit_words in _marks(page, "unit")  # in the caption, a header cell or the row's unit cell
        assert source.replace("_", " ") in page


def test_report_markup_is_shown_as_text_never_run(client, site):
    (document_id,) = _sql(site, "SELECT document_id FROM documents WHERE source_path LIKE 'evil%'")[0]
    fact_id = _sql(site, "SELECT fact_id FROM facts WHERE document_id = ? ORDER BY first_char_start", [document_id])[0][0]
    figure_id = _sql(site, "SELECT figure_id FROM figures WHERE document_id = ? ORDER BY char_start", [document_id])[0][0]
    for url in ("/", f"/documents/{document_id}", f"/facts/{fact_id}", f"/figures/{figure_id}", "/findings",
                "/sql?q=" + "select title from sections"):
        page = client.get(url).text
        assert "<script" not in page.lower() and "<img" not in page.lower() and "<b>" not in page, url
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in client.get(f"/figures/{figure_id}").text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &#34;quoted&#34;" in client.get(f"/facts/{fact_id}").text
    assert "evil &lt;script&gt;.txt" in client.get("/").text


def test_every_response_forbids_scripts(client):
    for url in ("/", "/facts", "/sql", "/downloads", "/nowhere"):
        policy = client.get(url).headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy


def test_unknown_ids_and_methods_get_a_plain_error(client):
    for url in ("/facts/nope", "/figures/nope", "/documents/nope", "/nowhere"):
        response = client.get(url)
        assert response.status_code == 404 and "There is nothing here." in response.text
    assert client.post("/sql", data={"q": "delete from figures"}).status_code == 405


# --- downloads ------------------------------------------------------------------------------------

def test_downloads_list_the_manifest_and_serve_its_files_byte_for_byte(client, site):
    import json

    exports = site / "warehouse" / "exports"
    manifest = json.loads((exports / "manifest.json").read_text())
    page = client.get("/downloads").text
    for f in manifest["files"]:
        assert f["sha256"] in page and f'href="/downloads/{f["file"]}"' in page
        response = client.get(f"/downloads/{f['file']}")
        assert response.status_code == 200 and hashlib.sha256(response.content).hexdigest() == f["sha256"]
    facts = pd.read_parquet(io.BytesIO(client.get("/downloads/facts.parquet").content))
    assert len(facts) == _sql(site, "SELECT count(*) FROM facts")[0][0] and str(facts["year"].dtype) == "Int64"


def test_downloads_say_how_to_export_when_there_is_none(tmp_path, site):
    app = web.create_app(site / "warehouse" / "esg.duckdb", exports=tmp_path / "nothing")
    with TestClient(app) as c:
        assert "No export yet. Run <code>esg export</code>" in c.get("/downloads").text
        assert c.get("/downloads/manifest.json").status_code == 404


TRAVERSALS = [
    "/downloads/../../etc/passwd", "/downloads/..%2F..%2F..%2Fetc%2Fpasswd", "/downloads/%2e%2e/%2e%2e/etc/passwd",
    "/downloads/%252e%252e/%252e%252e/etc/passwd", "/downloads/%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "/downloads/....//....//etc/passwd", "/downloads//etc/passwd", "/downloads/%2Fetc%2Fpasswd",
    "/downloads/..%5C..%5Cetc%5Cpasswd", "/downloads/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/downloads/manifest.json/../../../etc/passwd", "/downloads/facts.parquet%00.csv", "/downloads/../esg.duckdb",
    "/downloads/..%2Fesg.duckdb", "/downloads/.export-x/facts.parquet", "/style.css/../../etc/passwd",
    "/documents/..%2F..%2Fetc%2Fpasswd", "/facts/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
]


@pytest.fixture(scope="module")
def server(site):
    """The app on a real socket (uvicorn), for requests a client library would tidy up first."""
    import uvicorn

    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(web.create_app(site / "warehouse" / "esg.duckdb"), host="127.0.0.1", port=port,
                            log_level="critical")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port
    uv.should_exit = True
    thread.join(10)


def _raw_get(port: int, target: str) -> tuple[int, str]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", "replace")


@pytest.mark.parametrize("target", TRAVERSALS)
def test_no_request_reads_a_file_outside_the_export(server, site, target):
    status, body = _raw_get(server, target)
    assert status in (400, 404), (target, status)
    assert "root:" not in body and "DUCK" not in body
    assert str(site) not in body and "/etc" not in body and "exports" not in body  # no path disclosed


def test_links_in_the_export_folder_are_never_followed(client, site, tmp_path):
    exports = site / "warehouse" / "exports"
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (exports / "stray.csv").write_text("not in the manifest")
    runs_csv = exports / "runs.csv"
    saved = runs_csv.read_bytes()
    figures_dir = exports / "figures"
    try:
        runs_csv.unlink()
        runs_csv.symlink_to(secret)  # a listed file replaced by a link
        assert client.get("/downloads/runs.csv").status_code == 404
        assert client.get("/downloads/stray.csv").status_code == 404  # there, but not listed
        figures_dir.symlink_to(tmp_path, target_is_directory=True)
        assert client.get("/downloads/figures/secret.txt").status_code == 404
    finally:
        runs_csv.unlink()
        runs_csv.write_bytes(saved)
        (exports / "stray.csv").unlink()
        if figures_dir.is_symlink():
            figures_dir.unlink()
    assert client.get("/downloads/runs.csv").status_code == 200


# --- the SQL box ----------------------------------------------------------------------------------

def test_sql_box_answers_a_query(client, site):
    page = client.get("/sql", params={"q": "select surface, year from figures order by char_start, figure_id limit 3"}).text
    rows = _sql(site, "select surface, year from figures order by char_start, figure_id limit 3")
    table = page[page.index('id="sql-result"'):]
    table = table[:table.index("</table>")]
    assert [tuple(_cells(r)) for r in re.findall(r"<tr>(<td.*?)</tr>", table, re.S)] == [
        (s, str(y) if y is not None else "NULL") for s, y in rows]
    assert "The year most mentions state" in page  # the warehouse describes its own columns


def test_sql_box_cuts_rows_and_says_so(client):
    page = client.get("/sql", params={"q": "select * from range(5000)"}).text
    table = page[page.index('id="sql-result"'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr><td") == web.SQL_MAX_ROWS and "the result has more than 1,000 rows" in page


@pytest.mark.parametrize("sql", [
    "delete from figures", "drop table facts", "create table x as select 1", "insert into runs select * from runs",
    "update facts set value = 0", "copy figures to '/tmp/esg-web-leak.csv'", "export database '/tmp/esg-web-dump'",
    "attach '/tmp/esg-web-other.duckdb' as other", "select * from read_text('/etc/passwd')",
    "select * from read_csv('/etc/passwd')", "select * from glob('/etc/*')", "install httpfs", "load httpfs",
    "set enable_external_access = true", "reset lock_configuration", "pragma enable_profiling",
])
def test_sql_box_refuses_writes_and_file_access(client, site, sql):
    warehouse = site / "warehouse" / "esg.duckdb"
    before = _sha256_file(warehouse)
    response = client.get("/sql", params={"q": sql})
    assert response.status_code == 400, sql
    error = html.unescape(re.search(r'id="sql-error"[^>]*>(.*?)</p>', response.text, re.S).group(1))
    assert "refused: queries are read-only" in error or "query failed" in error, error
    assert "root:" not in response.text
    assert _sha256_file(warehouse) == before
    for leftover in ("/tmp/esg-web-leak.csv", "/tmp/esg-web-dump", "/tmp/esg-web-other.duckdb"):
        assert not Path(leftover).exists()


@pytest.mark.parametrize("sql", ["checkpoint", "create temp table t as select 1", "begin transaction"])
def test_sql_box_statements_that_touch_nothing_leave_the_warehouse_as_it_was(client, site, sql):
    warehouse = site / "warehouse" / "esg.duckdb"
    before = _sha256_file(warehouse)
    assert client.get("/sql", params={"q": sql}).status_code in (200, 400)
    assert _sha256_file(warehouse) == before
    assert not list(warehouse.parent.glob("*.wal")) and not list(warehouse.parent.glob("*.tmp"))


def test_sql_box_stops_a_long_query(client):
    response = client.get("/sql", params={"q": "select count(*) from range(10000000000000)"})
    assert response.status_code == 400
    assert f"stopped after {web.SQL_TIMEOUT_SECONDS:g} s, the SQL box's limit" in html.unescape(response.text)


# --- giving way to runs -----------------------------------------------------------------------------

def test_a_page_waits_for_a_run_then_says_the_warehouse_is_being_written(site, monkeypatch):
    monkeypatch.setattr(web, "BUSY_PATIENCE_SECONDS", 1.0)
    warehouse = site / "warehouse" / "esg.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys
        con = duckdb.connect({str(warehouse)!r}); print("writing", flush=True); sys.stdin.readline()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "writing"
        with TestClient(web.create_app(warehouse)) as c:
            for url in ("/", "/facts", "/sql?q=select+1"):
                response = c.get(url)
                assert response.status_code == 503, url
                assert "The warehouse is being written, try again in a moment." in response.text
                assert response.headers["retry-after"] == "5"
            holder.stdin.write("\n")
            holder.stdin.flush()
            holder.wait(10)
            assert c.get("/").status_code == 200
    finally:
        holder.kill()
        holder.wait()


def test_a_writer_gets_in_between_requests(site):
    """While pages are read back to back, a writer still opens the warehouse (the gap between requests)."""
    warehouse = site / "warehouse" / "esg.duckdb"
    stop = threading.Event()
    statuses = []

    def browse():
        with TestClient(web.create_app(warehouse)) as c:
            while not stop.is_set():
                statuses.append(c.get("/facts").status_code)

    thread = threading.Thread(target=browse)
    thread.start()
    try:
        while len(statuses) < 3:
            time.sleep(0.05)
        for _ in range(3):
            code = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
                from flows import load
                load.connect({str(warehouse)!r}).close()
            """)], cwd=ROOT, capture_output=True, text=True, timeout=120)
            assert code.returncode == 0, code.stderr
    finally:
        stop.set()
        thread.join(30)
    assert statuses and set(statuses) <= {200, 503}
