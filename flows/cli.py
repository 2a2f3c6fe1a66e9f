"""The `esg` command: parses arguments, calls the library, prints. Nothing else lives here."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import socket
import sys
from dataclasses import replace
from pathlib import Path

import flows
from flows.settings import TASK_RUNNERS, Settings

DEFAULTS = Settings.from_env()

# Exit codes, for scripts: (code, when).
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REJECTED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_CODES = (
    (EXIT_OK, "done (esg run: every file in raw/ loaded or unchanged)"),
    (EXIT_ERROR, "error; the one-line message says what and what to do"),
    (EXIT_USAGE, "wrong arguments"),
    (EXIT_REJECTED, "esg run: done, but some files were rejected (the summary lists them, as does the "
                    "rejections table); the others loaded"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _add_warehouse(p: argparse.ArgumentParser) -> None:
    p.add_argument("--warehouse", type=Path, default=DEFAULTS.warehouse, metavar="PATH",
                   help=f"DuckDB warehouse file (default: {DEFAULTS.warehouse}; or ESG_WAREHOUSE)")


def _add_raw(p: argparse.ArgumentParser) -> None:
    p.add_argument("--raw", type=Path, default=DEFAULTS.raw_dir, metavar="DIR",
                   help=f"folder of report files (default: {DEFAULTS.raw_dir}; or ESG_RAW_DIR)")


def _add_follow_links(p: argparse.ArgumentParser) -> None:
    p.add_argument("--follow-links", action="store_true",
                   help="follow links in raw/ that lead out of it, and links to folders (default: such "
                        "links are rejected with a reason)")


def _add_task_runner(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task-runner", choices=TASK_RUNNERS, default=DEFAULTS.task_runner,
                   help="where batches of documents are processed: a local process pool, a thread "
                        f"pool, or a Dask cluster (default: {DEFAULTS.task_runner}; or ESG_TASK_RUNNER)")
    p.add_argument("--dask-address", default=DEFAULTS.dask_address, metavar="tcp://HOST:PORT",
                   help="with --task-runner dask: an existing Dask scheduler (default: start a local cluster)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="esg",
        description="Turn ESG report text into a DuckDB warehouse of figures with character-level lineage.",
        epilog="Example:\n  esg run && esg query \"select topic, count(*) from figures group by 1 order by 2 desc\"",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"esg-pipeline {flows.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run", help="Load every report in raw/ into the warehouse (runs the Prefect flow ingest_reports).",
        description="Load every report in raw/ into the warehouse; unchanged files are skipped.",
        epilog="Example:\n  esg run --raw raw --warehouse warehouse/esg.duckdb\n\nExit codes:\n"
               + "\n".join(f"  {code:<4} {when}" for code, when in EXIT_CODES), formatter_class=_Formatter)
    _add_raw(run)
    _add_warehouse(run)
    run.add_argument("--max-bytes", type=int, default=DEFAULTS.max_bytes, metavar="N",
                     help=f"reject files larger than N bytes (default: {DEFAULTS.max_bytes:,}; or ESG_MAX_BYTES)")
    _add_follow_links(run)
    run.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                     help="if another run holds the warehouse, wait up to SECONDS for it (default: 0)")
    _add_task_runner(run)
    run.add_argument("--verbose", action="store_true", help="show Prefect's logs and full errors")

    serve = sub.add_parser(
        "serve", help="Run ingest_reports on a schedule (a Prefect deployment served from this process).",
        description="Serve ingest_reports as a Prefect deployment that runs on a cron schedule (or every "
                    "--interval seconds) and loads new and changed files from raw/ at each run. Uses the "
                    "Prefect server at PREFECT_API_URL, or starts a local one. Stop with Ctrl-C.",
        epilog='Example:\n  esg serve --cron "0 * * * *" --raw raw --warehouse warehouse/esg.duckdb',
        formatter_class=_Formatter)
    when = serve.add_mutually_exclusive_group()
    when.add_argument("--cron", default=DEFAULTS.cron, metavar='"M H DOM MON DOW"',
                      help=f"cron schedule, UTC (default: \"{DEFAULTS.cron}\", hourly; or ESG_CRON)")
    when.add_argument("--interval", type=float, default=None, metavar="SECONDS",
                      help="run every SECONDS instead of on a cron schedule")
    _add_raw(serve)
    _add_warehouse(serve)
    _add_follow_links(serve)
    _add_task_runner(serve)
    serve.add_argument("--verbose", action="store_true", help="show Prefect's debug logs and full errors")

    prune = sub.add_parser(
        "prune", help="Delete the rows of documents whose file is no longer in raw/.",
        description="Delete, in one transaction, the rows of every document whose file is no longer in "
                    "raw/ (runs keep them, marked with the last run that saw the file), their files' "
                    "rejections, and the processing cache.",
        epilog="Example:\n  esg prune --dry-run && esg prune", formatter_class=_Formatter)
    _add_raw(prune)
    _add_warehouse(prune)
    prune.add_argument("--dry-run", action="store_true", help="say what would be removed; change nothing")

    query = sub.add_parser(
        "query", help="Run read-only SQL against the warehouse.",
        description="Run read-only SQL against the warehouse and print the result.",
        epilog="Example:\n  esg query \"select topic, count(*) from figures group by 1 order by 2 desc\" --format csv",
        formatter_class=_Formatter)
    query.add_argument("sql", help="the SQL to run (read-only: writes are refused)")
    query.add_argument("--format", choices=("table", "csv", "json"), default="table",
                       help="output format (default: table)")
    query.add_argument("--max-rows", type=int, default=10_000, metavar="N",
                       help="print at most N rows and say when more were cut (default: 10,000; 0: no limit)")
    query.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                       help="stop the query after SECONDS (default: 60; 0: no limit)")
    query.add_argument("--wide", action="store_true",
                       help="with --format table: print every value whole (csv and json always do)")
    _add_warehouse(query)

    export = sub.add_parser(
        "export", help="Write every table as Parquet and CSV plus manifest.json.",
        description="Write every table as Parquet and CSV plus manifest.json (every file with its rows and "
                    "sha256, schema version, run id). pd.read_parquet reads the files with the warehouse's types.",
        epilog="Example:\n  esg export --out warehouse/exports\n  esg export --partition-by document_id",
        formatter_class=_Formatter)
    export.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="output folder (default: exports/ next to the warehouse)")
    export.add_argument("--partition-by", choices=("document_id",), default=None,
                        help="write Hive-partitioned Parquet: <table>/document_id=<id>/data_0.parquet for every "
                             "table with a document_id on every row")
    _add_warehouse(export)

    web = sub.add_parser(
        "web", help="Browse the warehouse read-only in a web browser: facts in their source, findings, downloads, SQL.",
        description="Serve a read-only view of the warehouse on http://HOST:PORT/: documents, their facts "
                    "(filter, sort), each fact with every place it is stated highlighted in its paragraph or "
                    "table, findings, the export's files to download, and a read-only SQL box. The warehouse "
                    "is opened per request, so `esg run` and `esg serve` go on while it serves.",
        epilog="Example:\n  esg web --warehouse warehouse/esg.duckdb --port 8000", formatter_class=_Formatter)
    _add_warehouse(web)
    web.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    web.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default: 127.0.0.1, this machine only)")
    web.add_argument("--exports", type=Path, default=None, metavar="DIR",
                     help="the `esg export` folder whose files the Downloads page offers (default: exports/ "
                          "next to the warehouse)")

    bench = sub.add_parser(
        "bench", help="Measure extraction speed and memory (vs quantulum3), or the whole flow with --scale N.",
        description="Without --scale: measure figure extraction on one core (chars/s, figures/s, peak memory; "
                    "median of several runs) side by side with quantulum3 when it is installed "
                    "(pip install -e '.[bench]'). With --scale N: generate N varied report-like documents "
                    "from the shipped report in a temporary folder, run the full flow on them, and print "
                    "documents/s, MB/s, figures/s, peak memory and the time of an unchanged re-run; then "
                    "check every document loaded and lineage holds.",
        epilog="Example:\n  esg bench --runs 7\n  esg bench --file raw/alibaba_esg_fy2023.txt --quantulum-runs 0"
               "\n  esg bench --scale 1000",
        formatter_class=_Formatter)
    bench.add_argument("--file", type=Path, default=None, metavar="PATH",
                       help="report to measure extraction on (default: the shipped raw/alibaba_esg_fy2023.txt)")
    bench.add_argument("--runs", type=int, default=None, metavar="N",
                       help="timed runs (default: 7 for extraction, 1 with --scale)")
    bench.add_argument("--quantulum-runs", type=int, default=1, metavar="N",
                       help="timed runs of quantulum3, 0 to skip it (default: 1; it is slow)")
    bench.add_argument("--scale", type=int, default=None, metavar="N",
                       help="time the full flow on N generated documents instead")
    bench.add_argument("--warehouse", type=Path, default=None, metavar="PATH",
                       help="with --scale: where the benchmark warehouse goes (default: a temporary folder; "
                            "never an existing file)")
    bench.add_argument("--json", action="store_true",
                       help="print the figures as one JSON object (for scripts) instead of the lines above")
    return parser


def _quiet_prefect(verbose: bool) -> None:
    """One-line errors in a normal run: Prefect's own error logs only with --verbose."""
    if "PREFECT_LOGGING_LEVEL" not in flows.USER_SET_ENV:
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO" if verbose else "CRITICAL"
    if not verbose and "PREFECT_LOGGING_ROOT_LEVEL" not in os.environ:
        # loggers outside prefect.* (e.g. Prefect's "EventsWorker - Still processing items" at exit)
        os.environ["PREFECT_LOGGING_ROOT_LEVEL"] = "CRITICAL"


