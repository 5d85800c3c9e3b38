"""Batch ingest: inputs -> per-document envelopes -> validated tables -> output folder (atomic)."""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from extractors.readers import bytes_to_identity
from schemas.quality import Code, Issue, Severity
from schemas.tables import ROW_TYPES, DocumentRow, QualityRow, TableRow

from .envelope import DocumentResult, InputFile
from .inputs import discover_inputs
from .report import RunReport, results_to_report
from .stages import Stage, default_stages, run_stages

ALL_FORMATS = ("csv", "parquet", "duckdb")
Progress = Callable[[int, int, DocumentResult], None]


@dataclass(frozen=True)
class IngestResult:
    results: tuple[DocumentResult, ...]
    tables: dict[str, list[TableRow]]
    report: RunReport


def ingest(
    paths: Sequence[Path],
    out_dir: Path,
    *,
    formats: Sequence[str] = ALL_FORMATS,
    excel: bool = False,
    manifest: Path | None = None,
    progress: Progress | None = None,
    stages: Sequence[Stage] | None = None,
) -> IngestResult:
    """Process every input under ``paths`` and write all tables to ``out_dir`` in one atomic swap.

    Bad inputs become ``failed`` rows of ``documents`` with a code; they never stop the batch."""
    from pipeline.output import write_tables

    check_formats(formats)
    started = time.perf_counter()
    inputs = discover_inputs(list(paths), manifest)
    results = process_inputs(inputs, stages if stages is not None else default_stages(), progress)
    tables = results_to_tables(results)
    report = results_to_report(results, {name: len(rows) for name, rows in tables.items()}, time.perf_counter() - started)
    frames = tables_to_frames(tables)
    extra = {"report.json": report.to_json().encode(), "report.txt": report.to_text().encode()}
    write_tables(frames, out_dir, formats=formats, excel=excel, extra_files=extra)
    return IngestResult(results=tuple(results), tables=tables, report=report)


def check_formats(formats: Sequence[str]) -> None:
    from .inputs import UsageError

    unknown = [f for f in formats if f not in ALL_FORMATS]
    if unknown or not formats:
        raise UsageError(f"unknown output format {', '.join(unknown) or '(none)'}; choose from {', '.join(ALL_FORMATS)}")


def process_inputs(inputs: list[InputFile], stages: Sequence[Stage], progress: Progress | None) -> list[DocumentResult]:
    results: list[DocumentResult] = []
    seen: dict[str, str] = {}
    for index, source in enumerate(inputs, start=1):
        identity = bytes_to_identity(source.data)
        result = DocumentResult(source=source, doc_id=identity.doc_id, sha256=identity.sha256)
        if identity.doc_id in seen and source.read_error is None:
            # The same bytes twice would give two rows with one doc_id: keep the first.
            result = result.failed(
                Issue(Code.DUPLICATE_INPUT, Severity.ERROR, f"same content as {seen[identity.doc_id]}; processed once", table="documents")
            )
        else:
            seen.setdefault(identity.doc_id, source.source_file)
            result = run_stages(result, stages)
        results.append(result)
        if progress is not None:
            progress(index, len(inputs), result)
    return results


def results_to_tables(results: list[DocumentResult]) -> dict[str, list[TableRow]]:
    """Concatenate every document's rows per table, in input order; documents and quality too."""
    tables: dict[str, list[TableRow]] = {t.TABLE: [] for t in ROW_TYPES}
    for result in results:
        tables[DocumentRow.TABLE].append(result.document_row())
        for f in dataclasses.fields(result.extraction):
            if f.name != "issues":
                tables[f.name].extend(getattr(result.extraction, f.name))
    tables[QualityRow.TABLE] = [q for r in results for q in r.quality_rows()]
    return tables


def tables_to_frames(tables: dict[str, list[TableRow]]) -> dict[str, object]:
    from schemas.frame import rows_to_frame
    from schemas.tables import ROW_TYPE_BY_TABLE

    return {name: rows_to_frame(ROW_TYPE_BY_TABLE[name], rows) for name, rows in tables.items()}


def print_progress(index: int, total: int, result: DocumentResult) -> None:
    """Plain progress lines on stderr: one per document with its status."""
    seconds = sum(t for _, t in result.timings)
    rows = result.extraction.row_count()
    detail = f"[{result.failure.code}] {result.failure.message}" if result.failure else f"{rows} rows"
    print(f"[{index}/{total}] {result.status:<7} {result.source.source_file}  ({seconds:.2f} s) {detail}", file=sys.stderr)
