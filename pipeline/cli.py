"""``keikaku`` command line: a thin wrapper over importable functions.

Exit codes: 0 every document succeeded (status ok or partial) / the folder is valid;
2 some documents failed (a bad file, a limit passed, a worker that died) but the rest were
written / validation found problems; 1 usage or fatal error (nothing written)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import UsageError
from .limits import DEFAULT_MEMORY_MB, DEFAULT_SECONDS, DEFAULT_STREAM_MB, Limits, mb_to_bytes

EXIT_OK, EXIT_FATAL, EXIT_SOME_FAILED = 0, 1, 2

EPILOG = """exit codes:
  0  every document succeeded (ok or partial) / the output folder is valid
  1  usage or fatal error (nothing was written; the previous output is kept)
  2  some documents failed (bad file, over a limit, worker died; the others were written)
     / validation found problems

examples:
  keikaku ingest seeds/                      # every .pdf/.txt under seeds/ into output/
  keikaku ingest a.pdf b.txt --out out --format csv --excel
  keikaku ingest docs/ --jobs 4                         # four worker processes
  keikaku ingest docs/ --executor dask --scheduler tcp://host:8786
  keikaku ingest docs/ --time-limit 900 --memory-limit 3000   # a very large plan
  keikaku review output/ --sources seeds/             # output/review/index.html
  keikaku ingest seeds/ --corrections corrections.csv  # apply a reviewer's corrections
  keikaku diff old-output/ output/
  keikaku validate output/
  keikaku schema
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keikaku",
        description="Turn Japanese municipal planning documents (PDF or text) into validated open datasets.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ingest = sub.add_parser("ingest", help="read documents and write every table to an output folder")
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH", help=".pdf/.txt files or folders of them")
    ingest.add_argument("--out", type=Path, default=Path("output"), metavar="DIR", help="output folder (default: output)")
    ingest.add_argument(
        "--format",
        default="csv,parquet,duckdb",
        metavar="LIST",
        help="comma-separated output formats: csv, parquet, duckdb (default: all three; CSV is always written)",
    )
    ingest.add_argument("--excel", action="store_true", help="write CSV with a UTF-8 BOM so Excel shows Japanese correctly")
    ingest.add_argument("--manifest", type=Path, metavar="CSV", help="manifest (file,title,issuer,area,fiscal_year); "
                        "a folder's manifest.csv is read automatically")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar or per-document progress lines")
    ingest.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                        help="documents processed in N watched worker processes (default 1); "
                        "with --executor dask and no --scheduler, the number of local Dask workers")
    ingest.add_argument("--executor", choices=("local", "dask"), default="local",
                        help="local: this machine (default); dask: a Dask distributed cluster")
    ingest.add_argument("--scheduler", metavar="ADDRESS",
                        help="Dask scheduler address (e.g. tcp://host:8786); without it --executor dask starts a LocalCluster")
    ingest.add_argument("--cache", type=Path, metavar="DIR",
                        help="incremental cache folder (default: .keikaku_cache beside the output folder)")
    ingest.add_argument("--no-cache", action="store_true", help="process every document again; read and write no cache")
    ingest.add_argument("--time-limit", type=positive_float, default=DEFAULT_SECONDS, metavar="SECONDS",
                        help=f"wall time one document may take before it is stopped (failed, time-limit; default {DEFAULT_SECONDS:g})")
    ingest.add_argument("--memory-limit", type=positive_float, default=DEFAULT_MEMORY_MB, metavar="MB",
                        help="memory of the process working on one document, model included, before it is stopped "
                        f"(failed, memory-limit; default {DEFAULT_MEMORY_MB})")
    ingest.add_argument("--stream-limit", type=positive_float, default=DEFAULT_STREAM_MB, metavar="MB",
                        help=f"largest inflated PDF stream (failed, stream-limit; default {DEFAULT_STREAM_MB})")
    ingest.add_argument("--corrections", type=Path, metavar="CSV",
                        help="a reviewer's corrections (corrections.csv from the review page) to apply; see keikaku review")
    ingest.add_argument("--allow-empty", action="store_true",
                        help="when no input document is found, replace an existing output with empty tables (default: refuse)")
    review = sub.add_parser("review", help="write a static review page of the doubtful values into an output folder")
    review.add_argument("dir", type=Path, metavar="OUTPUT_DIR")
    review.add_argument("--sources", type=Path, nargs="+", action="extend", default=[], metavar="PATH",
                        help="folders (or files) the documents were ingested from, to crop their pages "
                        "(default: the current folder)")
    validate = sub.add_parser("validate", help="check an output folder against the contract")
    validate.add_argument("dir", type=Path, metavar="DIR")
    sub.add_parser("schema", help="print every table, column, type and meaning, and the problem codes")
    diff = sub.add_parser("diff", help="compare two output folders table by table")
    diff.add_argument("old", type=Path, metavar="OLD_OUTPUT")
    diff.add_argument("new", type=Path, metavar="NEW_OUTPUT")
    diff.add_argument("--out", type=Path, metavar="DIR", help="also write the differences as files into DIR")
    return parser


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "ingest":
            return run_ingest(args)
        if args.command == "validate":
            return run_validate(args.dir)
        if args.command == "diff":
            return run_diff(args)
        if args.command == "review":
            return run_review(args)
        return run_schema()
    except (UsageError, FileExistsError) as exc:
        print(f"keikaku: error: {exc}", file=sys.stderr)
        return EXIT_FATAL
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"keikaku: error: {exc.strerror or exc}{where}; the previous output was left as it was", file=sys.stderr)
        return EXIT_FATAL
    except KeyboardInterrupt:
        print("keikaku: interrupted; the previous output was left as it was (or is restored by the next run)", file=sys.stderr)
        return EXIT_FATAL


