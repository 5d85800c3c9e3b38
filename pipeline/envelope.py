"""One result envelope per document: identity, status, coded issues, rows and stage timings."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from extractors.content.base import Extraction
from extractors.model.document import Document
from extractors.readers import ReadFailure
from schemas.quality import Code, Issue, Severity, key_to_text
from schemas.tables import DocumentRow, QualityRow

STATUS_OK = "ok"
STATUS_PARTIAL = "partial"
STATUS_FAILED = "failed"


@dataclass(frozen=True)
class InputFile:
    """One input as found by discovery, with manifest facts when a manifest names it."""

    source_file: str  # as reported in documents.source_file
    data: bytes
    title: str | None = None
    issuer: str | None = None
    area: str | None = None
    fiscal_year: str | None = None
    kind_hints: tuple[str, ...] = ()
    read_failure: ReadFailure | None = None  # not read: the OS refused, not a regular file, too large


@dataclass(frozen=True)
class DocumentResult:
    """Everything one document produced; stages return a new envelope, never mutate one."""

    source: InputFile
    doc_id: str
    sha256: str
    media_type: str = "text/plain"
    pages: int | None = None
    encoding: str | None = None
    document: Document | None = None
    extraction: Extraction = field(default_factory=Extraction)
    issues: tuple[Issue, ...] = ()
    failure: Issue | None = None  # set when the document could not be processed at all
    timings: tuple[tuple[str, float], ...] = ()
    from_cache: bool = False  # reused from the incremental cache (pipeline.cache), not processed this run

    @property
    def status(self) -> str:
        if self.failure is not None:
            return STATUS_FAILED
        if any(i.severity is Severity.ERROR for i in self.issues):
            return STATUS_PARTIAL
        if any(i.code in (Code.EXTRACTOR_FAILED, Code.NO_CONTENT_FOUND, Code.TABLES_NOT_UNDERSTOOD) for i in self.issues):
            return STATUS_PARTIAL
        return STATUS_OK

    def with_issues(self, *issues: Issue) -> DocumentResult:
        return replace(self, issues=self.issues + tuple(issues))

    def failed(self, issue: Issue) -> DocumentResult:
        return replace(self, failure=issue)

    def timed(self, stage: str, seconds: float) -> DocumentResult:
        return replace(self, timings=self.timings + ((stage, seconds),))

    def document_row(self) -> DocumentRow:
        return DocumentRow(
            doc_id=self.doc_id,
            source_file=self.source.source_file,
            sha256=self.sha256,
            media_type=self.media_type,
            pages=self.pages,
            status=self.status,
            error_code=str(self.failure.code) if self.failure else None,
            error_message=self.failure.message if self.failure else None,
            encoding=self.encoding,
            title=self.source.title,
            issuer=self.source.issuer,
            fiscal_year=self.source.fiscal_year,
        )

    def quality_rows(self) -> list[QualityRow]:
        issues = ((self.failure,) if self.failure else ()) + self.extraction.issues + self.issues
        return [issue_to_quality_row(self.doc_id, issue) for issue in issues]


def issue_to_quality_row(doc_id: str | None, issue: Issue) -> QualityRow:
    return QualityRow(
        doc_id=doc_id,
        table=issue.table,
        code=str(issue.code),
        severity=str(issue.severity),
        message=issue.message,
        location=issue.location,
        row_key=key_to_text(issue.key),
        table_id=issue.table_id,
    )
