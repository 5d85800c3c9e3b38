"""KPI tables -> indicators: the real sample 004, then synthetic tables with other layouts."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from extractors.content.base import ExtractContext, Extraction
from extractors.content.kpi import KpiExtractor, clean_indicator, lines_to_footnote_periods
from extractors.content.kpi_layout import Role, table_to_layout
from extractors.content.kpi_text import Reading, cell_to_reading, lines_to_goal
from extractors.readers import ReadFailure, read_document
from schemas.quality import Code, Severity
from schemas.tables import IndicatorRow

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SAMPLE = SEEDS / "004_a61508fec1d3fe11.txt"

GOAL_1 = "基本目標1 安定した雇用を創出するとともに、経済を支える人材を育て活かす"
GOAL_2 = "基本目標2 新しい「ひとの流れ」をつくる"
GOAL_3 = "基本目標3 結婚・出産・子育ての希望をかなえる、誰もが活躍できる地域社会をつくる"


def extract_text(text: str) -> Extraction:
    document = read_document(text.encode("utf-8"), "synthetic.txt")
    assert not isinstance(document, ReadFailure)
    return KpiExtractor().extract(document, document.tables, ExtractContext())


def values(row: IndicatorRow) -> tuple:
    """(value, unit, period, text) of baseline, actual and target."""
    return (
        (row.baseline_value, row.baseline_unit, row.baseline_period, row.baseline_text),
        (row.actual_value, row.actual_unit, row.actual_period, row.actual_text),
        (row.target_value, row.target_unit, row.target_period, row.target_text),
    )


@pytest.fixture(scope="module")
def sample() -> Extraction:
    document = read_document(SAMPLE.read_bytes(), SAMPLE.name)
    assert not isinstance(document, ReadFailure)
    return KpiExtractor().extract(document, document.tables, ExtractContext())


@pytest.fixture(scope="module")
def by_name(sample: Extraction) -> dict[str, IndicatorRow]:
    rows = {row.indicator: row for row in sample.indicators}
    assert len(rows) == len(sample.indicators)  # names are unique in 004
    return rows


# --- sample 004 ---------------------------------------------------------------------------------------------


def test_sample_has_every_kpi_row_of_the_eight_tables(sample: Extraction) -> None:
    # Four 基本目標 tables (4 + 3 + 4 + 4 rows) and four 各施策 tables (6 + 6 + 3 + 6 rows).
    rows = sample.indicators
    assert len(rows) == 36
    assert [r.row for r in rows] == list(range(36))
    assert rows[14].indicator == "新たな利活用サービスの実装数"  # last row of the 基本目標 tables
    assert rows[15].indicator == "農業における新たなビジネスモデルの創出件数"  # first of the 各施策 tables
    assert not [r for r in rows[:15] if r.measure and r.measure.endswith("事業")]
    assert all(r.measure and r.measure.endswith("事業") for r in rows[15:])
    counts = {}
    for r in rows:
        counts[r.goal] = counts.get(r.goal, 0) + 1
    assert counts[GOAL_1] == 4 + 6
    assert counts[GOAL_2] == 3 + 6
    assert counts[GOAL_3] == 4 + 3


def test_sample_income_row_has_exact_values_periods_and_footnoted_baseline(by_name: dict[str, IndicatorRow]) -> None:
    row = by_name["1人あたりの総所得"]
    assert (row.goal, row.measure) == (GOAL_1, "総所得の向上")
    assert values(row) == (
        (Decimal("1718000"), "円", "2022", "1,718千円"),  # 2022: footnote ① (基準値: 2022年)
        (Decimal("1918000"), "円", "FY2024", "1,918千円"),  # header R6実績
        (Decimal("2000000"), "円", "FY2027", "2,000千円"),  # header R9目標値
    )


def test_sample_not_surveyed_and_unpublished_keep_text_without_value(by_name: dict[str, IndicatorRow]) -> None:
    row = by_name["従業者1人あたりの付加価値額"]
    assert row.measure == "労働生産性の向上"
    assert (row.actual_value, row.actual_unit, row.actual_period, row.actual_text) == (None, None, "FY2024", "調査なし (次回R8)")
    farm = by_name["農業産出額"]
    assert (farm.baseline_value, farm.baseline_unit, farm.baseline_period) == (Decimal("17673000000"), "円", "2019/2021")
    assert (farm.actual_value, farm.actual_text) == (None, "未公表")
    assert farm.target_value == Decimal("17800000000")


def test_sample_blank_measure_means_same_as_above(by_name: dict[str, IndicatorRow]) -> None:
    assert by_name["従業者1人あたりの製造品出荷額等"].measure == "労働生産性の向上"
    assert by_name["従業者1人あたりの製造品出荷額等"].baseline_period == "2020/2022"  # ③ (基準値: 2020~2022年平均)
    assert by_name["合計特殊出生率 (5か年平均)"].measure == "合計特殊出生率の向上"
    assert by_name["新規作物及び新規販路開拓の対象品目"].measure == "農業DX推進事業"
    assert by_name["社会動態における転出率"].measure == "移住定住促進事業"


def test_sample_negative_and_percent_values(by_name: dict[str, IndicatorRow]) -> None:
    row = by_name["転出超過数"]
    assert (row.goal, row.measure) == (GOAL_2, "転出超過数を2014年の2分の1に抑制")
    assert [v[:3] for v in values(row)] == [
        (Decimal("-389"), "人", "2022"),
        (Decimal("-284"), "人", "FY2024"),
        (Decimal("-275"), "人", "FY2027"),
    ]
    rate = by_name["人口の社会増減率"]
    assert [v[0] for v in values(rate)] == [Decimal("-0.50"), Decimal("-0.38"), Decimal("-0.40")]
    assert str(rate.baseline_value) == "-0.50"  # printed scale kept
    assert rate.baseline_unit == "%"
    fertility = by_name["合計特殊出生率 (単年)"]
    assert [v[:2] for v in values(fertility)] == [(Decimal("0.99"), None), (Decimal("0.99"), None), (Decimal("1.40"), None)]
    health = by_name["健康寿命 (男性)"]
    assert (health.baseline_value, health.baseline_unit, health.baseline_period) == (Decimal("78.97"), "歳", "FY2022")


def test_sample_measure_tables_read_notes_and_the_headerless_target(by_name: dict[str, IndicatorRow]) -> None:
    row = by_name["農業における新たなビジネスモデルの創出件数"]
    assert (row.goal, row.measure) == (GOAL_1, "農業DX推進事業")
    assert values(row) == (
        (Decimal("1"), "件", "FY2022", "1件 (R4実績)"),
        (Decimal("0"), "件", "FY2024", "0件"),
        (Decimal("3"), "件", None, "3件 (計画終了時点)"),  # no header, no period in the note
    )
    dash = by_name["新規作物及び新規販路開拓の対象品目"]
    assert (dash.baseline_value, dash.baseline_period, dash.baseline_text) == (None, None, "-")
    assert (dash.target_value, dash.target_unit) == (Decimal("2"), "品目")
    founders = by_name["創業塾受講後の創業人数"]
    assert (founders.baseline_value, founders.baseline_period) == (Decimal("25"), "FY2020/FY2022")
    assert (founders.target_value, founders.target_text) == (Decimal("40"), "40人 (4年間の合計)")
    premium = by_name["プレミアム付建設券による経済波及効果"]
    assert [v[:3] for v in values(premium)] == [
        (Decimal("2480000000"), "円", "FY2022"),
        (Decimal("1740000000"), "円", "FY2024"),
        (Decimal("2480000000"), "円", None),
    ]
    farmers = by_name["新規就農者数"]
    assert [v[:3] for v in values(farmers)] == [
        (Decimal("14"), "人/年", "FY2020/FY2022"),
        (Decimal("17"), "人/年", "FY2024"),
        (Decimal("20"), "人/年", None),
    ]


def test_sample_later_measure_tables_have_the_target_header(by_name: dict[str, IndicatorRow]) -> None:
    row = by_name["観光入込客数 (イベントを除く)"]
    assert (row.goal, row.measure) == (GOAL_2, "観光物産振興事業")
    assert [v[:3] for v in values(row)] == [
        (Decimal("678418"), "人", "FY2020/FY2022"),
        (Decimal("920849"), "人", "FY2024"),
        (Decimal("1180000"), "人", "FY2027"),
    ]
    assert row.target_text == "1,180,000人 (計画終了時点)"
    name = "この地域で子育てしていきたいと答えた人の割合 (3歳児健診アンケート調査)"
    assert by_name[name].goal == GOAL_3
    assert by_name[name].actual_value == Decimal("48.90")
    last = by_name["ICTを活用したサービスの利用件数"]
    assert last.measure == "スマート・デジタル自治体推進事業 窓口スマート化推進事業"
    assert (last.baseline_value, last.actual_value, last.target_value) == (Decimal("88158"), Decimal("129378"), Decimal("105000"))


def test_sample_indicator_names_are_clean(sample: Extraction) -> None:
    for row in sample.indicators:
        assert row.indicator and row.indicator[0] not in "①②③④⑤⑥", row.indicator
        assert not re.search(r"[^\x00-\x7f] [^\x00-\x7f(]", row.indicator), row.indicator  # no wrapped-line spaces
    names = [row.indicator for row in sample.indicators]
    assert "岩見沢市と教育大学岩見沢校の連携事業数" in names  # printed 教育大学 岩見沢校
    assert "全市人口に対する中心市街地人口の比率" in names


def test_sample_reports_the_header_repair_and_no_unparsed_value(sample: Extraction) -> None:
    codes = [(i.code, i.severity, i.location) for i in sample.issues]
    assert (Code.CELL_REPAIRED, Severity.INFO, "page 1, line 193") in codes
    assert not [i for i in sample.issues if i.code is Code.UNPARSED_VALUE]


def test_population_tables_are_not_kpi_tables() -> None:
    document = read_document(SAMPLE.read_bytes(), SAMPLE.name)
    assert not isinstance(document, ReadFailure)
    kpi_first_lines = [t.first_line for t in document.tables if table_to_layout(t) is not None]
    assert kpi_first_lines == [118, 137, 159, 177, 193, 204, 215, 223]


# --- synthetic tables -----------------------------------------------------------------------------------------

# One header row, other words (施策 / 指標名 / 現状値 / 目標値 / 実績値), a unit column, the
# target printed before the actual, a Roman goal number.
UNIT_COLUMN_TABLE = """基本目標Ⅱ 子育て世代に選ばれるまち

