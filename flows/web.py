"""`esg web`: a read-only browser view of the warehouse, its exports and a SQL box (Starlette + Jinja2).

It never stands in the way of the pipeline. DuckDB lets one process write a warehouse while no
other process has it open, so the view opens the warehouse read-only for each request, one
request at a time, and closes it before the page is drawn; between two requests it leaves a gap
(GAP_SECONDS) in which a waiting `esg run` gets in (writers give readers a grace period and retry
every 10 ms: flows/load.py). While a run writes, a request retries for BUSY_PATIENCE_SECONDS, then
answers 503 "the warehouse is being written, try again in a moment".

Nothing in a request can write: page queries are fixed SQL with parameters on a read-only
connection; the SQL box is flows/query.py's runner (read-only, locked down, row and time limits),
the same as `esg query`; downloads are only the files the export's manifest lists, inside the
exports folder, never through a link. Report text is escaped everywhere (Jinja2 autoescape), and
a Content-Security-Policy allows no script at all.
"""

from __future__ import annotations

import json
import math
import os
import stat
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable
from urllib.parse import quote, urlencode

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from flows import load
from flows.highlight import pieces, table_rows

TEMPLATES = Path(__file__).with_name("templates")
GAP_SECONDS = 0.025  # between two requests' hold on the warehouse: a waiting writer's turn
BUSY_PATIENCE_SECONDS = 3.0  # how long a request waits for a run to let go before answering 503
SQL_MAX_ROWS = 1_000
SQL_TIMEOUT_SECONDS = 5.0  # well under load.READERS_GRACE_SECONDS, so a run waits out a SQL box query
FACTS_PER_PAGE = 200
CONTEXT_CHARS = 1_500  # around a figure, when its paragraph is longer than twice this
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                                 b"base-uri 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class Busy(Exception):
    """A run is writing the warehouse."""


class Unavailable(Exception):
    """The warehouse cannot be read (none yet, another schema version); the message says what to do."""


class Warehouse:
    """Short read-only holds on the warehouse: one at a time, a gap between, retried while a run writes."""

    def __init__(self, path: Path, gap: float = GAP_SECONDS, patience: float = BUSY_PATIENCE_SECONDS):
        self.path = Path(path)
        self.gap, self.patience = gap, patience
        self._lock = threading.Lock()
        self._released = 0.0

    @contextmanager
    def _turn(self):
        with self._lock:
            pause = self._released + self.gap - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            try:
                yield
            finally:
                self._released = time.monotonic()

    def _retrying(self, attempt: Callable[[], object]):
        deadline = time.monotonic() + self.patience
        while True:
            try:
                with self._turn():
                    return attempt()
            except load.WarehouseBusy:
                if time.monotonic() >= deadline:
                    raise Busy() from None
            except load.WarehouseError as err:
                raise Unavailable(str(err).replace(str(self.path), self.path.name)) from None
            time.sleep(0.1)

    def read(self, queries: Callable):
        """queries(con) on a read-only connection held only for the call."""
        def attempt():
            con = load.connect(self.path, read_only=True)
            try:
                return queries(con)
            finally:
                con.close()
        return self._retrying(attempt)

    def run_sql(self, sql: str):
        from flows.query import run_query

        return self._retrying(lambda: run_query(self.path, sql, max_rows=SQL_MAX_ROWS,
                                                timeout_seconds=SQL_TIMEOUT_SECONDS))


# --- formatting -------------------------------------------------------------------------------