def cmd_run(args: argparse.Namespace) -> int:
    _quiet_prefect(args.verbose)
    if not args.raw.is_dir():
        raise UsageError(f"{args.raw}: no such directory; create it and drop report files (.txt) in it")
    if args.dask_address and args.task_runner != "dask":
        raise UsageError("--dask-address needs --task-runner dask")
    from flows.unchanged import esg_run

    settings = replace(DEFAULTS, raw_dir=args.raw, warehouse=args.warehouse, max_bytes=args.max_bytes,
                       follow_links=args.follow_links, task_runner=args.task_runner,
                       dask_address=args.dask_address)
    summary = esg_run(settings, wait_seconds=args.wait, show_progress=True,
                      notify=lambda message: print(f"esg run: {message}", file=sys.stderr, flush=True))
    print(render_summary(summary, args.raw))
    return EXIT_REJECTED if summary["rejected"] else EXIT_OK


def _by_severity(findings: dict[str, int]) -> str:
    parts = [f"{findings[k]:,} {k}{'s' if findings[k] != 1 else ''}" for k in ("error", "warning") if findings.get(k)]
    return f" ({', '.join(parts)})" if parts else ""


def render_summary(s: dict, raw_dir: Path) -> str:
    """The run's summary, from what the run returned: the warehouse is not opened again (another
    run may hold it by now)."""
    totals, rejected, row_rejections = s["totals"], s["rejected_files"], s["row_rejections"]
    lines = [
        f"esg run: {s['files']} file(s) in {raw_dir}/ - {s['loaded']} loaded, {s['skipped']} unchanged, "
        f"{s['rejected']} rejected",
        f"  this run wrote: {s['sections']:,} sections, {s['paragraphs']:,} paragraphs, "
        f"{s['figures']:,} figures, {s.get('facts', 0):,} facts, {sum(s.get('findings', {}).values()):,} findings"
        f"{_by_severity(s.get('findings', {}))}, {row_rejections:,} rows rejected by validation",
        f"  warehouse now:  {totals['documents']:,} documents, {totals['sections']:,} sections, "
        f"{totals['paragraphs']:,} paragraphs, {totals['figures']:,} figures, {totals.get('facts', 0):,} facts, "
        f"{totals.get('findings', 0):,} findings, {totals['rejections']:,} rejections",
    ]
    if s.get("cells_without_unit"):
        lines.append(f"  {s['cells_without_unit']:,} table cell(s) whose unit nothing in their table states: kept "
                     "with unit null (see findings of kind schema_warning)")
    for path, reason in rejected:
        lines.append(f"  rejected {raw_dir}/{path}: {reason}")
    here = f"{socket.gethostname()}:{os.getpid()}"
    workers = [w for w in s.get("workers", []) if w != here]
    if workers:
        lines.append(f"  processed in {len(workers)} worker process(es) ({s.get('task_runner', '?')} task runner)"
                     + (f"; {s['from_cache']} document(s) from the cache" if s.get("from_cache") else ""))
    elif s.get("from_cache"):
        lines.append(f"  {s['from_cache']} document(s) processed earlier, taken from the cache")
    if s.get("missing"):
        lines.append(f"  {s['missing']} document(s) no longer in {raw_dir}/: rows kept (see documents.last_seen_run_id); "
                     "`esg prune` removes them")
    lines.append(f"  warehouse: {s['warehouse']}  (run {s['run_id']})")
    lines.append('  next: esg query "select topic, count(*) from figures group by 1 order by 2 desc"')
    return "\n".join(lines)


