"""``keikaku validate DIR``: every file of an output folder checked, not only the CSV files.

1. every ``<table>.csv`` against the contract (``schemas.validation.validate_output_dir``);
2. ``datapackage.json``: readable, and equal to the descriptor the contract gives for the formats
   it names (``bad-datapackage``);
3. the sha256 it records for each file written beside it: a file changed after the run is
   ``checksum-mismatch`` (a missing one ``missing-table`` / ``missing-copy`` / ``bad-report``);
4. every Parquet file and DuckDB table the descriptor names: present (``missing-copy``),
   readable (``unreadable-copy``), with the contract's columns and the same rows as the CSV
   (``copy-differs``);
5. ``report.json`` / ``report.txt``: the counts they state, rebuilt from ``documents.csv`` and
   ``quality.csv``; ``run.json`` readable, for as many documents; the three present together
   (``bad-report``).

Problems are ``quality`` rows with stable codes; files the folder holds beyond these (a user's
notes) are not looked at.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from schemas.datapackage import DUCKDB_FILE, FORMATS, datapackage_descriptor
from schemas.frame import value_to_text
from schemas.quality import Code, Severity
from schemas.tables import ROW_TYPE_BY_TABLE, TABLE_NAMES, QualityRow, columns_of
from schemas.validation import validate_output_dir

from .output import DATAPACKAGE_FILE, RUN_FILE, arrow_schema, file_sha256
from .report import text_tables_to_report

Records = list[tuple[str, ...]]


def problem(code: Code, message: str, table: str | None = None, location: str | None = None) -> QualityRow:
    return QualityRow(doc_id=None, table=table, code=code.value, severity=Severity.ERROR.value, message=message, location=location)


def validate_output(folder: Path) -> list[QualityRow]:
    """Every problem of the output folder ``folder``, in the order of the module docstring."""
    folder = Path(folder)
    problems = list(validate_output_dir(folder))
    records = {table: csv_records(folder / f"{table}.csv") for table in TABLE_NAMES}
    descriptor, found = read_datapackage(folder)
    problems += found
    formats = declared_formats(descriptor)
    problems += list(checksum_problems(folder, descriptor))
    if "parquet" in formats:
        problems += list(parquet_problems(folder, records))
    if "duckdb" in formats:
        problems += list(duckdb_problems(folder, records))
    problems += list(report_problems(folder, records))
    return problems


# --- CSV text -------------------------------------------------------------------------------------


def csv_records(path: Path) -> tuple[list[str], Records] | None:
    """(header, records) of a CSV file as text; None when it cannot be read (reported by step 1)."""
    limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    finally:
        csv.field_size_limit(limit)
    if not rows:
        return [], []
    return rows[0], [tuple(row) for row in rows[1:]]


def contract_records(table: str, read: tuple[list[str], Records] | None) -> Records | None:
    """The records in contract column order, or None when the CSV lacks a contract column."""
    if read is None:
        return None
    header, records = read
    names = [spec.name for spec in columns_of(ROW_TYPE_BY_TABLE[table])]
    if any(name not in header for name in names):
        return None
    where = [header.index(name) for name in names]
    return [tuple(row[i] if i < len(row) else "" for i in where) for row in records]


# --- datapackage.json and checksums ---------------------------------------------------------------


def read_datapackage(folder: Path) -> tuple[dict[str, Any] | None, list[QualityRow]]:
    path = folder / DATAPACKAGE_FILE
    try:
        descriptor = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None, [problem(Code.BAD_DATAPACKAGE, f"{DATAPACKAGE_FILE} is missing", location=DATAPACKAGE_FILE)]
    except (OSError, ValueError) as exc:
        return None, [problem(Code.BAD_DATAPACKAGE, f"{DATAPACKAGE_FILE} cannot be read as JSON ({exc})", location=DATAPACKAGE_FILE)]
    if not isinstance(descriptor, dict):
        return None, [problem(Code.BAD_DATAPACKAGE, f"{DATAPACKAGE_FILE} is not a JSON object", location=DATAPACKAGE_FILE)]
    formats = declared_formats(descriptor)
    files = descriptor.get("keikaku", {}).get("files") if isinstance(descriptor.get("keikaku"), dict) else None
    expected = datapackage_descriptor(list(TABLE_NAMES), formats=formats, files=files if isinstance(files, dict) else None)
    difference = first_difference(expected, descriptor)
    if difference is not None:
        message = f"{DATAPACKAGE_FILE} differs from the contract's descriptor at {difference}"
        return descriptor, [problem(Code.BAD_DATAPACKAGE, message, location=DATAPACKAGE_FILE)]
    if files is None:
        return descriptor, [problem(Code.BAD_DATAPACKAGE, f"{DATAPACKAGE_FILE} records no checksums (keikaku.files)", location=DATAPACKAGE_FILE)]
    return descriptor, []


def declared_formats(descriptor: dict[str, Any] | None) -> list[str]:
    """The formats ``datapackage.json`` names (csv only when it names none that are valid)."""
    keikaku = descriptor.get("keikaku") if isinstance(descriptor, dict) else None
    named = keikaku.get("formats") if isinstance(keikaku, dict) else None
    if not isinstance(named, list) or not all(isinstance(f, str) for f in named):
        return ["csv"]
    return [f for f in FORMATS if f in named] or ["csv"]


def first_difference(expected: Any, actual: Any, where: str = "") -> str | None:
    """The JSON path of the first place ``actual`` differs from ``expected``, or None."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in list(expected) + [k for k in actual if k not in expected]:
            if key not in expected or key not in actual:
                return f"{where}.{key}" if where else str(key)
            found = first_difference(expected[key], actual[key], f"{where}.{key}" if where else str(key))
            if found is not None:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{where} (length)"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found = first_difference(e, a, f"{where}[{i}]")
            if found is not None:
                return found
        return None
    return None if expected == actual and type(expected) is type(actual) else (where or "(top)")


