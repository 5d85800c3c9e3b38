"""keikaku diff: an annual refresh of the samples reports exactly the edits made to them.

The "new edition" is an edited copy of seeds/ (new bytes, so new doc_ids):
- 000: one project row dropped (NO 11 圏域の共同PR);
- 003: one project renumbered (46 -> 47, 職員の相互人事交流) and one ○ turned into ● (当麻町 on
  大雪山カムインタラジオパーク構想の推進) with the ● / ○ counts of 当麻町 and the grand totals fixed;
- 004: one KPI actual value changed (1人あたりの総所得 1,918千円 -> 1,950千円).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.diff import Change, DiffReport, diff_command, diff_outputs, normalize, pair_projects
from pipeline.ingest import ingest
from pipeline.stages import default_stages

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
F000 = "000_0427b4530d9cecfe.txt"
F003 = "003_feeaa7bd0b434e1c.txt"
F004 = "004_a61508fec1d3fe11.txt"


# --- the edits, as small pure functions on the text ------------------------------------------


def drop_line(text: str, needle: str) -> str:
    lines = text.split("\n")
    hits = [i for i, line in enumerate(lines) if needle in line]
    assert len(hits) == 1, needle
    del lines[hits[0]]
    return "\n".join(lines)


def edit_cells(text: str, needle: str, edit) -> str:
    """Apply ``edit(cells) -> cells`` to the one tab-separated line containing ``needle``."""
    lines = text.split("\n")
    hits = [i for i, line in enumerate(lines) if needle in line]
    assert len(hits) == 1, needle
    lines[hits[0]] = "\t".join(edit(lines[hits[0]].split("\t")))
    return "\n".join(lines)


def replace_cell(cells: list[str], old: str, new: str) -> list[str]:
    assert cells.count(old) == 1, (old, cells)
    return [new if c == old else c for c in cells]


def add_to_cells(cells: list[str], deltas: dict[int, int]) -> list[str]:
    return [str(int(c) + deltas[i]) if i in deltas else c for i, c in enumerate(cells)]


def edit_003(text: str) -> str:
    header = next(line for line in text.split("\n") if line.startswith("大分類")).split("\t")
    town, total = header.index("当麻町"), header.index("合計")
    text = edit_cells(text, "職員の相互人事交流", lambda c: replace_cell(c, "46", "47"))
    text = edit_cells(text, "大雪山カムインタラジオパーク構想の推進", lambda c: replace_cell(c, "○", "●"))
    # The row total counts ● and ○ alike, so it stays; the per-municipality counts move.
    text = edit_cells(text, "既に連携している取組数(●)", lambda c: add_to_cells(c, {town: +1, total: +1}))
    return edit_cells(text, "新たに連携する取組数(○)", lambda c: add_to_cells(c, {town: -1, total: -1}))


def edit_004(text: str) -> str:
    return edit_cells(text, "①1人あたりの総所得", lambda c: replace_cell(c, "1,918千円", "1,950千円"))


def edit_000(text: str) -> str:
    return drop_line(text, "圏域の共同PR")


def edited_seeds(folder: Path) -> Path:
    shutil.copytree(SEEDS, folder)
    for name, edit in ((F000, edit_000), (F003, edit_003), (F004, edit_004)):
        path = folder / name
        path.write_text(edit(path.read_text("utf-8")), "utf-8")
    return folder


@pytest.fixture(scope="module")
def refresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, DiffReport]:
    root = tmp_path_factory.mktemp("diff")
    old, new = root / "old", root / "new"
    ingest([SEEDS], old, formats=("csv",), stages=default_stages())
    ingest([edited_seeds(root / "seeds-edited")], new, formats=("csv",), stages=default_stages())
    return old, new, diff_outputs(old, new)


def flat(changes) -> set[tuple[str, str, str, str, str, str]]:
    return {(c.table, c.change, c.key, c.field, c.old, c.new) for c in changes}


def content_changes(report: DiffReport) -> list[Change]:
    """Changes of the edited documents, leaving out the new doc_ids of their new editions."""
    return [c for c in report.changes if not (c.table == "documents" and c.field == "doc_id")]


# --- the edits -------------------------------------------------------------------------------


def test_edit_003_keeps_the_printed_totals_consistent():
    text = edit_003((SEEDS / F003).read_text("utf-8"))
    rows = [line.split("\t") for line in text.split("\n")]
    header = next(r for r in rows if r[0] == "大分類")
    town = header.index("当麻町")
    counts = {r[0]: r for r in rows if r[0].endswith("取組数(●)") or r[0].endswith("取組数(○)") or r[0].startswith("令和5年度")}
    existing, new, all_ = (
        counts[k] for k in ("既に連携している取組数(●)", "新たに連携する取組数(○)", "令和5年度に連携する取組数")
    )
    assert (existing[town], new[town], all_[town]) == ("29", "4", "33")
    assert int(existing[13]) + int(new[13]) == int(all_[13]) == 351
    assert "\t47\t職員の相互人事交流" in text


# --- the diff of the refresh -----------------------------------------------------------------


def test_documents_are_matched_by_file_not_by_doc_id(refresh):
    _, _, report = refresh
    by_file = {m.new_source_file: m for m in report.matches}
    assert set(by_file) == {p.name for p in SEEDS.glob("*.txt")}
    assert {f for f, m in by_file.items() if m.old_doc_id != m.new_doc_id} == {F000, F003, F004}
    assert flat(c for c in report.changes if c.table == "documents") == {
        ("documents", "updated", f, "doc_id", by_file[f].old_doc_id, by_file[f].new_doc_id) for f in (F000, F003, F004)
    }


def test_dropped_project_of_000_is_the_only_project_change_there(refresh):
    _, _, report = refresh
    changes = [c for c in report.changes_of("projects") if c.document.startswith("さっぽろ連携中枢都市圏ビジョン")]
    assert flat(changes) == {("projects", "removed", "No11 圏域の共同PR", "", "", "")}


def test_kpi_update_of_004_is_the_only_indicator_change(refresh):
    _, _, report = refresh
    assert [(c.change, c.field, c.old, c.new) for c in report.changes_of("indicators")] == [
        ("updated", "actual_value", "1918000", "1950000")
    ]
    assert report.changes_of("indicators")[0].key.endswith("/ 1人あたりの総所得")


def test_no_spurious_changes_without_participation(refresh):
    """Everything outside 003's matrix: exactly the dropped project and the KPI update."""
    _, _, report = refresh
    outside = [c for c in content_changes(report) if c.document != "連携中枢都市圏において連携する取組一覧"]
    assert flat(outside) == {
        ("projects", "removed", "No11 圏域の共同PR", "", "", ""),
        ("indicators", "updated", next(iter(report.changes_of("indicators"))).key, "actual_value", "1918000", "1950000"),
    }