def _cell(value, wide: bool = False) -> str:
    if value is None:
        return "NULL"
    text = str(value).replace("\n", "\\n")
    return text if wide or len(text) <= 60 else text[:59] + "…"


def render_table(columns: list[str], rows: list[tuple], cut_reason: str | None = None, wide: bool = False) -> str:
    cells = [[_cell(v, wide) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths)).rstrip()
    out = [line(columns), line(["-" * w for w in widths])] + [line(r) for r in cells]
    count = f"{len(rows):,} row{'s' if len(rows) != 1 else ''}"
    out.append(f"({count} shown: {cut_reason}; --max-rows N shows more, 0 all)" if cut_reason else f"({count})")
    return "\n".join(out)


def cmd_query(args: argparse.Namespace) -> int:
    from flows.query import run_query

    if args.max_rows < 0 or args.timeout < 0:
        raise UsageError("--max-rows and --timeout must be 0 (no limit) or more")
    result = run_query(args.warehouse, args.sql, max_rows=args.max_rows, timeout_seconds=args.timeout)
    columns, rows = result.columns, result.rows
    if not columns:
        return 0
    if result.truncated and args.format != "table":  # the note would spoil csv or json on stdout
        print(f"esg query: printed {len(rows):,} rows: {result.cut_reason}; --max-rows N prints more, 0 all",
              file=sys.stderr)
    if args.format == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        sys.stdout.write(buf.getvalue())
    elif args.format == "json":
        print(json.dumps([dict(zip(columns, r)) for r in rows], default=str, ensure_ascii=False, indent=1))
    else:
        print(render_table(columns, rows, result.cut_reason, wide=args.wide))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from flows import load
    from flows.export import export_parquet

    out = args.out or args.warehouse.parent / "exports"
    con = load.connect(args.warehouse, read_only=True)
    try:
        manifest = export_parquet(con, out, partition_by=args.partition_by)
    finally:
        con.close()
    for entry in manifest["tables"]:
        files = [f for f in manifest["files"] if f["table"] == entry["table"] and f["format"] == "parquet"]
        where = f"{len(files)} file(s)" if entry["file"].endswith("/") else f"sha256 {files[0]['sha256'][:12]}"
        print(f"  {out / entry['file']}  {entry['rows']:,} rows  {where}  (and {entry['csv']})")
    print(f"esg export: {len(manifest['tables'])} tables, {len(manifest['files'])} files to {out}/ "
          f"(manifest: {out / 'manifest.json'}; in pandas: pd.read_parquet('{out / manifest['tables'][0]['file']}'))")
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    import shutil

    from flows import load
    from flows.read import list_reports

    if not args.raw.is_dir():
        raise UsageError(f"{args.raw}: no such directory; pass the --raw folder your runs read")
    present = set(list_reports(args.raw).names)
    con = load.connect(args.warehouse, read_only=args.dry_run)
    try:
        n_documents = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        if n_documents and len(load.missing_documents(con, present)) == n_documents:
            raise UsageError(f"{args.raw}/ holds none of the warehouse's {n_documents} documents; is --raw right? "
                             "(to start over, delete the warehouse file instead)")
        removed = load.prune(con, present, dry_run=args.dry_run)
    finally:
        con.close()
    verb = "would remove" if args.dry_run else "removed"
    for source_path, document_id, last_seen, rows in removed["documents"]:
        print(f"  {verb} {source_path} (document {document_id}, {rows:,} rows; last seen by run {last_seen})")
    cache = replace(DEFAULTS, warehouse=args.warehouse).cache_dir
    cache_files = [p for p in cache.rglob("*") if p.is_file()] if cache.is_dir() else []
    cache_bytes = sum(p.stat().st_size for p in cache_files)
    if cache.is_dir() and not args.dry_run:
        shutil.rmtree(cache)
    print(f"esg prune: {verb} {len(removed['documents'])} document(s), {removed['rejections']} rejection(s) "
          f"of {len(removed['rejection_files'])} file(s) gone from {args.raw}/, and the processing cache "
          f"({len(cache_files)} file(s), {cache_bytes / 1e6:.1f} MB)")
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    from flows.web import serve

    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: not a port; pick one from 1 to 65535")
    serve(args.warehouse, args.host, args.port, exports=args.exports, say=lambda line: print(line, flush=True))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if "PREFECT_LOGGING_LEVEL" not in flows.USER_SET_ENV:
        os.environ["PREFECT_LOGGING_LEVEL"] = "DEBUG" if args.verbose else "INFO"  # runs and their outcome
    from flows.deploy import serve_ingest

    if not args.raw.is_dir():
        raise UsageError(f"{args.raw}: no such directory; create it and drop report files (.txt) in it")
    if args.dask_address and args.task_runner != "dask":
        raise UsageError("--dask-address needs --task-runner dask")
    settings = replace(DEFAULTS, raw_dir=args.raw, warehouse=args.warehouse, cron=args.cron,
                       follow_links=args.follow_links, task_runner=args.task_runner,
                       dask_address=args.dask_address)
    serve_ingest(settings, interval=args.interval, say=print)
    return 0


