"""esg web in a real headless browser (Debian's chromium driven by Playwright), JavaScript off:
filter a document's facts, open a fact, follow a mention to its highlighted source, download a
Parquet file and read it back with pandas. Makes docs/web-fact.png, the README's screenshot.

Skipped, with the reason, when Playwright or chromium is missing, except under CI=true, where a
missing browser fails (.ci/run installs it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import struct
import time
import zlib
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT, build_web_site, esg_env, finish, start_esg
from tests.test_web import _sql

SCREENSHOT = ROOT / "docs" / "web-fact.png"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    """The chromium to drive; skips (fails under CI=true) when it or Playwright is missing."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "Playwright is not installed: pip install -e '.[test]'"
    else:
        reason = None if found else "no chromium on PATH: apt-get install -y chromium (Debian)"
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and the browser tests cannot run: {reason}")
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_web_site(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def base_url(site):
    """A real `esg web` process serving the site."""
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = start_esg("web", "--warehouse", str(site / "warehouse" / "esg.duckdb"), "--port", str(port),
                     cwd=site, env=esg_env())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)
        code, out, err = finish(proc, timeout=30)
        assert "Traceback" not in err, err


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=executable, headless=True,
            args=CHROMIUM_FLAGS, java_script_enabled=False, accept_downloads=True,
            viewport={"width": 1280, "height": 860})
        try:
            yield context.new_page()
        finally:
            context.close()


def test_filter_open_a_fact_follow_a_mention_to_its_highlighted_source(page, base_url, site):
    (document_id,) = _sql(site, "SELECT document_id FROM documents WHERE source_path = 'northwind_2023.txt'")[0]
    page.goto(base_url + "/")
    page.get_by_role("link", name="northwind_2023.txt").click()
    assert page.url.endswith(f"/documents/{document_id}")

    page.select_option("select[name=topic]", "ghg_emissions")
    page.get_by_role("button", name="Filter").click()
    assert "topic=ghg_emissions" in page.url
    want = [r[0] for r in _sql(site, "SELECT fact_id FROM facts WHERE document_id = ? AND topic = 'ghg_emissions' "
                                     "ORDER BY first_char_start", [document_id])]
    rows = page.locator("#facts tbody tr")
    assert [rows.nth(i).get_attribute("data-fact-id") for i in range(rows.count())] == want
    assert {rows.nth(i).locator("td").nth(7).inner_text() for i in range(rows.count())} == {"ghg_emissions"}

    (fact_id,) = _sql(site, "SELECT fact_id FROM facts WHERE document_id = ? AND metric_code = 'ghg_scope1' "
                            "AND year = 2023 AND n_mentions = 2", [document_id])[0]
    page.locator(f'tr[data-fact-id="{fact_id}"] td a').first.click()
    assert "1,234" in page.locator("h1").inner_text()
    mentions = _sql(site, "SELECT f.figure_id, f.surface, f.table_id FROM fact_mentions m JOIN figures f USING (figure_id) "
                          "WHERE m.fact_id = ? ORDER BY f.char_start", [fact_id])
    assert [page.locator(f'li.mention[data-figure-id="{f}"] mark.figure').inner_text() for f, _, _ in mentions] == \
        [surface for _, surface, _ in mentions]
    _keep_screenshot(page)

    figure_id, surface, _ = next(m for m in mentions if m[2] is not None)  # the table cell
    page.locator(f'li.mention[data-figure-id="{figure_id}"] a.source-link').click()
    assert page.locator("table.source-table td.figure mark.figure").inner_text() == surface
    (unit_words,) = _sql(site, "SELECT substr(d.text, f.unit_source_char_start + 1, f.unit_source_char_end - "
                               "f.unit_source_char_start) FROM figures f JOIN documents d USING (document_id) "
                               "WHERE figure_id = ?", [figure_id])[0]
    assert page.locator("figure.table mark.unit").first.inner_text() == unit_words == "tCO2e"

    page.go_back()
    figure_id, surface, _ = next(m for m in mentions if m[2] is None)  # the sentence
    page.locator(f'li.mention[data-figure-id="{figure_id}"] a.source-link').click()
    assert page.locator("#source mark.figure").inner_text() == surface == "1,234 tCO2e"
    assert page.locator("#fact-link").get_attribute("href").endswith(fact_id.replace(":", "%3A"))


def test_download_a_parquet_file_and_read_it_with_pandas(page, base_url, site, tmp_path):
    manifest = json.loads((site / "warehouse" / "exports" / "manifest.json").read_text())
    entry = next(f for f in manifest["files"] if f["file"] == "facts.parquet")
    page.goto(base_url + "/downloads")
    with page.expect_download() as info:
        page.get_by_role("link", name="facts.parquet", exact=True).click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == entry["sha256"]
    facts = pd.read_parquet(saved)
    assert len(facts) == entry["rows"] == _sql(site, "SELECT count(*) FROM facts")[0][0]
    assert str(facts["year"].dtype) == "Int64"
    years = dict(_sql(site, "SELECT fact_id, year FROM facts"))
    assert {r.fact_id: None if pd.isna(r.year) else r.year for r in facts.itertuples()} == years


def test_report_markup_shows_as_text_in_the_browser(page, base_url, site):
    (figure_id,) = _sql(site, "SELECT figure_id FROM figures f JOIN documents d USING (document_id) "
                              "WHERE d.source_path LIKE 'evil%' ORDER BY f.char_start LIMIT 1")[0]
    page.goto(base_url + "/figures/" + figure_id.replace(":", "%3A"))
    assert page.locator("script, img").count() == 0  # nothing from the report became an element
    assert "<script>alert('x')</script>" in page.locator("#where").inner_text()
    assert "<b>bold</b>" in page.locator("#source").inner_text()


# --- the README's screenshot: rewritten only when the page's text changed ----------------------------

def _png_chunks(png: bytes):
    at = 8
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        yield kind, png[at + 8:at + 8 + length], at
        at += 12 + length


def _png_text(png: bytes, key: str) -> str | None:
    for kind, data, _ in _png_chunks(png):
        if kind == b"tEXt" and data.startswith(key.encode() + b"\0"):
            return data.split(b"\0", 1)[1].decode("latin-1")
    return None


def _png_with_text(png: bytes, key: str, value: str) -> bytes:
    data = key.encode() + b"\0" + value.encode("latin-1")
    chunk = struct.pack(">I", len(data)) + b"tEXt" + data + struct.pack(">I", zlib.crc32(b"tEXt" + data))
    _, _, after_header = next((k, d, a) for k, d, a in _png_chunks(png) if k != b"IHDR")
    return png[:after_header] + chunk + png[after_header:]


def _keep_screenshot(page) -> None:
    """docs/web-fact.png, written when missing or when the page it shows says something else (the
    page's text and the viewport, hashed into the PNG): pixels alone vary with fonts."""
    signature = hashlib.sha256((page.locator("main").inner_text() + json.dumps(page.viewport_size)).encode()).hexdigest()
    if SCREENSHOT.exists() and _png_text(SCREENSHOT.read_bytes(), "esg-page") == signature:
        return
    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.write_bytes(_png_with_text(page.screenshot(full_page=True), "esg-page", signature))
    assert _png_text(SCREENSHOT.read_bytes(), "esg-page") == signature
