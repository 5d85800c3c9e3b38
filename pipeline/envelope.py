"""One result envelope per document: identity, status, coded issues, rows and stage timings."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import PurePath

from extractors.content.base import ExtractContext, Extraction
from extractors.model.document import Document
from extractors.readers import FileIdentity, ReadFailure, bytes_to_identity, sniff_media_type
from schemas.quality import Code, Issue, Severity, key_to_text
from schemas.tables import DocumentRow, QualityRow

STATUS_OK = "ok"
STATUS_PARTIAL = "partial"
STATUS_FAILED = "failed"


@dataclass(frozen=True)
class InputFile:
    """One input as found by discovery, with its manifest facts (empty when no manifest row
    names it). Its identity and media type are computed here, once, from the bytes."""

    source_file: str  # as reported in documents.source_file
    data: bytes
    context: ExtractContext = field(default_factory=ExtractContext)
    read_failure: ReadFailure | None = None  # not read: the OS refused, not a regular file, too large
    identity: FileIdentity = field(init=False, repr=False, compare=False)
    media_type: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "identity", bytes_to_identity(self.data))
        object.__setattr__(self, "media_type", sniff_media_type(self.data, PurePath(self.source_file).suffix))


@dataclass(frozen=True)
class DocumentResult:
    """Everything one document produced; stages return a new envelope, never mutate one."""

    source: InputFile
    doc_id: str
    sha256: str
    pages: int | None = None
    encoding: str | None = None
    document: Document | None = None
    extraction: Extraction = field(default_factory=Extraction)
    issues: tuple[Issue, ...] = ()
    failure: Issue | None = None  # set when the document could not be processed at all
    timings: tuple[tuple[str, float], ...] = ()
    from_cache: bool = False  # reused from the incremental cache (pipeline.cache), not processed this run

    @classmethod
    def of(cls, source: InputFile) -> DocumentResult:
        """The envelope of an input before any stage ran."""
        return cls(source=source, doc_id=source.identity.doc_id, sha256=source.identity.sha256)

    @property
    def media_type(self) -> str:
        return self.source.media_type

    @property
    def status(self) -> str:
        if self.failure is not None:
            return STATUS_FAILED
        if any(i.severity is Severity.ERROR for i in self.issues):
            return STATUS_PARTIAL
        if any(i.code in (Code.EXTRACTOR_FAILED, Code.NO_CONTENT_FOUND, Code.TABLES_NOT_UNDERSTOOD, Code.ONLY_UNCERTAIN_FIGURES) for i in self.issues):
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
            title=self.source.context.title,
            issuer=self.source.context.issuer,
            fiscal_year=self.source.context.fiscal_year,
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
