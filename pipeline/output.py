"""Write the output tables: CSV, Parquet, one DuckDB database, ``datapackage.json``. Atomically.

Everything is built in a staging folder next to ``out_dir`` and swapped in under the folder's
lock by ``pipeline.swap`` (the one swap helper, shared with ``keikaku diff``): an exception or
a kill at any point leaves the previous ``out_dir`` as it was (or restorable by the next run,
which restores it before anything else). Only keikaku's own files (``is_own_file``) are
replaced: any other file a user put in the output folder is kept.

Decisions (see also ``schemas.frame``):

- CSV: UTF-8, header row, no index, ``csv.QUOTE_MINIMAL``, **``\\r\\n`` line endings** (RFC 4180;
  with ``\\n`` the csv module would leave a field holding a bare ``\\r`` unquoted). Line breaks
  inside a quoted field are kept as they are in the data. ``excel=True`` prepends a UTF-8 BOM.
  CSV is always written; ``formats`` says what is written beside it.
- Decimal columns are plain decimal text in CSV, ``string`` in Parquet and ``VARCHAR`` in DuckDB:
  exact, and the same digits in every format (cast on read: ``CAST(value AS DECIMAL(38, 6))``).
- Parquet and DuckDB are built from the CSV text of each cell, so the three formats hold the same
  values. Integers are int64/BIGINT, floats float64/DOUBLE, booleans bool/BOOLEAN.
- Identical inputs give byte-identical CSV, Parquet (fixed schema, no timestamps, same pyarrow
  version), ``datapackage.json`` and ``.gitignore``. ``keikaku.duckdb`` holds identical contents
  but its bytes are not guaranteed identical: DuckDB's file format does not promise it
  (block allocation, header/checksum fields); compare it by querying, not by hashing. With
  ``reuse_duckdb`` the previous ``keikaku.duckdb`` is kept when its contents equal the new one.
- ``datapackage.json`` records the sha256 of every file written beside it but
  ``keikaku.duckdb`` and ``run.json`` (which differs on every run), for ``keikaku validate``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.datapackage import DUCKDB_FILE, PACKAGE_NAME, datapackage_bytes
from schemas.frame import format_for_csv, rows_to_frame
from schemas.tables import ROW_TYPE_BY_TABLE, TABLE_NAMES, ColumnSpec, columns_of

from .swap import folder_lock, recover, replace_folder

FORMATS = ("csv", "parquet", "duckdb")
CSV_LINE_TERMINATOR = "\r\n"
UTF8_BOM = b"\xef\xbb\xbf"
GITIGNORE = b"*\n"
DATAPACKAGE_FILE = "datapackage.json"
RUN_FILE = "run.json"  # this run's timings: differs on every run, so not hashed
REPORT_FILES = ("report.json", "report.txt", RUN_FILE)
_PLACEHOLDERS = {".gitignore", ".gitkeep"}  # a folder holding only these counts as empty
_OWN_FILES = frozenset(
    {f"{t}.{ext}" for t in TABLE_NAMES for ext in ("csv", "parquet")}
    | {DUCKDB_FILE, f"{DUCKDB_FILE}.wal", DATAPACKAGE_FILE, ".gitignore", *REPORT_FILES}
)

_ARROW_TYPE = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}  # others: string
_FROM_TEXT: dict[str, Callable[[str], Any]] = {
    "int": int,
    "float": float,
    "bool": lambda text: {"true": True, "false": False}[text],
}


def write_tables(
    frames: Mapping[str, pd.DataFrame],
    out_dir: Path | str,
    *,
    formats: Sequence[str] = FORMATS,
    excel: bool = False,
    extra_files: Mapping[str, bytes] | None = None,
    reuse_duckdb: bool = False,
) -> None:
    """Write every contract table into ``out_dir``, replacing keikaku's previous files atomically.

    ``frames`` maps table names to frames with the contract columns (as from
    ``schemas.frame.rows_to_frame``); a contract table not given is written empty (header only),
    so the folder always holds every table of SPEC. Files: ``<table>.csv`` always,
    ``<table>.parquet`` and one ``keikaku.duckdb`` as ``formats`` asks, ``datapackage.json``,
    ``.gitignore`` (``*``) and ``extra_files`` (name -> bytes, e.g. ``report.json``).

    ValueError for an unknown format (listing the allowed ones), an unknown table, a frame
    without the contract columns, or a bad extra file name. FileExistsError when ``out_dir``
    exists and is neither empty nor a keikaku output folder (it is never replaced then).
    ``pipeline.swap.FolderBusy`` when another run holds the folder. With ``reuse_duckdb`` the
    previous ``keikaku.duckdb`` is kept when it holds the same contents (same bytes on re-runs).
    """
    chosen = normalize_formats(formats)
    ordered = contract_frames(frames)
    extras = _checked_extra_files(extra_files or {}, chosen)
    out_dir = Path(out_dir).absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)

    def build(staging: Path) -> None:
        build_output(staging, ordered, chosen, excel=excel, extra_files=extras)
        if reuse_duckdb and "duckdb" in chosen:
            reuse_equal_duckdb(out_dir / DUCKDB_FILE, staging / DUCKDB_FILE)

    with folder_lock(out_dir):
        recover(out_dir)
        check_replaceable(out_dir)
        replace_folder(out_dir, build, own=is_own_file)


def is_own_file(name: str) -> bool:
    """The names keikaku writes into an output folder (the rest belongs to the user)."""
    return name in _OWN_FILES


def normalize_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """csv first, then the others in FORMATS order; ValueError naming the allowed ones."""
    if isinstance(formats, str):
        formats = [formats]
    unknown = sorted({f for f in formats if f not in FORMATS})
    if unknown:
        raise ValueError(
            f"unknown output format {', '.join(map(repr, unknown))}; allowed: {', '.join(FORMATS)}"
        )
    return tuple(f for f in FORMATS if f == "csv" or f in formats)


def contract_frames(frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every contract table in contract order, columns in contract order (missing: empty)."""
    unknown = sorted(set(frames) - set(TABLE_NAMES))
    if unknown:
        raise ValueError(f"unknown tables {unknown}; contract tables: {', '.join(TABLE_NAMES)}")
    result = {}
    for table in TABLE_NAMES:
        row_type = ROW_TYPE_BY_TABLE[table]
        frame = frames.get(table)
        result[table] = (
            rows_to_frame(row_type, []) if frame is None else _contract_columns(table, frame)
        )
    return result


