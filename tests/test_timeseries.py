"""Time-series tables -> observations: the real sample 004, then synthetic tables."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from extractors.content.base import ExtractContext, Extraction
from extractors.content.kpi import KpiExtractor
from extractors.content.timeseries import TimeSeriesExtractor
from extractors.readers import ReadFailure, read_document
from extractors.tables.axis_periods import table_counts_fiscal_years
from extractors.tables.captions import context_to_title_line, line_to_title
from pipeline.stages import run_extractors
from schemas.quality import Code, Severity
from schemas.tables import ObservationRow

SAMPLE = Path(__file__).resolve().parent.parent / "seeds" / "004_a61508fec1d3fe11.txt"

YEARS = ["2014", "2015", "2019", "2020", "2021", "2022", "2023", "2024"]
OVERVIEW = "自然動態と社会動態の概況"
BY_AGE = "年代別社会増減の推移"


def extract_text(text: str) -> Extraction:
    """The time series of a text, after the KPI extractor has claimed its tables (as in the pipeline)."""
    document = read_document(text.encode("utf-8"), "synthetic.txt")
    assert not isinstance(document, ReadFailure)
    return run_extractors(document, (KpiExtractor(), TimeSeriesExtractor()), ExtractContext())[0]


def series_of(rows: tuple[ObservationRow, ...] | list[ObservationRow], title: str, series: str) -> dict[str, Decimal | None]:
    return {r.period: r.value for r in rows if r.table_title == title and r.series == series}


def as_decimals(*numbers: int | str) -> list[Decimal]:
    return [Decimal(str(n)) for n in numbers]


@pytest.fixture(scope="module")
def sample() -> Extraction:
    return extract_text(SAMPLE.read_text(encoding="utf-8"))


# --- sample 004 ---------------------------------------------------------------------------------------------


def test_sample_overview_table_has_every_series_with_group_labels(sample: Extraction) -> None:
    rows = [r for r in sample.observations if r.table_title == OVERVIEW]
    series = list(dict.fromkeys(r.series for r in rows))
    assert series == [
        "自然動態 / 出生数",
        "自然動態 / 合計特殊出生率",
        "自然動態 / 死亡",
        "自然動態 / 自然増減",
        "社会動態 / 転入",
        "社会動態 / 転出",
        "社会動態 / 社会増減",
        "年末人口",  # a first-column label starts a new group
    ]
    assert len(rows) == 8 * 8
    for name in series:
        assert list(series_of(rows, OVERVIEW, name)) == YEARS  # calendar years (各年12月末)


def test_sample_overview_values_are_exact(sample: Extraction) -> None:
    rows = sample.observations
    assert list(series_of(rows, OVERVIEW, "自然動態 / 出生数").values()) == as_decimals(509, 491, 376, 372, 329, 287, 313, 275)
    assert list(series_of(rows, OVERVIEW, "自然動態 / 自然増減").values()) == as_decimals(-680, -589, -793, -717, -891, -970, -1011, -1034)
    assert list(series_of(rows, OVERVIEW, "社会動態 / 社会増減").values()) == as_decimals(-550, -656, -575, -341, -349, -389, -220, -284)
    fertility = series_of(rows, OVERVIEW, "自然動態 / 合計特殊出生率")
    assert list(fertility.values()) == as_decimals("1.27", "1.27", "1.14", "1.18", "1.06", "0.99", "1.09", "0.99")
    # The 年末人口 row is printed one cell to the left of the others: matched by counting.
    population = series_of(rows, OVERVIEW, "年末人口")
    assert list(population.values()) == as_decimals(86054, 84809, 80410, 79352, 78112, 76868, 75522, 74204)


def test_sample_overview_units_and_printed_text(sample: Extraction) -> None:
    rows = {(r.table_title, r.series, r.period): r for r in sample.observations}
    natural = rows[(OVERVIEW, "自然動態 / 自然増減", "2014")]
    assert (natural.value, natural.unit, natural.value_text) == (Decimal("-680"), "人", "▲ 680")
    end = rows[(OVERVIEW, "年末人口", "2024")]
    assert (end.value, end.unit, end.value_text) == (Decimal("74204"), "人", "74,204")
    rate = rows[(OVERVIEW, "自然動態 / 合計特殊出生率", "2024")]
    assert (rate.value, rate.unit) == (Decimal("0.99"), None)  # a rate is not counted in 人


def test_sample_age_table_with_three_header_rows(sample: Extraction) -> None:
    rows = [r for r in sample.observations if r.table_title == BY_AGE]
    assert list(dict.fromkeys(r.series for r in rows)) == [
        "14歳以下", "15~19歳", "20~29歳", "30~39歳", "40~64歳", "65歳以上", "職権", "差引増減",
    ]  # fmt: skip
    assert len(rows) == 64
    assert list(series_of(rows, BY_AGE, "14歳以下").values()) == as_decimals(-15, -14, -11, 1, 44, 4, 22, 20)
    assert list(series_of(rows, BY_AGE, "65歳以上").values()) == as_decimals(-127, -93, -120, -77, -50, -81, -91, -52)
    assert series_of(rows, BY_AGE, "差引増減") == dict(zip(YEARS, as_decimals(-550, -656, -575, -341, -349, -389, -220, -284), strict=True))
    assert {r.unit for r in rows} == {"人"}


def test_sample_projection_share_table_without_row_label(sample: Extraction) -> None:
    title = "社人研推計に基づく圏域における当市の人口割合"
    rows = [r for r in sample.observations if r.table_title == title]
    assert [(r.series, r.period, r.value, r.unit) for r in rows] == [
        (title, "2025", Decimal("52.5"), "%"),
        (title, "2030", Decimal("53.4"), "%"),
        (title, "2035", Decimal("54.3"), "%"),
        (title, "2040", Decimal("55.1"), "%"),
    ]


def test_sample_has_no_other_observations_and_no_issues(sample: Extraction) -> None:
    assert len(sample.observations) == 64 + 64 + 4
    assert [i for i in sample.issues if i.table == "observations"] == []


def test_kpi_and_time_series_extractors_do_not_share_tables() -> None:
    """The KPI extractor runs first and claims its tables; the time series sees the rest."""
    document = read_document(SAMPLE.read_bytes(), SAMPLE.name)
    assert not isinstance(document, ReadFailure)
    kpi = KpiExtractor().extract(document, document.tables, ExtractContext())
    rest = [t for t in document.tables if t.index not in kpi.claimed]
    series = TimeSeriesExtractor().extract(document, rest, ExtractContext())
    first_line = {t.index: t.first_line for t in document.tables}
    assert [first_line[i] for i in kpi.claimed] == [118, 137, 159, 177, 193, 204, 215, 223]
    assert [first_line[i] for i in series.claimed] == [68, 92, 386]


# --- synthetic tables -----------------------------------------------------------------------------------------

FISCAL_TABLE = """(2) 市税収入の推移
(単位：千円)
区分\t令和3年度\t令和4年度\t令和5年度
個人市民税\t1,234,567\t1,250,000\t1,261,000
固定資産税\t2,000,000\t-\t2,100,500
"""


def test_fiscal_header_and_thousand_yen_unit() -> None:
    result = extract_text(FISCAL_TABLE)
    assert [(r.table_title, r.series, r.period, r.value, r.unit, r.value_text) for r in result.observations] == [
        ("市税収入の推移", "個人市民税", "FY2021", Decimal("1234567000"), "円", "1,234,567"),
        ("市税収入の推移", "個人市民税", "FY2022", Decimal("1250000000"), "円", "1,250,000"),
        ("市税収入の推移", "個人市民税", "FY2023", Decimal("1261000000"), "円", "1,261,000"),
        ("市税収入の推移", "固定資産税", "FY2021", Decimal("2000000000"), "円", "2,000,000"),
        ("市税収入の推移", "固定資産税", "FY2022", None, None, "-"),
        ("市税収入の推移", "固定資産税", "FY2023", Decimal("2100500000"), "円", "2,100,500"),
    ]
    assert result.issues == ()


ERA_TABLE = """{title}
区分\tH30\tR1\tR2
転入\t2,815\t2,739\t2,542
"""


@pytest.mark.parametrize(
    ("title", "periods"),
    [
        ("人口移動の状況 (各年1月1日現在)", ["2018", "2019", "2020"]),  # the note says calendar years
        ("人口移動の状況", ["FY2018", "FY2019", "FY2020"]),  # bare era years count fiscal years
    ],
)
def test_bare_era_years_follow_the_tables_calendar(title: str, periods: list[str]) -> None:
    rows = extract_text(ERA_TABLE.format(title=title)).observations
    assert [r.period for r in rows] == periods
    assert [r.value for r in rows] == as_decimals(2815, 2739, 2542)
    assert {r.table_title for r in rows} == {"人口移動の状況"}


# Group label column, a period header shifted one cell left of its values and split over two
# header rows with labels in between, a total row printed one cell to the left, Western years.
SHIFTED_TABLE = """表2-1 産業別就業者数
(単位：人)
区分\t2010年\t(前計画)\t\t(現計画)
\t\t\t2015年\t2020年
第1次産業\t農業\t1,020\t950\t880
\t林業\t120\t110\t95
第2次産業\t製造業\t3,400\t3,350\t3,300
合計\t4,540\t4,410\t4,275\t
"""


def test_shifted_header_and_shifted_row_are_aligned_by_counting_values() -> None:
    result = extract_text(SHIFTED_TABLE)
    got = {(r.series, r.period): r.value for r in result.observations}
    assert got == {
        ("第1次産業 / 農業", "2010"): Decimal("1020"),
        ("第1次産業 / 農業", "2015"): Decimal("950"),
        ("第1次産業 / 農業", "2020"): Decimal("880"),
        ("第1次産業 / 林業", "2010"): Decimal("120"),
        ("第1次産業 / 林業", "2015"): Decimal("110"),
        ("第1次産業 / 林業", "2020"): Decimal("95"),
        ("第2次産業 / 製造業", "2010"): Decimal("3400"),
        ("第2次産業 / 製造業", "2015"): Decimal("3350"),
        ("第2次産業 / 製造業", "2020"): Decimal("3300"),
        ("合計", "2010"): Decimal("4540"),
        ("合計", "2015"): Decimal("4410"),
        ("合計", "2020"): Decimal("4275"),
    }
    assert {r.table_title for r in result.observations} == {"産業別就業者数"}
    assert {r.unit for r in result.observations} == {"人"}


# Periods down the first column, series named by a two-row header with a spanning cell.
PERIODS_DOWN_TABLE = """表3 人口と世帯数の推移 (各年度末現在)
年度\t人口\t\t世帯数
\t男\t女\t
R2\t40,100\t42,300\t38,000
R3\t39,800\t42,000\t38,100
"""


def test_periods_down_the_first_column_with_spanning_header() -> None:
    rows = extract_text(PERIODS_DOWN_TABLE).observations
    assert [(r.table_title, r.series, r.period, r.value) for r in rows] == [
        ("人口と世帯数の推移", "人口 / 男", "FY2020", Decimal("40100")),
        ("人口と世帯数の推移", "人口 / 女", "FY2020", Decimal("42300")),
        ("人口と世帯数の推移", "世帯数", "FY2020", Decimal("38000")),
        ("人口と世帯数の推移", "人口 / 男", "FY2021", Decimal("39800")),
        ("人口と世帯数の推移", "人口 / 女", "FY2021", Decimal("42000")),
        ("人口と世帯数の推移", "世帯数", "FY2021", Decimal("38100")),
    ]


MISMATCH_TABLE = """人口動態
区分\t2020年\t2021年\t2022年
転入\t10\t20\t30\t40
転出\t5\t6\t7
出生\t1\t不明な値1\t3
"""


def test_rows_that_cannot_be_matched_and_unreadable_values_are_issues() -> None:
    result = extract_text(MISMATCH_TABLE)
    assert [(r.series, r.period, r.value, r.value_text) for r in result.observations] == [
        ("転出", "2020", Decimal("5"), "5"),
        ("転出", "2021", Decimal("6"), "6"),
        ("転出", "2022", Decimal("7"), "7"),
        ("出生", "2020", Decimal("1"), "1"),
        ("出生", "2021", None, "不明な値1"),  # kept as printed, without a value
        ("出生", "2022", Decimal("3"), "3"),
    ]
    assert [(i.code, i.severity, i.location) for i in result.issues] == [
        (Code.COUNT_MISMATCH, Severity.WARNING, "page 1, line 3"),  # 4 values for 3 periods
        (Code.UNPARSED_VALUE, Severity.WARNING, "page 1, line 5"),
    ]


def test_kpi_tables_are_left_to_the_kpi_extractor() -> None:
    text = "重要業績評価指標\t基準値\tR6実績\tR9目標値\n①転入者数\t2,000人\t2,100人\t2,300人\n"
    extraction = extract_text(text)
    assert extraction.observations == () and len(extraction.indicators) == 1


def test_actuals_by_year_without_baseline_or_target_are_a_time_series() -> None:
    """The word every period heading prints besides its period (実績) names the measure."""
    text = "(単位：人)\n区分\tR4実績\tR5実績\tR6実績\n転入\t2,501\t2,406\t2,469\n"
    rows = extract_text(text).observations
    assert [(r.series, r.period, r.value, r.unit) for r in rows] == [
        ("転入 / 実績", "FY2022", Decimal("2501"), "人"),
        ("転入 / 実績", "FY2023", Decimal("2406"), "人"),
        ("転入 / 実績", "FY2024", Decimal("2469"), "人"),
    ]


@pytest.mark.parametrize(
    ("headings", "series"),
    [
        (("本年度予算額", "前年度予算額"), "市税 / 予算額"),  # the measure both period headings print
        (("H26 (2014)", "初年度 H27 (2015)"), "市税"),  # an annotation of one period is no series
    ],
)
def test_series_take_the_measure_every_period_heading_prints(headings: tuple[str, str], series: str) -> None:
    text = f"令和8年度 予算\n(単位：千円)\n区分\t{headings[0]}\t{headings[1]}\n市税\t1,000\t900\n"
    rows = extract_text(text).observations
    assert {r.series for r in rows} == {series} and len(rows) == 2


def test_table_without_heading_is_named_by_its_place() -> None:
    rows = extract_text("区分\t2022年\t2023年\n転入\t5\t6\n").observations
    assert [(r.table_title, r.series, r.period, r.value) for r in rows] == [
        ("table at page 1, line 1", "転入", "2022", Decimal("5")),
        ("table at page 1, line 1", "転入", "2023", Decimal("6")),
    ]


def test_tables_without_periods_or_numbers_are_ignored() -> None:
    text = "分野\tカテゴリ\n医療\t救急医療体制\n\t地域医療\n\n\t令和7年度\t令和8年度\n防災\t連携事業の推進\t具体的取組の協議\n"
    result = extract_text(text)
    assert (result.observations, result.issues) == ((), ())


# --- the small functions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("(1) 自然動態と社会動態の概況 (各年12月末住民基本台帳)", "自然動態と社会動態の概況"),
        ("(2)年代別社会増減の推移", "年代別社会増減の推移"),
        ("※参考 社人研推計に基づく圏域における当市の人口割合", "社人研推計に基づく圏域における当市の人口割合"),
        ("表3-2 人口の推移（単位：人）", "人口の推移"),
        ("① 観光客数の推移 (男女別)", "観光客数の推移 (男女別)"),
    ],
)
def test_line_to_title(line: str, title: str) -> None:
    assert line_to_title(line) == title


def test_title_line_skips_unit_notes_bullets_and_sentences() -> None:
    context = ("2 人口動態について", "(1) 人口の推移", "- ▶ 出生数が減少している。", "(単位：人)")
    assert context_to_title_line(context) == "(1) 人口の推移"


def test_title_line_skips_running_text_wrapped_beside_the_table() -> None:
    """A magazine sets the table beside its text: the lines just above are a sentence's pieces
    (no full stop on the line), the heading is further up."""
    context = (
        "一般会計・歳入",
        "令和3年度の一般会計歳入予算総額は19億5,400万円となり、前年度比1.5％減となっています。",
        "項目(1)〜(7)の「自主財源」は3億2,846万円、歳入全体の16.8％で、「依存財源」とされる",
        "万円となり、歳入全体の83.2％を占め、特に地方交付税",
    )
    assert context_to_title_line(context) == "一般会計・歳入"
    assert context_to_title_line(("人口、世帯数の推移",)) == "人口、世帯数の推移"


@pytest.mark.parametrize(
    ("header", "context", "fiscal"),
    [
        ("区分 令和3年度 令和4年度", "", True),
        ("区分 初年度 H27 (2015) 最終年度 R1 (2019)", "各年12月末住民基本台帳", False),
        ("区分 H30 R1", "", True),
        ("区分 H30 R1", "各年10月1日現在", False),
        ("区分 2019 2020", "", False),
        ("年度 R2 R3", "各年度末現在", True),
    ],
)
def test_table_counts_fiscal_years(header: str, context: str, fiscal: bool) -> None:
    assert table_counts_fiscal_years(header, context) is fiscal


def test_title_line_skips_a_chart_axis_printed_above_the_table() -> None:
    assert context_to_title_line(("⑤経費回収率(%)", "100.00 0.50 0.50", "88.00")) == "⑤経費回収率(%)"
    assert context_to_title_line(("①収益的収支比率(%)", "0.40 該当数値なし 0.40")) == "①収益的収支比率(%)"
