"""Every data row says where its value was printed (page + bbox for PDFs, page + lines for text),
and the text there holds the value (rows picked at random, fixed seed)."""

from __future__ import annotations

import csv
import json
import random
import re
import shutil
from collections import Counter
from pathlib import Path

import pdfplumber
import pytest

from extractors.normalize.textnorm import nfkc_keep_marks
from pipeline.cache import issue_to_json, json_to_issue
from pipeline.validate import validate_output
from schemas.quality import Code, Issue, Severity
from schemas.tables import BBOX_COLUMNS, PROVENANCE_TABLES
from schemas.validation import validate_output_dir

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_PDFS = sorted((ROOT / "tests" / "fixtures").glob("*.pdf"))
REAL_PDFS = [ROOT / "tests" / "real" / f"{name}.pdf" for name in ("otoineppu-kouhou-2020-11-kpi-kensho", "nankoku-local-allocation-tax-trend-fy2022")]
ROWS_PER_TABLE = 12


@pytest.fixture(scope="module")
def pdf_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.ingest import ingest

    out = tmp_path_factory.mktemp("provenance") / "output"
    ingest([*FIXTURE_PDFS, *REAL_PDFS], out)
    return out


def read(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def key(text: str) -> str:
    """Text compared as printed: NFKC (marks kept), no white space, no thousands commas."""
    return re.sub(r"[\s,]", "", nfkc_keep_marks(text))


def printed_value(table: str, row: dict[str, str]) -> str:
    """The part of the row that is printed at its place (what a reader would look for there)."""
    if table == "participation":
        return row["observed_mark"]
    if table == "projects":
        return row["project_name"] or row["project_number"]
    if table == "region_members":
        return row["source_text"]
    if table == "indicators":
        return next((row[c] for c in ("baseline_text", "target_text", "actual_text") if row[c]), row["indicator"])[:12]
    if table == "observations":
        return row["value_text"]
    if table == "comments":
        return (row["opinion"] or row["response"])[:12]
    if table == "metrics":
        return row["text"][:12]
    return row["text"]


def holds(value: str, text: str) -> bool:
    """The text holds the value; names printed one character per line in a rotated header are
    extracted in another order, so there every character of the value must be there."""
    wanted, found = key(value), key(text)
    return wanted in found or not Counter(wanted) - Counter(found)


def sample(folder: Path, rng: random.Random) -> list[tuple[str, dict[str, str]]]:
    picked = []
    for table in PROVENANCE_TABLES:
        rows = [r for r in read(folder, table) if key(printed_value(table, r))]
        picked += [(table, r) for r in rng.sample(rows, min(ROWS_PER_TABLE, len(rows)))]
    return picked


def documents(folder: Path) -> dict[str, dict[str, str]]:
    return {d["doc_id"]: d for d in read(folder, "documents")}


def test_every_data_row_of_the_seeds_has_page_and_lines(seeds_output):
    _, out = seeds_output
    checked = 0
    for table in PROVENANCE_TABLES:
        for row in read(out, table):
            assert row["page"] and row["line_start"] and row["line_end"], (table, row)
            assert int(row["line_start"]) <= int(row["line_end"])
            assert not any(row[c] for c in BBOX_COLUMNS)
            checked += 1
    assert checked > 900
    assert validate_output(out) == []


def test_every_data_row_of_the_pdfs_has_page_and_bbox(pdf_output):
    checked = 0
    for table in PROVENANCE_TABLES:
        for row in read(pdf_output, table):
            assert row["page"] and all(row[c] for c in BBOX_COLUMNS), (table, row)
            assert float(row["bbox_x0"]) <= float(row["bbox_x1"]) and float(row["bbox_top"]) <= float(row["bbox_bottom"])
            checked += 1
    assert checked > 900
    assert validate_output(pdf_output) == []


def test_the_lines_of_random_seed_rows_hold_their_value(seeds_output):
    _, out = seeds_output
    docs = documents(out)
    files: dict[str, list[str]] = {}
    held = []
    for table, row in sample(out, random.Random(17)):
        source = docs[row["doc_id"]]["source_file"]
        if source not in files:
            text = (ROOT / "seeds" / source).read_bytes().decode(docs[row["doc_id"]]["encoding"] or "utf-8")
            files[source] = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        lines = files[source][int(row["line_start"]) - 1 : int(row["line_end"])]
        held.append(key(printed_value(table, row)) in key("".join(lines)))
    assert len(held) >= 60
    assert all(held), f"{held.count(False)} of {len(held)} rows: the value is not on their lines"


def test_the_bbox_of_random_pdf_rows_holds_their_value(pdf_output):
    docs = documents(pdf_output)
    by_doc: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for table, row in sample(pdf_output, random.Random(17)):
        by_doc.setdefault(row["doc_id"], []).append((table, row))
    held, missed = 0, []
    for doc_id, rows in by_doc.items():
        path = next(p for p in [*FIXTURE_PDFS, *REAL_PDFS] if p.name == Path(docs[doc_id]["source_file"]).name)
        with pdfplumber.open(path) as pdf:
            for table, row in rows:
                page = pdf.pages[int(row["page"]) - 1]
                x0, top, x1, bottom = (float(row[c]) for c in BBOX_COLUMNS)
                box = (max(page.bbox[0], x0 - 1), max(page.bbox[1], top - 1), min(page.bbox[2], x1 + 1), min(page.bbox[3], bottom + 1))
                text = page.crop(box).dedupe_chars().extract_text() or ""  # fake bold: every glyph printed twice
                if holds(printed_value(table, row), text):
                    held += 1
                else:
                    missed.append((table, printed_value(table, row), text[:60]))
    assert held + len(missed) >= 60
    assert not missed, f"{len(missed)} of {held + len(missed)} rows: the value is not in their bbox: {missed[:5]}"


@pytest.mark.parametrize("which", ["seeds", "pdfs"])
def test_quality_rows_name_rows_that_exist(which, seeds_output, pdf_output):
    """Every quality row_key is (a leading part of) the key of at least one row of its table."""
    folder = seeds_output[1] if which == "seeds" else pdf_output
    keyed = [q for q in read(folder, "quality") if q["row_key"]]
    tables = {t: read(folder, t) for t in {q["table"] for q in keyed}}
    for q in keyed:
        wanted = {name: str(value) for name, value in json.loads(q["row_key"]).items()}
        found = [r for r in tables[q["table"]] if r["doc_id"] == q["doc_id"] and all(r[n] == v for n, v in wanted.items())]
        assert found, q
        if q["table_id"]:
            assert any(r["table_id"] == q["table_id"] for r in found), q
    assert len(keyed) >= (60 if which == "seeds" else 5)


def test_validate_reports_damaged_provenance(pdf_output, tmp_path):
    folder = tmp_path / "damaged"
    shutil.copytree(pdf_output, folder)
    rows = read(folder, "participation")
    pages = int(next(d for d in read(folder, "documents") if d["doc_id"] == rows[0]["doc_id"])["pages"])
    rows[0]["page"] = str(pages + 1)  # beyond the document
    rows[1]["bbox_x0"], rows[1]["bbox_x1"] = rows[1]["bbox_x1"], str(float(rows[1]["bbox_x0"]) - 10)  # x0 > x1
    rows[2]["bbox_bottom"] = ""  # bbox in part, and a PDF row without its bbox
    rows[3]["line_start"], rows[3]["line_end"] = "5", "3"  # reversed lines
    with (folder / "participation.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    quality = read(folder, "quality")
    keyed = next(q for q in quality if q["row_key"])
    keyed["row_key"] = '{"municipality_code":"012025"}'  # not a leading part of any table's key
    with (folder / "quality.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(quality[0]))
        writer.writeheader()
        writer.writerows(quality)
    found = {(q.table, q.code, q.location) for q in validate_output_dir(folder)}
    assert ("participation", "out-of-range", "row 1") in found
    assert ("participation", "out-of-range", "row 2") in found
    assert ("participation", "required-value-missing", "row 3") in found
    assert ("participation", "out-of-range", "row 4") in found
    assert any(t == "quality" and c == "bad-row-key" for t, c, _ in found)
    assert not any(loc == "row 5" for t, _, loc in found if t == "participation")


def test_an_issue_keeps_its_row_key_through_the_cache():
    issue = Issue(Code.CELL_AMBIGUOUS, Severity.WARNING, "m", "participation", "matrix 0", (("matrix", 0), ("project_row", 3)), 2)
    assert json_to_issue(issue_to_json(issue)) == issue
