"""Project lists -> projects: (text table, expected projects) cases, then the real documents.

Each case is a tab-separated table as a text extraction or a spreadsheet copy prints it, read by
keikaku's default extractors in order (so the catalog extractor only gets what earlier ones
leave); the expected projects are (number, name, category_1, category_2, category_3, flags).
Labels are as the table structure gives them (``structure.label_text``: the space after a
``1`` or ``ア`` outline marker is removed as letter spacing, the one after ``(1)`` kept).
The cells the projects do not hold (amounts, 担当課, totals) must be in ``cells`` with their
header paths.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from extractors.content.base import ExtractContext, Extraction
from extractors.content.catalog import CatalogColumns, heading_of, is_name_heading, path_to_categories
from extractors.readers import ReadFailure, read_document
from pipeline.stages import default_extractors, run_extractors

Project = tuple[int | None, str, str | None, str | None, str | None, str | None]


def extract_text(text: str) -> Extraction:
    document = read_document(text.encode("utf-8"), "catalog.txt")
    assert not isinstance(document, ReadFailure)
    return run_extractors(document, default_extractors(), ExtractContext())[0]


def projects_of(extraction: Extraction) -> list[Project]:
    return [(p.project_number, p.project_name or "", p.category_1, p.category_2, p.category_3, p.flags) for p in extraction.projects]


def tsv(*rows: str) -> str:
    return "\n".join(rows) + "\n"


THREE_LEVELS_REPEATED = tsv(
    "施策体系別事業一覧",
    "大分類\t中分類\t小分類\tNo\t事業名\t事業費（千円）",
    "活力ある産業のまち\t農林業の振興\t担い手の育成\t1\t新規就農者支援事業\t1,200",
    "活力ある産業のまち\t農林業の振興\t生産基盤の整備\t2\tほ場整備事業\t35,000",
    "活力ある産業のまち\t観光の振興\t観光プロモーション\t3\t観光パンフレット作成事業\t800",
    "安心して子育てできるまち\t子育て支援の充実\t保育サービスの充実\t4\t保育所運営事業\t120,000",
)

# The same table with every label printed once, on the first row of its span (a merged cell as a
# spreadsheet copy gives it, or a label printed once at the top).
THREE_LEVELS_ONCE = tsv(
    "施策体系別事業一覧",
    "大分類\t中分類\t小分類\tNo\t事業名\t事業費（千円）",
    "活力ある産業のまち\t農林業の振興\t担い手の育成\t1\t新規就農者支援事業\t1,200",
    "\t\t生産基盤の整備\t2\tほ場整備事業\t35,000",
    "\t観光の振興\t観光プロモーション\t3\t観光パンフレット作成事業\t800",
    "安心して子育てできるまち\t子育て支援の充実\t保育サービスの充実\t4\t保育所運営事業\t120,000",
    "\t\t\t5\t放課後児童クラブ運営事業\t45,000",
    "合計\t\t\t\t\t201,200",
)

EXPECTED_THREE_LEVELS: list[Project] = [
    (1, "新規就農者支援事業", "活力ある産業のまち", "農林業の振興", "担い手の育成", None),
    (2, "ほ場整備事業", "活力ある産業のまち", "農林業の振興", "生産基盤の整備", None),
    (3, "観光パンフレット作成事業", "活力ある産業のまち", "観光の振興", "観光プロモーション", None),
    (4, "保育所運営事業", "安心して子育てできるまち", "子育て支援の充実", "保育サービスの充実", None),
]

FLAGS_ORGANISATION_PAGE = tsv(
    "番号\t主管課\t款項目\t新規\t事業名\t事業費（千円）\t掲載ページ",
    "1\t情報政策課\t2.1.1\t新\t電子自治体推進事業費\t1,056\t12",
    "2\t総務課\t2.1.6\t\t総務財産管理費\t28,000\t13",
    "3\t総務課\t2.1.6\t新\t庁舎管理費\t11,253\t13",
)

CASES = [
    pytest.param(THREE_LEVELS_REPEATED, EXPECTED_THREE_LEVELS, id="three-levels-repeated"),
    pytest.param(
        THREE_LEVELS_ONCE,
        [*EXPECTED_THREE_LEVELS, (5, "放課後児童クラブ運営事業", "安心して子育てできるまち", "子育て支援の充実", "保育サービスの充実", None)],
        id="three-levels-printed-once-with-total",
    ),
    pytest.param(
        tsv(
            "連携事業一覧",
            "分野\t番号\t連携事業\t担当課",
            "医療\t1\t救急医療体制の確保\t健康推進課",
            "\t2\t病児・病後児保育の広域利用\t子育て支援課",
            "産業振興\t3\t広域観光ルートの形成\t商工観光課",
        ),
        [
            (1, "救急医療体制の確保", "医療", None, None, None),
            (2, "病児・病後児保育の広域利用", "医療", None, None, None),
            (3, "広域観光ルートの形成", "産業振興", None, None, None),
        ],
        id="one-level-number-between-category-and-name",
    ),
    pytest.param(
        # Categories as group rows: labels alone on their row, nested by their outline markers,
        # printed in the name column; a project's own name is no category.
        tsv(
            "主要事業",
            "No\t事業名\t事業費（千円）",
            "\t1 活力ある産業のまち\t",
            "\t(1) 農林業の振興\t",
            "1\t新規就農者支援事業\t1,200",
            "2\tほ場整備事業\t35,000",
            "\t(2) 観光の振興\t",
            "3\t観光パンフレット作成事業\t800",
            "\t2 安心して子育てできるまち\t",
            "4\t保育所運営事業\t120,000",
        ),
        [
            (1, "新規就農者支援事業", "1活力ある産業のまち", "(1) 農林業の振興", None, None),
            (2, "ほ場整備事業", "1活力ある産業のまち", "(1) 農林業の振興", None, None),
            (3, "観光パンフレット作成事業", "1活力ある産業のまち", "(2) 観光の振興", None, None),
            (4, "保育所運営事業", "2安心して子育てできるまち", None, None, None),
        ],
        id="group-rows-in-the-name-column-nested-by-outline-markers",
    ),
    pytest.param(
        # The same without numbers: a row without values whose label is an outline heading is a
        # group row; the projects print their amounts.
        tsv(
            "主要事業",
            "事業名\t事業費（千円）\t担当課",
            "新規就農者支援事業\t1,200\t農林課",
            "(1) 観光の振興\t\t",
            "観光パンフレット作成事業\t800\t商工観光課",
            "サイクルツーリズム推進事業\t\t商工観光課",
        ),
        [
            (None, "新規就農者支援事業", None, None, None, None),
            (None, "観光パンフレット作成事業", "(1) 観光の振興", None, None, None),
            (None, "サイクルツーリズム推進事業", "(1) 観光の振興", None, None, None),
        ],
        id="group-row-in-a-list-without-numbers",
    ),
    pytest.param(
        # A bare list of marked names: every name is a project.
        tsv("連携事業", "取組\t備考", "① 防災訓練の合同実施\t", "② 公共交通の利用促進\t"),
        [(None, "① 防災訓練の合同実施", None, None, None, None), (None, "② 公共交通の利用促進", None, None, None, None)],
        id="a-bare-list-of-marked-names",
    ),
    pytest.param(
        # Group rows in a category column of their own, left of the projects.
        tsv(
            "政策\t施策\t事業",
            "1 活力ある産業のまち\t\t",
            "\t(1) 農林業の振興\t新規就農者支援事業",
            "\t\tほ場整備事業",
            "\t(2) 観光の振興\t観光パンフレット作成事業",
            "2 安心して子育てできるまち\t(1) 子育て支援の充実\t保育所運営事業",
        ),
        [
            (None, "新規就農者支援事業", "1活力ある産業のまち", "(1) 農林業の振興", None, None),
            (None, "ほ場整備事業", "1活力ある産業のまち", "(1) 農林業の振興", None, None),
            (None, "観光パンフレット作成事業", "1活力ある産業のまち", "(2) 観光の振興", None, None),
            (None, "保育所運営事業", "2安心して子育てできるまち", "(1) 子育て支援の充実", None, None),
        ],
        id="policy-measure-project-without-numbers",
    ),
    pytest.param(
        # 新規 flags the project (a blank flag cell is no flag, not the flag above it carried
        # down); 主管課 is an attribute, no category; 掲載ページ is the page reference.
        FLAGS_ORGANISATION_PAGE,
        [
            (1, "電子自治体推進事業費", "2.1.1", None, None, "new"),
            (2, "総務財産管理費", "2.1.6", None, None, None),
            (3, "庁舎管理費", "2.1.6", None, None, "new"),
        ],
        id="flags-organisation-and-page",
    ),
    pytest.param(
        # A blank 款項目 cell is the label above carried down; a blank 新規 cell is no flag.
        tsv(
            "番号\t款項目\t新規\t事業名\t事業費（千円）",
            "1\t2.1.1\t新\t電子自治体推進事業費\t1,056",
            "2\t\t\t総務財産管理費\t28,000",
            "3\t2.1.6\t\t\t1,000",
            "\t\t\t\t500",
        ),
        [
            (1, "電子自治体推進事業費", "2.1.1", None, None, "new"),
            (2, "総務財産管理費", "2.1.1", None, None, None),
            (3, "", "2.1.6", None, None, "missing-name"),
        ],
        id="blank-category-carried-blank-flag-not-a-number-without-name",
    ),
    pytest.param(
        tsv(
            "No\t取組名",
            "1\t防災訓練の合同実施",
            "1\t防災資機材の共同運用",
            "2\t公共交通の利用促進",
        ),
        [
            (1, "防災訓練の合同実施", None, None, None, None),
            (1, "防災資機材の共同運用", None, None, None, "duplicate-number"),
            (2, "公共交通の利用促進", None, None, None, None),
        ],
        id="a-number-printed-twice-is-flagged",
    ),
    pytest.param(
        tsv(
            "基本目標\t施策\t主な取組\t具体的な事業\tNo\t事業名",
            "1 しごと\t(1) 産業\tア 農業\t(ア) 担い手\t1\t新規就農者支援事業",
        ),
        [(1, "新規就農者支援事業", "1しごと", "(1) 産業", "ア農業 › (ア) 担い手", None)],
        id="a-fourth-level-joins-the-third",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_catalog_table_gives_its_projects(text: str, expected: list[Project]) -> None:
    assert projects_of(extract_text(text)) == expected


def test_amounts_and_other_columns_stay_in_cells_with_their_header_paths() -> None:
    extraction = extract_text(THREE_LEVELS_ONCE)
    cells = {(c.row_header, c.column_header): c for c in extraction.cells if c.role == "data"}
    cost = cells[("活力ある産業のまち › 農林業の振興 › 生産基盤の整備 › 2 › ほ場整備事業", "事業費(千円)")]
    assert (cost.value, cost.unit) == (Decimal("35000000"), "円")
    total = cells[("合計", "事業費(千円)")]
    assert total.aggregate and total.value == Decimal("201200000")
    assert len(cells) == 6  # five projects' amounts and the total: no name, number or category is a data cell
    assert not extraction.observations


def test_organisation_columns_left_of_the_name_stay_in_cells() -> None:
    extraction = extract_text(FLAGS_ORGANISATION_PAGE)
    stubs = [(c.row, c.text) for c in extraction.cells if c.role == "stub"]
    assert stubs == [(1, "情報政策課"), (2, "総務課"), (3, "総務課")]
    assert {c.text for c in extraction.cells if c.role == "data"} == {"1,056", "28,000", "11,253"}
    assert [p.page_ref for p in extraction.projects] == [12, 13, 13]


def test_budget_columns_of_two_years_are_still_a_catalog() -> None:
    """Its rows are projects: the amounts stay in cells, dated by their columns, and no project
    becomes a time series."""
    extraction = extract_text(tsv(
        "主要事業一覧（単位：千円）",
        "No\t事業名\t令和5年度\t令和6年度\t担当課",
        "1\t新規就農者支援事業\t1,000\t1,200\t農林課",
        "2\tほ場整備事業\t30,000\t35,000\t農林課",
    ))
    assert projects_of(extraction) == [(1, "新規就農者支援事業", None, None, None, None), (2, "ほ場整備事業", None, None, None, None)]
    assert not extraction.observations
    dated = sorted((c.row_header, c.period, c.value) for c in extraction.cells if c.period)
    assert dated == [
        ("1 › 新規就農者支援事業", "FY2023", Decimal("1000000")),
        ("1 › 新規就農者支援事業", "FY2024", Decimal("1200000")),
        ("2 › ほ場整備事業", "FY2023", Decimal("30000000")),
        ("2 › ほ場整備事業", "FY2024", Decimal("35000000")),
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(tsv("分野\tカテゴリ", "医療\t救急医療体制", "\t地域医療", "教育\t生涯学習"), id="categories-without-projects"),
        pytest.param(tsv("区分\tR5\tR6", "出生\t1\t2", "死亡\t3\t4"), id="a-time-series"),
        pytest.param(tsv("事業費\t事業主体名\t事業概要", "1,000\t南国市\t市道の補修"), id="attributes-of-a-project-are-no-name"),
    ],
)
def test_a_table_without_a_project_column_is_no_catalog(text: str) -> None:
    assert extract_text(text).projects == ()


@pytest.mark.parametrize(
    ("heading", "is_name"),
    [("事業名", True), ("事 業 名", True), ("事務事業名", True), ("連携事業", True), ("取組名", True), ("具体的な取組", True),
     ("名称", False), ("主要事業", True), ("事業費（千円）", False), ("事業主体名", False), ("事業概要", False), ("担当課", False)],
)
def test_name_headings(heading: str, is_name: bool) -> None:
    assert is_name_heading((heading,)) is is_name


def test_a_name_column_headed_only_name_needs_a_title_that_lists_projects() -> None:
    facilities = tsv("消防施設等の整備状況", "名称\t所在地\t延面積", "音威子府消防支署\t音威子府453番地\t601.72㎡", "咲来消防会館\t咲来368番地\t207.695㎡")
    assert extract_text(facilities).projects == ()
    listed = tsv("連携事業一覧", "No\t名称\t担当課", "1\t広域観光ルートの形成\t商工観光課", "2\t移住相談窓口の共同運営\t企画課")
    assert [(p.project_number, p.project_name) for p in extract_text(listed).projects] == [(1, "広域観光ルートの形成"), (2, "移住相談窓口の共同運営")]


def test_heading_without_note_and_categories_padded() -> None:
    assert heading_of(("財源内訳", "国（千円）")) == "国"
    assert path_to_categories(("a",)) == ("a", None, None)
    assert path_to_categories(("a", "b", "c", "d")) == ("a", "b", "c › d")
    assert CatalogColumns(name=4, number=3, categories=(0, 1, 2)).taken == frozenset({0, 1, 2, 3, 4})


# --- real documents (tests/real/) ------------------------------------------------------------------------

REAL_CATALOGS = ("nankoku-r4-new-projects", "nankoku-r4-continuing-projects", "nobeoka-r8-june-supplementary-projects")


def real_projects(slug: str) -> list:
    from tests.real_corpus import extract

    return list(extract(slug).extraction.projects)


def test_real_new_projects_list_numbered_under_their_budget_codes() -> None:
    """南国市 R4 新規事業: 番号 | 主管課 | 款項目 | 事業名 | amounts: 主管課 is no category."""
    projects = real_projects("nankoku-r4-new-projects")
    assert [p.project_number for p in projects] == list(range(1, 20))
    assert (projects[0].project_name, projects[0].category_1, projects[0].category_2) == (
        "電子自治体推進事業費(ホームページSNS連携機能追加業務委託料)", "2.1.1", None)
    assert projects[9].category_1 == "4.1.2"


def test_real_supplementary_budget_projects_under_merged_budget_items() -> None:
    """延岡市 6月補正: a 款・項・目 cell merged over several projects belongs to each; 新規 marks
    are flags of their own row only."""
    projects = real_projects("nobeoka-r8-june-supplementary-projects")
    by_name = {p.project_name.split("事業")[0]: p for p in projects}
    assert len(projects) == 23
    merged = "4衛生費1)保健衛生費(6)環境衛生費2)清掃費(1)清掃総務費3)上水道費(1)上水道施設費"
    assert [(p.project_number, p.category_1, p.flags) for p in projects[1:4]] == [(2, merged, "new"), (3, merged, None), (4, merged, None)]
    assert by_name["祝子川エリア五感解放ガストロノミー&宿泊造成"].category_1 == "7商工費1)商工費(5)観光費(6)地域雇用推進費"
    assert all(p.category_2 is None for p in projects)


@pytest.mark.parametrize(("slug", "right"), [("nankoku-r4-new-projects", 20), ("nankoku-r4-continuing-projects", 5), ("nobeoka-r8-june-supplementary-projects", 1)])
def test_real_catalogs_keep_their_keyed_amounts_in_cells(slug: str, right: int) -> None:
    """The amounts the projects do not hold are keyed as cells (project labels and column
    headings): claiming the tables as catalogs loses none of them."""
    from tests.real_corpus import score_document

    assert score_document(slug).right >= right


def test_merged_categories_spanning_many_rows_belong_to_every_row() -> None:
    """The issue's catalog: a ruled PDF whose 大分類 / 中分類 / 小分類 are merged cells over many
    rows, text in the middle of the span (rendered by tests/layout_fuzzer/, variant
    catalog-101-R-mm-hr-b0-te-lc; truth beside it). Read before as levels 1 and 2 swapped and
    blank on every covered row after the first (12 %); every project's three levels now."""
    import json
    from pathlib import Path

    from tests.layout_fuzzer import Truth, extract_file

    fixture = Path(__file__).resolve().parent / "fixtures" / "catalog" / "merged-categories-spanning-many-rows"
    truth = Truth.from_json(json.loads(fixture.with_suffix(".json").read_text(encoding="utf-8"))["truth"])
    got = [(p.project_number, p.project_name, p.category_1, p.category_2, p.category_3) for p in extract_file(fixture.with_suffix(".pdf"))["projects"]]
    assert got == [(p.project_number, p.project_name, p.category_1, p.category_2, p.category_3) for p in truth.projects]
