"""Whole-process time of ``keikaku ingest`` on the committed test PDFs against pdfplumber on the
same pages, and keikaku's fixed costs, all measured in this one run.

    make bench BENCH=process

Inputs: every ``tests/fixtures/**/*.pdf`` and ``tests/real/**/*.pdf``. Each side is one fresh
Python process, timed from start to exit:

- baseline: ``pdfplumber.open`` of every PDF, then ``extract_tables()`` and ``extract_text()``
  on every page (what reading tables and text with pdfplumber alone costs);
- keikaku: ``keikaku ingest PDF... --no-cache --quiet`` (one worker, every output format, the
  run's validation and the atomic write included).

Target (issue 18): keikaku at most 2x the baseline on at least 50 pages. Fixed costs, each a
fresh process (best of ``REPEAT``): ``keikaku --help``, ``keikaku schema``, and GiNZA's load
(``import spacy`` + ``spacy.load``), paid only by a process whose documents need it; whether a
table-only document loads it; and the validation of the run's rows (in this process, warm,
over the text of the CSVs written, as the validate stage sees them).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PDFS = sorted([*ROOT.glob("tests/fixtures/**/*.pdf"), *ROOT.glob("tests/real/**/*.pdf")])
TABLE_ONLY = ROOT / "tests/fixtures/population-row-groups-merged.pdf"  # a statistics table, no prose
REPEAT = 5
TARGET_RATIO = 2.0

PDFPLUMBER = """
import sys, pdfplumber
pages = 0
for path in sys.argv[1:]:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_tables()
            page.extract_text()
            pages += 1
print(pages)
"""

MODEL_LOAD = """
import time
started = time.perf_counter()
from extractors.normalize.nlp import ginza
ginza()
print(time.perf_counter() - started)
"""

NEEDS_MODEL = """
import sys
from pipeline.envelope import DocumentResult, InputFile
from pipeline.stages import default_stages, run_stages
path = sys.argv[1]
result = run_stages(DocumentResult.of(InputFile(path, open(path, "rb").read())), default_stages())
print(result.status, result.extraction.row_count(), "spacy" in sys.modules)
"""


def environment() -> dict[str, str]:
    """This checkout's code first, whatever is installed."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def timed(command: list[str]) -> tuple[float, str]:
    """Wall seconds of one process from start to exit, and its stdout."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=environment(), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 2):  # 2: some documents failed, the rest written
        raise RuntimeError(f"{' '.join(command[:4])} ... exited {done.returncode}: {done.stderr[-2000:]}")
    return seconds, done.stdout


def best_of(command: list[str], repeat: int = REPEAT) -> float:
    return min(timed(command)[0] for _ in range(repeat))


def keikaku(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", *args]


def validation_seconds(out: Path) -> tuple[float, int]:
    """Seconds to check every table written in ``out`` (text cells, as the validate stage does)
    against the contract, best of ``REPEAT``; and the number of rows."""
    from schemas.tables import TABLE_NAMES
    from schemas.validation import columns_failures

    tables = {}
    for name in TABLE_NAMES:
        with open(out / f"{name}.csv", encoding="utf-8", newline="") as handle:
            records = list(csv.DictReader(handle))
        header = list(records[0]) if records else []
        tables[name] = ({c: [r[c] if r[c].strip() else None for r in records] for c in header}, len(records))
    columns_failures(TABLE_NAMES[0], *tables[TABLE_NAMES[0]])  # first use: reference lists loaded
    best = float("inf")
    for _ in range(REPEAT):
        started = time.perf_counter()
        for name, (columns, rows) in tables.items():
            if rows:
                columns_failures(name, columns, rows)
        best = min(best, time.perf_counter() - started)
    return best, sum(rows for _, rows in tables.values())


def main() -> None:
    paths = [str(p.relative_to(ROOT)) for p in PDFS]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        base, pages = timed([sys.executable, "-c", PDFPLUMBER, *paths])
        ingest, _ = timed(keikaku("ingest", *paths, "--out", str(out), "--no-cache", "--quiet"))
        validate, rows = validation_seconds(out)
    ratio = ingest / base
    print(f"{len(paths)} PDFs, {int(pages)} pages (tests/fixtures, tests/real)")
    print(f"pdfplumber extract_tables + extract_text, whole process: {base:8.1f} s  ({base / int(pages) * 1000:.0f} ms/page)")
    print(f"keikaku ingest --no-cache, whole process:                {ingest:8.1f} s  ({ingest / int(pages) * 1000:.0f} ms/page)")
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(f"ratio keikaku / pdfplumber: {ratio:.2f}x  ({verdict} the target of {TARGET_RATIO:g}x)")
    print(f"fixed costs (fresh process, best of {REPEAT}):")
    print(f"  keikaku --help           {best_of(keikaku('--help')):6.2f} s")
    print(f"  keikaku schema           {best_of(keikaku('schema')):6.2f} s")
    load = min(float(timed([sys.executable, "-c", MODEL_LOAD])[1]) for _ in range(2))
    print(f"  GiNZA load (best of 2)   {load:6.2f} s  (import spacy + spacy.load, once per worker that needs it)")
    status, table_rows, loaded = timed([sys.executable, "-c", NEEDS_MODEL, str(TABLE_ONLY)])[1].split()
    print(f"  GiNZA loaded by {TABLE_ONLY.name} ({status}, {table_rows} rows): {'yes' if loaded == 'True' else 'no'}")
    print(f"  validation of {rows} rows  {validate:6.2f} s  (warm, in process)")


if __name__ == "__main__":
    main()