def checksum_problems(folder: Path, descriptor: dict[str, Any] | None) -> Iterator[QualityRow]:
    keikaku = descriptor.get("keikaku") if isinstance(descriptor, dict) else None
    files = keikaku.get("files") if isinstance(keikaku, dict) else None
    if not isinstance(files, dict):
        return
    for name, recorded in sorted(files.items()):
        path = folder / name
        if "/" in name or not path.is_file():
            if not name.endswith(".csv"):  # a missing CSV is reported as missing-table already
                yield problem(Code.MISSING_COPY, f"{name} is listed in {DATAPACKAGE_FILE} but missing", location=name)
            continue
        if file_sha256(path) != recorded:
            yield problem(Code.CHECKSUM_MISMATCH, f"{name} is not the file keikaku wrote (its sha256 differs from {DATAPACKAGE_FILE})", location=name)


# --- copies ---------------------------------------------------------------------------------------


def text_rows(columns: list[list[Any]]) -> Records:
    return [tuple(value_to_text(v) for v in row) for row in zip(*columns, strict=True)]


def first_differing_row(a: Records, b: Records) -> str:
    if len(a) != len(b):
        return f"{len(a)} rows in the CSV, {len(b)} in the copy"
    index = next(i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
    return f"row {index + 1} differs"


def parquet_problems(folder: Path, records: dict[str, tuple[list[str], Records] | None]) -> Iterator[QualityRow]:
    import pyarrow.parquet as pq

    for table in TABLE_NAMES:
        name = f"{table}.parquet"
        path = folder / name
        if not path.is_file():
            yield problem(Code.MISSING_COPY, f"{name} is missing ({DATAPACKAGE_FILE} lists Parquet copies)", table, name)
            continue
        try:
            arrow = pq.read_table(path)
        except Exception as exc:  # noqa: BLE001 -- any damage pyarrow meets is the file's problem
            yield problem(Code.UNREADABLE_COPY, f"{name} cannot be read as Parquet ({type(exc).__name__}: {exc})", table, name)
            continue
        if not arrow.schema.equals(arrow_schema(table), check_metadata=True):
            yield problem(Code.COPY_DIFFERS, f"{name} does not have the contract's columns and types", table, name)
            continue
        expected = contract_records(table, records[table])
        actual = text_rows([arrow.column(i).to_pylist() for i in range(arrow.num_columns)])
        if expected is not None and expected != actual:
            yield problem(Code.COPY_DIFFERS, f"{name} does not hold the rows of {table}.csv ({first_differing_row(expected, actual)})", table, name)


def duckdb_problems(folder: Path, records: dict[str, tuple[list[str], Records] | None]) -> Iterator[QualityRow]:
    import duckdb

    path = folder / DUCKDB_FILE
    if not path.is_file():
        yield problem(Code.MISSING_COPY, f"{DUCKDB_FILE} is missing ({DATAPACKAGE_FILE} lists it)", location=DUCKDB_FILE)
        return
    try:
        con = duckdb.connect(str(path), read_only=True)
    except Exception as exc:  # noqa: BLE001 -- any damage DuckDB meets is the file's problem
        yield problem(Code.UNREADABLE_COPY, f"{DUCKDB_FILE} cannot be opened ({type(exc).__name__}: {exc})", location=DUCKDB_FILE)
        return
    try:
        for table in TABLE_NAMES:
            yield from duckdb_table_problems(con, table, contract_records(table, records[table]))
    finally:
        con.close()


def duckdb_table_problems(con: Any, table: str, expected: Records | None) -> Iterator[QualityRow]:
    where = f"{DUCKDB_FILE} (table {table})"
    names = [spec.name for spec in columns_of(ROW_TYPE_BY_TABLE[table])]
    try:
        columns = [row[0] for row in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index", [table]
        ).fetchall()]
        if not columns:
            yield problem(Code.MISSING_COPY, f"{where} is missing", table, where)
            return
        if columns != names:
            yield problem(Code.COPY_DIFFERS, f"{where} does not have the contract's columns", table, where)
            return
        result = con.execute(f'SELECT * FROM "{table}"').fetchall()
    except Exception as exc:  # noqa: BLE001 -- a damaged table
        yield problem(Code.UNREADABLE_COPY, f"{where} cannot be read ({type(exc).__name__}: {exc})", table, where)
        return
    actual = [tuple(value_to_text(v) for v in row) for row in result]
    if expected is not None and expected != actual:
        yield problem(Code.COPY_DIFFERS, f"{where} does not hold the rows of {table}.csv ({first_differing_row(expected, actual)})", table, where)