def number(value) -> str:
    """1234567.5 -> 1,234,567.5; very large or small values in scientific notation."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value != 0 and (abs(value) >= 1e15 or abs(value) < 1e-4):
        return f"{value:.6g}"
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text


def _rows(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _one(cursor) -> dict | None:
    rows = _rows(cursor)
    return rows[0] if rows else None


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["q"] = lambda s: quote(str(s), safe="")
    env.filters["number"] = number
    return env


# --- queries ----------------------------------------------------------------------------------

DOCUMENTS_SQL = """
    SELECT d.document_id, d.source_path, d.format, d.reporting_entity, d.report_title, d.reporting_period,
           coalesce(s.n, 0) AS n_sections, coalesce(g.n, 0) AS n_pages, coalesce(t.n, 0) AS n_tables,
           coalesce(f.n, 0) AS n_figures, coalesce(x.n, 0) AS n_facts, coalesce(k.n, 0) AS n_findings
    FROM documents d
    LEFT JOIN (SELECT document_id, count(*) AS n FROM sections GROUP BY 1) s USING (document_id)
    LEFT JOIN (SELECT document_id, count(*) AS n FROM pages GROUP BY 1) g USING (document_id)
    LEFT JOIN (SELECT document_id, count(*) AS n FROM main.tables GROUP BY 1) t USING (document_id)
    LEFT JOIN (SELECT document_id, count(*) AS n FROM figures GROUP BY 1) f USING (document_id)
    LEFT JOIN (SELECT document_id, count(*) AS n FROM facts GROUP BY 1) x USING (document_id)
    LEFT JOIN (SELECT document_id, count(*) AS n FROM findings GROUP BY 1) k USING (document_id)
    ORDER BY d.source_path"""

# a fact's findings: the finding names the fact, or one of the figures that state it
FACT_FINDINGS = """
    fact_findings AS (
        SELECT DISTINCT fact_id, finding_id FROM (
            SELECT fact_id, finding_id FROM findings WHERE fact_id IS NOT NULL
            UNION ALL
            SELECT m.fact_id, g.finding_id FROM finding_figures g JOIN fact_mentions m USING (figure_id)))"""

# facts page: filter name -> SQL condition on facts x (one parameter)
FACT_FILTERS = {
    "document_id": "x.document_id = ?",
    "pillar": "x.pillar = ?",
    "topic": "x.topic = ?",
    "metric": "coalesce(x.metric_code, '(unclassified)') = ?",
    "year": "x.year = TRY_CAST(? AS BIGINT)",
    "scope": "coalesce(x.scope, '(none)') = ?",
    "finding": "(CASE WHEN ? = '(none)' THEN fk.fact_id IS NULL "
               "ELSE fk.fact_id IS NOT NULL AND (? = '(any)' OR list_contains(fk.kinds, ?)) END)",
}
# sortable columns: name -> SQL expression
FACT_SORTS = {
    "position": "x.document_id, x.first_char_start", "value": "x.value", "unit": "x.unit", "metric": "x.metric",
    "year": "x.year", "scope": "x.scope", "entity": "x.entity", "pillar": "x.pillar", "topic": "x.topic",
    "mentions": "x.n_mentions", "page": "x.first_page_number", "findings": "n_findings",
}


def _fact_filters(params) -> tuple[str, list, dict]:
    where, args, chosen = [], [], {}
    for name, condition in FACT_FILTERS.items():
        value = params.get(name, "")
        if value:
            chosen[name] = value
            where.append(condition)
            args += [value] * condition.count("?")
    return (" AND ".join(where) or "true"), args, chosen


def facts_page(con, params: dict) -> dict:
    where, args, chosen = _fact_filters(params)
    sort = params.get("sort") if params.get("sort") in FACT_SORTS else "position"
    order = "DESC" if params.get("order") == "desc" else "ASC"
    try:
        page = max(1, int(params.get("page", "1")))
    except ValueError:
        page = 1
    base = (f"WITH {FACT_FINDINGS}, fk AS (SELECT ff.fact_id, count(*) AS n, list(DISTINCT k.kind ORDER BY k.kind) AS kinds "
            "FROM fact_findings ff JOIN findings k USING (finding_id) GROUP BY 1) "
            "SELECT x.*, coalesce(fk.n, 0) AS n_findings, array_to_string(fk.kinds, ', ') AS finding_kinds, d.source_path "
            f"FROM facts x JOIN documents d USING (document_id) LEFT JOIN fk USING (fact_id) WHERE {where}")
    total = con.execute(f"SELECT count(*) FROM ({base})", args).fetchone()[0]
    expression = ", ".join(f"{part} {order} NULLS LAST" for part in FACT_SORTS[sort].split(", "))
    facts = _rows(con.execute(f"{base} ORDER BY {expression}, x.fact_id LIMIT {FACTS_PER_PAGE} "
                              f"OFFSET {(page - 1) * FACTS_PER_PAGE}", args))
    scope = "WHERE x.document_id = ?" if chosen.get("document_id") else ""
    scope_args = [chosen["document_id"]] if scope else []

    def distinct(expression: str) -> list:
        return [r[0] for r in con.execute(
            f"SELECT DISTINCT {expression} AS v FROM facts x {scope} ORDER BY v NULLS LAST", scope_args).fetchall()]

    options = {
        "pillar": distinct("x.pillar"), "topic": distinct("x.topic"),
        "metric": distinct("coalesce(x.metric_code, '(unclassified)')"),
        "year": [str(y) for y in distinct("x.year") if y is not None],
        "scope": distinct("coalesce(x.scope, '(none)')"),
        "finding": ["(any)", "(none)"] + [r[0] for r in con.execute(
            "SELECT DISTINCT kind FROM findings ORDER BY 1").fetchall()],
    }
    document = None
    if chosen.get("document_id"):
        document = _one(con.execute("SELECT document_id, source_path, report_title, reporting_entity FROM documents "
                                    "WHERE document_id = ?", [chosen["document_id"]]))
    return {"facts": facts, "total": total, "page": page, "pages": max(1, math.ceil(total / FACTS_PER_PAGE)),
            "sort": sort, "order": order.lower(), "chosen": chosen, "options": options, "document": document}


def _section_path(con, section_id: str) -> list[str]:
    rows = con.execute("""
        WITH RECURSIVE up(section_id, parent_section_id, title, depth) AS (
            SELECT section_id, parent_section_id, title, 0 FROM sections WHERE section_id = ?
            UNION ALL
            SELECT s.section_id, s.parent_section_id, s.title, up.depth + 1
            FROM sections s JOIN up ON s.section_id = up.parent_section_id WHERE up.depth < 20)
        SELECT title FROM up ORDER BY depth DESC""", [section_id]).fetchall()
    return [r[0] for r in rows if r[0]]


MENTION_SQL = f"""
    SELECT f.*, p.char_start AS p_start, p.char_end AS p_end, p.label AS paragraph_label,
           greatest(p.char_start, CASE WHEN p.char_end - p.char_start > {2 * CONTEXT_CHARS}
                                       THEN f.char_start - {CONTEXT_CHARS} ELSE p.char_start END) AS w_start,
           least(p.char_end, CASE WHEN p.char_end - p.char_start > {2 * CONTEXT_CHARS}
                                  THEN f.char_end + {CONTEXT_CHARS} ELSE p.char_end END) AS w_end,
           d.source_path, d.report_title
    FROM figures f JOIN paragraphs p ON p.paragraph_id = f.paragraph_id JOIN documents d ON d.document_id = f.document_id"""


def _with_context(con, figure: dict) -> dict:
    """The figure's paragraph (or a window of it) cut into pieces at the figure, and where it is."""
    text = con.execute("SELECT substr(text, ? + 1, ? - ?) FROM documents WHERE document_id = ?",
                       [figure["w_start"], figure["w_end"], figure["w_start"], figure["document_id"]]).fetchone()[0]
    spans = [(figure["char_start"], figure["char_end"], "figure")]
    if figure.get("unit_source_char_start") is not None:
        spans.append((figure["unit_source_char_start"], figure["unit_source_char_end"], "unit"))
    figure["context"] = pieces(text, figure["w_start"], spans)
    figure["cut_before"] = figure["w_start"] > figure["p_start"]
    figure["cut_after"] = figure["w_end"] < figure["p_end"]
    figure["section_path"] = _section_path(con, figure["section_id"])
    return figure


