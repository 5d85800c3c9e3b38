"""A reviewer's corrections (``keikaku ingest --corrections FILE``): values settled by hand that
last from one run to the next.

``corrections.csv`` (written by the review page, ``pipeline.review``) has one row per corrected
cell: ``doc_id, sha256, table, row_key, column, value, note``. The document is the one whose
sha256 is given (or, without one, whose doc_id is), the row the one of ``table`` whose primary
key (doc_id aside) is ``row_key`` (the JSON object of ``quality.row_key``), the cell its
``column``. Applied to a document's envelope after its stages (so the cache keeps the corrected
envelope, and the corrections of a document are part of its cache key): the value is written,
``confidence`` becomes 1 and ``ambiguous`` false where the table has them, and a
``corrected-by-reviewer`` row in ``quality`` records it. A correction that finds no document,
no row, a column that cannot be corrected (a key or provenance column) or a value the column
does not accept is never applied to another row: it is a ``correction-not-applied`` row in
``quality`` (and a warning on stderr).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from schemas.quality import Code, Issue, Severity
from schemas.tables import PROVENANCE_COLUMNS, ROW_TYPE_BY_TABLE, TableRow, columns_of, row_key

from .envelope import DocumentResult
from .inputs import UsageError

CORRECTION_COLUMNS = ("doc_id", "sha256", "table", "row_key", "column", "value", "note")
_REQUIRED = ("table", "row_key", "column", "value")
_NOT_CORRECTABLE = {"doc_id", *PROVENANCE_COLUMNS}


@dataclass(frozen=True)
class Correction:
    """One corrected cell, as read from the file (``where``: file and line, for messages)."""

    doc_id: str
    sha256: str
    table: str
    row_key: str
    column: str
    value: str
    note: str
    where: str

    def key(self) -> dict[str, Any] | None:
        """``row_key`` as a dict (None when it is no JSON object)."""
        try:
            data = json.loads(self.row_key)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def is_for(self, doc_id: str, sha256: str) -> bool:
        return self.sha256 == sha256 if self.sha256 else self.doc_id == doc_id


@dataclass(frozen=True)
class Corrections:
    """Every correction of a file, in file order."""

    rows: tuple[Correction, ...] = ()

    def for_document(self, doc_id: str, sha256: str) -> tuple[Correction, ...]:
        return tuple(c for c in self.rows if c.is_for(doc_id, sha256))

    def fingerprint(self, doc_id: str, sha256: str) -> str:
        """What the cache key takes of the corrections of one document ('' for none)."""
        mine = self.for_document(doc_id, sha256)
        if not mine:
            return ""
        text = json.dumps([dataclasses.astuple(c) for c in mine], ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def read_corrections(path: Path) -> Corrections:
    """The corrections in ``path``; UsageError (a clear message, no traceback) for a file that
    cannot be read or is not a corrections file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the corrections file {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"the corrections file {path} is not UTF-8 text") from None
    return text_to_corrections(text, Path(path).name)


def text_to_corrections(text: str, name: str) -> Corrections:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = reader.fieldnames or []
        missing = [c for c in CORRECTION_COLUMNS if c not in header]
        if missing:
            raise UsageError(f"the corrections file {name} lacks the column(s) {', '.join(missing)} "
                             f"(expected: {','.join(CORRECTION_COLUMNS)})")
        rows = [record_to_correction(record, f"{name} line {reader.line_num}") for record in reader]
    except csv.Error as exc:
        raise UsageError(f"the corrections file {name} is not CSV: {exc}") from None
    return Corrections(tuple(rows))


def record_to_correction(record: dict[str, Any], where: str) -> Correction:
    cells = {c: (record.get(c) or "") for c in CORRECTION_COLUMNS}
    if None in record or any(not isinstance(v, str) for v in cells.values()):
        raise UsageError(f"{where}: the row has more cells than the header")
    blank = [c for c in _REQUIRED if not cells[c].strip() and c != "value"]
    if blank or not (cells["doc_id"].strip() or cells["sha256"].strip()):
        raise UsageError(f"{where}: {', '.join(blank) or 'doc_id or sha256'} missing")
    stripped = {c: v.strip() for c, v in cells.items() if c not in ("value", "note")}
    stripped["sha256"], stripped["doc_id"] = stripped["sha256"].lower(), stripped["doc_id"].lower()
    return Correction(**stripped, value=cells["value"], note=cells["note"], where=where)


# --- applying -------------------------------------------------------------------------------------


def apply_corrections(result: DocumentResult, corrections: Corrections) -> DocumentResult:
    """``result`` with its corrections applied and one quality issue per correction."""
    mine = corrections.for_document(result.doc_id, result.sha256)
    if not mine or result.failure is not None:
        return result if not mine else result.with_issues(*(not_applied(c, "the document failed") for c in mine))
    extraction, issues = result.extraction, []
    for correction in mine:
        extraction, issue = apply_one(extraction, correction)
        issues.append(issue)
    return dataclasses.replace(result, extraction=extraction).with_issues(*issues)