施策\t指標名\t単位\t現状値 (H30)\t目標値 (R7)\t実績値 (R5)
子育て支援\t①保育所待機児童数\t人\t12\t0\t3
\t②子育て支援センター利用者数\t人\t8,500\t10,000\t9,120
企業誘致\t③誘致企業の設備投資額\t千円\t120,000\t200,000\t調査中
"""


def test_one_row_header_with_unit_column_and_columns_in_another_order() -> None:
    result = extract_text(UNIT_COLUMN_TABLE)
    rows = result.indicators
    assert [(r.goal, r.measure, r.indicator) for r in rows] == [
        ("基本目標II 子育て世代に選ばれるまち", "子育て支援", "保育所待機児童数"),
        ("基本目標II 子育て世代に選ばれるまち", "子育て支援", "子育て支援センター利用者数"),
        ("基本目標II 子育て世代に選ばれるまち", "企業誘致", "誘致企業の設備投資額"),
    ]
    assert values(rows[0]) == (
        (Decimal("12"), "人", "FY2018", "12"),
        (Decimal("3"), "人", "FY2023", "3"),
        (Decimal("0"), "人", "FY2025", "0"),
    )
    assert (rows[1].baseline_value, rows[1].actual_value, rows[1].target_value) == (Decimal("8500"), Decimal("9120"), Decimal("10000"))
    assert values(rows[2]) == (
        (Decimal("120000000"), "円", "FY2018", "120,000"),  # the unit column's 千 scales the value
        (None, None, "FY2023", "調査中"),
        (Decimal("200000000"), "円", "FY2025", "200,000"),
    )
    assert result.issues == ()


# Two header rows; 実績 spans two period columns (the later one is the actual); the target
# column has no header at all; a 備考 column of sentences; an indicator name wrapped onto a
# row of its own; a value keikaku cannot read.
SPANNING_TABLE = """【基本目標3】安全・安心なまちづくり
(単位：人)
事業\t成果指標\t基準値\t実績\t\t\t備考
\t\t令和元年度\tR5年度\tR6年度\t\t
防災推進事業\t①防災訓練参加者数\t1,200\t1,350\t1,420\t1,500 (R9)\t訓練を毎年実施し、参加者は増加傾向にある。
\t②自主防災組織の\t45%\t52%\t55%\t60% (R9)\t
\t活動カバー率\t\t\t\t\t
交通安全事業\t③交通事故件数\t前年比1.2倍\t▲3\t△ 5\t0 (各年度)\t目標を下回った。
"""


def test_two_row_header_with_span_missing_target_header_and_wrapped_name() -> None:
    result = extract_text(SPANNING_TABLE)
    rows = result.indicators
    assert [(r.goal, r.measure, r.indicator) for r in rows] == [
        ("基本目標3 安全・安心なまちづくり", "防災推進事業", "防災訓練参加者数"),
        ("基本目標3 安全・安心なまちづくり", "防災推進事業", "自主防災組織の活動カバー率"),
        ("基本目標3 安全・安心なまちづくり", "交通安全事業", "交通事故件数"),
    ]
    assert values(rows[0]) == (
        (Decimal("1200"), "人", "FY2019", "1,200"),  # unit from the (単位：人) note
        (Decimal("1420"), "人", "FY2024", "1,420"),  # the later of the two 実績 columns
        (Decimal("1500"), "人", "FY2027", "1,500 (R9)"),  # headerless column read as the target
    )
    assert [v[:3] for v in values(rows[1])] == [
        (Decimal("45"), "%", "FY2019"),
        (Decimal("55"), "%", "FY2024"),
        (Decimal("60"), "%", "FY2027"),
    ]
    assert values(rows[2]) == (
        (None, None, "FY2019", "前年比1.2倍"),
        (Decimal("-5"), "人", "FY2024", "△ 5"),
        (Decimal("0"), "人", None, "0 (各年度)"),
    )
    unparsed = [i for i in result.issues if i.code is Code.UNPARSED_VALUE]
    assert [(i.severity, i.table, i.location) for i in unparsed] == [(Severity.WARNING, "indicators", "page 1, line 8")]
    assert "前年比1.2倍" in unparsed[0].message
    repaired = [i.message for i in result.issues if i.code is Code.CELL_REPAIRED]
    assert repaired == ["KPI table: column 6 (no header) read as target from its position"]


# A header that only says 指標 / 目標 with a period column in front of the value columns.
PERIOD_COLUMN_TABLE = """評価指標\t基準年\t基準値\t目標値 (2030年)
温室効果ガス排出量\t2013年度\t52.4万t-CO2\t26.2万t-CO2
再生可能エネルギー導入量\t2019年度\t12,000kW\t30,000kW
"""


def test_period_column_gives_each_row_its_baseline_period() -> None:
    rows = extract_text(PERIOD_COLUMN_TABLE).indicators
    assert [(r.measure, r.indicator) for r in rows] == [(None, "温室効果ガス排出量"), (None, "再生可能エネルギー導入量")]
    assert [(r.baseline_value, r.baseline_unit, r.baseline_period) for r in rows] == [
        (Decimal("524000"), "t-CO2", "FY2013"),
        (Decimal("12000"), "kW", "FY2019"),
    ]
    assert [(r.target_value, r.target_period) for r in rows] == [(Decimal("262000"), "2030"), (Decimal("30000"), "2030")]
    assert [(r.actual_value, r.actual_text) for r in rows] == [(None, None), (None, None)]


# A goal column inside the table, 策定時 / 目標 wording, long indicator names (no ①②), no
# actual column at all.
GOAL_COLUMN_TABLE = """基本目標\t施策\t成果指標\t策定時\t目標
1 産業振興\t企業立地の推進\t市内の工業団地に立地した企業の数と新たに雇用された常用雇用者の合計人数\t120人\t300人
\t\t市内事業所の従業者一人あたりの製造品出荷額等(経済構造実態調査による)\t2,345万円\t2,600万円
2 観光交流\t観光の振興\t観光入込客数のうち道外及び海外からの来訪者が占める割合(観光客動態調査による)\t18.5%\t25.0%
"""


def test_goal_column_and_long_indicator_names() -> None:
    rows = extract_text(GOAL_COLUMN_TABLE).indicators
    assert [(r.goal, r.measure, r.indicator) for r in rows] == [
        ("1 産業振興", "企業立地の推進", "市内の工業団地に立地した企業の数と新たに雇用された常用雇用者の合計人数"),
        ("1 産業振興", "企業立地の推進", "市内事業所の従業者一人あたりの製造品出荷額等(経済構造実態調査による)"),
        ("2 観光交流", "観光の振興", "観光入込客数のうち道外及び海外からの来訪者が占める割合(観光客動態調査による)"),
    ]
    assert [(r.baseline_value, r.baseline_unit, r.target_value, r.target_unit) for r in rows] == [
        (Decimal("120"), "人", Decimal("300"), "人"),
        (Decimal("23450000"), "円", Decimal("26000000"), "円"),
        (Decimal("18.5"), "%", Decimal("25.0"), "%"),
    ]
    assert {(r.baseline_period, r.actual_value, r.actual_text, r.target_period) for r in rows} == {(None, None, None, None)}


NOT_KPI_TABLES = """(単位：人)
区分\tR4実績\tR5実績\tR6実績
転入\t2,501\t2,406\t2,469

