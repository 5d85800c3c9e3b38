"""Write the output tables: CSV, Parquet, one DuckDB database, ``datapackage.json``. Atomically.

Everything is built in a temporary folder next to ``out_dir`` (``.keikaku-tmp-<name>-<pid>-<hex>``,
same filesystem), fsynced, then swapped in: the old ``out_dir`` is renamed aside to
``.keikaku-old-<name>-<pid>-<hex>``, the temporary folder renamed to ``out_dir``, and the old one
removed. An exception at any point leaves the previous ``out_dir`` as it was and removes the
temporary folder; folders with those prefixes left by a killed run are removed by the next run.

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
  (block allocation, header/checksum fields); compare it by querying, not by hashing.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
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

FORMATS = ("csv", "parquet", "duckdb")
TMP_PREFIX = ".keikaku-tmp-"
OLD_PREFIX = ".keikaku-old-"
CSV_LINE_TERMINATOR = "\r\n"
UTF8_BOM = b"\xef\xbb\xbf"
GITIGNORE = b"*\n"
DATAPACKAGE_FILE = "datapackage.json"
_PLACEHOLDERS = {".gitignore", ".gitkeep"}  # a folder holding only these counts as empty

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
) -> None:
    """Write every contract table into ``out_dir``, replacing its previous contents atomically.

    ``frames`` maps table names to frames with the contract columns (as from
    ``schemas.frame.rows_to_frame``); a contract table not given is written empty (header only),
    so the folder always holds every table of SPEC. Files: ``<table>.csv`` always,
    ``<table>.parquet`` and one ``keikaku.duckdb`` as ``formats`` asks, ``datapackage.json``,
    ``.gitignore`` (``*``) and ``extra_files`` (name -> bytes, e.g. ``report.json``).

    ValueError for an unknown format (listing the allowed ones), an unknown table, a frame
    without the contract columns, or a bad extra file name. FileExistsError when ``out_dir``
    exists and is neither empty nor a keikaku output folder (it is never replaced then).
    """
    chosen = normalize_formats(formats)
    ordered = contract_frames(frames)
    extras = _checked_extra_files(extra_files or {}, chosen)
    out_dir = Path(out_dir).absolute()
    _check_replaceable(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(out_dir)
    tmp = _new_sibling(out_dir, TMP_PREFIX)
    try:
        build_output(tmp, ordered, chosen, excel=excel, extra_files=extras)
        fsync_tree(tmp)
        swap_in(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


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
    reserved = {DATAPACKAGE_FILE, ".gitignore", DUCKDB_FILE}
    reserved |= {f"{t}.{ext}" for t in TABLE_NAMES for ext in ("csv", "parquet")}
    for name in extra:
        if not name or name in (".", "..") or "/" in name or "\\" in name or name in reserved:
            raise ValueError(f"extra file name {name!r} is not a plain, free file name")
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
    """Write all files into the (new, empty) ``folder``; no atomicity here."""
    arrow_tables = {table: frame_to_arrow(table, frame) for table, frame in frames.items()}
    for table, frame in frames.items():
        (folder / f"{table}.csv").write_bytes(csv_bytes(frame, excel=excel))
    if "parquet" in formats:
        for table, arrow_table in arrow_tables.items():
            write_parquet(arrow_table, folder / f"{table}.parquet")
    if "duckdb" in formats:
        write_duckdb(arrow_tables, folder / DUCKDB_FILE)
    (folder / DATAPACKAGE_FILE).write_bytes(datapackage_bytes(list(frames), formats=formats))
    (folder / ".gitignore").write_bytes(GITIGNORE)
    for name, data in (extra_files or {}).items():
        (folder / name).write_bytes(data)


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


# --- atomic swap --------------------------------------------------------------------------------


def fsync_tree(folder: Path) -> None:
    """fsync every file under ``folder``, then the folders themselves."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open a directory; nothing more to do there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def swap_in(new: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``new`` (both on the same filesystem); old contents removed last.

    If the final rename fails, the old folder is renamed back before the error propagates.
    """
    old = None
    if out_dir.exists():
        old = _sibling_path(out_dir, OLD_PREFIX)
        os.rename(out_dir, old)
    try:
        os.rename(new, out_dir)
    except BaseException:
        if old is not None:
            os.rename(old, out_dir)
        raise
    _fsync_dir(out_dir.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)  # a leftover is stale and cleaned next run


def _check_replaceable(out_dir: Path) -> None:
    """Refuse to replace a folder that is not ours (a user's folder passed by mistake)."""
    if not out_dir.exists():
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


def _sibling_path(out_dir: Path, prefix: str) -> Path:
    return out_dir.parent / f"{prefix}{out_dir.name}-{os.getpid()}-{secrets.token_hex(4)}"


def _new_sibling(out_dir: Path, prefix: str) -> Path:
    while True:
        path = _sibling_path(out_dir, prefix)
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path


def clean_stale(out_dir: Path) -> list[Path]:
    """Remove ``.keikaku-tmp-<name>-*`` / ``.keikaku-old-<name>-*`` folders next to ``out_dir``
    left by a killed run (not those of a live process); returns what was removed."""
    removed = []
    if not out_dir.parent.is_dir():
        return removed
    for path in sorted(out_dir.parent.iterdir()):
        for prefix in (TMP_PREFIX, OLD_PREFIX):
            head = f"{prefix}{out_dir.name}-"
            ours = path.name.startswith(head) and path.is_dir() and not path.is_symlink()
            if ours and _is_stale(path.name[len(head) :]):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def _is_stale(suffix: str) -> bool:
    """``<pid>-<hex>``: stale unless that pid is another process still running."""
    pid_text = suffix.split("-", 1)[0]
    if not pid_text.isdigit():
        return True
    pid = int(pid_text)
    if pid in (0, os.getpid()):
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except (ProcessLookupError, OverflowError):
        return True
    except OSError:  # e.g. PermissionError: alive, owned by another user
        return False
    return False