def fact_page(con, fact_id: str) -> dict:
    fact = _one(con.execute("SELECT x.*, d.source_path, d.report_title FROM facts x JOIN documents d "
                            "USING (document_id) WHERE fact_id = ?", [fact_id]))
    if fact is None:
        raise HTTPException(404)
    findings = _rows(con.execute(f"WITH {FACT_FINDINGS} SELECT k.* FROM fact_findings ff JOIN findings k "
                                 "USING (finding_id) WHERE ff.fact_id = ? ORDER BY k.severity, k.kind, k.finding_id",
                                 [fact_id]))
    mentions = _rows(con.execute(f"{MENTION_SQL} JOIN fact_mentions m ON m.figure_id = f.figure_id "
                                 "WHERE m.fact_id = ? ORDER BY f.char_start", [fact_id]))
    for mention in mentions:
        _with_context(con, mention)
        mention["table"] = _table(con, mention) if mention["table_id"] else None
    return {"fact": fact, "findings": findings, "mentions": mentions}


def _table(con, figure: dict) -> dict:
    """The figure's table drawn from its text, the cell and the words that gave its unit marked."""
    table = _one(con.execute("SELECT * FROM main.tables WHERE table_id = ?", [figure["table_id"]]))
    spans = [(figure["char_start"], figure["char_end"], "figure")]
    unit = figure.get("unit_source_char_start"), figure.get("unit_source_char_end")
    if unit[0] is not None:
        spans.append((unit[0], unit[1], "unit"))
    text = con.execute("SELECT substr(text, ? + 1, ? - ?) FROM documents WHERE document_id = ?",
                       [table["char_start"], table["char_end"], table["char_start"], table["document_id"]]).fetchone()[0]
    table["rows"] = table_rows(text, table["char_start"], table["header_rows"], spans)
    table["caption_pieces"] = None
    if table["caption_char_start"] is not None:
        caption = con.execute("SELECT substr(text, ? + 1, ? - ?) FROM documents WHERE document_id = ?",
                              [table["caption_char_start"], table["caption_char_end"], table["caption_char_start"],
                               table["document_id"]]).fetchone()[0]
        table["caption_pieces"] = pieces(caption, table["caption_char_start"], spans)
    inside = lambda start, end: start is not None and start <= unit[0] and unit[1] <= end
    table["unit_elsewhere"] = None
    if unit[0] is not None and not inside(table["char_start"], table["char_end"]) \
            and not inside(table["caption_char_start"], table["caption_char_end"]):
        start = max(0, unit[0] - 200)
        text = con.execute("SELECT substr(text, ? + 1, ?) FROM documents WHERE document_id = ?",
                           [start, unit[1] + 200 - start, table["document_id"]]).fetchone()[0]
        table["unit_elsewhere"] = pieces(text, start, spans)
    return table


