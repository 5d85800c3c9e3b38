"""``keikaku ingest --corrections``: a reviewer's values written, recorded in ``quality``, kept
through the cache; a correction whose document or cell is gone reported, never applied to
another row; a bad corrections file a usage error."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.corrections import CORRECTION_COLUMNS, text_to_value
from schemas.tables import IndicatorRow, ObservationRow, ParticipationRow

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "003_feeaa7bd0b434e1c.txt"  # a text participation matrix with ambiguous cells
OTHER = ROOT / "seeds" / "000_0427b4530d9cecfe.txt"


def read(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_corrections(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CORRECTION_COLUMNS)
        writer.writeheader()
        writer.writerows({**dict.fromkeys(CORRECTION_COLUMNS, ""), **row} for row in rows)
    return path


def cell_key(row: dict[str, str], project_row: str | None = None) -> str:
    key = {"matrix": int(row["matrix"]), "project_row": int(project_row or row["project_row"]), "municipality_code": row["municipality_code"]}
    return json.dumps(key, ensure_ascii=False, separators=(",", ":"))


def cache_hits(out: Path) -> int:
    return json.loads((out / "run.json").read_text(encoding="utf-8"))["cache_hits"]


def ingest(inputs: Path, out: Path, cache: Path, *extra: str) -> int:
    return main(["ingest", str(inputs), "--out", str(out), "--cache", str(cache), "--format", "csv", "--quiet", *extra])


def test_corrections_are_applied_kept_in_the_cache_and_what_is_gone_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SEED, inputs / SEED.name)
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert ingest(inputs, out, cache) == 0
    assert "keikaku review" in capsys.readouterr().out  # the run has doubtful values: how to review them
    original = read(out, "participation")
    doubtful = next(r for r in original if r["ambiguous"] == "true")
    other_status = next(s for s in ("existing", "new", "none") if s != doubtful["status"])
    other_sha = hashlib.sha256(OTHER.read_bytes()).hexdigest()
    fixes = write_corrections(tmp_path / "corrections.csv", [
        {"doc_id": doubtful["doc_id"], "table": "participation", "row_key": cell_key(doubtful), "column": "status",
         "value": other_status, "note": "checked"},
        {"doc_id": doubtful["doc_id"], "table": "participation", "row_key": cell_key(doubtful, "999"), "column": "status", "value": "new"},
        {"sha256": other_sha, "table": "participation", "row_key": cell_key(doubtful), "column": "status", "value": "new"},
    ])

    assert ingest(inputs, out, cache, "--corrections", str(fixes)) == 0
    stderr = capsys.readouterr().err
    assert stderr.count("[correction-not-applied]") == 2 and "line 3" in stderr and "line 4" in stderr
    corrected = read(out, "participation")
    changed = [(a, b) for a, b in zip(original, corrected, strict=True) if a != b]
    assert len(changed) == 1
    before, after = changed[0]
    assert cell_key(after) == cell_key(doubtful)
    assert (after["status"], after["confidence"], after["ambiguous"]) == (other_status, "1.0", "false")
    quality = read(out, "quality")
    recorded = [q for q in quality if q["code"] == "corrected-by-reviewer"]
    assert [(q["doc_id"], q["table"], q["row_key"]) for q in recorded] == [(doubtful["doc_id"], "participation", cell_key(doubtful))]
    assert "checked" in recorded[0]["message"] and before["status"] in recorded[0]["message"]
    gone = [q for q in quality if q["code"] == "correction-not-applied"]
    assert sorted(q["doc_id"] for q in gone) == ["", doubtful["doc_id"]]
    assert main(["validate", str(out)]) == 0

    first = {t: (out / f"{t}.csv").read_bytes() for t in ("participation", "quality")}
    assert ingest(inputs, out, cache, "--corrections", str(fixes)) == 0
    assert cache_hits(out) == 1  # the corrected envelope, from the cache
    assert {t: (out / f"{t}.csv").read_bytes() for t in first} == first

    assert ingest(inputs, out, cache) == 0  # without the corrections: the rows as read
    assert cache_hits(out) == 1
    assert read(out, "participation") == original
    assert not [q for q in read(out, "quality") if q["code"].startswith("correct")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the corrections file"),
        (b"file,title\nx,y\n", "lacks the column(s) doc_id, sha256"),
        (b"doc_id,sha256,table,row_key,column,value,note\n" + b"\xff\xfe\x00bad", "is not UTF-8"),
        (b"doc_id,sha256,table,row_key,column,value,note\n,,participation,{},status,none,\n", "doc_id or sha256 missing"),
        (b"doc_id,sha256,table,row_key,column,value,note\nabc,,participation,{},status,none,x,extra\n", "more cells than the header"),
    ],
)
def test_a_bad_corrections_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str) -> None:
    fixes = tmp_path / "corrections.csv"
    if content is not None:
        fixes.write_bytes(content)
    out = tmp_path / "out"
    assert main(["ingest", str(SEED), "--out", str(out), "--no-cache", "--quiet", "--corrections", str(fixes)]) == 1
    stderr = capsys.readouterr().err
    assert stderr.startswith("keikaku: error:") and message in stderr and "Traceback" not in stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("row_type", "column", "text", "expected"),
    [
        (ParticipationRow, "status", "new", "new"),
        (ParticipationRow, "status", "maybe", ValueError),
        (ParticipationRow, "municipality_code", "012025", ValueError),  # a key column: it names the row
        (ParticipationRow, "page", "2", ValueError),  # provenance
        (ParticipationRow, "project_name", "", None),
        (ParticipationRow, "municipality_name", "", ValueError),  # required
        (ObservationRow, "value", "1718000", Decimal("1718000")),
        (ObservationRow, "value", "1,718", ValueError),  # numbers as the output writes them
        (ObservationRow, "aggregate", "true", True),
        (IndicatorRow, "target_period", "FY2024", "FY2024"),
        (IndicatorRow, "target_period", "令和6年度", ValueError),
        (IndicatorRow, "no_such_column", "1", ValueError),
    ],
)
def test_a_value_is_taken_as_the_output_writes_it(row_type: type, column: str, text: str, expected: object) -> None:
    if expected is ValueError:
        with pytest.raises(ValueError):
            text_to_value(row_type, column, text)
    else:
        assert text_to_value(row_type, column, text) == expected


def test_no_review_hint_for_a_run_without_doubtful_values() -> None:
    from pipeline.review import review_hint
    from schemas.tables import ParticipationRow, QualityRow

    sure = ParticipationRow(doc_id="0" * 16, municipality_code="012025", municipality_name="室蘭市", confidence=1.0)
    doubtful = ParticipationRow(doc_id="0" * 16, municipality_code="012025", municipality_name="室蘭市", confidence=0.5)
    run_level = QualityRow(doc_id=None, code="manifest-file-missing", severity="warning", message="m")
    assert review_hint({"participation": [sure], "quality": [run_level]}, Path("out"), []) == ""
    assert "keikaku review out" in review_hint({"participation": [sure, doubtful], "quality": []}, Path("out"), [])


def test_review_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", str(tmp_path / "none")]) == 1
    assert "no such output folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["review", str(tmp_path / "empty")]) == 1
    assert "holds no keikaku output" in capsys.readouterr().err