class UsageError(Exception):
    """A mistake the user can fix; printed as one line."""


def cmd_bench(args: argparse.Namespace) -> int:
    if args.scale is None:
        from flows.bench import run_extraction_bench

        if args.file is not None and not args.file.is_file():
            raise UsageError(f"{args.file}: no such file")
        runs = 7 if args.runs is None else args.runs
        results = run_extraction_bench(args.file, runs=max(1, runs), quantulum_runs=max(0, args.quantulum_runs),
                                       out=(lambda line: None) if args.json else print)
        if args.json:
            from flows.bench import result_record

            print(json.dumps({"extraction": [result_record(r) for r in results]}))
        return 0
    from flows.bench_scale import run_scale_bench

    runs = 1 if args.runs is None else args.runs
    if args.scale < 1 or runs < 1:
        raise UsageError("--scale and --runs must be at least 1")
    return run_scale_bench(args.scale, runs=runs, warehouse=args.warehouse, settings=DEFAULTS, as_json=args.json)


COMMANDS = {"run": cmd_run, "query": cmd_query, "export": cmd_export, "prune": cmd_prune,
            "serve": cmd_serve, "bench": cmd_bench, "web": cmd_web}


def _warehouse_fault(args: argparse.Namespace, err: Exception):
    """err as a one-line DiskFull or WarehouseDamaged error about the command's warehouse, or None."""
    from flows.warehouse import warehouse_fault

    warehouse = getattr(args, "warehouse", None)
    return warehouse_fault(warehouse, err) if warehouse is not None else None