def test_refresh_reports_exactly_the_edits(refresh):
    _, _, report = refresh
    changes = content_changes(report)
    renumbered = [c for c in changes if c.change == "renumbered"]
    assert [(c.field, c.old, c.new) for c in renumbered] == [("project_number", "46", "47")]
    assert "職員の相互人事交流" in renumbered[0].key
    assert [
        (c.table, c.change, c.field, c.old, c.new) for c in report.changes_of("participation") if c.change != "renumbered"
    ] == [("participation", "updated", "status", "new", "existing")]
    cell = next(c for c in report.changes_of("participation") if c.field == "status")
    assert "大雪山カムインタラジオパーク構想の推進" in cell.key and "当麻町" in cell.key
    assert len(changes) == 4  # renumbered, ○ -> ●, KPI update, dropped project


# --- matching rules --------------------------------------------------------------------------


def project(number: str, name: str) -> dict[str, str]:
    return {"project_number": number, "project_name": name}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (project("1", "創業支援事業"), project("7", "創業 支援事業"), "same name: renumbered"),
        (project("3", "広域観光のネットワーク化"), project("3", "広域観光のネットワーク化の推進"), "fuzzy rename"),
        (project("51", ""), project("51", "人材の育成"), "nameless: by number"),
        (project("5", "ごみ焼却処理施設の広域的利活用"), project("5", "ヒグマ対策の推進"), "different: no match"),
    ],
)
def test_project_matching_rules(old, new, expected):
    pairing = pair_projects([old], [new])
    assert (len(pairing.pairs) == 1) is (expected != "different: no match")


def test_normalize_is_nfkc_without_spaces():
    assert normalize("ＩＣＴ　パーク の 活用\n") == "ICTパークの活用"


# --- the command -----------------------------------------------------------------------------


def test_diff_command_writes_one_csv_per_changed_table(refresh, tmp_path, capsys):
    old, new, report = refresh
    out = tmp_path / "diff"
    assert diff_command(old, new, out) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted([f"{t}_diff.csv" for t in report.counts()] + ["diff_summary.json", "diff_summary.txt"])
    summary = json.loads((out / "diff_summary.json").read_text("utf-8"))
    assert summary["counts"] == report.counts()
    assert "indicators: 1 updated" in capsys.readouterr().out
    assert diff_command(old, new, out) == 0  # replaces its own previous output
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [".keikaku-lock-diff"]  # no temp folders left


def test_diff_command_without_changes(refresh, capsys):
    old, _, _ = refresh
    assert diff_command(old, old, None) == 0
    assert "no changes" in capsys.readouterr().out


