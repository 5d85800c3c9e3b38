"""Contract frames, validation into quality rows, datapackage.json and `keikaku schema`."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from schemas import municipalities
from schemas.datapackage import datapackage_bytes, datapackage_descriptor, schema_text
from schemas.frame import decimal_to_text, format_for_csv, rows_to_frame, value_to_text
from schemas.quality import Code
from schemas.tables import (
    PROVENANCE_TABLES,
    ROW_TYPE_BY_TABLE,
    ROW_TYPES,
    TABLE_NAMES,
    CellRow,
    CommentRow,
    DocumentRow,
    IndicatorRow,
    MetricRow,
    ObservationRow,
    ParticipationRow,
    ProjectRow,
    QualityRow,
    RegionMemberRow,
    columns_of,
)
from schemas.validation import (
    is_valid_period,
    validate_frame,
    validate_output_dir,
    validate_rows,
)

SHA = hashlib.sha256(b"keikaku test document").hexdigest()
DOC = SHA[:16]
SAPPORO, ASAHIKAWA = "011002", "012041"
WRONG_CHECK_DIGIT = "011001"  # Sapporo's code with the check digit off by one
NOT_IN_GAZETTEER = "999997"  # right check digit, but prefecture 99 does not exist


def sample_rows() -> dict[str, list]:
    """Valid rows for every table, with the awkward values real documents produce; every data
    row of the (text) document says where it was printed."""
    rows = _sample_rows()
    for table in PROVENANCE_TABLES:
        rows[table] = [dataclasses.replace(r, page=r.page or 1, line_start=10 + i, line_end=11 + i) for i, r in enumerate(rows[table])]
    return rows


def _sample_rows() -> dict[str, list]:
    return {
        "documents": [
            DocumentRow(
                doc_id=DOC, source_file="seeds/a.txt", sha256=SHA, media_type="text/plain",
                pages=3, status="ok", encoding="utf-8", fiscal_year="FY2024",
            ),
        ],
        "participation": [
            ParticipationRow(
                doc_id=DOC, matrix=0, project_number=1, project_name="連携事業の企画",
                municipality_code=SAPPORO, municipality_name="札幌市", status="existing",
                confidence=1.0, ambiguous=False, observed_mark="●",
            ),
            ParticipationRow(
                doc_id=DOC, matrix=0, project_number=1, project_name="連携事業の企画",
                municipality_code=ASAHIKAWA, municipality_name="旭川市", status="new",
                confidence=0.75, ambiguous=True, observed_mark="○",
            ),
        ],
        "projects": [
            ProjectRow(
                doc_id=DOC, row=0, project_number=1, project_name="連携事業の企画",
                category_1="圏域全体の経済成長のけん引", priority_measures="1;2;6", page_ref=54,
            ),
        ],
        "region_members": [
            RegionMemberRow(
                doc_id=DOC, region_name="さっぽろ連携中枢都市圏", region_kind="都市圏",
                municipality_code=SAPPORO, municipality_name="札幌市", source_text="札幌市",
                match_score=100.0,
            ),
        ],
        "indicators": [
            IndicatorRow(
                doc_id=DOC, row=0, goal="しごと", indicator="市税収入",
                baseline_value=Decimal("1.7673E+10"), baseline_unit="円",
                baseline_period="FY2020/FY2022", baseline_text="17,673百万円",
                actual_value=Decimal("-0.50"), actual_unit="%", actual_period="2018-03-30",
                target_value=Decimal(722170000), target_unit="円", target_period="FY2024",
            ),
            IndicatorRow(doc_id=DOC, row=1, indicator="転入者数"),
        ],
        "observations": [
            ObservationRow(
                doc_id=DOC, table_title="人口動態", series="自然動態 / 出生数",
                period="2016-10-01/2018-03-31", value=Decimal(-680), unit="人",
                value_text="▲ 680",
            ),
        ],
        "comments": [
            CommentRow(
                doc_id=DOC, item=1, opinion='交通, "バス"の\n運行について',
                response="検討します\r。",
                project_refs="40;53",
            ),
        ],
        "metrics": [
            MetricRow(
                doc_id=DOC, row=0, program="相談事業", metric="相談件数", value=Decimal(813),
                unit="件", period="2017", qualifier="延べ", text="実績 813件",
            ),
        ],
        "cells": [
            CellRow(
                doc_id=DOC, table_id=0, page=2, row=3, column=2, role="data", row_header="自然動態 › 出生数",
                column_header="平成24年", header_path="自然動態 › 出生数 × 平成24年", text="▲ 1,718",
                value=Decimal(-1718000), unit="円", period="2012", aggregate=False, strategy="ruled",
            ),
            CellRow(doc_id=DOC, table_id=0, page=2, row=0, column=0, row_span=2, role="header", text="区分"),
        ],
        "quality": [
            QualityRow(
                doc_id=DOC, table="participation", code="cell-repaired", severity="warning",
                message="mark moved", location="row 3, column status",
                row_key='{"matrix":0,"project_row":0}', table_id=0,
            ),
            QualityRow(code="no-content-found", severity="info", message="run-level note"),
        ],
    }


def write_csv_dir(folder: Path, frames: dict[str, pd.DataFrame], *, bom: bool = False) -> Path:
    """Plain CSV writer for these tests (the real writer is tested in test_output.py).

    CRLF line ends: with ``\n`` the csv module leaves a field holding a bare ``\r`` unquoted.
    """
    folder.mkdir(parents=True, exist_ok=True)
    encoding = "utf-8-sig" if bom else "utf-8"
    for table, frame in frames.items():
        path = folder / f"{table}.csv"
        format_for_csv(frame).to_csv(path, index=False, encoding=encoding, lineterminator="\r\n")
    return folder


def sample_dir(folder: Path, *, bom: bool = False) -> Path:
    frames = {t: rows_to_frame(ROW_TYPE_BY_TABLE[t], rows) for t, rows in sample_rows().items()}
    return write_csv_dir(folder, frames, bom=bom)


def edit_csv(path: Path, edit) -> None:
    """Apply ``edit(header, rows)`` to a CSV file in place (all cells as text)."""
    with path.open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    header, rows = edit(header, rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set data row ``row`` (1-based, as in quality locations) of ``column``."""

    def edit(header, rows):
        rows[row - 1][header.index(column)] = value
        return header, rows

    edit_csv(path, edit)


