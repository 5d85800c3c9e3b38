"""``keikaku validate`` checks every file of an output folder; ``keikaku diff`` refuses what it cannot read.

The base folder is written by the real writer from the sample rows of every table, with a report
built independently from those rows. Each damage is applied to a fresh copy; validate must
report it (the issue's probes one by one, then random damage with hypothesis).
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.diff import DiffUsageError, diff_command, folder_to_tables
from pipeline.output import write_tables
from pipeline.report import RunReport
from pipeline.validate import validate_output
from schemas.tables import TABLE_NAMES

from .test_output import sample_frames
from .test_schemas import sample_rows

NON_EMPTY = tuple(t for t, rows in sample_rows().items() if rows)


def sample_report() -> RunReport:
    rows = sample_rows()
    documents = rows["documents"]
    return RunReport(
        documents=len(documents),
        by_status=dict(sorted(Counter(d.status for d in documents).items())),
        rows_per_table={t: len(rows.get(t, [])) for t in TABLE_NAMES},
        issues_by_code=dict(sorted(Counter(q.code for q in rows["quality"]).items())),
        seconds_per_stage={"read": 0.5},
        failed=tuple((d.source_file, d.error_code or "", d.error_message or "") for d in documents if d.status == "failed"),
        seconds_total=1.0,
    )


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("validate") / "base"
    report = sample_report()
    extras = {"report.json": report.to_json().encode(), "report.txt": report.to_text().encode(), "run.json": report.run_json().encode()}
    write_tables(sample_frames(), out, extra_files=extras)
    assert validate_output(out) == []
    return out


def damaged(base: Path, target: Path) -> Path:
    shutil.copytree(base, target)
    return target


def codes(folder: Path) -> set[tuple[str, str | None]]:
    return {(q.code, q.location) for q in validate_output(folder)}


# --- the issue's probes ----------------------------------------------------------------------------


def test_corrupt_datapackage_is_reported(base: Path, tmp_path: Path) -> None:
    out = damaged(base, tmp_path / "out")
    (out / "datapackage.json").write_bytes(b'{"name": "keikaku-output", "resources": [')
    assert ("bad-datapackage", "datapackage.json") in codes(out)
    descriptor = json.loads((base / "datapackage.json").read_bytes())
    descriptor["resources"][2]["schema"]["fields"][1]["type"] = "number"
    (out / "datapackage.json").write_text(json.dumps(descriptor))
    [problem] = [q for q in validate_output(out) if q.code == "bad-datapackage"]
    assert "resources[2].schema.fields[1].type" in problem.message


def test_random_bytes_parquet_is_reported(base: Path, tmp_path: Path) -> None:
    out = damaged(base, tmp_path / "out")
    (out / "metrics.parquet").write_bytes(bytes(range(256)) * 3)
    assert {("unreadable-copy", "metrics.parquet"), ("checksum-mismatch", "metrics.parquet")} <= codes(out)


def test_deleted_duckdb_is_reported(base: Path, tmp_path: Path) -> None:
    out = damaged(base, tmp_path / "out")
    (out / "keikaku.duckdb").unlink()
    assert codes(out) == {("missing-copy", "keikaku.duckdb")}
    assert main(["validate", str(out)]) == 2


def test_garbage_report_is_reported(base: Path, tmp_path: Path) -> None:
    out = damaged(base, tmp_path / "out")
    (out / "report.json").write_bytes(b"\x00garbage")
    assert ("bad-report", "report.json") in codes(out)
    report = json.loads((base / "report.json").read_bytes())
    report["rows_per_table"]["metrics"] += 1
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    [problem] = [q for q in validate_output(out) if q.code == "bad-report"]
    assert "rows_per_table.metrics" in problem.message


def test_a_csv_that_no_longer_matches_its_copies_is_reported(base: Path, tmp_path: Path) -> None:
    out = damaged(base, tmp_path / "out")
    text = (out / "indicators.csv").read_text("utf-8")
    (out / "indicators.csv").write_text(text.replace("市税収入", "市税収入（改）"), "utf-8", newline="")
    found = codes(out)
    assert {("copy-differs", "indicators.parquet"), ("copy-differs", "keikaku.duckdb (table indicators)"),
            ("checksum-mismatch", "indicators.csv")} <= found
    assert main(["validate", str(out)]) == 2


def test_a_csv_only_folder_is_checked_too(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tables(sample_frames(), out, formats=["csv"])
    assert validate_output(out) == []
    (out / "comments.csv").write_bytes((out / "comments.csv").read_bytes().replace("検討".encode(), "却下".encode()))
    assert codes(out) == {("checksum-mismatch", "comments.csv")}


# --- random damage ---------------------------------------------------------------------------------

OWN_FILES = [f"{t}.{ext}" for t in TABLE_NAMES for ext in ("csv", "parquet")] + ["datapackage.json", "report.json", "report.txt", ".gitignore"]
WHOLE_FILES = [*OWN_FILES, "keikaku.duckdb", "run.json"]


@st.composite
def damages(draw: st.DrawFn) -> tuple:
    """One damage: bytes of a file (any file keikaku hashes), a whole file (any), a CSV edit, or
    a DuckDB table edit. DuckDB and run.json are not byte-reproducible, so only whole-file and
    content damage is asked of them."""
    kind = draw(st.sampled_from(["delete", "truncate", "flip", "append", "replace", "cell", "drop-row", "drop-column", "duckdb-row", "duckdb-cell"]))
    if kind == "delete":
        return (kind, draw(st.sampled_from(WHOLE_FILES)))
    if kind == "replace":
        return (kind, draw(st.sampled_from(WHOLE_FILES)), draw(st.binary(max_size=64)))
    if kind in ("truncate", "flip", "append"):
        name = draw(st.sampled_from(OWN_FILES))
        return (kind, name, draw(st.floats(0, 1, exclude_max=True)), draw(st.integers(1, 255)), draw(st.binary(min_size=1, max_size=16)))
    table = draw(st.sampled_from(NON_EMPTY))
    return (kind, table, draw(st.integers(0, 50)), draw(st.text(min_size=1, max_size=8)))


def apply_damage(folder: Path, damage: tuple) -> bool:
    """Apply ``damage``; False when it changed nothing (hypothesis then skips the example)."""
    kind, target, *rest = damage
    path = folder / target
    if kind == "delete":
        path.unlink()
    elif kind == "replace":
        if path.read_bytes() == rest[0]:
            return False
        path.write_bytes(rest[0])
    elif kind in ("truncate", "flip", "append"):
        data = bytearray(path.read_bytes())
        at = int(rest[0] * len(data))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip":
            data[at] ^= rest[1]
        else:
            data += rest[2]
        path.write_bytes(bytes(data))
    elif kind.startswith("duckdb"):
        return damage_duckdb(folder / "keikaku.duckdb", target, kind, rest[0], rest[1])
    else:
        return damage_csv(folder / f"{target}.csv", kind, rest[0], rest[1])
    return True


def damage_csv(path: Path, kind: str, pick: int, text: str) -> bool:
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    row, column = pick % len(rows), pick % len(header)
    if kind == "cell":
        if rows[row][column] == text:
            return False
        rows[row][column] = text
    elif kind == "drop-row":
        del rows[row]
    else:
        del header[column]
        for r in rows:
            del r[column]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([header, *rows])
    return True


def damage_duckdb(path: Path, table: str, kind: str, pick: int, text: str) -> bool:
    con = duckdb.connect(str(path))
    try:
        columns = [r[0] for r in con.execute(f"DESCRIBE \"{table}\"").fetchall()]
        text_columns = [r[0] for r in con.execute(f"DESCRIBE \"{table}\"").fetchall() if r[1] == "VARCHAR"]
        if kind == "duckdb-row":
            con.execute(f'DELETE FROM "{table}" WHERE rowid = (SELECT min(rowid) FROM "{table}")')
        else:
            column = text_columns[pick % len(text_columns)] if text_columns else columns[0]
            before = con.execute(f'SELECT "{column}" FROM "{table}" LIMIT 1').fetchone()
            if before is not None and before[0] == text:
                return False
            con.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = (SELECT min(rowid) FROM "{table}")', [text])
    finally:
        con.close()
    return True


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=damages())
def test_validate_reports_every_damage(base: Path, tmp_path_factory: pytest.TempPathFactory, damage: tuple) -> None:
    from hypothesis import assume

    out = damaged(base, tmp_path_factory.mktemp("damage") / "out")
    assume(apply_damage(out, damage))
    assert validate_output(out), f"{damage} went unnoticed"


# --- diff ------------------------------------------------------------------------------------------


def test_diff_refuses_a_table_without_a_required_column(base: Path, tmp_path: Path, capsys) -> None:
    out = damaged(base, tmp_path / "out")
    damage_csv(out / "documents.csv", "drop-column", 5, "")  # status
    with pytest.raises(DiffUsageError, match="no status column"):
        folder_to_tables(out)
    assert diff_command(base, out, None) == 1
    err = capsys.readouterr().err
    assert "no status column" in err and "Traceback" not in err


def test_diff_handles_cells_of_any_length(base: Path, tmp_path: Path, capsys) -> None:
    out = damaged(base, tmp_path / "out")
    huge = "意見" * 100_000  # 200,000 characters: past the csv module's default 131,072
    with (out / "comments.csv").open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    rows[0][header.index("response")] = huge
    with (out / "comments.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([header, *rows])
    limit = csv.field_size_limit()
    assert diff_command(base, out, tmp_path / "diff") == 0
    assert csv.field_size_limit() == limit  # the module-wide limit is put back
    printed = capsys.readouterr().out
    assert "意見意見… (200,000 characters)" in printed and len(printed) < 2_000
    csv.field_size_limit(sys.maxsize)
    try:
        changes = list(csv.DictReader((tmp_path / "diff" / "comments_diff.csv").open(encoding="utf-8", newline="")))
    finally:
        csv.field_size_limit(limit)
    assert [c["change"] for c in changes] == ["updated"] and changes[0]["new"] == huge


def test_diff_keeps_the_users_files_in_its_output_folder(base: Path, tmp_path: Path) -> None:
    diff_dir = tmp_path / "diff"
    assert diff_command(base, base, diff_dir) == 0
    (diff_dir / "my-notes.txt").write_text("keep")
    assert diff_command(base, base, diff_dir) == 0
    assert (diff_dir / "my-notes.txt").read_text() == "keep"