@pytest.mark.parametrize("which", ["missing", "not-output"])
def test_diff_command_usage_errors(refresh, tmp_path, capsys, which):
    old, _, _ = refresh
    bad = tmp_path / "nothing-here" if which == "missing" else tmp_path
    (tmp_path / "notes.txt").write_text("x")
    assert diff_command(old, bad, None) == 1
    err = capsys.readouterr().err
    assert err.startswith("keikaku: error: ") and "Traceback" not in err


def test_diff_command_refuses_to_replace_a_foreign_folder(refresh, tmp_path, capsys):
    old, new, _ = refresh
    (tmp_path / "precious.txt").write_text("keep me")
    assert diff_command(old, new, tmp_path) == 1
    assert (tmp_path / "precious.txt").read_text() == "keep me"
    assert capsys.readouterr().err.startswith("keikaku: error: ")


# --- the pure core on small tables -----------------------------------------------------------


def doc(doc_id: str, source_file: str, title: str = "") -> dict[str, str]:
    return {"doc_id": doc_id, "source_file": source_file, "title": title, "status": "ok"}


def tables(**rows) -> dict[str, list[dict[str, str]]]:
    from schemas.tables import TABLE_NAMES

    return {t: rows.get(t, []) for t in TABLE_NAMES}


def cell(doc_id: str, number: str, name: str, code: str, status: str) -> dict[str, str]:
    return {
        "doc_id": doc_id,
        "matrix": "0",
        "project_number": number,
        "project_name": name,
        "municipality_code": code,
        "municipality_name": code,
        "status": status,
    }


def test_new_edition_with_a_new_file_name_is_matched_and_compared():
    from pipeline.diff import tables_to_report

    a, b = "a" * 16, "b" * 16
    old = tables(
        documents=[doc(a, "asahikawa_r5.txt")],
        projects=[
            {"doc_id": a, "project_number": "1", "project_name": "創業支援事業"},
            {"doc_id": a, "project_number": "2", "project_name": "広域観光のネットワーク化"},
        ],
        participation=[
            cell(a, "1", "創業支援事業", "012041", "new"),
            cell(a, "1", "創業支援事業", "014524", "existing"),
            cell(a, "1", "創業支援事業", "014583", "none"),
        ],
        region_members=[{"doc_id": a, "region_name": "上川中部", "municipality_code": "012041"}],
        observations=[{"doc_id": a, "table_title": "人口", "series": "出生数", "period": "2020", "value": "372", "unit": "人"}],
    )
    new = tables(
        documents=[doc(b, "asahikawa_r6.txt")],
        projects=[
            {"doc_id": b, "project_number": "2", "project_name": "創業 支援事業"},
            {"doc_id": b, "project_number": "1", "project_name": "広域観光のネットワーク化の推進"},
        ],
        participation=[
            cell(b, "2", "創業 支援事業", "012041", "existing"),
            cell(b, "2", "創業 支援事業", "014524", "none"),
            cell(b, "2", "創業 支援事業", "014583", "new"),
        ],
        region_members=[{"doc_id": b, "region_name": "上川中部", "municipality_code": "014524"}],
        observations=[{"doc_id": b, "table_title": "人口", "series": "出生数", "period": "2020", "value": "372.0", "unit": "人"}],
    )
    report = tables_to_report(old, new)
    assert [(m.how, m.old_source_file, m.new_source_file) for m in report.matches] == [
        ("file_name", "asahikawa_r5.txt", "asahikawa_r6.txt")
    ]
    assert {(c.table, c.change, c.field, c.old, c.new) for c in report.changes} == {
        ("documents", "updated", "doc_id", a, b),
        ("projects", "renumbered", "project_number", "1", "2"),
        ("projects", "renamed", "project_name", "広域観光のネットワーク化", "広域観光のネットワーク化の推進"),
        ("projects", "renumbered", "project_number", "2", "1"),
        ("participation", "updated", "status", "new", "existing"),
        ("participation", "left", "status", "existing", "none"),
        ("participation", "joined", "status", "none", "new"),
        ("region_members", "removed", "", "", ""),
        ("region_members", "added", "", "", ""),
    }


def test_unmatched_documents_are_added_and_removed_with_their_rows():
    from pipeline.diff import tables_to_report

    a, b = "a" * 16, "b" * 16
    old = tables(documents=[doc(a, "kpi.txt", "総合戦略 KPI")], indicators=[{"doc_id": a, "indicator": "農業産出額"}])
    new = tables(
        documents=[doc(b, "minutes.txt", "懇談会 意見と考え方")], comments=[{"doc_id": b, "opinion": "御意見", "item": "1"}]
    )
    report = tables_to_report(old, new)
    assert report.matches == ()
    assert {(c.table, c.change, c.key) for c in report.changes} == {
        ("documents", "removed", "kpi.txt"),
        ("indicators", "removed", " /  / 農業産出額"),
        ("documents", "added", "minutes.txt"),
        ("comments", "added", "御意見"),
    }