def codes_at(problems: list[QualityRow]) -> set[tuple[str | None, str, str | None]]:
    return {(p.table, p.code, p.location) for p in problems}


# --- frames ------------------------------------------------------------------------------------


@pytest.mark.parametrize("row_type", ROW_TYPES, ids=TABLE_NAMES)
def test_empty_frame_has_every_contract_column_in_order(row_type):
    frame = rows_to_frame(row_type, [])
    assert list(frame.columns) == [spec.name for spec in columns_of(row_type)]
    assert len(frame) == 0


def test_frame_dtypes_follow_the_python_types():
    frame = rows_to_frame(ParticipationRow, sample_rows()["participation"])
    assert isinstance(frame["doc_id"].dtype, pd.StringDtype)
    assert str(frame["project_number"].dtype) == "Int64"
    assert str(frame["confidence"].dtype) == "Float64"
    assert str(frame["ambiguous"].dtype) == "boolean"
    indicators = rows_to_frame(IndicatorRow, sample_rows()["indicators"])
    assert indicators["baseline_value"].dtype == object
    assert indicators.at[0, "baseline_value"] == Decimal(17673000000)
    assert pd.isna(indicators.at[1, "baseline_value"])
    assert pd.isna(indicators.at[1, "goal"])


def test_rows_of_another_type_are_a_bug():
    with pytest.raises(TypeError):
        rows_to_frame(IndicatorRow, sample_rows()["metrics"])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal(17673000000), "17673000000"),
        (Decimal("1.7673E+10"), "17673000000"),
        (Decimal("-0.50"), "-0.50"),
        (Decimal("-0"), "0"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal(722170000), "722170000"),
    ],
)
def test_decimal_is_plain_text_without_exponent_or_separators(value, text):
    assert decimal_to_text(value) == text
    assert value_to_text(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, "true"), (False, "false"), (None, ""), (pd.NA, ""), (12, "12"), (0.75, "0.75"),
     (1e-05, "0.00001"), ("札幌市", "札幌市")],
)
def test_value_to_text(value, text):
    assert value_to_text(value) == text


