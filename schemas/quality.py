"""Stable problem codes. Users search for them, so a code is never renamed or reused.

Input codes end up in ``documents.error_code``; all codes appear in ``quality.code``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Code(StrEnum):
    # --- input (the document could not be read) ---
    EMPTY_FILE = "empty-file"
    BINARY_FILE = "binary-file"
    UNDECODABLE_TEXT = "undecodable-text"
    UNSUPPORTED_TYPE = "unsupported-type"
    UNREADABLE_FILE = "unreadable-file"
    PDF_ENCRYPTED = "pdf-encrypted"
    PDF_CORRUPT = "pdf-corrupt"
    PDF_NO_PAGES = "pdf-no-pages"
    PDF_NEEDS_OCR = "pdf-needs-ocr"
    PDF_TEXT_UNMAPPED = "pdf-text-unmapped"  # the text layer's glyphs map to no characters ((cid:N)): OCR needed
    NO_CONTENT_FOUND = "no-content-found"
    EXTRACTOR_FAILED = "extractor-failed"
    DUPLICATE_INPUT = "duplicate-input"
    INVALID_ROW_DROPPED = "invalid-row-dropped"
    NOT_A_REGULAR_FILE = "not-a-regular-file"  # FIFO, device, socket, symbolic-link loop
    # --- limits per document (``keikaku ingest --time-limit/--memory-limit/--stream-limit``) ---
    TIME_LIMIT = "time-limit"
    MEMORY_LIMIT = "memory-limit"
    STREAM_LIMIT = "stream-limit"
    WORKER_CRASHED = "worker-crashed"  # the process working on the document died (killed, segfault, lost)
    # --- manifest rows (run-level warnings: every row is accounted for) ---
    MANIFEST_FILE_MISSING = "manifest-file-missing"
    MANIFEST_FILE_OUTSIDE = "manifest-file-outside"
    MANIFEST_DUPLICATE = "manifest-duplicate"
    MANIFEST_NOT_INPUT = "manifest-not-input"
    MANIFEST_BAD_FISCAL_YEAR = "manifest-bad-fiscal-year"
    # --- validation of output tables ---
    MISSING_COLUMN = "missing-column"
    MISSING_TABLE = "missing-table"
    REQUIRED_VALUE_MISSING = "required-value-missing"
    NOT_A_NUMBER = "not-a-number"
    NOT_AN_INTEGER = "not-an-integer"
    NOT_A_BOOLEAN = "not-a-boolean"
    VALUE_NOT_ALLOWED = "value-not-allowed"
    OUT_OF_RANGE = "out-of-range"
    BAD_MUNICIPALITY_CODE = "bad-municipality-code"
    BAD_PERIOD = "bad-period"
    BAD_ID = "bad-id"
    DUPLICATE_KEY = "duplicate-key"
    BAD_ROW_KEY = "bad-row-key"  # a quality row_key that is no key of its table
    # --- validation of the other files of an output folder ---
    BAD_DATAPACKAGE = "bad-datapackage"
    BAD_REPORT = "bad-report"
    MISSING_COPY = "missing-copy"  # a Parquet file or DuckDB table that datapackage.json lists
    UNREADABLE_COPY = "unreadable-copy"
    COPY_DIFFERS = "copy-differs"  # a Parquet / DuckDB copy whose rows differ from the CSV
    CHECKSUM_MISMATCH = "checksum-mismatch"  # a file whose bytes differ from datapackage.json's hash
    # --- extraction (data problems found in a document) ---
    UNPARSED_VALUE = "unparsed-value"
    UNKNOWN_MUNICIPALITY = "unknown-municipality"
    MUNICIPALITY_CORRECTED = "municipality-corrected"
    TOTAL_VIOLATED = "total-violated"
    CELL_REPAIRED = "cell-repaired"
    CELL_AMBIGUOUS = "cell-ambiguous"
    DUPLICATE_NUMBER = "duplicate-number"
    MISSING_NAME = "missing-name"
    LABEL_PLACEMENT_UNCERTAIN = "label-placement-uncertain"
    COUNT_MISMATCH = "count-mismatch"
    REFERENCE_MISMATCH = "reference-mismatch"
    ANSWER_MISSING = "answer-missing"  # a comments item printed without an answer (or one not found)
    OPINION_MISSING = "opinion-missing"  # an answer with no opinion before it
    FIGURE_UNCERTAIN = "figure-uncertain"  # a figure of running text read with too little confidence: here, not in metrics
    ONLY_UNCERTAIN_FIGURES = "only-uncertain-figures"  # a document whose only content is uncertain figures (partial)
    TABLE_UNCLAIMED = "table-unclaimed"  # no extractor understood a table: its cells are in `cells`
    TABLES_NOT_UNDERSTOOD = "tables-not-understood"  # tables were found, none understood (document partial)
    AGGREGATE_MISMATCH = "aggregate-mismatch"  # a printed 計 / 小計 / 合計 is not the sum of its members
    TABLE_UNREADABLE = "table-unreadable"  # a table could not be read (a bug or damage); the rest is extracted
    # --- a reviewer's corrections (``keikaku ingest --corrections``) ---
    CORRECTED_BY_REVIEWER = "corrected-by-reviewer"  # a value set by a reviewer's correction
    CORRECTION_NOT_APPLIED = "correction-not-applied"  # a correction whose document, row or column is gone (or bad value)


@dataclass(frozen=True)
class Issue:
    """A coded problem attached to a document result (becomes a ``quality`` row)."""

    code: Code
    severity: Severity
    message: str
    table: str | None = None
    location: str | None = None
    key: tuple[tuple[str, Any], ...] = ()  # the primary key (doc_id aside) of the row(s) it is about
    table_id: int | None = None  # the table of the document it was found in (cells.table_id)
    row: Any = field(default=None, compare=False, repr=False)  # the output row it is about, until its key is final

    def about(self, row: Any) -> Issue:
        """The issue about one output row (its key is read once the row's index is final:
        ``resolve_issue_rows``)."""
        return Issue(self.code, self.severity, self.message, self.table, self.location, self.key,
                     self.table_id if self.table_id is not None else getattr(row, "table_id", None), row)


def key_to_text(key: tuple[tuple[str, Any], ...]) -> str | None:
    """The ``quality.row_key`` of an issue: a JSON object of primary-key columns and values
    (``{"matrix":0,"project_row":3}``), compact, in key order; None for no key."""
    if not key:
        return None
    return json.dumps({name: value for name, value in key}, ensure_ascii=False, separators=(",", ":"))
