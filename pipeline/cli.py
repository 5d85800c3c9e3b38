"""``keikaku`` command line: a thin wrapper over importable functions.

Exit codes: 0 every document succeeded (status ok or partial) / the folder is valid;
2 some documents failed but the rest were written / validation found problems;
1 usage or fatal error (nothing written)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .inputs import UsageError

EXIT_OK, EXIT_FATAL, EXIT_SOME_FAILED = 0, 1, 2

EPILOG = """exit codes:
  0  every document succeeded (ok or partial) / the output folder is valid
  1  usage or fatal error (nothing was written)
  2  some documents failed (the others were written) / validation found problems

examples:
  keikaku ingest seeds/                      # every .pdf/.txt under seeds/ into output/
  keikaku ingest a.pdf b.txt --out out --format csv --excel
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
    ingest.add_argument("--manifest", type=Path, metavar="CSV", help="manifest (file,title,issuer,area,fiscal_year,kind_hints); "
                        "a folder's manifest.csv is read automatically")
    ingest.add_argument("--quiet", action="store_true", help="no per-document progress lines")
    validate = sub.add_parser("validate", help="check an output folder against the contract")
    validate.add_argument("dir", type=Path, metavar="DIR")
    sub.add_parser("schema", help="print every table, column, type and meaning, and the problem codes")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "ingest":
            return run_ingest(args)
        if args.command == "validate":
            return run_validate(args.dir)
        return run_schema()
    except UsageError as exc:
        print(f"keikaku: error: {exc}", file=sys.stderr)
        return EXIT_FATAL
    except FileExistsError as exc:
        print(f"keikaku: error: {exc}", file=sys.stderr)
        return EXIT_FATAL
    except OSError as exc:
        print(f"keikaku: error: cannot write the output: {exc.strerror or exc}; the previous output was left as it was",
              file=sys.stderr)
        return EXIT_FATAL
    except KeyboardInterrupt:
        print("keikaku: interrupted; the previous output was left as it was", file=sys.stderr)
        return EXIT_FATAL


def run_ingest(args: argparse.Namespace) -> int:
    from .ingest import ingest, print_progress

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    if "csv" not in formats:
        formats.insert(0, "csv")
    result = ingest(
        args.paths,
        args.out,
        formats=formats,
        excel=args.excel,
        manifest=args.manifest,
        progress=None if args.quiet else print_progress,
    )
    print(result.report.to_text(), end="")
    print(f"output written to {args.out}/")
    return EXIT_SOME_FAILED if result.report.exit_code else EXIT_OK


def run_validate(directory: Path) -> int:
    from schemas.validation import validate_output_dir

    if not directory.is_dir():
        raise UsageError(f"no such output folder: {directory}")
    problems = validate_output_dir(directory)
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
