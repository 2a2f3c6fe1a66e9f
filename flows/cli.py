"""The `esg` command: parses arguments, calls the library, prints. Nothing else lives here."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from pathlib import Path

import flows
from flows.settings import Settings

DEFAULTS = Settings.from_env()


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _add_warehouse(p: argparse.ArgumentParser) -> None:
    p.add_argument("--warehouse", type=Path, default=DEFAULTS.warehouse, metavar="PATH",
                   help=f"DuckDB warehouse file (default: {DEFAULTS.warehouse})")


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
        epilog="Example:\n  esg run --raw raw --warehouse warehouse/esg.duckdb", formatter_class=_Formatter)
    run.add_argument("--raw", type=Path, default=DEFAULTS.raw_dir, metavar="DIR",
                     help=f"folder of report files (default: {DEFAULTS.raw_dir})")
    _add_warehouse(run)
    run.add_argument("--max-bytes", type=int, default=DEFAULTS.max_bytes, metavar="N",
                     help=f"reject files larger than N bytes (default: {DEFAULTS.max_bytes:,})")
    run.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                     help="if another run holds the warehouse, wait up to SECONDS for it (default: 0)")
    run.add_argument("--verbose", action="store_true", help="show Prefect's logs and full errors")

    query = sub.add_parser(
        "query", help="Run read-only SQL against the warehouse.",
        description="Run read-only SQL against the warehouse and print the result.",
        epilog="Example:\n  esg query \"select topic, count(*) from figures group by 1 order by 2 desc\" --format csv",
        formatter_class=_Formatter)
    query.add_argument("sql", help="the SQL to run (read-only: writes are refused)")
    query.add_argument("--format", choices=("table", "csv", "json"), default="table",
                       help="output format (default: table)")
    _add_warehouse(query)

    export = sub.add_parser(
        "export", help="Write one Parquet file per table plus manifest.json.",
        description="Write one Parquet file per table plus manifest.json (rows, sha256, schema version, run id).",
        epilog="Example:\n  esg export --out warehouse/exports", formatter_class=_Formatter)
    export.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="output folder (default: exports/ next to the warehouse)")
    _add_warehouse(export)

    bench = sub.add_parser(
        "bench", help="Measure extraction speed and memory (vs quantulum3), or the whole flow with --scale.",
        description="Measure figure extraction on one core: chars/s, figures/s and peak memory, median of "
                    "several runs, side by side with quantulum3 when it is installed (pip install -e '.[bench]').",
        epilog="Example:\n  esg bench --runs 7\n  esg bench --file raw/alibaba_esg_fy2023.txt --quantulum-runs 0",
        formatter_class=_Formatter)
    bench.add_argument("--file", type=Path, default=None, metavar="PATH",
                       help="report to measure (default: the shipped raw/alibaba_esg_fy2023.txt)")
    bench.add_argument("--runs", type=int, default=7, metavar="N", help="timed runs of esg-pipeline (default: 7)")
    bench.add_argument("--quantulum-runs", type=int, default=1, metavar="N",
                       help="timed runs of quantulum3, 0 to skip it (default: 1; it is slow)")
    _add_warehouse(bench)
    return parser


def _quiet_prefect(verbose: bool) -> None:
    """One-line errors in a normal run: Prefect's own error logs only with --verbose."""
    if "PREFECT_LOGGING_LEVEL" not in flows.USER_SET_ENV:
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO" if verbose else "CRITICAL"


def cmd_run(args: argparse.Namespace) -> int:
    _quiet_prefect(args.verbose)
    from flows.pipeline import ingest_reports

    if not args.raw.is_dir():
        raise UsageError(f"{args.raw}: no such directory; create it and drop report files (.txt) in it")
    summary = ingest_reports(raw_dir=args.raw, warehouse=args.warehouse, max_bytes=args.max_bytes,
                             wait_seconds=args.wait, show_progress=True)
    print(render_summary(summary, args.raw))
    return 0