def _contract_columns(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    names = [spec.name for spec in columns_of(ROW_TYPE_BY_TABLE[table])]
    missing = [n for n in names if n not in frame.columns]
    extra = [str(c) for c in frame.columns if c not in names]
    if missing or extra:
        raise ValueError(
            f"{table}: frame columns differ from the contract (missing {missing}, extra {extra})"
        )
    return frame[names].reset_index(drop=True)


def _checked_extra_files(extra: Mapping[str, bytes], formats: Sequence[str]) -> dict[str, bytes]:
    """Only the report files: any other name would be taken for a user's file by the next run."""
    for name in extra:
        if name not in REPORT_FILES:
            raise ValueError(f"extra file name {name!r} is not one of {', '.join(REPORT_FILES)}")
    return dict(extra)


# --- building the folder --------------------------------------------------------------------


def build_output(
    folder: Path,
    frames: Mapping[str, pd.DataFrame],
    formats: Sequence[str],
    *,
    excel: bool = False,
    extra_files: Mapping[str, bytes] | None = None,
) -> None:
    """Write all files into the (new, empty) ``folder``; no atomicity here. ``datapackage.json``
    comes last, with the sha256 of what was written before it."""
    arrow_tables = {table: frame_to_arrow(table, frame) for table, frame in frames.items()}
    for table, frame in frames.items():
        (folder / f"{table}.csv").write_bytes(csv_bytes(frame, excel=excel))
    if "parquet" in formats:
        for table, arrow_table in arrow_tables.items():
            write_parquet(arrow_table, folder / f"{table}.parquet")
    if "duckdb" in formats:
        write_duckdb(arrow_tables, folder / DUCKDB_FILE)
    (folder / ".gitignore").write_bytes(GITIGNORE)
    for name, data in (extra_files or {}).items():
        (folder / name).write_bytes(data)
    files = {path.name: file_sha256(path) for path in sorted(folder.iterdir()) if path.name not in (DUCKDB_FILE, RUN_FILE)}
    (folder / DATAPACKAGE_FILE).write_bytes(datapackage_bytes(list(frames), formats=formats, files=files))


def file_sha256(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes, as recorded in ``datapackage.json``."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def csv_bytes(frame: pd.DataFrame, *, excel: bool = False) -> bytes:
    """The CSV file of ``frame``: UTF-8 (with BOM when ``excel``), header, QUOTE_MINIMAL, CRLF."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=CSV_LINE_TERMINATOR, quoting=csv.QUOTE_MINIMAL)
    writer.writerow([str(c) for c in frame.columns])
    writer.writerows(format_for_csv(frame).itertuples(index=False, name=None))
    data = buffer.getvalue().encode("utf-8")
    return UTF8_BOM + data if excel else data


def arrow_schema(table: str) -> pa.Schema:
    """Fixed Arrow schema of a contract table (Decimal and text columns are strings)."""
    return pa.schema([_arrow_field(spec) for spec in columns_of(ROW_TYPE_BY_TABLE[table])])


def _arrow_field(spec: ColumnSpec) -> pa.Field:
    arrow_type = _ARROW_TYPE.get(spec.python_type, pa.string())
    return pa.field(spec.name, arrow_type, metadata={"description": spec.description})


def frame_to_arrow(table: str, frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table of the fixed schema, built from each cell's CSV text."""
    text = format_for_csv(frame)
    specs = columns_of(ROW_TYPE_BY_TABLE[table])
    arrays = [
        pa.array(_typed_cells(spec, text[spec.name].tolist()), type=_arrow_field(spec).type)
        for spec in specs
    ]
    return pa.Table.from_arrays(arrays, schema=arrow_schema(table))


def _typed_cells(spec: ColumnSpec, cells: list[str]) -> list[Any]:
    convert = _FROM_TEXT.get(spec.python_type, str)
    return [None if cell == "" else convert(cell) for cell in cells]


def write_parquet(arrow_table: pa.Table, path: Path) -> None:
    """Deterministic Parquet: fixed schema, zstd, statistics, no pandas metadata."""
    pq.write_table(arrow_table, path, compression="zstd", write_statistics=True)


def write_duckdb(arrow_tables: Mapping[str, pa.Table], path: Path) -> None:
    """One DuckDB database with a table per contract table (same types as Parquet)."""
    con = duckdb.connect(str(path))
    try:
        for table, arrow_table in arrow_tables.items():
            con.register("keikaku_source", arrow_table)
            con.execute(f"CREATE TABLE {_quote(table)} AS SELECT * FROM keikaku_source")
            con.unregister("keikaku_source")
            _comment_table(con, table)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _comment_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    row_type = ROW_TYPE_BY_TABLE[table]
    con.execute(f"COMMENT ON TABLE {_quote(table)} IS {_literal(row_type.DESCRIPTION)}")
    for spec in columns_of(row_type):
        target = f"{_quote(table)}.{_quote(spec.name)}"
        con.execute(f"COMMENT ON COLUMN {target} IS {_literal(spec.description)}")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- replacing, keeping an unchanged keikaku.duckdb ------------------------------------------


def check_replaceable(out_dir: Path) -> None:
    """Refuse to replace a folder that is not ours (a user's folder passed by mistake)."""
    if not os.path.lexists(out_dir):
        return
    if not out_dir.is_dir():
        raise FileExistsError(f"{out_dir} exists and is not a folder")
    names = {path.name for path in out_dir.iterdir()}
    if names - _PLACEHOLDERS and not is_keikaku_output(out_dir):
        raise FileExistsError(
            f"{out_dir} is not empty and is not a keikaku output folder (no {DATAPACKAGE_FILE}"
            f" named {PACKAGE_NAME!r}); refusing to replace it"
        )


def is_keikaku_output(folder: Path) -> bool:
    """True when ``folder`` holds a ``datapackage.json`` written by keikaku."""
    try:
        descriptor = json.loads((folder / DATAPACKAGE_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(descriptor, dict) and descriptor.get("name") == PACKAGE_NAME


def reuse_equal_duckdb(previous: Path, new: Path) -> bool:
    """Put the previous ``keikaku.duckdb`` (hard link, else copy) in place of the new one when
    both hold the same tables, types, comments and rows (DuckDB files are not byte-reproducible)."""
    if not previous.is_file() or not duckdb_contents_equal(previous, new):
        return False
    replacement = new.with_name(new.name + ".previous")
    try:
        os.link(previous, replacement)
    except OSError:
        try:
            shutil.copy2(previous, replacement)
        except OSError:
            return False
    os.replace(replacement, new)
    return True


def duckdb_contents(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[str, Any]]:
    """(tables with comments, columns with types and comments, Arrow table per table) of a file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("SELECT schema_name, table_name, comment FROM duckdb_tables() ORDER BY 1, 2").fetchall()
        columns = con.execute(
            "SELECT schema_name, table_name, column_index, column_name, data_type, is_nullable, comment "
            "FROM duckdb_columns() ORDER BY 1, 2, 3"
        ).fetchall()
        data = {}
        for schema, table, _ in tables:
            relation = con.sql(f"SELECT * FROM {_quote(schema)}.{_quote(table)}")
            fetch = getattr(relation, "to_arrow_table", None) or relation.arrow  # duckdb >= 1.4 / older
            data[f"{schema}.{table}"] = fetch()
        return tables, columns, data
    finally:
        con.close()


def duckdb_contents_equal(a: Path, b: Path) -> bool:
    """True when both DuckDB files hold the same tables, columns, comments and rows in order."""
    try:
        tables_a, columns_a, data_a = duckdb_contents(a)
        tables_b, columns_b, data_b = duckdb_contents(b)
    except Exception:  # noqa: BLE001 - an unreadable previous file is simply not reused
        return False
    if tables_a != tables_b or columns_a != columns_b or data_a.keys() != data_b.keys():
        return False
    return all(data_a[name].equals(data_b[name]) for name in data_a)
