"""Lazy validation of output tables against the contract, into ``quality`` rows.

Every table is validated *as text*, exactly as it is (or would be) written to CSV: a typed
frame from ``rows_to_frame`` is first formatted with ``format_for_csv``, a CSV is read with every
column as a string. One pandera ``DataFrameSchema`` per table is derived from
``schemas.tables.columns_of`` (and cached); pandera collects every failure (``lazy=True``) and
each one becomes a ``QualityRow`` with a stable ``schemas.quality.Code``, severity ``error``, a
message naming table, row, column and value, and ``location`` ``row N, column C``.

Row numbers are 1-based data rows: row 1 is the first record after the header, so for a CSV
whose fields hold no line breaks, row N is line N + 1 of the file (CSV line number minus 1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from schemas.frame import format_for_csv, value_to_text
from schemas.quality import Code, Severity
from schemas.tables import (
    KIND_BOOLEAN,
    KIND_CONFIDENCE,
    KIND_DOC_ID,
    KIND_INTEGER,
    KIND_MUNICIPALITY_CODE,
    KIND_NUMBER,
    KIND_PERIOD,
    KIND_SHA256,
    ROW_TYPE_BY_TABLE,
    TABLE_NAMES,
    ColumnSpec,
    QualityRow,
    TableRow,
    columns_of,
)

# --- text grammar of the contract (also used for the patterns in datapackage.json) -----------

INTEGER_PATTERN = r"-?[0-9]+"
NUMBER_PATTERN = r"-?[0-9]+(\.[0-9]+)?"  # plain decimal: no exponent, no separators
BOOLEAN_PATTERN = r"(true|false)"
DOC_ID_PATTERN = r"[0-9a-f]{16}"
SHA256_PATTERN = r"[0-9a-f]{64}"
MUNICIPALITY_CODE_PATTERN = r"[0-9]{6}"
_YEAR, _FY, _DATE = r"[0-9]{4}", r"FY[0-9]{4}", r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
# 2024 | FY2024 | 2018-03-30, or a range of two of the same kind: FY2020/FY2022 ...
# Plain groups only, whole pattern grouped: also valid as an (implicitly anchored) XML Schema
# regex, which is what Frictionless Table Schema patterns are.
PERIOD_PATTERN = "(" + "|".join(f"{p}(/{p})?" for p in (_YEAR, _FY, _DATE)) + ")"

PATTERN_BY_KIND = {
    KIND_INTEGER: INTEGER_PATTERN,
    KIND_NUMBER: NUMBER_PATTERN,
    KIND_CONFIDENCE: NUMBER_PATTERN,
    KIND_BOOLEAN: BOOLEAN_PATTERN,
    KIND_DOC_ID: DOC_ID_PATTERN,
    KIND_SHA256: SHA256_PATTERN,
    KIND_MUNICIPALITY_CODE: MUNICIPALITY_CODE_PATTERN,
    KIND_PERIOD: PERIOD_PATTERN,
}
_PERIOD_KINDS = ((re.compile(_FY), "fy"), (re.compile(_DATE), "date"), (re.compile(_YEAR), "year"))


def is_valid_period(text: str) -> bool:
    """True for ``2024``, ``FY2024``, ``2018-03-30`` (a real date) or a range ``A/B`` of two
    periods of the same kind with A <= B (``FY2020/FY2022``, ``2016-10-01/2018-03-31``)."""
    parts = text.split("/")
    if len(parts) > 2:
        return False
    kinds = [_period_kind(p) for p in parts]
    if None in kinds or len(set(kinds)) != 1:
        return False
    if kinds[0] == "date" and not all(_is_real_date(p) for p in parts):
        return False
    return parts == sorted(parts)  # same kind and fixed width: text order is time order


def _period_kind(part: str) -> str | None:
    return next((kind for regex, kind in _PERIOD_KINDS if regex.fullmatch(part)), None)


def _is_real_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


# --- checks: pandera check name -> stable code and message ------------------------------------

CHECK_MESSAGES: dict[str, tuple[Code, str]] = {
    "not-a-number": (
        Code.NOT_A_NUMBER,
        "{value} is not a number (plain decimal such as 1718000 or -0.5)",
    ),
    "not-an-integer": (Code.NOT_AN_INTEGER, "{value} is not an integer"),
    "not-a-boolean": (Code.NOT_A_BOOLEAN, "{value} is not a boolean (true or false)"),
    "value-not-allowed": (Code.VALUE_NOT_ALLOWED, "{value} is not an allowed value ({allowed})"),
    "out-of-range": (Code.OUT_OF_RANGE, "{value} is outside the range 0 to 1"),
    "bad-doc-id": (Code.BAD_ID, "{value} is not a document id (16 lowercase hex digits)"),
    "bad-sha256": (Code.BAD_ID, "{value} is not a SHA-256 (64 lowercase hex digits)"),
    "bad-municipality-code": (
        Code.BAD_MUNICIPALITY_CODE,
        "{value} is not a municipality code (6 digits, the last one the JIS X 0402 check digit)",
    ),
    "unknown-municipality-code": (
        Code.BAD_MUNICIPALITY_CODE,
        "{value} has a valid check digit but is not in the municipality reference list",
    ),
    "bad-period": (
        Code.BAD_PERIOD,
        "{value} is not a period (2024, FY2024, 2018-03-30 or a range such as FY2020/FY2022)",
    ),
    # pandera's built-in checks
    "not_nullable": (Code.REQUIRED_VALUE_MISSING, "required value is missing"),
    "column_in_dataframe": (Code.MISSING_COLUMN, "column is missing"),
    "multiple_fields_uniqueness": (Code.DUPLICATE_KEY, "duplicate primary key"),
}


def _fullmatch(pattern: str, name: str) -> pa.Check:
    return pa.Check(lambda s: s.str.fullmatch(pattern), name=name)


def _element_check(fn: Callable[[str], bool], name: str) -> pa.Check:
    return pa.Check(fn, element_wise=True, name=name)


def _in_unit_range(text: str) -> bool:
    if not re.fullmatch(NUMBER_PATTERN, text):
        return True  # reported as not-a-number
    return Decimal(0) <= Decimal(text) <= Decimal(1)


def _has_check_digit(text: str) -> bool:
    from schemas import municipalities

    return municipalities.is_valid_code(text)


def _is_known_code(text: str) -> bool:
    from schemas import municipalities

    if not municipalities.is_valid_code(text):
        return True  # reported as bad-municipality-code
    return text in municipalities.known_codes()


def checks_for(spec: ColumnSpec) -> list[pa.Check]:
    """The pandera checks of one contract column (nulls are skipped by pandera)."""
    kind_checks: dict[str, list[pa.Check]] = {
        KIND_INTEGER: [_fullmatch(INTEGER_PATTERN, "not-an-integer")],
        KIND_NUMBER: [_fullmatch(NUMBER_PATTERN, "not-a-number")],
        KIND_CONFIDENCE: [
            _fullmatch(NUMBER_PATTERN, "not-a-number"),
            _element_check(_in_unit_range, "out-of-range"),
        ],
        KIND_BOOLEAN: [_fullmatch(BOOLEAN_PATTERN, "not-a-boolean")],
        KIND_DOC_ID: [_fullmatch(DOC_ID_PATTERN, "bad-doc-id")],
        KIND_SHA256: [_fullmatch(SHA256_PATTERN, "bad-sha256")],
        KIND_MUNICIPALITY_CODE: [
            _element_check(_has_check_digit, "bad-municipality-code"),
            _element_check(_is_known_code, "unknown-municipality-code"),
        ],
        KIND_PERIOD: [_element_check(is_valid_period, "bad-period")],
    }
    checks = list(kind_checks.get(spec.kind, []))
    if spec.enum:
        checks.append(
            pa.Check(lambda s, allowed=spec.enum: s.isin(allowed), name="value-not-allowed")
        )
    return checks


@cache
def schema_for(table: str) -> pa.DataFrameSchema:
    """The pandera schema of one contract table, over its text form (cached)."""
    row_type = ROW_TYPE_BY_TABLE[table]
    columns = {
        spec.name: pa.Column(None, nullable=not spec.required, checks=checks_for(spec))
        for spec in columns_of(row_type)
    }
    unique = list(row_type.PRIMARY_KEY) or None
    return pa.DataFrameSchema(
        columns, name=table, unique=unique, report_duplicates="exclude_first", strict=False
    )


# --- failures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """One validation failure; ``row`` is the 0-based position in the frame (None: whole table)."""

    code: Code
    column: str | None
    row: int | None
    message: str
    doc_id: str | None = None

    @property
    def location(self) -> str:
        parts = [] if self.row is None else [f"row {self.row + 1}"]
        if self.column:
            parts.append(
                f"column {self.column}" if "," not in self.column else f"columns {self.column}"
            )
        return ", ".join(parts)


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as CSV text with a 0..n-1 index; empty or blank cells are missing (NA)."""
    text = format_for_csv(frame).reset_index(drop=True).astype(pd.StringDtype())
    return text.mask(text.apply(lambda s: s.str.strip() == "").fillna(False).astype(bool))


