"""The writers: CSV/Parquet/DuckDB/datapackage.json, written atomically into the output folder."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import output, swap
from pipeline.output import write_tables
from schemas.frame import rows_to_frame, value_to_text
from schemas.tables import ROW_TYPE_BY_TABLE, TABLE_NAMES, columns_of
from schemas.validation import validate_output_dir

from .test_schemas import sample_rows

BOM = b"\xef\xbb\xbf"


def sample_frames() -> dict[str, pd.DataFrame]:
    return {t: rows_to_frame(ROW_TYPE_BY_TABLE[t], rows) for t, rows in sample_rows().items()}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def leftovers(parent: Path) -> list[str]:
    """Staging and set-aside folders left beside the output (the lock file stays on purpose)."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".keikaku-") and not p.name.startswith(".keikaku-lock-"))


def csv_records(path: Path) -> list[tuple[str, ...]]:
    """Data records of a CSV file as text (header checked against the contract)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    table = path.stem
    assert header == [s.name for s in columns_of(ROW_TYPE_BY_TABLE[table])]
    return [tuple(row) for row in rows]


def as_text_records(rows: list[tuple]) -> list[tuple[str, ...]]:
    return [tuple(value_to_text(v) for v in row) for row in rows]


@pytest.fixture
def written(tmp_path) -> Path:
    out = tmp_path / "out"
    write_tables(sample_frames(), out, extra_files={"report.json": b'{"ok": true}\n'})
    return out


# --- files and their contents -------------------------------------------------------------------


def test_writes_every_table_in_every_format(written):
    names = set(os.listdir(written))
    for table in TABLE_NAMES:
        assert {f"{table}.csv", f"{table}.parquet"} <= names
    assert {"keikaku.duckdb", "datapackage.json", ".gitignore", "report.json"} <= names
    assert (written / ".gitignore").read_bytes() == b"*\n"
    assert (written / "report.json").read_bytes() == b'{"ok": true}\n'
    assert leftovers(written.parent) == []


def test_written_output_validates_clean(written):
    assert validate_output_dir(written) == []


def test_datapackage_describes_what_was_written(written):
    descriptor = json.loads((written / "datapackage.json").read_text("utf-8"))
    assert [r["path"] for r in descriptor["resources"]] == [f"{t}.csv" for t in TABLE_NAMES]
    assert descriptor["keikaku"]["formats"] == ["csv", "parquet", "duckdb"]
    for resource in descriptor["resources"]:
        assert (written / resource["path"]).is_file()
        assert (written / resource["keikaku"]["copies"]["parquet"]).is_file()


def test_csv_is_utf8_crlf_quoted_without_index_or_bom(written):
    data = (written / "comments.csv").read_bytes()
    assert not data.startswith(BOM)
    header = ",".join(s.name for s in columns_of(ROW_TYPE_BY_TABLE["comments"]))
    assert data.startswith(header.encode() + b"\r\n")
    assert '"交通, ""バス""の\n運行について"'.encode() in data
    assert '"検討します\r。"'.encode() in data
    [record] = csv_records(written / "comments.csv")
    assert record[2] == '交通, "バス"の\n運行について'
    assert record[3] == "検討します\r。"


def test_csv_values_are_contract_text(written):
    records = csv_records(written / "indicators.csv")
    names = [s.name for s in columns_of(ROW_TYPE_BY_TABLE["indicators"])]
    first = dict(zip(names, records[0], strict=True))
    assert first["baseline_value"] == "17673000000"
    assert first["actual_value"] == "-0.50"
    assert dict(zip(names, records[1], strict=True))["baseline_value"] == ""
    participation = csv_records(written / "participation.csv")
    ambiguous = [s.name for s in columns_of(ROW_TYPE_BY_TABLE["participation"])].index("ambiguous")
    assert [r[ambiguous] for r in participation] == ["false", "true"]


def test_excel_flag_adds_a_bom(tmp_path):
    out = tmp_path / "excel"
    write_tables(sample_frames(), out, formats=["csv"], excel=True)
    for table in TABLE_NAMES:
        assert (out / f"{table}.csv").read_bytes().startswith(BOM + b"doc_id,")
    assert validate_output_dir(out) == []
    assert not (out / "documents.parquet").exists()
    assert not (out / "keikaku.duckdb").exists()


def test_tables_not_given_are_written_empty(tmp_path):
    out = tmp_path / "out"
    write_tables({"documents": sample_frames()["documents"]}, out, formats=["csv"])
    assert csv_records(out / "metrics.csv") == []
    assert validate_output_dir(out) == []


def test_parquet_holds_the_same_rows_as_the_csv(written):
    for table in TABLE_NAMES:
        parquet = pq.read_table(written / f"{table}.parquet")
        assert parquet.column_names == [s.name for s in columns_of(ROW_TYPE_BY_TABLE[table])]
        columns = [parquet.column(name).to_pylist() for name in parquet.column_names]
        rows = list(zip(*columns, strict=True))
        assert as_text_records(rows) == csv_records(written / f"{table}.csv"), table


def test_duckdb_holds_the_same_rows_as_the_csv(written):
    con = duckdb.connect(str(written / "keikaku.duckdb"), read_only=True)
    try:
        listed = con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        tables = {row[0] for row in listed}
        assert tables == set(TABLE_NAMES)
        for table in TABLE_NAMES:
            rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
            assert sorted(as_text_records(rows)) == sorted(csv_records(written / f"{table}.csv"))
    finally:
        con.close()


def test_types_in_parquet_and_duckdb(written):
    schema = pq.read_schema(written / "indicators.parquet")
    assert schema.field("baseline_value").type == pa.string()  # exact decimal text
    assert schema.field("row").type == pa.int64()
    participation = pq.read_schema(written / "participation.parquet")
    assert participation.field("confidence").type == pa.float64()
    assert participation.field("ambiguous").type == pa.bool_()
    con = duckdb.connect(str(written / "keikaku.duckdb"), read_only=True)
    try:
        types = {row[0]: row[1] for row in con.execute("DESCRIBE indicators").fetchall()}
        value = con.execute("SELECT baseline_value FROM indicators WHERE row = 0").fetchone()
    finally:
        con.close()
    assert types["baseline_value"] == "VARCHAR" and types["row"] == "BIGINT"
    assert value == ("17673000000",)


def test_identical_inputs_give_identical_bytes(tmp_path):
    write_tables(sample_frames(), tmp_path / "a")
    write_tables(sample_frames(), tmp_path / "b")
    a, b = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert a.keys() == b.keys()
    # keikaku.duckdb: same contents (checked above), bytes not guaranteed by DuckDB.
    assert {k: v for k, v in a.items() if k != "keikaku.duckdb"} == {
        k: v for k, v in b.items() if k != "keikaku.duckdb"
    }


def test_unknown_format_is_a_value_error_listing_the_allowed_ones(tmp_path):
    with pytest.raises(ValueError, match="allowed: csv, parquet, duckdb"):
        write_tables(sample_frames(), tmp_path / "out", formats=["csv", "xlsx"])
    assert not (tmp_path / "out").exists()


def test_bad_inputs_are_value_errors(tmp_path):
    frames = sample_frames()
    with pytest.raises(ValueError, match="unknown tables"):
        write_tables({"nope": frames["documents"]}, tmp_path / "out")
    with pytest.raises(ValueError, match="missing"):
        write_tables({"documents": frames["documents"].drop(columns=["pages"])}, tmp_path / "out")
    for name in ["../x", "documents.csv", ".gitignore", "", "notes.md"]:
        with pytest.raises(ValueError, match="extra file name"):
            write_tables(frames, tmp_path / "out", extra_files={name: b""})


# --- atomic replacement -------------------------------------------------------------------------


def test_rewrite_replaces_the_previous_output(written):
    frames = sample_frames()
    frames["metrics"] = rows_to_frame(ROW_TYPE_BY_TABLE["metrics"], [])
    write_tables(frames, written, formats=["csv"])
    assert csv_records(written / "metrics.csv") == []
    assert not (written / "metrics.parquet").exists()
    assert not (written / "report.json").exists()
    assert leftovers(written.parent) == []


def test_failure_mid_write_keeps_the_previous_output(written, monkeypatch):
    before = snapshot(written)
    seen = []

    def failing_duckdb(arrow_tables, path):
        seen.extend(sorted(os.listdir(path.parent)))  # CSV and Parquet already written
        raise RuntimeError("disk full")

    monkeypatch.setattr(output, "write_duckdb", failing_duckdb)
    frames = sample_frames()
    frames["metrics"] = rows_to_frame(ROW_TYPE_BY_TABLE["metrics"], [])
    with pytest.raises(RuntimeError, match="disk full"):
        write_tables(frames, written)
    assert "metrics.csv" in seen and "metrics.parquet" in seen
    assert snapshot(written) == before
    assert leftovers(written.parent) == []


def test_failure_during_the_swap_restores_the_previous_output(written, monkeypatch):
    before = snapshot(written)
    real_rename = os.rename

    def rename(src, dst):
        if Path(src).name.startswith(".keikaku-tmp-"):
            raise OSError("rename failed")
        real_rename(src, dst)

    monkeypatch.setattr(swap, "EXCHANGE_ENABLED", False)  # the two-rename path
    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OSError, match="rename failed"):
        write_tables(sample_frames(), written, formats=["csv"])
    assert snapshot(written) == before
    assert leftovers(written.parent) == []


def test_leftovers_of_a_killed_run_are_cleaned_and_others_kept(tmp_path):
    out = tmp_path / "out"
    write_tables(sample_frames(), out, formats=["csv"])  # out exists: nothing set aside is restored
    ours = [".keikaku-tmp-out", ".keikaku-old-out", ".keikaku-tmp-out-999999999-deadbeef", ".keikaku-old-out-12-ab12cd34"]
    others = [".keikaku-tmp-out-2", ".keikaku-old-out-2-12-ab12cd34", ".keikaku-tmp-other-1-beef", "keep-me"]
    for name in ours + others:
        (tmp_path / name).mkdir()
        (tmp_path / name / "documents.csv").write_bytes(b"partial")
    write_tables(sample_frames(), out, formats=["csv"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*others, "out", ".keikaku-lock-out"])


def test_refuses_to_replace_a_folder_that_is_not_keikaku_output(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("do not delete", encoding="utf-8")
    with pytest.raises(FileExistsError, match="refusing to replace"):
        write_tables(sample_frames(), out)
    assert sorted(os.listdir(out)) == ["notes.txt"]
    assert leftovers(tmp_path) == []


def test_an_empty_or_placeholder_folder_is_replaced(tmp_path):
    out = tmp_path / "output"
    out.mkdir()
    (out / ".gitkeep").write_bytes(b"")
    write_tables(sample_frames(), out, formats=["csv"])
    assert (out / "datapackage.json").is_file()


def test_csv_bytes_of_an_empty_table_is_the_header_only():
    frame = rows_to_frame(ROW_TYPE_BY_TABLE["quality"], [])
    data = output.csv_bytes(frame)
    assert data == b"doc_id,table,code,severity,message,location,row_key,table_id\r\n"
    assert list(pd.read_csv(io.BytesIO(data)).columns) == list(frame.columns)