def run_ingest(args: argparse.Namespace) -> int:
    from .cache import default_cache_dir
    from .corrections import read_corrections
    from .ingest import ingest
    from .progress import terminal_progress

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    if "csv" not in formats:
        formats.insert(0, "csv")
    if args.scheduler is not None and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
    if args.no_cache and args.cache is not None:
        raise UsageError("give --cache DIR or --no-cache, not both")
    cache_dir = None if args.no_cache else (args.cache or default_cache_dir(args.out))
    corrections = read_corrections(args.corrections) if args.corrections is not None else None
    limits = Limits(seconds=args.time_limit, memory_bytes=mb_to_bytes(args.memory_limit), stream_bytes=mb_to_bytes(args.stream_limit))
    progress = terminal_progress(args.quiet)
    try:
        result = ingest(
            args.paths,
            args.out,
            formats=formats,
            excel=args.excel,
            manifest=args.manifest,
            progress=progress,
            jobs=args.jobs,
            executor=args.executor,
            scheduler=args.scheduler,
            cache_dir=cache_dir,
            limits=limits,
            allow_empty=args.allow_empty,
            corrections=corrections,
        )
    finally:
        close = getattr(progress, "close", None)
        if close is not None:
            close()
    print(result.report.to_text(timings=True), end="")
    print(f"output written to {args.out}/")
    from .review import review_hint

    hint = review_hint(result.tables, args.out, args.paths)
    if hint:
        print(hint)
    return EXIT_SOME_FAILED if result.report.exit_code else EXIT_OK


def run_diff(args: argparse.Namespace) -> int:
    """``pipeline.diff.diff_command`` (imported only when asked for)."""
    try:
        from .diff import diff_command
    except ModuleNotFoundError as exc:
        if exc.name != "pipeline.diff":
            raise
        raise UsageError("keikaku diff is not available in this installation (no pipeline.diff)") from None
    return diff_command(args.old, args.new, args.out)


def run_review(args: argparse.Namespace) -> int:
    from .review import write_review

    if not args.dir.is_dir():
        raise UsageError(f"no such output folder: {args.dir}")
    built = write_review(args.dir, args.sources or [Path.cwd()])
    print(built.summary())
    return EXIT_OK


def run_validate(directory: Path) -> int:
    from .validate import validate_output

    if not directory.is_dir():
        raise UsageError(f"no such output folder: {directory}")
    problems = validate_output(directory)
    for q in problems:
        where = f" at {q.location}" if q.location else ""
        print(f"{q.table or '-'}{where}: [{q.code}] {q.message}")
    if problems:
        print(f"keikaku validate: {len(problems)} problem(s) in {directory}", file=sys.stderr)
        return EXIT_SOME_FAILED
    print(f"keikaku validate: {directory} is valid")
    return EXIT_OK


def run_schema() -> int:
    from schemas.datapackage import schema_text

    print(schema_text(), end="")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
