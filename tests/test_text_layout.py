"""Whitespace-aligned tables (extractors.tables.text_layout): (layout text, expected rows) pairs.

The inputs are cut from the layout fuzzer's ``pdftotext -layout`` and pdfplumber layout-mode
renderings (tests/fixtures/fuzz/): one character per text column, Japanese words compressed,
stacked member names, wrapped cells, pages with their own left margin.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.model.table import Table
from extractors.tables.text_layout import Column, assign_in_order, is_anchor, line_to_tokens, match_in_order
from tests.table_helpers import rows_of, tables_of

FUZZ = Path(__file__).resolve().parent / "fixtures" / "fuzz"


WRAPPED_PAGES = """\
(1) 性質別歳出決算額の推移
単位：千円
        区分        平成22年度       23年度        24年度
        人件費       2,708,948   2,325,591   2,641,381
        扶助費       5,105,837   4,923,844   5,341,975
                          -1-
\f
区分     平成22年度       23年度        24年度
物件費    2,147,497   1,892,439   1,879,287
補助費等   1,638,802   1,465,900   1,821,851
歳出合計 17,945,444 16,361,442 18,074,589
                          -2-
"""

@pytest.mark.parametrize(
    ("text", "rows"),
    [
        # a table over two pages, each page at its own margin, a line printed tighter than the
        # others, the page numbers and the repeated header dropped
        (WRAPPED_PAGES, [
            "区分|平成22年度|23年度|24年度",
            "人件費|2,708,948|2,325,591|2,641,381",
            "扶助費|5,105,837|4,923,844|5,341,975",
            "物件費|2,147,497|1,892,439|1,879,287",
            "補助費等|1,638,802|1,465,900|1,821,851",
            "歳出合計|17,945,444|16,361,442|18,074,589",
        ]),
    ],
)
def test_layout_tables(text: str, rows: list[str]) -> None:
    tables = tables_of(text)
    assert len(tables) == 1
    assert tables[0].strategy == "layout"
    assert rows_of(tables[0]) == rows


@pytest.mark.parametrize(
    ("name", "rows"),
    [
        # pdftotext -layout: member names stacked one character per line (names of 3 and 4
        # characters interleave their lines), labels wrapped over the lines around their row
        ("participation-008-D-om-st-hr-b0-te.pdftotext-layout.txt", {
            0: "大分類|中分類|No|連携事業|帯広市|音更町|上士幌町|鹿追町|新得町|芽室町|中札内村|更別村|池田町|豊頃町|足寄町|浦幌町|合計",
            3: "圏域マネジメント能力の強化||3|消防の広域応援体制|●|●|●|●|●|||●|||●||7",
            8: "高次の都市機能の集積・強化|広域的公共交通網の構築|8|農業の担い手育成|●||●||●||●|●|●|○|●|●|9",
            9: "||9|ふるさと納税の共同返礼品|●|●|●|●|●||●||●||●|●|9",
            13: "計||||10|5|7|7|8|5|8|7|7|6|7|7|84",
        }),
        # pdfplumber layout mode: stacked names half a column left of the marks; a cell wrapped
        # over the lines above and below its row's middle line; four pages, the header repeated
        ("participation-005-R-om-st-hr-bm-te.plumber-layout.txt", {
            0: "大分類|中分類|No|事業名|旭川市|鷹栖町|当麻町|比布町|愛別町|東川町|美瑛町|合計",
            1: "|圏域内市町村の職員等の交流|1|休日夜間急病センターの運営|●|●|●||●|○|●|6",
            4: "|宣言中心市等における人材の育成|4|地域包括ケアの推進|●|○|||●||●|4",
            8: "||8|図書館相互のネットワーク化|●|●|●||||●|4",
            16: "計||||13|10|9|5|9|8|11|65",
        }),
    ],
)
def test_fuzzer_renderings(name: str, rows: dict[int, str]) -> None:
    (table,) = tables_of((FUZZ / name).read_text(encoding="utf-8"))
    printed = rows_of(table)
    assert {k: printed[k] for k in rows} == rows


@pytest.mark.parametrize(
    "text",
    [
        # running text with letter-spaced digits (seed 001) is no table
        "1 2 圏域での定住自立圏の形成のほか、1 1 地域 4 5 市町村において連携した取組を推進\n"
        "2 3 圏域での取組を支援し、1 0 0 件の相談に対応した\n3 4 地域の取組を推進した\n",
        # bullet lists
        "・ 移住相談窓口の共同運営\n・ 空き家バンクの連携\n・ 関係人口の創出\n・ 婚活支援事業\n",
        # a paragraph and a page number
        "本計画は、圏域の将来像を示すものである。\n\n                - 1 -\n",
    ],
)
def test_running_text_is_no_table(text: str) -> None:
    assert tables_of(text) == []


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("区分   H22    H23", [("区分", 0), ("H22", 5), ("H23", 12)]),
        ("自然増減  ▲ 439   ▲ 579", [("自然増減", 0), ("▲ 439", 6), ("▲ 579", 14)]),
        ("転入  △ 1,017", [("転入", 0), ("△ 1,017", 4)]),
    ],
)
def test_tokens(text: str, tokens: list[tuple[str, int]]) -> None:
    assert [(t.text, t.start) for t in line_to_tokens(text)] == tokens


@pytest.mark.parametrize(
    ("text", "anchor"),
    [
        ("        人件費       2,708,948   2,325,591", True),
        ("   2  移住・定住の促進          ●           ●", True),
        ("歳出合計 17,945,444 16,361,442 18,074,589", True),
        ("1 1 地域 4 5 市町村において", False),
        ("圏域マネジメント", False),
        ("                - 1 -", False),
    ],
)
def test_anchor_lines(text: str, anchor: bool) -> None:
    assert is_anchor(line_to_tokens(text)) is anchor


def test_values_are_matched_to_columns_in_order_one_each() -> None:
    # a line printed tighter than the others: each value to its own column, in order
    columns = [Column(0, 4), Column(10, 19), Column(22, 31), Column(34, 43)]
    tight = line_to_tokens("歳出合計 17,945,444 16,361,442 18,074,589")
    assert assign_in_order(tight, columns) == [0, 1, 2, 3]


def test_header_tokens_are_matched_in_order() -> None:
    # stacked names start half a pitch left of the marks below: in order, each to its own column
    assert match_in_order([48.5, 52.5, 56.5], [37.5, 50.5, 54.5, 58.5]) == [1, 2, 3]


def test_the_structure_score_prefers_a_regular_grid_whose_totals_add_up() -> None:
    from extractors.tables.text_base import TextCell, TextRow, rows_to_table
    from extractors.tables.text_score import table_score

    def table(rows: list[list[str]]) -> Table:
        return rows_to_table([TextRow(tuple(TextCell(t, k) for k, t in enumerate(r)), 1, n + 1, n + 1) for n, r in enumerate(rows)], "x", 1.0)

    right = table([["区分", "R5", "R6"], ["出生", "1", "2"], ["死亡", "3", "4"], ["計", "4", "6"]])
    cut = table([["区分", "R5 R6", ""], ["出生", "1", "2"], ["死亡 3", "", "4"], ["計", "4 6", ""]])
    assert table_score(right) > table_score(cut)


# a table continued on a page the layout tool printed at another pitch (its character grid sized by
# the page): the second page's marks, 4 text columns apart instead of 6, go under the first page's
# columns in order, not to whichever column a shift puts them near
OTHER_PITCH = """\
  1  公共施設           ●     ●     ●     ●       4
  2  空港利用           ●           ●     ●       3
  3  移住促進           ●     ●           ●       3

          -1-
\f
 4 特産販路      ●   ●   ●         3
 5 地元就職          ●   ●   ●     3
 6 図書館網      ●           ●     2

          -2-
"""


def test_a_page_printed_at_another_pitch_is_read_under_the_first_pages_columns() -> None:
    (table,) = tables_of(OTHER_PITCH)
    assert rows_of(table) == [
        "1|公共施設|●|●|●|●|4",
        "2|空港利用|●||●|●|3",
        "3|移住促進|●|●||●|3",
        "4|特産販路|●|●|●||3",
        "5|地元就職||●|●|●|3",
        "6|図書館網|●|||●|2",
    ]