# --- reports --------------------------------------------------------------------------------------


def report_problems(folder: Path, records: dict[str, tuple[list[str], Records] | None]) -> Iterator[QualityRow]:
    present = [name for name in ("report.json", "report.txt", RUN_FILE) if (folder / name).exists()]
    if not present:
        return
    documents, quality = records["documents"], records["quality"]
    if documents is None or quality is None:
        return  # unreadable tables are reported already; nothing to compare with
    rows = {table: len(read[1]) if read is not None else 0 for table, read in records.items()}
    report = text_tables_to_report(as_dicts(documents), as_dicts(quality), rows)
    expected = {"report.json": report.to_json().encode(), "report.txt": report.to_text().encode()}
    for name in ("report.json", "report.txt", RUN_FILE):  # written together: one missing is damage
        if name not in present:
            yield problem(Code.BAD_REPORT, f"{name} is missing (the other report files are here)", location=name)
        elif name in expected and (folder / name).read_bytes() != expected[name]:
            yield problem(Code.BAD_REPORT, f"{name} does not match the tables{report_difference(folder / name, report.to_json())}", location=name)
    if RUN_FILE in present and not run_json_is_sound(folder / RUN_FILE, len(documents[1])):
        yield problem(Code.BAD_REPORT, f"{RUN_FILE} is not the run record keikaku writes", location=RUN_FILE)


def as_dicts(read: tuple[list[str], Records]) -> list[dict[str, str]]:
    header, records = read
    return [dict(zip(header, row, strict=False)) for row in records]


def report_difference(path: Path, expected_json: str) -> str:
    """' (rows_per_table)': the first fact of report.json that differs, when it can be read."""
    try:
        actual = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return " (not readable JSON)" if path.suffix == ".json" else ""
    found = first_difference(json.loads(expected_json), actual)
    return f" ({found})" if found else ""


def run_json_is_sound(path: Path, documents: int) -> bool:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    keys = {"documents", "cache_hits", "processed", "executor", "seconds_per_stage", "seconds_total"}
    return isinstance(data, dict) and set(data) == keys and data["documents"] == documents
