"""Borderless tables (extractors.tables.borderless) and tables continued over pages
(extractors.tables.stitch, the reader's stitching), on the layout fuzzer's committed PDFs:
LibreOffice without borders (U) and reportlab (D) print the same logical tables as the ruled
ones, so each rendering's cells are known."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from extractors.model.table import Table
from extractors.readers import ReadFailure, read_document
from extractors.tables.stitch import cell_repeats

FUZZ = Path(__file__).resolve().parent / "fixtures" / "fuzz"


@cache
def tables(name: str) -> tuple[Table, ...]:
    path = FUZZ / f"{name}.pdf"
    doc = read_document(path.read_bytes(), path.name)
    assert not isinstance(doc, ReadFailure)
    return doc.tables


def rows(table: Table) -> list[list[str]]:
    return [table.row_texts(r) for r in range(table.n_rows)]


def test_unruled_matrix_with_rotated_names_and_cells_wrapped_around_their_row() -> None:
    (table,) = tables("participation-003-U-mb-ro-hr-b0-te")
    got = rows(table)
    assert table.strategy == "borderless"
    assert got[0] == ["大分類", "中分類", "No", "取組名", "旭川市", "鷹栖町", "東神楽町", "当麻町", "比布町", "愛別町", "上川町", "東川町", "美瑛町", "合計"]
    assert got[3][2:6] == ["3", "地域公共交通確保維持改善事業", "●", "○"]  # wrapped above and below its row's marks
    assert [r[0] for r in got[-3:]] == ["既に連携（●）", "新たに連携（○）", "計"]


def test_labels_printed_almost_touching_keep_their_columns_and_a_two_line_name_is_one_cell() -> None:
    (table,) = tables("participation-004-D-rep-hz-hr-bm-te-lh")
    got = rows(table)
    assert got[0] == ["大分類", "中分類", "No", "事業名", "熊本市", "菊池市", "宇土市", "阿蘇市", "西原村", "南阿蘇村", "御船町", "合計"]
    assert got[2][:4] == ["圏域全体の経済成長のけん引", "戦略的な観光施策", "2", "ふるさと納税の共同返礼品"]
    assert table.pages == (1, 2) and [r[2] for r in got[1:12]] == [str(n) for n in range(1, 12)]


def test_a_table_continued_under_its_reprinted_title_is_one_table_and_its_header_is_not_data() -> None:
    (table,) = tables("timeseries-007-U-om-hr-bn-dn-lc")
    got = rows(table)
    assert table.pages == (1, 2)
    assert got[1] == ["年", "0～14歳", "15～64歳", "65歳以上", "小計", "0～14歳", "15～64歳", "65歳以上", "小計", "総数"]
    assert [r[0] for r in got[2:]] == ["H23", "H24", "H25", "H26", "H27", "H28", "H29", "H30", "R1", "R2", "R3", "R4"]


def test_a_header_repeated_with_the_clipped_label_of_a_cut_merged_cell_is_dropped() -> None:
    (table,) = tables("catalog-001-R-mm-hr-bn-te-lc")
    got = rows(table)
    assert table.pages == (1, 2, 3)
    assert [r[3] for r in got] == ["No", *(str(n) for n in range(1, 16)), ""]
    assert got[10][:3] == ["活力ある産業のまち", "農林業の振興", "生産基盤の整備"]


@pytest.mark.parametrize(
    ("header", "again", "printed", "repeats"),
    [
        ("大分類", "大分類", [], True),
        ("大分類", "安心して子育てできるまち大分類", ["安心して子育てできるまち"], True),
        ("小分類", "小分類6次産業化の推進", ["6次産業化の推進"], True),
        ("大分類", "新しい分類大分類", ["安心して子育てできるまち"], False),
        ("", "合計", [], False),
    ],
)
def test_repeated_header_cell(header: str, again: str, printed: list[str], repeats: bool) -> None:
    assert cell_repeats(header, again, printed) is repeats
