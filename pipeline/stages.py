"""The per-document pipeline, written as data: a declared list of stages with one signature.

read -> segment -> extract -> validate. Each stage takes the document's envelope and returns a
new one; a stage is skipped once the document has failed. Bugs inside one extractor are caught
and reported (``extractor-failed``) so one bad extractor never loses the other tables.
"""

from __future__ import annotations

import dataclasses
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePath

from extractors.base import ExtractContext, Extraction, Extractor
from extractors.document import Document
from extractors.readers import PDF_MAGIC, SUPPORTED_SUFFIXES, ReadFailure, read_document, sniff_media_type
from extractors.segment import document_to_blocks
from schemas.quality import Code, Issue, Severity
from schemas.tables import ROW_TYPE_BY_TABLE

from .envelope import DocumentResult

StageFn = Callable[[DocumentResult], DocumentResult]


@dataclass(frozen=True)
class Stage:
    name: str
    run: StageFn


def default_extractors() -> tuple[Extractor, ...]:
    """Every content kind keikaku understands, in the order they run."""
    from extractors.comments import CommentsExtractor
    from extractors.kpi import KpiExtractor
    from extractors.metrics import MetricsExtractor
    from extractors.participation import ParticipationExtractor
    from extractors.priority_matrix import PriorityMatrixExtractor
    from extractors.regions import RegionListExtractor
    from extractors.timeseries import TimeSeriesExtractor

    return (
        ParticipationExtractor(),
        PriorityMatrixExtractor(),
        KpiExtractor(),
        TimeSeriesExtractor(),
        CommentsExtractor(),
        RegionListExtractor(),
        MetricsExtractor(),
    )


def read_stage(result: DocumentResult) -> DocumentResult:
    source = result.source
    suffix = PurePath(source.source_file).suffix.lower()
    if source.read_failure is not None:
        parsed: Document | ReadFailure = source.read_failure
    elif suffix not in SUPPORTED_SUFFIXES and not source.data.lstrip().startswith(PDF_MAGIC):
        parsed = ReadFailure(Code.UNSUPPORTED_TYPE, f"'{suffix or 'no suffix'}' files are not supported; give .pdf or .txt files")
    else:
        parsed = read_document(source.data, source.source_file)
    if isinstance(parsed, ReadFailure):
        failed = result.failed(Issue(parsed.code, Severity.ERROR, parsed.message, table="documents"))
        return replace(failed, pages=parsed.pages, media_type=media_type_of(result))
    return replace(
        result,
        document=parsed,
        media_type=parsed.media_type,
        pages=len(parsed.pages),
        encoding=parsed.encoding,
    )


def media_type_of(result: DocumentResult) -> str:
    return sniff_media_type(result.source.data, PurePath(result.source.source_file).suffix)


def segment_stage(result: DocumentResult) -> DocumentResult:
    assert result.document is not None
    return replace(result, blocks=document_to_blocks(result.document))


def make_extract_stage(extractors: Sequence[Extractor]) -> StageFn:
    def extract_stage(result: DocumentResult) -> DocumentResult:
        assert result.document is not None
        context = ExtractContext(
            title=result.source.title,
            issuer=result.source.issuer,
            area=result.source.area,
            fiscal_year=result.source.fiscal_year,
            kind_hints=result.source.kind_hints,
        )
        extraction = Extraction()
        issues: list[Issue] = []
        for extractor in extractors:
            try:
                extraction = extraction + extractor.extract(result.document, result.blocks, context)
            except Exception as exc:  # noqa: BLE001 -- a bug in one extractor must not lose the others' rows
                where = traceback.extract_tb(exc.__traceback__)[-1]
                issues.append(
                    Issue(
                        Code.EXTRACTOR_FAILED,
                        Severity.ERROR,
                        f"extractor '{extractor.name}' failed: {type(exc).__name__}: {exc} "
                        f"({where.filename.rsplit('/', 1)[-1]}:{where.lineno}); please report this",
                    )
                )
        extraction = renumber_rows(extraction)
        if extraction.row_count() == 0:
            issues.append(
                Issue(Code.NO_CONTENT_FOUND, Severity.WARNING, "no table or figure keikaku understands was found in this document")
            )
        return replace(result, extraction=extraction).with_issues(*issues)

    return extract_stage


def renumber_rows(extraction: Extraction) -> Extraction:
    """Tables keyed by (doc_id, row) get one running row index per document, in output order."""
    updates = {}
    for f in dataclasses.fields(extraction):
        rows = getattr(extraction, f.name)
        if rows and f.name != "issues" and hasattr(rows[0], "row"):
            updates[f.name] = tuple(replace(r, row=i) for i, r in enumerate(rows))
    return replace(extraction, **updates)


def validate_stage(result: DocumentResult) -> DocumentResult:
    """Rows that break the contract are dropped and reported, never written silently."""
    from schemas.validation import validate_rows

    updates = {}
    issues: list[Issue] = []
    for f in dataclasses.fields(result.extraction):
        if f.name == "issues":
            continue
        rows = getattr(result.extraction, f.name)
        if not rows:
            continue
        valid, failures = validate_rows(ROW_TYPE_BY_TABLE[f.name], list(rows))
        updates[f.name] = tuple(valid)
        issues += [
            Issue(Code(q.code), Severity(q.severity), f"{q.message} (row dropped)", table=q.table, location=q.location)
            for q in failures
        ]
    return replace(result, extraction=replace(result.extraction, **updates)).with_issues(*issues)


def default_stages(extractors: Sequence[Extractor] | None = None) -> tuple[Stage, ...]:
    return (
        Stage("read", read_stage),
        Stage("segment", segment_stage),
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
    return replace(result, document=None, blocks=())  # keep envelopes small once done