# What Ctrl-C leaves behind, by command.
INTERRUPTED = {
    "run": "the warehouse keeps every document loaded so far; run again to load the rest",
    "serve": "serving stopped",
    "query": "the query was stopped; nothing was changed",
    "export": "files already in the output folder are as they were; export again",
    "prune": "nothing was removed",
    "bench": "the benchmark was stopped",
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    try:
        return _run_command(args)
    except KeyboardInterrupt:
        print(f"esg {args.command}: interrupted (Ctrl-C); {INTERRUPTED[args.command]}", file=sys.stderr)
        return EXIT_INTERRUPTED


def _run_command(args: argparse.Namespace) -> int:
    from flows.deploy import ServeError
    from flows.listing import RawDirError
    from flows.warehouse import WarehouseError
    from flows.query import QueryError
    from flows.settings import CodeMismatch

    try:
        return COMMANDS[args.command](args)
    except (UsageError, WarehouseError, ServeError, RawDirError, QueryError, CodeMismatch, FileNotFoundError) as err:
        print(f"esg {args.command}: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as err:
        fault = _warehouse_fault(args, err)
        if fault is not None:  # a full disk or a damaged warehouse, met mid-command
            print(f"esg {args.command}: error: {fault}", file=sys.stderr)
            return EXIT_ERROR
        if getattr(args, "verbose", False):  # a bug: say so in one line; --verbose shows the traceback
            raise
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else ""
        print(f"esg {args.command}: unexpected error: {type(err).__name__}: {first_line} "
              "(re-run with --verbose for details)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