def figure_page(con, figure_id: str) -> dict:
    figure = _one(con.execute(f"{MENTION_SQL} WHERE f.figure_id = ?", [figure_id]))
    if figure is None:
        raise HTTPException(404)
    _with_context(con, figure)
    fact = _one(con.execute("SELECT x.fact_id, x.metric, x.value, x.unit, x.year FROM fact_mentions m "
                            "JOIN facts x USING (fact_id) WHERE m.figure_id = ?", [figure_id]))
    findings = _rows(con.execute("SELECT k.* FROM finding_figures g JOIN findings k USING (finding_id) "
                                 "WHERE g.figure_id = ? ORDER BY k.severity, k.kind", [figure_id]))
    table = _table(con, figure) if figure["table_id"] else None
    return {"figure": figure, "fact": fact, "findings": findings, "table": table}


def findings_page(con, params: dict) -> dict:
    where, args = [], []
    for name in ("kind", "severity", "document_id"):
        if params.get(name):
            where.append(f"k.{name} = ?")
            args.append(params[name])
    findings = _rows(con.execute(
        "SELECT k.*, d.source_path, (SELECT list(g.figure_id ORDER BY g.figure_id) FROM finding_figures g "
        "WHERE g.finding_id = k.finding_id) AS figure_ids FROM findings k JOIN documents d USING (document_id) "
        f"WHERE {' AND '.join(where) or 'true'} ORDER BY d.source_path, k.severity, k.kind, k.finding_id LIMIT 1000",
        args))
    options = {name: [r[0] for r in con.execute(f"SELECT DISTINCT {name} FROM findings ORDER BY 1").fetchall()]
               for name in ("kind", "severity", "document_id")}
    return {"findings": findings, "options": options, "chosen": {n: params.get(n, "") for n in options}}


