"""The per-document pipeline, written as data: a declared list of stages with one signature.

read -> extract -> validate. Each stage takes the document's envelope and returns a new one; a
stage is skipped once the document has failed. Reading finds the document's tables and text
blocks; extractors run in order, each claiming the tables it reads, and the tables none claims
become ``cells`` rows. Bugs inside one extractor are caught and reported (``extractor-failed``)
so one bad extractor never loses the other tables.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePath

from extractors.content.base import ExtractContext, Extraction, Extractor
from extractors.model.document import Document
from extractors.model.table import Table
from extractors.readers import PDF_MEDIA_TYPE, SUPPORTED_SUFFIXES, ReadFailure, read_document
from schemas.quality import Code, Issue, Severity
from schemas.tables import ROW_TYPE_BY_TABLE, TableRow, row_key

from .envelope import DocumentResult

StageFn = Callable[[DocumentResult], DocumentResult]


@dataclass(frozen=True)
class Stage:
    name: str
    run: StageFn


def default_extractors() -> tuple[Extractor, ...]:
    """Every content kind keikaku understands, in the order they run (a table goes to the first
    that claims it); ``cells`` last, for the tables no other claims."""
    from extractors.content.catalog import CatalogExtractor
    from extractors.content.cells import CellsExtractor
    from extractors.content.comments import CommentsExtractor
    from extractors.content.kpi import KpiExtractor
    from extractors.content.metrics import MetricsExtractor
    from extractors.content.participation import ParticipationExtractor
    from extractors.content.priority_matrix import PriorityMatrixExtractor
    from extractors.content.regions import RegionListExtractor
    from extractors.content.timeseries import TimeSeriesExtractor

    return (
        ParticipationExtractor(),
        PriorityMatrixExtractor(),
        KpiExtractor(),
        CatalogExtractor(),
        TimeSeriesExtractor(),
        CommentsExtractor(),
        RegionListExtractor(),
        MetricsExtractor(),
        CellsExtractor(),
    )


def read_stage(result: DocumentResult) -> DocumentResult:
    source = result.source
    suffix = PurePath(source.source_file).suffix.lower()
    if source.read_failure is not None:
        parsed: Document | ReadFailure = source.read_failure
    elif suffix not in SUPPORTED_SUFFIXES and source.media_type != PDF_MEDIA_TYPE:
        parsed = ReadFailure(Code.UNSUPPORTED_TYPE, f"'{suffix or 'no suffix'}' files are not supported; give .pdf or .txt files")
    else:
        parsed = read_document(source.data, source.source_file, source.identity, source.media_type)
    if isinstance(parsed, ReadFailure):
        return replace(result.failed(Issue(parsed.code, Severity.ERROR, parsed.message, table="documents")), pages=parsed.pages)
    return replace(result, document=parsed, pages=len(parsed.pages), encoding=parsed.encoding)


def make_extract_stage(extractors: Sequence[Extractor]) -> StageFn:
    def extract_stage(result: DocumentResult) -> DocumentResult:
        assert result.document is not None
        document = result.document
        extraction, issues = run_extractors(document, extractors, result.source.context)
        extraction = file_lines(renumber_rows(extraction), document)
        understood = extraction.row_count() - len(extraction.cells)
        if document.tables and understood == 0:
            issues.append(
                Issue(Code.TABLES_NOT_UNDERSTOOD, Severity.WARNING,
                      f"{len(document.tables)} table(s) found but none understood; their cells are in the cells table")
            )
        elif extraction.row_count() == 0 and any(i.code is Code.FIGURE_UNCERTAIN for i in extraction.issues):
            issues.append(
                Issue(Code.ONLY_UNCERTAIN_FIGURES, Severity.WARNING,
                      "the only figures found were read with too little confidence; they are listed in quality (figure-uncertain)")
            )  # fmt: skip
        elif extraction.row_count() == 0:
            issues.append(
                Issue(Code.NO_CONTENT_FOUND, Severity.WARNING, "no table or figure keikaku understands was found in this document")
            )
        return replace(result, extraction=extraction).with_issues(*issues)

    return extract_stage


def run_extractors(document: Document, extractors: Sequence[Extractor], context: ExtractContext) -> tuple[Extraction, list[Issue]]:
    """Every extractor in order over the tables no earlier one claimed (and the document's text).

    A bug inside an extractor costs as little as possible: it is tried again table by table, so
    one table it cannot read (``table-unreadable``) does not lose the others, which stay
    unclaimed for the later extractors (and, last, ``cells``) when it fails on them."""
    extraction = Extraction()
    issues: list[Issue] = []
    for extractor in extractors:
        unclaimed = tuple(t for t in document.tables if t.index not in extraction.claimed)
        try:
            extraction = extraction + extractor.extract(document, unclaimed, context)
        except Exception as exc:  # noqa: BLE001 -- a bug in one extractor must not lose the others' rows
            if len(unclaimed) < 2:
                issues.append(failure_issue(extractor, exc, unclaimed))
                continue
            for table in unclaimed:
                try:
                    extraction = extraction + extractor.extract(document, (table,), context)
                except Exception as table_exc:  # noqa: BLE001 -- the same, one table at a time
                    issues.append(failure_issue(extractor, table_exc, (table,)))
    return extraction, issues


def failure_issue(extractor: Extractor, exc: Exception, tables: Sequence[Table]) -> Issue:
    where = traceback.extract_tb(exc.__traceback__)[-1]
    what = f"extractor '{extractor.name}' failed: {type(exc).__name__}: {exc} ({where.filename.rsplit('/', 1)[-1]}:{where.lineno}); please report this"
    if len(tables) == 1:
        table = tables[0]
        return Issue(Code.TABLE_UNREADABLE, Severity.ERROR, f"table {table.index} could not be read: {what}", location=table.location())
    return Issue(Code.EXTRACTOR_FAILED, Severity.ERROR, what)


def renumber_rows(extraction: Extraction) -> Extraction:
    """Tables keyed by (doc_id, row) get one running row index per document, in output order;
    an issue about one row then gets that row's key (``quality.row_key``), none when the row is
    not among the extraction's (an extractor left it out)."""
    updates = {}
    final: dict[int, TableRow] = {}  # by identity: the issue holds the very row
    by_value: dict[TableRow, TableRow] = {}  # else an equal row (the first of equal ones)
    for name in extraction.table_names():
        old = getattr(extraction, name)
        new = tuple(replace(r, row=i) for i, r in enumerate(old)) if ROW_TYPE_BY_TABLE[name].PRIMARY_KEY == ("doc_id", "row") else old
        if new is not old:
            updates[name] = new
        final.update((id(a), b) for a, b in zip(old, new, strict=True))
        by_value.update((a, b) for a, b in zip(reversed(old), reversed(new), strict=True))
    issues = tuple(issue_with_key(i, final.get(id(i.row)) or by_value.get(i.row)) if i.row is not None else i for i in extraction.issues)
    return replace(extraction, **updates, issues=issues)


def issue_with_key(issue: Issue, row: TableRow | None) -> Issue:
    """The issue naming the key of the row it is about (no key: a row not written), no longer
    holding the row."""
    return replace(issue, key=row_key(row) if row is not None else (), row=None)


def file_lines(extraction: Extraction, document: Document) -> Extraction:
    """``line_start`` / ``line_end`` as lines of the input file (extractors give the document's
    line numbers, which count a form feed and an expanded HTML table as lines of their own)."""
    mapping = {line.number: line.file_line for line in document.lines() if line.file_line is not None}
    if not mapping:
        return extraction
    updates = {}
    for name in extraction.table_names():
        rows = getattr(extraction, name)
        if rows and hasattr(rows[0], "line_start"):
            updates[name] = tuple(
                replace(r, line_start=mapping.get(r.line_start, r.line_start), line_end=mapping.get(r.line_end, r.line_end))
                if r.line_start is not None else r
                for r in rows
            )
    return replace(extraction, **updates)


def validate_stage(result: DocumentResult) -> DocumentResult:
    """Rows that break the contract are dropped and reported, never written silently."""
    from schemas.validation import validate_rows

    updates = {}
    issues: list[Issue] = []
    for name in result.extraction.table_names():
        rows = getattr(result.extraction, name)
        if not rows:
            continue
        valid, failures = validate_rows(ROW_TYPE_BY_TABLE[name], list(rows))
        updates[name] = tuple(valid)
        issues += [
            Issue(Code(q.code), Severity(q.severity), f"{q.message} (row dropped)", table=q.table, location=q.location)
            for q in failures
        ]
    return replace(result, extraction=replace(result.extraction, **updates)).with_issues(*issues)


def default_stages(extractors: Sequence[Extractor] | None = None) -> tuple[Stage, ...]:
    return (
        Stage("read", read_stage),
        Stage("extract", make_extract_stage(extractors if extractors is not None else default_extractors())),
        Stage("validate", validate_stage),
    )


def run_stages(result: DocumentResult, stages: Sequence[Stage]) -> DocumentResult:
    for stage in stages:
        if result.failure is not None:
            break
        started = time.perf_counter()
        result = stage.run(result)
        result = result.timed(stage.name, time.perf_counter() - started)
    return replace(result, document=None)  # keep envelopes small once done