def test_format_for_csv_writes_contract_text():
    frame = rows_to_frame(ParticipationRow, sample_rows()["participation"])
    text = format_for_csv(frame)
    assert text["ambiguous"].tolist() == ["false", "true"]
    assert text["confidence"].tolist() == ["1.0", "0.75"]
    assert text["project_number"].tolist() == ["1", "1"]
    indicators = format_for_csv(rows_to_frame(IndicatorRow, sample_rows()["indicators"]))
    assert indicators["baseline_value"].tolist() == ["17673000000", ""]
    assert indicators["actual_value"].tolist() == ["-0.50", ""]


# --- validation ---------------------------------------------------------------------------------


def test_round_trip_rows_frame_csv_validates_clean(tmp_path):
    assert validate_output_dir(sample_dir(tmp_path / "out")) == []


def test_excel_bom_is_accepted(tmp_path):
    folder = sample_dir(tmp_path / "out", bom=True)
    assert (folder / "documents.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert validate_output_dir(folder) == []


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_sample_rows_are_valid(table):
    rows = sample_rows()[table]
    valid, problems = validate_rows(ROW_TYPE_BY_TABLE[table], rows)
    assert problems == []
    assert valid == rows


def test_letter_in_a_number_column_of_indicators(tmp_path):
    folder = sample_dir(tmp_path / "out")
    set_cell(folder / "indicators.csv", 2, "baseline_value", "12a")
    problems = validate_output_dir(folder)
    assert codes_at(problems) == {("indicators", "not-a-number", "row 2, column baseline_value")}
    [problem] = problems
    assert problem.severity == "error"
    assert problem.doc_id == DOC
    assert "indicators" in problem.message
    assert "baseline_value" in problem.message
    assert "'12a'" in problem.message


def test_municipality_code_with_a_wrong_check_digit(tmp_path):
    assert not municipalities.is_valid_code(WRONG_CHECK_DIGIT)
    folder = sample_dir(tmp_path / "out")
    set_cell(folder / "participation.csv", 1, "municipality_code", WRONG_CHECK_DIGIT)
    problems = validate_output_dir(folder)
    assert codes_at(problems) == {
        ("participation", "bad-municipality-code", "row 1, column municipality_code")
    }
    assert WRONG_CHECK_DIGIT in problems[0].message
    assert "check digit" in problems[0].message


def test_municipality_code_with_a_right_check_digit_not_in_the_gazetteer(tmp_path):
    assert municipalities.is_valid_code(NOT_IN_GAZETTEER)
    assert NOT_IN_GAZETTEER not in municipalities.known_codes()
    folder = sample_dir(tmp_path / "out")
    set_cell(folder / "participation.csv", 2, "municipality_code", NOT_IN_GAZETTEER)
    problems = validate_output_dir(folder)
    assert codes_at(problems) == {
        ("participation", "bad-municipality-code", "row 2, column municipality_code")
    }
    assert NOT_IN_GAZETTEER in problems[0].message
    assert "reference list" in problems[0].message


@pytest.mark.parametrize("code", ["011002", "012041", "012106", "131041", "010006", "131130"])
def test_check_digit_rule_agrees_with_the_gazetteer_module(code):
    weighted = sum(int(d) * w for d, w in zip(code[:5], (6, 5, 4, 3, 2), strict=True))
    assert (11 - weighted % 11) % 10 == int(code[5])
    assert municipalities.is_valid_code(code)
    assert code in municipalities.known_codes()


def test_bad_enum_in_documents_status(tmp_path):
    folder = sample_dir(tmp_path / "out")
    set_cell(folder / "documents.csv", 1, "status", "done")
    problems = validate_output_dir(folder)
    assert codes_at(problems) == {("documents", "value-not-allowed", "row 1, column status")}
    assert "'done'" in problems[0].message
    assert "ok, partial, failed" in problems[0].message


def test_missing_column(tmp_path):
    folder = sample_dir(tmp_path / "out")

    def drop_unit(header, rows):
        i = header.index("unit")
        return header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in rows]

    edit_csv(folder / "observations.csv", drop_unit)
    problems = validate_output_dir(folder)
    assert codes_at(problems) == {("observations", "missing-column", "column unit")}
    assert "observations" in problems[0].message and "unit" in problems[0].message