区分\t2020年\t2021年
人口\t80,410\t79,352
"""


def test_tables_that_name_only_actuals_or_periods_are_not_kpi_tables() -> None:
    assert extract_text(NOT_KPI_TABLES).indicators == ()


# --- the small functions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "goal"),
    [
        (["基本目標 1 安定した雇用を創出するとともに、", "経済を支える人材を育て活かす", "- (1) ICTや農業"], GOAL_1),
        (["【基本目標1】安定した雇用を創出するとともに、経済を支える人材を育て活かす"], GOAL_1),
        (["基本目標１：新しい「ひとの流れ」をつくる"], "基本目標1 新しい「ひとの流れ」をつくる"),
        (["基本目標①", "ひとの流れをつくる"], "基本目標1 ひとの流れをつくる"),
        (["(2) 基本目標と登載事業 ～ 【基本目標：4】【戦略事業：28事業】"], None),
        (["基本目標1 A", "本文。", "基本目標2 B"], "基本目標2 B"),
        (["目標値: 計画期間終了時点"], None),
    ],
)
def test_lines_to_goal(lines: list[str], goal: str | None) -> None:
    assert lines_to_goal(lines) == goal


@pytest.mark.parametrize(
    ("printed", "column_period", "unit", "reading", "problem"),
    [
        ("1件 (R4実績)", None, None, Reading(Decimal("1"), "件", "FY2022", "1件 (R4実績)"), False),
        ("14人/年 (R2~R4平均)", "FY2027", None, Reading(Decimal("14"), "人/年", "FY2020/FY2022", "14人/年 (R2~R4平均)"), False),
        ("3件 (計画終了時点)", "FY2027", None, Reading(Decimal("3"), "件", "FY2027", "3件 (計画終了時点)"), False),
        ("調査なし (次回R8)", "FY2024", None, Reading(None, None, "FY2024", "調査なし (次回R8)"), False),
        ("-", None, None, Reading(None, None, None, "-"), False),
        ("1,234", None, "千円", Reading(Decimal("1234000"), "円", None, "1,234"), False),
        ("", "FY2024", None, Reading(), False),
        ("増加", "FY2027", None, Reading(None, None, "FY2027", "増加"), True),
    ],
)
def test_cell_to_reading(printed: str, column_period: str | None, unit: str | None, reading: Reading, problem: bool) -> None:
    got, message = cell_to_reading(printed, column_period, unit)
    assert got == reading
    assert (message is not None) == problem


def test_footnotes_give_periods_per_circled_number() -> None:
    lines = [
        "基準値・目標値等の考え方",
        "- ①②住民基本台帳人口 (基準値: 2022年、目標値: 計画期間終了時点)",
        "- ③経済構造実態調査 ※製造業 (基準値: 2020~2022年平均、目標値: R9年度)",
        "- ④岩見沢市算定数値 (目標値: 計画期間終了時点)",
    ]
    assert lines_to_footnote_periods(lines) == {
        1: {Role.BASELINE: "2022"},
        2: {Role.BASELINE: "2022"},
        3: {Role.BASELINE: "2020/2022", Role.TARGET: "FY2027"},
    }


@pytest.mark.parametrize(
    ("printed", "clean"),
    [
        ("①1人あたりの総所得", "1人あたりの総所得"),
        ("②全市人口に対する 中心市街地人口の比率", "全市人口に対する中心市街地人口の比率"),
        ("⑥ポータルサイト閲覧者数 (魅力発信)", "ポータルサイト閲覧者数 (魅力発信)"),  # a space before a bracket stays
        ("ＫＰＩ名称", "KPI名称"),
    ],
)
def test_clean_indicator(printed: str, clean: str) -> None:
    assert clean_indicator(printed) == clean


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("高校の入学者数４０人（2014年度）→年４０人（2019年度）", ("高校の入学者数", "40", "FY2014", "40", "FY2019")),
        ("◇卒業生の新規就業者数０人（2014年度）→５年間で６人（2019年度）", ("卒業生の新規就業者数", "0", "FY2014", "6", "FY2019")),
        ("人口は2000人（2010年）から1500人（2020年）に減少した。", None),  # a sentence, no target
        ("人口2000人（2010年）→1500人（2020年）に減少した。", None),
    ],
)
def test_targets_stated_in_a_line(line: str, expected: tuple[str, ...] | None) -> None:
    from extractors.content.kpi_text import line_to_stated_target

    found = line_to_stated_target(line)
    if expected is None:
        assert found is None
        return
    assert found is not None
    name, base, target = found
    assert (name, str(base.value), base.period, str(target.value), target.period) == expected


def test_targets_stated_as_a_block_of_lines_with_the_value_reached() -> None:
    # As a 広報 prints its strategy's review: the indicator on its own line, its values below,
    # the value reached after; a baseline printed as － is no value, and a KPI line with only an
    # achievement rate (指標達成度) is no target.
    from extractors.content.kpi_text import items_to_stated_targets

    text = (
        "◇基本目標1：「村の振興の要となる高校の機能強化」\n"
        "◆数値指標：「高校入学者数」\n"
        "…現状値（2014）40人／目標値（2019）40人\n"
        "→【最終値38人】\n"
        "KPI「中学校訪問実施校数」 →【指標達成度100％】\n"
        "◆数値指標：「村づくり事業数」\n"
        "…現状値（2014）－／目標値（2019）2事業\n"
    )
    document = read_document(text.encode("utf-8"), "t.txt")
    assert not isinstance(document, ReadFailure)
    rows = items_to_stated_targets("d", document.items, 0)
    got = [(r.indicator, r.baseline_value, r.baseline_period, r.target_value, r.target_period, r.actual_value) for r in rows]
    assert got == [
        ("高校入学者数", Decimal(40), "2014", Decimal(40), "2019", Decimal(38)),
        ("村づくり事業数", None, "2014", Decimal(2), "2019", None),
    ]
    assert rows[0].goal and "高校の機能強化" in rows[0].goal