def frame_failures(table: str, frame: pd.DataFrame) -> list[Failure]:
    """Every failure of ``frame`` (typed or text) against the contract of ``table``, sorted."""
    if table not in ROW_TYPE_BY_TABLE:
        raise ValueError(f"unknown table {table!r}; contract tables: {', '.join(TABLE_NAMES)}")
    text = text_frame(frame)
    try:
        schema_for(table).validate(text, lazy=True)
    except SchemaErrors as errors:
        failures = _failures_from_cases(table, text, errors.failure_cases)
        return sorted(failures, key=_sort_key(table))
    return []


def _sort_key(table: str) -> Callable[[Failure], tuple[int, int, str]]:
    """Row order, then contract column order (a duplicate key last in its row), then code."""
    order = {spec.name: i for i, spec in enumerate(columns_of(ROW_TYPE_BY_TABLE[table]))}

    def key(failure: Failure) -> tuple[int, int, str]:
        row = -1 if failure.row is None else failure.row
        return (row, order.get(failure.column or "", len(order)), failure.code.value)

    return key


def _failures_from_cases(table: str, text: pd.DataFrame, cases: pd.DataFrame) -> list[Failure]:
    row_type = ROW_TYPE_BY_TABLE[table]
    key = list(row_type.PRIMARY_KEY)
    key_complete = all(name in text.columns for name in key)
    failures: list[Failure] = []
    duplicate_rows: set[int] = set()
    for case in cases.itertuples(index=False):
        check = str(case.check)
        if check not in CHECK_MESSAGES:
            raise RuntimeError(f"{table}: unexpected pandera failure {check!r}: {case}")
        if check == "multiple_fields_uniqueness":
            if key_complete:  # pandera checks the remaining columns when a key column is missing
                duplicate_rows.add(int(case.index))
            continue
        if check == "column_in_dataframe":
            failures.append(_missing_column(table, str(case.failure_case)))
            continue
        failures.append(_cell_failure(table, text, check, str(case.column), int(case.index)))
    failures.extend(_duplicate_failures(table, text, key, sorted(duplicate_rows)))
    return failures