def apply_one(extraction: Any, correction: Correction) -> tuple[Any, Issue]:
    """(extraction with the cell corrected, the issue recording it); the extraction unchanged
    and a ``correction-not-applied`` issue when the cell cannot be found or take the value."""
    rows = getattr(extraction, correction.table, None) if correction.table in ROW_TYPE_BY_TABLE else None
    if rows is None or not isinstance(rows, tuple):
        return extraction, not_applied(correction, f"no data table {correction.table!r}")
    wanted = correction.key()
    if wanted is None:
        return extraction, not_applied(correction, f"row_key {correction.row_key!r} is no JSON object")
    matches = [i for i, row in enumerate(rows) if key_matches(row, wanted)]
    if len(matches) != 1:
        why = "no row" if not matches else f"{len(matches)} rows"
        return extraction, not_applied(correction, f"{why} of {correction.table} has that key in this document")
    row = rows[matches[0]]
    try:
        value = text_to_value(type(row), correction.column, correction.value)
    except ValueError as exc:
        return extraction, not_applied(correction, str(exc))
    before = getattr(row, correction.column)
    changes: dict[str, Any] = {correction.column: value}
    changes.update({k: v for k, v in (("confidence", 1.0), ("ambiguous", False)) if hasattr(row, k)})
    new_rows = rows[: matches[0]] + (dataclasses.replace(row, **changes),) + rows[matches[0] + 1:]
    note = f" ({correction.note})" if correction.note.strip() else ""
    message = f"{correction.column} set to {show(value)} by a reviewer (was {show(before)}){note}"
    issue = Issue(Code.CORRECTED_BY_REVIEWER, Severity.INFO, message, correction.table, correction.where,
                  row_key(row), getattr(row, "table_id", None))
    return dataclasses.replace(extraction, **{correction.table: new_rows}), issue


def key_matches(row: TableRow, wanted: dict[str, Any]) -> bool:
    """The row's whole primary key (doc_id aside) is ``wanted`` (compared as JSON values)."""
    mine = json.loads(json.dumps(dict(row_key(row)), ensure_ascii=False, default=str))
    return bool(mine) and mine == wanted


def text_to_value(row_type: type[TableRow], column: str, text: str) -> Any:
    """The value of ``column`` written as ``text`` (as in the output CSV; empty: missing);
    ValueError naming why the column cannot take it."""
    from schemas.validation import PATTERN_BY_KIND, is_valid_period

    specs = {s.name: s for s in columns_of(row_type)}
    spec = specs.get(column)
    if spec is None or column in _NOT_CORRECTABLE or column in row_type.PRIMARY_KEY:
        why = "no column" if spec is None else "a key or provenance column, which identifies the row"
        raise ValueError(f"{column!r} is {why} of {row_type.TABLE}: not corrected")
    text = text.strip()
    if not text:
        if spec.required:
            raise ValueError(f"{column} of {row_type.TABLE} may not be empty")
        return None
    pattern = PATTERN_BY_KIND.get(spec.kind)
    if (spec.enum and text not in spec.enum) or (pattern and not re.fullmatch(pattern, text)) \
            or (spec.kind == "period" and not is_valid_period(text)):
        allowed = f"one of {', '.join(spec.enum)}" if spec.enum else f"a {spec.kind} as the output writes it"
        raise ValueError(f"{text!r} is not a value of {row_type.TABLE}.{column} ({allowed})")
    return text_to_typed(spec.python_type, text)


def text_to_typed(python_type: str, text: str) -> Any:
    if python_type == "int":
        return int(text)
    if python_type == "bool":
        return text == "true"
    if python_type == "float":
        return float(text)
    if python_type == "Decimal":
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{text!r} is not a number") from None
    return text


def show(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(str(value))


def not_applied(correction: Correction, why: str) -> Issue:
    """A correction that was not applied: said, never applied to another row."""
    table = correction.table if correction.table in ROW_TYPE_BY_TABLE else None
    return Issue(Code.CORRECTION_NOT_APPLIED, Severity.WARNING,
                 f"correction of {correction.table}.{correction.column} {correction.row_key} to {correction.value!r} "
                 f"not applied: {why}", table, correction.where)


def unmatched_documents(corrections: Corrections, results: Sequence[DocumentResult]) -> list[Issue]:
    """Run-level issues for the corrections that name no document of this run."""
    present = [(r.doc_id, r.sha256) for r in results]
    return [not_applied(c, "its document is not among this run's inputs") for c in corrections.rows
            if not any(c.is_for(doc_id, sha) for doc_id, sha in present)]


def issues_to_lines(issues: Iterable[Issue]) -> list[str]:
    """The warnings printed for corrections not applied."""
    return [f"[{i.code}] {i.location}: {i.message}" for i in issues if i.code is Code.CORRECTION_NOT_APPLIED]
