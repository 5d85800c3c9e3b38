"""End to end: ingest seeds/ and bad inputs, every table written and valid, exit codes, atomicity."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.cli import main
from schemas.tables import ROW_TYPE_BY_TABLE, TABLE_NAMES, columns_of
from schemas.validation import validate_output_dir

ROOT = Path(__file__).resolve().parent.parent


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_table_is_written_in_every_format(seeds_output) -> None:
    _, out = seeds_output
    for table in TABLE_NAMES:
        header = next(csv.reader((out / f"{table}.csv").open(encoding="utf-8")))
        assert header == [c.name for c in columns_of(ROW_TYPE_BY_TABLE[table])], table
        assert (out / f"{table}.parquet").is_file(), table
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert sorted(r["name"] for r in package["resources"]) == sorted(TABLE_NAMES)
    with duckdb.connect(str(out / "keikaku.duckdb"), read_only=True) as con:
        names = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}
        assert set(TABLE_NAMES) <= names
        csv_rows = len(read_csv(out / "indicators.csv"))
        assert con.execute("select count(*) from indicators").fetchone()[0] == csv_rows
    assert len(pd.read_parquet(out / "indicators.parquet")) == csv_rows


def test_documents_has_one_row_per_sample_and_none_failed(seeds_output, seeds_dir) -> None:
    result, out = seeds_output
    rows = read_csv(out / "documents.csv")
    samples = sorted(p.name for p in seeds_dir.glob("*.txt"))
    assert sorted(r["source_file"] for r in rows) == samples
    assert all(r["status"] in ("ok", "partial") for r in rows), rows
    assert all(len(r["doc_id"]) == 16 and r["sha256"].startswith(r["doc_id"]) for r in rows)
    by_file = {r["source_file"]: r for r in rows}
    assert by_file["004_a61508fec1d3fe11.txt"]["title"]  # manifest facts carried through
    assert result.report.exit_code == 0


def test_seed_output_validates_clean(seeds_output) -> None:
    _, out = seeds_output
    assert validate_output_dir(out) == []


def test_kpi_and_population_rows_reach_the_output(seeds_output) -> None:
    _, out = seeds_output
    indicators = read_csv(out / "indicators.csv")
    income = [r for r in indicators if r["indicator"].endswith("1人あたりの総所得")]
    assert len(income) == 1
    assert (income[0]["baseline_value"], income[0]["baseline_unit"]) == ("1718000", "円")
    assert income[0]["target_value"] == "2000000"
    observations = read_csv(out / "observations.csv")
    assert any(r["value"] == "74204" and r["period"] == "2024" for r in observations)


def test_participation_matrix_reaches_the_output(seeds_output) -> None:
    result, out = seeds_output
    doc_id = next(r.doc_id for r in result.results if r.source.source_file.startswith("003_"))
    rows = [r for r in read_csv(out / "participation.csv") if r["doc_id"] == doc_id]
    assert len(rows) == 46 * 9
    assert {r["status"] for r in rows} <= {"existing", "new", "none"}


def test_corrupted_csv_fails_validation_with_coded_messages(seeds_output, tmp_path: Path) -> None:
    _, out = seeds_output
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    frame = pd.read_csv(broken / "indicators.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "baseline_value"] = "12a4"
    frame.to_csv(broken / "indicators.csv", index=False)
    part = pd.read_csv(broken / "participation.csv", dtype=str, keep_default_na=False)
    part.loc[2, "municipality_code"] = "999999"
    part.to_csv(broken / "participation.csv", index=False)
    problems = validate_output_dir(broken)
    found = {(q.table, q.code, q.location) for q in problems}
    assert ("indicators", "not-a-number", "row 1, column baseline_value") in found
    assert ("participation", "bad-municipality-code", "row 3, column municipality_code") in found
    assert main(["validate", str(broken)]) == 2
    assert main(["validate", str(out)]) == 0


def test_bad_inputs_are_reported_and_the_rest_is_written(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (inputs / "sjis.txt").write_bytes((ROOT / "seeds" / "004_a61508fec1d3fe11.txt").read_text(encoding="utf-8").encode("cp932", errors="replace"))
    (inputs / "truncated.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog")
    out = tmp_path / "out"
    assert main(["ingest", str(inputs), "--out", str(out), "--quiet"]) == 2
    rows = {r["source_file"]: r for r in read_csv(out / "documents.csv")}
    assert (rows["empty.txt"]["status"], rows["empty.txt"]["error_code"]) == ("failed", "empty-file")
    assert (rows["image.txt"]["status"], rows["image.txt"]["error_code"]) == ("failed", "binary-file")
    assert (rows["truncated.pdf"]["status"], rows["truncated.pdf"]["error_code"]) == ("failed", "pdf-corrupt")
    assert rows["sjis.txt"]["status"] in ("ok", "partial")
    assert rows["sjis.txt"]["encoding"] == "cp932"
    sjis_id = rows["sjis.txt"]["doc_id"]
    assert any(r["doc_id"] == sjis_id for r in read_csv(out / "indicators.csv"))
    quality = read_csv(out / "quality.csv")
    assert {"empty-file", "binary-file", "pdf-corrupt"} <= {q["code"] for q in quality}
    assert validate_output_dir(out) == []


def test_duplicate_input_is_reported_once_processed(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    text = (ROOT / "seeds" / "003_feeaa7bd0b434e1c.txt").read_bytes()
    (inputs / "a.txt").write_bytes(text)
    (inputs / "b.txt").write_bytes(text)
    out = tmp_path / "out"
    assert main(["ingest", str(inputs), "--out", str(out), "--quiet", "--format", "csv"]) == 2
    rows = {r["source_file"]: r for r in read_csv(out / "documents.csv")}
    assert rows["a.txt"]["status"] != "failed"
    assert rows["b.txt"]["error_code"] == "duplicate-input"
    assert not (out / "indicators.parquet").exists()  # only the formats asked for


def test_user_errors_exit_1_without_traceback_and_write_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for args in (["ingest", str(tmp_path / "missing"), "--out", str(out)], ["ingest", str(ROOT / "seeds"), "--out", str(out), "--format", "xlsx"]):
        proc = subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 1, proc.stderr
        assert "keikaku: error:" in proc.stderr
        assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_failed_write_keeps_previous_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert main(["ingest", str(ROOT / "seeds" / "003_feeaa7bd0b434e1c.txt"), "--out", str(out), "--quiet", "--format", "csv"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    import pipeline.output as output

    def explode(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output, "write_parquet", explode)
    assert main(["ingest", str(ROOT / "seeds"), "--out", str(out), "--quiet"]) == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".keikaku-") and not p.name.startswith(".keikaku-lock-")]


def test_ingest_refuses_to_replace_a_folder_that_is_not_keikaku_output(tmp_path: Path) -> None:
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.docx").write_bytes(b"mine")
    assert main(["ingest", str(ROOT / "seeds" / "003_feeaa7bd0b434e1c.txt"), "--out", str(precious), "--quiet"]) == 1
    assert [p.name for p in precious.iterdir()] == ["chapter1.docx"]


# --- fixed costs: what is imported or loaded, never how long it takes --------------------------------

HEAVY = ("pandas", "pyarrow", "duckdb", "pdfplumber", "spacy", "pandera")


def imported_after(code: str) -> list[str]:
    """The heavy libraries a fresh interpreter has imported once ``code`` ran."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_help_and_schema_import_no_heavy_library() -> None:
    assert imported_after("from pipeline.cli import build_parser; build_parser().format_help()") == []
    assert imported_after("import contextlib, io\nfrom pipeline.cli import main\nwith contextlib.redirect_stdout(io.StringIO()): main(['schema'])") == []


def test_a_document_that_needs_no_nlp_never_loads_ginza() -> None:
    # a statistics table without prose: its rows come without any parse, so the model stays unloaded
    fixture = ROOT / "tests/fixtures/population-row-groups-merged.pdf"
    code = (
        "from pipeline.envelope import DocumentResult, InputFile\n"
        "from pipeline.stages import default_stages, run_stages\n"
        f"result = run_stages(DocumentResult.of(InputFile('t.pdf', open({str(fixture)!r}, 'rb').read())), default_stages())\n"
        "assert result.status == 'ok' and result.extraction.observations, result"
    )
    assert "spacy" not in imported_after(code)