def schema_reference(con) -> list[dict]:
    """Every table with its comment and its columns' types and comments, as the warehouse states them."""
    tables = _rows(con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main' "
                               "AND database_name = current_database() ORDER BY table_name"))
    columns = _rows(con.execute("SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
                                "WHERE schema_name = 'main' AND database_name = current_database() "
                                "ORDER BY table_name, column_index"))
    for table in tables:
        table["columns"] = [c for c in columns if c["table_name"] == table["table_name"]]
    return tables


# --- downloads --------------------------------------------------------------------------------

def read_manifest(exports: Path) -> dict | None:
    try:
        manifest = json.loads((exports / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and isinstance(manifest.get("files"), list) else None


def export_file(exports: Path, name: str) -> Path | None:
    """The file `name` of the export, if the manifest lists it and it is a plain file inside the
    exports folder reached without a link; else None."""
    manifest = read_manifest(exports)
    listed = {f.get("file") for f in manifest["files"]} | {"manifest.json"} if manifest else set()
    if name not in listed or name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in name.split("/")):
        return None
    path = exports
    for part in name.split("/"):
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            return None
        if stat.S_ISLNK(mode):
            return None
    return path if stat.S_ISREG(mode) else None


# --- the app ----------------------------------------------------------------------------------

def create_app(warehouse: Path, exports: Path | None = None) -> Starlette:
    warehouse = Path(warehouse)
    exports = Path(exports) if exports is not None else warehouse.parent / "exports"
    db = Warehouse(warehouse)
    env = _env()

    def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        html = env.get_template(template).render(request_path=request.url.path, **context)
        return HTMLResponse(html, status_code=status)

    def params_of(request: Request) -> dict:
        return {k: v for k, v in request.query_params.items() if v}

    def link(path: str, params: dict, **changes) -> str:
        merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
        return path + ("?" + urlencode(merged) if merged else "")

    def documents(request: Request):
        data = db.read(lambda con: {
            "documents": _rows(con.execute(DOCUMENTS_SQL)),
            "run": _one(con.execute("SELECT run_id, status, started_at, finished_at, n_documents_loaded FROM runs "
                                    "ORDER BY started_at DESC LIMIT 1")),
            "rejected": _rows(con.execute("SELECT source_path, reason FROM rejections WHERE table_name = 'documents' "
                                          "ORDER BY source_path LIMIT 50")),
        })
        return render(request, "documents.html", **data)

    def facts(request: Request):
        params = params_of(request)
        if "document_id" in request.path_params:
            params["document_id"] = request.path_params["document_id"]
        data = db.read(lambda con: facts_page(con, params))
        if params.get("document_id") and data["document"] is None:
            raise HTTPException(404)
        path = request.url.path
        sort_link = lambda column: link(path, {k: v for k, v in params.items() if k not in ("document_id", "page")},
                                        sort=column, order="desc" if data["sort"] == column and data["order"] == "asc" else "asc")
        page_link = lambda page: link(path, {k: v for k, v in params.items() if k != "document_id"}, page=page)
        return render(request, "facts.html", sort_link=sort_link, page_link=page_link, **data)

    def fact(request: Request):
        return render(request, "fact.html", **db.read(lambda con: fact_page(con, request.path_params["fact_id"])))

    def figure(request: Request):
        return render(request, "figure.html", **db.read(lambda con: figure_page(con, request.path_params["figure_id"])))

    def findings(request: Request):
        return render(request, "findings.html", **db.read(lambda con: findings_page(con, params_of(request))))

    def downloads(request: Request):
        manifest = read_manifest(exports)
        latest = db.read(lambda con: con.execute(
            "SELECT run_id FROM runs WHERE status = 'completed' ORDER BY finished_at DESC, run_id LIMIT 1").fetchone())
        files = []
        for entry in (manifest or {}).get("files", []):
            path = export_file(exports, entry.get("file", ""))
            if path is not None:
                files.append({**entry, "bytes": path.stat().st_size})
        return render(request, "downloads.html", manifest=manifest, files=files,
                      latest_run=latest[0] if latest else None)

    def download(request: Request):
        name = request.path_params["name"]
        path = export_file(exports, name)
        if path is None:
            raise HTTPException(404)
        media = {"parquet": "application/vnd.apache.parquet", "csv": "text/csv; charset=utf-8",
                 "json": "application/json"}.get(path.suffix[1:], "application/octet-stream")
        return FileResponse(path, media_type=media, filename=name.replace("/", "__"))

    def sql(request: Request):
        from flows.query import QueryError, QueryTimeout

        text = request.query_params.get("q", "")
        result, error, status = None, None, 200
        if text.strip():
            try:
                result = db.run_sql(text)
            except QueryTimeout:
                error, status = (f"the query was stopped after {SQL_TIMEOUT_SECONDS:g} s, the SQL box's limit; narrow "
                                 "it, or run it with `esg query --timeout SECONDS`"), 400
            except QueryError as err:
                error, status = str(err), 400
        schema = db.read(schema_reference)
        return render(request, "sql.html", status=status, sql=text, result=result, error=error, schema=schema,
                      max_rows=SQL_MAX_ROWS, timeout=SQL_TIMEOUT_SECONDS)

    def style(request: Request):
        return Response((TEMPLATES / "style.css").read_text(encoding="utf-8"), media_type="text/css")

    def not_found(request: Request, exc: Exception):
        status = getattr(exc, "status_code", 404)
        status = status if status in (400, 404, 405) else 404
        return render(request, "error.html", status=status, title="Not found" if status == 404 else "Bad request",
                      message="There is nothing here." if status == 404 else "This request cannot be answered.")

    def busy(request: Request, exc: Exception):
        response = render(request, "error.html", status=503, title="Busy",
                          message="The warehouse is being written, try again in a moment.")
        response.headers["Retry-After"] = "5"
        return response

    def unavailable(request: Request, exc: Exception):
        return render(request, "error.html", status=503, title="Unavailable", message=str(exc))

    def server_error(request: Request, exc: Exception):
        return render(request, "error.html", status=500, title="Error",
                      message="Something went wrong drawing this page; the warehouse is unchanged.")

    routes = [
        Route("/", documents), Route("/documents/{document_id}", facts), Route("/facts", facts),
        Route("/facts/{fact_id}", fact), Route("/figures/{figure_id}", figure), Route("/findings", findings),
        Route("/downloads", downloads), Route("/downloads/{name:path}", download), Route("/sql", sql),
        Route("/style.css", style), Route("/documents", lambda r: RedirectResponse("/", 308)),
    ]
    app = Starlette(routes=routes, exception_handlers={
        HTTPException: not_found, Busy: busy, Unavailable: unavailable, Exception: server_error})
    return SecurityHeaders(app)


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (no script may run, no sniffing, no referrer)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def serve(warehouse: Path, host: str, port: int, exports: Path | None = None,
          say: Callable[[str], None] = print) -> None:
    """Serve the view until stopped (Ctrl-C)."""
    import uvicorn

    if not Path(warehouse).exists():
        say(f"esg web: note: {warehouse} does not exist yet; pages will say so until `esg run` creates it")
    shown = f"[{host}]" if ":" in host else host
    say(f"esg web: http://{shown}:{port}/ (read-only; the warehouse is opened per request, so runs go on; "
        "stop: Ctrl-C)")
    if host not in ("127.0.0.1", "localhost", "::1"):
        say(f"esg web: warning: listening on {host}: anyone who can reach it can read the warehouse")
    uvicorn.run(create_app(warehouse, exports), host=host, port=port, log_level="warning",
                server_header=False, date_header=False)