def render_summary(s: dict, raw_dir: Path) -> str:
    from flows import load

    con = load.connect(Path(s["warehouse"]), read_only=True)
    try:
        totals = load.table_counts(con)
        rejected = con.execute(
            "SELECT source_path, reason FROM rejections WHERE run_id = ? AND table_name = 'documents' "
            "ORDER BY source_path LIMIT 5", [s["run_id"]]).fetchall()
        row_rejections = con.execute(
            "SELECT count(*) FROM rejections WHERE run_id = ? AND table_name <> 'documents'", [s["run_id"]]
        ).fetchone()[0]
    finally:
        con.close()
    lines = [
        f"esg run: {s['files']} file(s) in {raw_dir}/ - {s['loaded']} loaded, {s['skipped']} unchanged, "
        f"{s['rejected']} rejected",
        f"  this run wrote: {s['sections']:,} sections, {s['paragraphs']:,} paragraphs, "
        f"{s['figures']:,} figures, {row_rejections:,} rejected rows",
        f"  warehouse now:  {totals['documents']:,} documents, {totals['sections']:,} sections, "
        f"{totals['paragraphs']:,} paragraphs, {totals['figures']:,} figures, "
        f"{totals['rejections']:,} rejections",
    ]
    for path, reason in rejected:
        lines.append(f"  rejected {raw_dir}/{path}: {reason}")
    lines.append(f"  warehouse: {s['warehouse']}  (run {s['run_id']})")
    lines.append('  next: esg query "select topic, count(*) from figures group by 1 order by 2 desc"')
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "NULL"
    text = str(value).replace("\n", "\\n")
    return text if len(text) <= 60 else text[:59] + "…"


def render_table(columns: list[str], rows: list[tuple]) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths)).rstrip()
    out = [line(columns), line(["-" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def cmd_query(args: argparse.Namespace) -> int:
    from flows import load
    import duckdb

    con = load.connect(args.warehouse, read_only=True)
    # read-only means no writes anywhere: no files (COPY ... TO, EXPORT, ATTACH), no extension
    # installs, and no settings that would undo this
    for setting in ("enable_external_access", "autoinstall_known_extensions", "autoload_known_extensions"):
        con.execute(f"SET {setting} = false")
    con.execute("SET lock_configuration = true")
    try:
        try:
            cursor = con.execute(args.sql)
        except duckdb.Error as err:
            raise UsageError(f"query failed: {str(err).splitlines()[0]}") from None
        if cursor.description is None:
            return 0
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        con.close()
    if args.format == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        sys.stdout.write(buf.getvalue())
    elif args.format == "json":
        print(json.dumps([dict(zip(columns, r)) for r in rows], default=str, ensure_ascii=False, indent=1))
    else:
        print(render_table(columns, rows))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from flows import load
    from flows.export import export_parquet

    out = args.out or args.warehouse.parent / "exports"
    con = load.connect(args.warehouse, read_only=True)
    try:
        manifest = export_parquet(con, out)
    finally:
        con.close()
    for entry in manifest["tables"]:
        print(f"  {out / entry['file']}  {entry['rows']:,} rows  sha256 {entry['sha256'][:12]}")
    print(f"esg export: {len(manifest['tables'])} tables to {out}/ (manifest: {out / 'manifest.json'})")
    return 0


class UsageError(Exception):
    """A mistake the user can fix; printed as one line."""


def cmd_bench(args: argparse.Namespace) -> int:
    from flows.bench import run_extraction_bench

    if args.file is not None and not args.file.is_file():
        raise UsageError(f"{args.file}: no such file")
    run_extraction_bench(args.file, runs=max(1, args.runs), quantulum_runs=max(0, args.quantulum_runs))
    return 0


COMMANDS = {"run": cmd_run, "query": cmd_query, "export": cmd_export, "bench": cmd_bench}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    from flows.load import WarehouseError

    try:
        return COMMANDS[args.command](args)
    except (UsageError, WarehouseError, FileNotFoundError) as err:
        print(f"esg {args.command}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"esg {args.command}: interrupted; the warehouse keeps every document loaded so far", file=sys.stderr)
        return 130
    except Exception as err:  # a bug: say so in one line; --verbose shows the traceback
        if getattr(args, "verbose", False):
            raise
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else ""
        print(f"esg {args.command}: unexpected error: {type(err).__name__}: {first_line} "
              "(re-run with --verbose for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