def _missing_column(table: str, column: str) -> Failure:
    message = f"{table}: column {column} is missing from the table"
    return Failure(Code.MISSING_COLUMN, column, None, message)


def _cell_failure(table: str, text: pd.DataFrame, check: str, column: str, row: int) -> Failure:
    code, template = CHECK_MESSAGES[check]
    spec = _specs_by_name(table)[column]
    value = text.at[row, column]
    shown = "" if pd.isna(value) else _show(str(value))
    detail = template.format(value=shown, allowed=", ".join(spec.enum or ()))
    message = f"{table}: row {row + 1}, column {column}: {detail}"
    return Failure(code, column, row, message, _doc_id_of(text, row))


@cache
def _specs_by_name(table: str) -> dict[str, ColumnSpec]:
    return {spec.name: spec for spec in columns_of(ROW_TYPE_BY_TABLE[table])}


def _duplicate_failures(
    table: str, text: pd.DataFrame, key: list[str], rows: list[int]
) -> list[Failure]:
    if not rows:
        return []
    first_row = {
        tuple(values): i for i, values in reversed(list(enumerate(_key_values(text, key))))
    }
    failures = []
    for row in rows:
        values = next(iter(_key_values(text.iloc[[row]], key)))
        shown = ", ".join(_show(v) for v in values)
        message = (
            f"{table}: row {row + 1}: duplicate primary key ({', '.join(key)}) = ({shown}),"
            f" first at row {first_row[values] + 1}"
        )
        failures.append(
            Failure(Code.DUPLICATE_KEY, ",".join(key), row, message, _doc_id_of(text, row))
        )
    return failures