def test_duplicate_primary_key(tmp_path):
    folder = sample_dir(tmp_path / "out")
    edit_csv(folder / "comments.csv", lambda header, rows: (header, [*rows, rows[0]]))
    problems = validate_output_dir(folder)
    assert codes_at(problems) == {("comments", "duplicate-key", "row 2, columns doc_id,item")}
    assert "first at row 1" in problems[0].message


def test_missing_table(tmp_path):
    folder = sample_dir(tmp_path / "out")
    (folder / "metrics.csv").unlink()
    assert codes_at(validate_output_dir(folder)) == {("metrics", "missing-table", "metrics.csv")}


def test_extra_columns_and_files_are_allowed(tmp_path):
    folder = sample_dir(tmp_path / "out")
    edit_csv(
        folder / "metrics.csv",
        lambda header, rows: ([*header, "note"], [[*r, "x"] for r in rows]),
    )
    (folder / "notes.csv").write_text("a\n1\n", encoding="utf-8")
    assert validate_output_dir(folder) == []


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("confidence", "1.5", "out-of-range"),
        ("confidence", "-0.1", "out-of-range"),
        ("confidence", "high", "not-a-number"),
        ("confidence", "1e-3", "not-a-number"),
        ("ambiguous", "True", "not-a-boolean"),
        ("project_number", "1.0", "not-an-integer"),
        ("matrix", "", "required-value-missing"),
        ("municipality_name", " ", "required-value-missing"),
        ("doc_id", DOC.upper(), "bad-id"),
        ("status", "●", "value-not-allowed"),
    ],
)
def test_participation_cell_failures(tmp_path, column, value, code):
    folder = sample_dir(tmp_path / "out")
    set_cell(folder / "participation.csv", 1, column, value)
    assert codes_at(validate_output_dir(folder)) == {
        ("participation", code, f"row 1, column {column}")
    }


def test_thousands_separator_is_not_a_number():
    frame = format_for_csv(rows_to_frame(MetricRow, sample_rows()["metrics"]))
    frame.loc[0, "value"] = "1,718"
    assert codes_at(validate_frame("metrics", frame)) == {
        ("metrics", "not-a-number", "row 1, column value")
    }


def test_bad_sha256_is_a_bad_id():
    frame = format_for_csv(rows_to_frame(DocumentRow, sample_rows()["documents"]))
    frame.loc[0, "sha256"] = SHA[:-1]
    assert codes_at(validate_frame("documents", frame)) == {
        ("documents", "bad-id", "row 1, column sha256")
    }


@pytest.mark.parametrize(
    "period",
    ["2024", "FY2024", "FY2020/FY2022", "2020/2022", "2018-03-30", "2016-10-01/2018-03-31",
     "FY2024/FY2024"],
)
def test_good_periods(period):
    assert is_valid_period(period)


@pytest.mark.parametrize(
    "period",
    ["R6", "令和6年度", "FY24", "fy2024", "2024年", "FY2022/FY2020", "FY2020/2022",
     "2018-02-30", "2018-3-30", "2018-03", "2020/2022/2024", "２０２４", ""],
)
def test_bad_periods(period):
    assert not is_valid_period(period)


def test_bad_period_in_observations():
    frame = format_for_csv(rows_to_frame(ObservationRow, sample_rows()["observations"]))
    frame.loc[0, "period"] = "H26"
    problems = validate_frame("observations", frame)
    assert codes_at(problems) == {("observations", "bad-period", "row 1, column period")}
    assert "'H26'" in problems[0].message


def test_validate_rows_splits_valid_from_failing_rows():
    good = sample_rows()["indicators"]
    bad_number = IndicatorRow(doc_id=DOC, row=5, indicator="x", baseline_value="12a")
    duplicate = IndicatorRow(doc_id=DOC, row=0, indicator="same key as the first row")
    valid, problems = validate_rows(IndicatorRow, [*good, bad_number, duplicate])
    assert valid == good
    assert codes_at(problems) == {
        ("indicators", "not-a-number", "row 3, column baseline_value"),
        ("indicators", "duplicate-key", "row 4, columns doc_id,row"),
    }