def _key_values(text: pd.DataFrame, key: list[str]) -> Iterable[tuple[str, ...]]:
    cells = text[key].astype(object).where(text[key].notna(), "")
    return (tuple(str(v) for v in row) for row in cells.itertuples(index=False, name=None))


def _show(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def _doc_id_of(text: pd.DataFrame, row: int) -> str | None:
    """The row's doc_id when it is a valid one (so the problem can be traced to its document)."""
    if "doc_id" not in text.columns:
        return None
    value = text.at[row, "doc_id"]
    return str(value) if not pd.isna(value) and re.fullmatch(DOC_ID_PATTERN, str(value)) else None


def failure_to_quality(table: str, failure: Failure) -> QualityRow:
    return QualityRow(
        doc_id=failure.doc_id,
        table=table,
        code=failure.code.value,
        severity=Severity.ERROR.value,
        message=failure.message,
        location=failure.location or None,
    )


# --- public entry points ----------------------------------------------------------------------


def validate_frame(table: str, frame: pd.DataFrame) -> list[QualityRow]:
    """Validate ``frame`` (from ``rows_to_frame`` or read from CSV as strings) against the
    contract of ``table``; one error ``QualityRow`` per failure, in row then column order.
    Rows are numbered 1-based (CSV line number minus 1). Extra columns are allowed."""
    return [failure_to_quality(table, f) for f in frame_failures(table, frame)]


def validate_rows(
    row_type: type[TableRow], rows: Sequence[TableRow]
) -> tuple[list[TableRow], list[QualityRow]]:
    """Split ``rows`` into those that pass the contract and quality rows for every failure.

    A row with any failure is left out of the valid rows (for a duplicate key, the first row
    stays and the later ones are dropped), so nothing invalid is written silently.
    Each row is validated as the text it would be written as, so a wrong Python type in a
    field (``"12a"`` in an int field) is reported, not raised.
    """
    names = [spec.name for spec in columns_of(row_type)]
    data = {name: [value_to_text(getattr(row, name)) for row in rows] for name in names}
    failures = frame_failures(row_type.TABLE, pd.DataFrame(data, columns=names, dtype=object))
    bad_rows = {f.row for f in failures if f.row is not None}
    valid = [row for i, row in enumerate(rows) if i not in bad_rows]
    return valid, [failure_to_quality(row_type.TABLE, f) for f in failures]


def validate_output_dir(path: Path | str) -> list[QualityRow]:
    """Validate every ``<table>.csv`` of the contract in the folder ``path``.

    Files are read with every column as a string (``keep_default_na=False``, ``utf-8-sig`` so an
    Excel BOM is fine). A missing file is ``missing-table``, a missing column ``missing-column``;
    extra columns and extra files are allowed. Then the provenance columns across tables
    (``schemas.provenance_check``). Backs ``keikaku validate DIR``.
    """
    from schemas.provenance_check import provenance_problems

    problems: list[QualityRow] = []
    frames = {}
    for table in TABLE_NAMES:
        frame, problem = read_table_csv(Path(path) / f"{table}.csv", table)
        if problem is not None:
            problems.append(problem)
        if frame is not None:
            problems.extend(validate_frame(table, frame))
            frames[table] = frame
    return problems + provenance_problems(frames)


def read_table_csv(file: Path, table: str) -> tuple[pd.DataFrame | None, QualityRow | None]:
    """``file`` as an all-string frame, or None and the quality row saying why it can't be read."""
    location = file.name
    if not file.is_file():
        return None, _file_problem(
            table, Code.MISSING_TABLE, f"{table}: {file.name} is missing", location
        )
    try:
        frame = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        return pd.DataFrame(), None  # no header: every column is reported missing
    except UnicodeDecodeError as exc:
        message = f"{table}: {file.name} is not UTF-8 ({exc.reason} at byte {exc.start})"
        return None, _file_problem(table, Code.UNDECODABLE_TEXT, message, location)
    except (pd.errors.ParserError, OSError) as exc:
        message = f"{table}: {file.name} cannot be read as CSV ({exc})"
        return None, _file_problem(table, Code.UNREADABLE_FILE, message, location)
    return frame, None


def _file_problem(table: str, code: Code, message: str, location: str) -> QualityRow:
    return QualityRow(
        doc_id=None,
        table=table,
        code=code.value,
        severity=Severity.ERROR.value,
        message=message,
        location=location,
    )