def test_validate_frame_accepts_typed_frames():
    frame = rows_to_frame(ProjectRow, sample_rows()["projects"])
    assert validate_frame("projects", frame) == []
    assert codes_at(validate_frame("projects", frame.drop(columns=["flags"]))) == {
        ("projects", "missing-column", "column flags")
    }


def test_header_only_and_empty_files(tmp_path):
    folder = sample_dir(tmp_path / "out")
    edit_csv(folder / "comments.csv", lambda header, rows: (header, []))
    (folder / "metrics.csv").write_bytes(b"")
    problems = validate_output_dir(folder)
    assert {p.table for p in problems} == {"metrics"}
    assert {p.code for p in problems} == {"missing-column"}
    assert len(problems) == len(columns_of(MetricRow))


def test_quality_rows_are_themselves_valid(tmp_path):
    folder = sample_dir(tmp_path / "out")
    set_cell(folder / "indicators.csv", 1, "baseline_value", "12a")
    problems = validate_output_dir(folder)
    valid, meta_problems = validate_rows(QualityRow, problems)
    assert meta_problems == [] and valid == problems


# --- datapackage.json and `keikaku schema` ------------------------------------------------------


def test_datapackage_lists_every_table_and_column_with_types():
    descriptor = datapackage_descriptor()
    assert descriptor["name"] == "keikaku-output"
    assert descriptor["profile"] == "tabular-data-package"
    assert descriptor["keikaku"]["contract_version"] == 1
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert list(resources) == list(TABLE_NAMES)
    expected_type = {"str": "string", "int": "integer", "Decimal": "number", "float": "number",
                     "bool": "boolean"}
    for row_type in ROW_TYPES:
        resource = resources[row_type.TABLE]
        assert resource["path"] == f"{row_type.TABLE}.csv"
        assert (resource["format"], resource["encoding"]) == ("csv", "utf-8")
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == [s.name for s in columns_of(row_type)]
        for field, spec in zip(fields, columns_of(row_type), strict=True):
            assert field["type"] == expected_type[spec.python_type]
            assert field["description"] == spec.description
            assert field["constraints"]["required"] == spec.required
        assert resource["schema"].get("primaryKey", []) == list(row_type.PRIMARY_KEY)


def test_datapackage_constraints():
    resources = {r["name"]: r for r in datapackage_descriptor()["resources"]}
    fields = {f["name"]: f for f in resources["participation"]["schema"]["fields"]}
    assert fields["status"]["constraints"]["enum"] == ["existing", "new", "none"]
    assert fields["confidence"]["constraints"] | {"minimum": 0, "maximum": 1} == (
        fields["confidence"]["constraints"]
    )
    assert fields["doc_id"]["constraints"]["pattern"] == "[0-9a-f]{16}"
    assert fields["municipality_code"]["constraints"]["pattern"] == "[0-9]{6}"
    assert "pattern" in {f["name"]: f for f in resources["observations"]["schema"]["fields"]}[
        "period"]["constraints"]


def test_datapackage_is_deterministic_and_can_name_a_subset():
    assert datapackage_bytes() == datapackage_bytes()
    json.loads(datapackage_bytes().decode("utf-8"))
    subset = datapackage_descriptor(["documents", "quality"], formats=("csv", "parquet"))
    assert [r["name"] for r in subset["resources"]] == ["documents", "quality"]
    assert subset["resources"][0]["keikaku"]["copies"]["parquet"] == "documents.parquet"
    with pytest.raises(ValueError, match="unknown tables"):
        datapackage_descriptor(["nope"])


def test_schema_text_lists_tables_columns_and_codes():
    text = schema_text()
    for row_type in ROW_TYPES:
        assert f"{row_type.TABLE}.csv" in text
        assert row_type.DESCRIPTION in text
        for spec in columns_of(row_type):
            assert f"  {spec.name}  " in text
    assert "allowed: existing, new, none" in text
    for code in Code:
        assert code.value in text
